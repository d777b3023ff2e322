"""The tooling checks that .ci/run relies on can fail: scripts/lint.sh exits non-zero on a lint
error, and the import smoke (run on Python 3.10 by .ci/run) imports every module."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]' (it is pinned in the dev extra)"
    return found


def test_lint_script_fails_on_a_lint_error(tmp_path: Path) -> None:
    # A copy with one file: the script's own steps run on it, so the test costs a second, not a full mypy run.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "lint.sh", tmp_path / "scripts" / "lint.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src" / "passbound").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    good = 'def add(a: int, b: int) -> int:\n    return a + b\n'
    (tmp_path / "src" / "passbound" / "__init__.py").write_text(good)
    env = {**os.environ, "RUFF": _tool("ruff"), "MYPY": _tool("mypy"), "MYPY_CACHE_DIR": str(tmp_path / ".mc")}
    clean = subprocess.run(["bash", "scripts/lint.sh"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for bad in (
        'import os\n' + good,  # ruff: unused import
        'def add(a: int, b: int) -> int:\n    return a + "b"\n',  # mypy: str added to int
        'def add(a: int, b: int) -> int:\n    return a+b\n',
    ):  # ruff format: spacing
        (tmp_path / "src" / "passbound" / "__init__.py").write_text(bad)
        out = subprocess.run(["bash", "scripts/lint.sh"], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert out.returncode != 0, f"lint.sh passed on:\n{bad}\n{out.stdout}{out.stderr}"


def test_import_smoke_imports_every_module() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "import_smoke.py")], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stdout + out.stderr
    package = ROOT / "src" / "passbound"  # its submodules: every .py but the package's own two
    modules = [p for p in package.rglob("*.py") if p not in (package / "__main__.py", package / "__init__.py")]
    assert f", {len(modules)} modules, 0 failed" in out.stdout, out.stdout
