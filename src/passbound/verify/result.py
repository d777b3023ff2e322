"""The outcome of grading one completion, shared by every verifier kind (math, code, choice)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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


class Verifier(Protocol):
    """What GradingPool needs from a verifier. ``check`` runs in a worker's main thread; an
    optional ``quick_check(target, answer) -> GradeResult | None`` runs in the parent and an
    optional ``warm_up()`` when a worker starts. Instances must pickle (they travel to workers)."""

    name: str

    @property
    def version(self) -> str: ...

    def extract(self, completion: str) -> str | None: ...

    def check(self, target: str, answer: str) -> GradeResult: ...

    def grade(self, target: str, completion: str) -> GradeResult: ...
