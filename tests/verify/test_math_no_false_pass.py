"""Math verdicts that must not pass wrongly, and answer forms that must not fail wrongly.

One case per test row; each names what it guards. The false positives come from math-verify's own
issue tracker and from numbers compared at float precision.
"""

from __future__ import annotations

import pytest

from passbound.verify import MathVerifier

V = MathVerifier()


@pytest.mark.parametrize(
    ("gold", "completion"),
    [
        pytest.param("\\frac{1}{2004!}", "\\boxed{\\frac{1}{2006!}}", id="tiny-factorial-reciprocals"),
        pytest.param("10^{-8}", "\\boxed{2 \\cdot 10^{-8}}", id="tiny-powers-of-ten"),
        pytest.param("0.00000001", "\\boxed{0.00000002}", id="tiny-decimals"),
        pytest.param("0", "\\boxed{10^{-9}}", id="zero-vs-tiny"),
        pytest.param("2^{100}", "\\boxed{2^{100}+1}", id="huge-integers-differ-by-one"),
        pytest.param("\\frac{1}{3}", "\\boxed{0.33}", id="too-few-digits"),
        pytest.param("\\sqrt{2}", "\\boxed{1.41}", id="rounded-surd"),
        pytest.param("(\\frac{1}{2004!}, 1)", "\\boxed{(\\frac{1}{2006!}, 1)}", id="tiny-inside-tuple"),
        pytest.param("[0, 10^{-9}]", "\\boxed{[0, 2\\cdot 10^{-9}]}", id="tiny-interval-end"),
        pytest.param("\\sqrt{10^{20}+1}", "\\boxed{10^{10}}", id="close-surd"),
        pytest.param("3", "\\boxed{3}, \\boxed{5}", id="hedged-boxes"),
        pytest.param("255", "\\boxed{255} is wrong. The final answer is $10,455$.", id="revised-answer"),
        pytest.param("(45, 2)", "\\boxed{k = 2, n = 45}", id="named-unknowns-swapped"),
        pytest.param("k = 45, n = 2", "\\boxed{m = 45, n = 2}", id="named-unknowns-renamed"),
        pytest.param("10\\%", "\\boxed{11}", id="wrong-percent"),
        pytest.param("18000", "\\boxed{18,001}", id="integers-differ"),
    ],
)
def test_wrong_answer_fails(gold: str, completion: str) -> None:
    assert V.grade(gold, completion).status == "fail"


@pytest.mark.parametrize(
    ("gold", "completion"),
    [
        pytest.param("\\frac{1}{2004!}", "\\boxed{\\frac{1}{2004!}}", id="same-tiny"),
        pytest.param("\\frac{1}{2004!}", "\\boxed{\\frac{2005}{2005!}}", id="tiny-other-form"),
        pytest.param("\\frac{1}{3}", "\\boxed{0.333333}", id="six-digits-of-a-third"),
        pytest.param("2^{100}", "\\boxed{1267650600228229401496703205376}", id="huge-integer"),
        pytest.param("\\sqrt{8}", "\\boxed{2\\sqrt{2}}", id="surd"),
        pytest.param("(2, 2), (6, 2)", "\\boxed{(2, 2)} \\quad\\text{and}\\quad \\boxed{(6, 2)}", id="box-run-and"),
        pytest.param("\\{1,2,3\\}", "\\boxed{1},\\boxed{2},\\boxed{3}", id="box-run-commas"),
        pytest.param("34", "Final Answer: The largest $n$ is 34", id="prose-final-answer"),
        pytest.param("10455", "\\boxed{255} is wrong. The final answer is $10,455$.", id="later-phrase-wins"),
        pytest.param("1000", "\\boxed{1 000}", id="space-thousands"),
        pytest.param("1000000", "\\boxed{1\\,000\\,000}", id="thin-space-thousands"),
        pytest.param("-2 \\le x \\le 7", "\\boxed{x \\in [-2,7]}", id="membership-vs-inequality"),
        pytest.param("[-2, 7]", "\\boxed{-2 \\le x \\le 7}", id="inequality-vs-interval"),
        pytest.param("(45, 2)", "\\boxed{k = 45, n = 2}", id="named-unknowns"),
        pytest.param("k = 45, n = 2", "\\boxed{n = 2, k = 45}", id="named-unknowns-reordered"),
        pytest.param("42", "\\boxed{42}. The answer is boxed above.", id="phrase-without-math-keeps-box"),
        pytest.param("10\\%", "\\boxed{10}", id="percent-vs-number"),
        pytest.param("0.1", "\\boxed{10\\%}", id="fraction-vs-percent"),
        pytest.param("18000", "\\boxed{18,000}", id="comma-thousands-integers"),
    ],
)
def test_right_answer_passes(gold: str, completion: str) -> None:
    assert V.grade(gold, completion).status == "pass"


