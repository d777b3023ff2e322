"""Core records that flow between stages: small, frozen, picklable.

One row per completion (no transcripts): n=1024 x 1000 problems x several models must stay
cheap, so these map one-to-one onto columns of the run directory's Parquet shards.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypedDict

ProblemKind = Literal["math", "code", "choice"]
Status = Literal["pass", "fail", "timeout", "error", "no_answer"]
STATUSES: tuple[str, ...] = ("pass", "fail", "timeout", "error", "no_answer")


@dataclass(frozen=True)
class Problem:
    """One benchmark item.

    ``prompt`` is the question as the benchmark states it (templates turn it into model input);
    ``target`` is the gold answer as a string, already normalised by the benchmark loader
    (e.g. AMC23's "27.0" -> "27"; OlympiadBench's list -> "a, b").
    """

    id: str
    benchmark: str
    prompt: str
    target: str
    kind: ProblemKind = "math"
    messages: tuple[dict[str, str], ...] | None = None
    media: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Completion:
    """What an engine returns for one sample, before it is tied to a model and problem."""

    text: str
    finish_reason: str  # "stop" | "length" | engine-specific
    n_tokens: int
    logprob: float | None = None  # cumulative log-prob of the sampled tokens, if the engine gives it


@dataclass(frozen=True)
class Sample:
    """One completion of one model on one problem (row of samples/*.parquet)."""

    model: str
    benchmark: str
    problem_id: str
    index: int
    text: str
    finish_reason: str | None  # None: imported samples whose source did not record it
    n_tokens: int | None
    seed: int | None
    logprob: float | None = None


@dataclass(frozen=True)
class Verdict:
    """The verifier's judgement of one sample (row of verdicts/*.parquet)."""

    model: str
    benchmark: str
    problem_id: str
    index: int
    status: Status
    extracted: str | None
    verifier_version: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


class _Named(TypedDict):
    name: str


class ModelRecord(_Named, total=False):
    """A study model as the analyses, metrics and CoT tools read it: from the study
    (``stages.analyse.model_records``) or the run's manifest (``cot._run.run_models``). A plain
    dict at run time, so the manifest's JSON, the tests' literals and every analysis read it alike;
    only ``name`` is always there, and ``role`` reads as "other" when it is not."""

    role: str  # base, rl, checkpoint, other
    step: int | None  # training step of a checkpoint
    base: str | None  # the base model's name, resolved (None for a base or a model without one)
    algorithm: str | None
    training_curves: str | None  # curves.csv of the `passbound train` run
    max_tokens: int | None  # the model's sampling max_tokens
    path: str  # manifest records: where the model was loaded from, and how
    engine: str
    template: str
    engine_options: dict[str, Any]
    sampling: dict[str, Any]
