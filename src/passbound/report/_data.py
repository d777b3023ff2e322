"""Read what the analyse stage left in a run directory into one in-memory bundle.

The report never recomputes metrics: it only reads the analyse stage's tables, so a report can
be regenerated (new styling, new wording) without touching samples or verdicts. Optional tables
(delta_se, paired, crossover, majk, and the boundary tables overlap, accuracy_hist, series,
algorithms, support, perplexity, and the registered analyses' tables) may be missing or empty: a one-model study has no base to compare with,
and runs analysed by older versions have no boundary tables. They load as empty frames with the
expected columns, and the report leaves their sections out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passbound.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

COLUMNS: dict[str, tuple[str, ...]] = {
    "passk": ("model", "role", "benchmark", "k", "pass_at_k", "ci_low", "ci_high",
              "n_problems", "n_samples"),
    "delta_se": ("benchmark", "rl_model", "base_model", "k_max", "base_pass_at_kmax",
                 "rl_pass_at_1", "delta_se", "ci_low", "ci_high"),
    "paired": ("benchmark", "model", "reference", "k", "diff", "ci_low", "ci_high"),
    "crossover": ("benchmark", "model", "base_model", "crossover_k", "model_wins_at_1",
                  "base_wins_at_kmax"),
    "majk": ("model", "benchmark", "k", "maj_at_k"),
    "summary": ("model", "role", "step", "benchmark", "n_problems", "n_samples", "pass_at_1",
                "pass_at_kmax", "k_max", "maj_at_kmax", "n_pass", "n_fail", "n_timeout",
                "n_error", "n_no_answer"),
    # boundary tables (passbound.metrics.boundary); only the columns the report reads
    "overlap": ("benchmark", "model", "reference", "relation", "n_problems", "n_both",
                "n_model_only", "n_reference_only", "n_neither", "model_subset_of_reference",
                "model_only_ids", "reference_only_ids"),
    "accuracy_hist": ("model", "benchmark", "bin", "lo", "hi", "n_problems", "fraction"),
    "series": ("benchmark", "base_model", "model", "step", "pass_at_1", "pass_at_1_ci_low",
               "pass_at_1_ci_high", "pass_at_kmax", "pass_at_kmax_ci_low", "pass_at_kmax_ci_high",
               "k_max"),
    "algorithms": ("benchmark", "model", "role", "base_model", "pass_at_1", "pass_at_kmax",
                   "k_max", "base_pass_at_1", "base_pass_at_kmax", "delta_se", "delta_se_ci_low",
                   "delta_se_ci_high", "crossover_k"),
    "support": ("benchmark", "model", "base_model", "n_problems", "n_preserved", "n_expansion",
                "n_shrinkage", "n_neither", "expansion_rate", "expansion_ci_low",
                "expansion_ci_high", "shrinkage_rate", "shrinkage_ci_low", "shrinkage_ci_high"),
    # passbound ppl (perplexity.csv); diversity.csv and the other registered analyses: passbound/analyses/
    "perplexity": ("scorer", "of_model", "benchmark", "n_samples", "mean_ppl", "median_ppl", "q25", "q75",
                   "mean_log_ppl", "mean_entropy"),
}
REQUIRED = ("passk", "summary")
# Names and ids are text even when they look like numbers ("7", "1e3"): read them as str.
TEXT_COLUMNS = ("model", "benchmark", "rl_model", "base_model", "reference", "relation",
                "model_only_ids", "reference_only_ids", "bin", "scorer", "of_model")


@dataclass
class RunData:
    """Every table the report uses, plus the run manifest (empty dict if absent)."""

    run_dir: Path
    passk: pd.DataFrame
    summary: pd.DataFrame
    delta_se: pd.DataFrame
    paired: pd.DataFrame
    crossover: pd.DataFrame
    majk: pd.DataFrame
    overlap: pd.DataFrame
    accuracy_hist: pd.DataFrame
    series: pd.DataFrame
    algorithms: pd.DataFrame
    support: pd.DataFrame
    perplexity: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    analyses: dict[str, pd.DataFrame] = field(default_factory=dict)  # passbound.analyses tables, by name

    def table(self, name: str) -> pd.DataFrame:
        """A registered analysis's table (empty with its columns when the run has none)."""
        return self.analyses[name]

    @property
    def benchmarks(self) -> list[str]:
        """Benchmarks in manifest order, then any others in the order passk.csv lists them."""
        named = [str(b.get("name")) for b in self.manifest.get("benchmarks", []) if b.get("name")]
        seen = list(dict.fromkeys(self.passk["benchmark"].astype(str)))
        return [b for b in named if b in seen] + [b for b in seen if b not in named]

    @property
    def models(self) -> list[str]:
        """Models in manifest order (the order the study file lists them), then the rest."""
        named = [str(m.get("name")) for m in self.manifest.get("models", []) if m.get("name")]
        seen = list(dict.fromkeys(self.passk["model"].astype(str)))
        return [m for m in named if m in seen] + [m for m in seen if m not in named]

    def role(self, model: str) -> str:
        """Role of ``model`` (base/rl/distill/checkpoint), from the manifest or passk.csv."""
        for m in self.manifest.get("models", []):
            if str(m.get("name")) == model and m.get("role"):
                return str(m["role"])
        rows = self.passk.loc[self.passk["model"] == model, "role"]
        return str(rows.iloc[0]) if len(rows) else ""

    def algorithm(self, model: str) -> str:
        """Training algorithm the study names for ``model`` ("" if none)."""
        for m in self.manifest.get("models", []):
            if str(m.get("name")) == model:
                return str(m.get("algorithm") or "")
        return ""

    def step(self, model: str) -> Any:
        """Training step of a checkpoint model, or None."""
        for m in self.manifest.get("models", []):
            if str(m.get("name")) == model:
                return m.get("step")
        return None


def load_run(run_dir: Path) -> RunData:
    """Load the analyse stage's tables and the manifest from ``run_dir``."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise DataError(f"Run directory {run_dir} does not exist; pass the study's output dir.")
    from passbound.analyses import registered
    from passbound.store.tables import read_table

    tables = {name: read_table(run_dir, name, COLUMNS[name], text=TEXT_COLUMNS, required=name in REQUIRED)
              for name in COLUMNS}
    analyses = {a.name: read_table(run_dir, a.name, a.columns, text=a.text_columns) for a in registered()}
    manifest: dict[str, Any] = {}
    mpath = run_dir / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{mpath} is not valid JSON ({exc}).") from exc
    return RunData(run_dir=run_dir, manifest=manifest, analyses=analyses, **tables)
