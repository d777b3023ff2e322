"""The pipeline stages. Each reads and writes only the run directory, and resumes on its own."""

from passbound.stages.analyse import analyse_run
from passbound.stages.prepare import prepare_run, study_of_run
from passbound.stages.report import report_run
from passbound.stages.sample import sample_run
from passbound.stages.study import StudyRun, run_study
from passbound.stages.verify import verify_run

__all__ = [
    "analyse_run",
    "prepare_run",
    "report_run",
    "run_study",
    "sample_run",
    "study_of_run",
    "StudyRun",
    "verify_run",
]
