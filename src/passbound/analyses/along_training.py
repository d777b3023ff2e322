"""Along training: per checkpoint, the problems first solved, lost and regained.

A step series of averages (series.csv) can stay flat while problems come and go underneath.
For each base and its checkpoints (models naming it as base, in step order), on the problems all
of them share (solved = a pass among all n samples):

- ``first_solved``: solved now and by no earlier point of the sequence (the base included);
- ``lost``: solved at the previous point, not now;
- ``regained``: solved now, not at the previous point, but at some point before that.

The base is the sequence's first row (step 0 or its own step), with only its solved count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.report_kit import code, esc, md_table, section_table
from passbound.types import ModelRecord

COLUMNS = (
    "benchmark",
    "base_model",
    "model",
    "step",
    "n_problems",
    "n_solved",
    "first_solved",
    "lost",
    "regained",
    "first_solved_ids",
    "lost_ids",
    "regained_ids",
)


def sequences(models: Sequence[ModelRecord]) -> list[tuple[str, list[ModelRecord]]]:
    """(base, [base, checkpoints in step order]) for every base with at least one stepped model."""
    out = []
    for base in (m for m in models if m.get("role") == "base"):
        steps = sorted(
            (m for m in models if m.get("base") == base["name"] and m.get("step") is not None),
            key=lambda m: (int(m.get("step") or 0), m["name"]),
        )  # step is set here
        if steps:
            out.append((base["name"], [base, *steps]))
    return out


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    seqs = sequences(list(inputs.models))
    if not seqs or inputs.verdicts.empty:
        return pd.DataFrame(rows, columns=list(COLUMNS))
    counts = inputs.counts
    solved = counts.assign(solved=counts["c"] > 0).pivot_table(
        index=["benchmark", "problem_id"], columns="model", values="solved", aggfunc="first"
    )
    for base, seq in seqs:
        names = [m["name"] for m in seq]
        for bench in sorted(solved.index.get_level_values("benchmark").unique()):
            here = solved.loc[bench]
            present = [n for n in names if n in here.columns and here[n].notna().any()]  # has verdicts here
            if len(present) < 2 or base not in present:
                continue
            block = here[present].dropna()  # problems every point of the sequence has
            ids = block.index.to_numpy(dtype=object)
            ever = np.zeros(len(block), dtype=bool)
            prev = None
            for m in (x for x in seq if x["name"] in present):
                now = block[m["name"]].to_numpy(dtype=bool)
                row = dict(
                    benchmark=bench,
                    base_model=base,
                    model=m["name"],
                    step=m.get("step") or 0,
                    n_problems=len(block),
                    n_solved=int(now.sum()),
                )
                if prev is None:
                    row.update(first_solved=0, lost=0, regained=0, first_solved_ids="", lost_ids="", regained_ids="")
                else:
                    groups = {"first_solved": now & ~ever, "lost": prev & ~now, "regained": now & ~prev & ever}
                    for key, mask in groups.items():
                        row[key] = int(mask.sum())
                        row[f"{key}_ids"] = " ".join(map(str, ids[mask]))
                rows.append(row)
                ever |= now
                prev = now
    return pd.DataFrame(rows, columns=list(COLUMNS))


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td class=\"n\">{int(r.step)}</td>"
        f"<td class=\"n\">{int(r.n_solved)} / {int(r.n_problems)}</td><td class=\"n\">{int(r.first_solved)}</td>"
        f"<td class=\"n\">{int(r.lost)}</td><td class=\"n\">{int(r.regained)}</td></tr>"
        for r in table.itertuples()
    ]
    return section_table(
        "along-training",
        "Along training: problems solved, lost, regained",
        "Per checkpoint, against every earlier point (the base first): first solved = never solved "
        "before; lost = solved at the previous point, not now; regained = lost earlier and solved "
        "again. Problem ids are in along_training.csv.",
        ["Benchmark", "Model", "Step", "Solved", "First solved", "Lost", "Regained"],
        rows,
        2,
    )


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    """Per checkpoint: solved, first solved, lost and regained problems."""
    rows = [
        [
            code(r.benchmark),
            code(r.model),
            str(int(r.step)),
            f"{int(r.n_solved)} / {int(r.n_problems)}",
            str(int(r.first_solved)),
            str(int(r.lost)),
            str(int(r.regained)),
        ]
        for r in table.itertuples()
    ]
    return (
        ["## Along training: problems solved, lost, regained", ""]
        + md_table(["benchmark", "model", "step", "solved", "first solved", "lost", "regained"], rows, {2, 3, 4, 5, 6})
        + [""]
    )


register(
    Analysis(
        "along_training",
        COLUMNS,
        compute,
        section,
        markdown=markdown,
        text_columns=("benchmark", "base_model", "model", "first_solved_ids", "lost_ids", "regained_ids"),
    )
)
