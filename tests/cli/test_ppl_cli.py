"""`passbound ppl` on a small hand-built run directory with the embedded model (hf backend).

The run holds fixed completions written with the RunDir API (no sampling), so the test costs one
model load per scoring run. Numbers are checked against the metrics test's direct computation
there; here we check what the command promises: shards + perplexity.csv, entropy for a model on
its own samples, resume, the study option, and exit code 2 on bad input.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from passbound.config import load_study
from passbound.errors import ConfigError
from passbound.stages import prepare_run
from passbound.store.rundir import samples_to_table
from passbound.types import Sample

STUDY = """
name = "ppl"
output = "run"
[[models]]
name = "small"
path = "embedded"
role = "base"
engine = "hf"
template = "chat"
sampling = {{ temperature = 0.7 }}
[[models]]
name = "other"
path = "embedded"
role = "rl"
engine = "hf"
template = "chat"
[[benchmarks]]
name = "synthetic"
limit = 2
options = {{ n_problems = 2 }}
[sampling]
n = 3
temperature = 1.0
{extra}
"""
TEXTS = {
    "small": ["The answer is \\boxed{7}.", "Let me add: \\boxed{12}", "I think it is 3."],
    "other": ["\\boxed{7}", "\\boxed{7}", "Hello there, the result is \\boxed{9}."],
}


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "passbound", *args, "--no-progress"], capture_output=True, text=True)


def make_run(root: Path, extra: str = "") -> Path:
    study_file = root / "study.toml"
    study_file.write_text(STUDY.format(extra=extra))
    run = prepare_run(load_study(study_file))
    for model, texts in TEXTS.items():
        rows = [
            Sample(model, "synthetic", p.id, j, t, "stop", 5, 0)
            for p in run.read_problems("synthetic")
            for j, t in enumerate(texts)
        ]
        run.write_shard("samples", model, "synthetic", 0, samples_to_table(rows))
    return run.path


def digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_ppl_writes_shards_and_summary_and_resumes(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    first = passbound("ppl", str(run), "--scorer", "small", "--of", "small", "--of", "other", "--limit", "2")
    assert first.returncode == 0, first.stderr + first.stdout
    own = pq.read_table(run / "perplexity" / "small__small" / "synthetic.parquet").to_pandas()
    cross = pq.read_table(run / "perplexity" / "small__other" / "synthetic.parquet").to_pandas()
    assert len(own) == len(cross) == 2 * 2  # 2 problems x --limit 2 samples
    assert set(own["index"]) == {0, 1}
    assert (own["ppl"] > 1).all() and (own["n_tokens"] > 0).all()
    assert own["ppl"].to_numpy() == pytest.approx(np.exp(own["nll"].to_numpy()))
    # Its own samples: entropy at its own sampling temperature (the per-model override 0.7).
    assert own["entropy"].notna().all() and (own["temperature"] == 0.7).all()
    assert cross["entropy"].isna().all()  # another model's samples: no entropy
    summary = pd.read_csv(run / "perplexity.csv")
    assert set(zip(summary["scorer"], summary["of_model"])) == {("small", "small"), ("small", "other")}
    row = summary[summary["of_model"] == "small"].iloc[0]
    assert row["n_samples"] == 4 and row["median_ppl"] == pytest.approx(own["ppl"].median())
    assert row["q25"] <= row["median_ppl"] <= row["q75"] and row["mean_entropy"] == pytest.approx(own["entropy"].mean())

    report_has_perplexity_and_diversity(run)
    before, csv = digest(run / "perplexity"), (run / "perplexity.csv").read_text()
    again = passbound("ppl", str(run), "--scorer", "small", "--of", "small", "--of", "other", "--limit", "2")
    assert again.returncode == 0 and "nothing to do" in again.stdout + again.stderr
    assert digest(run / "perplexity") == before and (run / "perplexity.csv").read_text() == csv


def report_has_perplexity_and_diversity(run: Path) -> None:
    """analyse writes diversity.csv; the report shows both tables and the log-PPL figure."""
    from passbound.report import write_report
    from passbound.stages import analyse_run, study_of_run
    from passbound.store import RunDir
    from passbound.store.rundir import verdicts_to_table
    from passbound.types import Verdict

    rd = RunDir(run)
    for model, texts in TEXTS.items():
        rows = [
            Verdict(model, "synthetic", p.id, j, "pass" if "7" in t else "fail", t[-3:], "v1", "")
            for p in rd.read_problems("synthetic")
            for j, t in enumerate(texts)
        ]
        rd.write_shard("verdicts", model, "synthetic", 0, verdicts_to_table(rows))
    analyse_run(study_of_run(rd), rd)
    diversity = pd.read_csv(run / "diversity.csv").set_index("model")
    assert diversity.loc["small", "mean_distinct"] == 3 and diversity.loc["other", "mean_distinct"] == 2
    paths = write_report(run)
    html = paths["html"].read_text()
    assert paths["ppl_svg:synthetic"].is_file() and paths["ppl_png:synthetic"].is_file()
    assert 'id="perplexity"' in html and 'id="diversity"' in html and "Mean entropy" in html
    assert '<a href="#perplexity">' in html and '<a href="#diversity">' in html
    assert html.count('alt="perplexity distributions on synthetic"') == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scorer", "nosuchmodel", "--of", "small"], "unknown scorer model 'nosuchmodel'"),
        (["--scorer", "small", "--of", "ghost"], "no model named 'ghost'"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    run = make_run(tmp_path)
    res = passbound("ppl", str(run), *args)
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert not (run / "perplexity").exists()


def test_study_option_validated_and_run(tmp_path: Path) -> None:
    from passbound.stages.perplexity import perplexity_run

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "study.toml").write_text(STUDY.format(extra='[analysis]\nperplexity = [{scorer = "small", of = ["nope"]}]'))
    with pytest.raises(ConfigError, match="analysis.perplexity names 'nope'"):
        load_study(bad / "study.toml")
    run = make_run(tmp_path, '[analysis]\nperplexity = [{scorer = "other", of = ["small"], limit = 1}]')
    study = load_study(tmp_path / "study.toml")
    from passbound.store import RunDir

    assert perplexity_run(study, RunDir(run), show_progress=False) == 2  # 2 problems x 1 sample
    summary = pd.read_csv(run / "perplexity.csv")
    assert list(zip(summary["scorer"], summary["of_model"], summary["n_samples"])) == [("other", "small", 2)]


# A third-party scorer, written to a module the CLI subprocess imports by path: a real (if crude)
# character model, so the test checks the registry hook, not passbound's own scorers.
CHAR_SCORER = '''
import math
from passbound.metrics.perplexity import score_from_logprobs

class CharScorer:
    """Every character equally likely among 128: NLL = log 128 per character."""
    gives_entropy = True

    def __init__(self, model, **options):
        self.model = model

    def score(self, prompts, completions, temperature=None):
        return [score_from_logprobs([-math.log(128)] * len(c), [math.log(128)] * len(c)) for c in completions]

    def close(self):
        pass
'''


def test_a_registered_third_party_scorer_scores_through_the_cli(tmp_path: Path) -> None:
    """Perplexity scorers come from the same registry mechanism as engines (`passbound list scorers`):
    a ``module:factory`` path works, and its entropy flag is honoured; an unknown name exits 2."""
    (tmp_path / "charscorer.py").write_text(CHAR_SCORER)
    run = make_run(tmp_path)
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path)}
    cmd = [sys.executable, "-m", "passbound", "ppl", str(run), "--scorer", "small", "--of", "small", "--no-progress"]
    res = subprocess.run([*cmd, "--engine", "charscorer:CharScorer"], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr + res.stdout
    own = pq.read_table(run / "perplexity" / "small__small" / "synthetic.parquet").to_pandas()
    texts = TEXTS["small"]
    assert sorted(own["n_tokens"]) == sorted(len(t) for _ in range(2) for t in texts)
    assert own["ppl"].to_numpy() == pytest.approx(128.0)
    assert (own["temperature"] == 0.7).all()  # gives_entropy: scored at the model's own temperature
    assert set(own["engine"]) == {"charscorer:CharScorer"}
    bad = subprocess.run([*cmd, "--engine", "nosuch"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "unknown perplexity engine 'nosuch'" in bad.stderr and "hf, vllm" in bad.stderr
    listing = subprocess.run([sys.executable, "-m", "passbound", "list", "scorers"], capture_output=True, text=True)
    assert listing.returncode == 0 and "hf" in listing.stdout and "vllm" in listing.stdout
