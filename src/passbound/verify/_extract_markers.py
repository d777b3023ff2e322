"""Explicit answer markers: "the answer is", ``Answer:``, a "Final Answer" heading over the value,
GSM8K's ``#### 18`` and ``<answer>...</answer>``, each read with the same hedge rules as a box.

Linear: each "answer" is checked in bounded windows around it, and a value is read from at most
2,000 characters after its marker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

# How many candidate statements (from the end) may be passed over as quoted/in code before giving up.
MAX_CANDIDATES = 16
# How far around a statement its sentence, its hedges and its context are looked for.
WINDOW = 300
_CONTEXT = 60

# A hedge word, at most two words, then another value: "or 16 if", "could also be 6",
# "or possibly \boxed{5}" (searched in the lower-cased text, over a bounded window).
HEDGE = (
    r"\b(?:or|either|possibly|perhaps|maybe|alternatively|otherwise|else|unless|could|might)\b"
    r"(?:[ \t,:;]{1,4}[a-z]{1,15}){0,2}[ \t,:;(]{0,4}"
    r"(?:[-+]?\.?\d|\$|\\\(|\\\[|\\(?:boxed|fbox|framebox|[dt]?frac|sqrt)(?![a-z]))"
)
_HEDGE_RE = re.compile(HEDGE)
# ...or a hedge word right before an option letter: "\\boxed{D} (or C if ties count)".
LETTER_HEDGE = (
    r"\b(?i:or|either|possibly|perhaps|maybe|alternatively|otherwise|else)[ \t,:;]{1,4}"
    r"(?:(?i:option|choice)[ \t]+)?\(?[A-HJ-Z]\)?(?![A-Za-z])"
)
_LETTER_HEDGE_RE = re.compile(LETTER_HEDGE)
_SENTENCE_STOP_RE = re.compile(r"[.!?](?=\s)|\n")
_SPACES_RE = re.compile(r"\s*")

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
_MATH_WORDS = frozenset(
    {
        "pi",
        "ln",
        "log",
        "lg",
        "exp",
        "sqrt",
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "mod",
        "inf",
        "infinity",
        "deg",
        "choose",
        "times",
        "over",
        "e",
        "i",
    }
)
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)")
# More math after a phrase's first math span: another span, or a number.
_MORE_MATH_RE = re.compile(r"\$|\\\(|\\\[|\d")
# A phrase's tail that opens with two words is a sentence ("The largest $n$ is 34"), not an answer.
_PROSE_RE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z$]")
_IS_RE = re.compile(r"\s(?:is|equals|are)\s+(?:equal\s+to\s+)?|\s=\s")


class Statement(NamedTuple):
    """An answer statement at ``text[start:end]``; ``answer`` None when it hedges."""

    start: int
    end: int
    answer: str | None


Skip = Callable[[int, int], bool]


def _marker_hedges(text: str, low: str, pos: int) -> bool:
    """Another value offered in the sentence of a marker's value, which starts at ``pos``."""
    spaces = _SPACES_RE.match(low, pos, min(len(low), pos + WINDOW))
    assert spaces is not None  # \s* matches the empty string
    pos = spaces.end()
    stop_m = _SENTENCE_STOP_RE.search(low, pos, min(len(low), pos + WINDOW))
    stop = stop_m.start() if stop_m else min(len(low), pos + WINDOW)
    return bool(_HEDGE_RE.search(low, pos, stop) or _LETTER_HEDGE_RE.search(text, pos, stop))


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
        for found in _IS_RE.finditer(sentence):
            stated = found
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
    tail = _PHRASE_TAIL_RE.match(low, after, after + WINDOW)
    if tail is None:
        return None
    before = low[max(line_start, pos - _CONTEXT) : pos]
    word = _LAST_WORD_RE.search(before)
    heads = _IS_HEAD_WORDS if tail.group().lstrip(" \t\n*").startswith("is") else _HEAD_WORDS
    bare = before.strip(" \t#*_>-")
    if (word is not None and word.group(1) in heads) or not bare or bare[-1] in ".!?:":
        return tail.end()
    return None


def _phrase_statement(text: str, low: str, skip: Skip, lo: int = 0) -> Statement | None:
    """The last "answer" marker (phrase or heading) outside skipped text, starting at ``lo`` or later."""
    end, passed = len(low), 0
    while (pos := low.rfind("answer", lo, end)) >= 0:
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
    answer, hedged = _clean_phrase_answer(text[found.start(1) : min(found.end(1), found.start(1) + 2000)])
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


def marker_statement(text: str, low: str, skip: Skip, lo: int = 0) -> Statement | None:
    """The latest explicit answer marker of any kind (``low``: the lower-cased text).

    ``lo``: a caller that discards every statement starting before ``lo`` (one before the last
    box) may say so; phrase markers are then searched from the end down to ``lo`` only (their
    search is the one that visits every "answer" in long reasoning). Whatever this returns that
    starts at ``lo`` or later is what it returns with ``lo`` = 0."""
    best = _phrase_statement(text, low, skip, lo)
    for other in (
        # a one-character search first: memchr-fast where a longer needle is ~6x slower
        _gsm_statement(text, low, skip) if "#" in text and "####" in text else None,
        _tag_statement(text, low, skip) if "<" in low and "<answer>" in low else None,
    ):
        if other is not None and (best is None or other.start > best.start):
            best = other
    return best
