"""The snapshot cache: the retriever's in-memory snapshot of the index (index.snapshot) saved on local disk and
read back at start-up.

Reading a large index from Chroma takes minutes: Chroma hands out every chunk and sentence vector one row at a
time, then the keyword index and the graph are built. Reading the snapshot cache takes seconds (BENCHMARKS.md).
The cache records the write token it was saved under (index.store.Store.writing); what to do when the index has
been written to since is index.snapshot's business. The cache also names the code that saved it, so changed code
never reads a snapshot pickled by an older one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
import uuid
from pathlib import Path
from typing import Any

FORMAT = 1
# A save killed mid-write (kill -9, power loss) leaves its temporary file behind (as large as the vectors). The
# next save removes those older than this; a save still running in another process is seconds old.
STALE_TEMPORARY_S = 3600
log = logging.getLogger(__name__)


def cache_path(data_dir: Path, base_name: str) -> Path:
    """Where the snapshot cache of the index whose collection names begin with `base_name` is kept."""
    return data_dir / "snapshots" / f"{base_name}.pickle"


def remove_caches_of(data_dir: Path, dropped_collections: list[str]) -> None:
    """Delete the snapshot caches of the index shapes these collections belonged to (a previous model or
    chunking)."""
    for path in cache_path(data_dir, "*").parent.glob("*.pickle"):
        if any(name.startswith(f"{path.stem}-") for name in dropped_collections):
            path.unlink(missing_ok=True)


def code_digest(paths: list[Path]) -> str:
    """A digest of these source files: the cache holds objects of the classes they define."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class SnapshotCache:
    """One saved snapshot in one file: a small header (format, code, what else must match, the write token), then
    the pickled state. Written to a temporary file first and renamed, so the file is either whole or absent."""

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        """`identity`: everything besides the write token that must match for the cache to be read (the code
        digest, which vector sets were read)."""
        self.path = path
        self.identity = {"format": FORMAT, **identity}

    def load(self) -> tuple[str, Any] | None:
        """The saved state and the write token it was saved under, or None: none saved, saved by other code or
        for other vector sets, or unreadable (logged; the caller then reads the index)."""
        try:
            with self.path.open("rb") as file:
                header = pickle.load(file)
                if not isinstance(header, dict) or {k: header.get(k) for k in self.identity} != self.identity:
                    return None
                return header["token"], pickle.load(file)
        except FileNotFoundError:
            return None
        except Exception as error:  # a truncated or foreign file: whatever unpickling raises, read the index
            log.warning("ignoring the snapshot cache %s: %s", self.path, error)
            return None

    def save(self, token: str, state: Any) -> None:
        """Replace the saved state with this one, made under this token. A failure (disk full, read-only data
        directory) is logged: the cache only saves time."""
        # Unique per save: two retrievers of one process saving at once must not write into one file.
        temporary = self.path.with_name(f"{self.path.name}.{uuid.uuid4().hex}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as file:
                pickle.dump({**self.identity, "token": token}, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(state, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
            self._remove_stale_temporaries()
        except OSError as error:
            log.warning("could not save the snapshot cache %s: %s", self.path, error)
            temporary.unlink(missing_ok=True)

    def _remove_stale_temporaries(self) -> None:
        """Delete the temporary files of saves that were killed before their rename."""
        oldest = time.time() - STALE_TEMPORARY_S
        for leftover in self.path.parent.glob(f"{self.path.name}.*.tmp"):
            try:
                if leftover.stat().st_mtime < oldest:
                    leftover.unlink()
            except OSError:  # gone already (another process's cleanup), or not ours to delete: the save stands
                pass

    def clear(self) -> None:
        """Remove the saved snapshot, if any."""
        self.path.unlink(missing_ok=True)
