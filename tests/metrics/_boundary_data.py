"""Hand-built verdict tables for the boundary analyses (overlap, histogram, series, support).

Each problem gets ``passes`` rows with status "pass" and the rest spread over every failing
status, so a test also checks that only "pass" counts as solved.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FAILING = ("fail", "timeout", "error", "no_answer")


def rows(model: str, bench: str, counts: dict[str, int], n: int = 4) -> list[dict[str, Any]]:
    """Verdict rows: for each problem id, ``counts[id]`` passes out of ``n`` samples."""
    out = []
    for pid, passes in counts.items():
        for i in range(n):
            status = "pass" if i < passes else FAILING[i % len(FAILING)]
            out.append(
                dict(
                    model=model,
                    benchmark=bench,
                    problem_id=pid,
                    index=i,
                    status=status,
                    extracted=None if status == "no_answer" else str(i),
                    verifier_version="v1",
                    detail="",
                )
            )
    return out


# math, n = 4. Solvable (k = n): B {p1, p3, p5}; R {p1, p2, p5, p6}; D {p1, p3}.
# p6 exists only for R, so it is left out of every comparison with R.
MATH = {
    "B": {"p1": 2, "p2": 0, "p3": 1, "p4": 0, "p5": 4},
    "R": {"p1": 4, "p2": 1, "p3": 0, "p4": 0, "p5": 4, "p6": 3},
    "D": {"p1": 1, "p2": 0, "p3": 1, "p4": 0, "p5": 0},
}
MODELS = [
    {"name": "B", "role": "base", "step": None, "base": None},
    {"name": "R", "role": "rl", "step": None, "base": "B"},
    {"name": "D", "role": "distill", "step": None, "base": "B"},
]


def study_verdicts(table: dict[str, dict[str, int]] = MATH, bench: str = "math", n: int = 4) -> pd.DataFrame:
    return pd.DataFrame([r for model, counts in table.items() for r in rows(model, bench, counts, n)])


def empty_verdicts() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["model", "benchmark", "problem_id", "index", "status", "extracted", "verifier_version", "detail"]
    )
