"""`passbound import`: completions made by another tool become a study model's samples."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.cli._common import data_dir_option, out_option, study_with_overrides
from passbound.imports.formats import FORMATS
from passbound.progress import console


@click.command(name="import")
@click.argument("study_file", metavar="STUDY.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("sample_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", required=True, help="The study model whose samples these are.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="jsonl",
    show_default=True,
    help="jsonl: {benchmark, problem_id, index, text[, finish_reason, n_tokens]} per line; lm-eval: "
    "lm-evaluation-harness --log_samples files; limit-of-rlvr: the study's math_eval.py outputs.",
)
@click.option(
    "--benchmark", help="The study benchmark the file's rows belong to (required for lm-eval, limit-of-rlvr)."
)
@click.option(
    "--ids",
    type=click.Choice(["id", "position"]),
    help="How rows name problems: by problem id, or by position in the benchmark's problem list "
    "(default: id for jsonl, position for the other formats).",
)
@click.option(
    "--no-check-question",
    is_flag=True,
    help="Do not compare the file's question text with the problem a position points to "
    "(needed to import by position rows that carry no question).",
)
@click.option(
    "--lm-eval-filter",
    metavar="NAME",
    help="lm-eval files: the filter whose lines hold the samples, needed only when the filters' "
    "generations differ (lm-eval logs each document once per filter, normally with the same ones).",
)
@out_option
@data_dir_option
def import_(
    study_file: Path,
    sample_file: Path,
    model: str,
    fmt: str,
    benchmark: str | None,
    ids: str | None,
    no_check_question: bool,
    lm_eval_filter: str | None,
    out: Path | None,
    data_dir: Path | None,
) -> None:
    """Import FILE as MODEL's samples; `passbound run` then samples only what is still missing."""
    from passbound.imports import import_samples

    study = study_with_overrides(study_file, out, data_dir)
    summary = import_samples(
        study,
        model,
        sample_file,
        fmt=fmt,
        benchmark=benchmark,
        ids=ids,
        check_question=not no_check_question,
        lm_eval_filter=lm_eval_filter,
    )
    per_bench = ", ".join(f"{b}: {n} problems" for b, n in sorted(summary.problems.items()))
    console.print(
        f"import: {summary.rows} completions of model {model!r} ({per_bench}) in {summary.chunks} chunks"
        + (
            f"; {summary.partial_chunks} chunks are partly covered, `passbound run` samples the rest"
            if summary.partial_chunks
            else ""
        )
        + (
            f"; the filters {', '.join(map(repr, summary.lm_eval_filters))} logged the same generations, imported once"
            if len(summary.lm_eval_filters) > 1 and lm_eval_filter is None
            else ""
        )
    )


COMMANDS = [import_]
