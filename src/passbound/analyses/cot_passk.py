"""CoT-pass@k (Yue et al. 2025): pass@k counting only correct samples whose reasoning was judged
valid, beside plain pass@k, as one registered analysis: ``cot_passk.csv``, its report section and
its summary.md lines.

The table (:func:`passbound.cot.passk.cot_passk_for_run`) exists only for runs with judgments
(``passbound judge``) or human verdicts (``passbound annotate``); other runs write none.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.cot.passk import COLUMNS
from passbound.report_kit import as_float as _f
from passbound.report_kit import ci, code, esc, kfmt, md_table, pct


def compute(inputs: AnalysisInputs) -> pd.DataFrame | None:
    from passbound.cot.passk import cot_passk_for_run
    from passbound.store import RunDir

    if inputs.run_path is None:
        return None
    return cot_passk_for_run(RunDir(inputs.run_path), inputs.verdicts, inputs.models, inputs.k_grid, **inputs.options)


def _ordered(present: set[str], listed: list[str]) -> list[str]:
    return [x for x in listed if x in present] + sorted(present - set(listed))


def section(cot: pd.DataFrame, report: Any) -> str:
    """Per benchmark: pass@k and CoT-pass@k side by side for each judged model, with CIs and coverage."""
    if cot.empty:
        return ""
    run, name = report.run, report.name
    parts = [
        "<section id=\"cot-passk\"><h2>CoT-pass@k: correct answers with valid reasoning</h2>"
        "<p class=\"note\">CoT-pass@k counts a sample only if its answer passed <em>and</em> its "
        "reasoning was judged valid (a human verdict overrides the LLM judge). Correct samples with no "
        "verdict count as not valid, so where the judged share is below 100% CoT-pass@k is a lower "
        "bound. Intervals are bootstrap CIs over problems.</p>"
    ]
    plain = run.passk
    for bench in _ordered(set(cot["benchmark"]), run.benchmarks):
        sub = cot[cot["benchmark"] == bench]
        models = _ordered(set(sub["model"]), run.models)
        ks = sorted({int(k) for k in sub["k"].dropna()})
        shown = [k for k in ks if k & (k - 1) == 0] + ([ks[-1]] if ks and ks[-1] & (ks[-1] - 1) else [])
        head = "".join(f"<th class=\"n\">{name(m)} pass@k</th><th class=\"n\">CoT-pass@k</th>" for m in models)
        rows = []
        for k in shown:
            cells = []
            for m in models:
                p = plain[(plain["benchmark"] == bench) & (plain["model"] == m) & (plain["k"] == k)]
                c = sub[(sub["model"] == m) & (sub["k"] == k)]
                for r, col in ((p, "pass_at_k"), (c, "cot_pass_at_k")):
                    if r.empty or math.isnan(_f(r[col].iloc[0])):
                        cells.append("<td class=\"n muted\">—</td>")
                        continue
                    interval = ci(_f(r["ci_low"].iloc[0]), _f(r["ci_high"].iloc[0]))
                    cells.append(
                        f"<td class=\"n\">{pct(_f(r[col].iloc[0]))}"
                        + (f"<small class=\"ci\">{interval}</small>" if interval else "")
                        + "</td>"
                    )
            rows.append(f"<tr><td class=\"n\">{k}</td>{''.join(cells)}</tr>")
        judged = "".join(
            f"<td class=\"n\" colspan=\"2\">{pct(_f(sub.loc[sub['model'] == m, 'judged_fraction'].iloc[0]))}</td>"
            for m in models
        )
        rows.append(f"<tr class=\"judged\"><td>judged (%)</td>{judged}</tr>")
        parts.append(
            f"<h3>{esc(bench)}</h3><div class=\"scroll\"><table class=\"passk cot\"><thead><tr>"
            f"<th class=\"n\">k</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(parts) + "</section>"


def markdown(cot: pd.DataFrame, run: Any) -> list[str]:
    """CoT-pass@k beside plain pass@k at k = 1 and the largest k."""
    plain = {(r.model, r.benchmark, int(r.k)): float(r.pass_at_k) for r in run.passk.itertuples()}
    rows = []
    for (model, bench), g in cot.groupby(["model", "benchmark"], sort=False):
        for k in sorted({int(g["k"].min()), int(g["k"].max())}):
            r = g[g["k"] == k].iloc[0]
            rows.append(
                [
                    code(bench),
                    code(model),
                    kfmt(k),
                    pct(plain.get((model, bench, k), float("nan"))),
                    pct(float(r.cot_pass_at_k)),
                    ci(float(r.ci_low), float(r.ci_high)),
                    pct(float(r.judged_fraction)),
                ]
            )
    return (
        ["## CoT-pass@k (correct answer and valid reasoning)", ""]
        + md_table(["benchmark", "model", "k", "pass@k (%)", "CoT-pass@k (%)", "CI", "judged (%)"], rows, {2, 3, 4, 6})
        + [
            "",
            "Correct samples not judged valid count as failures: below 100% judged, CoT-pass@k is a lower bound.",
            "",
        ]
    )


register(
    Analysis(
        "cot_passk",
        tuple(COLUMNS),
        compute,
        section,
        text_columns=("model", "role", "benchmark"),
        nav=("cot-passk", "CoT-pass@k"),
        markdown=markdown,
    )
)
