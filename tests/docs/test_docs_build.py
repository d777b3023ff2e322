"""`.ci/run` builds the documentation site with `mkdocs build --strict` and stops on a warning:
its own line, run here (set -euo pipefail, as in .ci/run) on a copy of the site's sources, passes
as committed and fails on a broken link and on a missing example file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def ci_docs_line() -> str:
    lines = [ln for ln in (REPO / ".ci" / "run").read_text().splitlines() if "mkdocs build" in ln]
    assert len(lines) == 1, "expected one `mkdocs build` line in .ci/run"
    assert "--strict" in lines[0]
    return lines[0]


def build(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = f"set -euo pipefail\n{ci_docs_line()}\necho CI-GOES-ON\n"
    return subprocess.run(["bash", "-c", script], cwd=tree, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    for name in ("docs", "mkdocs.yml", "README.md"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    return tmp_path


def test_ci_runs_the_strict_docs_build_before_the_tests() -> None:
    text = (REPO / ".ci" / "run").read_text()
    assert text.index(ci_docs_line()) < text.index("python -m pytest")


def test_ci_docs_build_passes_as_committed_and_stops_on_a_warning(site: Path) -> None:
    ok = build(site)
    assert ok.returncode == 0 and "CI-GOES-ON" in ok.stdout, ok.stderr[-2000:]

    page = site / "docs" / "guides" / "metrics.md"
    page.write_text(page.read_text() + "\nSee [nowhere](no-such-page.md).\n")
    broken = build(site)
    assert broken.returncode != 0 and "CI-GOES-ON" not in broken.stdout
    assert "no-such-page.md" in broken.stderr


def test_ci_docs_build_fails_on_a_missing_example(site: Path) -> None:
    (site / "docs" / "examples" / "add_engine.py").unlink()
    missing = build(site)
    assert missing.returncode != 0 and "CI-GOES-ON" not in missing.stdout
    assert "add_engine.py" in missing.stderr
