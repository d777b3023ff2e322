"""Numbers too large to evaluate: power towers (``7^{7^{7^7}}``) and huge factorials.

sympy evaluates an integer power exactly, in C, where no ``signal.alarm`` can interrupt it, so
one ``\\boxed{2^{2^{2^{2^{2}}}}}`` costs the grading pool a hard kill and a worker restart. This
module estimates, without evaluating anything, how many decimal digits each power and factorial
written with plain numbers would have (logarithms: ``log10(a^b) = b * log10(a)`` and Stirling's
``log10(n!) <= n * log10(n)``), in one pass over the text. The caller refuses an answer with an
astronomical part before math-verify sees it, unless its text is the gold's.
"""

from __future__ import annotations

import math
import re

# Decimal digits above which a number is not evaluated: 10^7 digits (2^{10^7}) take sympy ~0.1 s,
# 9^{9^9} (3.7 * 10^8 digits) takes minutes. No benchmark gold comes near.
MAX_DIGITS = 10**7
# sympy's factorial is far slower per digit than a power: (10^6)! (5.6 * 10^6 digits) ran into the
# pool's 10 s kill, (3 * 10^5)! took ~2 s; its digits count this many times toward MAX_DIGITS.
_FACTORIAL_COST = 10
# Deeper brace nesting than any written answer has: refused rather than walked.
MAX_DEPTH = 200

_TOKEN_RE = re.compile(
    r"\d+(?:\.\d*)?|\.\d+|\\(?:left|right|displaystyle|[,;:! ])(?![A-Za-z])|\\(?:cdot|times|div)(?![A-Za-z])"
    r"|\\[A-Za-z]+|\\.|\s+|[{}()^!*/+\-]|."
)
_SKIP = {
    "\\left",
    "\\right",
    "\\displaystyle",
    "\\,",
    "\\;",
    "\\:",
    "\\!",
    "\\ ",
    # a fraction's or a root's groups multiply: the digits of a/b are at most those of a and b
    "\\frac",
    "\\dfrac",
    "\\tfrac",
    "\\sqrt",
    "\\binom",
}
_INF = math.inf


class _Level:
    """One group's items, reduced as they arrive: log10 of the running sum's magnitude."""

    __slots__ = ("terms", "factor", "power", "numeric", "is_exponent")

    def __init__(self) -> None:
        self.terms: list[float] = []  # finished terms (log10 magnitudes)
        self.factor: list[float] = []  # factors of the term being built
        self.power: list[float | None] = []  # a base and its exponents, right-associative
        self.numeric = True
        self.is_exponent = False

    def close_term(self) -> None:
        if self.factor:
            self.terms.append(sum(self.factor))
            self.factor = []

    def value(self) -> float | None:
        """log10 of an upper bound of the group's magnitude, or None if it is not plain numbers."""
        self.close_term()
        if not self.numeric or not self.terms:
            return None
        return max(self.terms) + math.log10(len(self.terms))


def _value(log: float) -> float:
    """The magnitude whose log10 is ``log`` (inf past float range)."""
    return _INF if log > 300 else 10.0**log


def _times(count: float, log: float) -> float:
    """``count * log`` with 0 * inf = 0 (a power of 1 is 1)."""
    return 0.0 if log == 0 or count == 0 else count * log


def _power_log(chain: list[float | None]) -> float | None:
    """log10 magnitude of ``a^(b^(c...))`` from those of its parts, right to left."""
    if any(x is None for x in chain):
        return None
    log = chain[-1]
    for base_log in reversed(chain[:-1]):
        assert base_log is not None and log is not None
        log = _times(_value(abs(log)), base_log)
    return log


def _close_power(level: _Level, worst: list[float]) -> None:
    if not level.power:
        return
    chain, level.power = level.power, []
    if len(chain) == 1:
        if chain[0] is None:
            level.numeric = False
        else:
            level.factor.append(chain[0])
        return
    log = _power_log(chain)
    if log is None:
        level.numeric = False
        return
    worst[0] = max(worst[0], abs(log))  # the digits of the power, or of its reciprocal
    level.factor.append(log)


def largest_digits(text: str) -> float:
    """Decimal digits of the largest power or factorial of plain numbers in ``text`` (an upper
    bound; ``-inf`` if none; ``inf`` for nesting deeper than :data:`MAX_DEPTH`). Linear."""
    worst = [-_INF]
    stack = [_Level()]
    pending_exponent = False
    for match in _TOKEN_RE.finditer(text):
        tok = match.group()
        level = stack[-1]
        if tok.isspace() or tok in _SKIP:
            continue
        if tok in ("{", "("):
            if len(stack) > MAX_DEPTH:
                return _INF
            stack.append(_Level())
            stack[-1].is_exponent = pending_exponent
            pending_exponent = False
            continue
        if tok in ("}", ")"):
            if len(stack) == 1:
                level.numeric = False
                continue
            _close_power(level, worst)
            inner = stack.pop()
            _push_atom(stack[-1], inner.value(), worst, inner.is_exponent)
            continue
        if tok == "^":
            if not stack[-1].power:
                stack[-1].power.append(None)  # a power of something unnamed
            pending_exponent = True
            continue
        if tok == "!":
            _close_power(level, worst)
            if level.factor:
                n = _value(level.factor.pop())
                log = _times(n, math.log10(n)) if n > 1 else 0.0  # Stirling: log10 n! <= n log10 n
                worst[0] = max(worst[0], log * _FACTORIAL_COST)
                level.factor.append(log)
            continue
        if tok[0].isdigit() or (tok[0] == "." and len(tok) > 1):
            # "2^10": LaTeX raises one digit, math-verify the whole run; the run is the larger.
            _push_atom(level, math.log10(float(tok)) if float(tok) > 0 else -_INF, worst, pending_exponent)
            pending_exponent = False
            continue
        if tok in ("+", "-"):
            if not pending_exponent:
                _close_power(level, worst)
                level.close_term()
            continue
        if tok in ("*", "/", "\\cdot", "\\times", "\\div"):
            _close_power(level, worst)
            continue
        # a letter, a command, anything else: the group is not a plain number
        _push_atom(level, None, worst, pending_exponent)
        pending_exponent = False
    while len(stack) > 1:
        _close_power(stack[-1], worst)
        stack.pop()
    _close_power(stack[0], worst)
    return worst[0]


def _push_atom(level: _Level, value: float | None, worst: list[float], exponent: bool = False) -> None:
    """Add a number (log10 magnitude) or None; after ``^`` it extends the power chain."""
    if exponent and level.power:
        level.power.append(value)
        return
    _close_power(level, worst)
    level.power = [value]


def too_large(text: str) -> bool:
    """Whether evaluating ``text`` would mean writing out a number of more than MAX_DIGITS digits."""
    if "^" not in text and "!" not in text and len(text) < MAX_DEPTH:
        return False  # no power, no factorial, no room for deep nesting
    return largest_digits(text) > MAX_DIGITS
