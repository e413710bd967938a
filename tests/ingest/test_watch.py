"""FolderWatcher with a real watchdog observer on real files: batches, debouncing, half-written files, renamed
folders, retries and a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kentrag.ingest.watch import FolderWatcher

pytestmark = pytest.mark.slow

QUIET_S = 0.3
SETTLE_S = 0.2
# Long enough for any batch still to come to have come.
LULL_S = QUIET_S + SETTLE_S + 1.0


class Recorder:
    """A sync callback that records each batch (and each file's size when it was called)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[Path]] = []
        self.sizes: list[dict[Path, int]] = []
        self.fail_first = fail_first
        self.calls = 0
        self._changed = threading.Condition()

    def __call__(self, paths: list[Path]) -> None:
        with self._changed:
            self.calls += 1
            if self.calls <= self.fail_first:
                raise RuntimeError("index busy")
            self.batches.append(paths)
            self.sizes.append({path: path.stat().st_size for path in paths if path.is_file()})
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[list[Path]]:
        """The batches once there are `count` of them (fails after `timeout` seconds)."""
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.batches) >= count, timeout), self.batches
            return list(self.batches)

    def settled(self) -> list[list[Path]]:
        """All batches, after a lull in which any pending one would have come."""
        time.sleep(LULL_S)
        with self._changed:
            return list(self.batches)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "belgeler"
    path.mkdir()
    return path


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def watcher(folder: Path, recorder: Recorder) -> Iterator[FolderWatcher]:
    with FolderWatcher(folder, recorder, quiet_s=QUIET_S, settle_s=SETTLE_S, retry_s=0.5) as running:
        time.sleep(0.2)  # the observer is watching
        yield running


def test_added_changed_and_deleted_files_are_synced(folder: Path, recorder: Recorder, watcher: FolderWatcher) -> None:
    note = folder / "not.txt"
    note.write_text("ilk sürüm")
    assert recorder.wait_for(1)[0] == [note]
    note.write_text("ikinci sürüm")
    assert recorder.wait_for(2)[1] == [note]
    note.unlink()
    assert recorder.wait_for(3)[2] == [note]
    assert len(recorder.settled()) == 3


def test_a_burst_of_500_files_is_one_batch(folder: Path, recorder: Recorder, watcher: FolderWatcher) -> None:
    expected = []
    for n in range(500):
        path = folder / "arsiv" / f"belge-{n:03}.md" if n % 2 else folder / f"belge-{n:03}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"Belge {n}")
        expected.append(path)
    batches = recorder.wait_for(1)
    assert len(recorder.settled()) == 1
    assert set(batches[0]) == set(expected) | {folder / "arsiv"}
    assert batches[0] == sorted(batches[0])


def test_a_file_still_being_written_waits_until_it_is_complete(folder: Path, recorder: Recorder) -> None:
    growing = folder / "tarama.pdf"
    # A slow copy: a part every 0.45 s, longer apart than the quiet time, so only the settle check (size and
    # mtime unchanged over 0.4 s) keeps the half-written file out of a batch.
    with FolderWatcher(folder, recorder, quiet_s=QUIET_S, settle_s=0.4), growing.open("wb") as handle:
        time.sleep(0.2)
        for _ in range(6):
            handle.write(b"%" * 100_000)
            handle.flush()
            time.sleep(0.45)
        handle.close()
        assert recorder.wait_for(1) == [[growing]]
        assert recorder.sizes == [{growing: 600_000}]
        assert len(recorder.settled()) == 1


def test_hidden_and_unsupported_files_are_ignored(folder: Path, recorder: Recorder, watcher: FolderWatcher) -> None:
    (folder / ".gizli.txt").write_text("gizli")
    (folder / "kopya.tmp").write_text("geçici")
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD.txt").write_text("ref")
    (folder / "rapor.docx").write_bytes(b"belge")
    assert recorder.wait_for(1) == [[folder / "rapor.docx"]]
    assert len(recorder.settled()) == 1


def test_a_renamed_subfolder_reports_both_names(folder: Path, recorder: Recorder, watcher: FolderWatcher) -> None:
    (folder / "2024").mkdir()
    (folder / "2024" / "protokol.txt").write_text("protokol")
    recorder.wait_for(1)
    (folder / "2024").rename(folder / "2024-arsiv")
    batch = recorder.wait_for(2)[1]
    assert folder / "2024" in batch and folder / "2024-arsiv" in batch
    (folder / "2024-arsiv" / "ek.txt").write_text("ek")
    assert folder / "2024-arsiv" / "ek.txt" in recorder.wait_for(3)[2]


def test_a_renamed_watched_folder_is_reported_and_watched_again_when_back(folder: Path, recorder: Recorder,
                                                                          watcher: FolderWatcher) -> None:
    folder.rename(folder.with_name("tasindi"))
    assert recorder.wait_for(1)[0] == [folder]
    (folder.with_name("tasindi") / "kayip.txt").write_text("eski yerde değil")
    folder.mkdir()  # a new folder under the watched name
    assert recorder.wait_for(2)[1] == [folder]
    (folder / "yeni.txt").write_text("yeni")
    assert recorder.wait_for(3)[2] == [folder / "yeni.txt"]
    assert len(recorder.settled()) == 3


def test_a_failing_sync_is_retried(folder: Path) -> None:
    recorder = Recorder(fail_first=1)
    with FolderWatcher(folder, recorder, quiet_s=QUIET_S, settle_s=SETTLE_S, retry_s=0.5):
        time.sleep(0.2)
        (folder / "a.txt").write_text("a")
        assert recorder.wait_for(1) == [[folder / "a.txt"]]
        assert recorder.calls == 2


def test_stop_ends_cleanly_and_quickly(folder: Path, recorder: Recorder) -> None:
    watcher = FolderWatcher(folder, recorder, quiet_s=5.0)
    watcher.start()
    (folder / "bekleyen.txt").write_text("senkronlanmadan durulacak")
    started = time.monotonic()
    watcher.stop()
    assert time.monotonic() - started < 2
    assert not any(thread.name == "kentrag-watch" for thread in threading.enumerate())
    assert recorder.batches == []


def test_a_missing_folder_cannot_be_watched(tmp_path: Path, recorder: Recorder) -> None:
    with pytest.raises(NotADirectoryError):
        FolderWatcher(tmp_path / "yok", recorder).start()


def test_stopping_does_not_wait_for_ever_on_a_stuck_sync(folder: Path) -> None:
    started, release = threading.Event(), threading.Event()

    def stuck(_paths: list[Path]) -> None:
        started.set()
        release.wait()  # a sync blocked on a server that went away

    watcher = FolderWatcher(folder, stuck, quiet_s=QUIET_S, settle_s=SETTLE_S)
    watcher.start()
    (folder / "yeni.txt").write_text("metin")
    assert started.wait(10)
    threading.Timer(8, release.set).start()  # an unbounded wait would end only here
    began = time.monotonic()
    watcher.stop(wait_s=0.5)
    assert time.monotonic() - began < 5
