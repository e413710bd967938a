"""The Chroma store: an embedded PersistentClient by default, a Chroma server through HttpClient when set.

Collections per index shape (model + prompts + chunking, see `Settings.index_fingerprint`), each named
`<prefix>-<fingerprint>-<part>`: `chunks` (written through llama-index's ChromaVectorStore), `sentences` (e5
vectors of each chunk's sentences), `docs` (the manifest, one record per document), `state` (the write token,
see `Store.writing`) and with USE vectors on `use-chunks` / `use-sentences`. A new shape gets new collections,
so vectors of two models never meet in one collection.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kentrag.core.settings import Settings

# Manifest records carry no meaning as vectors; Chroma still wants one, so each gets this constant.
MANIFEST_VECTOR = [1.0]
WRITE_TOKEN_ID = "write-token"
WRITING = "writing-"  # prefix of the token while a write is under way (or was killed)


class StoreUnavailable(RuntimeError):
    """Chroma cannot be reached or opened; the message says where and what to do."""


@dataclass(frozen=True)
class ManifestEntry:
    """What the index knows of one document."""

    doc_id: str
    path: str
    content_hash: str
    title: str
    language: str
    chunks: int
    added_at: str
    updated_at: str
    status: str  # "indexing" while its chunks are being replaced, "ok" once they are all written, "removing"

    def metadata(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "doc_id"}


def connect(settings: Settings):
    """A Chroma client for these settings; StoreUnavailable with a clear reason when it cannot be had."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
            return client
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as error:  # chromadb raises many kinds; all mean the same to the user
        raise StoreUnavailable(f"cannot open the {_where(settings)}: {error}") from error


def _where(settings: Settings) -> str:
    if settings.chroma_host:
        return f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
    return f"Chroma data directory {settings.data_dir / 'chroma'}"


@contextmanager
def store_errors(settings: Settings) -> Iterator[None]:
    """Turn a Chroma server connection lost after `connect` (server stopped, restarting) into StoreUnavailable."""
    import httpx

    try:
        yield
    except httpx.TransportError as error:
        raise StoreUnavailable(f"cannot open the {_where(settings)}: {str(error) or type(error).__name__}") from error


# Chroma's SQLite backend fails with "too many SQL variables" when one get() returns ~100k records.
GET_PAGE = 5000


def _pages(collection, include: list[str], where: dict | None) -> Iterator[dict[str, list]]:
    """Every record of a collection (or those matching `where`), GET_PAGE records a `get`."""
    offset = 0
    while True:
        got = collection.get(include=include, where=where, limit=GET_PAGE, offset=offset)
        yield got
        offset += len(got["ids"])
        if len(got["ids"]) < GET_PAGE:
            return


def get_all(collection, include: list[str], where: dict | None = None) -> dict[str, list]:
    """Every record of a collection (or those matching `where`): ids plus the `include` fields."""
    out: dict[str, list] = {key: [] for key in ["ids", *include]}
    for got in _pages(collection, include, where):
        for key in out:
            out[key].extend(got[key])
    return out


def get_all_vectors(collection, where: dict | None = None) -> tuple[list[str], np.ndarray]:
    """Every record's (or those matching `where`) id and float16 vector, one row each; each page is converted
    from Chroma's float64 as it arrives (the whole set as float64 would take four times the memory)."""
    ids: list[str] = []
    pages = []
    for got in _pages(collection, ["embeddings"], where):
        ids.extend(got["ids"])
        if got["ids"]:
            pages.append(np.asarray(got["embeddings"], dtype=np.float16))
    return ids, np.concatenate(pages) if pages else np.zeros((0, 0), np.float16)


def vectors_in_order(collection, ids: Sequence[str], where: dict | None = None) -> np.ndarray | None:
    """The vectors of the collection (or of its records matching `where`) as float16 rows in the order of
    `ids`, or None unless those are exactly `ids` (a vector set that is off, or incomplete after an
    interrupted write)."""
    if collection is None or not ids:
        return None
    stored_ids, vectors = get_all_vectors(collection, where)
    position = {record_id: row for row, record_id in enumerate(ids)}
    if len(stored_ids) != len(ids) or any(i not in position for i in stored_ids):
        return None
    in_order = np.empty_like(vectors)
    in_order[[position[i] for i in stored_ids]] = vectors
    return in_order


def sentence_id(chunk_id: str, index: int) -> str:
    """Id of a chunk's `index`-th sentence vector."""
    return f"{chunk_id}/{index}"


def sentence_place(sentence: str) -> tuple[str, int]:
    """The chunk id and the sentence number inside a sentence id."""
    chunk, _, number = sentence.rpartition("/")
    return chunk, int(number)


