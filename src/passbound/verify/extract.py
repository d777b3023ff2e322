"""Pull the final answer out of a completion, cheaply and without parsing math.

Extraction runs in the grading pool's *parent* process (so identical answers can be graded once),
so everything here is linear-time string work with caps (``MAX_SCAN_CHARS`` read from the end,
brace depth and box length in ``_extract_scan``, a bounded number of candidates): no sympy, no
regex with nested quantifiers over unbounded text.

The answer is the completion's final statement:

1. reasoning is dropped (``ReasoningPolicy.answer_part``: what follows the last ``</think>``, or
   the policy's own tags; an unclosed ``<think>`` names no answer), and so are code blocks, inline
   code, ``>`` quoted lines and text restating the question (``prompt``);
2. the last complete ``\\boxed{}`` / ``\\fbox{}`` / ``\\framebox{}`` (with the boxes before it that
   list the same answer), or the last explicit marker ("the answer is", "Answer:", ``#### 18``,
   a "Final Answer" heading over the value, ``<answer>4</answer>``), whichever comes later;
3. a statement that hedges names no answer (None): another value offered after it ("or 16",
   "could also be 6"), "either" before it, or a different box in the same sentence;
4. opt-in fallbacks (``"last_number"``, ``"last_math"``; the ``lenient`` policy), only when there is
   no statement at all: guesses from prose inflate pass@k at large k.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

from passbound.verify._extract_markers import HEDGE, LETTER_HEDGE, MAX_CANDIDATES, Skip, Statement, marker_statement
from passbound.verify._extract_markers import WINDOW as _WINDOW
from passbound.verify._extract_scan import BRACE_TOKEN_RE as _BRACE_TOKEN_RE  # noqa: F401 - _hidden_text
from passbound.verify._extract_scan import Box, Spans, code_spans, in_quote_line, scan_boxes, strip_reasoning
from passbound.verify._extract_scan import group_end as _group_end  # noqa: F401 - _hidden_text
from passbound.verify.reasoning import DEFAULT, ReasoningPolicy

__all__ = ["FALLBACKS", "answer_phrase", "extract_answer", "last_boxed", "last_math", "last_number", "strip_reasoning"]

# Only the last this many characters of the answer part are read (a 32k-token completion is
# ~130 KB); with linear scans this bounds one row's cost.
MAX_SCAN_CHARS = 2_000_000
# At most this many adjacent boxes are read as one listed answer.
MAX_BOX_RUN = 32
_MAX_GAP = 200  # the most text between two boxes of one listed answer
_PROMPT_CAP = 65_536
_CONTEXT = 60  # chars of a statement's line compared with the question
_MIN_QUOTE = 30  # ...of which at least this many must match it
_LINE = 240  # a line compared whole with the question is at most this long either side

# What may stand between boxes that list one answer: spacing, commas, "and"/"or", math delimiters.
# No two quantifiers can take the same characters, and it is matched only over gaps of at most
# _MAX_GAP characters ("\text{" + 100 KB of spaces took math-4 minutes).
_CONNECTOR_RE = re.compile(
    r"(?:\s|[,;&~$]|\\[,;:! ]|\\q?quad(?![A-Za-z])|\\\\|\\[()\[\]]"
    r"|\\(?:text|mathrm|textrm)[ \t]*\{[ \t]*(?:(?:and|or|,)[ \t]*)?\}|\b(?:and|or)\b)*"
)
# A sentence ends at . ! ? before whitespace, or at a blank line; a paragraph at a blank line.
_BOUNDARY_RE = re.compile(r"[.!?](?=\s)|\n[ \t]*\n")
# After a box, the hedge must belong to it: only closing math, punctuation and at most four words
# between ("\\boxed{5}, but it could also be 6"); "$\\boxed{49}$ has a remainder of 1 when
# divided by 2, 3, 4, or 6" states one value.
_LEAD = r"[\s$).,;:\\\]]*\(?[\s$]*(?:[A-Za-z'’-]+[ \t,]+){0,4}?"
_BOX_HEDGE_RE = re.compile(_LEAD + HEDGE)
_BOX_LETTER_HEDGE_RE = re.compile(_LEAD + LETTER_HEDGE)
_PLAIN_NUMBER_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")

_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_MATH_RE = re.compile(r"\$([^$]+)\$")
_MATHY_RE = re.compile(r"[0-9\\]")
FALLBACKS = ("last_number", "last_math")


# --- boxes -----------------------------------------------------------------------------------


def _content(text: str, box: Box, by_start: dict[int, Box]) -> str | None:
    """A box's answer: its content, or the content of the one box it wraps (``\\boxed{\\boxed{5}}``
    is 5); None when it wraps a box and more (``\\boxed{\\boxed{5} \\text{ or } 7}``)."""
    for _ in range(MAX_BOX_RUN):
        lo, hi = box.lo, box.hi
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        if not box.holds_box:
            return text[lo:hi]
        inner = by_start.get(lo)
        if inner is None or inner.end != hi:
            return None
        box = inner
    return None


def _box_statement(text: str, low: str, boxes: list[Box], skip: Skip) -> Statement | None:
    """The last box run (boxes listing one answer) and whether its sentence commits to it."""
    tops = [b for b in boxes if not b.nested]
    by_start = {b.start: b for b in boxes} if len(tops) < len(boxes) else {}
    i, passed = len(tops) - 1, 0
    while i >= 0:
        content = _content(text, tops[i], by_start)
        if content != "" and not skip(tops[i].start, tops[i].end):
            break
        i, passed = i - 1, passed + 1
        if passed >= MAX_CANDIDATES:
            return None
    if i < 0:
        return None
    first, parts = i, [content]
    while first > 0 and len(parts) < MAX_BOX_RUN:
        before = tops[first - 1]
        if tops[first].start - before.end > _MAX_GAP or skip(before.start, before.end):
            break
        if not _CONNECTOR_RE.fullmatch(text, before.end, tops[first].start):
            break
        first, parts = first - 1, [_content(text, before, by_start), *parts]
    start, end = tops[first].start, tops[i].end
    if any(p is None for p in parts):
        return Statement(start, end, None)
    if _box_hedges(text, low, end):
        return Statement(start, end, None)
    near = max(0, start - _WINDOW)
    if (first > 0 and tops[first - 1].end > near) or _says_either(low, near, start):
        sentence = _sentence_start(text, start)  # only where an earlier box or "either" is near
        said = {_value_key(p) for p in parts if p}
        for j in range(first - 1, -1, -1):  # other boxes earlier in the same sentence
            if tops[j].end <= sentence:
                break
            other = _content(text, tops[j], by_start)
            if other is not None and other.strip() and _value_key(other) not in said:
                return Statement(start, end, None)
        if _says_either(low, sentence, start):
            return Statement(start, end, None)
    return Statement(start, end, ", ".join(p for p in parts if p))


def _sentence_start(text: str, pos: int) -> int:
    start = max(0, pos - _WINDOW)
    for m in _BOUNDARY_RE.finditer(text, start, pos):
        start = m.end()
    return start


def _says_either(low: str, start: int, end: int) -> bool:
    """ "either" as a word in ``low[start:end]`` ("either \\boxed{3} or \\boxed{4}")."""
    while (pos := low.find("either", start, end)) >= 0:
        if (pos == 0 or not low[pos - 1].isalpha()) and not low[pos + 6 : pos + 7].isalpha():
            return True
        start = pos + 6
    return False


def _box_hedges(text: str, low: str, pos: int) -> bool:
    """A hedge attached to the box that ends at ``pos``: in the rest of its sentence ("(or 16 if
    ...)"), or opening the next one ("\\boxed{5}. Or possibly 6.")."""
    for _ in range(2):
        limit = min(len(low), pos + _WINDOW)
        stop = _BOUNDARY_RE.search(low, pos, limit)
        end = stop.start() if stop else limit
        if _BOX_HEDGE_RE.match(low, pos, end) or _BOX_LETTER_HEDGE_RE.match(text, pos, end):
            return True
        if stop is None:
            return False
        pos = stop.end()
    return False


