"""Perplexity stage: score one model's committed samples under another model, per benchmark.

Writes ``perplexity/<scorer>__<of>/<benchmark>.parquet`` (one row per scored sample: mean NLL,
token count, PPL and, when a model scores its own samples with the hf backend, the mean token
entropy at its sampling temperature) and the summary ``perplexity.csv``. A shard is written
atomically; a shard that exists for the same sample limit is done, so re-running only scores
what is missing. Formula and backends: :mod:`passbound.metrics.perplexity`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from passbound.config import StudyConfig
from passbound.errors import ConfigError
from passbound.progress import console, progress_bar
from passbound.stages.sample import active_problems
from passbound.store import RunDir, atomic_write_table
from passbound.store.side_tables import PERPLEXITY_TABLE, PPL_SCHEMA, perplexity_shard_path, read_perplexity

if TYPE_CHECKING:
    pass

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_BATCH = 32  # samples per scoring call (one progress step)


@dataclass(frozen=True)
class Scorer:
    """Who scores: a label for file names, the model path, its template and engine options."""

    label: str
    path: str
    template: str | None
    options: dict[str, Any]
    engine: str | None  # the study model's engine, when the scorer is a study model


def resolve_scorer(study: StudyConfig, scorer: str) -> Scorer:
    """A study model name (its path, template, options), a local model folder, the embedded model or a hub id."""
    from passbound.models import EMBEDDED_NAMES

    names = [m.name for m in study.models]
    if scorer in names:
        m = study.model(scorer)
        return Scorer(m.name, m.path, m.template, dict(m.engine_options), m.engine)
    path = Path(scorer).expanduser()
    if path.is_dir() or scorer in EMBEDDED_NAMES or (_HUB_ID.match(scorer) and not path.exists()):
        label = re.sub(r"[^A-Za-z0-9._-]+", "_", path.name if path.is_dir() else scorer.replace("/", "_")).strip("_")
        return Scorer(label or "scorer", str(path.resolve()) if path.is_dir() else scorer, None, {}, None)
    raise ConfigError(
        f"unknown scorer model {scorer!r}: give a model of the study ({', '.join(names)}), "
        "a local model folder, 'embedded', or a Hugging Face hub id (org/name)"
    )


shard_path = perplexity_shard_path


def _eligible(run: RunDir, study: StudyConfig, of: str, bench: str, limit: int | None) -> list[dict[str, Any]]:
    """The committed samples of ``of`` on ``bench`` that a shard covers, in (problem, index) order."""
    ids = {p.id for p in active_problems(run, study, bench)}
    samples = run.read_all("samples", models=[of], benchmarks=[bench]).to_pylist()
    samples = [s for s in samples if s["problem_id"] in ids and (limit is None or s["index"] < limit)]
    return sorted(samples, key=lambda s: (s["problem_id"], s["index"]))


def _done(path: Path, limit: int | None, expected: int) -> bool:
    """A shard exists, was scored with the same sample limit and covers every eligible sample
    (samples drawn after it was written make it stale)."""
    if not path.is_file():
        return False
    meta = pq.read_schema(path).metadata or {}
    return meta.get(b"limit", b"") == str(limit).encode() and pq.read_metadata(path).num_rows == expected


def _backend_options(backend: str, scorer: Scorer) -> dict[str, Any]:
    """The study model's engine options, when they were written for this backend."""
    if scorer.engine != backend:
        return {}
    opts = {k: v for k, v in scorer.options.items() if k != "logprobs"}
    if backend == "hf":
        opts.pop("max_batch", None)
    return opts


