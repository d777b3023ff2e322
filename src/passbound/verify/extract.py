"""Pull the final answer out of a completion, cheaply and without parsing math.

Extraction runs in the grading pool's *parent* process (so identical answers can be graded once),
so everything here is linear-time string work with caps (``MAX_SCAN_CHARS`` read from the end,
brace depth and box length in ``_extract_scan``, a bounded number of candidates): no sympy, no
regex with nested quantifiers over unbounded text.

The answer is the completion's final statement:

1. reasoning is dropped (``strip_reasoning``: what follows the last ``</think>``; an unclosed
   ``<think>`` names no answer), and so are code blocks, inline code, ``>`` quoted lines and text
   restating the question (``prompt``);
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
from typing import NamedTuple

from passbound.verify._extract_scan import BRACE_TOKEN_RE as _BRACE_TOKEN_RE  # noqa: F401 - _hidden_text
from passbound.verify._extract_scan import Box, Spans, code_spans, in_quote_line, scan_boxes, strip_reasoning
from passbound.verify._extract_scan import group_end as _group_end  # noqa: F401 - _hidden_text

__all__ = ["FALLBACKS", "answer_phrase", "extract_answer", "last_boxed", "last_math", "last_number",
           "strip_reasoning"]

# Only the last this many characters of the answer part are read (a 32k-token completion is
# ~130 KB); with linear scans this bounds one row's cost.
MAX_SCAN_CHARS = 2_000_000
# How many candidate statements (from the end) may be passed over as quoted/in code before giving up.
MAX_CANDIDATES = 16
# At most this many adjacent boxes are read as one listed answer.
MAX_BOX_RUN = 32
# How far around a statement its sentence, its hedges and its context are looked for.
_WINDOW = 300
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
# A hedge word, at most two words, then another value: "or 16 if", "could also be 6",
# "or possibly \boxed{5}" (searched in the lower-cased text, over a bounded window).
_HEDGE = (
    r"\b(?:or|either|possibly|perhaps|maybe|alternatively|otherwise|else|unless|could|might)\b"
    r"(?:[ \t,:;]{1,4}[a-z]{1,15}){0,2}[ \t,:;(]{0,4}"
    r"(?:[-+]?\.?\d|\$|\\\(|\\\[|\\(?:boxed|fbox|framebox|[dt]?frac|sqrt)(?![a-z]))"
)
_HEDGE_RE = re.compile(_HEDGE)
# ...or a hedge word right before an option letter: "\\boxed{D} (or C if ties count)".
_LETTER_HEDGE = (
    r"\b(?i:or|either|possibly|perhaps|maybe|alternatively|otherwise|else)[ \t,:;]{1,4}"
    r"(?:(?i:option|choice)[ \t]+)?\(?[A-HJ-Z]\)?(?![A-Za-z])"
)
_LETTER_HEDGE_RE = re.compile(_LETTER_HEDGE)
# After a box, the hedge must belong to it: only closing math, punctuation and at most four words
# between ("\\boxed{5}, but it could also be 6"); "$\\boxed{49}$ has a remainder of 1 when
# divided by 2, 3, 4, or 6" states one value.
_LEAD = r"[\s$).,;:\\\]]*\(?[\s$]*(?:[A-Za-z'’-]+[ \t,]+){0,4}?"
_BOX_HEDGE_RE = re.compile(_LEAD + _HEDGE)
_BOX_LETTER_HEDGE_RE = re.compile(_LEAD + _LETTER_HEDGE)
_SENTENCE_STOP_RE = re.compile(r"[.!?](?=\s)|\n")
_PLAIN_NUMBER_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")

# "answer" markers (matched on the lower-cased text): a word before it that makes it the answer,
# then "is" or a colon.
_HEAD_WORDS = frozenset({"final", "the", "correct", "right", "actual", "true"})
# ...and before "answer is" only ("check my answer: plug in 5" is no statement).
_IS_HEAD_WORDS = _HEAD_WORDS | {"my", "our", "so", "thus", "hence", "therefore"}
_LAST_WORD_RE = re.compile(r"([a-z]+)[ \t*_]*$")
_PHRASE_TAIL_RE = re.compile(r"\s*(?:\*\*)?\s*(?:is\b\s*[:：]?|[:：])")
_HEADING_WORDS = frozenset({"answer", "final answer", "the final answer", "final answers"})
_GSM_RE = re.compile(r"^[ \t]*####[ \t]*([^\n]*)", re.MULTILINE)
_WORD_RE = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_VALUE_START_RE = re.compile(r"[-+$\\(.\d]")
# A number and one lower-case word after it ("18 dollars", "5 apples"), but not a variable ("2 n",
# "2k") or a function or constant written in words ("2 pi", "3 sqrt").
_NUMBER_UNIT_RE = re.compile(r"([-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+))[ \t]+([a-z]{2,})\.?")
_MATH_WORDS = frozenset({"pi", "ln", "log", "lg", "exp", "sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "arcsin",
                         "arccos", "arctan", "sinh", "cosh", "tanh", "mod", "inf", "infinity", "deg", "choose", "times",
                         "over", "e", "i"})
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_MATH_RE = re.compile(r"\$([^$]+)\$")
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)")
# More math after a phrase's first math span: another span, or a number.
_MORE_MATH_RE = re.compile(r"\$|\\\(|\\\[|\d")
# A phrase's tail that opens with two words is a sentence ("The largest $n$ is 34"), not an answer.
_PROSE_RE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z$]")
_MATHY_RE = re.compile(r"[0-9\\]")
_IS_RE = re.compile(r"\s(?:is|equals|are)\s+(?:equal\s+to\s+)?|\s=\s")
FALLBACKS = ("last_number", "last_math")


class Statement(NamedTuple):
    """An answer statement at ``text[start:end]``; ``answer`` None when it hedges."""

    start: int
    end: int
    answer: str | None


Skip = Callable[[int, int], bool]


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


def _marker_hedges(text: str, low: str, pos: int) -> bool:
    """Another value offered in the sentence of a marker's value, which starts at ``pos``."""
    while pos < len(low) and low[pos].isspace():
        pos += 1
    stop = _SENTENCE_STOP_RE.search(low, pos, min(len(low), pos + _WINDOW))
    stop = stop.start() if stop else min(len(low), pos + _WINDOW)
    return bool(_HEDGE_RE.search(low, pos, stop) or _LETTER_HEDGE_RE.search(text, pos, stop))


