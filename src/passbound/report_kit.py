"""The report kit: how a name, a number, a table and a figure are written into report.html and
summary.md, for the report's page and for the analyses (passbound/analyses/) alike.

An analysis renders its own section and Markdown lines with these helpers and nothing else of the
report, so the analyses and the report depend on this module and not on each other's insides: the
report reads the analyses' registry, the analyses never import the report. It imports only the
standard library; matplotlib and Pillow are imported by the helpers that draw.
"""

from __future__ import annotations

import io
import math
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PNG_METADATA",
    "RC",
    "SVG_METADATA",
    "as_float",
    "ci",
    "code",
    "esc",
    "kfmt",
    "md_table",
    "pct",
    "pts",
    "section_table",
    "svg_bytes",
    "thumbnail_uri",
]

# ---------------------------------------------------------------- cells


def as_float(x: Any) -> float:
    """A table cell as a float, NaN when it is empty or not a number (CSV cells can be either)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def pct(x: float, digits: int = 1) -> str:
    """A rate in [0, 1] as a percentage string without the sign; an em dash for NaN."""
    return "—" if x is None or math.isnan(x) else f"{100 * x:.{digits}f}"


def pts(x: float, digits: int = 1, sign: bool = False) -> str:
    """A difference of rates in percentage points (U+2212 for negatives)."""
    if x is None or math.isnan(x):
        return "—"
    s = f"{100 * x:+.{digits}f}" if sign else f"{100 * x:.{digits}f}"
    return s.replace("-", "−")


def ci(lo: float, hi: float, digits: int = 1) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return ""
    return f"[{pts(lo, digits)}, {pts(hi, digits)}]"


def kfmt(k: float | None) -> str:
    return "—" if k is None or (isinstance(k, float) and math.isnan(k)) else str(int(k))


# ---------------------------------------------------------------- HTML


def esc(x: Any) -> str:
    """``x`` as HTML-escaped text (None -> ""); every user-supplied string goes through this."""
    return escape("" if x is None else str(x), quote=True)


def section_table(anchor: str, title: str, note: str, head: list[str], rows: list[str], first_numeric: int) -> str:
    """An analysis's report section: heading, a note, one scrolling table (headers from
    ``first_numeric`` on right-aligned). ``rows`` are finished ``<tr>`` strings; ``note`` is HTML."""
    ths = "".join(f"<th class=\"n\">{h}</th>" if i >= first_numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    return (
        f"<h2 id=\"{anchor}\">{title}</h2><p class=\"note\">{note}</p><div class=\"scroll\"><table "
        f"class=\"wide dense\"><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def thumbnail_uri(path: Any, max_side: int = 480) -> str | None:
    """A ``data:image/jpeg`` URI of the image scaled to at most ``max_side`` pixels; None if unreadable."""
    import base64

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=80)
    except (OSError, UnidentifiedImageError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------- Markdown


def code(text: object) -> str:
    """``text`` as an inline code span that survives backticks, pipes and newlines."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    fence = "`"
    while fence in s:
        fence += "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_table(head: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(head))]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


# ---------------------------------------------------------------- figures
# Deterministic output: fixed SVG hash salt, no dates or software versions in the file metadata.

RC: dict[Any, Any] = {  # keys: matplotlib rcParams names (its stubs type them as a Literal)
    "svg.hashsalt": "passbound",
    "svg.fonttype": "path",  # glyphs as paths: the SVG renders the same everywhere, offline
    "font.size": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}


def svg_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata=SVG_METADATA)
    return buf.getvalue()
