"""Analyses declared in one file each: a table (name, columns, compute) and its report section.

The analyse stage runs every registered analysis on the run's verdicts and writes
``<name>.csv``; the report reads those tables back through the store (never recomputing) and
renders each analysis's HTML section and Markdown lines, in registration order. Adding an
analysis is adding one module here and naming it in ``_MODULES``.

The study's own tables are registered the same way (``passk_tables``, ``boundary``,
``cot_passk``); ``register_tables`` declares several tables of one computation, which runs once
through ``AnalysisInputs.shared``.
Their report sections are the page's fixed frame (summary, curves, results), so only the ones
that stand alone declare a section here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from passbound.config import AnalysisSpec
    from passbound.metrics.counts import ProblemCounts

from passbound.store.tables import TEXT_COLUMNS, TableSchema
from passbound.types import ModelRecord

_MODULES = (
    "passbound.analyses.passk_tables",
    "passbound.analyses.boundary",
    "passbound.analyses.cot_passk",
    "passbound.analyses.diversity",
    "passbound.analyses.beyond_n",
    "passbound.analyses.bayes",
    "passbound.analyses.along_training",
    "passbound.analyses.contamination",
    "passbound.analyses.chance",
    "passbound.analyses.training_curves",
    "passbound.analyses.entropy_fit",
    "passbound.analyses.visible_tests",
    "passbound.analyses.truncation",
    "passbound.analyses.budget_passk",
    "passbound.analyses.pass_hat_k",
    "passbound.analyses.gpass",
    "passbound.analyses.cover",
    "passbound.analyses.sharpening_tax",
)
LENGTH_COLUMNS = ("model", "benchmark", "problem_id", "index", "finish_reason", "n_tokens")  # of samples, no texts


@dataclass(frozen=True)
class AnalysisInputs:
    """What an analysis computes from: the verdicts and the study's analysis settings."""

    verdicts: pd.DataFrame  # one row per completion (model, benchmark, problem_id, index, status, ...)
    models: Sequence[ModelRecord]  # name, role, step, base, ...
    k_grid: Sequence[int]
    spec: AnalysisSpec
    run_path: Path | None = None  # for analyses of side tables (e.g. the contamination probe's shards)
    adaptive_first: int | None = None  # samples per problem in round one when the run sampled adaptively
    visible_only: frozenset[tuple[str, str]] = frozenset()  # (benchmark, problem_id) graded on shown tests only
    lengths: pd.DataFrame | None = None  # LENGTH_COLUMNS of the samples (finish_reason, n_tokens), no texts
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def role(self, model: str) -> str:
        return next((str(m["role"]) for m in self.models if m["name"] == model), "other")

    @property
    def options(self) -> dict[str, Any]:
        """The bootstrap settings every interval uses: ``n_boot``, ``ci``, ``seed``."""
        return {"n_boot": self.spec.bootstrap, "ci": self.spec.ci, "seed": self.spec.seed}

    @property
    def problem_counts(self) -> ProblemCounts:
        """The counts kernel of the verdicts (n, c, adaptive round one, answer groups per model,
        benchmark and problem), built once per analyse run for every analysis that reads it."""
        from passbound.metrics.counts import build_counts

        return self.shared(
            "problem_counts",
            lambda: build_counts(
                self.verdicts, first=self.adaptive_first, answers="extracted" in self.verdicts.columns
            ),
        )

    @property
    def counts(self) -> pd.DataFrame:
        """The kernel as a table, one row per (model, benchmark, problem_id), sorted by them:
        n, c, n_first, c_first, rounds and, with answers, n_answers, n_correct_answers, n_no_answer."""
        return self.problem_counts.table()

    @property
    def verdicts_with_lengths(self) -> pd.DataFrame:
        """The verdicts with each sample's ``finish_reason`` and ``n_tokens`` (null where the run
        stored none, or no lengths were given), joined once for every analysis that reads them."""
        return self.shared("verdicts_with_lengths", self._join_lengths)

    def _join_lengths(self) -> pd.DataFrame:
        import pandas as pd

        keys = ["model", "benchmark", "problem_id", "index"]
        lengths = self.lengths
        if self.verdicts.empty or lengths is None or lengths.empty:
            return self.verdicts.assign(
                finish_reason=pd.Series(None, index=self.verdicts.index, dtype=object),
                n_tokens=pd.Series(float("nan"), index=self.verdicts.index, dtype=float),
            )
        lengths = lengths[list(LENGTH_COLUMNS)].drop_duplicates(keys, keep="last")
        joined = self.verdicts.merge(lengths, on=keys, how="left", validate="many_to_one")
        joined["n_tokens"] = pd.to_numeric(joined["n_tokens"], errors="coerce")
        return joined

    def shared(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per analyse run: tables derived from one computation share it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass(frozen=True)
class Analysis:
    """One table of the run directory and, optionally, its section of report.html."""

    name: str  # the table is RUN/<name>.csv
    columns: tuple[str, ...]
    compute: Callable[[AnalysisInputs], pd.DataFrame | None]  # None: the run has nothing for this table
    section: Callable[[pd.DataFrame, Any], str] | None = None  # (table, report context) -> HTML
    text_columns: tuple[str, ...] = field(default=("model", "role", "benchmark"))
    nav: tuple[str, str] | None = None  # (anchor, label) of the report's navigation link, when it has rows
    markdown: Callable[[pd.DataFrame, Any], list[str]] | None = None  # (table, run data) -> summary.md lines
    required: bool = False  # a run without this table cannot be reported
    added: tuple[str, ...] = ()  # columns added after the table was first written: older files read without them
    beside_curves: bool = False  # its section goes right after the pass@k curves (it qualifies how to read them)

    @property
    def schema(self) -> TableSchema:
        """Where the table lives and how the store reads it back."""
        return TableSchema(self.name, tuple(self.columns), tuple(self.text_columns), self.required, tuple(self.added))

    def run(self, inputs: AnalysisInputs) -> pd.DataFrame | None:
        import pandas as pd

        frame = self.compute(inputs)
        if frame is None:
            return None
        if list(frame.columns) != list(self.columns):
            raise AssertionError(
                f"analysis {self.name!r} returned columns {list(frame.columns)}, declared {list(self.columns)}"
            )
        return frame if len(frame) else pd.DataFrame(columns=list(self.columns))


_REGISTERED: dict[str, Analysis] = {}


def register(analysis: Analysis) -> Analysis:
    if analysis.name in _REGISTERED:
        raise ValueError(f"analysis {analysis.name!r} is registered twice")
    _REGISTERED[analysis.name] = analysis
    return analysis


def register_tables(
    key: str,
    compute_all: Callable[[AnalysisInputs], dict[str, pd.DataFrame]],
    columns: Mapping[str, Sequence[str]],
    *,
    required: Sequence[str] = (),
    markdown: dict[str, Callable[[pd.DataFrame, Any], list[str]]] | None = None,
    added: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Register each table of one computation (``compute_all`` -> {name: table}), which runs once
    per analyse run however many of its tables are declared."""
    for name, cols in columns.items():

        def compute(inputs: AnalysisInputs, name: str = name) -> pd.DataFrame:
            return inputs.shared(key, lambda: compute_all(inputs))[name]

        compute.__module__ = compute_all.__module__  # ordered with the module that declares the tables
        register(
            Analysis(
                name,
                tuple(cols),
                compute,
                text_columns=TEXT_COLUMNS,
                required=name in required,
                markdown=(markdown or {}).get(name),
                added=tuple((added or {}).get(name, ())),
            )
        )


def registered() -> list[Analysis]:
    """Every analysis, in the order of ``_MODULES`` (then registration order), whichever module
    was imported first: the report's sections and summary.md lines follow this order."""
    for module in _MODULES:
        importlib.import_module(module)
    rank = {module: i for i, module in enumerate(_MODULES)}
    return sorted(_REGISTERED.values(), key=lambda a: rank.get(a.compute.__module__, len(rank)))


def per_problem_counts(verdicts: pd.DataFrame, max_index: int | None = None) -> pd.DataFrame:
    """(model, benchmark, problem_id) -> n samples, c passes, sorted by them; only indices <
    ``max_index`` if set. The counts kernel's table of those verdicts, without answer groups."""
    from passbound.metrics.counts import build_counts

    frame = verdicts if max_index is None else verdicts[verdicts["index"] < max_index]
    return build_counts(frame, answers=False).table()[["model", "benchmark", "problem_id", "n", "c"]]


def ordered_groups(counts: pd.DataFrame, models: Sequence[ModelRecord]) -> list[tuple[str, str, pd.DataFrame]]:
    """(model, benchmark, rows) in study model order, then benchmark name."""
    listed = [m["name"] for m in models]
    groups = [(str(m), str(b), g) for (m, b), g in counts.groupby(["model", "benchmark"], sort=True)]
    return sorted(groups, key=lambda x: (listed.index(x[0]) if x[0] in listed else len(listed), x[0], x[1]))


__all__ = [
    "LENGTH_COLUMNS",
    "TEXT_COLUMNS",
    "Analysis",
    "AnalysisInputs",
    "ordered_groups",
    "per_problem_counts",
    "register",
    "register_tables",
    "registered",
]