# Reported as false positives on math-verify's tracker (huggingface/Math-Verify issues #14, #60).
@pytest.mark.parametrize(
    ("gold", "answer"),
    [
        pytest.param("\\frac{1}{2^{99}}", "\\frac{1}{2^{98}}", id="mv14-tiny-powers"),
        pytest.param("n=2, 3, 4", "n=1, 2, 3", id="mv14-assignment-lists"),
        pytest.param("D = (0, 1)", "D = (0, 1.5)", id="mv14-assigned-point"),
        pytest.param("F_n = \\sum_{k=0}^{n-1} F_k F_{n-k-1}", "F_n = \\sum_{k=0}^{n-2} F_k F_{n-k-2}", id="mv14-sums"),
        pytest.param("19, 46, \\text{ and } 82", "21, 36, and 82", id="mv14-and-lists"),
        pytest.param(
            "\\frac{2^{2005}+1}{3 \\cdot 2^{2006}}", "\\frac{1}{3 \\cdot 2^{2006}}", id="mv14-tiny-difference"
        ),
        pytest.param("1 - \\frac{1}{\\mathrm{e}}", "1 + \\frac{1}{\\mathrm{e}}", id="mv14-sign-of-e-term"),
        pytest.param("\\pm 2021", "2021", id="mv14-plus-minus"),
        pytest.param("12:00", "1:00", id="mv14-clock-times"),
        pytest.param("1, 2, \\ldots, n", "1, 3, 5, \\ldots, 2n-1", id="mv14-sequences"),
        pytest.param("1:2:3:\\ldots", "1:4:9:\\ldots", id="mv14-ratios"),
        pytest.param("3x-y+13=0", "3x + 4y + 14=0", id="mv60-lines"),
    ],
)
def test_known_math_verify_false_positive_fails(gold: str, answer: str) -> None:
    assert V.grade(gold, f"\\boxed{{{answer}}}").status == "fail"


def test_extraction_policy_is_part_of_the_version() -> None:
    strict, lenient = MathVerifier(), MathVerifier(extraction="lenient")
    assert strict.version != lenient.version
    assert strict.grade("42", "so it is 42 I think").status == "no_answer"
    assert lenient.grade("42", "so it is 42 I think").status == "pass"
    assert lenient.grade("x+1", "we get $x+1$ at the end").status == "pass"


# math-verify drops everything from the first \text{ to a final "}" as a unit, so these read as 5.
@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("5 \\text{ or 7}", id="hedge-inside-text"),
        pytest.param("5 \\mbox{ (or possibly 7)}", id="hedge-inside-mbox"),
        pytest.param("5 \\mathrm{ or 7}", id="hedge-inside-mathrm"),
        pytest.param("5\\text{ apples or }7\\text{ pears}", id="value-between-units"),
        pytest.param("5 \\text{ cm} + 2\\text{ cm}", id="sum-of-lengths"),
        pytest.param("5 \\text{ if } n \\text{ is even, else } 7", id="conditional-in-text"),
        pytest.param("5\\mathrm{e}", id="euler-constant-cut-off"),
    ],
)
def test_text_after_the_value_cannot_hide_more_math(answer: str) -> None:
    assert V.grade("5", f"\\boxed{{{answer}}}").status == "fail"


@pytest.mark.parametrize(
    "answer",
    [
        "5 \\text{ cm}",
        "5\\,\\text{cm}^2",
        "5 \\text{ m}/\\text{s}",
        "5 \\text{ m}\\cdot\\text{s}^{-1}",
        "5 \\text{ dollars}",
    ],
)
def test_units_after_the_value_still_pass(answer: str) -> None:
    assert V.grade("5", f"\\boxed{{{answer}}}").status == "pass"


# math-verify reads an equation against a plain gold by its right-hand side.
@pytest.mark.parametrize(
    ("answer", "status"),
    [
        pytest.param("7 = 5", "fail", id="false-equation"),
        pytest.param("x = 7 = 5", "fail", id="contradictory-chain"),
        pytest.param("7 = 5.0", "fail", id="false-equation-float"),
        pytest.param("x = 2 + 3 = 5", "pass", id="true-chain"),
        pytest.param("x = 5", "pass", id="assignment"),
    ],
)
def test_an_equation_between_different_numbers_fails(answer: str, status: str) -> None:
    assert V.grade("5", f"\\boxed{{{answer}}}").status == status


# A float carries 15 significant digits in sympy, so math-verify's rounding to 6 decimals could
# not see a difference in the units place of a 21-digit number.
@pytest.mark.parametrize(
    ("gold", "answer", "status"),
    [
        pytest.param("100000000000000000001", "1.0 \\times 10^{20}", "fail", id="float-times-power-off-by-one"),
        pytest.param("10^{20}+1", "10.0^{20}", "fail", id="float-base-off-by-one"),
        pytest.param("(10^{20}+1, 2)", "(1.0 \\times 10^{20}, 2)", "fail", id="off-by-one-in-tuple"),
        pytest.param("123456789012", "1.23456789012 \\times 10^{11}", "pass", id="scientific-exactly-equal"),
        pytest.param("\\pi", "3.141593", "pass", id="pi-to-six-decimals"),
    ],
)
def test_floats_are_compared_as_written(gold: str, answer: str, status: str) -> None:
    assert V.grade(gold, f"\\boxed{{{answer}}}").status == status
