"""Rewrite a gold/answer pair into forms math-verify compares correctly, without loosening.

Each rewrite maps two spellings of *one* value onto one spelling; none makes a wrong answer
right. What they fix (all seen in models' completions):

* thousands separators written as spaces or thin spaces: ``1 000``, ``1\\,000``, ``10{,}455``;
* a variable's membership stated for an interval: ``x \\in [-2,7]`` is the interval ``[-2,7]``;
* systems with named unknowns: ``k = 45, n = 2`` against a gold ``(45, 2)`` is the tuple of
  values in the order written; against a gold that names the same unknowns, both are put in the
  order of the names, so ``n = 2, k = 45`` equals ``k = 45, n = 2``.
"""

from __future__ import annotations

import re

# 1-3 digits, then groups of exactly three digits each after a space-like separator.
_THOUSANDS_RE = re.compile(r"(?<![\d.])\d{1,3}(?:(?: |\\,|\\ |~|\{,\}|\\;|\\!)\d{3})+(?![\d])")
_SEPARATOR_RE = re.compile(r" |\\,|\\ |~|\{,\}|\\;|\\!")
_MEMBERSHIP_RE = re.compile(r"^\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*\\in\s*(?=[\[(]|\\left|\\\{|\\mathbb|\(-?\\infty)")
_ASSIGNMENT_RE = re.compile(r"^\s*([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(.+?)\s*$", re.DOTALL)


def _join_thousands(text: str) -> str:
    return _THOUSANDS_RE.sub(lambda m: _SEPARATOR_RE.sub("", m.group()), text)


def _drop_membership(text: str) -> str:
    return _MEMBERSHIP_RE.sub("", text, count=1)


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside any (), [], {} (``\\{``/``\\}`` count as brackets)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "{}":
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
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


def comparable_forms(gold: str, answer: str) -> tuple[str, str]:
    """``(gold, answer)`` rewritten as described in the module docstring."""
    gold, answer = _drop_membership(_join_thousands(gold)), _drop_membership(_join_thousands(answer))
    named = _assignments(answer)
    if named is None:
        return gold, answer
    gold_named = _assignments(gold)
    if gold_named is None:
        return gold, _values(named)
    if sorted(n for n, _ in gold_named) != sorted(n for n, _ in named):
        return gold, answer  # different unknowns: leave it to math-verify (which will fail it)
    return _values(sorted(gold_named)), _values(sorted(named))
