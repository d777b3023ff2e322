"""Training curves copied from `passbound train`'s curves.csv into the run's table, and their section."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from passbound.analyses import AnalysisInputs
from passbound.analyses.training_curves import COLUMNS, compute, section
from passbound.config import AnalysisSpec


def _curves(folder: Path, rates: list[float]) -> Path:
    folder.mkdir(parents=True)
    path = folder / "curves.csv"
    pd.DataFrame(
        {
            "step": range(1, len(rates) + 1),
            "reward": rates,
            "pass_rate": rates,
            "kl": [0.01 * i for i in range(len(rates))],
            "entropy": [1.0] * len(rates),
        }
    ).to_csv(path, index=False)
    return path


def _inputs(models: list[dict]) -> AnalysisInputs:
    return AnalysisInputs(verdicts=pd.DataFrame(), models=models, k_grid=[1], spec=AnalysisSpec())


def test_one_row_per_run_and_step_missing_columns_blank(tmp_path: Path) -> None:
    grpo = _curves(tmp_path / "grpo", [0.1, 0.3])
    rloo = _curves(tmp_path / "rloo", [0.2, 0.2, 0.4])
    models = [
        {"name": "base", "role": "base"},
        *(
            {
                "name": f"g{s}",
                "role": "checkpoint",
                "step": s,
                "base": "base",
                "algorithm": "grpo/dapo",
                "training_curves": str(grpo),
            }
            for s in (1, 2)
        ),  # two checkpoints of one run: read once
        {
            "name": "r3",
            "role": "checkpoint",
            "step": 3,
            "base": "base",
            "algorithm": "rloo",
            "training_curves": str(rloo),
        },
    ]
    table = compute(_inputs(models))
    assert list(table.columns) == list(COLUMNS)
    assert table.groupby("training_run")["step"].apply(list).to_dict() == {"grpo": [1, 2], "rloo": [1, 2, 3]}
    assert table.loc[table["training_run"] == "rloo", "pass_rate"].tolist() == [0.2, 0.2, 0.4]
    assert set(table["algorithm"]) == {"grpo/dapo", "rloo"} and table["completion_length"].isna().all()

    class Report:  # section() only calls name(); the report passes its own
        def name(self, x: str) -> str:
            return x

    html = section(table, Report())
    assert 'id="training-curves"' in html and "10.0 → 30.0" in html and "20.0 → 40.0" in html
    assert "data:image/svg+xml;base64," in html  # the figure is inline: the report stays one file


def test_missing_curves_file_is_no_rows_not_a_failed_analysis(tmp_path: Path) -> None:
    models = [
        {"name": "c", "role": "checkpoint", "step": 1, "base": None, "training_curves": str(tmp_path / "gone.csv")}
    ]
    assert compute(_inputs(models)).empty
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")  # not a curves.csv
    models[0]["training_curves"] = str(tmp_path / "other.csv")
    assert compute(_inputs(models)).empty
    assert section(pd.DataFrame(columns=list(COLUMNS)), None) == ""
