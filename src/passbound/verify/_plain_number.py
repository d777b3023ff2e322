"""Plain numbers settled with exact rational arithmetic in the grading parent, without math-verify.

At n = 256 a third of the distinct (gold, answer) pairs sent to math-verify are plain numbers
(``0.5``, ``-\\frac{3}{4}``, ``27.0``) whose verdict needs no sympy: math-verify parses them to
integers, rationals or floats, and :func:`passbound.verify._exact.compare_numbers` then decides
every pair of such values exactly, except a decimal within ``10^-float_rounding`` (absolute) and
``10^-(float_rounding-1)`` (relative) of the other side without being equal to it. This module
reproduces that decision with :class:`fractions.Fraction` and answers None in that band, so a
verdict it gives is the verdict math-verify's path gives (``tests/verify/test_plain_number.py``
checks this on benchmark pairs and perturbed MATH500/Minerva/GSM8K/AMC/AIME golds).

The grammar is deliberately narrow: an optional sign, then digits with an optional decimal part,
or ``\\frac{a}{b}`` (``\\dfrac``, ``\\tfrac``) / ``a/b`` of (optionally signed) integers. No
thousands separators, exponents, percent signs, units, braces or spaces: those go the long way.
"""

from __future__ import annotations

import re
from fractions import Fraction

_NUM = r"\d{1,40}(?:\.\d{1,40})?"
# A decimal with more significant digits than a float holds may be rounded when parsed: leave it.
_MAX_DECIMAL_DIGITS = 15
_INT = r"[+-]?\d{1,40}"
_PLAIN_RE = re.compile(
    rf"(?P<sign>[+-]?)(?:(?P<num>{_NUM})"
    rf"|\\[dt]?frac\{{(?P<fn>{_INT})\}}\{{(?P<fd>{_INT})\}}"
    rf"|(?P<sn>\d{{1,40}})/(?P<sd>\d{{1,40}}))"
)


def plain_number(text: str) -> tuple[Fraction, bool] | None:
    """(value, written with a decimal point) for a plain number in the grammar above, else None."""
    m = _PLAIN_RE.fullmatch(text)
    if m is None:
        return None
    sign = -1 if m["sign"] == "-" else 1
    if m["num"] is not None:
        decimal = "." in m["num"]
        if decimal and len(m["num"].replace(".", "").lstrip("0")) > _MAX_DECIMAL_DIGITS:
            return None
        return sign * Fraction(m["num"]), decimal
    num, den = (m["fn"], m["fd"]) if m["fn"] is not None else (m["sn"], m["sd"])
    if int(den) == 0:
        return None
    return sign * Fraction(int(num), int(den)), False


def compare_plain(gold: tuple[Fraction, bool], pred: tuple[Fraction, bool], float_rounding: int) -> bool | None:
    """The verdict of :func:`compare_numbers` on the two parsed values, or None in the band where
    it defers to math-verify's rounding (see the module docstring)."""
    (g, g_float), (p, p_float) = gold, pred
    if g == p:
        return True
    if not (g_float or p_float):
        return False  # two rationals: exact
    # compare_numbers fails a gap of 10^-float_rounding or a relative one over 10^-(float_rounding-1),
    # computed in floats; twice those bounds keeps float rounding at the edge out of the verdict.
    gap = abs(g - p)
    if gap >= Fraction(2, 10**float_rounding) or gap >= max(abs(g), abs(p)) * Fraction(2, 10 ** (float_rounding - 1)):
        return False
    return None
