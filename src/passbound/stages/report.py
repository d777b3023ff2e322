"""Report stage: report.html, summary.md and figures from the analysis tables."""

from __future__ import annotations

from pathlib import Path

from passbound.errors import RunDirError
from passbound.store import RunDir


def report_run(run: RunDir) -> dict[str, Path]:
    from passbound.report import write_report

    if not (run.path / "passk.csv").is_file():
        raise RunDirError(f"{run}/passk.csv is missing; run `passbound analyse {run}` first")
    if run.chunks_any("verdicts"):
        # The drill-down reads verdicts, texts, judgments and human verdicts, which change after
        # `analyse` (`passbound judge`, `annotate`): it is stored here, then the report reads it.
        from passbound.cot.drilldown import write_drilldown
        from passbound.report._html_drilldown import MAX_CHARS, MAX_PROBLEMS, MAX_SAMPLES

        write_drilldown(run, max_problems=MAX_PROBLEMS, max_samples=MAX_SAMPLES, max_chars=MAX_CHARS)
    paths = write_report(run.path)
    run.sync()  # on object storage: upload the report and its figures
    return paths
