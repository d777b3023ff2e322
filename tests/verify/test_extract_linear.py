"""Extraction is linear: one crafted row of each kind costs well under two seconds in the grading
parent (math-4 took 43 s on 64 KB of nested boxes and 53 s on 128 KB of connector words)."""

from __future__ import annotations

import time

import pytest

from passbound.verify.code_extract import extract_code
from passbound.verify.extract import extract_answer

MB = 1_000_000
BOUND_S = 2.0  # linear 1 MB rows take 0.05-0.4 s; math-4 took 43 s on 64 KB (a quadratic), so 2 s still tells them apart on a loaded box
PROMPT = "What is the sum of the numbers in the first row of the grid? " * 50

ROWS = {
    "nested-boxes": "\\boxed{" * (MB // 7) + "1" + "}" * (MB // 7),
    "nested-boxes-64k": "\\boxed{" * (65_536 // 7) + "1" + "}" * (65_536 // 7),
    "unterminated-boxes": "\\boxed{" * (MB // 7),
    "unterminated-boxes-with-text": "\\boxed{1 " * (MB // 9),
    "many-boxes": "\\boxed{1} " * (MB // 10),
    "boxes-and-hedges": "\\boxed{1} or " * (MB // 13),
    "connector-words": "\\boxed{1}" + " and" * (MB // 4) + "\\boxed{2}",
    "connector-text": "\\boxed{1}" + "\\text{ and }" * (MB // 12) + "x\\boxed{2}",
    "connector-text-spaces": "\\boxed{1}\\text{" + " " * MB + "x\\boxed{2}",
    "connector-runs": ("\\boxed{1}" + " and " * 30) * (MB // 160),
    "deep-braces": "\\boxed{" + "{" * MB + "1" + "}" * MB + "}",
    "brace-pairs-in-a-box": "\\boxed{" + "{}" * (MB // 2) + "}",
    "stray-braces": "{" * MB + "\\boxed{7}",
    "answer-phrases": "the answer is " * (MB // 14),
    "answer-colons": "Answer: " * (MB // 8),
    "answer-words": "answer " * (MB // 7),
    "heading-lines": "**Final Answer**\n" * (MB // 17),
    "gsm-markers": "#### " * (MB // 5),
    "gsm-lines": "#### 1 x\n" * (MB // 9),
    "answer-tags": "<answer>" * (MB // 8),
    "answer-tags-closed-late": "<answer>" * (MB // 8) + "</answer>",
    "escaped-dollars": "The answer is $" + "\\$" * MB,
    "hedge-words": "\\boxed{5} " + "or could might " * (MB // 15),
    "sentences": "\\boxed{5}. " * (MB // 11),
    "one-long-line": "x" * MB + "\\boxed{5}",
    "newlines": "\n" * MB + "\\boxed{5}",
    "backticks": "`" * MB + "\\boxed{5}",
    "inline-code-spans": "`a` " * (MB // 4) + "\\boxed{5}",
    "fences": "```\n" * (MB // 4) + "\\boxed{5}",
    "quoted-lines": "> \\boxed{5}\n" * (MB // 12),
    "restated-question": (PROMPT[:200] + "\\boxed{5} " + PROMPT[:200] + "\n") * (MB // 420),
    "think-tags": "<think>" * (MB // 7),
    "close-think-tags": "</think>" * (MB // 8) + "\\boxed{5}",
    "prose": "Let me think about this step by step. " * (MB // 38),
}


@pytest.mark.parametrize("text", ROWS.values(), ids=ROWS.keys())
def test_a_megabyte_row_of_each_kind_is_fast(text: str) -> None:
    # A second try only after a slow first: the bound is about the algorithm, not about a
    # neighbour's burst on a shared machine.
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        extract_answer(text, fallbacks=("last_math", "last_number"), prompt=PROMPT)
        best = min(best, time.perf_counter() - started)
        if best < BOUND_S:
            break
    assert best < BOUND_S, f"{best:.2f} s"


def test_huge_numbers_in_boxes_are_compared_as_text() -> None:
    big = "9" * 5_000  # int() of it raises on Python >= 3.11 (and is quadratic before)
    assert extract_answer(f"x = \\boxed{{{big}}} and y = \\boxed{{0{big}}}.") == "0" + big  # one value
    assert extract_answer(f"x = \\boxed{{{big}}} and y = \\boxed{{8{big}}}.") is None


def test_caps_still_find_the_answer() -> None:
    assert extract_answer("x" * MB + " So \\boxed{5}.") == "5"
    assert extract_answer("\\boxed{" + "{" * 100 + "1" + "}" * 100 + "}. So \\boxed{2}.") == "2"
    assert extract_answer("\\boxed{" * 1000 + "1" + "}" * 1000 + ". Hence \\boxed{3}.") == "3"
    assert extract_answer("So \\boxed{5}." + "\n" * MB) == "5"


CODE_ROWS = {
    "fence-line-of-spaces": "```" + " " * MB + "x" + " " * MB + "`",
    "fence-line-of-tabs": "```" + " \t" * (MB // 2) + "`",
    "many-fences": "```python\n" * (MB // 10),
    "many-blocks": "```python\ndef f():\n    return 1\n```\n" * (MB // 36),
    "unclosed-fence-long-body": "```python\n" + "x = 1\n" * (MB // 6),
    "prose-lines": "This works because of the loop here, see below.\n" * (MB // 49),
    "assignment-lines": ("a" + ", a" * 300 + " ==\n") * (MB // 905),
    "think-then-code": "<think>" + "x" * MB + "</think>```python\nprint(1)\n```",
}


@pytest.mark.parametrize("text", CODE_ROWS.values(), ids=CODE_ROWS.keys())
def test_a_megabyte_code_completion_of_each_kind_is_fast(text: str) -> None:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        extract_code(text, entry_point="f")
        best = min(best, time.perf_counter() - started)
        if best < BOUND_S:
            break
    assert best < BOUND_S, f"{best:.2f} s"
