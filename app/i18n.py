"""The interface language: chosen from the browser's or the toggle's tag; the texts are in kentrag.core.texts."""

from __future__ import annotations

from kentrag.core.texts import DEFAULT_LANGUAGE, LANGUAGES, phrase

# JavaScript run in the browser on page load: ["tr"] when the browser prefers Turkish, else ["en"].
BROWSER_LANGUAGE_JS = """() => {
    const tag = (navigator.languages && navigator.languages[0]) || navigator.language || "";
    return [tag.toLowerCase().startsWith("tr") ? "tr" : "en"];
}"""

# An interface text in a language: text("send", "tr") == "Sor".
text = phrase


def pick_language(value: str | None) -> str:
    """A supported interface language from a browser tag or toggle value ("tr-TR" → "tr")."""
    tag = (value or "").strip().lower()
    return next((language for language in LANGUAGES if tag.startswith(language)), DEFAULT_LANGUAGE)
