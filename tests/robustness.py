"""Helpers shared by the robustness and server-mode tests: run the CLI, spawn it, snapshot an index, run a Chroma
server."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from unittest.mock import patch

import pytest

from kentrag.core.settings import Settings

KENTRAG = Path(sys.executable).with_name("kentrag")
CHROMA = Path(sys.executable).with_name("chroma")
# Manifest fields that record when, not what: they differ between two builds of the same files.
TIMESTAMPS = ("added_at", "updated_at")
CITIES = ("İzmir", "Ankara", "Bursa", "Konya", "Tashkent", "Rijeka", "Belgrade", "Seoul", "Kazan")


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str, env: dict[str, str] | None = None) -> CliResult:
    """Run `kentrag ARGV` in this process (the model stays loaded), capturing its output."""
    from kentrag.cli import main

    out, err = io.StringIO(), io.StringIO()
    with patch.dict(os.environ, env or {}), redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return CliResult(code, out.getvalue(), err.getvalue())


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def small_corpus(folder: Path, count: int) -> Path:
    """`count` generated documents of about two chunks each, alternating English and Turkish."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        city, other = CITIES[i % len(CITIES)], CITIES[(i * 5 + 3) % len(CITIES)]
        if i % 2:
            lines = [f"{city} akıllı şehir raporu {i}"] + [
                f"{city} belediyesi {2010 + j} yılında {other} ile {i * 7 + j} numaralı ulaşım ve enerji "
                f"projesini başlattı; proje {j + 3} mahallede {i + j} bin kişiye hizmet veriyor."
                for j in range(6)
            ]
        else:
            lines = [f"{city} smart city report {i}"] + [
                f"In {2010 + j} the city of {city} started project {i * 7 + j} on transport and energy with "
                f"{other}; it now serves {i + j} thousand people in {j + 3} districts."
                for j in range(6)
            ]
        (folder / f"doc-{i:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def index_snapshot(settings: Settings) -> dict:
    """Everything an index holds, comparable across builds: chunks (id → metadata, text), their vectors,
    each vector's nearest neighbour in the vector index, the sentence and USE vector ids (with
    their metadata) and the manifest without timestamps.
    Releases Chroma afterwards so that another process may write the folder."""
    from chromadb.api.shared_system_client import SharedSystemClient
    from kentrag.index.store import Store

    store = Store(settings)
    try:
        got = store.chunks.get(include=["metadatas", "documents", "embeddings"])
        vectors = [list(map(float, vector)) for vector in got["embeddings"]]
        nearest = store.chunks.query(query_embeddings=vectors, n_results=1, include=[]) if vectors else None
        return {
            "chunks": {i: (meta, text) for i, meta, text in zip(got["ids"], got["metadatas"], got["documents"])},
            "vectors": dict(zip(got["ids"], vectors)),
            "nearest": dict(zip(got["ids"], [ids[0] for ids in nearest["ids"]] if nearest else [])),
            "manifest": {
                doc_id: {k: v for k, v in entry.metadata().items() if k not in TIMESTAMPS}
                for doc_id, entry in store.manifest_entries().items()
            },
            "count": store.chunk_count(),
            "per_chunk": {name: _ids_and_metadata(collection) for name, collection in (
                ("sentences", store.sentences), ("use", store.use_chunks),
                ("use_sentences", store.use_sentences))},
        }
    finally:
        SharedSystemClient.clear_system_cache()


def _ids_and_metadata(collection) -> dict[str, dict]:
    got = collection.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def assert_consistent(snapshot: dict) -> None:
    """No duplicates, no orphans: every chunk belongs to an 'ok' manifest entry with that many chunks, the
    vector index finds every chunk by its own vector, every chunk has its USE vector and sentence vectors
    (e5 and USE) and no sentence vector outlives its chunk."""
    manifest = snapshot["manifest"]
    per_doc: dict[str, list[int]] = {}
    for meta, _ in snapshot["chunks"].values():
        per_doc.setdefault(meta["doc_id"], []).append(meta["chunk_index"])
    assert snapshot["count"] == len(snapshot["chunks"])
    assert set(per_doc) == set(manifest), "chunks without a manifest entry, or entries without chunks"
    for doc_id, entry in manifest.items():
        assert entry["status"] == "ok", (doc_id, entry)
        assert sorted(per_doc[doc_id]) == list(range(entry["chunks"])), f"{doc_id}: duplicate or missing chunks"
    assert snapshot["nearest"] == {chunk_id: chunk_id for chunk_id in snapshot["chunks"]}
    per_chunk = snapshot["per_chunk"]
    assert set(per_chunk["use"]) == set(snapshot["chunks"])
    assert {m["chunk_id"] for m in per_chunk["sentences"].values()} == set(snapshot["chunks"])
    assert per_chunk["use_sentences"] == per_chunk["sentences"]


def assert_same_index(got: dict, expected: dict) -> None:
    """Same chunk ids, metadata, texts and manifest as `expected`; vectors equal up to float noise."""
    assert_consistent(got)
    assert got["manifest"] == expected["manifest"]
    assert got["chunks"] == expected["chunks"]
    assert got["per_chunk"] == expected["per_chunk"]
    for chunk_id, vector in expected["vectors"].items():
        assert max(abs(a - b) for a, b in zip(got["vectors"][chunk_id], vector)) < 1e-4, chunk_id


@dataclass
class Spawned:
    """A `kentrag` subprocess whose stderr (progress bars included) is collected as it arrives."""

    process: subprocess.Popen
    stderr: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, *argv: str, env: dict[str, str] | None = None) -> Spawned:
        process = subprocess.Popen([str(KENTRAG), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, **(env or {})})
        spawned = cls(process)
        threading.Thread(target=spawned._collect, daemon=True).start()
        return spawned

    def _collect(self) -> None:
        for chunk in iter(lambda: self.process.stderr.read1(4096), b""):
            self.stderr.append(chunk.decode("utf-8", "replace"))

    @property
    def err(self) -> str:
        return "".join(self.stderr)

    def wait_for(self, condition: Callable[[], bool], timeout: float = 120) -> None:
        """Poll until `condition()` holds; fail if the process ends or the time runs out first."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"kentrag ended ({self.process.returncode}) too early:\n{self.err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; stderr so far:\n{self.err}")
            time.sleep(0.05)

    def cpu_ticks(self) -> int:
        """User + system CPU time of the process so far, in clock ticks."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def kill(self) -> None:
        """kill -9 and reap."""
        self.process.kill()
        self.process.wait(timeout=30)


class ChromaServer:
    """`chroma run` on 127.0.0.1 over one folder; can be killed, paused and started again on the same port."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.path.parent / "chroma.log").open("ab")
        self.process = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not self.alive():
            assert self.process.poll() is None and time.monotonic() < deadline, "chroma run did not start"
            time.sleep(0.2)

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)


@contextmanager
def chroma_server(path: Path) -> Iterator[ChromaServer]:
    """A started `chroma run` over `path` on a free port, killed afterwards; the test is skipped without the
    command."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma command at {CHROMA}")
    chroma = ChromaServer(path, free_port())
    chroma.start()
    try:
        yield chroma
    finally:
        chroma.kill()
