"""Run-directory reads the CoT tools share: models, verdicts, sample keys and texts.

Texts are the bulk of a run (n=1024 completions of thousands of tokens per problem), so they are
read one shard at a time and only for the rows asked for; everything else works on the small
verdict columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from passbound.errors import ConfigError
from passbound.store import RunDir
from passbound.types import ModelRecord

Key = tuple[str, str, str, int]  # (model, benchmark, problem_id, index)
VERDICT_COLUMNS = ["model", "benchmark", "problem_id", "index", "status", "extracted"]


def run_models(run: RunDir) -> list[ModelRecord]:
    """Models as the manifest lists them (name, role, base), in study order."""
    return [cast(ModelRecord, dict(m)) for m in run.read_manifest().get("models", []) if m.get("name")]


def check_names(run: RunDir, models: Sequence[str] | None, benchmarks: Sequence[str] | None) -> None:
    """Unknown model or benchmark names stop with a message listing the valid ones."""
    known_models = [m["name"] for m in run_models(run)]
    for name in models or ():
        if name not in known_models:
            raise ConfigError(
                f"unknown model {name!r} in {run.path}; models are: {', '.join(known_models) or '(none)'}"
            )
    known_benches = run.benchmarks()
    for name in benchmarks or ():
        if name not in known_benches:
            raise ConfigError(
                f"unknown benchmark {name!r} in {run.path}; benchmarks are: {', '.join(known_benches) or '(none)'}"
            )


def load_verdicts(
    run: RunDir, models: Iterable[str] | None = None, benchmarks: Iterable[str] | None = None
) -> pd.DataFrame:
    """The verdict columns the CoT tools need (no ``detail``), problem ids as strings."""
    df = run.read_all("verdicts", models=models, benchmarks=benchmarks).select(VERDICT_COLUMNS).to_pandas()
    df["problem_id"] = df["problem_id"].astype(str)
    df["index"] = df["index"].astype("int64")
    return df


def sample_keys(run: RunDir, model: str, benchmark: str) -> set[tuple[str, int]]:
    """(problem_id, index) of every committed sample of one model on one benchmark (no texts read)."""
    keys: set[tuple[str, int]] = set()
    for chunk in run.chunks("samples", model, benchmark):
        t = pq.read_table(run.shard_path("samples", model, benchmark, chunk), columns=["problem_id", "index"])
        keys.update(zip(map(str, t.column("problem_id").to_pylist()), t.column("index").to_pylist()))
    return keys


def read_texts(
    run: RunDir, model: str, benchmark: str, wanted: set[tuple[str, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """Text, n_tokens and finish_reason of the ``wanted`` samples, reading one shard at a time."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    if not wanted:
        return out
    pids = sorted({p for p, _ in wanted})
    for chunk in run.chunks("samples", model, benchmark):
        path = run.shard_path("samples", model, benchmark, chunk)
        head = pq.read_table(path, columns=["problem_id", "index"])
        mask = pc.is_in(head.column("problem_id"), value_set=pa.array(pids, type=head.column("problem_id").type))
        if not pc.any(mask).as_py():
            continue
        rows = pq.read_table(path, columns=["problem_id", "index", "text", "n_tokens", "finish_reason"]).filter(mask)
        for row in rows.to_pylist():
            key = (str(row["problem_id"]), int(row["index"]))
            if key in wanted:
                out[key] = {
                    "text": row["text"] or "",
                    "n_tokens": row["n_tokens"],
                    "finish_reason": row["finish_reason"],
                }
    return out


def truncate(text: str, max_chars: int | None) -> tuple[str, bool]:
    """Cut ``text`` to ``max_chars`` keeping its head and tail (the final answer is at the end)."""
    if max_chars is None or len(text) <= max_chars:
        return text, False
    tail = max_chars // 4
    head = max_chars - tail
    return f"{text[:head]}\n[… {len(text) - head - tail} characters cut …]\n{text[-tail:]}", True
