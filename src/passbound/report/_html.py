"""report.html: one self-contained page (inline CSS, figures as data URIs, one small inline script).

It must open from file:// on an air-gapped machine and survive being mailed around, so nothing
is fetched.  Figures are embedded as base64 SVG ``<img>`` data URIs rather than inline ``<svg>``:
each figure stays an isolated document (matplotlib's element ids cannot clash between figures)
and stays crisp when zoomed.  Every string that came from the user (model names, paths,
benchmark names, manifest values) passes through ``html.escape``.  The only script is the CoT
drill-down's (``_html_drilldown``): inline, it fetches nothing, and it is emitted only when the run
has verdicts to drill into; every other section works without JavaScript.
"""

from __future__ import annotations

import base64
import math
from typing import TYPE_CHECKING, Any

from passbound.report._findings import (
    BenchmarkFindings,
    describe_best,
    describe_crossover,
    describe_delta_se,
    describe_paired,
    describe_solvable,
    describe_visible_only,
)
from passbound.report._html_boundary import boundary_nav, boundary_sections
from passbound.report._html_drilldown import drilldown_nav, drilldown_sections
from passbound.report._html_ppl import ppl_nav, ppl_sections
from passbound.report._notices import describe_import, describe_no_answer, imported_sampling, labels, sampled_models
from passbound.report_kit import ci, kfmt, pct, pts
from passbound.report_kit import esc as _e

if TYPE_CHECKING:
    from passbound.report._data import RunData

CSS = """
:root { --fg:#1d2127; --muted:#65707c; --rule:#d9dde2; --bg:#fff; --head:#f5f6f8; }
* { box-sizing:border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1040px; margin:0 auto; padding:28px 32px 64px; }
h1 { font-size:1.6em; margin:0 0 4px; }
h2 { font-size:1.2em; margin:40px 0 10px; padding-bottom:4px; border-bottom:1px solid var(--rule); }
h3 { font-size:1.0em; margin:22px 0 6px; }
p.prov, .muted, figcaption, .note { color:var(--muted); }
p.prov { margin:0 0 8px; font-size:0.9em; }
.note { font-size:0.88em; margin:6px 0 0; }
nav { font-size:0.9em; margin-bottom:8px; }
nav a { color:#2c5aa0; margin-right:14px; text-decoration:none; }
table { border-collapse:collapse; margin:6px 0 4px; font-size:0.9em; }
table.wide { width:100%; }
table.dense th, table.dense td { padding:5px 6px; }
table.dense th.n { white-space:normal; }
th, td { padding:5px 9px; border-bottom:1px solid var(--rule); text-align:left;
  vertical-align:top; }
th { background:var(--head); font-weight:600; }
table.kv td:first-child { padding-right:28px; }
table.passk td.n, table.passk th.n { padding-left:28px; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.grp { font-weight:600; white-space:nowrap; }
td.grp small { display:block; font-weight:400; color:var(--muted); }
small.ci { color:var(--muted); display:block; font-size:0.82em; }
code, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:0.88em;
  word-break:break-all; }
.m { white-space:nowrap; font-weight:600; }
.m i { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:5px; }
ul.lines { margin:0; padding-left:0; list-style:none; }
ul.lines li + li { margin-top:3px; }
ul.solvable > li { margin-bottom:6px; }
figure { margin:18px 0 26px; }
figure img { width:100%; max-width:760px; display:block; }
figure.wide img { max-width:100%; }
td.verdict { min-width:180px; }
details summary { cursor:pointer; color:#2c5aa0; white-space:nowrap; }
details code { display:block; margin-top:4px; }
figcaption { font-size:0.88em; margin-top:4px; }
.scroll { overflow-x:auto; }
.warn { color:#8a4b00; background:#fff6e5; font-weight:600; }
"""