def score_perplexity(
    study: StudyConfig,
    run: RunDir,
    *,
    scorer: str,
    of: Sequence[str],
    engine: str = "hf",
    limit: int | None = None,
    template: str | None = None,
    show_progress: bool = True,
) -> int:
    """Score every missing (scorer, of, benchmark) shard; return how many samples were scored."""
    from passbound.metrics.perplexity import create_scorer
    from passbound.prompts import get_template
    from passbound.registry import scorers

    if engine not in scorers:
        raise ConfigError(
            f"unknown perplexity engine {engine!r}; use one of: {', '.join(scorers.names())} "
            "(or a 'package.module:factory' path to a scorer)"
        )
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1 (got {limit})")
    who = resolve_scorer(study, scorer)
    of_models = [study.model(name) for name in of]  # ConfigError naming the models for an unknown one
    todo = []
    for m in of_models:
        for b in study.benchmarks:
            if not run.chunks("samples", m.name, b.name):
                console.print(f"[yellow]ppl: {m.name} has no samples on {b.name}; run `passbound sample` first[/]")
                continue
            samples = _eligible(run, study, m.name, b.name, limit)
            if not _done(shard_path(run, who.label, m.name, b.name), limit, len(samples)):
                todo.append((m, b.name, samples))
    if not todo:
        console.print(f"ppl: nothing to do, {who.label}'s scores are already committed")
        return 0
    console.print(f"ppl: loading {who.path} with the {engine!r} backend")
    model = create_scorer(engine, who.path, **_backend_options(engine, who))
    scored = 0
    try:
        for m, bench, samples in todo:
            tmpl = get_template(template or who.template or m.template)
            # A model on its own samples (by name; a scorer given as a path, by path): entropy at its T.
            own = who.label == m.name or (who.engine is None and who.path == m.path)
            gives_entropy = getattr(model, "gives_entropy", False)
            temperature = study.sampling.for_model(m).temperature if own and gives_entropy else None
            scored += _score_shard(
                run, study, model, who.label, m.name, bench, samples, tmpl, temperature, engine, limit, show_progress
            )
    finally:
        model.close()
    return scored


def _score_shard(
    run: RunDir,
    study: StudyConfig,
    model: Any,
    label: str,
    of: str,
    bench: str,
    samples: list[dict[str, Any]],
    tmpl: Any,
    temperature: float | None,
    engine: str,
    limit: int | None,
    show_progress: bool,
) -> int:
    from passbound.stages.media import resolve_media

    problems = {p.id: resolve_media(run, p) for p in active_problems(run, study, bench)}
    rows: list[dict[str, Any]] = []
    with progress_bar(f"ppl {label} on {of}/{bench}", len(samples), enabled=show_progress) as advance:
        for start in range(0, len(samples), _BATCH):
            part = samples[start : start + _BATCH]
            prompts = [tmpl.render(problems[s["problem_id"]]) for s in part]
            scores = model.score(prompts, [s["text"] for s in part], temperature=temperature)
            rows += [
                {
                    "scorer": label,
                    "of_model": of,
                    "benchmark": bench,
                    "problem_id": s["problem_id"],
                    "index": s["index"],
                    "n_tokens": sc.n_tokens,
                    "nll": sc.nll,
                    "ppl": sc.ppl,
                    "entropy": sc.entropy,
                    "temperature": temperature,
                    "engine": engine,
                }
                for s, sc in zip(part, scores)
            ]
            advance(len(part))
    table = pa.Table.from_pylist(rows, schema=PPL_SCHEMA)
    table = table.replace_schema_metadata({"limit": str(limit), "template": tmpl.name})
    atomic_write_table(shard_path(run, label, of, bench), table)
    return len(rows)


def summarise_perplexity(run: RunDir) -> Path | None:
    """Write perplexity.csv (one row per scorer, scored model and benchmark); None if nothing was scored."""
    import numpy as np
    import pandas as pd

    df = read_perplexity(run.path)
    if df.empty:
        return None
    out = []
    for (scorer, of, bench), g in df.groupby(["scorer", "of_model", "benchmark"], sort=False):
        ppl = g["ppl"].dropna()
        ent = g["entropy"].dropna()
        out.append(
            {
                "scorer": scorer,
                "of_model": of,
                "benchmark": bench,
                "n_samples": len(ppl),
                "mean_ppl": ppl.mean(),
                "median_ppl": ppl.median(),
                "q25": ppl.quantile(0.25),
                "q75": ppl.quantile(0.75),
                "mean_log_ppl": g["nll"].dropna().mean(),
                "mean_n_tokens": g["n_tokens"].mean(),
                "mean_entropy": ent.mean() if len(ent) else np.nan,
                "temperature": g["temperature"].dropna().iloc[0] if g["temperature"].notna().any() else np.nan,
                "engine": ",".join(sorted(set(g["engine"]))),
            }
        )
    return run.write_text(
        PERPLEXITY_TABLE.path(run.path).name,
        pd.DataFrame(out, columns=list(PERPLEXITY_TABLE.columns)).to_csv(index=False),
    )


def perplexity_run(study: StudyConfig, run: RunDir, *, show_progress: bool = True) -> int:
    """The study's ``[analysis] perplexity`` jobs (none: nothing to do), then perplexity.csv."""
    scored = 0
    for job in study.analysis.perplexity:
        scored += score_perplexity(
            study, run, scorer=job.scorer, of=job.of, engine=job.engine, limit=job.limit, show_progress=show_progress
        )
    if study.analysis.perplexity:
        summarise_perplexity(run)
        run.sync()  # its score shards are side tables, written straight into the run directory
    return scored
