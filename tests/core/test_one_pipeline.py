"""The pipeline is spelled out once (`stages.study.run_study`): `passbound run`, `passbound demo`
and `passbound demo --full` call it, and no other module strings the stages together itself, so
a stage added to the pipeline (adaptive round two, perplexity) runs for every entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import passbound

SRC = Path(passbound.__file__).parent
STAGES = {"sample_run", "verify_run", "analyse_run", "report_run"}


def _called(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    return names


def test_only_run_study_chains_the_stages() -> None:
    chaining = sorted(
        f"{p.relative_to(SRC)}:{fn.name}"
        for p in SRC.rglob("*.py")
        for fn in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(fn, ast.FunctionDef) and len(_called(fn) & STAGES) >= 3
    )  # one-stage commands: 1-2
    assert chaining == ["stages/study.py:run_study"]


def test_every_entry_point_calls_run_study() -> None:
    for module in ("cli/stages.py", "cli/demo.py", "train/demo_full.py"):
        assert "run_study" in _called(ast.parse((SRC / module).read_text(encoding="utf-8"))), module