def _step(x: Any) -> str:
    """Checkpoint step as an integer string; blank for models that are not checkpoints."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == "":
        return ""
    try:
        return str(int(float(x)))
    except (TypeError, ValueError):
        return str(x)


class _Html:
    """Renders the report; holds the run and model colours so helpers stay short."""

    def __init__(
        self,
        run: RunData,
        findings: list[BenchmarkFindings],
        colors: dict[str, str],
        svgs: dict[str, bytes],
        boundary_svgs: dict[str, bytes] | None = None,
    ) -> None:
        self.run, self.findings, self.colors, self.svgs = run, findings, colors, svgs
        self.boundary_svgs = boundary_svgs or {}

    def name(self, model: str) -> str:
        color = self.colors.get(model, "#444444")
        return f'<span class="m"><i style="background:{_e(color)}"></i>{_e(model)}</span>'

    def lines(self, items: list[str]) -> str:
        if not items:
            return '<span class="muted">—</span>'
        return '<ul class="lines">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"

    # ------------------------------------------------------------------ sections
    def header(self) -> str:
        m = self.run.manifest
        study = m.get("study_name") or self.run.run_dir.name
        s = m.get("sampling", {}) or {}
        bits = [f"passbound {_e(m.get('passbound_version', '?'))}"]
        if m.get("created"):
            bits.append(f"created {_e(m['created'])}")
        shown = [("n", "n"), ("temperature", "T"), ("top_p", "top-p"), ("max_tokens", "max tokens"), ("seed", "seed")]
        samp = [f"{lab} = {_e(s[key])}" for key, lab in shown if key in s]
        imports = imported_sampling(self.run)  # their settings are their files', not the study's
        if samp and (not imports or sampled_models(self.run)):
            bits.append("sampling: " + ", ".join(samp) + (" (models sampled by this study)" if imports else ""))
        bits += ["sampling of " + describe_import(x, self.name, labels(page=True), _e) for x in imports]
        return (
            f"<h1>passbound report: {_e(study)}</h1>\n<p class=\"prov\">"
            + " · ".join(bits)
            + "</p>\n<nav><a href=\"#summary\">Summary</a>"
            "<a href=\"#curves\">pass@k curves</a><a href=\"#delta-se\">ΔSE</a>"
            + "".join(
                f"<a href=\"#{a}\">{label}</a>"
                for a, label in boundary_nav(self.run, self.boundary_svgs)
                + ppl_nav(self.run)
                + self.analysis_nav()
                + drilldown_nav(self.run)
            )
            + "<a href=\"#results\">Results</a><a href=\"#passk-table\">pass@k table</a>"
            "<a href=\"#provenance\">Provenance</a></nav>"
        )

    def summary(self) -> str:
        rows = []
        for f in self.findings:
            n = f"<small>{f.n_problems} problems</small>" if f.n_problems else ""
            rows.append(
                f"<tr data-benchmark=\"{_e(f.benchmark)}\">"
                f"<td class=\"grp\">{_e(f.benchmark)}{n}</td><td class=\"best-k1\">"
                f"{describe_best(f.best_at_1, f.runner_up_at_1, self.name)}</td>"
                f"<td class=\"best-kmax\">"
                f"<span class=\"muted\">k = {kfmt(f.k_max)}:</span> "
                f"{describe_best(f.best_at_kmax, f.runner_up_at_kmax, self.name)}</td>"
                f"<td class=\"crossover\">"
                f"{self.lines([describe_crossover(c, self.name) for c in f.crossovers])}</td>"
                f"<td class=\"dse\">"
                f"{self.lines([describe_delta_se(d, self.name, label=False) for d in f.delta_se])}"
                "</td></tr>" + self.visible_warning(f.benchmark, 5) + self.no_answer_warnings(f, 5)
            )
        table = (
            "<table class=\"wide\"><thead><tr><th>Benchmark</th><th>Best at k = 1</th>"
            "<th>Best at k = k<sub>max</sub></th><th>Where curves cross</th><th>ΔSE</th>"
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
        paired = []
        for f in self.findings:
            for at1, atk in f.paired:
                p = at1 or atk
                if p is None:
                    continue
                parts = [describe_paired(x, self.name) for x in (at1, atk) if x is not None]
                paired.append(
                    f"<li><b>{_e(f.benchmark)}</b>: {self.name(p.model)} − "
                    f"{self.name(p.reference)}: " + "; ".join(parts) + "</li>"
                )
        extra = (
            ("<h3>Paired differences (model − its base, paired bootstrap CI)</h3><ul>" + "".join(paired) + "</ul>")
            if paired
            else ""
        )
        return (
            "<h2 id=\"summary\">Summary</h2>"
            + table
            + "<p class=\"note\">k<sub>max</sub> is the largest k every model on the benchmark "
            "was sampled for. ΔSE = base pass@k<sub>max</sub> − RL pass@1 in percentage points "
            "(Yue et al., 2025): how far one try of the trained model is from what its base "
            "reaches with many tries. Intervals are bootstrap CIs over problems.</p>" + self.solvable_lines() + extra
        )

    def visible_warning(self, benchmark: str, columns: int) -> str:
        """A table row warning that some of ``benchmark``'s problems are graded only on tests
        their prompt shows ("" when none are)."""
        counts = next((f.visible_only for f in self.findings if f.benchmark == benchmark), None)
        if not counts:
            return ""
        return (
            f"<tr class=\"warn\" data-benchmark=\"{_e(benchmark)}\"><td colspan=\"{columns}\">Warning "
            f"({_e(benchmark)}): {_e(describe_visible_only(counts))}.</td></tr>"
        )

    def no_answer_warnings(self, f: BenchmarkFindings, columns: int) -> str:
        """A table row per model on ``f``'s benchmark whose samples mostly name no answer."""
        return "".join(
            f"<tr class=\"warn no-answer\" data-benchmark=\"{_e(f.benchmark)}\"><td colspan=\"{columns}\">"
            f"Warning ({_e(f.benchmark)}): {describe_no_answer(x, self.name, lambda t: f'<code>{_e(t)}</code>')}."
            "</td></tr>"
            for x in f.no_answer
        )

    def solvable_lines(self) -> str:
        """One line per benchmark: is each trained model's solvable set inside its base's?"""
        items = [
            f"<li data-benchmark=\"{_e(f.benchmark)}\"><b>{_e(f.benchmark)}</b>"
            + self.lines([describe_solvable(x, self.name) for x in f.solvable])
            + "</li>"
            for f in self.findings
            if f.solvable
        ]
        if not items:  # runs analysed before the overlap/support tables existed
            return ""
        return (
            "<h3>Solvable sets (solved = a pass among all n samples)</h3>"
            "<ul class=\"solvable\">" + "".join(items) + "</ul>"
        )

    def curves(self) -> str:
        figs = []
        for bench in self.run.benchmarks:
            svg = self.svgs.get(bench)
            if svg is None:
                continue
            b64 = base64.b64encode(svg).decode("ascii")
            figs.append(
                f"<figure class=\"passk\"><img alt=\"pass@k curves on {_e(bench)}\" "
                f"src=\"data:image/svg+xml;base64,{b64}\"><figcaption>pass@k on {_e(bench)} "
                "versus k (log2 axis); bands are bootstrap CIs; dashed lines are base models."
                "</figcaption></figure>"
            )
        return "<h2 id=\"curves\">pass@k curves</h2>" + "".join(figs)

    def delta_se_table(self) -> str:
        d = self.run.delta_se
        head = "<h2 id=\"delta-se\">Sampling-efficiency gap (ΔSE)</h2>"
        if d.empty:
            return head + ("<p class=\"muted\">No ΔSE: the study has no RL model paired with a base model.</p>")
        rows = "".join(
            f"<tr><td>{_e(r.benchmark)}</td><td>{self.name(str(r.rl_model))}</td>"
            f"<td>{self.name(str(r.base_model))}</td><td class=\"n\">{kfmt(r.k_max)}</td>"
            f"<td class=\"n\">{pct(float(r.base_pass_at_kmax))}</td>"
            f"<td class=\"n\">{pct(float(r.rl_pass_at_1))}</td>"
            f"<td class=\"n\"><b>{pts(float(r.delta_se))}</b></td>"
            f"<td class=\"n\">{ci(float(r.ci_low), float(r.ci_high))}</td></tr>"
            for r in d.itertuples()
        )
        return head + (
            "<table class=\"wide\"><thead><tr><th>Benchmark</th><th>RL model</th>"
            "<th>Base</th>"
            "<th class=\"n\">k<sub>max</sub></th><th class=\"n\">Base pass@k<sub>max"
            "</sub> (%)</th><th class=\"n\">RL pass@1 (%)</th><th class=\"n\">ΔSE "
            "(pts)</th><th class=\"n\">CI</th></tr></thead><tbody>" + rows + "</tbody></table>"
        )

    def results_table(self) -> str:
        s = self.run.summary
        order = {m: i for i, m in enumerate(self.run.models)}
        show_step = any(_step(x) for x in s["step"])  # only studies with checkpoints have steps
        outcomes = ("n_pass", "n_fail", "n_timeout", "n_error", "n_no_answer")
        rows = []
        for bench in self.run.benchmarks:
            sub = s[s["benchmark"] == bench].copy()
            sub["_o"] = sub["model"].map(lambda m: order.get(m, len(order)))
            for i, r in enumerate(sub.sort_values("_o").itertuples()):
                cells = [
                    f"<td class=\"grp\">{_e(bench) if i == 0 else ''}</td>",
                    f"<td>{self.name(str(r.model))}</td>",
                    f"<td>{_e(r.role)}</td>",
                ]
                if show_step:
                    cells.append(f"<td class=\"n\">{_e(_step(r.step))}</td>")
                nums = [
                    kfmt(r.n_problems),
                    kfmt(r.n_samples),
                    pct(float(r.pass_at_1)),
                    pct(float(r.pass_at_kmax)),
                    kfmt(r.k_max),
                    pct(float(r.maj_at_kmax)),
                ]
                nums += [kfmt(getattr(r, c)) for c in outcomes]
                cells += [f"<td class=\"n\">{v}</td>" for v in nums]
                rows.append("<tr>" + "".join(cells) + "</tr>")
            rows.append(self.visible_warning(bench, 14 + show_step))
        heads = [
            "Problems",
            "Samples",
            "pass@1 (%)",
            "pass@k<sub>max</sub> (%)",
            "k<sub>max</sub>",
            "maj@k<sub>max</sub> (%)",
            "pass",
            "fail",
            "timeout",
            "error",
            "no answer",
        ]
        head = (
            "<th>Benchmark</th><th>Model</th><th>Role</th>"
            + ("<th class=\"n\">Step</th>" if show_step else "")
            + "".join(f"<th class=\"n\">{h}</th>" for h in heads)
        )
        return (
            "<h2 id=\"results\">Per-benchmark results</h2><div class=\"scroll\">"
            f"<table class=\"wide dense\"><thead><tr>{head}</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div><p class=\"note\">pass, fail, timeout, "
            "error and no answer count verified samples; maj@k is majority voting over k "
            "samples.</p>"
        )

    def passk_table(self) -> str:
        out = ["<h2 id=\"passk-table\">pass@k table (%)</h2>"]
        p = self.run.passk
        for bench in self.run.benchmarks:
            sub = p[p["benchmark"] == bench]
            models = [m for m in self.run.models if m in set(sub["model"])]
            ks = sorted({int(k) for k in sub["k"].dropna()})
            shown = [k for k in ks if k & (k - 1) == 0] + ([ks[-1]] if ks and ks[-1] & (ks[-1] - 1) else [])
            head = "".join(f"<th class=\"n\">{self.name(m)}</th>" for m in models)
            rows = []
            for k in shown:
                cells = []
                for m in models:
                    r = sub[(sub["model"] == m) & (sub["k"] == k)]
                    if r.empty or math.isnan(float(r["pass_at_k"].iloc[0])):
                        cells.append("<td class=\"n muted\">—</td>")
                        continue
                    v = r.iloc[0]
                    interval = ci(float(v["ci_low"]), float(v["ci_high"]))
                    cells.append(
                        f"<td class=\"n\">{pct(float(v['pass_at_k']))}"
                        + (f"<small class=\"ci\">{interval}</small>" if interval else "")
                        + "</td>"
                    )
                rows.append(f"<tr><td class=\"n\">{k}</td>{''.join(cells)}</tr>")
            out.append(
                f"<h3>{_e(bench)}</h3><div class=\"scroll\">"
                "<table class=\"passk\"><thead><tr>"
                f"<th class=\"n\">k</th>{head}</tr></thead><tbody>{''.join(rows)}"
                "</tbody></table></div>"
            )
        return "".join(out)

    def provenance(self) -> str:
        m = self.run.manifest
        models = m.get("models", [])
        mrows = "".join(
            f"<tr><td>{self.name(str(x.get('name', '')))}</td><td>{_e(x.get('role'))}</td>"
            f"<td>{_e(_step(x.get('step')))}</td><td>{_e(x.get('base'))}</td>"
            f"<td><code>{_e(x.get('path'))}</code></td><td>{_e(x.get('engine'))}</td>"
            f"<td>{_e(x.get('engine_version'))}</td><td>{_e(x.get('template'))}</td></tr>"
            for x in models
        )
        brows = "".join(
            f"<tr><td>{_e(b.get('name'))}</td><td class=\"n\">{_e(b.get('n_problems'))}</td>"
            f"<td><code>{_e(b.get('source'))}</code></td><td><code>{_e(b.get('sha256'))}</code>"
            "</td></tr>"
            for b in m.get("benchmarks", [])
        )
        vrows = "".join(
            f"<tr><td>{_e(k)}</td><td><code>{_e(v)}</code></td></tr>"
            for k, v in (m.get("verifier_versions") or {}).items()
        )
        srows = "".join(
            f"<tr><td>{_e(k)}</td><td><code>{_e(v)}</code></td></tr>" for k, v in (m.get("sampling") or {}).items()
        )
        irows = "".join(
            f"<tr><td>{self.name(str(x.get('model', '')))}</td><td>{_e(x.get('format'))}"
            + (f" (filter {_e(x['lm_eval_filter'])})" if x.get("lm_eval_filter") else "")
            + f"</td><td><code>{_e(x.get('file'))}</code></td><td><code>{_e(x.get('sha256'))}</code></td>"
            f"<td class=\"n\">{_e(x.get('rows'))}</td></tr>"
            for x in m.get("imports") or []
        )

        def table(title: str, head: str, body: str, cls: str = "wide") -> str:
            if not body:
                return f"<h3>{title}</h3><p class=\"muted\">Not recorded in manifest.json.</p>"
            return (
                f"<h3>{title}</h3><div class=\"scroll\"><table class=\"{cls}\"><thead><tr>"
                f"{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>"
            )

        return (
            "<h2 id=\"provenance\">Provenance</h2>"
            + table(
                "Models",
                "<th>Name</th><th>Role</th><th>Step</th><th>Base</th>"
                "<th>Path</th><th>Engine</th><th>Engine version</th><th>Template</th>",
                mrows,
            )
            + table("Benchmarks", "<th>Name</th><th class=\"n\">Problems</th><th>Source</th><th>sha256</th>", brows)
            + table("Verifiers", "<th>Verifier</th><th>Version</th>", vrows, "kv")
            + table(
                "Sampling" + (" (the study's, for the models it sampled)" if irows else ""),
                "<th>Parameter</th><th>Value</th>",
                srows,
                "kv",
            )
            + (
                table(
                    "Imported samples (their sampling settings are in the header)",
                    "<th>Model</th><th>Format</th><th>File</th><th>sha256</th><th class=\"n\">Completions</th>",
                    irows,
                )
                if irows
                else ""
            )
            + f"<p class=\"note\">Run directory: <code>{_e(self.run.run_dir)}</code></p>"
        )

    def table(self, name: str) -> Any:
        return self.run.table(name)

    def analysis_nav(self) -> list[tuple[str, str]]:
        """Navigation links of the registered analyses that have rows in this run."""
        from passbound.analyses import registered

        return [a.nav for a in registered() if a.nav is not None and not self.run.table(a.name).empty]

    def analysis_sections(self, *, beside_curves: bool = False) -> list[str]:
        """Each registered analysis's own section (passbound/analyses/), in registration order;
        ``beside_curves``: only those that go right after the pass@k curves, else only the others."""
        from passbound.analyses import registered

        return [
            a.section(self.run.table(a.name), self)
            for a in registered()
            if a.section is not None and a.beside_curves == beside_curves and not self.run.table(a.name).empty
        ]

    def page(self) -> str:
        study = self.run.manifest.get("study_name") or self.run.run_dir.name
        body = "\n".join(
            [
                self.header(),
                self.summary(),
                self.curves(),
                *self.analysis_sections(beside_curves=True),
                self.delta_se_table(),
                *boundary_sections(self.run, self.name, self.boundary_svgs),
                *ppl_sections(self.run, self.name, self.boundary_svgs),
                *self.analysis_sections(),
                *drilldown_sections(self.run, self.name),
                self.results_table(),
                self.passk_table(),
                self.provenance(),
            ]
        )
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>passbound: {_e(study)}</title><style>{CSS}</style></head>"
            f"<body><main>\n{body}\n</main></body></html>\n"
        )


def render_html(
    run: RunData,
    findings: list[BenchmarkFindings],
    colors: dict[str, str],
    svgs: dict[str, bytes],
    boundary_svgs: dict[str, bytes] | None = None,
) -> str:
    """The whole report page as a string; ``boundary_svgs`` are keyed as in
    ``write_boundary_figures`` (``overlap:<benchmark>``, ``accuracy_hist``, ``series``)."""
    return _Html(run, findings, colors, svgs, boundary_svgs).page()
