"""Paper tables: every analysis CSV of a run, also as Markdown and LaTeX (booktabs).

The CSVs stay the machine-readable truth; ``tables/<name>.md`` and ``tables/<name>.tex`` are
the same rows formatted for a paper or a README, so nobody retypes numbers by hand. Rates are
shown as percentages with one decimal, differences (ΔSE, paired diffs) in percentage points,
and a value with CI columns is shown as ``52.0 [48.0, 56.0]`` in one cell. Every CSV at the run
directory's top level is converted, so tables that later analyses add get paper versions too.

The ``.tex`` files hold a bare ``tabular`` (needs ``\\usepackage{booktabs}``) to ``\\input``
inside the paper's own ``table`` float; user text (model names, ids) is escaped for LaTeX.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from passbound.report_kit import as_float
from passbound.store.tables import TEXT_COLUMNS

MISSING_MD, MISSING_TEX = "—", "---"
_RATE = re.compile(r"(^|_)(pass_at|maj_at)|fraction$|_rate$|_acc$")
_POINTS = {"delta_se", "diff"}
_TEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "−": "-",
    "⊆": r"$\subseteq$",
    "Δ": r"$\Delta$",
}
_MD_SPECIAL = set("\\`*_[]<>|#")


def tex_escape(text: object) -> str:
    """``text`` safe in LaTeX text mode: specials such as ``& % $ # _`` are escaped."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def md_escape(text: object) -> str:
    """``text`` safe in a Markdown table cell: no emphasis, links, HTML or broken rows."""
    s = " ".join(str(text).split())
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)


@dataclass(frozen=True)
class Column:
    """One shown column: a CSV column, how to format it, and its CI columns if any."""

    name: str
    kind: str  # "text", "int", "bool", "rate" (%), "points" (pts), "number"
    ci: tuple[str, str] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "rate", "points", "number")


def _kind(name: str, series: pd.Series) -> str:
    if name in TEXT_COLUMNS:
        return "text"
    if _looks_bool(series):
        return "bool"
    if not pd.api.types.is_numeric_dtype(series.dtype):  # object or pandas' string dtype
        return "text"
    if name in _POINTS:
        return "points"
    if _RATE.search(name):
        return "rate"
    return "int" if pd.api.types.is_integer_dtype(series.dtype) else "number"