class Store:
    """The chunk and manifest collections of one index shape."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = connect(settings)
        self.base_name = f"{settings.collection_prefix}-{settings.index_fingerprint}"
        self.chunks = self._collection("chunks", vectors=True)
        self.manifest = self._collection("docs")
        self.sentences = self._collection("sentences", vectors=True)  # ids "<chunk id>/<n>" (see `sentence_id`)
        # USE vectors, when on: same ids as `chunks` and as `sentences` (written by ingest.sync).
        self.use_chunks = self._collection("use-chunks", vectors=True) if settings.use_vectors else None
        self.use_sentences = self._collection("use-sentences", vectors=True) if settings.use_vectors else None
        self.state = self._collection("state")
        self._write_depth = 0
        self._write_lock = threading.Lock()
        if self.write_token(include_writing=True) is None:  # an index from before write tokens
            self._set_write_token(uuid.uuid4().hex)

    def write_token(self, include_writing: bool = False) -> str | None:
        """A token that changes whenever the index is written to: what was derived from the index under one token
        (read before and after) holds while the token stays. None while a write is under way or was killed
        (unless `include_writing`)."""
        got = self.state.get(ids=[WRITE_TOKEN_ID], include=["metadatas"])
        token = got["metadatas"][0]["token"] if got["ids"] else None
        return token if include_writing or not (token or "").startswith(WRITING) else None

    def _set_write_token(self, token: str) -> None:
        self.state.upsert(ids=[WRITE_TOKEN_ID], embeddings=[MANIFEST_VECTOR], metadatas=[{"token": token}])

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Wrap every write to the index: the write token says "writing" until the outermost `writing` ends (also
        on an error), then becomes a new token. A killed writer leaves "writing": no snapshot cache is used."""
        with self._write_lock:
            self._write_depth += 1
            if self._write_depth == 1:
                self._set_write_token(WRITING + uuid.uuid4().hex)
        try:
            yield
        finally:
            with self._write_lock:
                self._write_depth -= 1
                if self._write_depth == 0:
                    self._set_write_token(uuid.uuid4().hex)

    def _collection(self, part: str, vectors: bool = False):
        """This shape's collection `<base_name>-<part>` (cosine space for `vectors`)."""
        meta = {"kentrag_settings": json.dumps(self.settings.describe(), sort_keys=True)}
        # embedding_function=None: Chroma must never embed by itself (its default downloads a model).
        return self.client.get_or_create_collection(name=f"{self.base_name}-{part}", embedding_function=None,
                                                    metadata={**meta, "hnsw:space": "cosine"} if vectors else meta)

    def vector_store(self):
        """llama-index's ChromaVectorStore over the chunk collection."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self.chunks)

    def manifest_entries(self) -> dict[str, ManifestEntry]:
        """All manifest records, by doc_id."""
        got = get_all(self.manifest, ["metadatas"])
        return {doc_id: ManifestEntry(doc_id=doc_id, **meta) for doc_id, meta in zip(got["ids"], got["metadatas"])}

    def put_manifest(self, entries: Sequence[ManifestEntry]) -> None:
        """Upsert manifest records in one call."""
        if entries:
            with self.writing():
                self.manifest.upsert(ids=[e.doc_id for e in entries], embeddings=[MANIFEST_VECTOR] * len(entries),
                                     metadatas=[e.metadata() for e in entries])

    def forget(self, doc_ids: Sequence[str]) -> None:
        """Remove documents: their manifest records marked "removing", then their chunks deleted, then the records.
        Crash-safe: a record left behind makes the next sync finish the removal, and the changed record tells the
        snapshot cache which documents changed (index.snapshot)."""
        if doc_ids:
            with self.writing():
                got = self.manifest.get(ids=list(doc_ids), include=["metadatas"])
                self.put_manifest([replace(ManifestEntry(doc_id=doc_id, **meta), status="removing")
                                   for doc_id, meta in zip(got["ids"], got["metadatas"])])
                self.delete_chunks_of(doc_ids)
                self.manifest.delete(ids=list(doc_ids))

    def delete_chunks_of(self, doc_ids: Sequence[str]) -> None:
        """Delete every chunk of these documents, with its sentence and USE vectors (one call per collection)."""
        if not doc_ids:
            return
        where = {"doc_id": {"$in": list(doc_ids)}}
        with self.writing():
            for collection in (self.chunks, self.sentences, self.use_chunks, self.use_sentences):
                if collection is not None:
                    collection.delete(where=where)

    def chunk_count(self) -> int:
        return self.chunks.count()

    @property
    def collection_names(self) -> list[str]:
        """The names of this index shape's collections."""
        collections = (self.chunks, self.manifest, self.sentences, self.use_chunks, self.use_sentences, self.state)
        return [collection.name for collection in collections if collection is not None]

    def drop_other_index_shapes(self) -> list[str]:
        """Delete this prefix's collections of other models or chunkings; returns their names."""
        ours, prefix = set(self.collection_names), f"{self.settings.collection_prefix}-"
        names = [c.name for c in self.client.list_collections() if c.name.startswith(prefix) and c.name not in ours]
        for name in names:
            self.client.delete_collection(name)
        return names
