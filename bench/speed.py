"""`kentrag bench speed`: ingest throughput, query latency at growing corpus sizes, re-sync time, memory.

Every cost is printed next to its baseline measured in the same process: ingest against the bare
SentenceTransformer.encode of the same chunk texts, retrieval against the bare query embedding.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from kentrag.bench.data import PROJECT, XQUAD_FILES, load_squad
from kentrag.bench.indexes import CACHE_DIR, bench_settings, write_files
from kentrag.bench.restart import SOURCES, peak_memory_mb
from kentrag.bench.synthetic import fill_store, register_unchanged, write_documents
from kentrag.bench.table import markdown_table
from kentrag.index.retriever import HybridRetriever, candidate_rows
from kentrag.index.scoring import centre_per_language, fused_scores, ranked
from kentrag.index.snapshot import snapshot_cache_of
from kentrag.index.store import Store
from kentrag.ingest.chunking import chunk_document, make_splitter
from kentrag.ingest.readers import read_document
from kentrag.ingest.sync import Syncer, chunk_sentences
from llama_index.core.schema import MetadataMode
from tqdm import tqdm

from kentrag.core.embedding import load_embedding, load_use_embedding, passage_precision
from kentrag.core.language import detect_language
from kentrag.core.settings import Settings

FULL = {"ingest_paragraphs": 120, "sizes": (1_000, 10_000, 100_000), "queries": 100, "resync_docs": 1000}
SMOKE = {"ingest_paragraphs": 8, "sizes": (200,), "queries": 10, "resync_docs": 50}
PLOT = PROJECT / "docs" / "bench-latency.png"
# The stages of `HybridRetriever.retrieve`, in order (`stage_seconds`).
STAGES = ("e5 query vector", "keywords", "candidates", "e5 cosines", "USE query vector", "USE cosines", "scoring")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_ingest(settings: Settings, paragraphs: list, workdir: Path) -> dict:
    """Syncer throughput on fresh files against the bare encoders (e5, plus USE when on) on the same texts:
    the chunks and their sentences. The bare encoders on the chunks alone show what sentence vectors cost."""
    write_files(paragraphs, workdir / "files")
    indexed = bench_settings(settings, workdir / "index")
    syncer = Syncer(indexed, show_progress=True)
    model = syncer.embedding._model  # loaded before timing; the SentenceTransformer behind the wrapper
    syncer.store.chunk_count()  # Chroma opened before timing too: a one-off cost, like loading the model
    use = load_use_embedding(indexed)
    model.encode(["warm-up"])
    use.encode(["warm-up"])
    splitter = make_splitter(settings)
    nodes = [node for path in sorted((workdir / "files").iterdir())
             for node in chunk_document(read_document(path, workdir / "files"), splitter)]
    texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    sentences = [sentence.text for sentence in chunk_sentences(nodes)]
    batch = syncer.embedding.embed_batch_size
    chunks_only = len(texts) / _bare_encode_seconds(settings, model, use, texts, batch)
    raw = len(texts) / _bare_encode_seconds(settings, model, use, texts + sentences, batch)
    started = time.perf_counter()
    report = syncer.sync([workdir / "files"])
    ingest = report.chunks_embedded / (time.perf_counter() - started)
    return {"chunks": len(texts), "sentences": len(sentences), "bare encoders, chunks only, chunks/s": chunks_only,
            "bare encoders, chunks + sentences, chunks/s": raw, "ingest chunks/s": ingest, "ratio": ingest / raw}


def _bare_encode_seconds(settings: Settings, model, use, texts: list[str], batch_size: int) -> float:
    """Seconds for e5 (passage prompt, in the precision ingest uses) and USE to encode the texts."""
    started = time.perf_counter()
    with passage_precision(settings):
        model.encode(texts, prompt_name="text", normalize_embeddings=True, batch_size=batch_size)
    use.encode(texts)
    return time.perf_counter() - started


def bench_latency(settings: Settings, sizes: tuple[int, ...], queries: list[str],
                  vocabulary: list[str]) -> tuple[list[dict], list[dict]]:
    """p50/p95 of HybridRetriever.retrieve against the bare query embedding, per corpus size; and the time to
    load the index: from Chroma, and from the snapshot cache that first load saved. Second, per size, the p50 of
    each stage of `retrieve`, each called on its own (`stage_seconds`)."""
    embedding = load_embedding(settings)
    dimension = len(embedding.get_query_embedding("warm-up"))
    rows, stage_rows = [], []
    for size in sizes:
        store = Store(bench_settings(settings, CACHE_DIR / f"speed-{size}"))
        fill_store(store, size, dimension, vocabulary)
        snapshot_cache_of(store).clear()
        started = time.perf_counter()
        retriever = HybridRetriever(store, embedding)
        refresh = time.perf_counter() - started
        started = time.perf_counter()
        restarted = HybridRetriever(store, embedding)
        from_cache = time.perf_counter() - started
        assert restarted.load_source == "cache"
        del restarted
        one_document = store.chunks.get(limit=1, include=["metadatas"])["metadatas"][0]["doc_id"]
        started = time.perf_counter()
        retriever.refresh([one_document])
        patch = time.perf_counter() - started
        retriever.retrieve(queries[0])
        embed_ms, retrieve_ms, stages = [], [], []
        for query in tqdm(queries, desc=f"queries at {size:,}", unit="q", file=sys.stderr):
            # Alternated, so either one may pay for the other's leftover thread activity.
            started = time.perf_counter()
            embedding.get_query_embedding(query)
            embed_ms.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            retriever.retrieve(query)
            retrieve_ms.append(1000 * (time.perf_counter() - started))
            stages.append(stage_seconds(retriever, query))
        stage_rows.append({"chunks": size, **{f"{stage} ms": percentile([1000 * s[stage] for s in stages], 50)
                                              for stage in STAGES}})
        rows.append({"chunks": size, "embed p50 ms": percentile(embed_ms, 50),
                     "retrieve p50 ms": percentile(retrieve_ms, 50), "embed p95 ms": percentile(embed_ms, 95),
                     "retrieve p95 ms": percentile(retrieve_ms, 95),
                     "p50 ratio": percentile(retrieve_ms, 50) / percentile(embed_ms, 50),
                     "refresh s": refresh, "start-up from snapshot cache s": from_cache,
                     "refresh of 1 changed document s": patch})
    return rows, stage_rows


def stage_seconds(retriever: HybridRetriever, query: str, k: int = 5) -> dict[str, float]:
    """Seconds of each of STAGES for one question, each stage called on its own as `retrieve` calls it (the USE
    stages count 0 when no candidate is in another language than the question's, as `retrieve` skips them)."""
    snapshot = retriever.snapshot
    seconds = dict.fromkeys(STAGES, 0.0)

    def timed(stage: str, step: Callable, *args):
        started = time.perf_counter()
        result = step(*args)
        seconds[stage] = time.perf_counter() - started
        return result

    vector = np.asarray(timed("e5 query vector", retriever.embedding.get_query_embedding, query), np.float32)
    keyword = timed("keywords", snapshot.keyword.matched_share, query)
    rows = timed("candidates", candidate_rows, snapshot, vector, keyword)
    dense, sentence = timed("e5 cosines", snapshot.e5_cosines, rows, vector)
    languages = snapshot.passage_languages[rows]
    same = languages == detect_language(query)
    use = use_sentence = None
    if snapshot.use_vectors is not None and not same.all():
        use_vector = timed("USE query vector", retriever.use_embedding.encode_query, query)
        use, use_sentence = timed("USE cosines", snapshot.use_cosines, rows[~same], use_vector)
    timed("scoring", lambda: ranked(centre_per_language(
        fused_scores(dense, sentence, keyword[rows], same, use, use_sentence), languages), k))
    return seconds


def bench_restarts(sizes: tuple[int, ...]) -> list[dict]:
    """Per index size of `bench_latency`, a restart in a child process (bench.restart): load time and peak
    memory reading the snapshot cache, then reading Chroma."""
    rows = []
    for size in sizes:
        row: dict = {"chunks": size}
        for source in SOURCES:
            command = [sys.executable, "-m", "kentrag.bench.restart", str(CACHE_DIR / f"speed-{size}"), source]
            done = subprocess.run(command,
                                  cwd=PROJECT, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"bench.restart failed at {size} chunks: {done.stderr[-2000:]}")
            measured = json.loads(done.stdout.splitlines()[-1])
            if measured["loaded from"] != source:
                raise RuntimeError(f"bench.restart from {source} at {size} chunks: {measured}")
            row[f"from {source} s"], row[f"from {source} peak MB"] = measured["load s"], measured["peak MB"]
        row["model alone MB"] = measured["model MB"]
        rows.append(row)
    return rows


def bench_resync(settings: Settings, count: int, vocabulary: list[str]) -> dict:
    """Time of a sync that finds `count` documents all unchanged."""
    folder = CACHE_DIR / f"resync-{count}" / "files"
    paths = write_documents(folder, count, vocabulary)
    syncer = Syncer(bench_settings(settings, folder.parent / "index"), show_progress=False)
    register_unchanged(syncer.store, folder, paths)
    started = time.perf_counter()
    report = syncer.sync([folder])
    seconds = time.perf_counter() - started
    assert len(report.unchanged) == count, report.summary()
    return {"documents": count, "re-sync s": seconds}


def plot_latency(rows: list[dict], path: Path) -> None:
    """Latency p50/p95 against corpus size, with the bare query embedding for reference."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    sizes = [r["chunks"] for r in rows]
    figure, axes = pyplot.subplots(figsize=(6, 4))
    for key, style in (("retrieve p50 ms", "o-"), ("retrieve p95 ms", "o--"), ("embed p50 ms", "s-"),
                       ("embed p95 ms", "s--")):
        axes.plot(sizes, [r[key] for r in rows], style, label=key.replace(" ms", ""))
    axes.set_xscale("log")
    axes.set_xlabel("chunks in the index")
    axes.set_ylabel("milliseconds per query")
    axes.set_title("HybridRetriever.retrieve vs bare query embedding")
    axes.legend()
    axes.grid(True, alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot.close(figure)


def run_speed(smoke: bool, settings: Settings) -> dict:
    """Run the speed benchmark and print its tables."""
    sizes = SMOKE if smoke else FULL
    dataset = load_squad(XQUAD_FILES[0])
    paragraphs = dataset.paragraphs[: sizes["ingest_paragraphs"]]
    vocabulary = sorted({w for p in dataset.paragraphs for w in p.text.split()})
    queries = [q.text for q in dataset.questions[:: max(1, len(dataset.questions) // sizes["queries"])]]
    with tempfile.TemporaryDirectory() as tmp:
        ingest = bench_ingest(settings, paragraphs, Path(tmp))
    latency, stages = bench_latency(settings, sizes["sizes"], queries[: sizes["queries"]], vocabulary)
    restarts = bench_restarts(sizes["sizes"])
    resync = bench_resync(settings, sizes["resync_docs"], vocabulary)
    print("\n### Ingest throughput (Syncer vs bare e5 + USE encode of the same chunks and sentences)\n")
    print(markdown_table(list(ingest), [list(ingest.values())]))
    print("\n### Query latency (HybridRetriever.retrieve vs bare query embedding)\n")
    print(markdown_table(list(latency[0]), [list(r.values()) for r in latency]))
    print("\n### Where the time of a retrieve call goes (p50 per stage, each stage called on its own)\n")
    print(markdown_table(list(stages[0]), [list(r.values()) for r in stages]))
    print("\n### A restart: a new process loads the index (snapshot cache, then Chroma) and answers one question\n")
    print(markdown_table(list(restarts[0]), [list(r.values()) for r in restarts]))
    print("\n### No-change re-sync\n")
    print(markdown_table(list(resync), [list(resync.values())]))
    print(f"\npeak memory: {peak_memory_mb():.0f} MB (VmHWM)")
    if not smoke:
        plot_latency(latency, PLOT)
        print(f"plot: {PLOT.relative_to(PROJECT)}")
    return {"ingest": ingest, "latency": latency, "stages": stages, "restarts": restarts, "resync": resync,
            "peak_mb": peak_memory_mb()}
