"""Which generators a configuration offers: extractive always, openai and local when configured."""

from __future__ import annotations

from kentrag.answer.base import Generator
from kentrag.answer.extractive import ExtractiveGenerator
from kentrag.answer.llm import LLMGenerator
from kentrag.answer.local import LocalChat
from kentrag.answer.openai_compat import OpenAIChat
from kentrag.answer.weights import installed_gguf
from kentrag.core.settings import Settings

HOW_TO_ENABLE = {
    "openai": "set KENTRAG_LLM_BASE_URL (and KENTRAG_LLM_MODEL, KENTRAG_LLM_API_KEY as the server needs)",
    "local": "run `kentrag setup-llm --model smollm2|qwen0.5b|qwen1.5b` or set KENTRAG_LLM_GGUF",
}


def build_generators(settings: Settings, embedding) -> dict[str, Generator]:
    """The generators this configuration offers, by name; LLMs load their model on first use."""
    generators: dict[str, Generator] = {"extractive": ExtractiveGenerator(embedding)}
    if settings.llm_base_url:
        chat = OpenAIChat(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
        generators["openai"] = LLMGenerator("openai", chat)
    gguf = installed_gguf(settings)
    if gguf is not None:
        generators["local"] = LLMGenerator("local", LocalChat(gguf))
    return generators


def unavailable(name: str, generators: dict[str, Generator]) -> str:
    """Why `name` cannot be used, and how to enable it."""
    hint = f" ({HOW_TO_ENABLE[name]})" if name in HOW_TO_ENABLE else ""
    return f"generator {name!r} is not available{hint}; available: {', '.join(generators)}"
