"""Templates render the exact strings of the harnesses they copy, and names resolve."""

from __future__ import annotations

import sys
import types

import pytest

from passbound.errors import ConfigError
from passbound.prompts import FEW_SHOT_EXAMPLES, Template, TextTemplate, get_template
from passbound.registry import templates
from passbound.types import Problem

PROBLEM = Problem(id="1", benchmark="t", prompt="  What is $\\frac{1}{2} + \\frac{1}{2}$? {x}\n", target="1")
Q = "What is $\\frac{1}{2} + \\frac{1}{2}$? {x}"


def test_qwen_boxed_matches_the_qwen25_math_harness():
    t = get_template("qwen-boxed")
    assert t.render(PROBLEM) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        f"<|im_start|>user\n{Q}\nPlease reason step by step, and put your final answer within \\boxed{{}}.<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert "<|im_end|>" in t.stop


def test_qwen25_math_cot_puts_the_instruction_in_the_system_turn():
    assert get_template("qwen25-math-cot").render(PROBLEM) == (
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"
        f"<|im_start|>user\n{Q}<|im_end|>\n<|im_start|>assistant\n"
    )


def test_deepseek_r1_opens_the_think_block():
    text = get_template("deepseek-r1").render(PROBLEM)
    assert text == (
        f"<｜User｜>{Q}\nPlease reason step by step, and put your final answer within \\boxed{{}}."
        "<｜Assistant｜><think>\n"
    )
    assert not text.startswith("<｜begin▁of▁sentence｜>")  # the tokenizer adds BOS


def test_few_shot_has_four_worked_examples_then_the_question():
    t = get_template("few-shot")
    text = t.render(PROBLEM)
    assert text.count("Question: ") == 5 and text.count("The answer is \\boxed{") == 4
    assert text.endswith(f"Question: {Q}\nAnswer:")
    assert len(FEW_SHOT_EXAMPLES) == 4
    for question, answer in FEW_SHOT_EXAMPLES:
        assert f"Question: {question}\nAnswer: {answer}\n\n" in text
    # a base model that goes on to invent the next problem is cut at its "Question:"
    continuation = " 1 + 1 = 2. The answer is \\boxed{2}.\n\nQuestion: What is 3 + 3?"
    cut = min(continuation.find(s) for s in t.stop if s in continuation)
    assert continuation[:cut].rstrip().endswith("\\boxed{2}.")


def test_few_shot_examples_are_answered_correctly():
    # The worked examples teach the format; their boxed answers must be right.
    from passbound.benchmarks import last_boxed

    assert [last_boxed(a) for _, a in FEW_SHOT_EXAMPLES] == ["15", "6", "720", "\\frac{3}{4}"]
    assert 4 * 6 - 9 == 15 and (11 + 7) / 3 == 6 and (6 - 2) * 180 == 720 and 18 / 24 == 3 / 4


def test_chat_returns_one_user_message():
    t = get_template("chat")
    assert t.render(PROBLEM) == [
        {"role": "user", "content": f"{Q}\nPlease reason step by step, and put your final answer within \\boxed{{}}."}
    ]
    assert t.stop == ()
    own = Problem(id="2", benchmark="t", prompt="p", target="1", messages=({"role": "user", "content": "hi"},))
    assert t.render(own) == [{"role": "user", "content": "hi"}]


def test_every_builtin_is_registered_with_a_description_and_is_a_template():
    described = templates.describe()
    for name in ("qwen-boxed", "qwen25-math-cot", "deepseek-r1", "few-shot", "chat"):
        assert described[name]
        t = get_template(name)
        assert isinstance(t, Template) and t.name == name


def test_unknown_template_lists_the_names():
    with pytest.raises(ConfigError) as err:
        get_template("qwen-boxd")
    msg = str(err.value)
    for name in ("qwen-boxed", "qwen25-math-cot", "deepseek-r1", "few-shot", "chat"):
        assert name in msg


def test_module_object_path_accepts_an_instance_or_a_factory(monkeypatch):
    mod = types.ModuleType("my_templates")
    mod.plain = TextTemplate("plain", "Q: {question}\nA:", ("\nQ:",))
    mod.make_plain = lambda: mod.plain
    mod.not_a_template = 42
    monkeypatch.setitem(sys.modules, "my_templates", mod)
    assert get_template("my_templates:plain").render(PROBLEM) == f"Q: {Q}\nA:"
    assert get_template("my_templates:make_plain") is mod.plain
    with pytest.raises(ConfigError, match="not a prompt template"):
        get_template("my_templates:not_a_template")
