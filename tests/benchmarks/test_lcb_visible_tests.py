"""LiveCodeBench graded on tests the prompt shows: private tests loaded from a local copy of the
hub's files (built here in the hub's encoding), and a problem graded only on its statement's
examples marked in its verdicts, in visible_tests.csv, in the report, and refused as a reward.

Everything is real: the files are code_generation_lite's layout with private tests as
base64(zlib(pickle(json))), made with the stdlib; the programs run in the sandbox through the
study's stages; the rewards grade in their own pools.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib
from pathlib import Path

import pandas as pd
import pytest

from passbound.benchmarks import load_benchmark
from passbound.benchmarks.visible import NOTE, every_test_shown
from passbound.errors import DataError

WINDOW_DAY = {"test.jsonl": "2023-06-01", "test4.jsonl": "2024-09-01", "test5.jsonl": "2024-12-01"}


def hub_encoded(tests: list[dict]) -> str:
    """The hub's private_test_cases encoding: base64(zlib(pickle(json text)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(json.dumps(tests)))).decode()


def stdin_test(given: str, out: str) -> dict:
    return {"input": given, "output": out, "testtype": "stdin"}


def call_test(given: str, out: str) -> dict:
    return {"input": given, "output": out, "testtype": "functional"}


def hub_row(qid: str, file: str, content: str, public: list[dict], private: list[dict], fn: str = "") -> dict:
    starter = f"class Solution:\n    def {fn}(self, x: int) -> int:\n        " if fn else ""
    return {
        "question_title": f"q{qid}",
        "question_content": content,
        "platform": "leetcode" if fn else "atcoder",
        "question_id": qid,
        "contest_id": "c1",
        "contest_date": f"{WINDOW_DAY[file]}T00:00:00",
        "starter_code": starter,
        "difficulty": "easy",
        "public_test_cases": json.dumps(public),
        "private_test_cases": hub_encoded(private),
        "metadata": json.dumps({"func_name": fn} if fn else {}),
    }


# 4001: hidden tests beyond the example; 5001: no private tests; 5002: its private test is Example 2.
ROWS = {
    "test.jsonl": [hub_row("1000", "test.jsonl", "Old problem.\nInput: 1\nOutput: 1", [stdin_test("1\n", "1\n")], [])],
    "test4.jsonl": [
        hub_row(
            "4001",
            "test4.jsonl",
            "Print A+B.\n\nSample Input 1\n\n1 2\n\nSample Output 1\n\n3\n",
            [stdin_test("1 2\n", "3\n")],
            [stdin_test("10 20\n", "30\n"), stdin_test("7 8\n", "15\n")],
        )
    ],
    "test5.jsonl": [
        hub_row(
            "5001",
            "test5.jsonl",
            "Return x + 2.\n\nExample 1:\n\nInput: x = 1\nOutput: 3\n",
            [call_test("1", "3")],
            [],
            fn="addTwo",
        ),
        hub_row(
            "5002",
            "test5.jsonl",
            "Return 2 * x.\n\nExample 1:\n\nInput: x = 1\nOutput: 2\n\nExample 2:\n\nInput: x = 2\nOutput: 4\n",
            [call_test("1", "2")],
            [call_test("2", "4")],
            fn="double",
        ),
    ],
}
LOOKUP = {  # programs that only look the statement's examples up
    "4001": "print({'1 2': 3}[input().strip()])",
    "5001": "class Solution:\n    def addTwo(self, x: int) -> int:\n        return {1: 3}[x]",
    "5002": "class Solution:\n    def double(self, x: int) -> int:\n        return {1: 2, 2: 4}[x]",
}
SOLVED = {
    "4001": "a, b = map(int, input().split())\nprint(a + b)",
    "5001": "class Solution:\n    def addTwo(self, x: int) -> int:\n        return x + 2",
    "5002": "class Solution:\n    def double(self, x: int) -> int:\n        return 2 * x",
}


def fenced(code: str) -> str:
    return f"```python\n{code}\n```"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A --data-dir whose livecodebench/ holds release_v5's five files, as a user downloads them."""
    root = tmp_path_factory.mktemp("hub-data")
    folder = root / "livecodebench"
    folder.mkdir()
    for name in ("test.jsonl", "test2.jsonl", "test3.jsonl", "test4.jsonl", "test5.jsonl"):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in ROWS.get(name, [])), encoding="utf-8")
    return root


