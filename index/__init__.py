"""The Chroma store and retrieval over it."""
