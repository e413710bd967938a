"""Seeing another process's writes to the index (a `kentrag ingest --watch` beside the web app) before answering.

The store's write token changes with every write (index.store); at most once every CHECK_INTERVAL_S a question
compares it with the last one seen and, when it changed, the documents whose manifest versions changed are
refreshed. The check runs in its own thread and a question waits for it at most WAIT_S: a Chroma server that
hangs must not hold up answers, which never read Chroma otherwise.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection

from kentrag.index.snapshot import document_versions
from kentrag.index.store import Store

CHECK_INTERVAL_S = 2.0
WAIT_S = 1.0
log = logging.getLogger(__name__)

Refresh = Callable[[Collection[str] | None], None]


class IndexChanges:
    """Calls `refresh(changed documents)` when the index was written to since the last look (`refresh(None)`
    when the write changed no document's manifest record: a back-fill of vectors)."""

    def __init__(self, store: Store, refresh: Refresh, interval_s: float = CHECK_INTERVAL_S,
                 wait_s: float = WAIT_S) -> None:
        """Made before the snapshot is loaded, so that a write made meanwhile counts as a change."""
        self.store, self.refresh = store, refresh
        self.interval_s, self.wait_s = interval_s, wait_s
        self._token = store.write_token()
        self._versions = document_versions(store)
        self._lock = threading.Lock()
        self._next = time.monotonic() + interval_s
        self._check: threading.Thread | None = None

    def look(self) -> None:
        """Start a check when one is due and none runs; wait for it up to `wait_s`."""
        with self._lock:
            now = time.monotonic()
            if now >= self._next and not (self._check and self._check.is_alive()):
                self._next = now + self.interval_s
                self._check = threading.Thread(target=self._run, name="kentrag-index-changes", daemon=True)
                self._check.start()
            check = self._check
        if check is not None:
            check.join(self.wait_s)

    def _run(self) -> None:
        """One check; a store that cannot be read is logged, and the next look tries again."""
        try:
            self._pick_up()
        except Exception as error:  # Chroma raises many kinds; answering goes on from the current snapshot
            log.warning("could not check the index for changes: %s", error)

    def _pick_up(self) -> None:
        token = self.store.write_token()
        if token is None or token == self._token:  # unchanged, or a write under way
            return
        versions = document_versions(self.store)
        if self.store.write_token() != token:  # written meanwhile: look again next time
            return
        changed = {doc for doc in versions.keys() | self._versions.keys()
                   if versions.get(doc) != self._versions.get(doc)}
        self.refresh(changed or None)
        self._token, self._versions = token, versions
