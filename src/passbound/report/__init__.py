"""The report stage: read the analyse stage's tables from a run directory and write
report.html (self-contained), figures/passk_<benchmark>.{png,svg} and summary.md, plus, when
the boundary tables exist, figures/overlap_<benchmark>, accuracy_hist and series (PNG + SVG).

matplotlib is imported only when a report is written, so importing this package is cheap.
"""

from __future__ import annotations

from pathlib import Path

from passbound.report._data import RunData, load_run
from passbound.report._findings import BenchmarkFindings, all_findings

__all__ = ["BenchmarkFindings", "RunData", "all_findings", "load_run", "write_report"]


def write_report(run_dir: Path) -> dict[str, Path]:
    """Write the report files into ``run_dir`` and return their paths.

    Keys: ``html``, ``summary_md``, and ``png:<benchmark>`` / ``svg:<benchmark>`` per benchmark
    (pass@k curves); for boundary figures that have data, ``overlap_png:<benchmark>`` /
    ``overlap_svg:<benchmark>``, ``hist_png`` / ``hist_svg`` and ``series_png`` / ``series_svg``;
    with perplexity shards, ``ppl_png:<benchmark>`` / ``ppl_svg:<benchmark>``.
    Paper tables: ``table_md:<name>`` / ``table_tex:<name>`` (``tables/<name>.{md,tex}``) for
    every analysis CSV.
    Each file is written to a temporary name and renamed, so a reader never sees half a report.
    """
    from passbound.report._figures import model_colors, write_figures
    from passbound.report._figures_boundary import write_boundary_figures
    from passbound.report._figures_ppl import write_ppl_figures
    from passbound.report._html import render_html
    from passbound.report._markdown import render_markdown
    from passbound.report._tables import write_tables

    run = load_run(Path(run_dir))
    findings = all_findings(run)
    figs = write_figures(run, run.run_dir / "figures")
    colors = model_colors(run)
    svgs = {b: f["svg_bytes"] for b, f in figs.items()}
    extra = write_boundary_figures(run, run.run_dir / "figures", colors)
    extra_svgs = {k: f["svg_bytes"] for k, f in extra.items()}
    ppl_figs = write_ppl_figures(run, run.run_dir / "figures", colors)  # needs `passbound ppl` shards
    extra_svgs.update({k: f["svg_bytes"] for k, f in ppl_figs.items()})
    html_path = run.run_dir / "report.html"
    md_path = run.run_dir / "summary.md"
    _write_atomic(html_path, render_html(run, findings, colors, svgs, extra_svgs))
    _write_atomic(md_path, render_markdown(run, findings))
    paths: dict[str, Path] = {"html": html_path, "summary_md": md_path}
    paths.update(write_tables(run.run_dir))  # tables/<name>.md and .tex beside each CSV
    for bench, f in figs.items():
        paths[f"png:{bench}"] = f["png"]
        paths[f"svg:{bench}"] = f["svg"]
    for key, pf in ppl_figs.items():  # ppl:<benchmark> -> ppl_png:<benchmark>, ppl_svg:<benchmark>
        paths[f"ppl_png:{key[4:]}"], paths[f"ppl_svg:{key[4:]}"] = pf["png"], pf["svg"]
    for key, ef in extra.items():
        kind, _, bench = key.partition(":")
        label = {"overlap": "overlap", "accuracy_hist": "hist", "series": "series"}[kind]
        suffix = f":{bench}" if bench else ""
        paths[f"{label}_png{suffix}"] = ef["png"]
        paths[f"{label}_svg{suffix}"] = ef["svg"]
    return paths


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
