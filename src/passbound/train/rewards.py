"""Rewards for RL training from passbound's own verifiers, so a run is rewarded exactly as it is
later evaluated (same extraction, same equivalence, same sandbox).

TRL calls a reward function as ``f(prompts=, completions=, completion_ids=, **dataset_columns)``
and takes ``list[float | None]`` (None: no reward for that row); completions are strings for
plain prompts and message lists for chat prompts. :class:`VerifierReward` is such a function.
Every row is graded in passbound's persistent :class:`~passbound.verify.GradingPool` (worker
processes with hard timeouts, callable from any thread), so a completion that hangs or crashes
the verifier costs that row a 0 reward and a logged event, never the training step; a pool that
cannot grade at all (its workers cannot start) raises GradingPoolError naming the cause, as a 0
reward must mean a judged answer. Workers never import the caller's ``__main__``, so a script
without a main guard, standard input, a notebook or any thread may call.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, cast

from passbound.benchmarks.visible import visible_tests_only
from passbound.errors import ConfigError
from passbound.types import Problem, ProblemKind

log = logging.getLogger("passbound.train")
OPT_IN = (
    "VerifierReward(..., allow_visible_tests=True), [reward] allow_visible_tests = true in a training "
    "config, or `passbound verl export --allow-visible-tests`"
)


class VisibleTestsRefused(ConfigError):
    """A reward was asked for a problem graded only on tests its prompt shows, without the opt-in."""


def refuse_visible_tests(problems: Sequence[Problem], *, allowed: bool) -> None:
    """Raise VisibleTestsRefused when any of ``problems`` is graded only on tests its prompt shows
    and ``allowed`` is False: a lookup table of its examples earns the full reward, so a policy
    trained on it is paid for copying examples (``passbound.benchmarks.visible``)."""
    if allowed:
        return
    shown = [p for p in problems if visible_tests_only(p)]
    if shown:
        first = shown[0]
        raise VisibleTestsRefused(
            f"reward refused: {len(shown)} problem(s) (first: {first.benchmark} {first.id}) are graded only on tests "
            "their prompt shows, so copying the prompt's examples earns the full reward. Load the benchmark with its "
            f"hidden tests (LiveCodeBench: the hub's code_generation_lite files), or opt in with {OPT_IN}."
        )


def completion_text(completion: Any) -> str:
    """The text to grade: a string as is; a chat completion's assistant message contents joined."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        parts = [
            m.get("content") for m in completion if isinstance(m, Mapping) and m.get("role", "assistant") == "assistant"
        ]
        return "\n".join(str(p) for p in parts if p)
    raise TypeError(f"a completion must be a string or a list of chat messages, got {type(completion).__name__}")


class VerifierReward:
    """A TRL reward function (and a plain callable) backed by a passbound verifier.

    ``kind``: the verifier ("math", "code", ...); ``gold_column``: the dataset column with the
    reference answer (rows where it is None or missing get reward None). For benchmarks whose
    grading needs more than a gold string (code: tests), give ``benchmark_column`` and
    ``problem_id_column`` instead: the problem is then looked up in passbound's benchmark, as
    `passbound grade` does. ``verifier_options`` are ``[verify.<kind>]``'s options; ``stop``: the
    prompt template's stop strings (each completion is graded up to the first).
    ``allow_visible_tests``: reward problems graded only on tests their prompt shows (refused
    with VisibleTestsRefused otherwise).
    """

    def __init__(
        self,
        kind: str = "math",
        *,
        gold_column: str = "answer",
        benchmark_column: str | None = None,
        problem_id_column: str | None = None,
        data_dir: str | None = None,
        timeout: float = 10.0,
        workers: int = 0,
        verifier_options: Mapping[str, Any] | None = None,
        stop: Sequence[str] = (),
        allow_visible_tests: bool = False,
    ) -> None:
        from passbound.verify import configured_verifiers

        self.kind = kind
        self.gold_column = gold_column
        self.benchmark_column, self.problem_id_column = benchmark_column, problem_id_column
        self.data_dir = data_dir
        self.allow_visible_tests = allow_visible_tests
        self.timeout, self.workers = timeout, workers
        self.stop = tuple(s for s in stop if s)  # the template's stop strings: graded as vLLM would return it
        self._verifiers = configured_verifiers([kind], {kind: dict(verifier_options or {})})
        self.version = self._verifiers[kind].version
        self.__name__ = f"passbound_{kind}"  # TRL logs each reward under its function's name
        self._pool: Any = None
        self._lock = threading.Lock()
        self._benchmarks: dict[tuple[str, str | None], dict[str, Problem]] = {}
        self.events: Counter[str] = Counter()  # statuses other than pass/fail, e.g. timeout, error

    def _grading_pool(self) -> Any:
        with self._lock:
            if self._pool is None:
                from passbound.verify import GradingPool

                self._pool = GradingPool(timeout=self.timeout, workers=self.workers, verifiers=self._verifiers)
            return self._pool

    def _problem(self, i: int, columns: Mapping[str, Sequence[Any]]) -> Problem | None:
        if self.benchmark_column and self.problem_id_column:
            bench, pid = columns[self.benchmark_column][i], columns[self.problem_id_column][i]
            if bench is None or pid is None:
                return None
            return self._lookup(str(bench), str(pid))
        gold = columns.get(self.gold_column, [None] * (i + 1))[i]
        if gold is None:
            return None
        return Problem(
            id=f"row-{i}", benchmark="train", prompt="", target=str(gold), kind=cast(ProblemKind, self.kind)
        )  # any registered verifier kind, not only the three built in

    def _lookup(self, bench: str, pid: str, split: str | None = None) -> Problem:
        """The benchmark's own problem (code tests, multiple-choice options), from ``split`` (its
        default when None: a verl train row names its split)."""
        from passbound.benchmarks import load_benchmark
        from passbound.errors import DataError

        with self._lock:
            if (bench, split) not in self._benchmarks:
                loaded = load_benchmark(bench, data_dir=self.data_dir, split=split)
                self._benchmarks[(bench, split)] = {p.id: p for p in loaded.problems}
        try:
            problem = self._benchmarks[(bench, split)][pid]
        except KeyError:
            raise DataError(f"reward: benchmark {bench!r} has no problem {pid!r}") from None
        refuse_visible_tests([problem], allowed=self.allow_visible_tests)
        return problem

    def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Any = None,
        **columns: Any,
    ) -> list[float | None]:
        texts = [self._until_stop(completion_text(c)) for c in completions]
        problems = [self._problem(i, columns) for i in range(len(texts))]
        graded = [i for i, p in enumerate(problems) if p is not None]
        rewards: list[float | None] = [None] * len(texts)
        if graded:
            results = self._grading_pool().grade([problems[i] for i in graded], [texts[i] for i in graded])
            for i, r in zip(graded, results):
                rewards[i] = 1.0 if r.status == "pass" else 0.0
                if r.status not in ("pass", "fail", "no_answer"):
                    self.events[r.status] += 1
                    log.warning("reward 0 for row %d: verifier %s (%s)", i, r.status, r.detail or "no detail")
        return rewards

    def _until_stop(self, text: str) -> str:
        """The text before the first stop string: transformers' generation in TRL runs on past a
        raw template's stop (a few-shot prompt's next "Question:"), where vLLM would have ended."""
        cut = min((i for i in (text.find(s) for s in self.stop) if i >= 0), default=len(text))
        return text[:cut]

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def __enter__(self) -> VerifierReward:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
