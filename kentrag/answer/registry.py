"""Which generators a configuration offers: extractive always, openai and local when configured."""

from __future__ import annotations

from kentrag.answer.base import Generator
from kentrag.answer.extractive import ExtractiveGenerator
from kentrag.answer.llm import LLMGenerator
from kentrag.answer.local import LocalChat
from kentrag.answer.openai_compat import OpenAIChat
from kentrag.answer.ranking import SentenceRanker
from kentrag.answer.weights import installed_gguf
from kentrag.core.settings import Settings

# Always offered; also answers, by quoting, when a language model's answer fails its checks.
FALLBACK = "extractive"
HOW_TO_ENABLE = {
    "openai": "set KENTRAG_LLM_BASE_URL (and KENTRAG_LLM_MODEL, KENTRAG_LLM_API_KEY as the server needs)",
    "local": "run `kentrag setup-llm --model smollm2|qwen0.5b|qwen1.5b` or set KENTRAG_LLM_GGUF",
}


class GeneratorUnavailable(ValueError):
    """The generator asked for is not offered by this configuration; the message says how to enable it."""


def build_generators(settings: Settings, ranker: SentenceRanker) -> dict[str, Generator]:
    """The generators this configuration offers, by name (the extractive one quotes the sentences `ranker`
    ranks; LLMs answer from those sentences and load their model on first use)."""
    quoting = ExtractiveGenerator(ranker)
    generators: dict[str, Generator] = {FALLBACK: quoting}
    if settings.llm_base_url:
        chat = OpenAIChat(settings.llm_base_url, settings.llm_model, settings.llm_api_key)
        generators["openai"] = LLMGenerator("openai", chat, quoting)
    gguf = installed_gguf(settings)
    if gguf is not None:
        generators["local"] = LLMGenerator("local", LocalChat(gguf), quoting)
    return generators


def pick(generators: dict[str, Generator], name: str) -> Generator:
    """The generator called `name`; GeneratorUnavailable saying why not and how to enable it."""
    if name not in generators:
        hint = f" ({HOW_TO_ENABLE[name]})" if name in HOW_TO_ENABLE else ""
        raise GeneratorUnavailable(f"generator {name!r} is not available{hint}; available: {', '.join(generators)}")
    return generators[name]
