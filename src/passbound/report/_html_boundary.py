"""report.html sections for the boundary tables: overlap, support, histograms, series, algorithms.

Each section renders from one table and returns "" when that table is empty or missing (runs
analysed before these tables existed), so the page simply has fewer sections. User text (model,
benchmark and problem ids) is escaped; ids sit in ``<details>`` so long lists stay folded
without any script.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from passbound.report_kit import as_float as _f
from passbound.report_kit import ci, kfmt, pct, pts
from passbound.report_kit import esc as _e

if TYPE_CHECKING:
    import pandas as pd

    from passbound.report._data import RunData

Name = Callable[[str], str]
MAX_IDS = 40  # ids shown per cell; the CSV has them all


def _num(text: str) -> str:
    return f"<td class=\"n\">{text}</td>"


def _pct_ci(v: Any, lo: Any, hi: Any) -> str:
    interval = ci(_f(lo), _f(hi))
    return _num(pct(_f(v)) + (f"<small class=\"ci\">{interval}</small>" if interval else ""))


def _figure(svg: bytes | None, alt: str, caption: str, cls: str = "") -> str:
    if svg is None:
        return ""
    b64 = base64.b64encode(svg).decode("ascii")
    klass = f" class=\"{cls}\"" if cls else ""
    return (
        f"<figure{klass}><img alt=\"{_e(alt)}\" src=\"data:image/svg+xml;base64,{b64}\">"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _table(head: list[str], rows: list[str], numeric: set[int], cls: str = "wide") -> str:
    ths = "".join(f"<th class=\"n\">{h}</th>" if i in numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    return (
        f"<div class=\"scroll\"><table class=\"{cls}\"><thead><tr>{ths}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _ids(text: Any) -> str:
    ids = str(text or "").split()
    if not ids:
        return "<span class=\"muted\">—</span>"
    shown = " ".join(_e(i) for i in ids[:MAX_IDS])
    more = f" … (+{len(ids) - MAX_IDS} more in overlap.csv)" if len(ids) > MAX_IDS else ""
    return (
        f"<details><summary>{len(ids)} problem{'s' if len(ids) != 1 else ''}</summary>"
        f"<code>{shown}</code>{more}</details>"
    )


def _verdict(r: Any) -> str:
    """'yes' when every problem the model solves the reference solves too, else 'no (k alone)'."""
    if str(r.model_subset_of_reference).strip().lower() in ("true", "1"):
        return "yes"
    k = int(_f(r.n_model_only))
    return f"no ({k} problem{'s' if k != 1 else ''} only the model solves)"


def _by_benchmark(run: RunData, df: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(df["benchmark"]))
    return [b for b in run.benchmarks if b in present] + [b for b in present if b not in run.benchmarks]


def overlap_section(run: RunData, name: Name, svgs: dict[str, bytes]) -> str:
    df = run.overlap
    if df.empty:
        return ""
    out = [
        "<h2 id=\"overlap\">Solvable-set overlap (k = n)</h2><p class=\"note\">A problem is "
        "solvable by a model when at least one of its n samples passed. Pairs: every two "
        "models, each trained model against its base first (relation: base, sibling, other). "
        "Only problems both models were sampled on count (Yue et al., 2025, §3.3).</p>"
    ]
    head = [
        "Model vs reference",
        "Relation",
        "Problems",
        "Both",
        "Model only",
        "Reference only",
        "Neither",
        "Model ⊆ reference?",
        "Model-only ids",
        "Reference-only ids",
    ]
    for bench in _by_benchmark(run, df):
        sub = df[df["benchmark"] == bench]
        rows = [
            f"<tr><td>{name(str(r.model))} vs {name(str(r.reference))}</td>"
            f"<td>{_e(r.relation)}</td>"
            + "".join(
                _num(kfmt(_f(getattr(r, c))))
                for c in ("n_problems", "n_both", "n_model_only", "n_reference_only", "n_neither")
            )
            + f"<td class=\"verdict\">{_verdict(r)}</td><td>{_ids(r.model_only_ids)}</td>"
            f"<td>{_ids(r.reference_only_ids)}</td></tr>"
            for r in sub.itertuples()
        ]
        out.append(
            f"<h3>{_e(bench)}</h3>"
            + _figure(
                svgs.get(f"overlap:{bench}"),
                f"solvable-set overlap on {bench}",
                f"Problems solved by both models, by one only, or by neither, on {_e(bench)}.",
            )
            + _table(head, rows, {2, 3, 4, 5, 6}, "wide dense")
        )
    return "".join(out)


def support_section(run: RunData, name: Name) -> str:
    df = run.support
    if df.empty:
        return ""
    rows = []
    for bench in _by_benchmark(run, df):
        for i, r in enumerate(df[df["benchmark"] == bench].itertuples()):
            rows.append(
                f"<tr><td class=\"grp\">{_e(bench) if i == 0 else ''}</td><td>{name(str(r.model))}"
                f"</td><td>{name(str(r.base_model))}</td>"
                + "".join(
                    _num(kfmt(_f(getattr(r, c))))
                    for c in ("n_problems", "n_preserved", "n_expansion", "n_shrinkage", "n_neither")
                )
                + _pct_ci(r.expansion_rate, r.expansion_ci_low, r.expansion_ci_high)
                + _pct_ci(r.shrinkage_rate, r.shrinkage_ci_low, r.shrinkage_ci_high)
                + "".join(
                    _num(_ratio(getattr(r, c, float("nan"))))
                    for c in (
                        "support_retention_rate",
                        "new_discovery_rate",
                        "net_support_change",
                        "support_dynamics_score",
                    )
                )
                + "</tr>"
            )
    head = [
        "Benchmark",
        "Model",
        "Base",
        "Problems",
        "Preserved",
        "Expansion",
        "Shrinkage",
        "Neither",
        "Expansion (%)",
        "Shrinkage (%)",
        "SRR",
        "NDR",
        "NSCR",
        "SDS",
    ]
    return (
        "<h2 id=\"support\">Support expansion and shrinkage</h2>"
        + _table(head, rows, set(range(3, 14)), "wide dense")
        + "<p class=\"note\">Per problem, against the base (solved = a pass among all n "
        "samples): preserved (both), expansion (model only), shrinkage (base only). Rates are "
        "shares of the shared problems with bootstrap CIs over problems (a count of 0 gets the "
        "interval [0, 0]); they do not cover the chance that n samples missed a rare solution, "
        "so small expansion counts deserve a look "
        "at the per-problem accuracies in support_problems.csv (terms after Wu et al., 2025, "
        "“The Invisible Leash”). SRR = P/(P+S), the base's solved set retained; NDR = E/(P+E), the "
        "model's solved set that is new; NSCR = (E−S)/(P+E+S), net change of the support; SDS = "
        "harmonic mean of SRR and NDR (Wu et al., 2025, §3).</p>"
    )


def _ratio(x: Any) -> str:
    v = _f(x)
    return "—" if math.isnan(v) else f"{v:.3f}"


def histogram_section(run: RunData, svgs: dict[str, bytes]) -> str:
    fig = _figure(
        svgs.get("accuracy_hist"),
        "per-problem accuracy histograms",
        "Share of problems per accuracy bin (correct samples / samples); the end bins "
        "are exact: 0 = never solved, 1 = always solved.",
        "wide",
    )
    if not fig:
        return ""
    return (
        "<h2 id=\"histograms\">Per-problem accuracy</h2>"
        + fig
        + "<p class=\"note\">Training that sharpens the distribution moves problems to the "
        "end bins: pass@1 rises with the 1 bin, pass@k at large k falls with the 0 bin "
        "(Yue et al., 2025, Fig. 5).</p>"
    )


def series_section(run: RunData, name: Name, svgs: dict[str, bytes]) -> str:
    df = run.series
    if df.empty:
        return ""
    rows = []
    for bench in _by_benchmark(run, df):
        for i, r in enumerate(df[df["benchmark"] == bench].itertuples()):
            step = kfmt(_f(r.step))
            rows.append(
                f"<tr><td class=\"grp\">{_e(bench) if i == 0 else ''}</td>{_num(step)}"
                f"<td>{name(str(r.model))}</td>"
                + _pct_ci(r.pass_at_1, r.pass_at_1_ci_low, r.pass_at_1_ci_high)
                + _pct_ci(r.pass_at_kmax, r.pass_at_kmax_ci_low, r.pass_at_kmax_ci_high)
                + _num(kfmt(_f(r.k_max)))
                + "</tr>"
            )
    head = ["Benchmark", "Step", "Model", "pass@1 (%)", "pass@k<sub>max</sub> (%)", "k<sub>max</sub>"]
    return (
        "<h2 id=\"series\">Along training</h2>"
        + _figure(
            svgs.get("series"),
            "pass@1 and pass@k_max against training step",
            "pass@1 (solid) and pass@k<sub>max</sub> (dashed) against training step; "
            "the base model is step 0; bands are bootstrap CIs.",
            "wide",
        )
        + _table(head, rows, {1, 3, 4, 5})
    )


def algorithms_section(run: RunData, name: Name) -> str:
    df = run.algorithms
    if df.empty:
        return ""
    with_algorithm = any(run.algorithm(str(m)) for m in df["model"])  # a study of several algorithms' runs
    rows = []
    for bench in _by_benchmark(run, df):
        sub = df[df["benchmark"] == bench]
        first = True
        bases = [b for b in dict.fromkeys(sub["base_model"]) if b]
        for base in bases:  # the base's own numbers first, like the study's table
            r = sub[sub["base_model"] == base].iloc[0]
            rows.append(
                f"<tr><td class=\"grp\">{_e(bench) if first else ''}</td>"
                f"<td>{name(base)}</td><td>base</td>"
                + ("<td></td>" if with_algorithm else "")
                + "<td></td>"
                + _num(pct(_f(r["base_pass_at_1"])))
                + _num(pct(_f(r["base_pass_at_kmax"])))
                + _num(kfmt(_f(r["k_max"])))
                + _num("")
                + _num("")
                + "</tr>"
            )
            first = False
        for r in sub.itertuples():
            interval = ci(_f(r.delta_se_ci_low), _f(r.delta_se_ci_high))
            rows.append(
                f"<tr><td class=\"grp\">{_e(bench) if first else ''}</td>"
                f"<td>{name(str(r.model))}</td><td>{_e(r.role)}</td>"
                + (f"<td>{_e(run.algorithm(str(r.model)))}</td>" if with_algorithm else "")
                + f"<td>{name(str(r.base_model)) if r.base_model else ''}</td>"
                + _num(pct(_f(r.pass_at_1)))
                + _num(pct(_f(r.pass_at_kmax)))
                + _num(kfmt(_f(r.k_max)))
                + _num(pts(_f(r.delta_se)) + (f"<small class=\"ci\">{interval}</small>" if interval else ""))
                + _num(kfmt(_f(r.crossover_k)))
                + "</tr>"
            )
            first = False
    head = [
        "Benchmark",
        "Model",
        "Role",
        *(["Algorithm"] if with_algorithm else []),
        "Base",
        "pass@1 (%)",
        "pass@k<sub>max</sub> (%)",
        "k<sub>max</sub>",
        "ΔSE (pts)",
        "Crossover k",
    ]
    first_number = 5 if with_algorithm else 4
    return (
        "<h2 id=\"algorithms\">Model comparison</h2>"
        + _table(head, rows, set(range(first_number, len(head))))
        + "<p class=\"note\">As in the study's RL-algorithm table (Yue et al., 2025, Table 2): "
        "k<sub>max</sub> is shared by every model on the benchmark; ΔSE = base "
        "pass@k<sub>max</sub> − model pass@1 with a paired bootstrap CI; the crossover is the "
        "first k at which the curves' order at k = 1 flips (— if it never does).</p>"
    )


def boundary_nav(run: RunData, svgs: dict[str, bytes]) -> list[tuple[str, str]]:
    """(anchor, label) for each boundary section the page will have, in page order."""
    present = [
        ("overlap", "Overlap", not run.overlap.empty),
        ("support", "Support", not run.support.empty),
        ("histograms", "Accuracy", "accuracy_hist" in svgs),
        ("series", "Training", not run.series.empty),
        ("algorithms", "Comparison", not run.algorithms.empty),
    ]
    return [(a, label) for a, label, ok in present if ok]


def boundary_sections(run: RunData, name: Name, svgs: dict[str, bytes]) -> list[str]:
    """Every boundary section in page order; empty strings for the absent ones are dropped."""
    parts = [
        overlap_section(run, name, svgs),
        support_section(run, name),
        histogram_section(run, svgs),
        series_section(run, name, svgs),
        algorithms_section(run, name),
    ]
    return [p for p in parts if p]
