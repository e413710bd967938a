"""Incremental sync of files and web pages into the index: only what was added, changed or deleted is touched.

Crash safety: a document is marked "indexing" in the manifest before its old chunks go and "ok" after its new ones
are written. A run killed half-way leaves marks (or a deleted file's entry) that the next run finishes; chunk ids
are deterministic, so redoing work gives the same index.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from kentrag.index.snapshot_cache import remove_caches_of
from kentrag.index.store import ManifestEntry, Store, get_all, sentence_id
from kentrag.ingest.chunking import chunk_document, make_splitter
from kentrag.ingest.document import LoadedDocument, UnreadableDocument, content_hash
from kentrag.ingest.ocr import OcrOptions
from kentrag.ingest.readers import SUPPORTED_SUFFIXES, document_id, read_document, read_limited
from kentrag.ingest.web import fetch_page, normalise_url
from llama_index.core.schema import MetadataMode, TextNode
from tqdm import tqdm

from kentrag.core.embedding import embed_passages, load_embedding, load_use_embedding
from kentrag.core.locking import ingest_lock
from kentrag.core.sentences import sentence_texts
from kentrag.core.settings import Settings

EMBED_BATCH = 128
WEB_SCHEMES = ("http://", "https://")
# Formats whose chunks carry `page`: one of their documents indexed before pages were kept is read again.
PAGED_SUFFIXES = (".pdf", ".xlsx", ".pptx")
Progress = Callable[[float, str], None]


def is_web(name: str) -> bool:
    """Whether a doc_id (or a command-line argument) is a web page's URL rather than a file."""
    return name.lower().startswith(WEB_SCHEMES)


@dataclass(frozen=True)
class SentenceRecord:
    """One sentence of a chunk, as stored beside the chunk vectors."""

    id: str
    text: str
    metadata: dict


def chunk_sentences(nodes: Sequence[TextNode]) -> list[SentenceRecord]:
    """The sentences of every chunk, each to be embedded on its own (the retriever scores a chunk by its best
    sentence too)."""
    return [SentenceRecord(sentence_id(node.node_id, n), text,
                           {"doc_id": node.metadata["doc_id"], "chunk_id": node.node_id})
            for node in nodes for n, text in enumerate(sentence_texts(node.text))]


@dataclass
class SyncReport:
    """What one sync did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    chunks_embedded: int = 0
    dropped_collections: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"added {len(self.added)} / updated {len(self.updated)} / unchanged {len(self.unchanged)} / "
            f"removed {len(self.removed)} / failed {len(self.failed)}"
        )

    def as_dict(self) -> dict:
        return asdict(self)

    def include(self, other: SyncReport) -> None:
        """Add what another sync did (`kentrag ingest` of files and URLs together)."""
        for name in ("added", "updated", "unchanged", "removed", "dropped_collections"):
            getattr(self, name).extend(getattr(other, name))
        self.failed.update(other.failed)
        self.chunks_embedded += other.chunks_embedded


class OcrBar:
    """The OCR progress of one document: a tqdm bar in pages, also handed to a sync's `on_progress`."""

    def __init__(self, name: str, show: bool, on_progress: Progress | None) -> None:
        self.name, self.show, self.on_progress = name, show, on_progress
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        """OcrOptions.on_page: the bar is made at the first call, once the number of scanned pages is known."""
        if self.bar is None:
            self.bar = tqdm(total=total, unit="page", desc=f"OCR {self.name}", disable=not self.show,
                            file=sys.stderr)
        self.bar.update(done - self.bar.n)
        if self.on_progress:
            self.on_progress(done / max(total, 1), f"OCR {self.name}: {done}/{total} pages")

    def __enter__(self) -> OcrBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


@dataclass(frozen=True)
class SourceFile:
    """A file found for ingest and the folder its doc_id is relative to."""

    path: Path
    root: Path

    @property
    def doc_id(self) -> str:
        return document_id(self.path, self.root)


def discover(paths: Sequence[Path], report: SyncReport) -> tuple[list[SourceFile], list[Path]]:
    """Files to ingest under `paths`, and the folders scanned in full (for deletion detection)."""
    files: list[SourceFile] = []
    scanned: list[Path] = []
    for given in paths:
        if given.is_dir():
            scanned.append(given.resolve())
            files.extend(_walk(given, report))
        elif given.is_file():
            files.append(SourceFile(given, given.parent))
        else:
            report.failed[str(given)] = "no such file or folder"
    return _unique(files, report), scanned