def _looks_bool(series: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(series.dtype):
        return True
    vals = {str(v).strip().lower() for v in series.dropna()}
    return bool(vals) and vals <= {"true", "false"}


def shown_columns(df: pd.DataFrame) -> list[Column]:
    """The shown columns: CI columns fold into the value they bound (``x_ci_low`` into ``x`` or
    ``x_rate``; bare ``ci_low``/``ci_high`` into the nearest preceding rate or difference)."""
    names = list(df.columns)
    ci_of: dict[str, tuple[str, str]] = {}
    for low in names:
        if not low.endswith("ci_low"):
            continue
        high = low[: -len("low")] + "high"
        if high not in names:
            continue
        stem = low[: -len("_ci_low")] if low != "ci_low" else ""
        target = next((c for c in (stem, f"{stem}_rate") if stem and c in names), None)
        if target is None:  # bare ci_low: the closest value column to its left
            left = names[: names.index(low)]
            target = next((c for c in reversed(left) if c in _POINTS or _RATE.search(c)), None)
        if target is not None:
            ci_of[target] = (low, high)
    folded = {c for pair in ci_of.values() for c in pair}
    return [Column(c, _kind(c, df[c]), ci_of.get(c)) for c in names if c not in folded]


def _fmt(col: Column, value: Any, tex: bool) -> str:
    """One number as text; ``None`` / NaN become a dash."""
    missing = MISSING_TEX if tex else MISSING_MD
    if col.kind == "text":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        return tex_escape(value) if tex else md_escape(value)
    if col.kind == "bool":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return missing
        return "yes" if str(value).strip().lower() in ("true", "1") else "no"
    x = as_float(value)
    if math.isnan(x):
        return missing
    if col.kind == "int":
        text = str(int(x))
    elif col.kind in ("rate", "points"):
        text = f"{100 * x:.1f}"
    else:
        text = f"{x:.4g}"
    if text.startswith("-"):
        text = ("$-$" if tex else "−") + text[1:]
    return text


def _cell(col: Column, row: pd.Series, tex: bool) -> str:
    text = _fmt(col, row[col.name], tex)
    if col.ci is not None:
        lo, hi = (_fmt(col, row[c], tex) for c in col.ci)
        dash = MISSING_TEX if tex else MISSING_MD
        if lo != dash and hi != dash:
            text += f" [{lo}, {hi}]"
    return text


def _label(col: Column, tex: bool) -> str:
    """Header text: ``pass_at_kmax`` -> ``pass@k_max (%)``, with the CI noted."""
    name = col.name
    for a, b in (
        ("pass_at_kmax", "pass@k_max"),
        ("pass_at_", "pass@"),
        ("maj_at_kmax", "maj@k_max"),
        ("maj_at_", "maj@"),
        ("delta_se", "ΔSE"),
    ):
        name = name.replace(a, b)
    unit = {"rate": " (%)", "points": " (pts)"}.get(col.kind, "")
    ci = " [CI]" if col.ci else ""
    if not tex:
        return md_escape(name.replace("_", " ") if "@" not in name else name) + unit + ci
    text = tex_escape(name).replace(r"k\_max", r"$k_{\max}$")
    return text + tex_escape(unit) + ci


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table, numeric columns right-aligned."""
    cols = shown_columns(df)
    lines = [
        "| " + " | ".join(_label(c, False) for c in cols) + " |",
        "| " + " | ".join("---:" if c.numeric else "---" for c in cols) + " |",
    ]
    lines += ["| " + " | ".join(_cell(c, row, False) for c in cols) + " |" for _, row in df.iterrows()]
    return "\n".join(lines) + "\n"


def to_latex(df: pd.DataFrame, name: str) -> str:
    """A booktabs ``tabular``: one ``\\\\``-terminated line per CSV row between the rules."""
    cols = shown_columns(df)
    spec = "".join("r" if c.numeric else "l" for c in cols)
    lines = [
        f"% passbound table {tex_escape(name)}; needs \\usepackage{{booktabs}}",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(_label(c, True) for c in cols) + " \\\\",
        "\\midrule",
    ]
    lines += [" & ".join(_cell(c, row, True) for c in cols) + " \\\\" for _, row in df.iterrows()]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV as the analyse stage wrote it; names and ids stay text; empty files give no rows."""
    try:
        df = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError):
        return pd.DataFrame()  # not a table the analyse stage wrote: no paper version
    for c in TEXT_COLUMNS:
        if c in df.columns:
            df[c] = df[c].fillna("").astype(str)
    for c in df.columns:  # integer columns with gaps load as float; keep them integers
        s = df[c]
        if (
            s.dtype == float
            and s.notna().any()
            and (s.dropna() % 1 == 0).all()
            and not (_RATE.search(c) or c in _POINTS or "ci_" in c or c in ("lo", "hi"))
        ):
            df[c] = s.astype("Int64")
    return df


def write_tables(run_dir: Path) -> dict[str, Path]:
    """Write ``tables/<name>.md`` and ``.tex`` for every ``<name>.csv`` in ``run_dir``.

    Returns ``{"table_md:<name>": path, "table_tex:<name>": path}``. Files are written to a
    temporary name and renamed, like the rest of the report.
    """
    out_dir = Path(run_dir) / "tables"
    out_dir.mkdir(exist_ok=True)
    paths: dict[str, Path] = {}
    for csv in sorted(Path(run_dir).glob("*.csv")):
        df = read_csv(csv)
        if not len(df.columns):
            continue
        name = csv.stem
        for key, suffix, text in (("table_md", ".md", to_markdown(df)), ("table_tex", ".tex", to_latex(df, name))):
            path = out_dir / f"{name}{suffix}"
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
            paths[f"{key}:{name}"] = path
    return paths
