"""Shared fixtures (real settings in temporary folders, one real index of the bundled corpus per session) and the
two tiers: modules marked `fast` test pure functions; every other test counts as `slow` (model, Chroma, browser).
`pytest -m "not slow"` runs the fast tier and fails if any of it loaded the heavy stack."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from kentrag.core import runtime  # noqa: F401  (offline environment before anything else loads)
from kentrag.core.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "corpus"
# What the fast tier must never load: the model, the index and the web app.
HEAVY_MODULES = ("torch", "chromadb", "sentence_transformers", "llama_index", "gradio")


def _fast_tier_run(config: pytest.Config) -> bool:
    return config.getoption("markexpr", "").replace(" ", "") == "notslow"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """In a fast-tier run, test modules not marked fast are not even imported (many import the heavy stack)."""
    if _fast_tier_run(config) and collection_path.name.startswith("test_") and collection_path.suffix == ".py":
        return "pytest.mark.fast" not in collection_path.read_text(encoding="utf-8")
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test not marked fast is slow."""
    for item in items:
        if item.get_closest_marker("fast") is None:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In a fast-tier run (-m "not slow"), fail when a test loaded a heavy library."""
    if not _fast_tier_run(session.config):
        return
    loaded = [name for name in HEAVY_MODULES if name in sys.modules]
    if loaded:
        print(f"\nthe fast tier loaded {', '.join(loaded)}: a test marked fast is not pure", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def make_settings(data_dir: Path, corpus_dir: Path = CORPUS, **overrides: object) -> Settings:
    """Settings for a test: its own data folder, the shared converted model cache, no server."""
    return Settings(data_dir=data_dir, corpus_dir=corpus_dir, chroma_host=None, **overrides)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose index holds the bundled corpus, built once for the session with the real model."""
    from kentrag.ingest.sync import Syncer

    settings = make_settings(tmp_path_factory.mktemp("corpus-index"))
    report = Syncer(settings, show_progress=False).sync([CORPUS])
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_settings: Settings):
    """One Assistant over the corpus index (loading the model once)."""
    from kentrag.answer.assistant import Assistant

    return Assistant(corpus_settings)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the corpus that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target
