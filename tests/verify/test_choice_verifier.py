"""Multiple choice and MathVista's declared answer formats: what passes, and what must not."""

from __future__ import annotations

import pytest

from passbound.types import Problem
from passbound.verify import GradingPool, configured_verifiers
from passbound.verify.choice import ChoiceVerifier
from passbound.verify.math import MathVerifier


def choice(target: str, choices: list[str], **meta: object) -> Problem:
    return Problem("q", "mathvista", "Which?", target, kind="choice", metadata={"choices": choices, **meta})


DEGREES = choice("C", ["135°", "140°", "145°", "150°"])
HALF = choice("B", ["$\\frac{1}{3}$", "$0.5$", "$2$", "$3$"])
LETTER_OPTIONS = choice("E", ["A", "B", "D", "F", "G"])
LABELS = choice("D", ["A", "B", "C", "D", "E"], labels_only=True)
YES_NO = choice("A", ["Yes", "No"])


@pytest.mark.parametrize(
    ("problem", "completion", "status"),
    [
        (DEGREES, "The answer is \\boxed{C}.", "pass"),
        (DEGREES, "The answer is (C).", "pass"),
        (DEGREES, "Final answer: \\boxed{\\text{(C)}}", "pass"),
        (DEGREES, "So \\boxed{Option C}.", "pass"),
        (DEGREES, "So \\boxed{145^\\circ}.", "pass"),
        (DEGREES, "So \\boxed{(C) 145°}.", "pass"),
        (DEGREES, "So \\boxed{B}.", "fail"),
        (DEGREES, "So \\boxed{(C) 150°}.", "fail"),  # names C, writes D's text
        (DEGREES, "So \\boxed{A or C}.", "fail"),
        (DEGREES, "So \\boxed{F}.", "fail"),  # no such option
        (DEGREES, "So \\boxed{146°}.", "fail"),
        (DEGREES, "Option C looks right, but I am not sure.", "no_answer"),  # no guessing from the text
        (HALF, "The answer is \\boxed{\\frac{1}{2}}.", "pass"),  # by math equivalence to option B
        (HALF, "The answer is \\boxed{\\frac{2}{3}}.", "fail"),
        (LETTER_OPTIONS, "The answer is \\boxed{G}.", "pass"),  # the option written G is (E)
        (LETTER_OPTIONS, "The answer is \\boxed{E}.", "pass"),
        (LETTER_OPTIONS, "The answer is \\boxed{D}.", "fail"),  # (D) is F, and the option D is (C): ambiguous
        (LABELS, "The answer is \\boxed{D}.", "pass"),
        (LABELS, "The answer is \\boxed{(D) because the figure shows it}.", "pass"),
        (YES_NO, "The answer is \\boxed{\\text{yes}}.", "pass"),
        (YES_NO, "The answer is \\boxed{No}.", "fail"),
    ],
)
def test_choice_verdicts(problem: Problem, completion: str, status: str) -> None:
    with GradingPool(verifiers=configured_verifiers({"choice"}), workers=1) as pool:
        assert pool.grade([problem], [completion])[0].status == status


def test_a_choice_problem_without_options_is_an_error_not_a_pass() -> None:
    bare = Problem("q", "b", "Which?", "A", kind="choice")
    assert ChoiceVerifier().quick_check(bare, "A").status == "error"


def test_prose_options_are_not_handed_to_math_verify() -> None:
    """math-verify would read prose as a product of one-letter symbols; only equal text passes."""
    p = choice("A", ["The population would decrease", "The population would increase"])
    assert ChoiceVerifier().check(p, "decrease").status == "fail"
    assert ChoiceVerifier().check(p, "the population would DECREASE").status == "pass"


def free(target: str, **meta: object) -> Problem:
    return Problem("q", "mathvista", "How much?", target, kind="math", metadata=meta)


