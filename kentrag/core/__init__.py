"""The foundation every layer builds on: settings, runtime environment, language, sentences, embedding, shared types."""
