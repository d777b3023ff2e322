"""The final statement, and only it, names the answer: reasoning, code, quotes and restated
questions do not count; a statement that hedges names none; explicit markers do (strict policy).

Each attack class here passed (or extracted a value) on math-4/choice-2; each marker failed there.
"""

from __future__ import annotations

import pytest

from passbound.types import Problem
from passbound.verify import extract
from passbound.verify.choice import ChoiceVerifier
from passbound.verify.extract import extract_answer
from passbound.verify.math import MathVerifier

V = MathVerifier()


def math_problem(target: str, prompt: str = "Compute it.") -> Problem:
    return Problem("q", "test", prompt, target)


# --- reasoning ---------------------------------------------------------------------------------


def test_strip_reasoning() -> None:
    strip_reasoning = extract.strip_reasoning
    assert strip_reasoning("plain \\boxed{5}") == "plain \\boxed{5}"
    assert strip_reasoning("<think>try 3</think> so 5") == " so 5"
    assert strip_reasoning("try 3</think> so 5") == " so 5"  # the template opened the block
    assert strip_reasoning("<think>a</think>b<think>c</think>d") == "d"
    assert strip_reasoning("<think>try \\boxed{3}") is None  # never closed
    assert strip_reasoning("<think>a</think>\\boxed{4}<think>\\boxed{3}") is None  # reopened
    assert strip_reasoning("[R]x[/R]y", "[R]", "[/R]") == "y"
    assert strip_reasoning("[R]x \\boxed{3}", "[R]", "[/R]") is None


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        ("<think>maybe \\boxed{5}? no, 7</think>The answer is \\boxed{7}.", "fail"),
        ("<think>It is \\boxed{5}, but let me keep checking", "no_answer"),
        ("<think>\\boxed{5}</think>\n<think>so \\boxed{5}", "no_answer"),
        ("<think>compute</think>The answer is \\boxed{5}.", "pass"),
    ],
)
def test_a_box_in_reasoning_is_no_answer(completion: str, status: str) -> None:
    assert V.grade("5", completion).status == status


def test_reasoning_tags_are_a_parameter() -> None:
    text = "<reasoning>\\boxed{5}.</reasoning>\n\nSo \\boxed{7}."
    assert extract_answer(text) == "7"  # the default <think> tags do not occur: last box
    assert extract_answer("<reasoning>\\boxed{5}", reasoning=("<reasoning>", "</reasoning>")) is None
    assert extract_answer(text, reasoning=("<reasoning>", "</reasoning>")) == "7"


# --- code and quotes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("The answer is 7.\n```python\nprint(r'\\boxed{5}')\n```\n", "7"),
        ("The answer is 7.\n~~~\n\\boxed{5}\n~~~\n", "7"),
        ("The answer is 7.\n```\n\\boxed{5}\n", "7"),  # an unclosed fence runs to the end
        ("The answer is 7. Print it with `\\boxed{5}`.", "7"),
        ("The answer is 7. Print it with ``\\boxed{5}``.", "7"),
        ("```\nAnswer: 5\n```\n", None),
        ("Write `x` then \\boxed{5}.", "5"),  # code elsewhere on the line does not hide the box
    ],
)
def test_code_states_no_answer(completion: str, expected: str | None) -> None:
    assert extract_answer(completion) == expected


def test_code_box_does_not_pass() -> None:
    assert V.grade("5", "The answer is 7.\n```python\nprint('\\\\boxed{5}')\n```").status == "fail"


def test_quoted_lines_state_no_answer() -> None:
    assert extract_answer("The answer is 7.\n> Hint: \\boxed{5}\n") == "7"
    assert extract_answer("> Answer: 5\nI do not know.") is None
    assert V.grade("5", "So \\boxed{7}.\n\n> the expected form is \\boxed{5}").status == "fail"


# --- the question restated ---------------------------------------------------------------------

WORDS_PROMPT = (
    "Each cell of the grid holds the number five, except the corner cell, which holds three. "
    "What is the sum of the numbers in the first row of the grid?"
)


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        # A box inside the restated question (its text on both sides) is not the answer.
        (
            "The answer is \\boxed{14}.\n\nTo recap: Each cell of the grid holds the number \\boxed{5}, except "
            "the corner cell, which holds three. What is the sum?",
            "fail",
        ),
        # The question restated, then the completion's own box after it: an answer.
        ("What is the sum of the numbers in the first row of the grid? \\boxed{5}", "pass"),
        ("Each cell of the grid holds the number five. \\boxed{5}", "pass"),
    ],
)
def test_a_box_inside_the_restated_question_is_no_answer(completion: str, status: str) -> None:
    assert V.grade(math_problem("5", WORDS_PROMPT), completion).status == status


