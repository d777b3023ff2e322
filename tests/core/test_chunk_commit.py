"""Chunk tasks commit idempotently: a retried task (a Ray actor killed after its commit) replaces
its own rows and keeps everyone else's, so no sample is ever duplicated or lost."""

from __future__ import annotations

from pathlib import Path

from passbound.config import study_from_dict
from passbound.stages import prepare_run
from passbound.stages.chunk_sampler import ChunkSampler
from passbound.stages.sample_chunks import ChunkTask, chunks_to_sample
from passbound.types import Completion


def _study(tmp_path: Path):
    return study_from_dict(
        {
            "output": str(tmp_path / "run"),
            "models": [{"name": "m", "path": "unused", "engine": "hf", "template": "chat"}],
            "benchmarks": [{"name": "synthetic", "limit": 3, "options": {"n_problems": 3, "levels": [1]}}],
            "sampling": {"n": 2, "chunk_size": 2},
        }
    )


def _completions(task: ChunkTask, tag: str) -> list[list[Completion]]:
    return [
        [Completion(f"{tag} {pid} {task.offset + j}", "stop", 3) for j in range(task.count)] for pid in task.problem_ids
    ]


def test_a_committed_task_is_recognised_and_recommitting_it_duplicates_nothing(tmp_path: Path) -> None:
    study = _study(tmp_path)
    run = prepare_run(study)
    tasks = chunks_to_sample(run, study, study.model("m"))
    assert [(t.chunk, len(t.problem_ids), t.count, t.offset) for t in tasks] == [(0, 2, 2, 0), (1, 1, 2, 0)]
    assert len(set(tasks[0].seeds)) == 2  # one seed per problem
    sampler = ChunkSampler(study, run, "m", engine=None)  # commit needs no engine
    first = tasks[0]
    assert not sampler.is_committed(first)
    sampler.commit(first, sampler.table(first, _completions(first, "a")))
    assert sampler.is_committed(first) and not sampler.is_committed(tasks[1])
    sampler.commit(first, sampler.table(first, _completions(first, "a")))  # the retry
    shard = run.read_shard("samples", "m", "synthetic", 0).to_pandas()
    assert len(shard) == 4 and not shard.duplicated(["problem_id", "index"]).any()
    assert chunks_to_sample(run, study, study.model("m")) == [tasks[1]]  # what is committed is skipped

    # A task covering other indices of the same chunk (round two) keeps round one's rows in front.
    top_up = ChunkTask("m", "synthetic", 0, first.problem_ids[:1], (99,), 3, 2)
    sampler.commit(top_up, sampler.table(top_up, _completions(top_up, "b")))
    sampler.commit(top_up, sampler.table(top_up, _completions(top_up, "b")))
    shard = run.read_shard("samples", "m", "synthetic", 0).to_pandas()
    assert len(shard) == 4 + 3 and not shard.duplicated(["problem_id", "index"]).any()
    assert shard["text"].tolist()[:4] == [f"a {pid} {j}" for pid in first.problem_ids for j in range(2)]
