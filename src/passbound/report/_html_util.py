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
