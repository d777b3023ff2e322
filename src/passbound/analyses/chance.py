"""What guessing alone reaches: the pass@k of a uniform guesser on multiple-choice problems.

A guesser that picks one of m options uniformly at random k times solves a problem with
probability 1 - (1 - 1/m)^k (0.68 for four options at k = 4, 1 - 1e-32 at k = 256), so at large
k every model's pass@k on multiple-choice problems tends to the share of such problems whatever
it reasons. That is why Yue et al. (2025) removed multiple-choice questions from MathVista and
MathVision. This table puts the guesser's curve beside each model's on the same problems
(free-form problems count 0 for the guesser) and states which part of a model's pass@k chance
alone explains: ``chance_share = chance_pass_at_k / pass_at_k``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, ordered_groups, register
from passbound.report_kit import esc, section_table

COLUMNS = (
    "model",
    "benchmark",
    "k",
    "n_problems",
    "n_choice",
    "pass_at_k",
    "choice_pass_at_k",
    "chance_pass_at_k",
    "chance_share",
)


def guess_pass_at_k(options: np.ndarray, k: int) -> np.ndarray:
    """Per problem: 1 - (1 - 1/m)^k for m options, 0 where a problem has none (free form)."""
    m = options.astype(float)
    return np.where(m > 0, 1.0 - np.power(1.0 - 1.0 / np.where(m > 0, m, 1.0), k), 0.0)


def option_counts(run_path: Any) -> dict[str, dict[str, int]]:
    """benchmark -> problem id -> number of options (choice problems only)."""
    from passbound.store import RunDir

    run = RunDir(run_path)
    out: dict[str, dict[str, int]] = {}
    for benchmark in run.benchmarks():
        counts = {
            p.id: len((p.metadata or {}).get("choices") or ())
            for p in run.read_problems(benchmark)
            if p.kind == "choice"
        }
        if counts:
            out[benchmark] = counts
    return out


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    from passbound.metrics.passk import pass_at_k_matrix

    if inputs.run_path is None or inputs.verdicts.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    options = option_counts(inputs.run_path)
    if not options:
        return pd.DataFrame(columns=list(COLUMNS))
    counts = inputs.counts
    rows = []
    for model, benchmark, g in ordered_groups(counts[counts["benchmark"].isin(list(options))], inputs.models):
        m = g["problem_id"].map(options[benchmark]).fillna(0).to_numpy(dtype=int)
        n, c = g["n"].to_numpy(dtype=int), g["c"].to_numpy(dtype=int)
        ks = [k for k in inputs.k_grid if k <= int(n.min())]
        if not ks:
            continue
        model_k = pass_at_k_matrix(n, c, ks)
        is_choice = m > 0
        for j, k in enumerate(ks):
            model_mean = float(model_k[:, j].mean())
            chance = float(guess_pass_at_k(m, k).mean())
            rows.append(
                dict(
                    model=model,
                    benchmark=benchmark,
                    k=k,
                    n_problems=len(g),
                    n_choice=int(is_choice.sum()),
                    pass_at_k=model_mean,
                    choice_pass_at_k=float(model_k[is_choice, j].mean()) if is_choice.any() else float("nan"),
                    chance_pass_at_k=chance,
                    chance_share=min(1.0, chance / model_mean) if model_mean > 0 else float("nan"),
                )
            )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""
    largest = table.loc[table.groupby(["model", "benchmark"], sort=False)["k"].idxmax()]
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td class=\"n\">{int(r.n_choice)} of "
        f"{int(r.n_problems)}</td><td class=\"n\">{int(r.k)}</td><td class=\"n\">{100 * r.pass_at_k:.1f}%</td>"
        f"<td class=\"n\">{100 * r.chance_pass_at_k:.1f}%</td><td class=\"n\">"
        f"{'' if pd.isna(r.chance_share) else f'{100 * r.chance_share:.0f}%'}</td></tr>"
        for r in largest.itertuples()
    ]
    return section_table(
        "chance",
        "What guessing alone reaches",
        "On multiple-choice problems a uniform guesser solves a problem within k tries with "
        "probability 1 − (1 − 1/m)<sup>k</sup> for m options, so at large k pass@k rises towards "
        "the share of such problems whatever a model reasons (why Yue et al. (2025) left them out "
        "of MathVista and MathVision; set <code>free_form_only = true</code>). The pass@k figures "
        "draw the guesser's curve in grey; this table gives it at the largest k, and the share of "
        "each model's pass@k that chance alone explains.",
        ["Benchmark", "Model", "Multiple choice", "k", "pass@k", "Guessing", "Explained by chance"],
        rows,
        2,
    )


register(Analysis("chance", COLUMNS, compute, section, text_columns=("model", "benchmark")))