def _value_key(answer: str) -> str:
    """What two boxes of one value share: the spelling without spaces, or the number ("025" is 25)."""
    s = "".join(answer.split())
    return str(int(s.replace(",", "").lstrip("+"))) if _PLAIN_NUMBER_RE.fullmatch(s) and "." not in s else s


def last_boxed(text: str) -> str | None:
    """Content of the last complete box (or ``\\boxed X``), with the boxes that list the same
    answer right before it; None if there is none or its sentence hedges."""
    found = _box_statement(text, text.lower(), scan_boxes(text), lambda s, e: False)
    return found.answer if found else None


# --- answer markers --------------------------------------------------------------------------


def _says_more(after: str) -> bool:
    """Math after the first math span in the same sentence: "$5$ or $7$", "$5$ if $n$ is even"."""
    end = _SENTENCE_END_RE.search(after)
    return bool(_MORE_MATH_RE.search(after[: end.start()] if end else after))


def _display(rest: str) -> tuple[str | None, bool] | None:
    """A display-math answer on its own lines after a marker ("$$\\n5\\n$$", "\\[ 5 \\]")."""
    for opener, closer in (("$$", "$$"), ("\\[", "\\]")):
        if rest.startswith(opener):
            close = rest.find(closer, len(opener))
            if close < 0:
                return None
            return rest[len(opener) : close].strip() or None, _says_more(rest[close + len(closer) :])
    return None


