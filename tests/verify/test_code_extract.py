"""extract_code pulls the program out of chat answers, base-model continuations and reasoning traces."""

from __future__ import annotations

import time

import pytest

from passbound.verify.code_extract import extract_code, fenced_blocks, strip_reasoning

HE_PROMPT = (
    "from typing import List\n\n\n"
    "def below_zero(operations: List[int]) -> bool:\n"
    '    """ Detect if the balance ever falls below zero.\n'
    "    >>> below_zero([1, 2, -4, 5])\n    True\n"
    '    """\n'
)
HE_BODY = "    balance = 0\n    for op in operations:\n        balance += op\n        if balance < 0:\n            return True\n    return False\n"
MBPP_PROMPT = '"""\nWrite a function to find the shared elements from the given two lists.\nassert set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))\n"""\n'
MBPP_SOLUTION = "def similar_elements(a, b):\n    return tuple(set(a) & set(b))\n"
STDIN_SOLUTION = "import sys\n\nn = int(input())\na = list(map(int, input().split()))\nprint(sorted(range(n), key=lambda i: a[i])[-2] + 1)\n"


def run(program: str, name: str):
    """Exec a program written in this file (never model output) and return ``name`` from it."""
    scope: dict = {}
    exec(compile(program, "<extracted>", "exec"), scope)
    return scope[name]


# ------------------------------------------------------------------ chat answers


def test_single_python_block_with_prose_around_it():
    answer = (
        f"Sure! Here is an efficient solution:\n\n```python\n{MBPP_SOLUTION}```\n\nIt uses set intersection, O(n + m)."
    )
    code = extract_code(answer, entry_point="similar_elements")
    assert code == MBPP_SOLUTION
    assert run(code, "similar_elements")((3, 4, 5, 6), (5, 7, 4, 10)) == (4, 5)


@pytest.mark.parametrize("tag", ["python", "py", "Python", "python3", ""])
def test_fence_tags_that_mean_python(tag):
    assert extract_code(f"```{tag}\n{MBPP_SOLUTION}```") == MBPP_SOLUTION


def test_prefers_the_last_block_that_defines_the_entry_point_over_a_usage_example():
    answer = (
        "First, a helper:\n```python\ndef helper(x):\n    return x * 2\n```\n"
        "Now the function:\n```python\n" + MBPP_SOLUTION + "```\n"
        "Example usage:\n```python\nprint(similar_elements((1, 2), (2, 3)))\n```\n"
    )
    assert extract_code(answer, entry_point="similar_elements") == MBPP_SOLUTION


def test_without_entry_point_a_program_beats_a_later_usage_example():
    answer = f"```python\n{STDIN_SOLUTION}```\nRun it like this:\n```python\nprint(1)\n```"
    assert extract_code(answer) == STDIN_SOLUTION


def test_a_revised_solution_wins_over_the_first_attempt():
    first = "def similar_elements(a, b):\n    return a\n"
    answer = f"```python\n{first}```\nWait, that is wrong. Fixed version:\n```python\n{MBPP_SOLUTION}```"
    assert extract_code(answer, entry_point="similar_elements") == MBPP_SOLUTION


def test_output_and_other_language_blocks_are_skipped():
    answer = (
        f"```python\n{STDIN_SOLUTION}```\n\nSample run:\n```text\n3\n1 5 2\n```\n"
        "```bash\npython main.py < in.txt\n```\nOutput:\n```\n3\n```"
    )
    assert extract_code(answer) == STDIN_SOLUTION
    assert extract_code("Install it:\n```bash\npip install numpy\n```") is None


def test_unterminated_fence_from_a_truncated_answer():
    answer = f"Here's the code:\n```python\n{MBPP_SOLUTION}"
    assert extract_code(answer, entry_point="similar_elements") == MBPP_SOLUTION


def test_closing_fence_glued_to_the_last_line():
    answer = "```python\ndef f(x):\n    return x + 1```\nDone."
    assert extract_code(answer) == "def f(x):\n    return x + 1\n"


def test_fence_indented_inside_a_markdown_list():
    answer = "1. Define the function:\n   ```python\n   def f(x):\n       return x + 1\n   ```\n2. Call it."
    code = extract_code(answer, entry_point="f")
    assert code == "def f(x):\n    return x + 1\n" and run(code, "f")(1) == 2


def test_body_only_answer_is_joined_to_the_prompt():
    answer = f"```python\n{HE_BODY}```"
    code = extract_code(answer, prompt=HE_PROMPT, entry_point="below_zero", mode="chat")
    assert code.startswith("from typing import List") and run(code, "below_zero")([1, 2, -4, 5]) is True


def test_leetcode_class_found_by_method_name():
    answer = (
        "We use BFS after each query.\n\n```python\nfrom typing import List\n\nclass Solution:\n"
        "    def shortestDistanceAfterQueries(self, n: int, queries: List[List[int]]) -> List[int]:\n"
        "        return [1] * len(queries)\n```\n\n**Complexity:** O(q (n + q))."
    )
    code = extract_code(answer, entry_point="shortestDistanceAfterQueries")
    assert code.startswith("from typing import List\n\nclass Solution:") and code.endswith("len(queries)\n")


def test_unfenced_chat_answer_with_prose_before_and_after():
    answer = (
        "Here is the solution:\n\n" + STDIN_SOLUTION + "\nThis reads N and the list, then prints the index "
        "of the second largest element."
    )
    assert extract_code(answer) == STDIN_SOLUTION


def test_unfenced_answer_followed_by_a_heading():
    answer = MBPP_SOLUTION + "\nExplanation:\nThe & operator intersects the two sets.\n"
    assert extract_code(answer, entry_point="similar_elements") == MBPP_SOLUTION


