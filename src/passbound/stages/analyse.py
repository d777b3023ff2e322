"""Analysis stage: every registered analysis (passbound/analyses/) on the committed verdicts, written as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from passbound.benchmarks.visible import visible_tests_only
from passbound.config import StudyConfig
from passbound.progress import console
from passbound.stages.sample import active_problems
from passbound.store import RunDir
from passbound.types import ModelRecord

if TYPE_CHECKING:
    import pandas as pd

    from passbound.analyses import AnalysisInputs


def model_records(study: StudyConfig) -> list[ModelRecord]:
    """name, role, step, base name, algorithm and training curves of every study model, as the analyses take them."""
    out: list[ModelRecord] = []
    for m in study.models:
        base = study.base_of(m)
        out.append(
            {
                "name": m.name,
                "role": m.role,
                "step": m.step,
                "base": base.name if base else None,
                "algorithm": m.algorithm,
                "training_curves": m.training_curves,
                "max_tokens": study.sampling.for_model(m).max_tokens,
            }
        )
    return out


def _in_problem_order(verdicts: pd.DataFrame, models: list[str], problems: pd.MultiIndex) -> pd.DataFrame:
    """Verdict rows in the order a run sampled start to finish holds them: models in study order,
    each benchmark's problem list, then sample index. The bootstrap resamples problems in the order
    they first appear, so a chunk that an import filled in part and sampling completed (its rows in
    another order) must not move the intervals."""
    import pandas as pd

    position = pd.Series(range(len(problems)), index=problems)
    rank = position.reindex(pd.MultiIndex.from_frame(verdicts[["benchmark", "problem_id"]])).to_numpy()
    model = verdicts["model"].map({m: i for i, m in enumerate(models)}).to_numpy()
    ordered = verdicts.assign(_model=model, _rank=rank).sort_values(["_model", "_rank", "index"], kind="stable")
    return ordered.drop(columns=["_model", "_rank"]).reset_index(drop=True)


def _warn_partial(verdicts: pd.DataFrame, problems: pd.MultiIndex) -> None:
    """A model with verdicts for only some of a benchmark's problems (a subset imported, a run cut
    short) gets pass@k over those alone; the tables say so in n_problems, this says it out loud."""
    import pandas as pd

    total = pd.Series(problems.get_level_values(0)).value_counts()
    covered = verdicts.groupby(["model", "benchmark"], sort=False)["problem_id"].nunique()
    for (model, bench), got in covered.items():
        if got < total.get(bench, 0):
            console.print(
                f"[yellow]analyse: {model}/{bench} has verdicts for {got} of {total[bench]} problems; its "
                "pass@k covers those only (`passbound run` samples and verifies the rest)[/]"
            )


def analysis_inputs(study: StudyConfig, run: RunDir) -> AnalysisInputs:
    """The committed verdicts of the study's models and problems, in problem-list order, with the
    settings every analysis reads."""
    import pandas as pd

    from passbound.analyses import LENGTH_COLUMNS, AnalysisInputs

    names = [m.name for m in study.models]
    verdicts = run.read_all("verdicts", models=names).to_pandas()
    unverified = run.count_rows("samples", names) - len(verdicts)
    # Only the problems this study covers (the run may hold more, sampled under a larger limit).
    covered = [(b.name, p) for b in study.benchmarks for p in active_problems(run, study, b.name)]
    keep = pd.MultiIndex.from_tuples([(b, p.id) for b, p in covered], names=["benchmark", "problem_id"])
    visible = frozenset((b, p.id) for b, p in covered if visible_tests_only(p))
    if len(verdicts):
        verdicts = verdicts[pd.MultiIndex.from_frame(verdicts[["benchmark", "problem_id"]]).isin(keep)]
        verdicts = _in_problem_order(verdicts, names, keep)
        _warn_partial(verdicts, keep)
    if unverified > 0:
        console.print(f"[yellow]analyse: {unverified} samples have no verdict yet; run `passbound verify`[/]")
    adaptive = study.sampling.adaptive
    lengths = run.read_all("samples", models=names, columns=LENGTH_COLUMNS).to_pandas()
    return AnalysisInputs(
        verdicts=verdicts,
        models=model_records(study),
        k_grid=study.k_grid,
        spec=study.analysis,
        run_path=run.path,
        adaptive_first=adaptive.first if adaptive is not None else None,
        visible_only=visible,
        lengths=lengths,
    )


def analyse_run(study: StudyConfig, run: RunDir) -> dict[str, Path]:
    """Compute every registered analysis's table from the committed verdicts and write ``<table>.csv``."""
    from passbound.analyses import registered

    inputs = analysis_inputs(study, run)
    tables = {}
    for analysis in registered():  # one file each under passbound/analyses/
        table = analysis.run(inputs)
        if table is not None:  # None: nothing of this kind in the run (e.g. no CoT judgments)
            tables[analysis.name] = table
    return {name: run.write_text(f"{name}.csv", frame.to_csv(index=False)) for name, frame in tables.items()}


def write_side_analysis(study: StudyConfig, run: RunDir, name: str) -> Path:
    """Recompute one registered analysis that reads side tables only (e.g. ``contamination``)."""
    import pandas as pd

    from passbound.analyses import AnalysisInputs, registered

    analysis = next((a for a in registered() if a.name == name), None)
    if analysis is None:
        raise KeyError(name)
    inputs = AnalysisInputs(
        verdicts=pd.DataFrame(),
        models=model_records(study),
        k_grid=study.k_grid,
        spec=study.analysis,
        run_path=run.path,
    )
    frame = analysis.run(inputs)
    if frame is None:  # None: the analysis found nothing of its kind; side analyses always return a table
        raise ValueError(f"analysis {name!r} returned no table; write_side_analysis is for analyses that always do")
    return run.write_text(f"{name}.csv", frame.to_csv(index=False))
