"""Answer extraction: boxes (nested, last wins, brace-less), phrases, fallbacks, big inputs."""

from __future__ import annotations

import time

import pytest

from passbound.verify.extract import answer_phrase, extract_answer, last_boxed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"),
        (
            "\\boxed{\\left\\{ x : x^{2} \\in \\{1, {4}\\} \\right\\}}",
            "\\left\\{ x : x^{2} \\in \\{1, {4}\\} \\right\\}",
        ),
        ("\\boxed{\\{1,2\\}}", "\\{1,2\\}"),  # escaped braces do not close the box
        ("First \\boxed{3}. Then \\boxed{4}. Finally \\fbox{5}.", "5"),  # last box wins
        ("\\boxed{3} was wrong. So \\boxed 7$.", "7"),  # \boxed without braces
        ("\\boxed {12} with a space", "12"),
        ("\\boxed{7} and then a truncated \\boxed{\\frac{1", "7"),  # unterminated box skipped
        ("\\boxed{} then nothing", None),  # empty box is no answer
        ("\\boxedness is not a box", None),
        ("\\boxed{\\pi}", "\\pi"),
        ("\\boxed{a\\\\}", "a\\\\"),  # a line break before the closing brace
        ("\\boxed{x \\fbox{3}}", None),  # a box around a box and more
        ("\\boxed{\\fbox 3}", "3"),
    ],
)
def test_boxes(text: str, expected: str | None) -> None:
    assert extract_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We add them. The answer is 42.", "42"),
        ("So the answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}"),
        ("Final Answer: The final answer is $3\\sqrt{2}$. I hope it is correct.", "3\\sqrt{2}"),
        ("**Final Answer:** 0.5", "0.5"),
        ("The answer is:\n\n$$x = 2$$\n", "x = 2"),
        ("the answer is \\(\\pi\\).", "\\pi"),
        ("I wonder what the answer to this is. Probably 5", None),
    ],
)
def test_phrases(text: str, expected: str | None) -> None:
    assert extract_answer(text) == expected


def test_box_beats_phrase_and_no_answer_is_none() -> None:
    assert extract_answer("The answer is 3. Actually \\boxed{4}.") == "4"
    assert extract_answer("I computed 17 things but never answered.") is None
    assert extract_answer("") is None


def test_fallbacks_are_off_by_default_and_opt_in() -> None:
    text = "We get 1,234 apples and $x+1$ pears"
    assert extract_answer(text) is None
    assert extract_answer(text, fallbacks=("last_number",)) == "1"  # "1" of "x+1" is last
    assert extract_answer("so we get 1,234 apples", fallbacks=("last_number",)) == "1234"
    assert extract_answer(text, fallbacks=("last_math", "last_number")) == "x+1"


def test_ten_thousand_nested_braces() -> None:
    # Deeper than any answer (MAX_BRACE_DEPTH): no answer, found fast; a box after it still counts.
    text = "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}"
    started = time.perf_counter()
    assert last_boxed(text) is None
    assert last_boxed("\\boxed{" + "{" * 20 + "1" + "}" * 20 + "}") == "{" * 20 + "1" + "}" * 20
    assert last_boxed(text + ". So \\boxed{2}.") == "2"
    assert time.perf_counter() - started < 0.5


def test_megabyte_completions_are_fast() -> None:
    filler = "Let me think about this step by step. " * 27_000  # ~1 MB
    cases = {
        filler + "\\boxed{42}": "42",
        "\\boxed{42}" + filler: "42",
        filler + "So the answer is 42.": "42",
        filler: None,
        "\\boxed{" * 200_000: None,  # 1.4 MB of unterminated boxes: bounded attempts
        "{" * 1_000_000 + "\\boxed{7}": "7",
        "1 $x$ " * 170_000: "x",  # fallbacks scan the whole text too
        "the answer is " * 75_000: None,
    }
    for text, expected in cases.items():
        started = time.perf_counter()
        assert extract_answer(text, fallbacks=("last_math",)) == expected
        assert time.perf_counter() - started < 0.5, f"slow on {text[:30]!r}..."


def test_phrase_far_from_the_end_still_counts() -> None:
    # Small models often state an answer and then degenerate until the token limit.
    assert answer_phrase("The answer is 3. " + "More rambling. " * 10_000) == "3"


@pytest.mark.parametrize(
    "text",
    [
        "The final answer is $5$ or $7$.",
        "The answer is $5$, $6$, or $7$.",
        "The answer is $5$ (or $7$).",
        "The answer is \\(5\\) or \\(7\\).",
        "The answer is $5$ if $n$ is even and $7$ otherwise.",
        "The answer is $5$? Actually no, it is 7.",
        "\\boxed{5}. On second thought, the answer is $5$ or $7$.",  # the later hedge wins over the box
    ],
)
def test_a_phrase_that_hedges_names_no_answer(text: str) -> None:
    assert extract_answer(text) is None


def test_a_box_around_a_box_and_more_names_no_answer() -> None:
    # The inner box would be found last and read alone; math-verify too reads the inner box.
    assert extract_answer("\\boxed{\\boxed{5} \\text{ or } 7}") is None
    assert extract_answer("\\boxed{7 \\text{ or } \\boxed{5}}") is None
    assert extract_answer("\\boxed{\\boxed{5}}") == "5"  # a doubled box is still one answer
