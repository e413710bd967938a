"""Watch a folder (watchdog) and hand settled changes to a sync callback in batches.

Changes wait until the folder has been quiet for `quiet_s` seconds, and a file whose size or mtime still changes
across `settle_s` waits for a later batch (still being written): a burst of files gives one call, no file is read
half-way. A renamed, deleted or re-created folder is followed and reported.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from kentrag.ingest.readers import SUPPORTED_SUFFIXES
from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

_LOG = logging.getLogger(__name__)
_POLL_S = 0.1
_EVENTS = (EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED)

SyncCallback = Callable[[list[Path]], None]
_FileState = tuple[int, int] | str | None  # (size, mtime_ns) of a file, "folder", or None when gone


def _state(path: Path) -> _FileState:
    """What tells whether a path is still changing: a file's size and mtime."""
    try:
        status = path.stat()
    except OSError:
        return None
    return "folder" if stat.S_ISDIR(status.st_mode) else (status.st_size, status.st_mtime_ns)


def _identity(folder: Path) -> tuple[int, int] | None:
    """(device, inode) of the folder at this path, None when no folder is there."""
    try:
        status = folder.stat()
    except OSError:
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISDIR(status.st_mode) else None


class FolderWatcher(FileSystemEventHandler):
    """Calls sync(changed paths, sorted) from its own thread once changes under `folder` have settled; only
    supported documents and folders count (no hidden ones). A failing sync is logged and retried after `retry_s`.
    Use as a context manager, or start() and stop()."""

    def __init__(self, folder: Path, sync: SyncCallback, quiet_s: float = 2.0, settle_s: float = 1.0,
                 retry_s: float = 30.0) -> None:
        super().__init__()
        self.folder = folder.absolute()
        self.quiet_s, self.settle_s, self.retry_s = quiet_s, settle_s, retry_s
        self._sync = sync
        self._lock = threading.Lock()
        self._pending: set[Path] = set()
        self._due: float | None = None  # when the pending paths are next looked at
        self._stopping = threading.Event()
        self._observer = Observer()
        self._watch: ObservedWatch | None = None
        self._watched: tuple[int, int] | None = None  # identity of the folder being watched
        self._thread = threading.Thread(target=self._run, name="kentrag-watch", daemon=True)

    def start(self) -> None:
        """Start watching; NotADirectoryError when the folder is not there."""
        if _identity(self.folder) is None:
            raise NotADirectoryError(f"not a folder: {self.folder}")
        self._follow_folder()
        with self._lock:
            self._pending.clear()  # starting is not a change
        self._observer.start()
        self._thread.start()

    def stop(self, wait_s: float = 60.0) -> None:
        """Stop watching; waits up to `wait_s` for a sync under way to finish (one stuck, e.g. on a Chroma server
        that went away, is left behind: an interrupted sync leaves the index consistent and is redone by the next
        one). Changes not yet synced are dropped."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(wait_s)
            if self._thread.is_alive():
                _LOG.warning("a sync still under way after %g s is left unfinished; the next sync redoes it", wait_s)
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join()

    def __enter__(self) -> FolderWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def on_any_event(self, event: FileSystemEvent) -> None:
        """watchdog's callback (its thread): note the paths of a relevant event."""
        if event.event_type not in _EVENTS or (event.is_directory and event.event_type == EVENT_TYPE_MODIFIED):
            return
        paths = [Path(os.fsdecode(p)) for p in (event.src_path, event.dest_path) if p]
        self._add([p for p in paths if self._counts(p, event.is_directory)], self.quiet_s)

    def _counts(self, path: Path, is_directory: bool) -> bool:
        """A path inside the folder, not hidden, and a folder or a supported document."""
        try:
            parts = path.relative_to(self.folder).parts
        except ValueError:
            return False
        return not any(part.startswith(".") for part in parts) and (
            is_directory or path.suffix.lower() in SUPPORTED_SUFFIXES)

    def _add(self, paths: Iterable[Path], delay: float) -> None:
        """Add pending paths, to be looked at `delay` seconds from now."""
        paths = list(paths)
        if not paths:
            return
        with self._lock:
            self._pending.update(paths)
            self._due = time.monotonic() + delay

    def _take_due(self) -> list[Path]:
        """The pending paths once their time has come (emptying the set), else []."""
        with self._lock:
            if self._due is None or time.monotonic() < self._due:
                return []
            paths, self._pending, self._due = sorted(self._pending), set(), None
            return paths

    def _follow_folder(self) -> None:
        """Watch the folder now at our path again when it was renamed, deleted or re-created; report it."""
        identity = _identity(self.folder)
        if identity == self._watched:
            return
        if self._watch is not None:
            self._observer.unschedule(self._watch)
            self._watch = None
        if identity is not None:
            self._watch = self._observer.schedule(self, str(self.folder), recursive=True)
        self._watched = identity
        self._add([self.folder], self.quiet_s)

    def _run(self) -> None:
        """The watcher thread: follow the folder, and sync each batch of settled paths."""
        while not self._stopping.wait(_POLL_S):
            self._follow_folder()
            paths = self._take_due()
            if not paths:
                continue
            before = {path: _state(path) for path in paths}
            if self._stopping.wait(self.settle_s):
                return
            settled = [path for path in paths if _state(path) == before[path]]
            self._add([path for path in paths if path not in settled], self.quiet_s)
            if settled:
                self._call_sync(settled)

    def _call_sync(self, paths: list[Path]) -> None:
        """Run the callback; on failure log it and retry these paths later."""
        try:
            self._sync(paths)
        except Exception:
            _LOG.exception("sync of %d changed paths failed; retrying in %g s", len(paths), self.retry_s)
            self._add(paths, self.retry_s)