def _value_key(answer: str) -> str:
    """What two boxes of one value share: the spelling without spaces, or the number ("025" is 25)."""
    s = "".join(answer.split())
    if not _PLAIN_NUMBER_RE.fullmatch(s) or "." in s:
        return s
    sign, digits = ("-", s[1:]) if s[0] == "-" else ("", s.lstrip("+"))
    digits = digits.replace(",", "").lstrip("0") or "0"  # as text: no int() of a 5,000-digit box
    return sign + digits if digits != "0" else "0"


def last_boxed(text: str) -> str | None:
    """Content of the last complete box (or ``\\boxed X``), with the boxes that list the same
    answer right before it; None if there is none or its sentence hedges."""
    found = _box_statement(text, text.lower(), scan_boxes(text), lambda s, e: False)
    return found.answer if found else None


# --- answer markers (passbound.verify._extract_markers) -----------------------------------------


def answer_phrase(text: str) -> str | None:
    """The answer after the last explicit marker ("the answer is", "Answer:", ``#### 18``...)."""
    found = marker_statement(text, text.lower(), lambda s, e: False)
    return found.answer if found else None


# --- restated questions ----------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _normal_prompt(prompt: str) -> str:
    """The question with its whitespace collapsed (cached: one question meets n completions)."""
    return " ".join(prompt[:_PROMPT_CAP].split())


