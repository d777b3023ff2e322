"""code-completion continues the benchmark prompt; code-chat asks for one ```python block."""

from __future__ import annotations

import pytest

from passbound.benchmarks import load_benchmark
from passbound.errors import ConfigError
from passbound.prompts import get_template
from passbound.prompts.code import CODE_INSTRUCTION, STDIN_INSTRUCTION
from passbound.registry import templates
from passbound.types import Problem
from passbound.verify.code_extract import extract_code


@pytest.fixture(scope="module")
def problems(shared_data):
    return {
        name: load_benchmark(name, data_dir=shared_data).by_id()
        for name in ("humaneval_plus", "mbpp_plus", "livecodebench")
    }


def test_code_templates_are_registered():
    described = templates.describe()
    assert "code-completion" in described and "code-chat" in described
    assert "LiveCodeBench" in described["code-completion"] and "python" in described["code-chat"]


def test_completion_renders_the_prompt_as_evalplus_does(problems):
    t = get_template("code-completion")
    p = problems["humaneval_plus"]["HumanEval/0"]
    text = t.render(p)
    assert text == p.prompt.strip() + "\n" and text.rstrip().endswith('"""')
    m = problems["mbpp_plus"]["Mbpp/2"]
    assert t.render(m) == m.prompt.strip() + "\n"


def test_completion_stops_at_a_test_driver_but_not_at_a_helper(problems):
    t = get_template("code-completion")
    p = problems["humaneval_plus"]["HumanEval/0"]
    continuation = (
        "    return any(close(a, b, threshold) for i, a in enumerate(numbers) for b in numbers[i + 1:])\n\n\n"
        "def close(a, b, t):\n    return abs(a - b) < t\n\n\nprint(has_close_elements([1.0, 1.05], 0.1))\n"
    )
    cut = min(continuation.find(s) for s in t.stop if s in continuation)
    kept = continuation[:cut]
    assert "def close(" in kept and "print(" not in kept
    program = extract_code(kept, prompt=t.render(p), mode="completion")
    scope: dict = {}
    exec(program, scope)  # written here, not model output
    assert scope["has_close_elements"]([1.0, 1.05], 0.1) is True
    assert "\ndef" not in t.stop and "\n#" not in t.stop  # MBPP programs start with imports/helpers


def test_completion_refuses_livecodebench(problems):
    with pytest.raises(ConfigError, match="use template 'code-chat' for LiveCodeBench"):
        get_template("code-completion").render(problems["livecodebench"]["0"])


def test_chat_fences_the_function_task(problems):
    p = problems["humaneval_plus"]["HumanEval/0"]
    [message] = get_template("code-chat").render(p)
    assert message["role"] == "user"
    assert f"```python\n{p.prompt.strip()}\n```" in message["content"]
    assert message["content"].endswith(CODE_INSTRUCTION)
    assert "```python code block" in CODE_INSTRUCTION and "self-contained" in CODE_INSTRUCTION


def test_chat_for_stdin_and_starter_code_problems(problems):
    lcb = problems["livecodebench"]
    stdin = next(p for p in lcb.values() if not p.metadata["starter_code"])
    content = get_template("code-chat").render(stdin)[0]["content"]
    assert content.startswith(stdin.metadata["question_content"])
    assert STDIN_INSTRUCTION in content and "starter code" not in content
    func = next(p for p in lcb.values() if p.metadata["starter_code"])
    content = get_template("code-chat").render(func)[0]["content"]
    assert "stdin" not in content and "starter code" in content
    assert f"```python\n{func.metadata['starter_code'].rstrip()}\n```" in content
    assert content.count(func.metadata["starter_code"].rstrip()) == 1  # not repeated from the prompt
    assert content.endswith(CODE_INSTRUCTION)


def test_chat_for_a_plain_code_problem_and_own_messages():
    plain = Problem(id="1", benchmark="mine", prompt="Reverse a string.\n", target="", kind="code")
    assert get_template("code-chat").render(plain) == [
        {"role": "user", "content": f"Reverse a string.\n\n{CODE_INSTRUCTION}"}
    ]
    own = Problem(
        id="2",
        benchmark="mine",
        prompt="p",
        target="",
        kind="code",
        messages=({"role": "system", "content": "s"}, {"role": "user", "content": "u"}),
    )
    assert get_template("code-chat").render(own) == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
    ]
