"""The contamination probe's table (`passbound probe` shards, summarised) and its report section.

Per (model, benchmark, fraction): problems probed, the share whose rest of the statement the model
reproduced exactly, mean and median ROUGE-L of the continuation against the rest, and the share
answered correctly from the partial statement (Wu et al. 2025, arXiv:2507.10532).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.report_kit import code, esc, md_table, pct, section_table

COLUMNS = (
    "model",
    "benchmark",
    "fraction",
    "n_problems",
    "exact_match_rate",
    "rouge_l_mean",
    "rouge_l_median",
    "partial_accuracy",
)


def compute(inputs: AnalysisInputs) -> pd.DataFrame:
    from passbound.store.side_tables import read_probe

    if inputs.run_path is None:
        return pd.DataFrame(columns=list(COLUMNS))
    rows = read_probe(inputs.run_path)
    if rows.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    listed = [m["name"] for m in inputs.models]
    out = []
    for (model, bench, fraction), g in rows.groupby(["model", "benchmark", "fraction"], sort=False):
        out.append(
            dict(
                model=model,
                benchmark=bench,
                fraction=float(fraction),
                n_problems=len(g),
                exact_match_rate=float(g["exact_match"].mean()),
                rouge_l_mean=float(g["rouge_l"].mean()),
                rouge_l_median=float(g["rouge_l"].median()),
                partial_accuracy=float(g["answer_status"].eq("pass").mean()),
            )
        )
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    frame["_order"] = frame["model"].map({m: i for i, m in enumerate(listed)}).fillna(len(listed))
    return frame.sort_values(["_order", "benchmark"]).drop(columns="_order").reset_index(drop=True)


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty:
        return ""
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td class=\"n\">{100 * r.fraction:.0f}%"
        f"</td><td class=\"n\">{int(r.n_problems)}</td><td class=\"n\">{100 * r.exact_match_rate:.1f}%</td>"
        f"<td class=\"n\">{r.rouge_l_mean:.3f}</td><td class=\"n\">{r.rouge_l_median:.3f}</td>"
        f"<td class=\"n\">{100 * r.partial_accuracy:.1f}%</td></tr>"
        for r in table.itertuples()
    ]
    return section_table(
        "contamination",
        "Contamination probe",
        "Each model continued the first part of every problem statement, greedily (Wu et al., 2025, "
        "“Reasoning or Memorization”). A model that reproduces the rest, or answers correctly from "
        "part of the question, has likely seen the benchmark: its pass@k measures memory, not "
        "reasoning.",
        ["Benchmark", "Model", "Shown", "Problems", "Exact rest", "ROUGE-L mean", "median", "Correct from partial"],
        rows,
        2,
    )


def markdown(table: pd.DataFrame, run: Any) -> list[str]:
    """How often each model reproduces the rest of a problem, or answers it, from its first part."""
    rows = [
        [
            code(r.benchmark),
            code(r.model),
            pct(float(r.fraction)),
            str(int(r.n_problems)),
            pct(float(r.exact_match_rate)),
            f"{float(r.rouge_l_mean):.3f}",
            pct(float(r.partial_accuracy)),
        ]
        for r in table.itertuples()
    ]
    return (
        ["## Contamination probe (Wu et al., 2025)", ""]
        + md_table(
            [
                "benchmark",
                "model",
                "shown (%)",
                "problems",
                "exact rest (%)",
                "ROUGE-L mean",
                "correct from partial (%)",
            ],
            rows,
            {2, 3, 4, 5, 6},
        )
        + [""]
    )


register(Analysis("contamination", COLUMNS, compute, section, text_columns=("model", "benchmark"), markdown=markdown))