def _clean_phrase_answer(rest: str) -> tuple[str | None, bool]:
    """Cut a phrase's tail ("$\\frac12$. So ...") down to the answer ("\\frac12").

    Returns (answer, hedged): hedged when the sentence goes on with more math after the first
    math span ("$5$ or $7$"), which names no single answer.
    """
    rest = rest.lstrip().lstrip("*").lstrip()
    display = _display(rest)
    if display is not None:
        answer, hedged = display
        return (None, True) if hedged else (answer, False)
    rest = rest.split("\n", 1)[0].strip()
    if _PROSE_RE.match(rest):
        # "Final Answer: The largest $n$ is 34": the answer is what the sentence says it is.
        sentence = rest[: m.start()] if (m := _SENTENCE_END_RE.search(rest)) else rest
        stated = None
        for stated in _IS_RE.finditer(sentence):
            pass
        if stated is not None:
            rest = sentence[stated.end() :]
    if rest.startswith("$"):
        inner = rest.lstrip("$")
        close = _dollar(inner)
        if close >= 0 and _says_more(inner[close:].lstrip("$")):
            return None, True
        rest = inner[:close] if close >= 0 else inner
    elif rest.startswith("\\("):
        close = rest.find("\\)")
        if close >= 0 and _says_more(rest[close + 2 :]):
            return None, True
        rest = rest[2:close] if close >= 0 else rest[2:]
    else:
        end = _SENTENCE_END_RE.search(rest)
        if end is not None:
            rest = rest[: end.start()]
    return _plain_value(rest), False


def _dollar(text: str) -> int:
    """Index of the first ``$`` that is not ``\\$`` (a dollar sign inside math), else -1."""
    pos = text.find("$")
    while pos > 0 and text[pos - 1] == "\\":
        pos = text.find("$", pos + 1)
    return pos


def _plain_value(rest: str) -> str | None:
    """Markup and currency off a marker's value: ``**18**``, ``\\$18``, ``18 dollars`` are 18."""
    rest = rest.strip().strip("*").strip().rstrip(".,;:").strip()
    if rest.startswith("\\$"):
        rest = rest[2:].lstrip()
    unit = _NUMBER_UNIT_RE.fullmatch(rest)
    if unit is not None and unit.group(2) not in _MATH_WORDS:
        rest = unit.group(1)
    return rest or None


def _answer_word(low: str, pos: int) -> int | None:
    """Where the value after the "answer" at ``pos`` begins, if it is a marker; else None.

    A marker is "answer" after a word that makes it the answer ("the", "final", "correct", "so",
    ...) or at the start of a line or sentence, then "is" or a colon; or a line that is only a
    heading ("**Final Answer**") with the value below it.
    """
    if pos > 0 and low[pos - 1].isalpha():
        return None
    after = pos + len("answer")
    if after < len(low) and low[after].isalpha() and low[after] != "s":
        return None
    line_start = low.rfind("\n", max(0, pos - _CONTEXT), pos) + 1
    line_end = low.find("\n", after, after + _CONTEXT)
    if line_end > 0 and low[line_start:line_end].strip(" \t#*_:>-") in _HEADING_WORDS:
        return line_end
    if after < len(low) and low[after] == "s":
        return None
    tail = _PHRASE_TAIL_RE.match(low, after, after + _WINDOW)
    if tail is None:
        return None
    before = low[max(line_start, pos - _CONTEXT) : pos]
    word = _LAST_WORD_RE.search(before)
    heads = _IS_HEAD_WORDS if tail.group().lstrip(" \t\n*").startswith("is") else _HEAD_WORDS
    bare = before.strip(" \t#*_>-")
    if (word is not None and word.group(1) in heads) or not bare or bare[-1] in ".!?:":
        return tail.end()
    return None


