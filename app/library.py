"""The document library behind the Documents tab: list, upload (store + incremental ingest), add a web page
and remove.

Uploads are stored under `<data_dir>/uploads` with sanitised names and ingested one by one as files, so
their doc_id is the stored file name.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kentrag.index.store import ManifestEntry
from kentrag.ingest.readers import SUPPORTED_SUFFIXES, UnreadableDocument
from kentrag.ingest.sync import Syncer, SyncReport

from kentrag.answer.assistant import Assistant
from kentrag.core.locking import IngestBusy

MAX_NAME_CHARS = 120
# Kept in file names: letters and digits of any script (Turkish included), space, and - _ . ( ).
_UNSAFE = re.compile(r"[^\w\- .()]")
_RUNS = re.compile(r"[_ ]{2,}")
Progress = Callable[[float, str], None]


def safe_name(original: str) -> str:
    """A file name that stays inside the uploads folder: last path part, NFC, no unsafe characters."""
    name = PurePosixPath(unicodedata.normalize("NFC", original).replace("\\", "/")).name
    name = _RUNS.sub("_", _UNSAFE.sub("_", name)).strip(" ._")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" ._")[: MAX_NAME_CHARS] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


@dataclass(frozen=True)
class Rejection:
    """A file that was not added: its name, why (an i18n key) and the details for the message."""

    name: str
    reason: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class UploadResult:
    """What an upload did: doc_ids added or replaced, and the files refused."""

    added: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class Library:
    """Documents of one index, changed through the ingest pipeline and made answerable at once."""

    def __init__(self, assistant: Assistant, max_bytes: int) -> None:
        self.assistant = assistant
        self.max_bytes = max_bytes
        self.uploads = (assistant.settings.data_dir / "uploads").resolve()
        self.syncer = Syncer(assistant.settings, store=assistant.store, show_progress=False)

    def documents(self) -> list[ManifestEntry]:
        """The indexed documents, newest first."""
        entries = self.assistant.store.manifest_entries().values()
        return sorted(entries, key=lambda e: (e.added_at, e.doc_id), reverse=True)

    def is_upload(self, entry: ManifestEntry) -> bool:
        return Path(entry.path).parent == self.uploads

    def add(self, files: Sequence[Path], on_progress: Progress | None = None) -> UploadResult:
        """Store readable files under uploads/ and ingest them; IngestBusy when another ingest runs."""
        result = UploadResult()
        known = self.assistant.store.manifest_entries()
        accepted = [stored for stored in (self._store(Path(f), known, result, on_progress) for f in files) if stored]
        if not accepted:
            return result
        try:
            report = self.syncer.sync(accepted, on_progress=on_progress)
        except IngestBusy:
            for path in accepted:
                if path.name not in known:
                    path.unlink(missing_ok=True)
            raise
        for path, reason in report.failed.items():
            result.rejected.append(Rejection(Path(path).name, "reason_unreadable", {"detail": reason}))
            Path(path).unlink(missing_ok=True)
        result.added = report.added + report.updated + report.unchanged
        self.assistant.refresh(report.added + report.updated + report.removed)
        return result

    def add_url(self, url: str, on_progress: Progress | None = None) -> SyncReport:
        """Fetch a web page and index it (again, when it changed); the reason in `failed` when it cannot be.
        IngestBusy when another ingest runs."""
        report = self.syncer.sync_urls([url], on_progress)
        self.assistant.refresh(report.added + report.updated)
        return report

    def _store(self, file: Path, known: dict[str, ManifestEntry], result: UploadResult,
               on_progress: Progress | None) -> Path | None:
        """The stored copy of an acceptable file, or None after noting why it was refused."""
        name = safe_name(file.name)
        problem = self._problem(file, name, known, on_progress)
        if problem:
            result.rejected.append(Rejection(name, *problem))
            return None
        target = self.uploads / name
        self.uploads.mkdir(parents=True, exist_ok=True)
        if target.resolve().parent != self.uploads:
            raise ValueError(f"refusing to write outside {self.uploads}: {name!r}")
        shutil.copyfile(file, target)
        return target

    def _problem(self, file: Path, name: str, known: dict[str, ManifestEntry],
                 on_progress: Progress | None) -> tuple[str, dict] | None:
        """Why a file cannot be added (i18n key and details), or None. Read once (scanned pages OCR'd with
        progress): the sync that follows reuses the reading."""
        suffix = Path(name).suffix
        size = file.stat().st_size
        if suffix not in SUPPORTED_SUFFIXES:
            return "reason_unsupported", {"suffix": suffix or "-", "supported": " ".join(SUPPORTED_SUFFIXES)}
        if size > self.max_bytes:
            return "reason_too_large", {"size": f"{size / 2**20:.1f}", "limit": f"{self.max_bytes / 2**20:g}"}
        if name in known and not self.is_upload(known[name]):
            return "reason_name_taken", {}
        try:
            self.syncer.check(self.uploads / name, self.uploads, file.read_bytes(), on_progress)
        except UnreadableDocument as error:
            return "reason_unreadable", {"detail": str(error)}
        return None

    def remove(self, doc_id: str) -> bool:
        """Remove a document from the index (and its stored file if it was uploaded); False if unknown."""
        entry = self.assistant.store.manifest_entries().get(doc_id)
        if not self.syncer.remove(doc_id):
            return False
        if entry and self.is_upload(entry):
            Path(entry.path).unlink(missing_ok=True)
        self.assistant.refresh([doc_id])
        return True
