"""`passbound import --format lm-eval` on files written as lm-evaluation-harness 0.4.13 writes them.

lm-eval is not installed here: the files are written by hand, line by line as its code builds
them (lm_eval/evaluator.py, ``evaluate``: for each filter of the task, for each document, one
dict with doc_id, doc, target, arguments, resps, filtered_resps, filter, metrics, doc_hash,
prompt_hash, target_hash and the metrics' values; lm_eval/loggers/evaluation_tracker.py,
``save_results_samples``: arguments renamed to gen_args_i/arg_j, resps and filtered_resps made
strings, ``json.dumps(..., ensure_ascii=False)`` per line). The task is the stock gsm8k one (two
filters, "strict-match" and "flexible-extract") on the real GSM8K test problems, with repeats = 4.

The generations have known verdicts, so pass@k is checked against the unbiased estimator computed
by hand, for the two-filter file and for the file with one filter's lines alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from math import comb
from pathlib import Path

import pandas as pd
import pytest

from passbound.store import RunDir

N = 4
PROBLEMS = 4
STUDY = """
name = "lm-eval import"
output = "{out}"
data_dir = "{data}"
[[models]]
name = "lm-eval-run"
path = "/nonexistent/model"
role = "base"
engine = "hf"
[[benchmarks]]
name = "gsm8k"
limit = {problems}
[sampling]
n = {n}
chunk_size = 2
[analysis]
bootstrap = 20
extrapolate_bootstrap = 0
bayes_draws = 0
{verify}"""
# lm_eval --gen_kwargs do_sample=True,temperature=0.6,top_k=50 on top of gsm8k.yaml's own
GEN_KWARGS = {
    "until": ["Question:", "</s>", "<|im_end|>"],
    "do_sample": True,
    "temperature": 0.6,
    "top_k": 50,
    "max_gen_toks": 256,
}
# per problem, the kind of each of its N generations: "hash" (gsm8k's "#### 72": right), "box" (a
# boxed wrong answer), "prose" / "prose-wrong" (a sentence ending in the right / a wrong number, no
# answer marker: no answer under strict extraction, read by lenient)
KINDS = [
    ["hash", "hash", "prose", "box"],
    ["hash", "prose-wrong", "prose", "box"],
    ["box", "prose", "prose-wrong", "box"],
    ["hash", "hash", "hash", "hash"],
]
STRICT_PASSES = [2, 1, 0, 4]
LENIENT_PASSES = [3, 2, 1, 4]
STRICT_NO_ANSWER = 5  # the prose generations: 5 of 16 > a quarter


def _generation(kind: str, gold: str) -> str:
    wrong = str(int(gold) + 7)
    return {
        "hash": f"Work it out step by step.\n#### {gold}",
        "box": f"The answer is \\boxed{{{wrong}}}.",
        "prose": f"Adding the parts gives {gold} in total.",
        "prose-wrong": f"Adding the parts gives {wrong} in total.",
    }[kind]


def _strict_match(text: str) -> str:
    """gsm8k.yaml's "strict-match": regex "#### (\\-?[0-9\\.\\,]+)", take_first."""
    m = re.search(r"#### (\-?[0-9\.\,]+)", text)
    return m.group(1) if m else "[invalid]"


