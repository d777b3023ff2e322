"""The study file (TOML), validated on load with errors that name the field and the fix."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from passbound._toml import tomllib
from passbound.errors import ConfigError

Role = Literal["base", "rl", "distill", "checkpoint", "sft", "other"]
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSampling(_Strict):
    """Per-model overrides of the study's sampling parameters (e.g. a model's recommended temperature)."""

    temperature: float | None = Field(default=None, ge=0.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, gt=0)


class ModelSpec(_Strict):
    """One model under study."""

    name: str = Field(description="short unique name used in tables and file names")
    path: str = Field(description="local directory or hub id (or server model name for engine=openai)")
    role: Role = "other"
    step: int | None = Field(default=None, description="training step, for role='checkpoint'")
    base: str | None = Field(default=None, description="name of the base model this one is compared to")
    algorithm: str | None = Field(default=None, description="training algorithm, e.g. 'grpo/dapo' (tables group by it)")
    training_curves: str | None = Field(
        default=None,
        description="curves.csv of the `passbound train` run "
        "this checkpoint comes from (copied into the run's training_curves table)",
    )
    engine: str = "vllm"
    template: str = "qwen-boxed"
    engine_options: dict[str, Any] = Field(default_factory=dict)
    sampling: ModelSampling = ModelSampling()

    @field_validator("name")
    @classmethod
    def _name_is_safe(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("use letters, digits, '.', '_' or '-' only (it becomes a directory name)")
        return v

    @model_validator(mode="after")
    def _checkpoint_has_step(self) -> ModelSpec:
        if self.role == "checkpoint" and self.step is None:
            raise ValueError(f"model {self.name!r} has role='checkpoint' but no step; add step = <training step>")
        return self


class BenchmarkSpec(_Strict):
    """One benchmark: a registered name, optionally read from a local file or directory."""

    name: str
    path: str | None = Field(default=None, description="local JSONL/Parquet file or benchmark folder")
    limit: int | None = Field(default=None, gt=0, description="use only the first `limit` problems")
    split: str | None = Field(
        default=None, description="the benchmark's default when unset (test; testmini for visual math)"
    )
    options: dict[str, Any] = Field(default_factory=dict)


class AdaptiveSpec(_Strict):
    """``[sampling] adaptive = { first = 16, budget = 0.3 }``: round one draws ``first`` per problem;
    round two tops the most uncertain problems up to n until ``budget`` x problems x n samples."""

    first: int = Field(gt=0, description="samples per problem in round one (n0)")
    budget: float = Field(gt=0.0, le=1.0, description="total samples as a fraction of problems x n")


class SamplingSpec(_Strict):
    n: int = Field(default=16, gt=0, description="completions per problem")
    temperature: float = Field(default=0.6, ge=0.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    max_tokens: int = Field(default=1024, gt=0)
    seed: int = 0
    chunk_size: int = Field(default=16, gt=0, description="problems per committed shard")
    adaptive: AdaptiveSpec | None = Field(default=None, description="two-round sampling (see metrics/adaptive.py)")

    @model_validator(mode="after")
    def _adaptive_fits(self) -> SamplingSpec:
        a = self.adaptive
        if a is not None and a.first >= self.n:
            raise ValueError(f"sampling.adaptive.first = {a.first} must be below n = {self.n}")
        if a is not None and a.budget * self.n < a.first:
            raise ValueError(
                f"sampling.adaptive.budget = {a.budget} is below round one alone "
                f"(first / n = {a.first / self.n:.3f}); raise budget or lower first"
            )
        return self

    def first_round(self) -> int:
        """Samples per problem in round one (all n without adaptive sampling)."""
        return self.adaptive.first if self.adaptive is not None else self.n

    def for_model(self, model: ModelSpec) -> SamplingSpec:
        """These parameters with the model's own overrides applied."""
        overrides = {k: v for k, v in model.sampling.model_dump().items() if v is not None}
        return self.model_copy(update=overrides)


