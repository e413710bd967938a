"""One writer at a time: an exclusive lock file under the data directory."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class IngestBusy(RuntimeError):
    """Another ingest holds the lock."""


@contextmanager
def ingest_lock(data_dir: Path) -> Iterator[None]:
    """Hold the ingest lock; raise IngestBusy at once if another process has it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "ingest.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise IngestBusy(f"another ingest is running ({holder}); try again when it has finished") from error
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
