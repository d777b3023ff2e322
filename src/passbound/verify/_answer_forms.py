"""Rewrite a gold/answer pair into forms math-verify compares correctly, without loosening.

Each rewrite maps two spellings of *one* value onto one spelling; none makes a wrong answer
right. What they fix (all seen in models' completions):

* thousands separators written as spaces or thin spaces: ``1 000``, ``1\\,000``, ``10{,}455``;
* a variable's membership stated for an interval: ``x \\in [-2,7]`` is the interval ``[-2,7]``;
* systems with named unknowns: ``k = 45, n = 2`` against a gold ``(45, 2)`` is the tuple of
  values in the order written; against a gold that names the same unknowns, both are put in the
  order of the names, so ``n = 2, k = 45`` equals ``k = 45, n = 2``;
* scientific notation ``1e-3`` (Minerva's golds; math-verify reads it as ``1 \\cdot e - 3``) is
  ``1 \\times 10^{-3}``, in an answer only where the gold has no Euler's ``e``;
* all reals: ``\\mathbb{R}`` is ``(-\\infty, \\infty)``;
* a mixed number in plain text, ``2 1/2``, is ``2\\frac{1}{2}`` (math-verify reads ``3/2``);
* a unit in plain words after a gold's number (``10 cm^2``) goes, and then from the answer too;
* a line that goes on with a relation (``x &= 2+3 \\\\ &= 5``) joins the line before it, so the
  chain is checked as one (a ``7 = 5`` in it fails);
* outside a percent question, ``10\\%`` is ``\\frac{10}{100}`` only (math-verify also reads it as
  10, so one answer would pass the golds 10 and 0.1).
"""

from __future__ import annotations

import re

# 1-3 digits, then groups of exactly three digits each after a space-like separator.
_THOUSANDS_RE = re.compile(r"(?<![\d.])\d{1,3}(?:(?: |\\,|\\ |~|\{,\}|\\;|\\!)\d{3})+(?![\d])")
_SEPARATOR_RE = re.compile(r" |\\,|\\ |~|\{,\}|\\;|\\!")
_MEMBERSHIP_RE = re.compile(
    r"^\s*(?:[A-Za-z]|\\(?:theta|alpha|beta|gamma|lambda|mu|phi|omega|varphi))(?:_\{?[A-Za-z0-9]+\}?)?\s*\\in\s*"
    r"(?=[\[(]|\\left|\\\{|\\mathbb|\(-?\\infty|\\(?:emptyset|varnothing)(?![A-Za-z]))"
)
_ASSIGNMENT_RE = re.compile(
    r"^\s*(?:(?:\\q?quad|\\[,;: ]|~)\s*)*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(.+?)\s*$", re.DOTALL
)
_SCIENTIFIC_RE = re.compile(r"(?<![\w.\\}])(\d+(?:\.\d*)?|\.\d+)[eE]([+-]?\d{1,4})(?![\w.])")
_EULER_RE = re.compile(r"(?<![\\A-Za-z])e(?![A-Za-z])")
_PLAIN_MIXED_RE = re.compile(r"(?<![\w.}/^])(\d+)[ \t]+(\d+)[ \t]*/[ \t]*(\d+)(?![\w./])")
_UNIT_WORDS = (
    r"(?:square |sq\.? |cubic )?(?:cm|mm|km|kg|mg|ml|mL|ft|feet|foot|inch(?:es)?|in|yd|yards?|miles?|mi|mph"
    r"|meters?|metres?|centimeters?|kilometers?|grams?|kilograms?|liters?|litres?|gallons?|ounces?|oz"
    r"|pounds?|lbs?|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|dollars?"
    r"|cents?|degrees?|units?|people|students|km/h|m/s)"
)
_PLAIN_UNIT_RE = re.compile(
    r"([\d}])[ \t]*(?:\\[,;]|~|\\ )?[ \t]*" + _UNIT_WORDS + r"(?:[ \t]*\^[ \t]*\{?[23]\}?)?[ \t]*\.?[ \t]*$"
)
_CONTINUED_LINE_RE = re.compile(r"(?:\\\\\s*&?|&)\s*(?=(?:=|<|>|\\(?:approx|le|ge|leq|geq)(?![A-Za-z])))")
_REALS_RE = re.compile(r"^\s*\\mathbb\s*\{?R\}?\s*$")
_ALL_REALS = r"(-\\infty, \\infty)"
_PERCENT_RE = re.compile(
    r"(\d+(?:\.\d+)?|\.\d+)[ \t]*(?:\\,|~|\\ )?[ \t]*"
    r"(?:\\?%|\\(?:text|mbox|mathrm)\s*\{\s*(?:\\?%|percent)\s*\}|percent\b)"
)
_PERCENT_QUESTION_RE = re.compile(r"\bpercent|%", re.IGNORECASE)


def _scientific(text: str) -> str:
    return _SCIENTIFIC_RE.sub(lambda m: f"{m.group(1)}\\times 10^{{{m.group(2)}}}", text)


