"""`drilldown`, `annotate`, `judge`: check the reasoning behind correct answers (CoT validity)."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.cli._common import progress_option
from passbound.errors import ConfigError
from passbound.progress import console

run_argument = click.argument("run_dir", metavar="RUN_DIR", type=click.Path(path_type=Path))
max_correct_option = click.option(
    "--max-correct",
    type=click.IntRange(min=1),
    help="A problem is hard for a model with 1..N correct samples (default: at most 5% of n, or 2).",
)


def _open_run(path: Path):  # type: ignore[no-untyped-def]
    from passbound.store import RunDir

    run = RunDir(path)
    run.read_manifest()  # a clear error if this is not a run directory
    return run


def _engine_options(pairs: tuple[str, ...]) -> dict[str, object]:
    """``k=v`` pairs; values are parsed as JSON when they can be (numbers, booleans), else kept as text."""
    import json

    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--engine-option {pair!r} is not key=value (e.g. --engine-option max_model_len=8192)")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


@click.command()
@run_argument
@click.option("--hard-only", is_flag=True, help="Only problems some model solves with few samples.")
@click.option("--model", "models", multiple=True, help="Only this model (repeatable).")
@click.option("--benchmark", "benchmarks", multiple=True, help="Only this benchmark (repeatable).")
@max_correct_option
@click.option("--max-problems", type=click.IntRange(min=1), help="At most N problems per benchmark (hard ones first).")
@click.option(
    "--max-samples",
    type=click.IntRange(min=1),
    help="Correct samples per model per problem (default: 3 for Markdown, all for JSONL).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE.jsonl (full texts, one sample a line) or FILE.md; default: print Markdown.",
)
def drilldown(
    run_dir: Path,
    hard_only: bool,
    models: tuple[str, ...],
    benchmarks: tuple[str, ...],
    max_correct: int | None,
    max_problems: int | None,
    max_samples: int | None,
    output: Path | None,
) -> None:
    """List each problem's correct samples per model, hard problems first, for reading their reasoning."""
    from passbound.cot.drilldown import drilldown as select
    from passbound.cot.drilldown import to_jsonl, to_markdown

    jsonl = output is not None and output.suffix.lower() in (".jsonl", ".json")
    if output is not None and not jsonl and output.suffix.lower() not in (".md", ".markdown", ".txt"):
        raise ConfigError(f"--output {output}: give a .jsonl file (full texts) or a .md file")
    run = _open_run(run_dir)
    samples = max_samples if max_samples is not None else (None if jsonl else 3)
    problems = select(
        run,
        models=list(models) or None,
        benchmarks=list(benchmarks) or None,
        hard_only=hard_only,
        max_correct=max_correct,
        max_problems=max_problems,
        max_samples=samples,
    )
    text = to_jsonl(problems) if jsonl else to_markdown(problems, run.path)
    if output is None:
        click.echo(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    n = sum(len(m.samples) for p in problems for m in p.models)
    console.print(f"drilldown: {len(problems)} problems, {n} correct samples -> {output}")


@click.command()
@run_argument
@click.option("--model", help="Model whose sample is judged.")
@click.option("--benchmark", help="Benchmark of the problem.")
@click.option("--problem", "problem_id", help="Problem id.")
@click.option("--index", type=int, help="Sample index within the problem (0..n-1).")
@click.option("--verdict", help="valid or invalid: is the reasoning behind the correct answer sound?")
@click.option("--note", default="", help="Free text kept with the verdict.")
@click.option(
    "--import",
    "import_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Import verdicts exported from the report's drill-down ('Export verdicts').",
)
def annotate(
    run_dir: Path,
    model: str | None,
    benchmark: str | None,
    problem_id: str | None,
    index: int | None,
    verdict: str | None,
    note: str,
    import_file: Path | None,
) -> None:
    """Record a human verdict on a correct sample's reasoning (annotations/human.jsonl; the latest wins)."""
    from passbound.cot import annotations

    run = _open_run(run_dir)
    single = (model, benchmark, problem_id, index, verdict)
    if import_file is not None:
        if any(x is not None for x in single):
            raise ConfigError("give either --import FILE or --model/--benchmark/--problem/--index/--verdict, not both")
        records = annotations.parse_import(import_file)
    else:
        missing = [f"--{n}" for n, x in zip(("model", "benchmark", "problem", "index", "verdict"), single) if x is None]
        if missing:
            raise ConfigError(f"missing {', '.join(missing)}; or import a file with --import FILE")
        records = [annotations.make_record(model, benchmark, problem_id, index, verdict, note)]  # type: ignore[arg-type]
    path = annotations.append(run, records)
    console.print(
        f"annotate: recorded {len(records)} verdict(s) in {path}; "
        f"run `passbound analyse {run.path}` and `passbound report {run.path}` to update CoT-pass@k"
    )


@click.command()
@run_argument
@click.option(
    "--judge",
    "judge_model",
    required=True,
    help="Judge model: a model name of this study (its path, engine and options) or a model path / hub id.",
)
@click.option(
    "--engine", type=str, help="Engine for the judge: vllm, hf, openai (default: the study model's, else vllm)."
)
@click.option(
    "--engine-option",
    "engine_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Engine option, repeatable (e.g. max_model_len=8192, base_url=http://localhost:8000/v1).",
)
@click.option("--only-hard", is_flag=True, help="Judge only samples of problems the model solves with few samples.")
@max_correct_option
@click.option("--limit", type=click.IntRange(min=1), help="Judge at most N samples (hardest problems first).")
@click.option("--model", "models", multiple=True, help="Judge only this model's samples (repeatable).")
@click.option("--benchmark", "benchmarks", multiple=True, help="Only this benchmark (repeatable).")
@click.option(
    "--max-tokens",
    type=click.IntRange(min=1),
    default=1024,
    show_default=True,
    help="Tokens the judge may write per sample.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=32,
    show_default=True,
    help="Samples per engine call; judgments are committed after each batch.",
)
@click.option("--plain", is_flag=True, help="Send the judge prompt as raw text (for judges without a chat template).")
@progress_option
def judge(
    run_dir: Path,
    judge_model: str,
    engine: str | None,
    engine_options: tuple[str, ...],
    only_hard: bool,
    max_correct: int | None,
    limit: int | None,
    models: tuple[str, ...],
    benchmarks: tuple[str, ...],
    max_tokens: int,
    batch_size: int,
    plain: bool,
    no_progress: bool,
) -> None:
    """Have an LLM judge the reasoning of every correct-answer sample (temperature 0; resumable)."""
    from passbound.cot.judge import judge_run, resolve_judge
    from passbound.registry import engines

    run = _open_run(run_dir)
    spec = resolve_judge(run, judge_model, engine, _engine_options(engine_options))
    engines.factory(spec.engine)  # an unknown engine stops here, before any sample is read
    n = judge_run(
        run,
        spec,
        models=list(models) or None,
        benchmarks=list(benchmarks) or None,
        only_hard=only_hard,
        max_correct=max_correct,
        limit=limit,
        max_tokens=max_tokens,
        batch_size=batch_size,
        chat=not plain,
        show_progress=not no_progress,
    )
    console.print(
        f"judge: judged {n} samples into {run.path / 'judgments'}; "
        f"run `passbound analyse {run.path}` to write cot_passk.csv"
    )


COMMANDS = [drilldown, annotate, judge]
