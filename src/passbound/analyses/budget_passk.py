"""pass@k at smaller token budgets, from the samples already drawn: ``budget_passk.csv`` and
``budget_crossover.csv``.

A sample that finished within B tokens is what a run at ``max_tokens = B`` would have drawn (the
same seed gives the same prefix), so at budget B it keeps its verdict; one longer than B, or one
that hit the cap, would have been cut there and counts as a fail. At B = ``max_tokens`` every
verdict stands, so those rows equal passk.csv. Budgets are the ten largest powers of two below
``max_tokens``, then ``max_tokens`` itself. A (model, benchmark) with samples of unknown length
(imports without ``n_tokens``) gets the ``max_tokens`` rows only. pass@k is the unbiased estimator
(Chen et al. 2021) with the same percentile bootstrap over problems, problem order and seed as
passk.csv; the crossover against the base at each budget is ``crossover.csv``'s computation.
Adaptive runs' passk.csv uses another estimator; this table always uses the plain one.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pandas as pd

from passbound.analyses import Analysis, AnalysisInputs, register
from passbound.metrics._counts import model_order
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.crossover import crossover_interval
from passbound.metrics.passk import pass_at_k_matrix
from passbound.report_kit import RC, esc, kfmt, pct, section_table, svg_bytes

COLUMNS = (
    "model",
    "role",
    "benchmark",
    "budget",
    "max_tokens",
    "k",
    "pass_at_k",
    "ci_low",
    "ci_high",
    "n_problems",
    "n_samples",
    "n_within",
)
CROSSOVER_COLUMNS = (
    "benchmark",
    "model",
    "base_model",
    "budget",
    "crossover_k",
    "crossover_ci_low",
    "crossover_ci_high",
    "crossing_share",
    "model_wins_at_1",
)
_INTS = (
    "budget",
    "max_tokens",
    "k",
    "n_problems",
    "n_samples",
    "n_within",
    "crossover_k",
    "crossover_ci_low",
    "crossover_ci_high",
)
N_BUDGETS = 10  # powers of two below max_tokens


def budgets(max_tokens: int) -> list[int]:
    """The ``N_BUDGETS`` largest powers of two below ``max_tokens``, then ``max_tokens``."""
    below = [2**j for j in range(max(0, int(max_tokens).bit_length())) if 2**j < max_tokens]
    return below[-N_BUDGETS:] + [int(max_tokens)]


def passes_within(
    status: pd.Series, finish: pd.Series, n_tokens: pd.Series, budget: int, max_tokens: int
) -> np.ndarray:
    """Per sample: passes at ``budget`` (its verdict if it finished within the budget, else a fail)."""
    passed = status.eq("pass").to_numpy()
    if budget >= max_tokens:
        return passed
    finished = ~finish.eq("length").fillna(False).to_numpy(dtype=bool)
    return passed & finished & (n_tokens.to_numpy(dtype=float) <= budget)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=list(columns))
    for col in columns:
        if col in _INTS:
            table[col] = pd.array([None if v is None or v != v else int(v) for v in table[col]], dtype="Int64")
    return table


def _per_problem(inputs: AnalysisInputs) -> dict[tuple[str, str], dict[str, Any]]:
    """(model, benchmark) -> problem ids, per-budget pass counts and per-problem pass@k, with the
    problems in passk.csv's order (first appearance of each problem id in the verdicts)."""
    frame = inputs.verdicts_with_lengths
    frame = frame.assign(_problem=pd.factorize(frame["problem_id"], sort=False)[0])
    caps = {str(m["name"]): m.get("max_tokens") for m in inputs.models}
    ks = sorted({int(k) for k in inputs.k_grid})
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for (model, bench), g in frame.groupby(["model", "benchmark"], sort=True, observed=True):
        cap = caps.get(str(model))
        if cap is None:
            continue
        g = g.sort_values("_problem", kind="stable")
        known = g["n_tokens"].notna().all()
        problem = g["_problem"].to_numpy()
        ids, first = np.unique(problem, return_index=True)
        n = np.bincount(np.searchsorted(ids, problem), minlength=ids.size)
        curves = {}
        for budget in budgets(int(cap)) if known else [int(cap)]:
            hits = passes_within(g["status"], g["finish_reason"], g["n_tokens"], budget, int(cap))
            c = np.bincount(np.searchsorted(ids, problem), weights=hits, minlength=ids.size).astype(np.int64)
            curves[budget] = (int(hits.sum()) if budget < cap else len(g), pass_at_k_matrix(n, c, ks))
        out[(str(model), str(bench))] = {
            "ids": g["problem_id"].to_numpy()[first],
            "n": n,
            "cap": int(cap),
            "curves": curves,
        }
    return out


