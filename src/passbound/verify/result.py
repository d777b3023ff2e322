"""The outcome of grading one completion, shared by every verifier kind (math, code, choice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from passbound.types import Problem


@dataclass(frozen=True)
class GradeResult:
    """``status`` is one of passbound.types.STATUSES; ``extracted`` is the answer (or program)
    taken from the completion, None when there was none; ``detail`` says why, briefly."""

    status: str
    extracted: str | None
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@runtime_checkable
class Verifier(Protocol):
    """The one protocol every verifier (math, code, choice) implements; GradingPool needs no more.

    ``extract`` and ``quick_check`` run in the pool's parent (cheap, linear-time string work);
    ``check`` runs on a worker process's main thread, under the pool's hard timeout of
    ``max(pool timeout, item_timeout(problem))``; identical ``dedupe_key`` values are checked once.
    Instances must pickle (they travel to the workers); ``version`` names the semantics, recorded with every verdict.
    """

    name: str

    @property
    def version(self) -> str: ...

    def warm_up(self) -> None: ...

    def extract(self, completion: str, problem: Problem) -> str | None: ...

    def dedupe_key(self, problem: Problem, answer: str) -> tuple[Any, ...]: ...

    def quick_check(self, problem: Problem, answer: str) -> GradeResult | None: ...

    def item_timeout(self, problem: Problem) -> float | None: ...

    def check(self, problem: Problem, answer: str) -> GradeResult: ...