def _quoter(text: str, prompt: str | None, code: Spans) -> Skip:
    """Whether a statement at ``text[start:end]`` is code, a quotation or the question restated.

    Restated: its whole line (``_MIN_QUOTE``+ characters) appears in the question, or it sits
    inside a passage of the question, the ``_MIN_QUOTE`` characters on each side of it (on its
    line) appearing in the question. A statement after the question's last
    sentence ("What is the sum? \\boxed{14}") is the completion's own, and so is a value the
    question happens to box too.
    """
    norm = _normal_prompt(prompt) if prompt else ""

    def quoted(start: int, end: int) -> bool:
        if code.covers(start) or in_quote_line(text, start):
            return True
        if not norm:
            return False
        lo, hi = max(0, start - _LINE), min(len(text), end + _LINE)
        newline = text.rfind("\n", lo, start)
        line_start = newline + 1 if newline >= 0 or lo == 0 else -1
        line_end = text.find("\n", end, hi)
        line_end = line_end if line_end >= 0 or hi == len(text) else -1
        if line_start >= 0 and line_end >= 0:  # the whole line ("Answer: 5" from the question)
            line = " ".join(text[line_start:line_end].split())
            if len(line) >= _MIN_QUOTE and line in norm:
                return True
        before = " ".join(text[max(line_start, start - _CONTEXT) : start].split())[-_MIN_QUOTE:]
        after = " ".join(text[end : line_end if line_end >= 0 else end + _CONTEXT].split())[:_MIN_QUOTE]
        return min(len(before), len(after)) >= _MIN_QUOTE and before in norm and after in norm

    return quoted


# --- fallbacks and the entry point -----------------------------------------------------------


def last_number(text: str) -> str | None:
    """The last number in the text (commas as thousands separators dropped)."""
    last = None
    for found in _NUMBER_RE.finditer(text):
        last = found
    return last.group().replace(",", "").rstrip(".") if last else None


def last_math(text: str) -> str | None:
    """The content of the last ``$...$`` span."""
    last = None
    for found in _MATH_RE.finditer(text):
        last = found
    return last.group(1).strip() or None if last else None


_FALLBACK_FUNCS: dict[str, Callable[[str], str | None]] = {
    "last_number": last_number,
    "last_math": last_math,
}


def extract_answer(
    text: str,
    fallbacks: Sequence[str] = (),
    *,
    prompt: str | None = None,
    reasoning: ReasoningPolicy | tuple[str, str] = DEFAULT,
) -> str | None:
    """The final answer of ``text``, or None.

    The last statement wins: the last box run or the last answer marker, whichever comes later
    (an earlier ``\\boxed{255}`` revised by "The final answer is $10,455$" is 10,455); a marker
    without math after a box ("The answer is boxed above.") keeps the box. A statement that
    hedges gives None, and so does an unclosed reasoning block. ``prompt`` is the question:
    statements that restate it are not answers. Fallbacks run only where nothing is stated.
    ``reasoning``: the policy (or its open and close tags) that says where reasoning ends.
    """
    policy = reasoning if isinstance(reasoning, ReasoningPolicy) else ReasoningPolicy(*reasoning)
    body = policy.answer_part(text)
    if body is None:
        return None
    body = body[-MAX_SCAN_CHARS:]
    skip = _quoter(body, prompt, code_spans(body))
    low = body.lower()
    box = _box_statement(body, low, scan_boxes(body), skip)
    # A marker that starts before the box is dropped below, so only those after it are looked for.
    marker = marker_statement(body, low, skip, box.start if box is not None else 0)
    if (
        box is not None
        and marker is not None
        and (marker.start < box.start or (marker.answer is not None and not _MATHY_RE.search(marker.answer)))
    ):
        marker = None
    stated = marker or box
    if stated is not None:
        return stated.answer
    for name in fallbacks:
        answer = _FALLBACK_FUNCS[name](body)
        if answer is not None:
            return answer
    return None
