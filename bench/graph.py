"""`kentrag bench graph`: how many of the exact nearest chunks the HNSW graph of a large index finds, how fast.

Above `index.snapshot.EXACT_SEARCH_LIMIT` chunks the dense candidates come from a graph (index.dense_search)
instead of an exact scan. Random vectors cannot tell its recall (every point is about as near as any other), so this
embeds real text: the documents of a folder (`--texts`; the bundled corpus by default, `/usr/share/doc` on a
Debian machine gives ~50k chunks), chunked and embedded as ingest does it, cached under bench/.cache. Queries:
XQuAD questions in both languages, and held-out chunks of the folder (every 20th, with the query prompt).
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import torch
from kentrag.bench.data import PROJECT, XQUAD_FILES, load_squad
from kentrag.bench.indexes import CACHE_DIR
from kentrag.bench.table import markdown_table
from kentrag.index.dense_search import ExactSearch, GraphSearch
from kentrag.index.retriever import CANDIDATES
from kentrag.index.snapshot import EXACT_SEARCH_LIMIT
from kentrag.ingest.chunking import chunk_document, make_splitter
from kentrag.ingest.readers import UnreadableDocument, read_document, read_limited
from kentrag.ingest.sync import SyncReport, discover
from llama_index.core.schema import MetadataMode
from tqdm import tqdm

from kentrag.core.embedding import embed_passages, load_embedding
from kentrag.core.settings import Settings

BREADTHS = (64, 128, 256)  # index.dense_search.SEARCH_BREADTH is one of them
NEAREST = 2 * CANDIDATES  # what the retriever asks the graph of a two-language index for
HELD_OUT_EVERY = 20
EMBED_SLICE = 1024
FULL = {"limit": 100_000, "questions": 300}
SMOKE = {"limit": 300, "questions": 10}


def chunk_texts(folder: Path, settings: Settings, limit: int) -> list[str]:
    """The texts ingest would embed for the documents under `folder` (unreadable ones skipped), up to `limit`."""
    files, _ = discover([folder], SyncReport())
    splitter = make_splitter(settings)
    texts: list[str] = []
    for source in tqdm(files, desc="chunking", unit="file", file=sys.stderr):
        try:
            document = read_document(source.path, source.root, read_limited(source.path, settings.max_document_mb))
        except UnreadableDocument:
            continue
        texts.extend(node.get_content(metadata_mode=MetadataMode.EMBED) for node in chunk_document(document, splitter))
        if len(texts) >= limit:
            break
    return texts[:limit]


def embedded(texts: list[str], settings: Settings, prompt: str) -> np.ndarray:
    """e5 vectors of the texts with the passage or the query prompt, as ingest and `ask` make them; cached."""
    digest = hashlib.sha256("\0".join([prompt, settings.index_fingerprint, *texts]).encode()).hexdigest()[:16]
    cache = CACHE_DIR / f"graph-{prompt}-{digest}.npy"
    if cache.exists():
        return np.load(cache)
    embedding = load_embedding(settings)
    if prompt == "passage":
        vectors = [vector for start in tqdm(range(0, len(texts), EMBED_SLICE), desc="embedding passages",
                                            unit="slice", file=sys.stderr)
                   for vector in embed_passages(embedding, texts[start:start + EMBED_SLICE], settings)]
    else:
        vectors = [embedding.get_query_embedding(t) for t in tqdm(texts, desc="embedding queries", file=sys.stderr)]
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, matrix)
    return matrix


def exact_nearest(pool: np.ndarray, queries: np.ndarray, k: int) -> list[np.ndarray]:
    """The k nearest pool rows of each query by cosine, nearest first."""
    similarities = torch.from_numpy(queries) @ torch.from_numpy(pool).T
    return list(torch.topk(similarities, min(k, len(pool)), dim=1).indices.numpy())


def search_rows(label: str, search, queries: np.ndarray, truth: list[np.ndarray]) -> dict:
    """Median time of `search(query)` (after a warm-up pass) and the share of the exact top 1/10/80 it finds."""
    for query in queries[:10]:
        search(query)
    times, found = [], {1: [], 10: [], NEAREST: []}
    for query, nearest in zip(queries, truth):
        started = time.perf_counter()
        rows = set(search(query).tolist())
        times.append(1000 * (time.perf_counter() - started))
        for k in found:
            found[k].append(len(rows & set(nearest[:k].tolist())) / min(k, len(nearest)))
    return {"search": label, "ms p50": float(np.median(times)),
            **{f"exact top {k} found": float(np.mean(v)) for k, v in found.items()}}


def run_graph(texts_folder: Path | None, smoke: bool, settings: Settings) -> dict:
    """Build the graph over the folder's chunks and print recall and time per query set and breadth."""
    sizes = SMOKE if smoke else FULL
    folder = texts_folder or PROJECT / "corpus"
    texts = chunk_texts(folder, settings, sizes["limit"])
    held_out = texts[::HELD_OUT_EVERY]
    pool_texts = [t for i, t in enumerate(texts) if i % HELD_OUT_EVERY]
    if not pool_texts:
        raise SystemExit(f"no readable documents under {folder}")
    questions = [q.text for path in XQUAD_FILES for q in load_squad(path).questions[: sizes["questions"]]]
    pool = embedded(pool_texts, settings, "passage")
    query_sets = {"XQuAD questions": embedded(questions, settings, "query"),
                  "held-out chunks": embedded(held_out[: 2 * sizes["questions"]], settings, "query")}
    started = time.perf_counter()
    graph = GraphSearch.build(pool)
    exact = ExactSearch(pool)
    build_seconds = time.perf_counter() - started
    rows = []
    for name, queries in query_sets.items():
        truth = exact_nearest(pool, queries, NEAREST)
        scan = search_rows("exact scan", lambda q: exact.nearest_rows(q, NEAREST), queries, truth)
        rows.append({"queries": name, **scan})
        for breadth in BREADTHS:
            graph.index.expansion_search = breadth
            rows.append({"queries": name, **search_rows(f"graph, {breadth} looked at",
                                                        lambda q: graph.nearest_rows(q, NEAREST), queries, truth)})
    print(f"\n### HNSW graph against the exact scan: {len(pool):,} chunks of {folder}, "
          f"built in {build_seconds:.1f} s\n")
    if len(pool) <= EXACT_SEARCH_LIMIT:
        print(f"(The retriever scans up to {EXACT_SEARCH_LIMIT:,} chunks exactly; --texts with a larger folder "
              "measures the graph where it serves.)\n")
    print(markdown_table(list(rows[0]), [list(r.values()) for r in rows]))
    return {"chunks": len(pool), "build s": build_seconds, "rows": rows}