def _tables(inputs: AnalysisInputs) -> dict[str, pd.DataFrame]:
    if inputs.verdicts.empty:
        return {"budget_passk": _frame([], COLUMNS), "budget_crossover": _frame([], CROSSOVER_COLUMNS)}
    groups = _per_problem(inputs)
    ks = sorted({int(k) for k in inputs.k_grid})
    rank = {m: i for i, m in enumerate(model_order(inputs.models, {m for m, _ in groups}))}
    order = sorted(groups, key=lambda mb: (rank[mb[0]], mb[1]))
    opts = inputs.options
    rows = []
    for model, bench in order:
        gr = groups[(model, bench)]
        for budget, (within, per_problem) in gr["curves"].items():
            mean = per_problem.mean(axis=0)
            low, high = bootstrap_ci(per_problem, opts["n_boot"], opts["ci"], opts["seed"])
            for i, k in enumerate(ks):
                rows.append(
                    dict(
                        model=model,
                        role=inputs.role(model),
                        benchmark=bench,
                        budget=budget,
                        max_tokens=gr["cap"],
                        k=k,
                        pass_at_k=mean[i],
                        ci_low=low[i],
                        ci_high=high[i],
                        n_problems=gr["n"].size,
                        n_samples=int(gr["n"].min()),
                        n_within=within,
                    )
                )
    return {"budget_passk": _frame(rows, COLUMNS), "budget_crossover": _crossovers(inputs, groups, order, ks)}


def _crossovers(
    inputs: AnalysisInputs, groups: dict[tuple[str, str], dict[str, Any]], order: list[tuple[str, str]], ks: list[int]
) -> pd.DataFrame:
    """crossover.csv's crossing, with its bootstrap interval, at every budget model and base share."""
    bases = {str(m["name"]): m.get("base") for m in inputs.models if m.get("role") != "base"}
    opts = inputs.options
    rows = []
    for model, bench in order:
        base = bases.get(model)
        if base is None or (str(base), bench) not in groups:
            continue
        gm, gb = groups[(model, bench)], groups[(str(base), bench)]
        _, im, ib = np.intersect1d(gm["ids"], gb["ids"], assume_unique=True, return_indices=True)
        if im.size == 0:
            continue
        for budget in [b for b in gm["curves"] if b in gb["curves"]]:
            pm, pb = gm["curves"][budget][1][im], gb["curves"][budget][1][ib]
            valid = ~np.isnan(pm).any(axis=0) & ~np.isnan(pb).any(axis=0)
            if not valid.any():
                continue
            cross = crossover_interval(
                [k for k, v in zip(ks, valid) if v],
                pm[:, valid],
                pb[:, valid],
                n_boot=opts["n_boot"],
                ci=opts["ci"],
                seed=opts["seed"],
            )
            rows.append(
                dict(
                    benchmark=bench,
                    model=model,
                    base_model=str(base),
                    budget=budget,
                    crossover_k=cross.k,
                    crossover_ci_low=cross.low,
                    crossover_ci_high=cross.high,
                    crossing_share=cross.share,
                    model_wins_at_1=bool(pm[:, 0].mean() > pb[:, 0].mean() + 1e-12),
                )
            )
    return _frame(rows, CROSSOVER_COLUMNS)


