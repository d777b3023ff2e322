"""Output comparison for code tests, run in the trusted grader on decoded plain values.

``EvalplusComparer`` follows evalplus 0.3.1 ``evalplus/eval/__init__.py::unsafe_execute``
(exact ``==``; ``np.allclose(out, exp, rtol=1e-7, atol=atol)`` when the problem has an atol or
the expected value is a float / list of floats, after a same-type and same-length check; its
special oracles for HumanEval/32 and MBPP tasks). ``lcb_stdio_match`` / ``lcb_call_match``
follow lcb_runner ``evaluation/testing_util.py`` (``grade_stdio``: stripped lines, equal or equal
as ``Decimal`` tokens; ``grade_call_based``: a tuple result counts as a list, then ``==``).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from passbound.verify._harness.codec import CollisionBudget, refuse_collisions

# evalplus/eval/_special_oracle.py (v0.3.1)
MBPP_OUTPUT_NOT_NONE_TASKS = frozenset({"check_str", "text_match_three", "text_starta_endb"})
MBPP_OUTPUT_SET_EQ_TASKS = frozenset({
    "similar_elements", "find_char_long", "common_in_nested_lists", "extract_singly", "larg_nnum",
    "intersection_array", "find_dissimilar", "Diff",
})  # fmt: skip


def _poly(xs: list[Any], x: float) -> float:
    """HumanEval/32's polynomial (its prompt defines it the same way)."""
    return sum(coeff * math.pow(x, i) for i, coeff in enumerate(xs))


def _surface_area(base_edge: float, height: float) -> int:
    """Mbpp/581: the slant height taken from the perpendicular height (evalplus's oracle)."""
    slant = math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 4 * (base_edge * slant) / 2)


def _digit_distance(num1: int, num2: int) -> int:
    """Mbpp/558 with the shorter number zero-padded (evalplus's oracle)."""
    a, b = str(num1), str(num2)
    width = max(len(a), len(b))
    return sum(abs(int(x) - int(y)) for x, y in zip(a.zfill(width), b.zfill(width)))


def is_floats(x: Any) -> bool:
    """A float, or a non-empty list/tuple of floats (evalplus ``is_floats``)."""
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


class EvalplusComparer:
    """Compares one test set (base or plus) in order, carrying evalplus's state between tests.

    evalplus sets ``atol = 1e-6`` the first time an expected value is a float, and that value
    sticks for the rest of the set (a loop variable it reassigns); this does the same so that
    verdicts match evalplus exactly.
    """

    def __init__(self, dataset: str, entry_point: str, atol: float) -> None:
        self.dataset = dataset
        self.entry_point = entry_point
        self.atol = float(atol)
        self.collisions = CollisionBudget()  # set(out) below must not be quadratic either

    def match(self, inp: list[Any], out: Any, exp: Any) -> bool:
        try:
            return self._match(inp, out, exp)
        except Exception:  # noqa: BLE001 - evalplus counts any exception as a failed test
            return False

    def _match(self, inp: list[Any], out: Any, exp: Any) -> bool:
        exact = out == exp
        if not isinstance(exact, bool):  # a numpy array or another non-scalar comparison
            exact = bool(exact)
        ep = self.entry_point
        if self.dataset == "mbpp":
            if ep == "are_equivalent":  # Mbpp/164: evalplus accepts any output
                exact = True
            elif ep == "sum_div":  # Mbpp/295
                exact = exact or out == 0
            elif ep == "surface_Area":  # Mbpp/581
                exact = exact or abs(out - _surface_area(*inp)) <= self.atol
            elif ep == "digit_distance_nums":  # Mbpp/558
                exact = exact or out == _digit_distance(*inp)
            elif ep in MBPP_OUTPUT_SET_EQ_TASKS:
                refuse_collisions(list(out), self.collisions)
                exact = set(out) == set(exp)
            elif ep in MBPP_OUTPUT_NOT_NONE_TASKS:
                exact = out == exp if isinstance(out, bool) else exp == (out is not None)
        if self.dataset == "humaneval" and ep == "find_zero":  # HumanEval/32: any root will do
            (xs,) = inp  # find_zero(xs): one argument (another count raises, a failed test, as before)
            return bool(abs(_poly(xs, out)) <= self.atol)
        if self.atol == 0 and is_floats(exp):
            self.atol = 1e-6
        if not exact and self.atol != 0:
            import numpy as np

            if type(out) is not type(exp):
                return False
            if isinstance(exp, (list, tuple)) and len(out) != len(exp):
                return False
            return bool(np.allclose(out, exp, rtol=1e-07, atol=self.atol))
        return bool(exact)


def _stripped_lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().split("\n")]


def _decimals(line: str) -> list[Decimal] | None:
    """The line's tokens as numbers; None if one is not a number or is a NaN (a signalling NaN
    raises in any comparison, and a quiet one equals nothing: such lines compare as text only)."""
    try:
        values = [Decimal(token) for token in line.split()]
    except (InvalidOperation, ValueError):
        return None
    return None if any(v.is_nan() for v in values) else values


def lcb_stdio_match(output: str, expected: str) -> bool:
    """LiveCodeBench's stdin/stdout rule: same number of stripped lines, each equal as text or
    as a sequence of ``Decimal`` tokens (so "0.50" matches "0.5" but "1e18" does not need floats)."""
    got, want = _stripped_lines(output), _stripped_lines(expected)
    if len(got) != len(want):
        return False
    for a, b in zip(got, want):
        if a == b:
            continue
        da, db = _decimals(a), _decimals(b)
        if da is None or db is None or da != db:
            return False
    return True


def lcb_call_match(prediction: Any, expected: Any) -> bool:
    """LiveCodeBench's call-based rule: a tuple counts as a list, then plain ``==``."""
    if isinstance(prediction, tuple):
        prediction = list(prediction)
    try:
        return bool(prediction == expected)
    except Exception:  # noqa: BLE001
        return False
