"""The whole pipeline of one study, in the one order every entry point runs it.

`passbound run`, `passbound demo` and `passbound demo --full` call this, so a stage added to the
pipeline (adaptive round two, perplexity) runs for all three. Each stage resumes on its own, so
rerunning after an interruption continues where the run directory stands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from passbound.config import StudyConfig
from passbound.stages.analyse import analyse_run
from passbound.stages.perplexity import perplexity_run
from passbound.stages.prepare import prepare_run
from passbound.stages.report import report_run
from passbound.stages.sample import sample_run
from passbound.stages.verify import verify_run
from passbound.store import RunDir


@dataclass(frozen=True)
class StudyRun:
    """A finished study: its run directory, the report's paths and each stage's seconds."""

    run: RunDir
    paths: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)


def run_study(study: StudyConfig, *, show_progress: bool = True) -> StudyRun:
    """Sample, verify (twice when sampling is adaptive: round two is chosen from round one's
    verdicts), score perplexity jobs, analyse and report."""
    seconds: dict[str, float] = {}
    start = time.monotonic()

    def took(stage: str) -> None:
        nonlocal start
        now = time.monotonic()
        seconds[stage] = seconds.get(stage, 0.0) + now - start
        start = now

    rd = prepare_run(study)
    rounds = 2 if study.sampling.adaptive is not None else 1
    for _ in range(rounds):
        sample_run(study, rd, show_progress=show_progress)
        took("sample")
        verify_run(study, rd, show_progress=show_progress)
        took("verify")
    perplexity_run(study, rd, show_progress=show_progress)
    took("perplexity")
    analyse_run(study, rd)
    took("analyse")
    paths = report_run(rd)
    took("report")
    return StudyRun(run=rd, paths=paths, seconds=seconds)
