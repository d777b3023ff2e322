"""Linear scans behind answer extraction: reasoning, code and quotes to ignore, and every box.

Extraction runs in the grading pool's parent, where one crafted row must not stall a batch, so
each scan here visits each character a bounded number of times, with caps on brace depth and on
how far one box may reach; no regex has nested or overlapping quantifiers.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from passbound.verify.reasoning import ReasoningPolicy

# A box whose braces nest deeper than this, or whose content is longer, is no answer (a real
# answer is a few hundred characters with a handful of levels).
MAX_BRACE_DEPTH = 64
MAX_BOX_CHARS = 20_000

_BOX_CMD_RE = re.compile(r"\\(?:boxed|fbox|framebox)(?![A-Za-z])")
# Inside a box: "\\" is one token (a LaTeX line break), so "\\{" opens a group while "\{" is a
# literal brace; a box command (with its "{", one token) opens a nested box.
_IN_BOX_TOKEN_RE = re.compile(r"\\(?:boxed|fbox|framebox)(?![A-Za-z])[ \t]*\{?|\\\\|\\[{}]|[{}]")
# The same tokens for plain brace matching (``group_end``; also used by ``_hidden_text``).
BRACE_TOKEN_RE = re.compile(r"\\\\|\\[{}]|[{}]")
_SPACES_RE = re.compile(r"[ \t]*")
_BARE_BOX_RE = re.compile(r"[ \t]*([^\s${}\\]+)")
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})", re.MULTILINE)
_BACKTICKS_RE = re.compile(r"`+")
_QUOTE_START_RE = re.compile(r"[ \t]*>")


def strip_reasoning(text: str, open_tag: str = "<think>", close_tag: str = "</think>") -> str | None:
    """The part of ``text`` that states the answer: what follows the last ``close_tag``.

    Reasoning is where a model tries values out, so a box in it is not the answer: a completion
    that opens ``open_tag`` and never closes it (truncated, or a policy that learned to hide its
    answers in an unfinished trace) names no answer (None), nor does one that opens it again after
    the last ``close_tag``. Text without either tag is returned whole. The rules are
    ``passbound.verify.reasoning.ReasoningPolicy``'s.
    """
    return ReasoningPolicy(open_tag, close_tag).answer_part(text)


def group_end(text: str, open_pos: int) -> int | None:
    """Index just past the ``}`` that closes the ``{`` at ``open_pos``, or None if unbalanced."""
    depth = 0
    for match in BRACE_TOKEN_RE.finditer(text, open_pos):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    return None


class Spans:
    """Sorted, disjoint ``[start, end)`` intervals of text that states no answer."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self._starts = [s for s, _ in spans]
        self._ends = [e for _, e in spans]

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self._starts, pos) - 1
        return i >= 0 and pos < self._ends[i]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Fenced blocks (an unclosed fence runs to the end, as in Markdown) and inline code."""
    spans: list[tuple[int, int]] = []
    outside: list[tuple[int, int]] = []
    pos, open_at, fence = 0, -1, ""
    for m in _FENCE_RE.finditer(text):
        marker = m.group(1)
        if open_at < 0:
            outside.append((pos, m.start()))
            open_at, fence = m.start(), marker
        elif marker[0] == fence[0] and len(marker) >= len(fence):
            end = text.find("\n", m.end())
            pos = len(text) if end < 0 else end
            spans.append((open_at, pos))
            open_at = -1
    if open_at >= 0:
        spans.append((open_at, len(text)))
    else:
        outside.append((pos, len(text)))
    for start, end in outside:
        spans += _inline_code(text, start, end)
    return spans


def _inline_code(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`code` spans: a run of backticks closed by a run of the same length on the same line."""
    spans: list[tuple[int, int]] = []
    open_at, width, line_end = -1, 0, -1
    for m in _BACKTICKS_RE.finditer(text, start, end):
        if m.start() > line_end:  # a new line: inline code does not cross one
            open_at = -1
            line_end = text.find("\n", m.end(), end)
            line_end = end if line_end < 0 else line_end
        if open_at < 0:
            open_at, width = m.start(), len(m.group())
        elif len(m.group()) == width:
            spans.append((open_at, m.end()))
            open_at = -1
    return spans


def code_spans(text: str) -> Spans:
    """Code, fenced and inline: a box or answer marker there is a program's output format."""
    if "`" not in text and ("~" not in text or "~~~" not in text):  # most math completions: skip the scan
        return _NO_SPANS
    return Spans(_merge(_code_spans(text)))


