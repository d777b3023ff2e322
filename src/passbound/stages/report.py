"""Report stage: report.html, summary.md and figures from the analysis tables."""

from __future__ import annotations

from pathlib import Path

from passbound.errors import RunDirError
from passbound.store import RunDir


def report_run(run: RunDir) -> dict[str, Path]:
    from passbound.report import write_report

    if not (run.path / "passk.csv").is_file():
        raise RunDirError(f"{run.path / 'passk.csv'} is missing; run `passbound analyse {run.path}` first")
    return write_report(run.path)
