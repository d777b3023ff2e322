"""docs/reference/run-directory.md is generated from the store's schemas and the registered
analyses (scripts/gen_run_directory_doc.py): the committed page must equal a fresh rendering, so a
new table or column fails here until the page is regenerated."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    path = REPO / "scripts" / "gen_run_directory_doc.py"
    spec = importlib.util.spec_from_file_location("gen_run_directory_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_directory_reference_is_generated_from_the_schemas() -> None:
    gen = generator()
    page = (REPO / "docs" / "reference" / "run-directory.md").read_text(encoding="utf-8")
    assert page == gen.render(), "docs/reference/run-directory.md is stale: run python scripts/gen_run_directory_doc.py"
    from passbound.analyses import registered
    from passbound.store.rundir import VERDICT_SCHEMA

    for analysis in registered():  # every table and column the code declares is on the page
        section = page.split(f"### {analysis.name}.csv\n", 1)[1].split("\n### ", 1)[0]
        assert all(f"| `{c}` |" in section for c in analysis.columns), analysis.name
    assert all(f"| `{f.name}` | `{f.type}` |" in page for f in VERDICT_SCHEMA)


def test_check_mode_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = generator()
    stale = tmp_path / "run-directory.md"
    stale.write_text(gen.render().replace("| `n_tokens` |", "| `n_tokenz` |", 1), encoding="utf-8")
    monkeypatch.setattr(gen, "PAGE", stale)
    assert gen.main(["--check"]) == 1
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0  # rewritten, then current
