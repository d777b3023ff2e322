"""The reasoning policy (passbound.verify.reasoning): the answer is read after the last closing
tag; a trace whose reasoning never closes names no answer, with the detail "reasoning not
closed", in every verifier and every grading path. Real verifiers, real pool, real run directory.

The attacks are what a policy under RL would try to get a value tried out while thinking graded
as its answer: never closing, re-opening after the close with a variant of the tag, closing with
a look-alike tag, or relying on a template that opened the reasoning in the prompt.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from passbound.config import StudyConfig, load_study, study_from_dict
from passbound.errors import ConfigError
from passbound.grade import grade_file
from passbound.stages import analyse_run, prepare_run, report_run, verify_run
from passbound.stages.shard_grader import opened_reasoning
from passbound.store.rundir import samples_to_table
from passbound.types import Problem, Sample
from passbound.verify import GradingPool, get_verifier
from passbound.verify.code_extract import extract_code
from passbound.verify.extract import extract_answer
from passbound.verify.reasoning import REASONING_NOT_CLOSED, ReasoningPolicy, reasoning_policy

THINK = ReasoningPolicy()
REQUIRED = ReasoningPolicy(required=True)


def test_a_box_inside_unclosed_reasoning_names_no_answer_and_says_why() -> None:
    math = get_verifier("math")
    result = math.grade("5", "<think>\nMaybe \\boxed{5}? Let me check the other case")
    assert (result.status, result.detail) == ("no_answer", REASONING_NOT_CLOSED)
    assert math.grade("5", "no box at all").detail == "no answer found"  # the other no_answer stays apart
    assert math.grade("5", "<think>try \\boxed{4}, then \\boxed{5}</think>\nSo \\boxed{5}").status == "pass"
    assert math.grade("4", "<think>try \\boxed{4}, then \\boxed{5}</think>\nSo \\boxed{5}").status == "fail"


def test_the_last_close_wins_and_an_opener_after_it_reopens() -> None:
    assert THINK.answer_part("<think>a</think>b</think>c") == "c"
    assert extract_answer("<think>\\boxed{1}</think>\\boxed{2}</think>\\boxed{3}") == "3"
    # Any case, any spacing inside the brackets re-opens reasoning: no variant hides a trace.
    for opener in ("<think>", "<THINK>", "<Think>", "< think >", "<think\n>", "<\tTHINK >"):
        text = f"<think>x</think>So \\boxed{{4}}.\n\n{opener}\nTry \\boxed{{5}}."
        assert extract_answer(text) is None, opener
        assert get_verifier("math").grade("5", text).detail == REASONING_NOT_CLOSED
    assert extract_answer("<think>x</think>\\boxed{4} <thinking> aloud") == "4"  # another word, no opener


def test_only_the_exact_closing_tag_closes() -> None:
    # A look-alike close leaves the trace open: the box after it is not read.
    for close in ("</THINK>", "</ think>", "< /think>", "</think >", "<think/>", "</thinκ>"):
        assert extract_answer(f"<think>So \\boxed{{3}}.\n\n{close}\n\nThus \\boxed{{4}}.") is None, close
        assert REQUIRED.answer_part(f"\\boxed{{3}} {close} \\boxed{{4}}") is None, close


def test_a_fake_close_in_a_code_block_of_a_cut_trace_reads_no_box() -> None:
    # The text after the last close is read as the answer; a close written inside a fenced block
    # leaves that block open in what follows, so a value tried after it, in a trace cut off before
    # the real close, is code, not a statement.
    cut = "<think>\nThe parser splits on:\n```\n</think>\n```\nso try \\boxed{5}, maybe \\boxed{6}"
    assert extract_answer(cut) is None
    assert get_verifier("math").grade("5", cut).status != "pass"


def test_required_reads_nothing_without_a_close() -> None:
    # DeepSeek-R1-Distill's template opens <think> in the prompt: a cut completion has no tag at all.
    math = get_verifier("math", reasoning={"tags": "think", "required": True})
    cut = "Let me try 12. That gives \\boxed{12}? No, check 13"
    assert get_verifier("math").grade("12", cut).status == "pass"  # read whole without the policy
    assert (math.grade("12", cut).status, math.grade("12", cut).detail) == ("no_answer", REASONING_NOT_CLOSED)
    assert math.grade("12", cut + "</think>\n\nThe answer is \\boxed{12}.").status == "pass"


def test_tags_are_configurable() -> None:
    assert reasoning_policy("reasoning") == ReasoningPolicy("<reasoning>", "</reasoning>")
    assert reasoning_policy("thought").close_tag == "<|end_of_thought|>"
    assert reasoning_policy({"open": "[R]", "close": "[/R]"}) == ReasoningPolicy("[R]", "[/R]")
    kimi = get_verifier("math", reasoning="kimi")
    assert kimi.grade("7", "◁think▷\\boxed{6}◁/think▷ \\boxed{7}").status == "pass"
    assert kimi.grade("6", "◁think▷ \\boxed{6}").detail == REASONING_NOT_CLOSED
    # Under other tags, <think> is ordinary text.
    assert kimi.grade("7", "<think>I get 6.</think>\n\nSo \\boxed{7}.").status == "pass"
    assert get_verifier("math").grade("7", "<think>I get 6.</think>\n\nSo \\boxed{7}.").status == "pass"
    assert kimi.grade("7", "<think>\\boxed{7}").status == "pass"
    granite = get_verifier("math", reasoning="reasoning")
    assert granite.grade("6", "<reasoning>\\boxed{6}").detail == REASONING_NOT_CLOSED
    assert granite.grade("7", "<reasoning>\\boxed{6}</reasoning>\\boxed{7}").status == "pass"


@pytest.mark.parametrize(
    "bad",
    [
        {"open": "<think>"},
        {"tags": "think", "open": "<a>", "close": "</a>"},
        {"tags": "nope"},
        {"open": "<t>", "close": "<t>"},
        {"open": "", "close": "</t>"},
        {"open": " <t>", "close": "</t>"},
        {"tags": "think", "required": "yes"},
        {"tags": "think", "strict": True},
        3,
    ],
)
def test_a_bad_policy_is_refused_with_what_to_write(bad: object) -> None:
    with pytest.raises(ConfigError, match="reasoning"):
        reasoning_policy(bad)
    with pytest.raises(ConfigError, match=r"\[verify.math\]: reasoning"):  # the study file names the table
        study_from_dict(
            {
                "name": "s",
                "models": [{"name": "m", "path": "x"}],
                "benchmarks": [{"name": "gsm8k"}],
                "verify": {"math": {"reasoning": bad}},
            }
        )


def test_the_policy_is_part_of_every_verifier_version() -> None:
    for kind in ("math", "choice", "code"):
        versions = {
            get_verifier(kind).version,
            get_verifier(kind, reasoning="reasoning").version,
            get_verifier(kind, reasoning={"tags": "think", "required": True}).version,
            get_verifier(kind, reasoning={"open": "<t>", "close": "</t>"}).version,
        }
        assert len(versions) == 4, kind
    assert get_verifier("math", reasoning="think").version == get_verifier("math").version  # the default, named


def test_choice_and_code_follow_the_policy() -> None:
    problem = Problem(
        id="q", benchmark="b", prompt="Pick one.", target="B", kind="choice", metadata={"choices": ["1", "2", "3"]}
    )
    choice = get_verifier("choice")
    assert choice.grade(problem, "<think>it is (B)... or \\boxed{B}").detail == REASONING_NOT_CLOSED
    assert choice.grade(problem, "<think>\\boxed{A}</think> \\boxed{B}").status == "pass"
    code = "```python\ndef f():\n    return 1\n```"
    assert extract_code(f"<think>{code}") is None
    assert extract_code(f"<think>x</think>{code}<THINK> more") is None
    assert extract_code(f"<reasoning>x</reasoning>{code}", reasoning=ReasoningPolicy("<reasoning>", "</reasoning>"))
    assert extract_code(f"<reasoning>{code}", reasoning=ReasoningPolicy("<reasoning>", "</reasoning>")) is None
    coder = get_verifier("code", reasoning="reasoning")
    cut = Problem(id="p", benchmark="b", prompt="", target="", kind="code", metadata={})
    assert coder.grade(cut, f"<reasoning>{code}").detail == REASONING_NOT_CLOSED
    assert get_verifier("code").grade(cut, "just prose").detail == "no code found"


def test_the_pool_and_passbound_grade_give_the_detail(tmp_path: Path) -> None:
    rows = [("5", "<think>\\boxed{5}"), ("5", "nothing"), ("5", "<think>x</think>\\boxed{5}")]
    problems = [Problem(id=str(i), benchmark="adhoc", prompt="", target=g) for i, (g, _) in enumerate(rows)]
    with GradingPool(timeout=10, workers=1) as pool:
        graded = pool.grade(problems, [c for _, c in rows])
    assert [(r.status, r.detail) for r in graded][:2] == [
        ("no_answer", REASONING_NOT_CLOSED),
        ("no_answer", "no answer found"),
    ]
    assert graded[2].status == "pass"
    src = tmp_path / "rows.jsonl"
    src.write_text("".join(json.dumps({"gold": g, "completion": c}) + "\n" for g, c in rows))
    out = io.BytesIO()
    grade_file(src, out, workers=1)
    got = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert [(r["status"], r["detail"]) for r in got][:2] == [
        ("no_answer", REASONING_NOT_CLOSED),
        ("no_answer", "no answer found"),
    ]


def _study(out: Path, reasoning: object = None) -> StudyConfig:
    verify: dict[str, object] = {"workers": 1}
    if reasoning is not None:
        verify["math"] = {"reasoning": reasoning}
    return study_from_dict(
        {
            "name": "r",
            "output": str(out),
            "verify": verify,
            "sampling": {"n": 2, "chunk_size": 4},
            "models": [
                {"name": "r1", "path": "none", "engine": "hf", "template": "deepseek-r1"},
                {"name": "base", "path": "none", "engine": "hf"},
            ],
            "benchmarks": [{"name": "synthetic", "limit": 2, "options": {"n_problems": 2, "levels": [1]}}],
        }
    )


def test_a_template_that_opens_reasoning_makes_a_cut_trace_no_answer(tmp_path: Path) -> None:
    """The deepseek-r1 template ends its prompt with <think>: its cut completions name no answer,
    the same text from a model whose prompt opened nothing is read whole; a changed policy
    re-grades every verdict under its own version."""
    study = _study(tmp_path / "run")
    run = prepare_run(study)
    problems = run.read_problems("synthetic")
    for model in ("r1", "base"):
        rows = [
            Sample(model, "synthetic", p.id, j, text.format(p.target), finish, 9, 0)
            for p in problems
            for j, (text, finish) in enumerate(
                [("so \\boxed{{{}}}, or check more", "length"), ("ok</think>\n\\boxed{{{}}}", "stop")]
            )
        ]
        run.write_shard("samples", model, "synthetic", 0, samples_to_table(rows))
    verify_run(study, run, show_progress=False)
    verdicts = pq.read_table(run.shard_path("verdicts", "r1", "synthetic", 0)).to_pylist()
    assert [(v["status"], v["detail"]) for v in verdicts if v["index"] == 0] == [
        ("no_answer", REASONING_NOT_CLOSED)
    ] * 2
    assert {v["status"] for v in verdicts if v["index"] == 1} == {"pass"}
    base = pq.read_table(run.shard_path("verdicts", "base", "synthetic", 0)).to_pylist()
    assert {v["status"] for v in base if v["index"] == 0} == {"pass"}  # no template-opened reasoning
    analyse_run(study, run)
    table = pd.read_csv(run.path / "truncation.csv").set_index("model")
    assert table.loc["r1", "n_reasoning_unclosed"] == 2 and table.loc["base", "n_reasoning_unclosed"] == 0
    assert table.loc["r1", "n_length"] == 2  # the same two samples hit the cap
    report_run(run)
    assert "Samples whose reasoning never closed" in (run.path / "report.html").read_text(encoding="utf-8")
    # Require a close for every model: the base model's tag-less texts now name no answer too.
    required = _study(tmp_path / "run", {"tags": "think", "required": True})
    assert verify_run(required, run, show_progress=False) == 8  # every verdict re-graded
    base = pq.read_table(run.shard_path("verdicts", "base", "synthetic", 0)).to_pylist()
    assert {v["detail"] for v in base if v["index"] == 0} == {REASONING_NOT_CLOSED}
    assert {v["verifier_version"] for v in base} == {
        get_verifier("math", reasoning=required.verify.options_for("math")["reasoning"]).version
    }


def test_the_reasoning_example_loads_and_grades_r1_inside_its_think() -> None:
    study = load_study(Path(__file__).resolve().parents[2] / "examples" / "reasoning" / "r1-distill.toml")
    assert study.sampling.max_tokens == 32768 and study.k_grid[-1] == study.sampling.n == 256
    assert study.verify.verifiers({"math"})["math"].reasoning == ReasoningPolicy()
    assert opened_reasoning(study.models, study.verify.verifiers({"math"})) == {("r1-distill-7b", "math"): "<think>"}
