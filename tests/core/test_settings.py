"""Settings are checked in one place: each unusable value, from the environment or passed in, gives one
SettingsError naming its environment variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kentrag.core.settings import Settings, SettingsError

pytestmark = pytest.mark.fast

# (variable, a value it cannot take, what the message says about it)
BAD_ENVIRONMENT = [
    ("KENTRAG_TOP_K", "0", "must be at least 1, not 0"),
    ("KENTRAG_TOP_K", "five", "must be a whole number, not 'five'"),
    ("KENTRAG_CHUNK_SIZE", "0", "must be at least 1, not 0"),
    ("KENTRAG_CHUNK_SIZE", "2.5", "must be a whole number, not '2.5'"),
    ("KENTRAG_CHUNK_OVERLAP", "-1", "must be at least 0, not -1"),
    ("KENTRAG_CHUNK_OVERLAP", "160", "must be below KENTRAG_CHUNK_SIZE (160), not 160"),
    ("KENTRAG_CHROMA_PORT", "0", "must be at least 1, not 0"),
    ("KENTRAG_CHROMA_PORT", "65536", "must be at most 65535, not 65536"),
    ("KENTRAG_MAX_DOCUMENT_MB", "0", "must be at least 1, not 0"),
    ("KENTRAG_UPLOAD_MAX_MB", "-5", "must be at least 1, not -5"),
    ("KENTRAG_TORCH_THREADS", "0", "must be at least 1, not 0"),
    ("KENTRAG_PASSAGE_BFLOAT16", "sometimes", "must be auto, on or off, not 'sometimes'"),
    ("KENTRAG_USE_VECTORS", "maybe", "must be on or off, not 'maybe'"),
    ("KENTRAG_SNAPSHOT_CACHE", "2", "must be on or off, not '2'"),
    ("KENTRAG_SELECTOR", "trained", "must be on or off, not 'trained'"),
    ("KENTRAG_OCR_MAX_PAGES", "0", "must be at least 1, not 0"),
    ("KENTRAG_URL_TIMEOUT_S", "0", "must be a number above 0, not 0.0"),
    ("KENTRAG_URL_TIMEOUT_S", "soon", "must be a number, not 'soon'"),
    ("KENTRAG_URL_TIMEOUT_S", "inf", "must be a number above 0, not inf"),
]
# (field, a value it cannot take, the variable named)
BAD_KEYWORDS = [
    ("top_k", 0, "KENTRAG_TOP_K"),
    ("top_k", "5", "KENTRAG_TOP_K"),
    ("top_k", True, "KENTRAG_TOP_K"),
    ("chunk_size", -1, "KENTRAG_CHUNK_SIZE"),
    ("chunk_overlap", 500, "KENTRAG_CHUNK_OVERLAP"),
    ("chroma_port", 70000, "KENTRAG_CHROMA_PORT"),
    ("max_document_mb", 0, "KENTRAG_MAX_DOCUMENT_MB"),
    ("upload_max_mb", 0, "KENTRAG_UPLOAD_MAX_MB"),
    ("torch_threads", 0, "KENTRAG_TORCH_THREADS"),
    ("passage_bfloat16", "yes", "KENTRAG_PASSAGE_BFLOAT16"),
    ("use_vectors", "off", "KENTRAG_USE_VECTORS"),
    ("snapshot_cache", 1, "KENTRAG_SNAPSHOT_CACHE"),
    ("selector", "on", "KENTRAG_SELECTOR"),
    ("ocr_max_pages", 0, "KENTRAG_OCR_MAX_PAGES"),
    ("url_timeout_s", -1, "KENTRAG_URL_TIMEOUT_S"),
    ("url_timeout_s", float("nan"), "KENTRAG_URL_TIMEOUT_S"),
    ("url_timeout_s", "20", "KENTRAG_URL_TIMEOUT_S"),
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KENTRAG_* variable of the machine running the tests takes part."""
    for name in [name for name in os.environ if name.startswith("KENTRAG_")]:
        monkeypatch.delenv(name)


def test_the_defaults_are_valid() -> None:
    settings = Settings()
    assert (settings.top_k, settings.chunk_size, settings.chunk_overlap) == (5, 160, 30)
    assert settings.passage_bfloat16 == "auto" and settings.use_vectors is True and settings.selector is True
    assert (settings.ocr_max_pages, settings.url_timeout_s) == (50, 20.0)


@pytest.mark.parametrize(("variable", "value", "problem"), BAD_ENVIRONMENT)
def test_a_bad_environment_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                    problem: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        Settings()
    assert str(caught.value) == f"{variable} {problem}"


@pytest.mark.parametrize(("field", "value", "variable"), BAD_KEYWORDS)
def test_a_bad_keyword_value_names_its_variable(field: str, value: object, variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable} must "):
        Settings(**{field: value})


@pytest.mark.parametrize(("field", "value", "variable"), BAD_KEYWORDS)
def test_overrides_are_checked_too(field: str, value: object, variable: str) -> None:
    with pytest.raises(SettingsError, match=f"^{variable} must "):
        Settings().with_overrides(**{field: value})


def test_good_overrides_apply_and_unset_ones_are_ignored(tmp_path: Path) -> None:
    settings = Settings().with_overrides(top_k=12, chunk_size=96, chunk_overlap=0, data_dir=tmp_path, generator=None)
    assert (settings.top_k, settings.chunk_size, settings.chunk_overlap, settings.data_dir) == (12, 96, 0, tmp_path)
    assert settings.generator == "extractive"


def test_flags_read_every_usual_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("on", True), ("OFF", False), ("1", True), ("no", False), (" Yes ", True)):
        monkeypatch.setenv("KENTRAG_USE_VECTORS", value)
        assert Settings().use_vectors is expected
    monkeypatch.setenv("KENTRAG_SELECTOR", "off")
    assert Settings().selector is False


def test_the_url_timeout_takes_fractions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENTRAG_URL_TIMEOUT_S", "2.5")
    assert Settings().url_timeout_s == 2.5