def _unique(files: list[SourceFile], report: SyncReport) -> list[SourceFile]:
    """Files with distinct doc_ids: a second file with the same id (an NFD twin of an NFC name, or the
    same name under two given folders) is reported instead of overwriting the first one."""
    first: dict[str, SourceFile] = {}
    for source in files:
        seen = first.setdefault(source.doc_id, source)
        if seen is not source and seen.path.resolve() != source.path.resolve():
            report.failed[str(source.path)] = (f"same document id {source.doc_id!r} as {seen.path} (names equal "
                                               "after Unicode NFC); rename one of them")
    return list(first.values())


def _walk(root: Path, report: SyncReport) -> Iterable[SourceFile]:
    """Supported files under root, sorted, not following symlinked folders (no loops)."""
    for path in sorted(root.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.is_symlink() and not path.exists():
            report.failed[str(path)] = "broken or looping symbolic link"
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES or path.is_dir():
            continue
        elif path.is_file():
            yield SourceFile(path, root)
        else:
            report.failed[str(path)] = "not a regular file (FIFO, socket or device)"


class Syncer:
    """Brings one index shape in line with a set of files."""

    def __init__(self, settings: Settings, store: Store | None = None, show_progress: bool = True) -> None:
        self.settings = settings
        if store is not None:
            self.store = store
        self.splitter = make_splitter(settings)
        self.show_progress = show_progress
        # Read failures by (doc_id, content hash), kept for this Syncer's life: a file that failed is not read
        # (OCR'd) again until it changes. And documents read by `check`, kept for the next sync.
        self._failed: dict[tuple[str, str], str] = {}
        self._checked: dict[tuple[str, str], LoadedDocument] = {}

    @cached_property
    def store(self) -> Store:
        """Opened on first use, so that a busy ingest lock is reported before Chroma is touched."""
        return Store(self.settings)

    @cached_property
    def embedding(self):
        """e5, loaded on first use."""
        return load_embedding(self.settings)

    def sync(self, paths: Sequence[Path], on_progress: Progress | None = None) -> SyncReport:
        """Index new and changed files under `paths`; forget files deleted from the scanned folders."""
        with ingest_lock(self.settings.data_dir):
            report = SyncReport()
            files, scanned = discover(paths, report)
            manifest = self.store.manifest_entries()
            todo = self._classify(files, manifest, report, on_progress)
            self._checked.clear()
            self._remove_deleted(manifest, {f.path.resolve() for f in files}, scanned, report)
            self._index(todo, manifest, report, on_progress)
            self._back_fill_use()
            report.dropped_collections = self.store.drop_other_index_shapes()
            remove_caches_of(self.settings.data_dir, report.dropped_collections)
            return report

    def sync_urls(self, urls: Sequence[str], on_progress: Progress | None = None) -> SyncReport:
        """Fetch web pages (before taking the ingest lock: the network may be slow) and index those new or
        changed since their last fetch; each URL that fails is in `failed` with its reason."""
        report = SyncReport()
        pages = self._fetch(urls, report)
        with ingest_lock(self.settings.data_dir):
            manifest = self.store.manifest_entries()
            todo = []
            for page in pages:
                if _unchanged(manifest.get(page.doc_id), page.content_hash):
                    report.unchanged.append(page.doc_id)
                else:
                    todo.append((page, page.doc_id in manifest))
            self._index(todo, manifest, report, on_progress)
            return report

    def refresh_urls(self, on_progress: Progress | None = None) -> SyncReport:
        """Fetch every indexed web page again and index the ones that changed."""
        with ingest_lock(self.settings.data_dir):
            urls = [doc_id for doc_id in self.store.manifest_entries() if is_web(doc_id)]
        return self.sync_urls(urls, on_progress)

    def check(self, path: Path, root: Path, data: bytes, on_progress: Progress | None = None) -> LoadedDocument:
        """Read a file before it is synced (an upload, before it is stored): UnreadableDocument when it cannot
        be; else the document is kept for the next sync, so that it is not read (OCR'd) twice."""
        document = self._read(path, root, data, on_progress)
        self._checked[(document.doc_id, document.content_hash)] = document
        return document

    def remove(self, doc_id: str) -> bool:
        """Remove one document and its chunks; False when the index does not have it."""
        with ingest_lock(self.settings.data_dir):
            if doc_id not in self.store.manifest_entries():
                return False
            self.store.forget([doc_id])
            return True

    def _fetch(self, urls: Sequence[str], report: SyncReport) -> list[LoadedDocument]:
        """The pages at these URLs (each once), fetched one after the other; failures go to the report."""
        pages: dict[str, LoadedDocument] = {}
        for url in tqdm(urls, desc="fetching", unit="page", disable=not self.show_progress or not urls,
                        file=sys.stderr):
            try:
                if normalise_url(url) not in pages:
                    page = fetch_page(url, self.settings.url_timeout_s, self.settings.max_document_mb * 2**20)
                    pages[page.doc_id] = page
            except UnreadableDocument as error:
                report.failed[url] = str(error)
        return list(pages.values())

    def _classify(self, files: list[SourceFile], manifest: dict[str, ManifestEntry], report: SyncReport,
                  on_progress: Progress | None) -> list[tuple[LoadedDocument, bool]]:
        todo = []
        without_pages = self._without_pages(files, manifest)
        for source in files:
            try:
                data = read_limited(source.path, self.settings.max_document_mb)
            except UnreadableDocument as error:
                report.failed[str(source.path)] = str(error)
                continue
            if _unchanged(manifest.get(source.doc_id), content_hash(data)) and source.doc_id not in without_pages:
                report.unchanged.append(source.doc_id)
                continue
            try:
                document = self._read(source.path, source.root, data, on_progress)
            except UnreadableDocument as error:
                report.failed[str(source.path)] = str(error)
                continue
            todo.append((document, source.doc_id in manifest))
        return todo

    def _without_pages(self, files: list[SourceFile], manifest: dict[str, ManifestEntry]) -> set[str]:
        """The indexed paged documents among `files` whose chunks carry no page (indexed before pages were kept):
        read again, so that their citations name pages, without re-indexing anything else."""
        paged = [source.doc_id for source in files
                 if source.doc_id in manifest and source.path.suffix.lower() in PAGED_SUFFIXES]
        if not paged:
            return set()
        first_chunks = {"$and": [{"doc_id": {"$in": paged}}, {"chunk_index": 0}]}
        return {meta["doc_id"] for meta in get_all(self.store.chunks, ["metadatas"], first_chunks)["metadatas"]
                if "page" not in meta}

    def _read(self, path: Path, root: Path, data: bytes, on_progress: Progress | None) -> LoadedDocument:
        """One file read (scanned pages OCR'd with a progress bar), unless it failed before as it is now."""
        key = (document_id(path, root), content_hash(data))
        if key in self._checked:
            return self._checked.pop(key)
        if key in self._failed:
            raise UnreadableDocument(self._failed[key])
        with OcrBar(path.name, self.show_progress, on_progress) as progress:
            try:
                return read_document(path, root, data, OcrOptions(self.settings.ocr_max_pages, progress))
            except UnreadableDocument as error:
                self._failed[key] = str(error)
                raise

    def _remove_deleted(self, manifest: dict[str, ManifestEntry], present: set[Path], scanned: list[Path],
                        report: SyncReport) -> None:
        """Forget the indexed files of the scanned folders that are no longer there (web pages are in no folder)."""
        report.removed += [entry.doc_id for entry in manifest.values() if not is_web(entry.doc_id)
                           and Path(entry.path) not in present
                           and any(Path(entry.path).is_relative_to(folder) for folder in scanned)]
        self.store.forget(report.removed)

    def _index(self, todo: list[tuple[LoadedDocument, bool]], manifest: dict[str, ManifestEntry],
               report: SyncReport, on_progress: Progress | None) -> None:
        """Chunk, embed and write (document, indexed before) pairs, in batches of about EMBED_BATCH chunks."""
        planned = [(doc, existed, chunk_document(doc, self.splitter)) for doc, existed in todo]
        total = sum(len(chunks) for _, _, chunks in planned)
        with tqdm(total=total, unit="chunk", desc="embedding", disable=not self.show_progress or total == 0,
                  file=sys.stderr) as bar:
            batch: list[tuple[LoadedDocument, bool, list[TextNode]]] = []
            for n, item in enumerate(planned, 1):
                batch.append(item)
                if n == len(planned) or sum(len(c) for _, _, c in batch) >= EMBED_BATCH:
                    self._write_batch(batch, manifest, report, bar, on_progress)
                    batch = []

    def _write_batch(self, batch, manifest, report: SyncReport, bar: tqdm, on_progress: Progress | None) -> None:
        with self.store.writing():  # the manifest says "indexing" until the batch is written
            self.store.put_manifest(
                [self._entry(doc, len(c), manifest.get(doc.doc_id), "indexing") for doc, _, c in batch])
            nodes = [node for _, _, chunks in batch for node in chunks]
            sentences = chunk_sentences(nodes)
            texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
            # One e5 pass over chunks and sentences together: fewer, fuller length-sorted batches.
            vectors = embed_passages(self.embedding, texts + [s.text for s in sentences], self.settings)
            for node, vector in zip(nodes, vectors):
                node.embedding = vector
            self.store.delete_chunks_of([doc.doc_id for doc, _, _ in batch])
            if nodes:
                self.store.vector_store().add(nodes)
                self.store.sentences.upsert(ids=[s.id for s in sentences], embeddings=vectors[len(nodes):],
                                            metadatas=[s.metadata for s in sentences])
                self._write_use(nodes, sentences)
            self.store.put_manifest([self._entry(doc, len(c), manifest.get(doc.doc_id), "ok") for doc, _, c in batch])
        for doc, existed, _ in batch:
            (report.updated if existed else report.added).append(doc.doc_id)
        report.chunks_embedded += len(nodes)
        bar.update(len(nodes))
        if on_progress and bar.total:
            on_progress(bar.n / bar.total, f"{bar.n}/{bar.total} chunks")

    def _write_use(self, nodes: list[TextNode], sentences: list[SentenceRecord]) -> None:
        """USE vectors for these chunks and their sentences, when USE vectors are on."""
        if self.store.use_chunks is None or not nodes:
            return
        use = load_use_embedding(self.settings)
        vectors = use.encode([f"{node.metadata.get('title', '')}\n{node.text}" for node in nodes])
        sentence_vectors = use.encode([s.text for s in sentences])
        metadatas = [{"doc_id": node.metadata["doc_id"], "language": node.metadata.get("language", "en")}
                     for node in nodes]
        with self.store.writing():
            self.store.use_chunks.upsert(ids=[node.node_id for node in nodes], embeddings=vectors.tolist(),
                                         metadatas=metadatas)
            self.store.use_sentences.upsert(ids=[s.id for s in sentences], embeddings=sentence_vectors.tolist(),
                                            metadatas=[s.metadata for s in sentences])

    def _back_fill_use(self) -> None:
        """Back-fill the USE vectors missing from an index built while USE vectors were off."""
        use = self.store.use_chunks
        if use is None or use.count() == self.store.chunk_count():
            return
        have = set(get_all(use, [])["ids"])
        got = get_all(self.store.chunks, ["documents", "metadatas"])
        missing = [TextNode(id_=i, text=t, metadata=m)
                   for i, t, m in zip(got["ids"], got["documents"], got["metadatas"]) if i not in have]
        for start in tqdm(range(0, len(missing), EMBED_BATCH), desc="USE vectors", unit="batch",
                          disable=not self.show_progress, file=sys.stderr):
            part = missing[start:start + EMBED_BATCH]
            self._write_use(part, chunk_sentences(part))

    @staticmethod
    def _entry(doc: LoadedDocument, chunks: int, previous: ManifestEntry | None, status: str) -> ManifestEntry:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        path = str(doc.path.resolve()) if doc.path is not None else doc.source  # a web page: its URL
        return ManifestEntry(doc_id=doc.doc_id, path=path, content_hash=doc.content_hash, title=doc.title,
                             language=doc.language, chunks=chunks, added_at=previous.added_at if previous else now,
                             updated_at=now, status=status)


def _unchanged(known: ManifestEntry | None, digest: str) -> bool:
    """Whether the index holds this content of a document, completely."""
    return known is not None and known.status == "ok" and known.content_hash == digest
