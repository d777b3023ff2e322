"""summary.md: the headline findings, the key tables and the registered analyses' own lines (their
``markdown``), for a terminal or a PR comment.

Model and benchmark names are user input; they are put in code spans so Markdown never
interprets them (no emphasis from ``_``, no raw HTML from ``<...>``), with ``|`` escaped so a
name cannot break a table row.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from passbound.report._findings import (
    BenchmarkFindings,
    describe_best,
    describe_crossover,
    describe_delta_se,
    describe_paired,
    describe_solvable,
    describe_visible_only,
)
from passbound.report._notices import describe_import, describe_no_answer, imported_sampling, labels, sampled_models
from passbound.report_kit import ci, code, kfmt, md_table, pct, pts

if TYPE_CHECKING:
    from passbound.report._data import RunData


def _headline(f: BenchmarkFindings) -> list[str]:
    n = f" ({f.n_problems} problems)" if f.n_problems else ""
    lines = [
        f"- **{code(f.benchmark)}**{n}",
        f"  - best at k = 1: {describe_best(f.best_at_1, f.runner_up_at_1, code)}",
        f"  - best at k = {kfmt(f.k_max)}: {describe_best(f.best_at_kmax, f.runner_up_at_kmax, code)}",
    ]
    lines += [f"  - {describe_crossover(c, code)}" for c in f.crossovers]
    lines += [f"  - {describe_delta_se(d, code)}" for d in f.delta_se]
    for at1, atk in f.paired:
        p = at1 or atk
        if p is not None:
            parts = [describe_paired(x, code) for x in (at1, atk) if x is not None]
            lines.append(f"  - {code(p.model)} − {code(p.reference)}: " + "; ".join(parts))
    lines += [f"  - {describe_solvable(s, code)}" for s in f.solvable]
    if f.visible_only:
        lines.insert(1, f"  - **Warning:** {describe_visible_only(f.visible_only)}")
    for x in reversed(f.no_answer):
        lines.insert(1, f"  - **Warning:** {describe_no_answer(x, code, code)}")
    return lines


def _sampling(run: RunData) -> list[str]:
    """The sampling settings: the study's for the models it sampled, each import's as its file states."""
    s = run.manifest.get("sampling") or {}
    imports = imported_sampling(run)
    study = ", ".join(f"{k} = {s[k]}" for k in ("n", "temperature", "top_p", "max_tokens", "seed") if k in s)
    out = []
    if study and (not imports or sampled_models(run)):
        out.append(f"sampling: {study}" + (" (models sampled by this study)" if imports else ""))
    return out + [f"sampling of {describe_import(x, code, labels(page=False), _plain)}" for x in imports]


def _plain(text: str) -> str:
    """A value from a file as it is when it is a plain word or number, else in a code span."""
    return text if re.fullmatch(r"[A-Za-z0-9.+-]+", text) else code(text)


def _analyses(run: RunData) -> list[str]:
    """The summary.md lines of every registered analysis that declares some and has rows in this run."""
    from passbound.analyses import registered

    out: list[str] = []
    for analysis in registered():
        table = run.table(analysis.name)
        if analysis.markdown is not None and not table.empty:
            out += analysis.markdown(table, run)
    return out


def render_markdown(run: RunData, findings: list[BenchmarkFindings]) -> str:
    """The summary.md text."""
    m = run.manifest
    study = m.get("study_name") or run.run_dir.name
    prov = [f"passbound {m.get('passbound_version', '?')}"]
    if m.get("created"):
        prov.append(f"created {m['created']}")
    prov += _sampling(run)
    out = [f"# passbound report: {code(study)}", "", " · ".join(prov), "", "## Headline", ""]
    for f in findings:
        out += _headline(f)
    out += [
        "",
        "pass rates in %; ΔSE = base pass@k_max − RL pass@1 in percentage points "
        "(Yue et al., 2025); intervals are bootstrap CIs.",
        "",
    ]

    out += ["## Sampling-efficiency gap (ΔSE)", ""]
    if run.delta_se.empty:
        out += ["No ΔSE: the study has no RL model paired with a base model.", ""]
    else:
        rows = [
            [
                code(r.benchmark),
                code(r.rl_model),
                code(r.base_model),
                kfmt(r.k_max),
                pct(float(r.base_pass_at_kmax)),
                pct(float(r.rl_pass_at_1)),
                pts(float(r.delta_se)),
                ci(float(r.ci_low), float(r.ci_high)),
            ]
            for r in run.delta_se.itertuples()
        ]
        out += md_table(
            ["benchmark", "RL model", "base", "k_max", "base pass@k_max (%)", "RL pass@1 (%)", "ΔSE (pts)", "CI"],
            rows,
            {3, 4, 5, 6},
        ) + [""]

    out += _analyses(run)
    out += ["## Per-benchmark results", ""]
    order = {name: i for i, name in enumerate(run.models)}
    summ = run.summary.assign(
        _b=run.summary["benchmark"].map({b: i for i, b in enumerate(run.benchmarks)}),
        _o=run.summary["model"].map(order),
    )
    rows = []
    for r in summ.sort_values(["_b", "_o"], na_position="last").itertuples():
        rows.append(
            [
                code(r.benchmark),
                code(r.model),
                str(r.role),
                pct(float(r.pass_at_1)),
                pct(float(r.pass_at_kmax)),
                kfmt(r.k_max),
                pct(float(r.maj_at_kmax)),
                kfmt(r.n_timeout),
                kfmt(r.n_error),
                kfmt(r.n_no_answer),
            ]
        )
    out += md_table(
        [
            "benchmark",
            "model",
            "role",
            "pass@1 (%)",
            "pass@k_max (%)",
            "k_max",
            "maj@k_max (%)",
            "timeouts",
            "errors",
            "no answer",
        ],
        rows,
        {3, 4, 5, 6, 7, 8, 9},
    )
    return "\n".join(out) + "\n"
