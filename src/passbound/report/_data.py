"""Read what the analyse stage left in a run directory into one in-memory bundle.

The report never recomputes metrics: it only reads the run's tables, each through its schema in
the store (the registered analyses' tables, ``passbound.analyses``, and perplexity.csv,
``passbound.store.side_tables``), so a report can be regenerated (new styling, new wording)
without touching samples or verdicts. Only passk and summary are required; the others may be
missing or empty (a one-model study has no base to compare with, runs analysed by older
versions lack newer tables) and load as empty frames with their columns, and the report leaves
their sections out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from passbound.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


def _table(name: str) -> property:
    return property(lambda self: self.tables[name], doc=f"{name}.csv")


@dataclass
class RunData:
    """Every table of the run (by name, each with its declared columns) and the run manifest."""

    run_dir: Path
    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any] = field(default_factory=dict)

    # the tables the report's frame reads by name
    passk, summary, delta_se, paired, crossover, majk = map(
        _table, ("passk", "summary", "delta_se", "paired", "crossover", "majk")
    )
    overlap, accuracy_hist, series, algorithms, support, perplexity = map(
        _table, ("overlap", "accuracy_hist", "series", "algorithms", "support", "perplexity")
    )

    def table(self, name: str) -> pd.DataFrame:
        """A table of the run by name (empty with its columns when the run has none)."""
        return self.tables[name]

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
    from passbound.store.side_tables import PERPLEXITY_TABLE

    schemas = [a.schema for a in registered()] + [PERPLEXITY_TABLE]
    tables = {schema.name: schema.read(run_dir) for schema in schemas}
    manifest: dict[str, Any] = {}
    mpath = run_dir / "manifest.json"
    if mpath.exists():
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"{mpath} is not valid JSON ({exc}).") from exc
    return RunData(run_dir=run_dir, tables=tables, manifest=manifest)