class VerifySpec(_Strict):
    """``[verify]``: the pool's settings; ``[verify.<kind>]``: options of that kind's verifier
    (e.g. ``[verify.math] extraction = "lenient"``), checked by building the verifier."""

    model_config = ConfigDict(extra="allow", frozen=True)

    timeout: float = Field(default=10.0, gt=0, description="hard per-item timeout in seconds")
    workers: int = Field(default=0, ge=0, description="grading processes; 0 = all cores")

    @model_validator(mode="after")
    def _check_verifier_options(self) -> VerifySpec:
        from passbound.registry import verifiers

        for kind, options in (self.model_extra or {}).items():
            if kind not in verifiers.names():
                raise ValueError(
                    f"[verify.{kind}]: no verifier named {kind!r}; choose from {sorted(verifiers.names())}"
                )
            if not isinstance(options, dict):
                raise ValueError(
                    f"[verify.{kind}] must be a table of options, e.g. [verify.math] extraction = \"strict\""
                )
            try:
                verifiers.create(kind, **options)
            except TypeError as exc:
                raise ValueError(f"[verify.{kind}]: {exc}; see the {kind} verifier's options") from None
            except ConfigError as exc:
                raise ValueError(f"[verify.{kind}]: {exc}") from None
        return self

    def options_for(self, kind: str) -> dict[str, Any]:
        """The ``[verify.<kind>]`` options (empty when the study gives none)."""
        return dict((self.model_extra or {}).get(kind, {}))

    def verifiers(self, kinds: Any) -> dict[str, Any]:
        """One configured verifier per kind, for GradingPool(verifiers=...)."""
        from passbound.verify import configured_verifiers

        return configured_verifiers(kinds, {kind: self.options_for(kind) for kind in kinds})


class PerplexitySpec(_Strict):
    """One perplexity job: ``scorer`` scores the samples of each model in ``of`` (see `passbound ppl`)."""

    scorer: str = Field(description="a model of this study whose log-probs score the completions")
    of: list[str] = Field(min_length=1, description="models whose samples are scored")
    engine: str = Field(default="hf", description="a perplexity scorer (`passbound list scorers`): hf, vllm, ...")
    limit: int | None = Field(default=None, gt=0, description="score at most this many samples per problem")

    @field_validator("engine")
    @classmethod
    def _registered_scorer(cls, engine: str) -> str:
        from passbound.registry import scorers

        if engine not in scorers:
            raise ValueError(f"unknown perplexity engine {engine!r}; use one of: {', '.join(scorers.names())}")
        return engine


class AnalysisSpec(_Strict):
    bootstrap: int = Field(default=1000, ge=0, description="bootstrap resamples over problems")
    ci: float = Field(default=0.95, gt=0.0, lt=1.0)
    seed: int = 0
    extrapolate: int = Field(default=8, ge=0, description="predict pass@k up to this many times n (0: off)")
    extrapolate_bootstrap: int = Field(default=200, ge=0, description="bootstrap refits for the pass@k-past-n interval")
    bayes_draws: int = Field(default=2000, ge=0, description="posterior draws for Bayes@N credible intervals (0: off)")
    perplexity: list[PerplexitySpec] = Field(default_factory=list, description="perplexity jobs run after verify")


class RunnerSpec(_Strict):
    """``[runner]``: where sampling runs. ``local`` (default): one engine per model in this process.
    ``ray``: ``replicas`` engine actors on a Ray cluster (``address``; none starts a local instance),
    each holding ``gpus_per_replica`` GPUs (tensor parallel inside a replica)."""

    kind: Literal["local", "ray"] = "local"
    stream: bool = Field(default=True, description="keep the engine full across chunk boundaries")
    in_flight: int | None = Field(
        default=None, gt=0, description="prompts queued in the engine at once; default 2 x chunk_size"
    )
    replicas: int = Field(default=1, gt=0, description="engine replicas (ray)")
    gpus_per_replica: float | None = Field(
        default=None, ge=0, description="GPUs per replica (ray); default 1 if the cluster has GPUs, else 0"
    )
    address: str | None = Field(default=None, description="Ray cluster address (ray); none starts a local Ray instance")

    @model_validator(mode="after")
    def _ray_fields_need_ray(self) -> RunnerSpec:
        if self.kind == "local":
            given = [f for f in ("address", "gpus_per_replica") if getattr(self, f) is not None]
            if self.replicas != 1:
                given.append("replicas")
            if given:
                raise ValueError(
                    f"{', '.join(given)} only apply to kind = \"ray\"; set runner.kind = \"ray\" or remove them"
                )
        return self