def test_a_marker_inside_the_restated_question_is_no_answer() -> None:
    prompt = "A worked example shows the form:\nAnswer: 5 apples in the first row\nFill in the second row."
    restated = "The answer is 14.\n\nThe example was:\nAnswer: 5 apples in the first row\nDone."
    assert V.extract(restated, math_problem("5", prompt)) == "14"
    assert V.extract(restated) == "5 apples in the first row"  # without the question: the later marker


def test_a_value_the_question_also_boxes_still_counts() -> None:
    problem = math_problem("5", "The grid shows \\boxed{5} in its corner. What is in the corner?")
    assert V.grade(problem, "So \\boxed{5}.").status == "pass"


# --- hedges ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "completion",
    [
        "So \\boxed{10} (or 16 if the corners count).",
        "So \\boxed{16} (or 10 if the corners do not count).",
        "It is \\boxed{7} or possibly \\boxed{5}.",
        "It is \\boxed{5} or possibly \\boxed{7}.",
        "The answer is either \\boxed{3} or \\boxed{5}.",
        "The answer is \\boxed{5}, but it could also be 6.",
        "The answer is \\boxed{5}, but it might be $6$.",
        "The answer is \\boxed{5}\nor maybe \\boxed{6}",
        "x = \\boxed{3} and y = \\boxed{5}.",  # two different boxed values in the final sentence
        "$\\boxed{5}$ if $n$ is even, else $\\boxed{4}$",
        "Answer: 5 or 6",
        "Answer: 6, or possibly 5.",
        "#### 5 or 6",
        "<answer>5</answer> (or 6)",
        "The final answer is 5, although it could be \\frac{11}{2}.",
    ],
)
def test_a_hedged_statement_names_no_answer(completion: str) -> None:
    assert extract_answer(completion) is None
    assert V.grade("5", completion).status == "no_answer"
    lenient = MathVerifier(extraction="lenient")
    assert lenient.grade("5", completion).status == "no_answer"  # no guess from the hedge either


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("We get \\boxed{5}. Therefore \\boxed{5}.", "5"),
        ("So \\boxed{5} = \\boxed{5}.", "5"),  # one value repeated
        ("so the answer is \\boxed{5}. Final answer: 5", "5"),
        ("so the answer is \\boxed{5}.\n\nFinal answer: 5. I hope it is correct.", "5"),
        ("\\boxed{5}\n\nThis holds for every n or m we tried.", "5"),  # "or" without another value
        ("\\boxed{5}. We could double-check it by substitution, for example with n = 2.", "5"),
        ("First I thought \\boxed{3}. Then I found a mistake. The answer is \\boxed{5}.", "5"),
    ],
)
def test_a_committed_statement_keeps_its_answer(completion: str, expected: str) -> None:
    assert extract_answer(completion) == expected


# --- explicit markers (strict) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "gold"),
    [
        pytest.param("Adding them up gives 42.\nAnswer: 42", "42", id="answer-colon"),
        pytest.param("Adding them up.\n\n**Answer:** 18", "18", id="bold-answer-colon"),
        pytest.param("Adding them up.\n\n**Answer**: 18", "18", id="bold-answer-then-colon"),
        pytest.param("She has 16 - 3 - 4 = 9 eggs, 9 * 2 = 18.\n#### 18", "18", id="gsm8k-hashes"),
        pytest.param("Adding them up. The correct answer is 18.", "18", id="the-correct-answer-is"),
        pytest.param("Adding them up, so answer is 1.", "1", id="answer-is-without-the"),
        pytest.param("Adding them up.\n\n**Final Answer**\n18", "18", id="final-answer-heading"),
        pytest.param(
            "Adding them up.\n\n## Final Answer\n\n$$\n\\frac{1}{2}\n$$", "\\frac{1}{2}", id="heading-display"
        ),
        pytest.param("Adding them up.\n<answer>4</answer>", "4", id="answer-tag"),
        pytest.param("Adding them up: \\framebox{18}.", "18", id="framebox"),
        pytest.param("The answer is $\\$18$.", "18", id="escaped-dollar"),
        pytest.param("Answer: $18", "18", id="plain-dollar"),
        pytest.param("The answer is 18 dollars.", "18", id="number-and-unit-word"),
        pytest.param("#### $18", "18", id="gsm8k-dollar"),
    ],
)
def test_explicit_markers_pass_in_strict(completion: str, gold: str) -> None:
    result = V.grade(gold, completion)
    assert result.status == "pass", result


