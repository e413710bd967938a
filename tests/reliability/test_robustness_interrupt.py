"""Interrupted ingest: `kentrag ingest` killed with SIGKILL at several points, then run again, gives the
same index as a clean build; a second ingest while one runs is refused (exit 2) and changes nothing."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from conftest import make_settings
from kentrag.ingest.sync import EMBED_BATCH
from robustness import Spawned, assert_consistent, assert_same_index, index_snapshot, run_cli, small_corpus

pytestmark = pytest.mark.slow

DOCS = 60  # ~150 chunks: two embedding batches of EMBED_BATCH


def embedded_chunks(stderr: str) -> int:
    """Chunks the progress bar has counted as written so far."""
    counts = re.findall(r"embedding:\s+\d+%\|[^|]*\| (\d+)/\d+", stderr)
    return int(counts[-1]) if counts else 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_corpus(tmp_path_factory.mktemp("interrupt") / "corpus", DOCS)


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict:
    data = tmp_path_factory.mktemp("clean") / "data"
    result = run_cli("--data-dir", str(data), "ingest", str(corpus))
    assert result.code == 0, result.err
    snapshot = index_snapshot(make_settings(data, corpus))
    assert_consistent(snapshot)
    assert len(snapshot["manifest"]) == DOCS and snapshot["count"] > EMBED_BATCH
    return snapshot


def test_kill_9_at_three_points_then_rerun_equals_clean_build(tmp_path: Path, corpus: Path,
                                                              clean_build: dict) -> None:
    settings = make_settings(tmp_path / "data", corpus)
    argv = ("--data-dir", str(settings.data_dir), "ingest", str(corpus))
    lock = settings.data_dir / "ingest.lock"

    # 1. early: as soon as the process holds the ingest lock (before or while Chroma is first created)
    run = Spawned.start(*argv)
    run.wait_for(lambda: lock.exists() and lock.read_text() == f"pid {run.process.pid}")
    run.kill()

    # 2. while the first batch is being embedded: documents marked "indexing", no chunks yet
    run = Spawned.start(*argv)
    run.wait_for(lambda: "embedding:" in run.err)
    time.sleep(1.0)
    assert embedded_chunks(run.err) == 0
    run.kill()
    state = index_snapshot(settings)
    assert state["count"] == 0 and {e["status"] for e in state["manifest"].values()} == {"indexing"}

    # 3. after the first batch is written, while the second is embedded; a second ingest is refused meanwhile
    run = Spawned.start(*argv)
    run.wait_for(lambda: embedded_chunks(run.err) > 0)
    busy = run_cli(*argv)
    run.kill()
    assert busy.code == 2 and busy.out == ""
    assert busy.err.strip() == (
        f"kentrag: another ingest is running (pid {run.process.pid}); try again when it has finished"
    )
    state = index_snapshot(settings)
    assert 0 < state["count"] < clean_build["count"]
    assert "ok" in {e["status"] for e in state["manifest"].values()}

    # rerun to the end: the index equals the clean build
    final = run_cli(*argv)
    assert final.code == 0 and final.out.strip().endswith("removed 0 / failed 0"), final.out + final.err
    assert_same_index(index_snapshot(settings), clean_build)
    assert run_cli(*argv).out.strip() == f"added 0 / updated 0 / unchanged {DOCS} / removed 0 / failed 0"