_NO_SPANS = Spans([])


def in_quote_line(text: str, pos: int) -> bool:
    """Whether ``pos`` is on a ``>`` quoted line: someone else's words, not the final statement."""
    return _QUOTE_START_RE.match(text, text.rfind("\n", 0, pos) + 1) is not None


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass(slots=True)
class Box:
    """One complete box: ``text[start:end]`` is ``\\boxed{...}``, its content ``text[lo:hi]``."""

    start: int
    end: int
    lo: int
    hi: int
    nested: bool = False  # inside another box
    holds_box: bool = False  # another box inside


def scan_boxes(text: str) -> list[Box]:
    """Every complete box in ``text`` in order of its end, in one left-to-right pass.

    Braces are matched only inside boxes (a megabyte of stray braces elsewhere costs a C-level
    search); a box deeper than ``MAX_BRACE_DEPTH`` or longer than ``MAX_BOX_CHARS``, and every box
    open around it, is dropped and the scan resumes past it, so no character is tokenized twice.
    Unterminated boxes are dropped too.
    """
    boxes: list[Box] = []
    pos, n = 0, len(text)
    while (m := _next_box_cmd(text, pos)) is not None:
        spaces = _SPACES_RE.match(text, m.end())
        assert spaces is not None  # [ \t]* matches the empty string
        brace = spaces.end()
        if brace < n and text[brace] == "{":
            pos = _scan_from(text, m.start(), brace, boxes)
        else:
            pos = _bare(text, m, boxes, nested=False)
        if pos >= n:
            break
    return boxes


def _next_box_cmd(text: str, pos: int) -> re.Match[str] | None:
    """The next box command at or after ``pos``: a C-level search for "box", then a check of the
    few characters before it (3x faster than the regex search, which stops at every backslash)."""
    while (hit := text.find("box", pos)) >= 0:
        for back, head in ((1, "\\"), (2, "\\f"), (6, "\\frame")):
            if hit - back >= pos and text.startswith(head, hit - back):
                m = _BOX_CMD_RE.match(text, hit - back)
                if m is not None:
                    return m
        pos = hit + 3
    return None


def _bare(text: str, m: re.Match[str], boxes: list[Box], nested: bool) -> int:
    """Record a brace-less box (``\\boxed 5``) after the command ``m``; returns where it ends."""
    bare = _BARE_BOX_RE.match(text, m.end())
    if bare is None:
        return m.end()
    boxes.append(Box(m.start(), bare.end(), bare.start(1), bare.end(1), nested=nested))
    return bare.end()


def _scan_from(text: str, start: int, brace: int, boxes: list[Box]) -> int:
    """Match the box at ``start`` (its "{" at ``brace``) and the boxes inside it; returns where
    to resume."""
    limit = min(len(text), brace + MAX_BOX_CHARS)
    close = text.find("}", brace + 1, min(limit, brace + 2000))
    if (
        close >= 0
        and text.find("{", brace + 1, close) < 0
        and text[close - 1] != "\\"
        and text.find("box", brace + 1, close) < 0
    ):
        boxes.append(Box(start, close + 1, brace + 1, close))  # no group inside: no tokens to match
        return close + 1
    groups: list[bool] = []  # one entry per open "{": whether it opens a box
    open_boxes: list[list[int]] = []  # [start, content start, holds a box] of each open box
    for tok in _IN_BOX_TOKEN_RE.finditer(text, start, limit):
        t = tok.group()
        if t == "}":
            if groups.pop():
                at, lo, holds = open_boxes.pop()
                boxes.append(Box(at, tok.end(), lo, tok.start(), nested=bool(open_boxes), holds_box=bool(holds)))
                if open_boxes:
                    open_boxes[-1][2] = 1
            if not groups:
                return tok.end()
        elif t == "{" or (len(t) > 2 and t[-1] == "{"):  # a group, or a box command and its "{"
            groups.append(len(t) > 1)
            if len(t) > 1:
                open_boxes.append([tok.start(), tok.end(), 0])
            if len(groups) > MAX_BRACE_DEPTH:
                return tok.end()  # too deep: every open box is dropped
        elif len(t) > 2:  # a nested box command without a brace
            _bare(text, tok, boxes, nested=True)
            if boxes and boxes[-1].start == tok.start() and open_boxes:
                open_boxes[-1][2] = 1
    return limit  # unterminated, or longer than MAX_BOX_CHARS