class StudyConfig(_Strict):
    """A whole study: who is sampled, on what, how, and where results go."""

    name: str = "study"
    output: str = "runs/study"
    data_dir: str | None = None
    k: list[int] | None = Field(default=None, description="k grid; default: powers of 2 up to n, and n")
    models: list[ModelSpec]
    benchmarks: list[BenchmarkSpec]
    sampling: SamplingSpec = SamplingSpec()
    verify: VerifySpec = VerifySpec()
    analysis: AnalysisSpec = AnalysisSpec()
    runner: RunnerSpec = RunnerSpec()

    @model_validator(mode="after")
    def _consistent(self) -> StudyConfig:
        if not self.models:
            raise ValueError("no models: add at least one [[models]] table")
        if not self.benchmarks:
            raise ValueError("no benchmarks: add at least one [[benchmarks]] table")
        for label, names in (
            ("model", [m.name for m in self.models]),
            ("benchmark", [b.name for b in self.benchmarks]),
        ):
            dup = sorted({x for x in names if names.count(x) > 1})
            if dup:
                raise ValueError(f"{label} names must be unique; {', '.join(dup)} appears more than once")
        model_names = {m.name for m in self.models}
        for m in self.models:
            if m.base is not None and m.base not in model_names:
                raise ValueError(f"model {m.name!r} names base={m.base!r}, which is not a model of this study")
        for job in self.analysis.perplexity:
            unknown = [x for x in (job.scorer, *job.of) if x not in model_names]
            if unknown:
                raise ValueError(f"analysis.perplexity names {', '.join(map(repr, unknown))}, not models of this study")
        if self.k is not None:
            bad = [k for k in self.k if k < 1 or k > self.sampling.n]
            if bad:
                raise ValueError(
                    f"k values {bad} are outside 1..n (n = {self.sampling.n}); remove them or raise sampling.n"
                )
        return self

    @property
    def k_grid(self) -> list[int]:
        """Powers of two up to n, plus n itself (unless given explicitly)."""
        if self.k is not None:
            return sorted(set(self.k))
        return default_k_grid(self.sampling.n)

    def base_of(self, model: ModelSpec) -> ModelSpec | None:
        """The base model a trained model is compared with: its ``base``, else the only base."""
        if model.role == "base":
            return None
        if model.base is not None:
            return next(m for m in self.models if m.name == model.base)
        bases = [m for m in self.models if m.role == "base"]
        return bases[0] if len(bases) == 1 else None

    def model(self, name: str) -> ModelSpec:
        for m in self.models:
            if m.name == name:
                return m
        raise ConfigError(f"no model named {name!r} in the study; models are: {', '.join(m.name for m in self.models)}")


def default_k_grid(n: int) -> list[int]:
    ks = [1 << i for i in range(n.bit_length()) if (1 << i) <= n]
    return sorted(set(ks + [n]))


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = [f"invalid study file {source}:"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field; check its spelling (see docs/guides/studies.md)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        lines.append(f"  - {loc}: {msg}")
    return "\n".join(lines)


def study_from_dict(data: dict[str, Any], source: str = "<dict>") -> StudyConfig:
    try:
        return StudyConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, source)) from None


def load_study(path: str | Path) -> StudyConfig:
    """Read and validate a study TOML file; relative paths in it are resolved against its folder."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"study file {path} does not exist; pass the path of a .toml study file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"study file {path} is not valid TOML: {exc}") from None
    study = study_from_dict(data, str(path))
    return resolve_paths(study, path.parent)


def resolve_paths(study: StudyConfig, root: Path) -> StudyConfig:
    """Make output/data_dir/benchmark/training-curves paths absolute relative to the study file's folder."""

    from passbound.store.remote import is_uri

    def fix(p: str | None) -> str | None:
        if p is None or is_uri(p):
            return p
        q = Path(p).expanduser()
        return str(q if q.is_absolute() else (root / q).resolve())

    benches = [b.model_copy(update={"path": fix(b.path)}) for b in study.benchmarks]
    models = [
        m.model_copy(update={"path": fix(m.path)}) if (root / m.path).exists() and not Path(m.path).is_absolute() else m
        for m in study.models
    ]
    models = [m.model_copy(update={"training_curves": fix(m.training_curves)}) for m in models]
    return study.model_copy(
        update={"output": fix(study.output), "data_dir": fix(study.data_dir), "benchmarks": benches, "models": models}
    )


def study_hash(study: StudyConfig) -> str:
    return hashlib.sha256(study.model_dump_json().encode()).hexdigest()[:16]
