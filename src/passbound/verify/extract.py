"""Pull the final answer out of a completion, cheaply and without parsing math.

Extraction runs in the grading pool's *parent* process (so identical answers can be graded once),
so everything here is linear-time string work that cannot hang: no sympy, no backtracking-prone
regexes, a bounded number of attempts on pathological inputs (1 MB completions, 10k nested
braces, thousands of unterminated boxes).

Order, first hit wins:

1. the last complete ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces matched, ``\\{`` and ``\\}``
   are literal), or ``\\boxed 5`` without braces;
2. the last "the answer is ..." / "final answer: ..." phrase;
3. opt-in fallbacks (``"last_number"``, ``"last_math"``), off by default because they turn
   rambling non-answers into guesses and inflate pass@k at large k.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
# "\\" is one token (a LaTeX line break), so "\\{" opens a group while "\{" is a literal brace.
_BRACE_TOKEN_RE = re.compile(r"\\\\|\\[{}]|[{}]")
_BARE_BOX_RE = re.compile(r"[ \t]*([^\s${}]+)")
_PHRASE_RE = re.compile(r"(?:final\s+answer|the\s+answer)\s*(?:\*\*)?\s*(?:is\b\s*[:：]?|[:：])", re.IGNORECASE)
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_MATH_RE = re.compile(r"\$([^$]+)\$")
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)")

# How many boxes (from the end) to try before giving up; bounds the work on inputs with thousands
# of unterminated "\boxed{" (each attempt may scan to the end of the text).
MAX_BOX_ATTEMPTS = 4
FALLBACKS = ("last_number", "last_math")


def _group_end(text: str, open_pos: int) -> int | None:
    """Index just past the ``}`` that closes the ``{`` at ``open_pos``, or None if unbalanced."""
    depth = 0
    for match in _BRACE_TOKEN_RE.finditer(text, open_pos):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return match.end()
    return None


def last_boxed(text: str) -> str | None:
    """Content of the last complete ``\\boxed{}``/``\\fbox{}`` (or ``\\boxed X``), else None."""
    end = len(text)
    for _ in range(MAX_BOX_ATTEMPTS):
        start = max(text.rfind("\\boxed", 0, end), text.rfind("\\fbox", 0, end))
        if start < 0:
            return None
        end = start
        match = _BOX_RE.match(text, start)
        if match is None:  # e.g. "\boxedness": not a box command
            continue
        pos = match.end()
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "{":
            close = _group_end(text, pos)
            if close is None:  # truncated completion: try the box before it
                continue
            content = text[pos + 1 : close - 1].strip()
        else:
            bare = _BARE_BOX_RE.match(text, match.end())
            content = bare.group(1) if bare else ""
        if content:
            return content
    return None


def _clean_phrase_answer(rest: str) -> str | None:
    """Cut a phrase's tail ("$\\frac12$. So ...") down to the answer ("\\frac12")."""
    rest = rest.lstrip().lstrip("*").lstrip().split("\n", 1)[0].strip()
    if rest.startswith("$"):
        inner = rest.lstrip("$")
        close = inner.find("$")
        rest = inner[:close] if close >= 0 else inner
    elif rest.startswith("\\("):
        close = rest.find("\\)")
        rest = rest[2:close] if close >= 0 else rest[2:]
    else:
        end = _SENTENCE_END_RE.search(rest)
        if end is not None:
            rest = rest[: end.start()]
    rest = rest.strip().strip("*").strip().rstrip(".,;:").strip()
    return rest or None


def answer_phrase(text: str) -> str | None:
    """The answer after the last "the answer is" / "final answer:" phrase, else None."""
    last = None
    for last in _PHRASE_RE.finditer(text):
        pass
    if last is None:
        return None
    return _clean_phrase_answer(text[last.end() : last.end() + 2000])


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


def extract_answer(text: str, fallbacks: Sequence[str] = ()) -> str | None:
    """The final answer of ``text`` (boxed, then phrase, then each fallback in order), or None."""
    answer = last_boxed(text)
    if answer is None:
        answer = answer_phrase(text)
    for name in fallbacks:
        if answer is not None:
            break
        answer = _FALLBACK_FUNCS[name](text)
    return answer
