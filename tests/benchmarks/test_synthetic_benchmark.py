"""The synthetic benchmark is deterministic, its splits are disjoint and its solutions are right."""

from __future__ import annotations

import operator
import re

import pytest

from passbound.benchmarks import generate_synthetic, last_boxed, load_benchmark
from passbound.benchmarks.synthetic import split_of
from passbound.errors import ConfigError

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_EQ = re.compile(r"(-?\d+) ([-+*/]) (-?\d+) = (-?\d+)")


def test_default_options_and_determinism():
    a = load_benchmark("synthetic")
    b = load_benchmark("synthetic", options={"seed": 0, "n_problems": 50, "levels": [1, 2, 3]})
    assert len(a) == 50 and a.kind == "math"
    assert a.problems == b.problems and a.sha256 == b.sha256
    assert [p.metadata for p in a.problems] == [p.metadata for p in b.problems]
    assert a.source == "synthetic:seed=0,n_problems=50,levels=1-2-3,split=test"


def test_seed_changes_the_problems():
    a = load_benchmark("synthetic", options={"seed": 0})
    b = load_benchmark("synthetic", options={"seed": 1})
    assert a.sha256 != b.sha256
    assert len({p.prompt for p in a.problems} & {p.prompt for p in b.problems}) < 10


def test_ids_unique_and_levels_round_robin():
    bench = load_benchmark("synthetic", options={"n_problems": 60, "levels": [1, 2, 3]})
    assert len({p.id for p in bench.problems}) == 60
    assert [p.metadata["level"] for p in bench.problems[:6]] == [1, 2, 3, 1, 2, 3]
    assert {lv: sum(p.metadata["level"] == lv for p in bench.problems) for lv in (1, 2, 3)} == {1: 20, 2: 20, 3: 20}
    only_one = load_benchmark("synthetic", options={"levels": [1], "n_problems": 10})
    assert {p.metadata["level"] for p in only_one.problems} == {1}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_train_and_test_are_disjoint(seed):
    test = generate_synthetic(seed=seed, n_problems=300, split="test")
    train = generate_synthetic(seed=seed, n_problems=300, split="train")
    other_seed_train = generate_synthetic(seed=seed + 10, n_problems=300, split="train")
    test_prompts = {p.prompt for p in test}
    assert len(test_prompts) == 300  # no repeats within a split
    assert not test_prompts & {p.prompt for p in train}
    assert not test_prompts & {p.prompt for p in other_seed_train}
    assert all(split_of(p.prompt) == "test" for p in test)
    assert {p.id.split("-")[0] for p in train} == {"train"}


def test_split_argument_and_option_agree():
    by_arg = load_benchmark("synthetic", split="train", options={"n_problems": 5})
    by_opt = load_benchmark("synthetic", options={"split": "train", "n_problems": 5})
    assert by_arg.problems == by_opt.problems
    assert by_arg.sha256 != load_benchmark("synthetic", options={"n_problems": 5}).sha256


def test_solutions_end_in_boxed_target_and_their_arithmetic_is_right():
    problems = generate_synthetic(seed=3, n_problems=300)
    for p in problems:
        solution = p.metadata["solution"]
        assert solution.rstrip().endswith(f"\\boxed{{{p.target}}}.")
        assert last_boxed(solution) == p.target
        int(p.target)  # integer answers
        equations = _EQ.findall(solution)
        assert equations, solution
        for a, op, b, c in equations:
            assert _OPS[op](int(a), int(b)) == int(c), (p.prompt, solution)
    linear = [p for p in problems if p.metadata["family"] == "linear"]
    assert linear
    for p in linear:  # substitute the root back into "a x + b = c"
        a, b, c = map(int, re.fullmatch(r"Solve for x: (\d+)x \+ (\d+) = (-?\d+)\.", p.prompt).groups())
        assert a * int(p.target) + b == c


def test_level_one_is_a_single_small_step():
    for p in generate_synthetic(n_problems=60, levels=[1]):
        assert len(_EQ.findall(p.metadata["solution"])) == 1
        assert 0 <= int(p.target) <= 21


def test_limit_is_a_prefix_and_larger_n_extends_smaller():
    small = load_benchmark("synthetic", options={"n_problems": 12})
    big = load_benchmark("synthetic", options={"n_problems": 30})
    assert big.problems[:12] == small.problems
    assert load_benchmark("synthetic", options={"n_problems": 30}, limit=12).problems == small.problems


@pytest.mark.parametrize(
    "options, message",
    [
        ({"levels": [4]}, "levels"),
        ({"levels": []}, "levels"),
        ({"n_problems": 0}, "n_problems"),
        ({"seed": "x"}, "seed"),
        ({"split": "dev"}, "split"),
        ({"colour": "red"}, "unknown option"),
    ],
)
def test_bad_options_are_config_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        load_benchmark("synthetic", options=options)


def test_too_many_problems_for_the_space_is_a_config_error(monkeypatch):
    from passbound.benchmarks import synthetic

    # Only "What is a + b?" with a, b in 1..9: 81 prompts, about a third of them in "test".
    monkeypatch.setitem(synthetic._GENERATORS, 1, (synthetic._add_bare,))
    assert len(generate_synthetic(n_problems=15, levels=[1])) == 15
    with pytest.raises(ConfigError, match="fewer problems"):
        generate_synthetic(n_problems=60, levels=[1])


def test_path_is_rejected():
    with pytest.raises(ConfigError, match="generated"):
        load_benchmark("synthetic", path="x.jsonl")
