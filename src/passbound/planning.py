"""What a study will cost before it runs: samples, generated tokens, GPU-hours and storage.

Sampling dominates a study's cost and is bound by decoding, so the estimate is tokens generated
divided by a decode throughput (output tokens per second of one engine replica) the user measured
or looked up. The mean completion length comes, in this order, from the user (``--mean-tokens``),
from the samples already in the study's run directory, or, as an upper bound, from max_tokens.
Storage uses the bytes per generated token of the run's own shards when it has some, else
``DEFAULT_BYTES_PER_TOKEN``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from passbound.config import StudyConfig
from passbound.errors import ConfigError
from passbound.store import RunDir

# Parquet shards (samples + verdicts) per generated token, measured on real completions; see the
# docs/guides/scale.md ("What a study costs") and perf/storage_per_token.py.
DEFAULT_BYTES_PER_TOKEN = 1.0


@dataclass(frozen=True)
class PlanRow:
    """The cost of one model on one benchmark."""

    model: str
    benchmark: str
    problems: int
    samples: int
    samples_done: int
    mean_tokens: float
    tokens_source: str  # "given", "measured (N samples)" or "max_tokens bound"
    tokens: float
    tokens_left: float
    gpu_hours: float | None  # of the samples still to draw; None without a throughput
    storage_bytes: float


@dataclass(frozen=True)
class Plan:
    rows: list[PlanRow]
    bytes_per_token: float
    bytes_source: str

    def total(self, field: str) -> float | None:
        values = [getattr(r, field) for r in self.rows]
        return None if any(v is None for v in values) else float(sum(values))

    @property
    def problems(self) -> int:
        """Distinct problems (each benchmark once, however many models sample it)."""
        return sum({r.benchmark: r.problems for r in self.rows}.values())

    def to_dict(self) -> dict[str, object]:
        totals = {
            f: self.total(f) for f in ("samples", "samples_done", "tokens", "tokens_left", "gpu_hours", "storage_bytes")
        }
        totals["problems"] = self.problems
        return {
            "rows": [asdict(r) for r in self.rows],
            "totals": totals,
            "bytes_per_token": self.bytes_per_token,
            "bytes_source": self.bytes_source,
        }


def samples_per_problem(study: StudyConfig) -> float:
    """n, or with adaptive sampling its budget: budget x n on average."""
    adaptive = study.sampling.adaptive
    return study.sampling.n * (adaptive.budget if adaptive is not None else 1.0)


def count_problems(study: StudyConfig, given: Mapping[str, int]) -> dict[str, int]:
    """Problems per benchmark (after ``limit``): given counts first, else the loaded benchmark."""
    from passbound.benchmarks import LoaderRequest, load_request

    counts: dict[str, int] = {}
    for spec in study.benchmarks:
        if spec.name in given:
            counts[spec.name] = min(given[spec.name], spec.limit or given[spec.name])
            continue
        try:
            loaded = load_request(LoaderRequest.from_spec(spec, data_dir=study.data_dir))
        except Exception as exc:  # noqa: BLE001 - hub offline, missing file, unknown loader: all need the same fix
            raise ConfigError(
                f"cannot count the problems of benchmark {spec.name!r} ({exc}); pass --data-dir "
                f"with a local copy, or give the count: --problems {spec.name}=N"
            ) from None
        counts[spec.name] = len(loaded.problems)
    unknown = sorted(set(given) - counts.keys())
    if unknown:
        raise ConfigError(f"--problems names {', '.join(unknown)}, not benchmarks of this study")
    return counts


def _existing_run(output: str) -> RunDir | None:
    """The study's run directory if it already exists (local, or on object storage)."""
    from passbound.store.remote import is_uri

    if is_uri(output):
        run = RunDir(output, pull=("manifest.json", "samples", "verdicts"))
        return run if run.exists() else None
    return RunDir(output) if Path(output).joinpath("manifest.json").is_file() else None