@pytest.mark.parametrize(
    ("problem", "answer", "status"),
    [
        (free("1.2", precision=1, answer_type="float"), "1.23", "pass"),  # MathVista rounds to its precision
        (free("1.2", precision=1, answer_type="float"), "1.26", "fail"),
        (free("0.21", precision=2, answer_type="float"), "0.2", "fail"),
        (free("0.21", precision=2, answer_type="float"), "\\frac{21}{100}", "pass"),
        (free("11", unit="years", answer_type="integer"), "11 years", "pass"),
        (free("11", unit="years", answer_type="integer"), "11 \\text{ years}", "pass"),
        (free("11", unit="years", answer_type="integer"), "12 years", "fail"),
        (free("[2014, 2016]", answer_type="list"), "[2014, 2016]", "pass"),
        (free("[2014, 2016]", answer_type="list"), "2014, 2016", "pass"),
        (free("[2014, 2016]", answer_type="list"), "[2016, 2014]", "fail"),
        (free("[2014, 2016]", answer_type="list"), "[2014]", "fail"),
    ],
)
def test_declared_formats(problem: Problem, answer: str, status: str) -> None:
    assert MathVerifier().check(problem, answer).status == status


def test_declared_format_is_part_of_the_dedupe_key() -> None:
    """The same answer under a different precision is a different question."""
    v = MathVerifier()
    assert v.dedupe_key(free("1.2", precision=1), "1.23") != v.dedupe_key(free("1.2", precision=2), "1.23")


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("(D) or (E)", "fail"),
        ("D. or E", "fail"),
        ("D: not D, E", "fail"),
        ("(D) or A is right", "fail"),
        ("(D) because the figure shows it", "pass"),
        ("(D) A triangle's angles sum to 180", "pass"),
    ],
)
def test_label_options_the_reason_after_the_letter_names_no_other_label(answer: str, status: str) -> None:
    """Label-only options do not compare the text after the letter, so it must not hedge."""
    assert ChoiceVerifier().check(LABELS, answer).status == status


NUMBERS = choice("B", ["3", "10", "12", "28", "5"])
LABELS_E = choice("E", ["A", "B", "C", "D", "E"], labels_only=True)


# choice-3 (issue 23): each row got the other verdict on choice-2.
@pytest.mark.parametrize(
    ("problem", "answer", "status"),
    [
        pytest.param(LABELS, "\uff24", "pass", id="fullwidth-letter"),
        pytest.param(DEGREES, "c", "pass", id="lowercase-letter"),
        pytest.param(DEGREES, "(c) 145°", "pass", id="lowercase-letter-with-text"),
        pytest.param(NUMBERS, "b", "pass", id="lowercase-letter-numeric-options"),
        pytest.param(LABELS_E, "the 5th option", "pass", id="ordinal-digits"),
        pytest.param(LABELS_E, "fifth option", "pass", id="ordinal-word"),
        pytest.param(LABELS_E, "option five", "pass", id="option-cardinal"),
        pytest.param(LABELS, "the fourth choice", "pass", id="ordinal-choice"),
        pytest.param(LABELS, "D) or e", "fail", id="second-label-lowercase"),
        pytest.param(LABELS, "(D) or a", "fail", id="second-label-a-at-the-end"),
        pytest.param(NUMBERS, "2 \\quad 8", "fail", id="option-text-quad-sum"),
        pytest.param(NUMBERS, "2x = 10", "fail", id="option-text-left-side"),
        pytest.param(NUMBERS, "x = 7 \\\\ x = 10", "fail", id="option-text-two-lines"),
        pytest.param(NUMBERS, "7 = x = 10", "fail", id="option-text-variable-in-the-middle"),
        pytest.param(NUMBERS, "10 \\approx 12", "fail", id="option-text-approx"),
    ],
)
def test_labels_ordinals_and_option_texts(problem: Problem, answer: str, status: str) -> None:
    assert ChoiceVerifier().check(problem, answer).status == status


@pytest.mark.parametrize(
    ("problem", "answer", "status"),
    [
        pytest.param(NUMBERS, "option 5", "fail", id="option-number-that-is-an-option-text"),
        pytest.param(NUMBERS, "x = 10", "pass", id="option-text-assignment"),
        pytest.param(LABELS, "(D) a triangle's angles sum to 180", "pass", id="article-is-not-a-label"),
        pytest.param(DEGREES, "(C) or d", "fail", id="second-label-after-text-option"),
        pytest.param(LABELS, "(D) since e > 2", "pass", id="euler-e-in-a-reason-is-not-a-label"),
        pytest.param(LABELS, "\uff24) or \uff45", "fail", id="second-label-fullwidth"),
    ],
)
def test_choice_guards_that_held_before(problem: Problem, answer: str, status: str) -> None:
    """Same verdict on choice-2: "option 5" where an option reads 5 names that option (E), not B."""
    assert ChoiceVerifier().check(problem, answer).status == status
