"""The snapshot cache: the retriever's in-memory snapshot of the index (index.snapshot) saved on local disk and
read back at start-up, in seconds where reading a large index from Chroma takes minutes (BENCHMARKS.md).

The cache records the write token it was saved under (Store.writing) and the code that saved it, so changed code
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
# Temporary files of killed saves older than this are removed (a save still running elsewhere is seconds old).
STALE_TEMPORARY_S = 3600
log = logging.getLogger(__name__)


def cache_path(data_dir: Path, base_name: str) -> Path:
    """Where the snapshot cache of the index whose collection names begin with `base_name` is kept."""
    return data_dir / "snapshots" / f"{base_name}.pickle"


def remove_caches_of(data_dir: Path, dropped_collections: list[str]) -> None:
    """Delete the snapshot caches of the index shapes (previous models or chunkings) these collections were of."""
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
    """One saved snapshot in one file: a header (format, `identity`: everything besides the write token that must
    match, the write token), then the pickled state. Written to a temporary file and renamed: whole or absent."""

    def __init__(self, path: Path, identity: dict[str, Any]) -> None:
        self.path = path
        self.identity = {"format": FORMAT, **identity}

    def load(self) -> tuple[str, Any] | None:
        """The saved state and the write token it was saved under; None when none is saved, it was saved for
        another identity, or it is unreadable (logged)."""
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
        """Replace the saved state with this one, made under this token; a failure is logged (the cache only saves
        time)."""
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
