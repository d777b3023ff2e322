"""`passbound probe`: has a model memorised the benchmark? (Wu et al. 2025, "Reasoning or
Memorization: Unreliable Results of Reinforcement Learning Due to Data Contamination",
arXiv:2507.10532.)

The model gets the first ``fraction`` (default 60%) of each problem statement as plain text to
continue, greedily. Reproducing the rest (exact match after whitespace normalisation, and ROUGE-L
F1 of the continuation's first as-many words against the true rest) and answering correctly from
the partial statement both point to a benchmark seen in training: a base model whose boundary
comes from memory makes every pass@k comparison against it meaningless. One shard per (model,
benchmark) under RUN/probe/; a rerun probes only what is missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from passbound.config import StudyConfig
from passbound.engines.base import GenerationSettings, call_generate
from passbound.errors import ConfigError
from passbound.progress import console, progress_bar
from passbound.stages.sample import active_problems, problem_seed
from passbound.store import RunDir, atomic_write_table
from passbound.store.side_tables import PROBE_SCHEMA, probe_shard_path

if TYPE_CHECKING:
    from passbound.engines.base import Engine
    from passbound.verify import GradingPool

_WORD = re.compile(r"\S+")


def split_statement(text: str, fraction: float) -> tuple[str, str] | None:
    """(prefix, rest) at the word boundary after ``fraction`` of the words; None if either is empty."""
    words = list(_WORD.finditer(text))
    cut = math.ceil(fraction * len(words))
    if cut <= 0 or cut >= len(words):
        return None
    end = words[cut - 1].end()
    return text[:end], text[end:].strip()


def reproduction(rest: str, completion: str) -> tuple[bool, float]:
    """(exact match, ROUGE-L F1) of ``completion`` against the statement's true ``rest``.

    Exact: the continuation's first words are the rest's words ("... 9 + 6" is not matched by
    "... 9 + 60"). ROUGE-L (rouge-score's
    tokenizer: lowercase alphanumeric tokens) compares the rest with the continuation's first
    as-many words, so a model that goes on to solve the problem is not penalised for it.
    """
    from rouge_score import rouge_scorer

    want, got = rest.split(), completion.split()
    head = got[: len(want)]
    score = rouge_scorer.RougeScorer(["rougeL"]).score(" ".join(want), " ".join(head))["rougeL"].fmeasure
    return bool(want) and head == want, float(score)


def probe_run(
    study: StudyConfig,
    run: RunDir,
    *,
    models: Sequence[str] | None = None,
    fraction: float = 0.6,
    max_tokens: int = 256,
    show_progress: bool = True,
) -> int:
    """Probe every (model, benchmark) without a shard at this fraction; return problems probed."""
    import pyarrow.parquet as pq

    from passbound.registry import engines
    from passbound.verify import GradingPool

    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"--fraction must be between 0 and 1 (the share of the statement shown), got {fraction}")
    chosen = [m for m in study.models if models is None or m.name in models]
    if models:
        for name in models:
            study.model(name)  # a clear error for an unknown name
    probed = 0
    for model in chosen:
        todo = []
        for spec in study.benchmarks:
            path = probe_shard_path(run, model.name, spec.name)
            if path.is_file():
                done = pq.read_table(path, columns=["problem_id", "fraction"])
                wanted = {p.id for p in active_problems(run, study, spec.name) if split_statement(p.prompt, fraction)}
                if set(done["fraction"].to_pylist()) <= {fraction} and set(done["problem_id"].to_pylist()) == wanted:
                    continue  # this fraction, these problems (an empty shard: none long enough to split)
            todo.append(spec.name)
        if not todo:
            continue
        console.print(f"probe: loading {model.path} with engine {model.engine!r}")
        engine = engines.create(model.engine, model=model.path, **model.engine_options)
        try:
            for bench in todo:
                probed += _probe_benchmark(
                    study, run, engine, model.name, bench, fraction, max_tokens, show_progress, GradingPool
                )
        finally:
            engine.close()
    return probed


def _probe_benchmark(
    study: StudyConfig,
    run: RunDir,
    engine: Engine,
    model: str,
    bench: str,
    fraction: float,
    max_tokens: int,
    show_progress: bool,
    pool_class: type[GradingPool],
) -> int:
    problems, prefixes, rests = [], [], []
    for p in active_problems(run, study, bench):
        parts = split_statement(p.prompt, fraction)
        if parts is not None:
            problems.append(p)
            prefixes.append(parts[0])
            rests.append(parts[1])
    seed = study.sampling.seed
    with progress_bar(f"probe {model}/{bench}", len(problems), enabled=show_progress) as advance:
        outputs = call_generate(
            engine,
            prefixes,
            n=1,
            settings=GenerationSettings.greedy(max_tokens),
            seeds=[problem_seed(seed, bench, p.id) for p in problems],
            on_progress=advance,
        )
    completions = [out[0].text for out in outputs]
    verifiers = study.verify.verifiers({p.kind for p in problems})
    with pool_class(timeout=study.verify.timeout, workers=study.verify.workers, verifiers=verifiers) as pool:
        graded = pool.grade(problems, completions)
    rows = []
    for p, prefix, rest, text, verdict in zip(problems, prefixes, rests, completions, graded):
        exact, rouge = reproduction(rest, text)
        rows.append(
            dict(
                model=model,
                benchmark=bench,
                problem_id=p.id,
                fraction=fraction,
                prefix_words=len(prefix.split()),
                rest_words=len(rest.split()),
                completion=text,
                exact_match=exact,
                rouge_l=rouge,
                answer_status=verdict.status,
            )
        )
    atomic_write_table(probe_shard_path(run, model, bench), pa.Table.from_pylist(rows, schema=PROBE_SCHEMA))
    return len(rows)
