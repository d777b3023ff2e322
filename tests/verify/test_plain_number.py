"""The plain-number fast path (_plain_number) gives exactly the verdict of math-verify's path.

Each gold of the math benchmarks that is a plain number meets perturbed answers (itself, +1, x10,
as a decimal, with ``.0``, signs, leading zeros, thousands separators, values within float
rounding); every pair is graded with the fast path and with it switched off (then math-verify and
_exact decide), and the verdicts must be identical. A sample runs by default; all with --runslow.
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

import passbound.verify.math as math_module
from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import MathVerifier
from passbound.verify._plain_number import compare_plain, plain_number

BENCHMARKS = ("math500", "minerva_math", "gsm8k", "amc23", "aime24")


def _decimal(value: Fraction, places: int = 12) -> str | None:
    """``value`` as a terminating decimal, or None if it has none within ``places`` places."""
    scaled = value * 10**places
    if scaled.denominator != 1:
        return None
    sign, digits = ("-" if scaled < 0 else ""), str(abs(scaled.numerator)).rjust(places + 1, "0")
    whole, frac = digits[:-places], digits[-places:].rstrip("0")
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def perturbed(gold: str) -> list[str]:
    """Right and wrong spellings of a plain-number gold, as models write them."""
    value = plain_number(gold)
    assert value is not None
    v = value[0]
    out = [
        gold,
        f"{gold}.",
        f"${gold}$",
        f"-{gold}",
        f"+{gold}",
        f"0{gold}",
        "-0",
        "0",
        "0.0",
        f"\\dfrac{{{v.numerator}}}{{{v.denominator}}}",
        f"{v.numerator}/{v.denominator}",
        f"\\frac{{{-v.numerator}}}{{{v.denominator}}}",
        f"\\tfrac{{{v.numerator * 2}}}{{{v.denominator * 2}}}",
    ]
    for w in (
        v,
        v + 1,
        v * 10,
        v / 2,
        -v,
        v + Fraction(1, 10**7),
        v + Fraction(3, 10**6),
        v * (1 + Fraction(1, 10**5)),
    ):
        text = _decimal(w)
        if text is not None:
            out += [text, f"{text}.0" if "." not in text else f"{text}0", f"{w.numerator}/{w.denominator}"]
            if "." not in text and len(text.lstrip("-")) > 3:
                out.append(f"{int(text):,}")
    if v.denominator != 1:
        out += [f"{float(v):.3f}", f"{float(v):.6f}", f"{float(v):.9f}", f"{float(v):.15g}"]
    return list(dict.fromkeys(out))


def _golds(shared_data: Path) -> list[Problem]:
    return [
        p
        for name in BENCHMARKS
        for p in load_benchmark(name, data_dir=shared_data).problems
        if plain_number(p.target.strip().strip("$").strip()) is not None
    ]


def _mismatches(problems: list[Problem], monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, list[str]]:
    verifier, bad, decided, total = MathVerifier(timeout_s=8), [], 0, 0
    for problem in problems:
        for answer in perturbed(problem.target.strip().strip("$").strip()):
            fast = verifier.check(problem, answer)
            with monkeypatch.context() as m:
                m.setattr(math_module, "plain_number", lambda text: None)
                slow = verifier.check(problem, answer)
            total += 1
            decided += fast.detail == "exact numbers"
            if fast.status != slow.status:
                bad.append(f"{problem.id}: gold {problem.target!r} answer {answer!r}: {fast.status} vs {slow.status}")
    return decided, total, bad


def test_fast_path_agrees_with_math_verify_on_a_sample(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problems = random.Random(23).sample(_golds(shared_data), 40)
    decided, total, bad = _mismatches(problems, monkeypatch)
    assert not bad, "\n".join(bad)
    assert decided > total // 3  # the path is really taken


@pytest.mark.slow
def test_fast_path_agrees_with_math_verify_on_every_gold(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decided, total, bad = _mismatches(_golds(shared_data), monkeypatch)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("0.5", "\\frac{1}{2}", True),
        ("27", "27.0", True),
        ("-0", "0", True),
        ("1/3", "0.333", False),
        ("1/3", "0.3333333", None),
        ("2", "\\frac{4}{2}", True),
        ("3", "\\dfrac{7}{2}", False),
        ("100000", "100000.000001", None),
        ("0.01", "0.0101", False),
    ],
)
def test_compare_plain(gold: str, answer: str, expected: bool | None) -> None:
    g, p = plain_number(gold), plain_number(answer)
    assert g is not None and p is not None
    assert compare_plain(g, p, 6) is expected


@pytest.mark.parametrize(
    "text",
    [
        "1,000",
        "1e3",
        "10\\%",
        "{5}",
        "\\frac{1}{0}",
        "2 \\frac{1}{2}",
        "1.2345678901234567",
        "\\frac{1.5}{2}",
        ".5",
        "5 cm",
        "0x10",
    ],
)
def test_outside_the_grammar(text: str) -> None:
    assert plain_number(text) is None
