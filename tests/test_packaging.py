"""The distribution installs one import package, `kentrag`, whose subpackages are the product's folders."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import PROJECT


def test_the_wheel_holds_the_kentrag_package_only_with_the_product_folders_inside(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(PROJECT)], check=True, capture_output=True, timeout=300)
    names = zipfile.ZipFile(next(tmp_path.glob("kentrag-*.whl"))).namelist()
    assert {name.split("/")[0] for name in names} == {"kentrag", "kentrag-0.1.0.dist-info"}
    for module in ("index/retriever.py", "ingest/sync.py", "app/ui.py", "eval/runner.py", "bench/cli.py",
                   "eval/questions.jsonl", "app/style.css", "core/settings.py", "answer/assistant.py"):
        assert f"kentrag/{module}" in names


def test_the_installed_subpackages_are_the_folders_of_the_repository() -> None:
    import kentrag.app
    import kentrag.eval
    import kentrag.index
    import kentrag.ingest

    for package, folder in ((kentrag.index, "index"), (kentrag.ingest, "ingest"), (kentrag.app, "app"),
                            (kentrag.eval, "eval")):
        assert Path(package.__file__).parent == PROJECT / folder