def _phrase_statement(text: str, low: str, skip: Skip) -> Statement | None:
    """The last "answer" marker (phrase or heading) outside skipped text."""
    end, passed = len(low), 0
    while (pos := low.rfind("answer", 0, end)) >= 0:
        end = pos
        value_at = _answer_word(low, pos)
        if value_at is None:
            continue
        if skip(pos, value_at):
            passed += 1
            if passed >= MAX_CANDIDATES:
                return None
            continue
        answer, hedged = _clean_phrase_answer(text[value_at : value_at + 2000])
        if not (answer or hedged):
            return None
        hedged = hedged or _marker_hedges(text, low, value_at)
        return Statement(pos, value_at, None if hedged else answer)
    return None


def _gsm_statement(text: str, low: str, skip: Skip) -> Statement | None:
    """The last ``#### 18`` line (GSM8K's format, which few-shot base models copy); a Markdown
    heading ("#### Step 2: ...") is prose and no answer."""
    found = None
    if "####" not in text:
        return None
    for m in _GSM_RE.finditer(text):
        value = m.group(1).strip().rstrip(".").strip()
        if _VALUE_START_RE.match(value) and len(_WORD_RE.findall(value, 0, 200)) <= 1:
            found = m
    if found is None or skip(found.start(), found.end()):
        return None
    answer, hedged = _clean_phrase_answer(found.group(1))
    hedged = hedged or _marker_hedges(text, low, found.start(1))
    return Statement(found.start(), found.end(), None if hedged else answer)


def _tag_statement(text: str, low: str, skip: Skip) -> Statement | None:
    """The last complete ``<answer>...</answer>``."""
    end = len(low)
    for _ in range(MAX_CANDIDATES):
        pos = low.rfind("<answer>", 0, end)
        if pos < 0:
            return None
        end = pos
        close = low.find("</answer>", pos, pos + 2000)
        if close < 0 or skip(pos, close):
            continue
        answer, hedged = _clean_phrase_answer(text[pos + len("<answer>") : close])
        hedged = hedged or _marker_hedges(text, low, pos + len("<answer>"))
        return Statement(pos, close + len("</answer>"), None if hedged else answer)
    return None


def _marker_statement(text: str, low: str, skip: Skip) -> Statement | None:
    """The latest explicit answer marker of any kind (``low``: the lower-cased text)."""
    found = [s for s in (_phrase_statement(text, low, skip), _gsm_statement(text, low, skip),
                         _tag_statement(text, low, skip)) if s is not None]
    return max(found, key=lambda s: s.start) if found else None


def answer_phrase(text: str) -> str | None:
    """The answer after the last explicit marker ("the answer is", "Answer:", ``#### 18``...)."""
    found = _marker_statement(text, text.lower(), lambda s, e: False)
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
    for last in _NUMBER_RE.finditer(text):
        pass
    return last.group().replace(",", "").rstrip(".") if last else None


def last_math(text: str) -> str | None:
    """The content of the last ``$...$`` span."""
    last = None
    for last in _MATH_RE.finditer(text):
        pass
    return last.group(1).strip() or None if last else None


_FALLBACK_FUNCS: dict[str, Callable[[str], str | None]] = {
    "last_number": last_number,
    "last_math": last_math,
}


def extract_answer(text: str, fallbacks: Sequence[str] = (), *, prompt: str | None = None,
                   reasoning: tuple[str, str] = ("<think>", "</think>")) -> str | None:
    """The final answer of ``text``, or None.

    The last statement wins: the last box run or the last answer marker, whichever comes later
    (an earlier ``\\boxed{255}`` revised by "The final answer is $10,455$" is 10,455); a marker
    without math after a box ("The answer is boxed above.") keeps the box. A statement that
    hedges gives None, and so does an unclosed reasoning block. ``prompt`` is the question:
    statements that restate it are not answers. Fallbacks run only where nothing is stated.
    """
    body = strip_reasoning(text, *reasoning)
    if body is None:
        return None
    body = body[-MAX_SCAN_CHARS:]
    skip = _quoter(body, prompt, code_spans(body))
    low = body.lower()
    box, marker = _box_statement(body, low, scan_boxes(body), skip), _marker_statement(body, low, skip)
    if box is not None and marker is not None and (
        marker.start < box.start or (marker.answer is not None and not _MATHY_RE.search(marker.answer))
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
