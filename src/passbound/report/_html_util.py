"""Small helpers every report section shares: escaping user text and reading table cells."""

from __future__ import annotations

import math
from html import escape
from typing import Any


def esc(x: Any) -> str:
    """``x`` as HTML-escaped text (None -> ""); every user-supplied string goes through this."""
    return escape("" if x is None else str(x), quote=True)


def as_float(x: Any) -> float:
    """A table cell as a float, NaN when it is empty or not a number (CSV cells can be either)."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def section_table(anchor: str, title: str, note: str, head: list[str], rows: list[str], first_numeric: int) -> str:
    """An analysis's report section: heading, a note, one scrolling table (headers from
    ``first_numeric`` on right-aligned). ``rows`` are finished ``<tr>`` strings; ``note`` is HTML."""
    ths = "".join(f"<th class=\"n\">{h}</th>" if i >= first_numeric else f"<th>{h}</th>" for i, h in enumerate(head))
    return (f"<h2 id=\"{anchor}\">{title}</h2><p class=\"note\">{note}</p><div class=\"scroll\"><table "
            f"class=\"wide dense\"><thead><tr>{ths}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def thumbnail_uri(path: Any, max_side: int = 480) -> str | None:
    """A ``data:image/jpeg`` URI of the image scaled to at most ``max_side`` pixels; None if unreadable."""
    import base64
    import io

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
