"""Helpers the tables built from the counts kernel (``passbound.metrics.counts``) share: model
order, base pairs, the largest k every problem reaches, and rows -> a typed frame."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from passbound.types import ModelRecord


def model_order(models: Sequence[ModelRecord], present: Iterable[str]) -> list[str]:
    """Models in the order the study lists them, then unlisted ones (sorted); only present ones."""
    present = set(present)
    listed = [str(m["name"]) for m in models if str(m["name"]) in present]
    return listed + sorted(present - set(listed))


def non_base_with_base(models: Sequence[ModelRecord]) -> list[tuple[str, str]]:
    """(model, base) for every listed model that is not a base and names a base, in list order."""
    return [
        (str(m["name"]), str(m["base"]))
        for m in models
        if m.get("role", "other") != "base" and m.get("base") not in (None, "")
    ]


def k_max(ks: Sequence[int], n_min: int) -> int | None:
    """Largest k of the grid that every problem has samples for (None if none fits)."""
    fit = ks_within(ks, n_min)
    return fit[-1] if fit else None


def ks_within(ks: Iterable[int], n_min: int) -> list[int]:
    """The grid's distinct k, ascending, that every problem has samples for (k <= n_min)."""
    return sorted({int(k) for k in ks if int(k) <= n_min})


def frame(
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    ints: Iterable[str] = (),
    bools: Iterable[str] = (),
    strings: Iterable[str] = (),
) -> pd.DataFrame:
    """Rows -> DataFrame with exactly ``columns``; nullable Int64 so a missing k stays NA."""
    df = pd.DataFrame(rows, columns=list(columns))
    ints, bools, strings = set(ints), set(bools), set(strings)
    for col in df.columns:
        if col in ints:
            df[col] = pd.array(
                [None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v) for v in df[col]],
                dtype="Int64",
            )
        elif col in bools:
            df[col] = df[col].astype(bool)
        elif col in strings:
            df[col] = df[col].astype(object)
        else:
            df[col] = df[col].astype(np.float64)
    return df
