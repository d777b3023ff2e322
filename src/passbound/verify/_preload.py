"""Imported once by the grading pool's fork server, before it forks any math worker.

Every worker then starts with math-verify, sympy and passbound's verifiers imported (~1 s per
worker otherwise) and with the LaTeX parser warmed: ANTLR builds its prediction tables (DFA)
lazily, per grammar decision, and the first few hundred parses of a fresh process pay for that
(~25% more time on MATH500-shaped answers). The answers below touch the common decisions:
integers, decimals, fractions, roots, pi, powers, tuples, intervals, sets, equations, degrees,
text. Warming only fills caches; no verdict depends on it.
"""

from __future__ import annotations

import passbound.verify  # noqa: F401  (registers the verifiers the workers unpickle)
from passbound.verify.math import MathVerifier

WARM_PAIRS = (
    ("18", "18.0"),
    ("-\\frac{3}{4}", "-0.75"),
    ("\\dfrac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}"),
    ("2\\pi", "6.28"),
    ("x^2 + 2x + 1", "(x+1)^2"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3, \\frac{\\pi}{4})"),
    ("[-2, 7)", "(-\\infty, 0] \\cup [1, \\infty)"),
    ("\\{1, 2, 3\\}", "1, 2"),
    ("y = 2x + 3", "x = 5"),
    ("30^\\circ", "\\frac{\\pi}{6}"),
    ("\\text{Evelyn}", "\\text{(C)}"),
    ("3\\sqrt{2} + i", "10\\%"),
    ("2^{10} \\cdot 5!", "\\log_2 8"),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\sin x + \\cos x"),
)


def warm() -> None:
    verifier = MathVerifier()
    for gold, answer in WARM_PAIRS:
        try:
            verifier.check(gold, answer)
        except Exception:  # noqa: BLE001 - warming must never stop a fork server from starting
            pass


warm()
