"""Metrics: unbiased pass@k, bootstrap CIs over problems, maj@k, and the study's tables.

Pure NumPy/pandas; importing this package never imports torch or an engine, and the pandas-based
parts load on first use so that `import passbound` (which exposes `pass_at_k`) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from passbound.metrics.passk import pass_at_k as pass_at_k
from passbound.metrics.passk import pass_at_k_matrix as pass_at_k_matrix

_LAZY = {
    "TABLE_COLUMNS": ("passbound.metrics.study_tables", "COLUMNS"),
    "analyse_verdicts": ("passbound.metrics.study_tables", "analyse_verdicts"),
    "analyse_boundary": ("passbound.metrics.boundary", "analyse_boundary"),
    "bootstrap_ci": ("passbound.metrics.bootstrap", "bootstrap_ci"),
    "paired_bootstrap_diff": ("passbound.metrics.bootstrap", "paired_bootstrap_diff"),
    "maj_at_k": ("passbound.metrics.majority", "maj_at_k"),
    "maj_at_k_matrix": ("passbound.metrics.majority", "maj_at_k_matrix"),
    "majority_vote": ("passbound.metrics.majority", "majority_vote"),
    "normalise_answer": ("passbound.metrics.majority", "normalise_answer"),
    "diversity_table": ("passbound.metrics.diversity", "diversity_table"),
    "distinct_per_problem": ("passbound.metrics.diversity", "distinct_per_problem"),
    "create_scorer": ("passbound.metrics.perplexity", "create_scorer"),
}

__all__ = sorted([*_LAZY, "pass_at_k", "pass_at_k_matrix"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'passbound.metrics' has no attribute {name!r}")
