"""Exact arithmetic before math-verify's float comparison, so tiny or huge numbers never pass wrongly.

math-verify compares numbers it cannot settle symbolically as ``(a - b).evalf(chop=True) == 0``
or after rounding both to ``float_rounding`` decimals: both are *absolute* tolerances, so
``\\frac{1}{2004!}`` equals ``\\frac{1}{2006!}`` (both chop to 0) and ``10^{-8}`` equals
``2 \\cdot 10^{-8}``. A false pass is the worst error a reward can make, so before math-verify
sees a pair of numbers we decide what exact arithmetic can decide:

* both exact (integers, rationals, factorials, powers, surds: no float literal anywhere): equal
  rationals pass, unequal rationals fail; irrational exact numbers that differ at 50 significant
  digits fail; anything else goes on to math-verify;
* a float on either side: a relative difference above ``10^-(float_rounding-1)`` fails, and so does
  an absolute difference of ``10^-float_rounding`` or more with the floats read exactly as written
  (``1.0 \\times 10^{20}`` is not ``10^{20}+1``), while a decimal exactly equal to the gold as
  written passes; math-verify decides the rest (and fails e.g. ``3.14`` for ``\\pi``).

Tuples and intervals are compared element by element the same way. Everything here only ever
turns a math-verify *pass* into a fail, or settles exact values exactly (rationals, a decimal
that is the gold as written); it never loosens.
"""

from __future__ import annotations

from typing import Any

# Significant digits used to tell two exact irrational numbers apart.
_EXACT_DIGITS = 50


def _sympy() -> Any:
    import sympy

    return sympy


def _is_number(expr: Any) -> bool:
    sp = _sympy()
    return isinstance(expr, sp.Expr) and bool(expr.is_number) and not expr.has(sp.I)


def _is_percent(expr: Any) -> bool:
    """math-verify parses ``10\\%`` as the unevaluated product ``10*(1/100)``."""
    sp = _sympy()
    if not expr.is_Mul:
        return False
    return any(arg.is_number and sp.simplify(arg) == sp.Rational(1, 100) for arg in expr.args)


def _has_float(expr: Any) -> bool:
    return bool(expr.has(_sympy().Float))


def compare_numbers(gold: Any, pred: Any, float_rounding: int) -> bool | None:
    """True/False where exact arithmetic (or a relative tolerance) decides, None where it cannot."""
    sp = _sympy()
    if isinstance(gold, sp.Tuple) and isinstance(pred, sp.Tuple):
        return _compare_sequences(list(gold), list(pred), float_rounding)
    if isinstance(gold, sp.Interval) and isinstance(pred, sp.Interval):
        if (gold.left_open, gold.right_open) != (pred.left_open, pred.right_open):
            return False
        return _compare_sequences([gold.start, gold.end], [pred.start, pred.end], float_rounding)
    if not (_is_number(gold) and _is_number(pred)) or _is_percent(gold) or _is_percent(pred):
        return None  # percentages: math-verify's own rule (9% equals 9 and 0.09)
    if _has_float(gold) or _has_float(pred):
        if _relative_gap(gold, pred, 30) > 10.0 ** -(float_rounding - 1):
            return False
        gap = _absolute_gap(gold, pred)
        if gap == 0:
            return True  # the decimal as written is the gold exactly (1.23456789012 \\times 10^{11})
        return False if gap >= 10.0**-float_rounding else None
    gold_v, pred_v = gold.doit(), pred.doit()
    if gold_v.is_Rational and pred_v.is_Rational:
        return bool(gold_v == pred_v)
    return False if _relative_gap(gold_v, pred_v, _EXACT_DIGITS) > 10.0 ** -(_EXACT_DIGITS - 10) else None


def states_unequal_numbers(expr: Any, float_rounding: int) -> bool:
    """True for an equation (or chain) that sets two different numbers equal: ``7 = 5``,
    ``x = 7 = 5``. math-verify reads an equation against a plain gold by its right-hand side, so
    without this ``\\boxed{7 = 5}`` would pass for 5; ``x = 2 + 3 = 5`` stays a fine answer."""
    sp = _sympy()
    parts = expr.args if isinstance(expr, sp.And) else (expr,)
    for eq in parts:
        if isinstance(eq, sp.Eq) and _is_number(eq.lhs) and _is_number(eq.rhs):
            if compare_numbers(eq.lhs, eq.rhs, float_rounding) is False:
                return True
    return False


def _compare_sequences(gold: list[Any], pred: list[Any], float_rounding: int) -> bool | None:
    """Elementwise: any element that exactly differs fails the whole; all exactly equal passes."""
    if len(gold) != len(pred):
        return None
    verdicts = [compare_numbers(g, p, float_rounding) for g, p in zip(gold, pred)]
    if any(v is False for v in verdicts):
        return False
    return True if all(v is True for v in verdicts) else None


def _as_written(expr: Any) -> Any:
    """``expr`` with each float replaced by the exact decimal it was written as (``1.0`` -> 1)."""
    sp = _sympy()
    return expr.xreplace({f: sp.Rational(str(f)) for f in expr.atoms(sp.Float)})


def _absolute_gap(a: Any, b: Any) -> float:
    """|a - b| with floats read exactly as written, at 50 significant digits.

    math-verify rounds both sides to ``float_rounding`` decimals, but at a float's own 15-digit
    precision: ``1.0 \\times 10^{20}`` then equals ``10^{20} + 1``. Two numbers at least
    ``10^-float_rounding`` apart never round to the same decimals, so such a gap is a fail.
    Returns +inf where evaluation fails (the caller then vetoes a pass).
    """
    sp = _sympy()
    try:
        gap = sp.N(sp.Abs(_as_written(a) - _as_written(b)), _EXACT_DIGITS)
        return float(gap) if gap.is_real else float("inf")
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return float("inf")


def _relative_gap(a: Any, b: Any, digits: int) -> float:
    """|a - b| / max(|a|, |b|) evaluated at ``digits`` significant digits (0 when both are 0).

    Returns +inf where evaluation fails (overflow, non-real): the caller then vetoes a pass,
    which is the safe direction.
    """
    sp = _sympy()
    try:
        diff = sp.Abs(sp.N(a - b, digits))
        scale = sp.Max(sp.Abs(sp.N(a, digits)), sp.Abs(sp.N(b, digits)))
        if scale == 0:
            return 0.0 if diff == 0 else float("inf")
        gap = sp.N(diff / scale, 15)
        return float(gap) if gap.is_real else float("inf")
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        return float("inf")