def test_unfenced_code_keeps_its_comments_and_docstrings():
    code = (
        'def f(x):\n    """Add one.\nNot indented docstring line here is fine.\n"""\n    # comment\n    return x + 1\n'
    )
    assert extract_code("Answer:\n" + code) == code


def test_no_code_at_all():
    assert extract_code("I am not sure how to solve this problem.") is None
    assert extract_code("") is None and extract_code("   \n") is None
    assert extract_code("```python\n\n```") is None


# ------------------------------------------------------------------ reasoning models


def test_think_block_is_dropped_and_its_draft_code_ignored():
    answer = (
        "<think>\nMaybe:\n```python\ndef similar_elements(a, b):\n    return []\n```\nNo, use sets.\n</think>\n\n"
        f"```python\n{MBPP_SOLUTION}```"
    )
    assert extract_code(answer, entry_point="similar_elements") == MBPP_SOLUTION


def test_unclosed_think_means_no_answer():
    assert extract_code("<think>\nLet me write\n```python\ndef f():\n    return 1\n```\nhmm") is None


def test_template_opened_think_only_the_closing_tag_is_in_the_completion():
    answer = f"Okay, sets intersect.\n</think>\nFinal:\n```python\n{MBPP_SOLUTION}```"
    assert extract_code(answer) == MBPP_SOLUTION
    assert strip_reasoning("a</think>b</think>c") == "c"


# ------------------------------------------------------------------ base-model continuations


def test_humaneval_continuation_is_cut_at_the_test_driver():
    completion = HE_BODY + "\n\nif __name__ == '__main__':\n    import doctest\n    doctest.testmod()\n"
    code = extract_code(completion, prompt=HE_PROMPT, mode="completion")
    assert code == HE_PROMPT + HE_BODY and "__main__" not in code
    assert run(code, "below_zero")([1, -2]) is True


@pytest.mark.parametrize(
    "driver",
    [
        "print(below_zero([1, 2, 3]))\n",
        "assert below_zero([1, -2]) == True\n",
        "```\n\nThis function keeps a running balance.\n",
        "The function above works in linear time.\n",
        "below_zero([1, 2])\n",
    ],
)
def test_continuation_stops_at_any_top_level_statement_after_the_function(driver):
    code = extract_code(HE_BODY + "\n\n" + driver, prompt=HE_PROMPT, mode="completion")
    assert code == HE_PROMPT + HE_BODY


def test_continuation_keeps_helpers_imports_and_constants():
    completion = (
        "    return _walk(operations) < LIMIT\n\n\nimport math\nLIMIT = 0\n\n"
        "def _walk(ops):\n    low = math.inf\n    total = 0\n    for op in ops:\n        total += op\n"
        "        low = min(low, total)\n    return low\n\n\nprint(below_zero([1]))\n"
    )
    code = extract_code(completion, prompt=HE_PROMPT, mode="completion")
    assert "def _walk" in code and "LIMIT = 0" in code and "print(" not in code
    assert run(code, "below_zero")([1, 2, -4, 5]) is True and run(code, "below_zero")([1, 2]) is False


def test_mbpp_continuation_after_the_docstring_prompt():
    completion = "import math\n\n" + MBPP_SOLUTION + "\nassert similar_elements((1, 2), (2,)) == (2,)\n"
    code = extract_code(completion, prompt=MBPP_PROMPT, mode="completion")
    assert code == MBPP_PROMPT + "import math\n\n" + MBPP_SOLUTION
    assert run(code, "similar_elements")((1, 2), (2, 3)) == (2,)


def test_auto_mode_detects_a_continuation_and_a_chat_answer():
    assert extract_code(HE_BODY, prompt=HE_PROMPT) == HE_PROMPT + HE_BODY
    # an indented body that runs into a fence is still a continuation
    assert extract_code(HE_BODY + "```\n", prompt=HE_PROMPT) == HE_PROMPT + HE_BODY
    # a chat answer for a prose prompt (LiveCodeBench) is not glued to the question
    chat = f"```python\n{STDIN_SOLUTION}```"
    assert extract_code(chat, prompt="Given N integers, print ...") == STDIN_SOLUTION


def test_empty_continuation_is_no_code():
    assert extract_code("", prompt=HE_PROMPT, mode="completion") is None
    assert extract_code("\n\nprint(1)\n", prompt=HE_PROMPT, mode="completion") is None


def test_completion_mode_needs_the_prompt_and_modes_are_checked():
    with pytest.raises(ValueError, match="needs the prompt"):
        extract_code(HE_BODY, mode="completion")
    with pytest.raises(ValueError, match="mode must be"):
        extract_code(HE_BODY, mode="fim")  # type: ignore[arg-type]


# ------------------------------------------------------------------ robustness


def test_crlf_line_endings():
    assert extract_code("```python\r\ndef f():\r\n    return 1\r\n```\r\n") == "def f():\n    return 1\n"


def test_fenced_blocks_reports_tags_and_unclosed():
    blocks = fenced_blocks("```python\na = 1\n```\ntext\n```\nb = 2")
    assert [(b.tag, b.code, b.closed) for b in blocks] == [("python", "a = 1", True), ("", "b = 2", False)]


def test_pathological_inputs_stay_fast():
    huge_prose = ("word " * 20 + "\n") * 20_000  # ~2 MB of prose, no code
    many_fences = "```python\nx = 1\n```\n" * 20_000
    long_line = "a" * 1_000_000
    unclosed = "```python\n" + "    x = (\n" * 50_000
    start = time.perf_counter()
    assert extract_code(huge_prose) is None
    assert extract_code(many_fences) == "x = 1\n"
    extract_code(long_line)
    extract_code(unclosed)
    extract_code(HE_BODY * 5_000, prompt=HE_PROMPT, mode="completion")
    assert time.perf_counter() - start < 10.0
