"""Shared fixtures: real settings in temporary folders, and one real index of the bundled corpus per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kentrag.core import runtime  # noqa: F401  (offline environment before anything else loads)
from kentrag.core.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT / "corpus"


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
