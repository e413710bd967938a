"""Chat completions from a GGUF model run in this process on the CPU, with xllamacpp (the `llm` extra).

xllamacpp's Server calls back once per streamed chunk from a blocking call; a worker thread feeds those
chunks to a queue so that they can be yielded as they arrive, and a callback returning True stops the
model when the consumer stops reading. The model loads on first use and stays loaded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from kentrag.answer.llm import GenerationError, chunk_text

# The prompt holds the rules, a question and at most three quoted sentences (kentrag.answer.grounding).
CONTEXT_TOKENS = 2048
_DONE = object()


class LocalChat:
    """A GGUF chat model in-process; `threads` None uses the physical cores."""

    def __init__(self, gguf: Path, threads: int | None = None, context: int = CONTEXT_TOKENS) -> None:
        self.gguf = Path(gguf)
        self.threads = threads
        self.context = context
        self._server = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._server is None:
                try:
                    import xllamacpp
                except ImportError as error:
                    raise GenerationError("the local model needs the llm extra: pip install -e '.[llm]'") from error
                if not self.gguf.is_file():
                    raise GenerationError(f"no GGUF model at {self.gguf}: run `kentrag setup-llm`")
                params = xllamacpp.CommonParams()
                params.model.path = str(self.gguf)
                params.n_ctx = self.context
                params.n_parallel = 1
                params.verbosity = -1
                # The server also listens on HTTP: loopback and a free port only.
                params.hostnames = ["127.0.0.1"]
                params.port = 0
                if self.threads:
                    params.cpuparams.n_threads = self.threads
                    params.cpuparams_batch.n_threads = self.threads
                try:
                    self._server = xllamacpp.Server(params)
                except RuntimeError as error:
                    raise GenerationError(f"could not load {self.gguf.name}: {error}") from error
            return self._server

    def stream_chat(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        server = self._load()
        body = {"messages": messages, "stream": True, "max_tokens": max_tokens, "temperature": 0}
        chunks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict) -> bool:
            chunks.put(chunk)
            return stop.is_set()

        def run() -> None:
            try:
                server.handle_chat_completions(body, on_chunk)
            except Exception as error:  # noqa: BLE001  (handed over to the reading thread)
                chunks.put(GenerationError(f"{self.gguf.name}: {error}"))
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=run, name="kentrag-local-llm", daemon=True)
        worker.start()
        try:
            while (item := chunks.get()) is not _DONE:
                if isinstance(item, GenerationError):
                    raise item
                yield chunk_text(item)
        finally:
            stop.set()
            worker.join()