@pytest.mark.parametrize(
    "completion",
    [
        "#### Step 1: count the eggs\nThere are 18.",  # a Markdown heading, not GSM8K's marker
        "#### 1. Count the eggs\nThere are 18.",
        "Let me check my answer: plug in 18.",
        "We get 18 eggs in total.",  # prose: a guess, for the lenient policy only
        "What is the answer? 18 maybe.",
    ],
)
def test_prose_is_not_a_marker(completion: str) -> None:
    assert extract_answer(completion) is None
    assert MathVerifier(extraction="lenient").grade("18", completion).status == "pass"


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("The answer is 2k.", "2k"),
        ("The answer is 2 n.", "2 n"),
        ("The answer is 7.6 Z.", "7.6 Z"),
        ("The answer is 2 pi.", "2 pi"),
        ("Answer: 3 sqrt 2", "3 sqrt 2"),
        ("Answer: 18 dollars", "18"),
    ],
)
def test_only_a_unit_word_leaves_a_marker_value(completion: str, expected: str) -> None:
    assert extract_answer(completion) == expected


def test_the_later_of_box_and_marker_wins() -> None:
    assert extract_answer("\\boxed{5}\n#### 6") == "6"
    assert extract_answer("Answer: 6\n\nSo \\boxed{5}.") == "5"
    assert extract_answer("<answer>\\boxed{5}</answer>") == "5"


# --- multiple choice reads the same statements -------------------------------------------------

CHOICE = Problem(
    "q",
    "test",
    "Which option is the largest? (A) 1 (B) 2 (C) 3 (D) 4",
    "D",
    kind="choice",
    metadata={"choices": ["1", "2", "3", "4"]},
)


@pytest.mark.parametrize(
    ("completion", "status"),
    [
        ("Answer: D", "pass"),
        ("**Answer:** (D)", "pass"),
        ("<answer>D</answer>", "pass"),
        ("It is \\boxed{C} or possibly \\boxed{D}.", "no_answer"),
        ("The answer is either \\boxed{C} or \\boxed{D}.", "no_answer"),
        ("\\boxed{D} (or C if ties count)", "no_answer"),  # the hedge offers a letter, not a number
        ("<think>\\boxed{D}", "no_answer"),
        ("So \\boxed{B}.\n```\n\\boxed{D}\n```", "fail"),
    ],
)
def test_choice_reads_the_final_statement(completion: str, status: str) -> None:
    assert ChoiceVerifier().grade(CHOICE, completion).status == status


def _extract_reading_every_marker(text: str) -> str | None:
    """extract_answer as it was before markers were searched only after the last box."""
    from passbound.verify._extract_markers import marker_statement
    from passbound.verify._extract_scan import code_spans, scan_boxes

    skip = extract._quoter(text, None, code_spans(text))
    low = text.lower()
    box, marker = extract._box_statement(text, low, scan_boxes(text), skip), marker_statement(text, low, skip)
    if box is not None and marker is not None:
        if marker.start < box.start or (marker.answer is not None and not extract._MATHY_RE.search(marker.answer)):
            marker = None
    stated = marker or box
    return stated.answer if stated is not None else None


@pytest.mark.parametrize(
    "completion",
    [
        "The answer is 7. Then \\boxed{5}.",
        "\\boxed{5}. The final answer is 7.",
        "\\boxed{5}. The answer is $5$ or $7$.",
        "\\boxed{5}. The answer is boxed above.",
        "> The answer is 7.\n" * 20 + "\\boxed{5}",  # more quoted markers than MAX_CANDIDATES, before
        "\\boxed{5}\n" + "> The answer is 7.\n" * 20,  # ...and after the box
        "#### 7\n\\boxed{5}\nthe answer depends on n",
        "The answer is 3.\n\\boxed{5}\n<answer>6</answer>",
        "Answer: 4\n" + "we check the answer again. " * 50 + "\\boxed{\\frac{1}{2}}",
        "no box, the answer is 9.",
    ],
)
def test_markers_before_the_last_box_never_change_the_answer(completion: str) -> None:
    assert extract_answer(completion) == _extract_reading_every_marker(completion)