def _plain_mixed(text: str) -> str:
    def mixed(m: re.Match[str]) -> str:
        whole, num, den = m.groups()
        return f"{whole}\\frac{{{num}}}{{{den}}}" if 0 < int(num) < int(den) else m.group()

    return _PLAIN_MIXED_RE.sub(mixed, text)


def _strip_plain_unit(text: str) -> tuple[str, bool]:
    """``10 cm^2`` -> (``10``, True); words only, no ``\\text`` (math-verify drops that itself)."""
    if len(text) > 200:
        return text, False
    m = _PLAIN_UNIT_RE.search(text)
    return (text[: m.start() + 1].rstrip(), True) if m else (text, False)


def is_percent_question(gold: str, question: str = "") -> bool:
    """Whether a percent reading of ``10\\%`` as 10 is fair: the gold or the question is a percent."""
    return "%" in gold or bool(_PERCENT_QUESTION_RE.search(question))


def join_thousands(text: str) -> str:
    return _THOUSANDS_RE.sub(lambda m: _SEPARATOR_RE.sub("", m.group()), text)


def _drop_membership(text: str) -> str:
    return _MEMBERSHIP_RE.sub("", text, count=1)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside any (), [], {} (``\\{``/``\\}`` count as brackets)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] in "{}":
                depth += 1 if text[i + 1] == "{" else -1
            i += 2  # "\," is a thin space, not a separator
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


_LIST_WORD_RE = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*,?\s*(?:or|and|,)\s*\}")
_COMMA_THOUSANDS_RE = re.compile(r"(?<![\d.])\d{1,3}(?:(?:,|,\\!|\{,\})\d{3})+(?![\d.])")
_SET_RE = re.compile(r"\s*(?:\\left)?\\\{(.*)\\\}\s*", re.DOTALL)


def list_items(text: str) -> list[str] | None:
    """The items of a listed answer (``1, 2``; ``1 \\text{ or } 2``; ``\\{1, 2\\}``) at top level,
    one item for anything else; None where ``\\pm`` makes the count unknown."""
    if "\\pm" in text or "\\mp" in text:
        return None
    s = _LIST_WORD_RE.sub(",", text)
    if (m := _SET_RE.fullmatch(s)) is not None:
        s = m.group(1).removesuffix("\\right")
    return [item.strip() for item in split_top_level(s) if item.strip()]


def item_counts(text: str) -> set[int] | None:
    """How many values ``text`` lists, read with and without ``1,000`` as a thousands group."""
    items = list_items(text)
    if items is None:
        return None
    joined = list_items(_COMMA_THOUSANDS_RE.sub(lambda m: re.sub(r"\D", "", m.group()), text)) or []
    return {len(items), len(joined)}


def _assignments(text: str) -> list[tuple[str, str]] | None:
    """``[(name, value), ...]`` when ``text`` is two or more ``name = value`` parts, else None."""
    parts = split_top_level(text.strip().removeprefix("\\left").strip())
    if len(parts) < 2:
        return None
    found = []
    for part in parts:
        m = _ASSIGNMENT_RE.match(part.replace("\\text{ and }", "").replace("\\text{and}", ""))
        if m is None or "=" in m.group(2):
            return None
        found.append((m.group(1).replace("{", "").replace("}", ""), m.group(2)))
    names = [name for name, _ in found]
    return found if len(set(names)) == len(names) else None


def _values(pairs: list[tuple[str, str]]) -> str:
    return "(" + ", ".join(value for _, value in pairs) + ")"


def comparable_forms(gold: str, answer: str, percent: bool = True) -> tuple[str, str]:
    """``(gold, answer)`` rewritten as described in the module docstring; ``percent``: whether the
    gold or the question is a percent (see :func:`is_percent_question`)."""
    gold, answer = _drop_membership(join_thousands(gold)), _drop_membership(join_thousands(answer))
    gold, answer = _plain_mixed(gold), _plain_mixed(answer)
    gold, answer = _REALS_RE.sub(_ALL_REALS, gold), _REALS_RE.sub(_ALL_REALS, answer)
    if "&" in answer or "\\\\" in answer:
        answer = _CONTINUED_LINE_RE.sub(" ", answer)
    gold = _scientific(gold)
    if not _EULER_RE.search(gold):
        answer = _scientific(answer)
    gold, had_unit = _strip_plain_unit(gold)
    if had_unit:
        answer = _strip_plain_unit(answer)[0]
    if not percent:
        answer = _PERCENT_RE.sub(lambda m: f"\\frac{{{m.group(1)}}}{{100}}", answer)
    named = _assignments(answer)
    if named is None:
        return gold, answer
    gold_named = _assignments(gold)
    if gold_named is None:
        return gold, _values(named)
    if sorted(n for n, _ in gold_named) != sorted(n for n, _ in named):
        return gold, answer  # different unknowns: leave it to math-verify (which will fail it)
    return _values(sorted(gold_named)), _values(sorted(named))