def test_private_tests_decode_from_a_local_copy_of_the_hub_files(data_dir: Path) -> None:
    bench = load_benchmark("livecodebench", data_dir=data_dir)
    by_id = bench.by_id()
    assert sorted(by_id) == ["4001", "5001", "5002"]  # 1000 lies before the study window
    assert bench.source.startswith(f"local:{(data_dir / 'livecodebench').resolve()}:release_v5:2024-08-01..")
    assert [t["input"] for t in by_id["4001"].metadata["tests"]] == ["1 2\n", "10 20\n", "7 8\n"]
    assert by_id["5002"].metadata["tests"] == [call_test("1", "2"), call_test("2", "4")]
    assert not any(p.metadata["public_tests_only"] for p in bench.problems)
    # Visible-only is about the prompt, not the file: 5002 has a private test, but it is Example 2.
    assert {pid: p.metadata["visible_tests_only"] for pid, p in by_id.items()} == {
        "4001": False,
        "5001": True,
        "5002": True,
    }
    # The folder as path, and one file of it as path, read the same rows.
    assert len(load_benchmark("livecodebench", path=data_dir / "livecodebench")) == 3
    assert [
        p.id for p in load_benchmark("livecodebench", path=data_dir / "livecodebench" / "test5.jsonl").problems
    ] == ["5001", "5002"]
    assert [
        p.id for p in load_benchmark("livecodebench", data_dir=data_dir, options={"version_tag": "v4"}).problems
    ] == ["4001"]


