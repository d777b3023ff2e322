"""The analysis tables of a run directory (RUN/<name>.csv): path and the one reader every
consumer uses (the report, `passbound` commands), with the checks that make a stale or foreign
file an error that says what to do rather than a KeyError later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from passbound.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


# Names and ids are text even when they look like numbers ("7", "1e3"): these columns read as str
# in every table that has them.
TEXT_COLUMNS = (
    "model",
    "role",
    "benchmark",
    "rl_model",
    "base_model",
    "reference",
    "relation",
    "model_only_ids",
    "reference_only_ids",
    "bin",
    "scorer",
    "of_model",
    "problem_id",
)


def table_path(run_dir: Path, name: str) -> Path:
    return Path(run_dir) / f"{name}.csv"


@dataclass(frozen=True)
class TableSchema:
    """One table of the run directory: its name (RUN/<name>.csv), the columns readers rely on, the
    columns read as text, and whether a run without it cannot be reported."""

    name: str
    columns: tuple[str, ...]
    text_columns: tuple[str, ...] = TEXT_COLUMNS
    required: bool = False
    added: tuple[str, ...] = ()  # columns added later: a file written before them reads with them empty

    def path(self, run_dir: Path) -> Path:
        return table_path(run_dir, self.name)

    def read(self, run_dir: Path) -> pd.DataFrame:
        return read_table(
            run_dir, self.name, self.columns, text=self.text_columns, required=self.required, added=self.added
        )


def read_table(
    run_dir: Path,
    name: str,
    columns: Sequence[str],
    *,
    text: Sequence[str] = (),
    required: bool = False,
    added: Sequence[str] = (),
) -> pd.DataFrame:
    """RUN/<name>.csv with at least ``columns``; ``text`` columns read as strings (names and ids
    that look like numbers stay text). Missing or empty: an empty frame with ``columns``, or an
    error when ``required``. ``added`` columns missing from the file (a run analysed before they
    existed) read as empty, so its report can still be written."""
    import pandas as pd

    path = table_path(run_dir, name)
    if not path.exists() or path.stat().st_size == 0:
        if required:
            raise DataError(
                f"{path} is missing or empty. Run the analyse stage on this run directory before writing the report."
            )
        return pd.DataFrame(columns=list(columns))
    try:
        df = pd.read_csv(path, dtype={c: str for c in text})
    except pd.errors.EmptyDataError:
        df = pd.DataFrame(columns=list(columns))
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is not a readable CSV ({exc}). Re-run the analyse stage.") from exc
    for col in added:
        if col not in df.columns:
            df[col] = float("nan")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{path} lacks column(s) {', '.join(missing)}; it was written by an incompatible "
            "version. Re-run the analyse stage."
        )
    for col in text:
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str)
    if required and df.empty:
        raise DataError(f"{path} has no rows. Run the analyse stage before writing the report.")
    return df
