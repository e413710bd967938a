"""Synthetic indexes for the speed benchmark: random unit vectors with text drawn from real words,
written through the production store (llama-index nodes into Chroma, plus manifest records)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from kentrag.index.store import ManifestEntry, Store, sentence_id
from kentrag.ingest.readers import content_hash, document_id
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from tqdm import tqdm

WORDS_PER_CHUNK = 60
CHUNKS_PER_DOC = 5
WRITE_BATCH = 2000
USE_DIMENSION = 512  # multilingual USE v3
SENTENCES_PER_CHUNK = 4  # a 160-token chunk holds 2.5 sentences on average in XQuAD, 3.9 in the bundled corpus


def synthetic_text(rng: np.random.Generator, vocabulary: list[str], words: int = WORDS_PER_CHUNK) -> str:
    return " ".join(rng.choice(vocabulary, size=words))


def fill_store(store: Store, size: int, dimension: int, vocabulary: list[str], seed: int = 0) -> None:
    """Add synthetic chunks until the store holds `size`, with sentence vectors and USE vectors."""
    with store.writing():
        _fill_chunks(store, size, dimension, vocabulary, seed)
        chunk_ids = [_chunk_id(row) for row in range(size)]
        sentence_ids = [sentence_id(chunk, n) for chunk in chunk_ids for n in range(SENTENCES_PER_CHUNK)]
        _fill_vectors(store.sentences, sentence_ids, dimension, seed + 2, "sentence vectors")
        if store.use_chunks is not None:
            _fill_vectors(store.use_chunks, chunk_ids, USE_DIMENSION, seed + 1, "USE vectors")
            _fill_vectors(store.use_sentences, sentence_ids, USE_DIMENSION, seed + 3, "USE sentence vectors")


def _unit_vectors(rng: np.random.Generator, count: int, dimension: int) -> np.ndarray:
    vectors = rng.standard_normal((count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _fill_chunks(store: Store, size: int, dimension: int, vocabulary: list[str], seed: int) -> None:
    have = store.chunk_count()
    if have >= size:
        return
    rng = np.random.default_rng(seed + have)
    bar = tqdm(total=size, initial=have, unit="chunk", desc=f"synthetic {size:,}")
    for start in range(have, size, WRITE_BATCH):
        rows = range(start, min(size, start + WRITE_BATCH))
        vectors = _unit_vectors(rng, len(rows), dimension)
        nodes = [_node(row, synthetic_text(rng, vocabulary), vector) for row, vector in zip(rows, vectors)]
        store.vector_store().add(nodes)
        store.put_manifest([_entry(doc, "synthetic") for doc in sorted({n.metadata["doc_id"] for n in nodes})])
        bar.update(len(rows))
    bar.close()


def _fill_vectors(collection, ids: list[str], dimension: int, seed: int, label: str) -> None:
    """Random unit vectors for the ids (chunk ids, or sentence ids "<chunk id>/<n>") that have none yet."""
    have = collection.count()
    rng = np.random.default_rng(seed + have)
    for start in tqdm(range(have, len(ids), WRITE_BATCH), desc=f"{label} {len(ids):,}", unit="batch"):
        part = ids[start:start + WRITE_BATCH]
        rows = [_row_of(i) for i in part]
        metadatas = [{"doc_id": _doc_id(row), "chunk_id": _chunk_id(row), "language": _language(row)} for row in rows]
        collection.upsert(ids=part, embeddings=_unit_vectors(rng, len(part), dimension).tolist(), metadatas=metadatas)


def _chunk_id(row: int) -> str:
    return f"{_doc_id(row)}#{row}"


def _row_of(vector_id: str) -> int:
    """The chunk row of a chunk or sentence id."""
    return int(vector_id.split("#")[1].split("/")[0])


def _doc_id(row: int) -> str:
    return f"synthetic/{row // CHUNKS_PER_DOC:06d}.txt"


def _language(row: int) -> str:
    return ("tr", "en")[row // CHUNKS_PER_DOC % 2]


def _node(row: int, text: str, vector: np.ndarray) -> TextNode:
    doc_id = _doc_id(row)
    metadata = {"doc_id": doc_id, "title": doc_id, "source": Path(doc_id).name,
                "language": _language(row), "chunk_index": row % CHUNKS_PER_DOC,
                "start_char": 0, "end_char": len(text), "content_hash": "synthetic"}
    return TextNode(id_=_chunk_id(row), text=text, metadata=metadata, embedding=vector.tolist(),
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=doc_id)})


def _entry(doc_id: str, digest: str, path: str | None = None) -> ManifestEntry:
    return ManifestEntry(doc_id=doc_id, path=path or f"/synthetic/{doc_id}", content_hash=digest, title=doc_id,
                         language="en", chunks=CHUNKS_PER_DOC, added_at="", updated_at="", status="ok")


def write_documents(folder: Path, count: int, vocabulary: list[str], seed: int = 1) -> list[Path]:
    """`count` small text files (kept when already there), for the re-sync benchmark."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        path = folder / f"doc-{i:05d}.txt"
        text = synthetic_text(rng, vocabulary, 40)
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def register_unchanged(store: Store, folder: Path, paths: list[Path]) -> None:
    """Manifest records saying every file is indexed as it is now (what a finished ingest leaves)."""
    store.put_manifest([_entry(document_id(p, folder), content_hash(p.read_bytes()), str(p.resolve()))
                          for p in paths])
