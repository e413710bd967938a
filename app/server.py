"""`kentrag serve`: build the index if it is empty, load the assistant once, start the web app."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import gradio as gr
from kentrag.app.files import serve_document_files
from kentrag.app.library import Library
from kentrag.app.ui import build_app
from kentrag.index.store import Store
from kentrag.ingest.sync import Syncer

from kentrag.answer.assistant import Assistant
from kentrag.core.settings import Settings

STYLE = Path(__file__).with_name("style.css")
AUTH_ENV = "KENTRAG_AUTH"


def say(message: str) -> None:
    print(f"[kentrag] {message}", file=sys.stderr, flush=True)


def build_index(settings: Settings, store: Store) -> None:
    """Ingest the corpus folder into an empty index, with a progress bar on the console."""
    say(f"the index is empty: ingesting {settings.corpus_dir} (once; later starts skip this)")
    report = Syncer(settings, store=store).sync([settings.corpus_dir])
    for path, reason in sorted(report.failed.items()):
        say(f"skipped {path}: {reason}")
    say(report.summary())


def login() -> tuple[str, str] | None:
    """The one login from KENTRAG_AUTH="user:password" (not in Settings: those are stored with the index)."""
    value = os.environ.get(AUTH_ENV, "")
    if not value:
        return None
    user, _, password = value.partition(":")
    if not user or not password:
        raise SystemExit(f'kentrag: {AUTH_ENV} must be "user:password"')
    return user, password


def start(settings: Settings, host: str, port: int, store: Store | None = None) -> tuple[gr.Blocks, str]:
    """Load the assistant and start the app, with the documents' files at /kentrag/file/, without blocking;
    returns the app and its local URL."""
    assistant = Assistant(settings, store=store)
    library = Library(assistant, max_bytes=settings.upload_max_mb * 2**20)
    demo = build_app(assistant, library)
    demo.queue(default_concurrency_limit=1)
    app, url, _ = demo.launch(
        server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, show_error=True,
        max_file_size=library.max_bytes, footer_links=["api"], css_paths=[STYLE], ssr_mode=False,
        mcp_server=False, enable_monitoring=False, run_history=False, share=False, auth=login(),
    )
    serve_document_files(app, assistant.store, settings.max_document_mb)
    return demo, url


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, build_if_missing: bool = True) -> None:
    """Run the web app until interrupted."""
    began = time.perf_counter()
    store = Store(settings)
    if build_if_missing and not store.manifest_entries():
        build_index(settings, store)
        began = time.perf_counter()
    if host not in ("127.0.0.1", "localhost", "::1") and login() is None:
        say(f"warning: listening on {host} without a login; set {AUTH_ENV}=user:password")
    say("loading the embedding model and the index")
    demo, url = start(settings, host, port, store)
    say(f"ready at {url} (started in {time.perf_counter() - began:.1f} s; Ctrl-C to stop)")
    try:
        demo.block_thread()
    finally:
        demo.close()
