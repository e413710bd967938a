"""`kentrag serve` as a person starts it, in its own process: an empty index is first built from the corpus
folder (with progress on the console), then the app answers over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_samples import PARK, PARK_FACT, PARK_QUESTION
from gradio_client import Client
from robustness import Spawned, free_port

pytestmark = pytest.mark.slow


def test_serve_builds_a_missing_index_and_answers(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "park.md").write_text(PARK, encoding="utf-8")
    port = free_port()
    server = Spawned.start("--data-dir", str(tmp_path / "data"), "serve", "--port", str(port),
                           env={"KENTRAG_CORPUS_DIR": str(corpus)})
    try:
        server.wait_for(lambda: "ready at" in server.err, timeout=180)
        assert "the index is empty: ingesting" in server.err and "embedding: 100%" in server.err
        assert "added 1 /" in server.err
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(PARK_QUESTION, [], api_name="/ask")
        assert answer["found"] and PARK_FACT in answer["answer"]
        assert [c["doc_id"] for c in answer["citations"]][0] == "park.md"
    finally:
        server.kill()
