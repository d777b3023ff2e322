"""Sampling on Ray: engine replicas as Ray Data actors, one chunk task per row.

Each model's tasks become a dataset of rows; ``map_batches`` with an actor class that holds a
loaded engine samples them (``SamplingParams(n=...)`` kept, so the n samples of a prompt share
one prefill; ``ray.data.llm``'s vLLM stage keeps only the first output of a request), with
``replicas`` actors of ``gpus_per_replica`` GPUs each (tensor parallel inside one replica via
``engine_options``). The actor commits each chunk's shard itself, so a killed actor loses only
the chunk it was sampling; Ray Data restarts it and retries that batch, and a committed task is
recognised and skipped (``ChunkSampler.is_committed``). Only the driver writes the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from passbound.config import ModelSpec, StudyConfig
from passbound.registry import require
from passbound.stages.sample_chunks import ChunkTask, prompts_in_flight
from passbound.stages.shard_grader import ShardGrader, ShardTodo, load_problems, opened_reasoning, problem_kinds
from passbound.store import RunDir


class ChunkActor:
    """A Ray Data actor: one engine replica and the sampler that commits its chunks."""

    def __init__(self, study: dict[str, Any], run_path: str, model: str) -> None:
        from passbound.config import study_from_dict
        from passbound.registry import engines
        from passbound.stages.chunk_sampler import ChunkSampler

        self.study = study_from_dict(study, "<ray driver>")
        spec = self.study.model(model)
        self.engine = engines.create(spec.engine, model=spec.path, **spec.engine_options)
        # On object storage a replica fetches only what its tasks read.
        run = RunDir(run_path, pull=("manifest.json", "problems", "media", f"samples/{model}"))
        self.sampler = ChunkSampler(self.study, run, model, self.engine)
        number_format = getattr(self.engine, "number_format", None)
        self.facts = json.dumps(
            {
                "version": self.engine.version(),
                "number_format": number_format.as_dict() if number_format is not None else None,
            }
        )

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        tasks = [
            ChunkTask(**{**d, "problem_ids": tuple(d["problem_ids"]), "seeds": tuple(d["seeds"])})
            for d in map(json.loads, batch["task"])
        ]
        todo = [t for t in tasks if not self.sampler.is_committed(t)]
        if self.study.runner.stream:
            list(self.sampler.stream(todo, prompts_in_flight(self.study)))
        else:
            for task in todo:
                self.sampler.sample(task)
        return {"task": list(batch["task"]), "samples": [t.samples for t in tasks], "facts": [self.facts] * len(tasks)}


def connect(study: StudyConfig) -> Any:
    """The Ray module, initialised: the study's cluster, or a local instance started here."""
    ray = require("ray", "ray", "the ray runner")
    require("ray.data", "ray", "the ray runner")
    if not ray.is_initialized():
        ray.init(
            address=study.runner.address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
            ignore_reinit_error=True,
        )
    return ray


def gpus_per_replica(study: StudyConfig, ray: Any) -> float:
    if study.runner.gpus_per_replica is not None:
        return study.runner.gpus_per_replica
    return 1.0 if ray.cluster_resources().get("GPU", 0) > 0 else 0.0


def sample_model_on_ray(
    study: StudyConfig, run: RunDir, model: ModelSpec, tasks: list[ChunkTask], advance: Callable[[int], None]
) -> tuple[int, dict[str, Any]]:
    """Sample ``tasks`` of ``model`` on the cluster; return (rows written, engine facts)."""
    ray = connect(study)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # passbound's own bar counts problems
    context.print_on_execution_start = False
    rows = [{"task": json.dumps(asdict(t))} for t in tasks]
    per_batch = max(1, prompts_in_flight(study) // study.sampling.chunk_size)
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        ChunkActor,
        fn_constructor_kwargs={"study": study.model_dump(mode="json"), "run_path": run.location, "model": model.name},
        batch_size=per_batch,
        compute=ray.data.ActorPoolStrategy(size=study.runner.replicas),
        num_gpus=gpus_per_replica(study, ray),
        num_cpus=1,
        batch_format="numpy",
    )
    written, facts = 0, {}
    for row in dataset.iter_rows():
        task = json.loads(row["task"])
        advance(len(task["problem_ids"]))
        written += int(row["samples"])
        facts = json.loads(row["facts"])
    run.pull(("samples",))  # on object storage: the shards the replicas committed
    return written, facts


class GradeActor:
    """A Ray Data actor with its own grading pool: grades sample shards, commits verdict shards."""

    def __init__(self, study: dict[str, Any], run_path: str, versions: dict[str, str]) -> None:
        from passbound.config import study_from_dict
        from passbound.verify import GradingPool

        self.study = study_from_dict(study, "<ray driver>")
        run = RunDir(run_path, pull=("manifest.json", "problems", "samples", "verdicts"))
        problems = load_problems(run)
        configured = self.study.verify.verifiers(problem_kinds(problems))
        built = {kind: verifier.version for kind, verifier in configured.items()}
        if built != versions:  # a worker with other verifier versions installed would mislabel verdicts
            raise RuntimeError(
                f"this Ray worker's verifiers are {built}, the driver's {versions}; install the same "
                "passbound and verifier versions on every node"
            )
        self.pool = GradingPool(
            timeout=self.study.verify.timeout, workers=max(1, self.study.verify.workers), verifiers=configured
        ).__enter__()
        self.grader = ShardGrader(run, self.pool, versions, problems, opened_reasoning(self.study.models, configured))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        graded = [self.grader.grade(tuple(json.loads(t))) for t in batch["todo"]]
        return {"todo": list(batch["todo"]), "graded": graded}


def verify_on_ray(
    study: StudyConfig, run: RunDir, todo: list[ShardTodo], versions: dict[str, str], advance: Callable[[int], None]
) -> int:
    """Grade the ``todo`` shards on the cluster, one shard per row, ``replicas`` grading actors."""
    ray = connect(study)
    rows = [{"todo": json.dumps(list(t))} for t in todo]
    workers = max(1, study.verify.workers)
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        GradeActor,
        fn_constructor_kwargs={"study": study.model_dump(mode="json"), "run_path": run.location, "versions": versions},
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=study.runner.replicas),
        num_cpus=workers,
        batch_format="numpy",
    )
    graded = 0
    for row in dataset.iter_rows():
        graded += int(row["graded"])
        advance(int(row["graded"]))
    run.pull(("verdicts",))
    return graded
