"""Every gold answer of MathVista testmini (1,000) and MathVision testmini (304) and test (3,040),
written as a model would, passes; a wrong option or a wrong number fails. Graded through the
pool with the kinds the loaders give (choice for multiple choice, math for free form)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from passbound.benchmarks import load_benchmark
from passbound.types import Problem
from passbound.verify import GradingPool, configured_verifiers

LETTERS = "ABCDEFGHIJ"
SETS = (("mathvista", "testmini", 1000), ("mathvision", "testmini", 304), ("mathvision", "test", 3040))
_LETTERISH = re.compile(r"\$?(?:\\text\{)?\(?[A-Za-z]\)?\}?\$?")


def wrong(problem: Problem) -> str:
    """Another option's letter; a number off by one unit of its stated precision; else gold + 1."""
    if problem.kind == "choice":
        return LETTERS[(LETTERS.index(problem.target) + 1) % len(problem.metadata["choices"])]
    gold = problem.target
    if re.fullmatch(r"-?\d+", gold):
        return str(int(gold) + 1)
    if re.fullmatch(r"-?\d*\.\d+", gold):
        places = problem.metadata.get("precision") or len(gold.split(".")[1])
        return f"{float(gold) + 10**-places:.{places}f}"
    return f"{gold}+1" if re.search(r"[\d\\]", gold) else f"not {gold}"


def by_text(problem: Problem) -> bool:
    """Options a model can name by text without ambiguity (not letters themselves, all distinct)."""
    options = problem.metadata.get("choices") or []
    return (
        problem.kind == "choice"
        and not problem.metadata.get("labels_only")
        and len(set(options)) == len(options)
        and not any(_LETTERISH.fullmatch(o.strip()) for o in options)
    )


@pytest.fixture(scope="module")
def pool():
    with GradingPool(verifiers=configured_verifiers({"math", "choice"}), workers=2) as p:
        yield p


@pytest.mark.parametrize(("name", "split", "count"), SETS)
def test_gold_passes_and_wrong_fails(shared_data: Path, pool: GradingPool, name: str, split: str, count: int) -> None:
    problems = list(load_benchmark(name, data_dir=shared_data, split=split).problems)
    assert len(problems) == count
    items, texts, expected = [], [], []
    for p in problems:
        items += [p, p, p]
        texts += [
            f"Reading the figure step by step, the answer is $\\boxed{{{p.target}}}$.",
            f"We check once more. The answer is {p.target}.",
            f"So the final answer is \\boxed{{{wrong(p)}}}.",
        ]
        expected += ["pass", "pass", "fail"]
        if by_text(p):
            option = p.metadata["choices"][LETTERS.index(p.target)]
            items.append(p)
            texts.append(f"Comparing the options, the answer is \\boxed{{{option}}}.")
            expected.append("pass")
    results = pool.grade(items, texts)
    misses = [
        (p.id, p.kind, p.target, t[-60:], r.status, r.detail)
        for p, t, e, r in zip(items, texts, expected, results)
        if r.status != e
    ]
    assert misses == []
    assert sum(by_text(p) for p in problems) > count // 4  # the option-text form is really exercised
