"""Verification: turn a completion into a verdict (pass / fail / timeout / error / no_answer).

``MathVerifier`` grades one completion on the calling process's main thread;
``GradingPool`` / ``grade_many`` grade batches in worker processes with a hard timeout per item.
Verifiers are registered by problem kind in ``passbound.registry.verifiers``.
"""

from __future__ import annotations

from typing import Any

from passbound.registry import verifiers
from passbound.verify.extract import extract_answer
from passbound.verify.math import MathVerifier, normalize_answer
from passbound.verify.pool import GradingPool, GradingPoolError, PoolStats, grade_many
from passbound.verify.result import GradeResult, Verifier

__all__ = [
    "GradeResult",
    "GradingPool",
    "GradingPoolError",
    "MathVerifier",
    "PoolStats",
    "Verifier",
    "configured_verifiers",
    "extract_answer",
    "get_verifier",
    "grade_many",
    "normalize_answer",
]


@verifiers.register("math", "math answers: boxed/phrase extraction + math-verify equivalence")
def _math_verifier(**options: Any) -> MathVerifier:
    return MathVerifier(**options)


@verifiers.register("code", "code: tests run in the sandbox (evalplus / LiveCodeBench semantics), judged outside")
def _code_verifier(**options: Any) -> Any:
    from passbound.verify.code import CodeVerifier

    return CodeVerifier(**options)


@verifiers.register("choice", "multiple choice: the answer's letter or option text against the gold letter")
def _choice_verifier(**options: Any) -> Any:
    from passbound.verify.choice import ChoiceVerifier

    return ChoiceVerifier(**options)


def get_verifier(kind: str, **options: Any) -> Any:
    """The verifier registered for a problem kind ("math", "code", "choice")."""
    return verifiers.create(kind, **options)


def configured_verifiers(kinds: Any, options: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One verifier per kind with its ``[verify.<kind>]`` options, for ``GradingPool(verifiers=...)``."""
    options = options or {}
    return {kind: get_verifier(kind, **options.get(kind, {})) for kind in kinds}
