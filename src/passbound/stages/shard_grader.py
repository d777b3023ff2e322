"""Grade one sample shard and commit its verdict shard: the step the local and Ray runners share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from passbound.errors import RunDirError
from passbound.prompts import TextTemplate, get_template
from passbound.store import RunDir
from passbound.store.rundir import verdicts_to_table
from passbound.types import Problem, Verdict

ShardTodo = tuple[str, str, int, str]  # (model, benchmark, chunk, "all" | "missing")


def load_problems(run: RunDir) -> dict[str, dict[str, Problem]]:
    """benchmark -> problem id -> problem, read once for planning and grading alike."""
    return {benchmark: {p.id: p for p in run.read_problems(benchmark)} for benchmark in run.benchmarks()}


def problem_kinds(problems: dict[str, dict[str, Problem]]) -> set[str]:
    return {p.kind for by_id in problems.values() for p in by_id.values()}


def opened_reasoning(models: Any, verifiers: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(model, kind) -> the opening tag that model's prompt template ends with (DeepSeek-R1's
    ``<｜Assistant｜><think>\n``): its completions start inside reasoning, so they are graded with
    the tag in front, and a trace cut off before its close names no answer."""
    opened: dict[tuple[str, str], str] = {}
    for model in models:
        template = get_template(model.template)
        if not isinstance(template, TextTemplate):
            continue  # the tokenizer's own template: a reasoning model needs `required = true`
        for kind, verifier in verifiers.items():
            policy = getattr(verifier, "reasoning", None)
            open_tag = getattr(policy, "open_tag", None)
            if isinstance(open_tag, str) and template.text.rstrip().endswith(open_tag):
                opened[model.name, kind] = open_tag
    return opened


class ShardGrader:
    """Grades sample shards with a grading pool; ``"missing"`` grades only rows added since the verdicts."""

    def __init__(
        self,
        run: RunDir,
        pool: object,
        versions: dict[str, str],
        problems: dict[str, dict[str, Problem]],
        opened: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.run, self.pool, self.versions, self._problems = run, pool, versions, problems
        self._opened = dict(opened or {})  # see opened_reasoning

    def grade(self, todo: ShardTodo, advance: Callable[[int], None] | None = None) -> int:
        model, benchmark, chunk, mode = todo
        run = self.run
        samples = run.read_shard("samples", model, benchmark, chunk).to_pylist()
        kept: list[dict] = []
        if mode == "missing":
            kept = run.read_shard("verdicts", model, benchmark, chunk).to_pylist()
            graded_keys = {(v["problem_id"], v["index"]) for v in kept}
            samples = [s for s in samples if (s["problem_id"], s["index"]) not in graded_keys]
        try:
            shard_problems = [self._problems[benchmark][s["problem_id"]] for s in samples]
        except KeyError as exc:
            raise RunDirError(
                f"samples of {model}/{benchmark} chunk {chunk} name problem {exc.args[0]!r}, which is not in "
                f"{run.problems_path(benchmark)}; the run directory was edited by hand"
            ) from None
        opened = [self._opened.get((model, p.kind), "") for p in shard_problems]
        texts = [prefix + s["text"] for prefix, s in zip(opened, samples, strict=True)]
        results = self.pool.grade(shard_problems, texts, on_progress=advance)  # type: ignore[attr-defined]
        verdicts = [
            Verdict(
                model, benchmark, s["problem_id"], s["index"], r.status, r.extracted, self.versions[p.kind], r.detail
            )
            for s, p, r in zip(samples, shard_problems, results)
        ]
        table = verdicts_to_table(verdicts)
        if kept:
            table = pa.concat_tables([pa.Table.from_pylist(kept, schema=table.schema), table])
        run.write_shard("verdicts", model, benchmark, chunk, table)
        return len(verdicts)