def test_a_partial_copy_of_a_release_is_refused_not_shrunk(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "livecodebench"
    folder.mkdir()
    (folder / "test5.jsonl").write_text((data_dir / "livecodebench" / "test5.jsonl").read_text())
    with pytest.raises(
        DataError,
        match=r"lacks test\.jsonl, test2\.jsonl, test3\.jsonl, test4\.jsonl of "
        r"livecodebench/code_generation_lite version_tag 'release_v5'.*'v5' reads "
        r"test5\.jsonl alone",
    ):
        load_benchmark("livecodebench", data_dir=tmp_path)
    assert len(load_benchmark("livecodebench", data_dir=tmp_path, options={"version_tag": "v5"})) == 2


class _Payload:
    """Pickles as a call of os.mkdir(marker): what pickle.loads would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
@pytest.mark.parametrize("shape", ["call", "list", "bytes", "two strings", "call after string"])
def test_private_tests_that_are_not_one_pickled_string_are_refused_unrun(
    tmp_path: Path, shape: str, protocol: int
) -> None:
    marker = tmp_path / "ran"
    text = json.dumps([stdin_test("1\n", "1\n")])
    value = {
        "call": _Payload(marker),
        "list": [text],
        "bytes": text.encode(),
        "two strings": (text, text),
        "call after string": (text, _Payload(marker)),
    }[shape]
    private = base64.b64encode(zlib.compress(pickle.dumps(value, protocol=protocol))).decode()
    row = {**ROWS["test5.jsonl"][0], "private_test_cases": private}
    path = tmp_path / "test5.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=r"test5\.jsonl: line 1: field 'private_test_cases' holds a pickle "):
        load_benchmark("livecodebench", path=path)
    assert not marker.exists()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickled_json_string_decodes_under_every_protocol(tmp_path: Path, protocol: int) -> None:
    row = dict(ROWS["test4.jsonl"][0])
    hidden = [stdin_test("5 5\n", "10\n")]
    row["private_test_cases"] = base64.b64encode(
        zlib.compress(pickle.dumps(json.dumps(hidden), protocol=protocol))
    ).decode()
    path = tmp_path / "lcb.jsonl"
    path.write_text(json.dumps(row) + "\n")
    (problem,) = load_benchmark("livecodebench", path=path).problems
    assert problem.metadata["tests"][1:] == hidden


def test_every_test_of_the_public_tests_file_is_an_example_its_prompt_shows(shared_data: Path) -> None:
    problems = load_benchmark("livecodebench", data_dir=shared_data).problems
    assert all(p.metadata["visible_tests_only"] for p in problems) and len(problems) == 279
    p = problems[0]
    assert not every_test_shown(p.prompt, [*p.metadata["tests"], stdin_test("4\n1 2 3 4\n", "3\n")])
    assert not every_test_shown(p.prompt, [])


# ------------------------------------------------------------------ verdicts, table, report


@pytest.fixture(scope="module")
def study_run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study on the three problems whose samples are a lookup table of the examples and a
    solution each, verified in the sandbox, analysed and reported."""
    from passbound.config import study_from_dict
    from passbound.stages import analyse_run, prepare_run, report_run, verify_run
    from passbound.store.rundir import samples_to_table
    from passbound.types import Sample

    out = tmp_path_factory.mktemp("study")
    study = study_from_dict(
        {
            "name": "lcb-visible",
            "output": str(out / "run"),
            "data_dir": str(data_dir),
            "models": [{"name": "m", "path": "none", "role": "base", "engine": "hf"}],
            "benchmarks": [{"name": "livecodebench"}],
            "sampling": {"n": 2, "chunk_size": 8},
            "verify": {"workers": 1},
            "analysis": {"bootstrap": 20},
        }
    )
    run = prepare_run(study)
    problems = run.read_problems("livecodebench")
    rows = [
        Sample("m", "livecodebench", p.id, j, fenced(program[p.id]), "stop", 5, 0)
        for p in problems
        for j, program in enumerate((LOOKUP, SOLVED))
    ]
    run.write_shard("samples", "m", "livecodebench", 0, samples_to_table(rows))
    verify_run(study, run, show_progress=False)
    analyse_run(study, run)
    report_run(run)
    return run.path


def test_verdicts_of_a_visible_only_problem_say_so(study_run: Path) -> None:
    verdicts = pd.read_parquet(study_run / "verdicts").set_index(["problem_id", "index"])
    status = verdicts["status"].to_dict()
    # The lookup table passes exactly the problems graded on shown tests only.
    assert status == {
        ("4001", 0): "fail",
        ("4001", 1): "pass",
        ("5001", 0): "pass",
        ("5001", 1): "pass",
        ("5002", 0): "pass",
        ("5002", 1): "pass",
    }
    noted = {key: NOTE in detail for key, detail in verdicts["detail"].items()}
    assert noted == {key: key[0] != "4001" for key in status}


def test_visible_tests_table_counts_them_per_model_and_benchmark(study_run: Path) -> None:
    table = pd.read_csv(study_run / "visible_tests.csv")
    assert table.to_dict("records") == [
        {
            "model": "m",
            "role": "base",
            "benchmark": "livecodebench",
            "n_problems": 3,
            "n_visible_only": 2,
            "pass_at_1_visible_only": 1.0,
            "pass_at_1_other": 0.5,
        }
    ]
    summary = pd.read_csv(study_run / "summary.csv")  # the existing tables keep their columns
    assert "n_visible_only" not in summary.columns and summary["n_problems"].tolist() == [3]


def test_report_warns_beside_the_benchmark(study_run: Path) -> None:
    warning = "2 of 3 problems are graded only on tests shown in the prompt; their pass rates are an upper bound"
    md = (study_run / "summary.md").read_text()
    headline = md[md.index("- **`livecodebench`**") :]
    assert headline.splitlines()[1] == f"  - **Warning:** {warning}"
    html = (study_run / "report.html").read_text()
    assert html.count(f"Warning (livecodebench): {warning}.") == 2  # the summary and the results table


# ------------------------------------------------------------------ rewards


def test_trl_reward_refuses_a_visible_only_problem_unless_told_to(data_dir: Path) -> None:
    from passbound.train import VerifierReward
    from passbound.train.rewards import VisibleTestsRefused

    columns = {"benchmark": ["livecodebench"], "problem_id": ["5001"]}
    lookup = [fenced(LOOKUP["5001"])]
    with VerifierReward(
        "code",
        benchmark_column="benchmark",
        problem_id_column="problem_id",
        data_dir=str(data_dir),
        workers=1,
        timeout=60,
    ) as reward:
        with pytest.raises(VisibleTestsRefused, match=r"livecodebench 5001\).*allow_visible_tests=True"):
            reward(prompts=["q"], completions=lookup, **columns)
        # A problem with hidden tests is rewarded, and the lookup table earns nothing there.
        assert reward(
            prompts=["q"], completions=[fenced(LOOKUP["4001"])], benchmark=["livecodebench"], problem_id=["4001"]
        ) == [0.0]
    with VerifierReward(
        "code",
        benchmark_column="benchmark",
        problem_id_column="problem_id",
        data_dir=str(data_dir),
        workers=1,
        timeout=60,
        allow_visible_tests=True,
    ) as reward:
        assert reward(prompts=["q"], completions=lookup, **columns) == [1.0]


def test_verl_export_and_hook_refuse_it_unless_told_to(data_dir: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from passbound.train.rewards import VisibleTestsRefused
    from passbound.train.verl_export import export
    from passbound.train.verl_reward import compute_score

    with pytest.raises(VisibleTestsRefused, match="--allow-visible-tests"):
        export(
            "livecodebench",
            tmp_path / "refused",
            model="m",
            data_dir=str(data_dir),
            train_split="test",
            algorithms=["grpo"],
        )
    export(
        "livecodebench",
        tmp_path / "verl",
        model="m",
        data_dir=str(data_dir),
        train_split="test",
        algorithms=["grpo"],
        allow_visible_tests=True,
    )
    rows = {r["extra_info"]["problem_id"]: r for r in pq.read_table(tmp_path / "verl" / "train.parquet").to_pylist()}
    extra = rows["5001"]["extra_info"]
    assert extra["allow_visible_tests"] is True
    program = fenced(LOOKUP["5001"])
    assert compute_score("livecodebench", program, "", extra)["score"] == 1.0
    # A row without the opt-in (written by hand, or by an older export) is refused, not scored 0.
    with pytest.raises(VisibleTestsRefused):
        compute_score("livecodebench", program, "", {**extra, "allow_visible_tests": None})


def test_training_config_refuses_it_unless_told_to(data_dir: Path, tmp_path: Path) -> None:
    from passbound.train.config import load_train_config
    from passbound.train.rewards import VisibleTestsRefused
    from passbound.train.run import _dataset

    base = (
        f'[model]\npath = "embedded"\n[data]\nbenchmark = "livecodebench"\nsplit = "test"\n'
        f'path = "{data_dir / "livecodebench"}"\n'
    )
    (tmp_path / "refused.toml").write_text(base)
    with pytest.raises(VisibleTestsRefused, match="allow_visible_tests = true"):
        _dataset(load_train_config(tmp_path / "refused.toml"))
    (tmp_path / "allowed.toml").write_text(base + "[reward]\nallow_visible_tests = true\n")
    data, kind = _dataset(load_train_config(tmp_path / "allowed.toml"))
    assert kind == "code" and len(data) == 3


def test_private_tests_inflate_within_a_bound(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import passbound.benchmarks.code_lcb as code_lcb

    monkeypatch.setattr(code_lcb, "MAX_PRIVATE_BYTES", 1 << 16)
    bomb = base64.b64encode(zlib.compress(b"\0" * (1 << 20))).decode()  # 1 KiB that inflates to 1 MiB
    path = tmp_path / "lcb.jsonl"
    path.write_text(json.dumps({**ROWS["test5.jsonl"][0], "private_test_cases": bomb}) + "\n")
    with pytest.raises(DataError, match="inflates to more than 0 MiB"):
        load_benchmark("livecodebench", path=path)


def test_a_run_recorded_before_the_marking_is_marked_from_its_tests(data_dir: Path) -> None:
    from dataclasses import replace

    from passbound.benchmarks.visible import KEY, visible_tests_only

    for problem in load_benchmark("livecodebench", data_dir=data_dir).problems:
        older = replace(problem, metadata={k: v for k, v in problem.metadata.items() if k != KEY})
        assert visible_tests_only(older) is problem.metadata[KEY]


def test_a_truncated_hub_file_names_its_line(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "livecodebench"
    folder.mkdir()
    (folder / "test5.jsonl").write_text((data_dir / "livecodebench" / "test5.jsonl").read_text()[:-40])
    with pytest.raises(DataError, match=r"test5\.jsonl: line 2 is not one JSON object"):
        load_benchmark("livecodebench", data_dir=tmp_path, options={"version_tag": "v5"})