def _flexible_extract(text: str) -> str:
    """gsm8k.yaml's "flexible-extract": regex "(-?[$0-9.,]{2,})|(-?[0-9]+)", group_select -1."""
    found = re.findall(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", text)
    return next(g for g in found[-1] if g) if found else "[invalid]"


FILTERS = {"strict-match": _strict_match, "flexible-extract": _flexible_extract}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lm_eval_file(
    path: Path, docs: list[dict], filters: list[str], *, change: tuple[str, int, int, str] | None = None
) -> Path:
    """``docs`` (GSM8K rows) logged under ``filters`` as lm-eval 0.4.13 writes them; ``change``
    (filter, doc_id, generation, text) makes one filter's copy of one generation differ."""
    lines = []
    for name in filters:  # evaluator.py: `for filter_key in task.instances[0].filtered_resps:`
        for doc_id, doc in enumerate(docs):
            gold = doc["answer"].rpartition("####")[2].strip().replace(",", "")
            resps = [_generation(kind, gold) for kind in KINDS[doc_id]]
            if change is not None and change[:2] == (name, doc_id):
                resps[change[2]] = change[3]
            context = f"Question: {doc['question']}\nAnswer:"
            filtered = FILTERS[name](resps[0])  # take_first: one filtered response per request
            line = {
                "doc_id": doc_id,
                "doc": doc,
                "target": doc["answer"],
                "arguments": {"gen_args_0": {"arg_0": context, "arg_1": GEN_KWARGS}},
                "resps": [resps],
                "filtered_resps": [filtered],
                "filter": name,
                "metrics": ["exact_match"],
                "doc_hash": _sha(json.dumps(doc, indent=2, ensure_ascii=False)),
                "prompt_hash": _sha(context),
                "target_hash": _sha(doc["answer"]),
                "exact_match": float(filtered == gold),
            }
            lines.append(json.dumps(line, ensure_ascii=False) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def docs(shared_data: Path) -> list[dict]:
    with open(shared_data / "gsm8k" / "test.jsonl", encoding="utf-8") as fh:
        return [json.loads(next(fh)) for _ in range(PROBLEMS)]


def study_file(tmp_path: Path, shared_data: Path, name: str, verify: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(STUDY.format(out=tmp_path / name, data=shared_data, problems=PROBLEMS, n=N, verify=verify))
    return path


def cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """The CLI entry point in this process (no model is loaded: every sample comes from the file)."""
    from passbound.cli import main

    try:
        main([*args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def import_and_run(capsys: pytest.CaptureFixture, study: Path, src: Path, *extra: str) -> str:
    code, out = cli(
        capsys,
        "import",
        str(study),
        str(src),
        "--model",
        "lm-eval-run",
        "--format",
        "lm-eval",
        "--benchmark",
        "gsm8k",
        *extra,
    )
    assert code == 0, out
    code, more = cli(capsys, "run", str(study), "--no-progress")
    assert code == 0, more
    return out


def unbiased(passes: list[int], k: int) -> float:
    """pass@k = mean over problems of 1 - C(n - c, k) / C(n, k) (Chen et al. 2021), by hand."""
    return sum(1 - comb(N - c, k) / comb(N, k) for c in passes) / len(passes)


def test_two_filters_import_once_and_give_the_single_filter_passk(
    tmp_path: Path, shared_data: Path, docs: list, capsys: pytest.CaptureFixture
) -> None:
    one = study_file(tmp_path, shared_data, "one")
    import_and_run(capsys, one, lm_eval_file(tmp_path / "one.jsonl", docs, ["strict-match"]))
    two = study_file(tmp_path, shared_data, "two")
    out = import_and_run(capsys, two, lm_eval_file(tmp_path / "two.jsonl", docs, list(FILTERS)))
    assert "'strict-match', 'flexible-extract' logged the same generations" in " ".join(out.split())

    samples = RunDir(tmp_path / "two").read_all("samples").to_pandas()
    assert len(samples) == PROBLEMS * N and not samples.duplicated(["problem_id", "index"]).any()
    single, double = pd.read_csv(tmp_path / "one" / "passk.csv"), pd.read_csv(tmp_path / "two" / "passk.csv")
    pd.testing.assert_frame_equal(single, double)
    assert list(double["k"]) == [1, 2, 4]
    for k, value in zip(double["k"], double["pass_at_k"], strict=True):
        assert value == pytest.approx(unbiased(STRICT_PASSES, int(k)), abs=1e-12)
    entry = RunDir(tmp_path / "two").read_manifest()["imports"][0]
    assert entry["lm_eval_filters"] == list(FILTERS) and entry["lm_eval_filter"] == "strict-match"
    assert entry["rows"] == PROBLEMS * N


def test_filters_with_different_generations_need_a_choice(
    tmp_path: Path, shared_data: Path, docs: list, capsys: pytest.CaptureFixture
) -> None:
    """A file whose filters logged different generations (a filter that rewrote them, or two runs'
    files put together) is not merged or picked silently: the user names the filter."""
    study = study_file(tmp_path, shared_data, "run")
    src = lm_eval_file(
        tmp_path / "differ.jsonl",
        docs,
        list(FILTERS),
        change=("flexible-extract", 1, 3, "A different generation: \\boxed{3}"),
    )
    args = ("import", str(study), str(src), "--model", "lm-eval-run", "--format", "lm-eval", "--benchmark", "gsm8k")
    code, err = cli(capsys, *args)
    err = " ".join(err.split())
    assert code == 2, err
    assert "'strict-match', 'flexible-extract'" in err and "doc_id 1 generation 3 differs" in err
    assert "--lm-eval-filter NAME" in err and not (tmp_path / "run").exists()

    code, err = cli(capsys, *args, "--lm-eval-filter", "maj@8")
    assert code == 2 and "its filters: 'strict-match', 'flexible-extract'" in " ".join(err.split()), err
    code, err = cli(capsys, "import", str(study), str(src), "--model", "lm-eval-run", "--lm-eval-filter", "x")
    assert code == 2 and "--lm-eval-filter goes with --format lm-eval" in err, err
    assert not (tmp_path / "run").exists()

    code, err = cli(capsys, *args, "--lm-eval-filter", "flexible-extract")
    assert code == 0, err
    samples = RunDir(tmp_path / "run").read_all("samples").to_pandas()
    problems = RunDir(tmp_path / "run").read_problems("gsm8k")
    picked = samples[(samples["problem_id"] == problems[1].id) & (samples["index"] == 3)]
    assert picked["text"].item() == "A different generation: \\boxed{3}" and len(samples) == PROBLEMS * N
    assert RunDir(tmp_path / "run").read_manifest()["imports"][0]["lm_eval_filter"] == "flexible-extract"


def test_a_filter_missing_documents_or_with_other_questions_counts_as_different(
    tmp_path: Path, shared_data: Path, docs: list, capsys: pytest.CaptureFixture
) -> None:
    study = study_file(tmp_path, shared_data, "run")
    args = ("--model", "lm-eval-run", "--format", "lm-eval", "--benchmark", "gsm8k")
    src = lm_eval_file(tmp_path / "full.jsonl", docs, list(FILTERS))
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    short = tmp_path / "short.jsonl"
    short.write_text("".join(lines[:-1]), encoding="utf-8")  # flexible-extract lacks the last document
    code, err = cli(capsys, "import", str(study), str(short), *args)
    assert code == 2 and "under 'strict-match' but not under 'flexible-extract'" in " ".join(err.split()), err

    edited = [json.loads(line) for line in lines]
    edited[-2]["doc"]["question"] += " Answer in dollars."  # flexible-extract, doc_id 2
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in edited), encoding="utf-8")
    code, err = cli(capsys, "import", str(study), str(other), *args)
    assert code == 2 and "doc_id 2 has different questions" in " ".join(err.split()), err
    assert not (tmp_path / "run").exists()


def test_sampling_settings_are_the_files_and_no_answers_are_reported(
    tmp_path: Path, shared_data: Path, docs: list, capsys: pytest.CaptureFixture
) -> None:
    """The header states what the file says (temperature 0.6, top_k 50, 256 tokens) and "unknown"
    for what it does not (top_p, seed), never the study's defaults (top_p 0.95, seed 0); 5 of 16
    samples without an answer under strict extraction are reported with the option that reads them.
    (One filter's lines: the file imports on the tree before the filters were merged, too.)"""
    study = study_file(tmp_path, shared_data, "strict")
    import_and_run(capsys, study, lm_eval_file(tmp_path / "samples.jsonl", docs, ["strict-match"]))
    run = tmp_path / "strict"
    entry = RunDir(run).read_manifest()["imports"][0]
    assert entry["sampling"] == {"do_sample": True, "max_tokens": 256, "temperature": 0.6, "top_k": 50}
    summary = pd.read_csv(run / "summary.csv")
    assert summary["n_no_answer"].item() == STRICT_NO_ANSWER and summary["n_pass"].item() == sum(STRICT_PASSES)

    md = (run / "summary.md").read_text(encoding="utf-8")
    html = (run / "report.html").read_text(encoding="utf-8")
    assert (
        "sampling of `lm-eval-run` imported from lm-eval (gsm8k): n = 4, temperature = 0.6, top_p = unknown, "
        "max_tokens = 256, seed = unknown, top_k = 50, do_sample = true"
    ) in md
    assert "T = 0.6, top-p = unknown, max tokens = 256, seed = unknown, top-k = 50, do_sample = true" in html
    header = re.search(r'<p class="prov">.*?</p>', html, re.S).group(0)  # type: ignore[union-attr]
    for text in (md, header):
        assert "0.95" not in text and "seed = 0" not in text and "top_p = 1.0" not in text
    assert "Sampling (the study's, for the models it sampled)" in html
    for text in (md, html):
        assert "5 of 16 samples (31.2%) name no answer" in text
    assert '`[verify.math] extraction = "lenient"` in the study file' in md
    assert "<code>[verify.math] extraction = &quot;lenient&quot;</code>" in html

    # With lenient extraction the prose answers are read: no warning, and pass@k by hand again.
    lenient = study_file(tmp_path, shared_data, "lenient", verify='[verify.math]\nextraction = "lenient"\n')
    import_and_run(capsys, lenient, tmp_path / "samples.jsonl")
    passk = pd.read_csv(tmp_path / "lenient" / "passk.csv")
    for k, value in zip(passk["k"], passk["pass_at_k"], strict=True):
        assert value == pytest.approx(unbiased(LENIENT_PASSES, int(k)), abs=1e-12)
    assert "name no answer" not in (tmp_path / "lenient" / "summary.md").read_text(encoding="utf-8")


def test_the_header_keeps_the_study_settings_for_the_models_it_sampled(
    tmp_path: Path, shared_data: Path, docs: list, capsys: pytest.CaptureFixture
) -> None:
    """A study that sampled one model and imported part of another: the study's settings are stated
    for the models it sampled, the import's for the imported problems, and the imported model's
    other problems are said to be sampled with the study's settings."""
    from passbound.config import load_study
    from passbound.stages import analyse_run, report_run, verify_run
    from passbound.store.rundir import samples_to_table
    from passbound.types import Sample

    study = study_file(tmp_path, shared_data, "mixed")
    text = study.read_text(encoding="utf-8").replace(
        "[[benchmarks]]",
        '''[[models]]
name = "sampled"
path = "/nonexistent/model"
role = "rl"
engine = "hf"
[[benchmarks]]''',
    )
    study.write_text(text, encoding="utf-8")
    code, out = cli(
        capsys,
        "import",
        str(study),
        str(lm_eval_file(tmp_path / "two.jsonl", docs[:2], ["strict-match"])),
        "--model",
        "lm-eval-run",
        "--format",
        "lm-eval",
        "--benchmark",
        "gsm8k",
    )
    assert code == 0 and "1 chunks are partly covered" not in out, out
    config = load_study(study)
    run = RunDir(tmp_path / "mixed")
    problems = run.read_problems("gsm8k")
    # What the sample stage would have drawn (no model is loaded here): the sampled model's 4
    # problems, and the imported model's 2 problems the file does not cover.
    for model, chunks in (("sampled", (0, 1)), ("lm-eval-run", (1,))):
        for chunk in chunks:
            rows = [
                Sample(model, "gsm8k", p.id, j, f"\\boxed{{{p.target}}}", "stop", 5, 0)
                for p in problems[2 * chunk : 2 * chunk + 2]
                for j in range(N)
            ]
            run.write_shard("samples", model, "gsm8k", chunk, samples_to_table(rows))
    verify_run(config, run, show_progress=False)
    analyse_run(config, run)
    report_run(run)
    md = (tmp_path / "mixed" / "summary.md").read_text(encoding="utf-8")
    assert "sampling: n = 4, temperature = 0.6, top_p = 0.95" in md and "seed = 0 (models sampled by this study)" in md
    assert (
        "sampling of `lm-eval-run` imported from lm-eval (gsm8k): n = 4, temperature = 0.6, top_p = unknown, "
        "max_tokens = 256, seed = unknown, top_k = 50, do_sample = true; its other problems sampled with the "
        "study's settings"
    ) in md
