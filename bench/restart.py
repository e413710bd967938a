"""What a restart costs: a fresh process loads a retriever over a benchmark index and answers one question.

`kentrag bench speed` runs this in a child process per index size, once reading the snapshot cache and once
reading Chroma, so the peak memory printed is that of the load alone (a restarted app), not of the benchmark
process with every index it has opened:

    python -m kentrag.bench.restart DATA_DIR cache|chroma
"""

from __future__ import annotations

from kentrag.core import runtime  # noqa: F401  (first: offline and thread settings, before numpy loads)

# isort: split
import json
import sys
import time
from pathlib import Path

from kentrag.bench.indexes import bench_settings
from kentrag.index.retriever import HybridRetriever
from kentrag.index.store import Store

from kentrag.core.embedding import load_embedding
from kentrag.core.settings import Settings

SOURCES = ("cache", "chroma")


def peak_memory_mb(pid: int | str = "self") -> float:
    """Peak resident memory of this process (or another) so far: Linux's VmHWM. (Not getrusage's ru_maxrss,
    which a child process inherits from its parent: every child of the benchmark would report the benchmark's
    own peak.)"""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024  # kB


def measure_restart(data_dir: Path, source: str) -> dict:
    """Seconds to load the retriever (from the snapshot cache, or from Chroma with the cache off) and this
    process's peak memory after one question; the model is loaded first, its memory shown apart."""
    settings = bench_settings(Settings(), data_dir).with_overrides(snapshot_cache=source == "cache")
    embedding = load_embedding(settings)
    embedding.get_query_embedding("warm-up")
    model_mb = peak_memory_mb()
    started = time.perf_counter()
    retriever = HybridRetriever(Store(settings), embedding)
    seconds = time.perf_counter() - started
    retriever.retrieve("Which city opened a new metro line?")
    return {"source": source, "loaded from": retriever.load_source, "load s": seconds,
            "model MB": model_mb, "peak MB": peak_memory_mb()}


if __name__ == "__main__":
    folder, chosen = sys.argv[1:]
    if chosen not in SOURCES:
        raise SystemExit(f"usage: python -m kentrag.bench.restart DATA_DIR {'|'.join(SOURCES)}")
    print(json.dumps(measure_restart(Path(folder), chosen)))
