"""Real Chroma indexes of benchmark paragraphs, built by the production Syncer and cached between runs.

Each paragraph becomes one .txt file, so reading, chunking and embedding happen as in `kentrag ingest`.
A re-run finds every file unchanged and embeds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from kentrag.bench.data import PROJECT, Paragraph
from kentrag.index.store import Store
from kentrag.ingest.sync import Syncer

from kentrag.core.settings import Settings

CACHE_DIR = PROJECT / "bench" / ".cache"


def pool_tag(paragraphs: list[Paragraph]) -> str:
    """A short hash of the pool's files: the same paragraphs reuse the same cached index."""
    digest = hashlib.sha256()
    for p in paragraphs:
        digest.update(p.doc_id.encode() + b"\0" + p.text.encode() + b"\0")
    return digest.hexdigest()[:10]


def write_files(paragraphs: list[Paragraph], folder: Path) -> None:
    """One .txt file per paragraph (rewritten only when its text changed, so sync sees no change)."""
    folder.mkdir(parents=True, exist_ok=True)
    for p in paragraphs:
        path = folder / p.doc_id
        if not path.exists() or path.read_text(encoding="utf-8") != p.text:
            path.write_text(p.text, encoding="utf-8")


def bench_settings(settings: Settings, data_dir: Path) -> Settings:
    """The user's model and chunking settings on a local index in `data_dir`, with USE vectors stored
    (the USE baseline reads them)."""
    return replace(settings, data_dir=data_dir, chroma_host=None, use_vectors=True)


def build_index(paragraphs: list[Paragraph], settings: Settings, name: str,
                cache_dir: Path = CACHE_DIR) -> Store:
    """The Store of an index holding `paragraphs`, synced through Syncer (cached under cache_dir)."""
    # One folder per index shape: a sync drops other shapes' collections, so runs with different chunk
    # sizes must not share one.
    root = cache_dir / f"{name}-{pool_tag(paragraphs)}-{settings.index_fingerprint}"
    write_files(paragraphs, root / "files")
    indexed = bench_settings(settings, root / "index")
    syncer = Syncer(indexed)
    report = syncer.sync([root / "files"])
    if report.failed:
        raise RuntimeError(f"benchmark ingest failed: {report.failed}")
    return syncer.store