def figure_svg(table: pd.DataFrame) -> bytes | None:
    """pass@1 and pass@k_max against the budget, one line per (model, benchmark)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lines = []
    for (model, bench), g in table.groupby(["model", "benchmark"], sort=False):
        full = g[g["pass_at_k"].notna()]
        if full.empty or full["budget"].nunique() < 2:
            continue
        k_max = int(full["k"].max())
        lines.append(
            (
                f"{model} · {bench}" if table["benchmark"].nunique() > 1 else str(model),
                full[full["k"] == 1],
                full[full["k"] == k_max],
                k_max,
            )
        )
    if not lines:
        return None
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(7.2, 2.8), dpi=100, layout="constrained")
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2)
        for label, at1, atk, k_max in lines:
            ax1.plot(at1["budget"], 100 * at1["pass_at_k"], marker="o", markersize=2.5, linewidth=1.4, label=label)
            ax2.plot(
                atk["budget"],
                100 * atk["pass_at_k"],
                marker="o",
                markersize=2.5,
                linewidth=1.4,
                label=f"{label} (k = {k_max})",
            )
        for ax, title in ((ax1, "pass@1 (%)"), (ax2, "pass@k_max (%)")):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("token budget B")
            ax.set_ylabel(title)
        ax2.legend(fontsize=7, frameon=False)
        return svg_bytes(fig)


def section(table: pd.DataFrame, report: Any) -> str:
    if table.empty or table["budget"].nunique() < 2:
        return ""  # one budget (no lengths known): passk.csv already says it all
    crossings = report.table("budget_crossover")
    rows = [
        f"<tr><td>{esc(r.benchmark)}</td><td>{report.name(str(r.model))}</td><td>{report.name(str(r.base_model))}"
        f"</td><td class=\"n\">{int(r.budget)}</td><td class=\"n\">{kfmt(r.crossover_k)}</td><td class=\"n\">"
        f"{_interval(r.crossover_ci_low, r.crossover_ci_high)}</td><td class=\"n\">{pct(float(r.crossing_share), 0)}"
        "</td></tr>"
        for r in crossings.itertuples()
    ]
    html = section_table(
        "budget",
        "pass@k at smaller token budgets",
        "A sample that finished within B tokens is what a run at <code>max_tokens</code> = B would have drawn, so "
        "it keeps its verdict; a longer one counts as a fail. The figure shows pass@1 and pass@k<sub>max</sub> "
        "against B (<code>budget_passk.csv</code>); the table gives the crossover k against the base at each "
        "budget, with a bootstrap interval over problems (— past the end: some resamples never cross) and the "
        "share of resamples whose curves cross.",
        ["Benchmark", "Model", "Base", "Budget B", "Crossover k", "Interval", "Resamples crossing (%)"],
        rows,
        3,
    )
    svg = figure_svg(table)
    if svg is not None:
        b64 = base64.b64encode(svg).decode("ascii")
        html += (
            f"<figure class=\"wide\"><img alt=\"pass@k against token budget\" "
            f"src=\"data:image/svg+xml;base64,{b64}\"><figcaption>pass@1 and pass@k<sub>max</sub> against the "
            "token budget B, from the samples already drawn.</figcaption></figure>"
        )
    return html


def _interval(low: Any, high: Any) -> str:
    return f"[{kfmt(_k(low))}, {kfmt(_k(high))}]"


def _k(x: Any) -> float | None:
    return None if pd.isna(x) else float(x)


def _compute(name: str) -> Any:
    def compute(inputs: AnalysisInputs) -> pd.DataFrame:
        return inputs.shared("budget_passk", lambda: _tables(inputs))[name]

    return compute


register(Analysis("budget_passk", COLUMNS, _compute("budget_passk"), section, nav=("budget", "Budgets")))
register(
    Analysis(
        "budget_crossover",
        CROSSOVER_COLUMNS,
        _compute("budget_crossover"),
        text_columns=("model", "benchmark", "base_model"),
    )
)
