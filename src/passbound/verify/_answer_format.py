"""Answer formats a benchmark states per problem (MathVista's ``unit``, ``precision``, ``answer_type``).

MathVista asks for "a floating-point number with two decimal places" and its own scorer rounds
the model's number to ``precision`` places before comparing (lupantech/MathVista,
``evaluation/calculate_score.py``, ``normalize_extracted_answer``); a question whose answer is
in years accepts "11 years". These rules come from the problem's metadata, so they apply only
where a benchmark declares them; every other problem is graded exactly as before.

Each rule decides a verdict only when it is sure (a plain decimal number, a list of plain
items); anything else goes on to the ordinary math comparison.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from passbound.verify.result import GradeResult

_DECIMAL_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+")
_WRAPPER_RE = re.compile(r"^\\(?:text|mathrm|textrm|mbox)\s*\{(.*)\}$", re.DOTALL)


def answer_format(problem: Any) -> tuple[int | None, str | None, str | None]:
    """(precision, unit, answer_type) a problem declares in its metadata, else Nones."""
    meta = getattr(problem, "metadata", None) or {}
    precision = meta.get("precision")
    unit = meta.get("unit")
    return (
        int(precision) if precision is not None else None,
        str(unit).strip() or None if unit else None,
        meta.get("answer_type"),
    )


def _unwrap(text: str) -> str:
    s = text.strip().strip("$").strip()
    while (m := _WRAPPER_RE.match(s)) is not None:
        s = m.group(1).strip()
    return s


def strip_unit(answer: str, unit: str | None) -> str:
    """``11 years`` / ``11 \\text{ years}`` -> ``11`` when the problem's unit is "years"."""
    if not unit:
        return answer
    s = answer.strip().rstrip(".").rstrip()
    for spelled in (f"\\text{{{unit}}}", f"\\text{{ {unit}}}", f"\\mathrm{{{unit}}}", f"\\mathrm{{ {unit}}}", unit):
        if s.endswith(spelled) and s != spelled:
            return s[: -len(spelled)].rstrip().rstrip("\\,~").rstrip()
    return answer


def _decimal(text: str) -> Decimal | None:
    s = _unwrap(text).rstrip(".")
    if not _DECIMAL_RE.fullmatch(s):
        return None
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:
        return None


def _list_items(text: str) -> list[str] | None:
    s = _unwrap(text)
    for left, right in (("[", "]"), ("(", ")"), ("\\{", "\\}"), ("\\left[", "\\right]")):
        if s.startswith(left) and s.endswith(right):
            s = s[len(left) : len(s) - len(right)]
            break
    items = [i.strip() for i in s.split(",")]
    return items if all(items) else None


def _same_item(gold: str, pred: str) -> bool:
    g, p = _decimal(gold), _decimal(pred)
    if g is not None and p is not None:
        return g == p
    return _unwrap(gold).casefold() == _unwrap(pred).casefold()


def check_format(problem: Any, target: str, answer: str) -> GradeResult | None:
    """A verdict from the problem's declared format, or None when the format does not decide."""
    precision, unit, answer_type = answer_format(problem)
    value = strip_unit(answer, unit)
    if precision is not None:
        gold, pred = _decimal(target), _decimal(value)
        if gold is not None and pred is not None:
            places = Decimal(1).scaleb(-precision)
            same = gold.quantize(places, ROUND_HALF_UP) == pred.quantize(places, ROUND_HALF_UP)
            return GradeResult("pass" if same else "fail", answer, f"rounded to {precision} places")
    if answer_type == "list":
        gold_items, pred_items = _list_items(target), _list_items(value)
        if gold_items is not None and pred_items is not None:
            same = len(gold_items) == len(pred_items) and all(map(_same_item, gold_items, pred_items))
            return GradeResult("pass" if same else "fail", answer, "list, item by item")
    return None
