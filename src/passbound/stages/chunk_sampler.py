"""Execute chunk tasks with a loaded engine and commit each chunk's shard: the step every runner
(this process, a Ray actor) shares, so a task gives the same rows wherever it runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from passbound.config import StudyConfig
from passbound.engines.base import GenerationRequest, GenerationSettings, call_generate, stream_completions
from passbound.errors import RunDirError
from passbound.prompts import get_template
from passbound.stages.media import check_images_can_be_shown, resolve_media
from passbound.stages.sample_chunks import ChunkTask, active_problems
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table
from passbound.types import Completion, Problem, Sample


class ChunkSampler:
    """Samples the chunk tasks of one model and commits them to the run directory.

    Streaming (the default) feeds the engine request by request across chunks and commits a
    chunk as soon as its last problem is done; a kill loses only the chunks then in flight.
    """

    def __init__(self, study: StudyConfig, run: RunDir, model: str, engine: object) -> None:
        self.study, self.run, self.engine = study, run, engine
        self.model = study.model(model)
        self.template = get_template(self.model.template)
        self.settings = GenerationSettings.from_sampling(study.sampling.for_model(self.model), self.template.stop)
        self._problems: dict[str, dict[str, Problem]] = {}

    def problem(self, benchmark: str, problem_id: str) -> Problem:
        """The problem as a template renders it (image paths resolved in this run directory)."""
        if benchmark not in self._problems:
            problems = [resolve_media(self.run, p) for p in active_problems(self.run, self.study, benchmark)]
            check_images_can_be_shown(self.model, self.template, problems, self.engine)
            self._problems[benchmark] = {p.id: p for p in problems}
        return self._problems[benchmark][problem_id]

    def requests(self, task: ChunkTask) -> list[GenerationRequest]:
        return [
            GenerationRequest((task, i), self.template.render(self.problem(task.benchmark, pid)), task.count, seed)
            for i, (pid, seed) in enumerate(zip(task.problem_ids, task.seeds))
        ]

    def table(self, task: ChunkTask, results: list[list[Completion]]) -> pa.Table:
        if len(results) != len(task.problem_ids) or any(len(r) != task.count for r in results):
            raise RunDirError(
                f"engine {self.model.engine!r} returned {[len(r) for r in results]} completions for "
                f"{len(task.problem_ids)} prompts (expected {task.count} each); nothing was written for this chunk"
            )
        return samples_to_table(
            [
                Sample(
                    task.model,
                    task.benchmark,
                    pid,
                    task.offset + j,
                    c.text,
                    c.finish_reason,
                    c.n_tokens,
                    seed,
                    c.logprob,
                )
                for pid, seed, comps in zip(task.problem_ids, task.seeds, results)
                for j, c in enumerate(comps)
            ]
        )

    def _split(self, task: ChunkTask) -> tuple[pa.Table | None, int]:
        """(the chunk's committed rows that are not this task's, e.g. an import or round one;
        how many of this task's rows are committed already). None when there is no shard."""
        run = self.run
        if not run.has_shard("samples", task.model, task.benchmark, task.chunk):
            return None, 0
        table = run.read_shard("samples", task.model, task.benchmark, task.chunk)
        mine = pc.and_(
            pc.is_in(table["problem_id"], pa.array(task.problem_ids)),
            pc.and_(pc.greater_equal(table["index"], task.offset), pc.less(table["index"], task.offset + task.count)),
        )
        others = table.filter(pc.invert(mine))
        return others, table.num_rows - others.num_rows

    def is_committed(self, task: ChunkTask) -> bool:
        """Whether a previous attempt (a retried Ray task) already wrote all of this task's rows."""
        return self._split(task)[1] == task.samples

    def commit(self, task: ChunkTask, table: pa.Table) -> None:
        """Write the chunk's shard: rows of other tasks kept in front, this task's rows replaced,
        so committing the same task twice (a retry) never duplicates a sample."""
        others, _ = self._split(task)
        if others is not None:
            table = pa.concat_tables([others, table])
        self.run.write_shard("samples", task.model, task.benchmark, task.chunk, table)

    def sample(self, task: ChunkTask, on_progress: Callable[[int], None] | None = None) -> int:
        """One chunk in one ``generate`` call, then its commit; returns the rows written."""
        requests = self.requests(task)
        results = call_generate(
            self.engine,
            [r.prompt for r in requests],
            n=task.count,
            settings=self.settings,
            seeds=list(task.seeds),
            on_progress=on_progress,
        )
        self.commit(task, self.table(task, results))
        return task.samples

    def stream(
        self, tasks: Iterable[ChunkTask], in_flight: int, on_progress: Callable[[int], None] | None = None
    ) -> Iterator[ChunkTask]:
        """Sample ``tasks`` as one stream of requests; yield each task once its shard is committed."""
        tasks = list(tasks)
        pending: dict[ChunkTask, list[list[Completion] | None]] = {
            task: [None] * len(task.problem_ids) for task in tasks
        }
        left = {task: len(task.problem_ids) for task in tasks}
        requests = (r for task in tasks for r in self.requests(task))
        for key, completions in stream_completions(self.engine, requests, self.settings, in_flight):
            task, i = cast("tuple[ChunkTask, int]", key)  # the keys self.requests gave
            pending[task][i] = completions
            left[task] -= 1
            if on_progress:
                on_progress(1)
            if left[task] == 0:
                done = pending.pop(task)  # every slot filled: left[task] counted them
                self.commit(task, self.table(task, [r for r in done if r is not None]))
                yield task
