"""Schemas, paths and readers of the run directory's tables beside samples and verdicts.

Kept here, not in the stages that write them, so readers (the report, the CoT tools, the
analyse stage) depend on the store alone and never on another stage's module:

    RUN/perplexity/<scorer>__<of_model>/<benchmark>.parquet   written by `passbound ppl`
    RUN/judgments/<model>/<benchmark>.parquet                 written by `passbound judge`
    RUN/perplexity.csv                                        their summary, written by `passbound ppl`
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from passbound.store.tables import TableSchema

if TYPE_CHECKING:
    import pandas as pd

    from passbound.store.rundir import RunDir

Key = tuple[str, str, str, int]  # (model, benchmark, problem_id, index)

PPL_SCHEMA = pa.schema(
    [
        ("scorer", pa.string()),
        ("of_model", pa.string()),
        ("benchmark", pa.string()),
        ("problem_id", pa.string()),
        ("index", pa.int32()),
        ("n_tokens", pa.int32()),
        ("nll", pa.float64()),
        ("ppl", pa.float64()),
        ("entropy", pa.float64()),
        ("temperature", pa.float64()),
        ("engine", pa.string()),
    ]
)
JUDGMENT_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("benchmark", pa.string()),
        ("problem_id", pa.string()),
        ("index", pa.int32()),
        ("judgment", pa.string()),
        ("judge", pa.string()),
        ("template", pa.string()),
        ("output", pa.large_string()),
        ("time", pa.string()),
    ]
)


# One row per scorer, scored model and benchmark: the summary the report reads.
PERPLEXITY_TABLE = TableSchema(
    "perplexity",
    (
        "scorer",
        "of_model",
        "benchmark",
        "n_samples",
        "mean_ppl",
        "median_ppl",
        "q25",
        "q75",
        "mean_log_ppl",
        "mean_n_tokens",
        "mean_entropy",
        "temperature",
        "engine",
    ),
)


def perplexity_shard_path(run: RunDir, scorer: str, of: str, benchmark: str) -> Path:
    return run.path / "perplexity" / f"{scorer}__{of}" / f"{benchmark}.parquet"


def read_perplexity(run_dir: Path) -> pd.DataFrame:
    """Every committed perplexity row of a run (empty frame with the schema's columns if none)."""
    shards = sorted((Path(run_dir) / "perplexity").glob("*__*/*.parquet"))
    if not shards:
        return PPL_SCHEMA.empty_table().to_pandas()
    return pa.concat_tables([pq.read_table(p, schema=PPL_SCHEMA) for p in shards]).to_pandas()


def judgments_path(run: RunDir, model: str, benchmark: str) -> Path:
    return run.path / "judgments" / model / f"{benchmark}.parquet"


def read_judgments(run: RunDir, model: str | None = None, benchmark: str | None = None) -> pd.DataFrame:
    """Every judgment in the run (optionally one model/benchmark) with JUDGMENT_SCHEMA's columns."""
    root = run.path / "judgments"
    tables = []
    if root.is_dir():
        for path in sorted(root.glob("*/*.parquet")):
            if (model is None or path.parent.name == model) and (benchmark is None or path.stem == benchmark):
                tables.append(pq.read_table(path, schema=JUDGMENT_SCHEMA))
    df = (pa.concat_tables(tables) if tables else JUDGMENT_SCHEMA.empty_table()).to_pandas()
    df["index"] = df["index"].astype("int64")
    return df


def judgment_map(run: RunDir) -> dict[Key, str]:
    """(model, benchmark, problem_id, index) -> valid/invalid/unknown."""
    df = read_judgments(run)
    return {
        (m, b, str(p), int(i)): j
        for m, b, p, i, j in zip(df["model"], df["benchmark"], df["problem_id"], df["index"], df["judgment"])
    }


DRILLDOWN_FILE = "drilldown.json"  # the report's CoT drill-down, written by the report stage


def drilldown_path(run_dir: Path) -> Path:
    return Path(run_dir) / DRILLDOWN_FILE


def read_drilldown(run_dir: Path) -> list[dict] | None:
    """The drill-down records (one per problem, models and samples nested), None if never written."""
    import json

    from passbound.errors import DataError

    path = drilldown_path(run_dir)
    if not path.is_file():
        return None
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is corrupt ({exc}); regenerate it with `passbound report {run_dir}`") from None
    if not isinstance(records, list):
        raise DataError(f"{path} is not a list of problems; regenerate it with `passbound report {run_dir}`")
    return records


PROBE_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("benchmark", pa.string()),
        ("problem_id", pa.string()),
        ("fraction", pa.float64()),
        ("prefix_words", pa.int32()),
        ("rest_words", pa.int32()),
        ("completion", pa.large_string()),
        ("exact_match", pa.bool_()),
        ("rouge_l", pa.float64()),
        ("answer_status", pa.string()),
    ]
)


def probe_shard_path(run: RunDir, model: str, benchmark: str) -> Path:
    """RUN/probe/<model>/<benchmark>.parquet, written by `passbound probe`."""
    return run.path / "probe" / model / f"{benchmark}.parquet"


def read_probe(run_dir: Path) -> pd.DataFrame:
    """Every contamination-probe row of a run (empty frame with the schema's columns if none)."""
    shards = sorted((Path(run_dir) / "probe").glob("*/*.parquet"))
    if not shards:
        return PROBE_SCHEMA.empty_table().to_pandas()
    return pa.concat_tables([pq.read_table(p, schema=PROBE_SCHEMA) for p in shards]).to_pandas()
