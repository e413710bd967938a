"""Components whose texts follow the interface language: made in the default language, relabelled together."""

from __future__ import annotations

from typing import Any

import gradio as gr
from kentrag.app.i18n import DEFAULT_LANGUAGE, text


class Labels:
    """A register of (component, {property: i18n key}) pairs."""

    def __init__(self, **values: object) -> None:
        self.values = values
        self.items: list[tuple[Any, dict[str, str]]] = []

    def make(self, kind: type, texts: dict[str, str], **kwargs: Any) -> Any:
        """`kind(**kwargs)` with each property in `texts` set in the default language, and registered."""
        component = kind(**self._texts(texts, DEFAULT_LANGUAGE), **kwargs)
        self.items.append((component, texts))
        return component

    def _texts(self, texts: dict[str, str], language: str) -> dict[str, str]:
        return {prop: text(key, language, **self.values) for prop, key in texts.items()}

    @property
    def components(self) -> list[Any]:
        return [component for component, _ in self.items]

    def updates(self, language: str) -> list[dict]:
        """One gr.update per registered component, in registration order."""
        return [gr.update(**self._texts(texts, language)) for _, texts in self.items]