def _measured(run: RunDir | None, model: str, benchmark: str) -> tuple[int, int, int]:
    """(samples, generated tokens, shard bytes) already committed for this model and benchmark."""
    if run is None:
        return 0, 0, 0
    rows = tokens = size = 0
    for chunk in run.chunks("samples", model, benchmark):
        path = run.shard_path("samples", model, benchmark, chunk)
        table = pq.read_table(path, columns=["n_tokens"])
        rows += table.num_rows
        tokens += int(pc.sum(table["n_tokens"]).as_py() or 0)
        size += path.stat().st_size
        verdicts = run.shard_path("verdicts", model, benchmark, chunk)
        size += verdicts.stat().st_size if verdicts.is_file() else 0
    return rows, tokens, size


def plan_study(
    study: StudyConfig,
    *,
    problems: Mapping[str, int] | None = None,
    mean_tokens: Mapping[str, float] | None = None,
    throughput: Mapping[str, float] | None = None,
    gpus_per_replica: Mapping[str, int] | None = None,
    bytes_per_token: float | None = None,
) -> Plan:
    """The cost table of ``study``. Mappings are keyed by model name; key ``"*"`` is the default."""
    counts = count_problems(study, problems or {})
    run = _existing_run(study.output)
    measured = {(m.name, b.name): _measured(run, m.name, b.name) for m in study.models for b in study.benchmarks}
    all_tokens = sum(t for _, t, _ in measured.values())
    if bytes_per_token is not None:
        bpt, bytes_source = bytes_per_token, "given"
    elif all_tokens:
        bpt, bytes_source = sum(s for *_, s in measured.values()) / all_tokens, "measured in the run directory"
    else:
        bpt, bytes_source = DEFAULT_BYTES_PER_TOKEN, "default: zstd Parquet of real completions"
    per_problem = samples_per_problem(study)
    rows = []
    for model in study.models:
        max_tokens = study.sampling.for_model(model).max_tokens
        for bench in study.benchmarks:
            n_problems = counts[bench.name]
            samples = round(n_problems * per_problem)
            done, done_tokens, _ = measured[(model.name, bench.name)]
            given = _lookup(mean_tokens, model.name)
            if given is not None:
                mean, source = float(given), "given"
            elif done:
                mean, source = done_tokens / done, f"measured ({done} samples)"
            else:
                mean, source = float(max_tokens), "max_tokens bound"
            left = max(samples - done, 0) * mean
            rate = _lookup(throughput, model.name)
            gpus = _lookup(gpus_per_replica, model.name) or 1
            rows.append(
                PlanRow(
                    model=model.name,
                    benchmark=bench.name,
                    problems=n_problems,
                    samples=samples,
                    samples_done=done,
                    mean_tokens=mean,
                    tokens_source=source,
                    tokens=samples * mean,
                    tokens_left=left,
                    gpu_hours=None if rate is None else left / rate / 3600 * gpus,
                    storage_bytes=samples * mean * bpt,
                )
            )
    return Plan(rows=rows, bytes_per_token=bpt, bytes_source=bytes_source)


def _lookup(values: Mapping[str, float] | Mapping[str, int] | None, model: str) -> float | None:
    if not values:
        return None
    return values.get(model, values.get("*"))


def parse_keyed(
    items: tuple[str, ...], option: str, names: set[str], cast: type = float, noun: str = "model"
) -> dict[str, float]:
    """``("2500", "big=600")`` -> ``{"*": 2500, "big": 600}``, with errors that name the option."""
    out: dict[str, float] = {}
    for item in items:
        key, _, value = item.rpartition("=")
        key = key or "*"
        if key != "*" and key not in names:
            raise ConfigError(
                f"{option} {item}: {key!r} is not a {noun} of this study; {noun}s are {', '.join(sorted(names))}"
            )
        try:
            number = cast(value)
        except ValueError:
            raise ConfigError(
                f"{option} {item}: {value!r} is not a number; write {option} N or {option} MODEL=N"
            ) from None
        if number <= 0:
            raise ConfigError(f"{option} {item}: must be positive")
        out[key] = number
    return out
