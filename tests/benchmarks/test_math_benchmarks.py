"""The six math benchmarks load from the shared local copies with the documented gold answers."""

from __future__ import annotations

import pytest

from passbound.benchmarks import content_sha256, last_boxed, load_benchmark
from passbound.errors import ConfigError
from passbound.registry import benchmarks

COUNTS = {"gsm8k": 1319, "math500": 500, "minerva_math": 272, "olympiadbench": 675, "aime24": 30, "amc23": 40}


@pytest.fixture(scope="module")
def loaded(shared_data):
    return {name: load_benchmark(name, data_dir=shared_data) for name in COUNTS}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_loads_documented_count_with_unique_ids_and_targets(loaded, name, shared_data):
    bench = loaded[name]
    assert len(bench) == COUNTS[name]
    assert bench.name == name and bench.kind == "math"
    assert bench.source == f"local:{(shared_data / name / 'test.jsonl').resolve()}"
    ids = [p.id for p in bench.problems]
    assert len(set(ids)) == len(ids)
    assert all(p.target.strip() == p.target and p.target for p in bench.problems)
    assert all(p.prompt and p.benchmark == name and p.kind == "math" for p in bench.problems)
    assert len(bench.sha256) == 64 and bench.sha256 == content_sha256(bench.problems)


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_sha256_is_stable_and_limit_takes_a_prefix(loaded, name, shared_data):
    again = load_benchmark(name, data_dir=shared_data)
    assert again.sha256 == loaded[name].sha256
    assert again.problems == loaded[name].problems
    head = load_benchmark(name, data_dir=shared_data, limit=5)
    assert head.problems == loaded[name].problems[:5]
    assert head.sha256 != loaded[name].sha256


def test_the_six_hashes_are_distinct(loaded):
    assert len({b.sha256 for b in loaded.values()}) == 6


def test_path_to_file_or_folder_gives_the_same_problems(loaded, shared_data):
    by_file = load_benchmark("aime24", path=shared_data / "aime24" / "test.jsonl")
    by_folder = load_benchmark("aime24", path=shared_data / "aime24")
    assert by_file.sha256 == by_folder.sha256 == loaded["aime24"].sha256


def test_gsm8k_gold_follows_hashes_and_drops_commas(loaded):
    first = loaded["gsm8k"].problems[0]
    assert first.id == "0" and first.target == "18"
    assert first.prompt.startswith("Janet’s ducks lay 16 eggs per day.")
    with_comma = loaded["gsm8k"].by_id()["146"]
    assert with_comma.metadata["answer_raw"] == "2,125"
    assert with_comma.target == "2125"
    assert "####" not in with_comma.metadata["solution"]
    assert all("," not in p.target and "####" not in p.target for p in loaded["gsm8k"].problems)


def test_math500_uses_answer_field_and_unique_id(loaded):
    p = loaded["math500"].problems[0]
    assert p.id == "test/precalculus/807.json"
    assert p.target == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert p.metadata["level"] == 2 and p.metadata["subject"] == "Precalculus"
    assert {q.metadata["level"] for q in loaded["math500"].problems} == {1, 2, 3, 4, 5}


def test_minerva_gold_is_the_last_boxed_of_the_solution(loaded):
    p = loaded["minerva_math"].problems[0]
    assert p.id == "0" and p.target == "1.6"
    assert all(p.target == last_boxed(p.metadata["solution"]) for p in loaded["minerva_math"].problems)
    nested = [p for p in loaded["minerva_math"].problems if p.target.startswith("\\frac")]
    assert nested and all(p.target.count("{") == p.target.count("}") for p in nested)


def test_olympiadbench_list_is_joined_and_dollars_stripped(loaded):
    by_id = loaded["olympiadbench"].by_id()
    assert by_id["1606"].target == "2"
    assert by_id["1664"].metadata["final_answer"] == ["$69$,$84$"]
    assert by_id["1664"].target == "69, 84"
    assert by_id["1618"].target == "(1,8,19), (2,7,13), (4,5,7)"
    assert by_id["1687"].target == "f(n)=n, g(n)=1"
    assert sum(not p.target.startswith("$") and not p.target.endswith("$") for p in by_id.values()) == 675


def test_amc23_floats_become_integers(loaded):
    p = loaded["amc23"].problems[0]
    assert p.id == "0" and p.target == "27" and p.metadata["answer_raw"] == 27.0
    assert [q.target for q in loaded["amc23"].problems if q.target.startswith("-")] == ["-1"]
    assert all(q.target.lstrip("-").isdigit() for q in loaded["amc23"].problems)


def test_aime24_ids_and_integer_answers(loaded):
    ids = [p.id for p in loaded["aime24"].problems]
    assert ids == [str(i) for i in range(60, 90)]
    assert loaded["aime24"].problems[0].target == "204"
    assert all(p.target.isdigit() and 0 <= int(p.target) <= 999 for p in loaded["aime24"].problems)


def test_all_registered_with_descriptions():
    described = benchmarks.describe()
    for name in [*COUNTS, "synthetic"]:
        assert name in described and described[name]


def test_unknown_benchmark_without_path_lists_the_names():
    with pytest.raises(ConfigError) as err:
        load_benchmark("no-such-bench")
    assert "gsm8k" in str(err.value) and "synthetic" in str(err.value)


def test_bad_limit_is_a_config_error(shared_data):
    with pytest.raises(ConfigError, match="limit"):
        load_benchmark("aime24", data_dir=shared_data, limit=0)
