"""The Chroma store: an embedded PersistentClient by default, a Chroma server through HttpClient when set.

Collections per index shape (model + prompts + chunking, see `Settings.index_fingerprint`):
`<prefix>-<fingerprint>-chunks` holds the chunk vectors (written through llama-index's ChromaVectorStore),
`<prefix>-<fingerprint>-sentences` the e5 vectors of each chunk's sentences, `<prefix>-<fingerprint>-docs`
the manifest, one record per document, `<prefix>-<fingerprint>-state` the write token (see `Store.writing`),
and with USE vectors on (`Settings.use_vectors`) `...-use-chunks` / `...-use-sentences` USE's vectors of the
same chunks and sentences. A new shape gets new collections, so vectors of two models never meet in one collection.
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


def _client_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def connect(settings: Settings):
    """A Chroma client for these settings; StoreUnavailable with a clear reason when it cannot be had."""
    import chromadb

    try:
        if settings.chroma_host:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=_client_settings()
            )
            client.heartbeat()
            return client
        path = settings.data_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=_client_settings())
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


def get_all(collection, include: list[str], where: dict | None = None) -> dict[str, list]:
    """Every record of a collection (or those matching `where`): ids plus the `include` fields, in pages."""
    out: dict[str, list] = {key: [] for key in ["ids", *include]}
    while True:
        got = collection.get(include=include, where=where, limit=GET_PAGE, offset=len(out["ids"]))
        for key in out:
            out[key].extend(got[key])
        if len(got["ids"]) < GET_PAGE:
            return out


def get_all_vectors(collection, where: dict | None = None, dtype: type = np.float16) -> tuple[list[str], np.ndarray]:
    """Every record's (or those matching `where`) id and vector, one row each, read in pages. Chroma hands
    vectors out as float64, so each page is converted as it arrives: the whole set as float64 would be
    1.6 GB per 400k USE vectors."""
    ids: list[str] = []
    pages = []
    while True:
        got = collection.get(include=["embeddings"], where=where, limit=GET_PAGE, offset=len(ids))
        ids.extend(got["ids"])
        if got["ids"]:
            pages.append(np.asarray(got["embeddings"], dtype=dtype))
        if len(got["ids"]) < GET_PAGE:
            return ids, np.concatenate(pages) if pages else np.zeros((0, 0), dtype)


def vectors_in_order(collection, ids: Sequence[str], where: dict | None = None) -> np.ndarray | None:
    """The vectors of the collection (or of its records matching `where`) as float16 rows in the order of
    `ids`, or None unless those are exactly `ids` (a vector set that is off, or incomplete after an
    interrupted write). (No `count()` first to skip reading an incomplete set: Chroma counts a large collection
    slowly too, and a set is incomplete only until ingest or its back-fill finishes.)"""
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

    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.client = client or connect(settings)
        base = f"{settings.collection_prefix}-{settings.index_fingerprint}"
        self.chunks_name = f"{base}-chunks"
        self.manifest_name = f"{base}-docs"
        self.chunks = self._vector_collection(self.chunks_name)
        self.manifest = self._collection(self.manifest_name, None)
        # e5 vectors of every chunk's sentences, ids "<chunk id>/<n>" (see `sentence_id`).
        self.sentences_name = f"{base}-sentences"
        self.sentences = self._vector_collection(self.sentences_name)
        # USE vectors, when on: same ids as `chunks` and as `sentences` (written by ingest.sync).
        self.use_name = f"{base}-use-chunks" if settings.use_vectors else None
        self.use_chunks = self._vector_collection(self.use_name)
        self.use_sentences_name = f"{base}-use-sentences" if settings.use_vectors else None
        self.use_sentences = self._vector_collection(self.use_sentences_name)
        self.state_name = f"{base}-state"
        self.state = self._collection(self.state_name, None)
        self._write_depth = 0
        self._write_lock = threading.Lock()
        if self.write_token(include_writing=True) is None:  # an index from before write tokens
            self._set_write_token(uuid.uuid4().hex)

    @property
    def base_name(self) -> str:
        """What every collection name of this index shape begins with."""
        return self.state_name.removesuffix("-state")

    def write_token(self, include_writing: bool = False) -> str | None:
        """A token that changes whenever the index is written to: anything derived from the index while the
        token stayed the same (read before and after) can be reused for as long as the token stays the
        same. None while a write is under way, or was killed (unless `include_writing`)."""
        got = self.state.get(ids=[WRITE_TOKEN_ID], include=["metadatas"])
        token = got["metadatas"][0]["token"] if got["ids"] else None
        return token if include_writing or not (token or "").startswith(WRITING) else None

    def _set_write_token(self, token: str) -> None:
        self.state.upsert(ids=[WRITE_TOKEN_ID], embeddings=[MANIFEST_VECTOR], metadatas=[{"token": token}])

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Wrap every write to the index: the write token says "writing" from the first write on and becomes
        a new token when the outermost `writing` ends (also on an error: what was written stays written). A
        killed writer leaves "writing", under which no snapshot cache is ever saved or read."""
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

    def _collection(self, name: str, metadata: dict | None):
        # embedding_function=None: Chroma must never embed by itself (its default downloads a model).
        settings_json = json.dumps(self.settings.describe(), sort_keys=True)
        meta = {"kentrag_settings": settings_json, **(metadata or {})}
        return self.client.get_or_create_collection(name=name, metadata=meta, embedding_function=None)

    def _vector_collection(self, name: str | None):
        """A cosine-space collection of that name (None for no name: a collection that is off)."""
        return self._collection(name, {"hnsw:space": "cosine"}) if name else None

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
        """Remove documents from the index: their manifest records marked "removing", then their chunks
        deleted, then the records (crash-safe order: a record left behind makes the next sync finish the
        removal; and as for any write to a document's chunks, its manifest record changes first, which is
        how the snapshot cache tells which documents changed: index.snapshot)."""
        if doc_ids:
            with self.writing():
                got = self.manifest.get(ids=list(doc_ids), include=["metadatas"])
                self.put_manifest([replace(ManifestEntry(doc_id=doc_id, **meta), status="removing")
                                   for doc_id, meta in zip(got["ids"], got["metadatas"])])
                self.delete_chunks_of(doc_ids)
                self.manifest.delete(ids=list(doc_ids))

    def delete_chunks_of(self, doc_ids: Sequence[str]) -> None:
        """Delete every chunk of these documents, with its sentence and USE vectors, in one call per
        collection."""
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
        names = (self.chunks_name, self.manifest_name, self.sentences_name, self.use_name, self.use_sentences_name,
                 self.state_name)
        return [name for name in names if name]

    def other_index_shapes(self) -> list[str]:
        """Names of this prefix's collections that belong to another model or chunking."""
        ours = set(self.collection_names)
        prefix = f"{self.settings.collection_prefix}-"
        return [c.name for c in self.client.list_collections() if c.name.startswith(prefix) and c.name not in ours]

    def drop_other_index_shapes(self) -> list[str]:
        """Delete the collections of previous models or chunkings; returns their names."""
        names = self.other_index_shapes()
        for name in names:
            self.client.delete_collection(name)
        return names
