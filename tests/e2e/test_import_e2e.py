"""Imported samples give the same passk.csv as the same samples drawn in a run, and a partial
import is completed by sampling only what is missing (real model through the hf engine, whose
per-problem seeds make a problem's samples independent of which problems share its batch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from _studies import smol_synthetic
from passbound.store import RunDir

pytestmark = pytest.mark.e2e

COLUMNS = ["problem_id", "index", "text", "finish_reason", "n_tokens"]


def passbound(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "passbound", *args, "--no-progress"]
        if args[0] == "run"
        else [sys.executable, "-m", "passbound", *args],
        capture_output=True,
        text=True,
    )


def samples(run: Path) -> pd.DataFrame:
    table = RunDir(run).read_all("samples").to_pandas()
    return table.sort_values(["problem_id", "index"]).reset_index(drop=True)


def test_imported_samples_equal_sampled_ones(tmp_path: Path, embedded_model: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text(
        smol_synthetic(embedded_model, name="import-e2e", problems=6, n=4, max_tokens=24, seed=7, chunk_size=2)
    )
    ref = tmp_path / "sampled"
    done = passbound("run", str(study), "--out", str(ref))
    assert done.returncode == 0, done.stderr
    drawn = samples(ref)
    assert len(drawn) == 24

    def export(path: Path, frame: pd.DataFrame) -> Path:
        rows = [
            {"benchmark": "synthetic", **{c: (r[c].item() if hasattr(r[c], "item") else r[c]) for c in COLUMNS}}
            for _, r in frame.iterrows()
        ]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path

    # Everything imported: nothing is sampled, and the analysis is the sampled run's.
    whole = tmp_path / "imported"
    res = passbound(
        "import", str(study), str(export(tmp_path / "all.jsonl", drawn)), "--model", "smol", "--out", str(whole)
    )
    assert res.returncode == 0, res.stderr
    res = passbound("run", str(study), "--out", str(whole))
    assert res.returncode == 0, res.stderr
    assert "nothing to do" in res.stdout + res.stderr
    pd.testing.assert_frame_equal(samples(whole)[COLUMNS], drawn[COLUMNS])
    pd.testing.assert_frame_equal(pd.read_csv(ref / "passk.csv"), pd.read_csv(whole / "passk.csv"))

    # Problems 1, 2 and 4 imported, the second half of chunk 0 and the first of chunks 1 and 2: the
    # run samples the other three, and chunk 0's sampled problem lands after its imported one.
    imported = [sorted(drawn["problem_id"].unique())[i] for i in (1, 2, 4)]
    part = tmp_path / "partial"
    src = export(tmp_path / "part.jsonl", drawn[drawn["problem_id"].isin(imported)])
    res = passbound("import", str(study), str(src), "--model", "smol", "--out", str(part))
    assert res.returncode == 0, res.stderr
    assert "3 chunks are partly covered" in " ".join((res.stdout + res.stderr).split())
    res = passbound("run", str(study), "--out", str(part))
    assert res.returncode == 0, res.stderr
    completed = samples(part)
    pd.testing.assert_frame_equal(completed[COLUMNS], drawn[COLUMNS])
    assert completed[completed["problem_id"].isin(imported)]["seed"].isna().all()
    assert completed[~completed["problem_id"].isin(imported)]["seed"].notna().all()
    pd.testing.assert_frame_equal(pd.read_csv(ref / "passk.csv"), pd.read_csv(part / "passk.csv"))
    verdicts = RunDir(part).read_all("verdicts").to_pandas()
    assert len(verdicts) == 24 and not verdicts.duplicated(["problem_id", "index"]).any()
