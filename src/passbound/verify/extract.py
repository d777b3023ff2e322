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
# "final answer" / "the answer", then "is" or a colon (matched on the lower-cased text).
_PHRASE_HEAD_RE = re.compile(r"(?:final|the)\s+$")
_PHRASE_TAIL_RE = re.compile(r"\s*(?:\*\*)?\s*(?:is\b\s*[:：]?|[:：])")
_HEAD_WINDOW = 200
_NUMBER_RE = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_MATH_RE = re.compile(r"\$([^$]+)\$")
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)")
# More math after a phrase's first math span: another span, or a number.
_MORE_MATH_RE = re.compile(r"\$|\\\(|\\\[|\d")
# A phrase's tail that opens with two words is a sentence ("The largest $n$ is 34"), not an answer.
_PROSE_RE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z$]")
_MATHY_RE = re.compile(r"[0-9\\]")
_IS_RE = re.compile(r"\s(?:is|equals|are)\s+(?:equal\s+to\s+)?|\s=\s")

# How many boxes (from the end) to try before giving up; bounds the work on inputs with thousands
# of unterminated "\boxed{" (each attempt may scan to the end of the text).
MAX_BOX_ATTEMPTS = 4
# At most this many adjacent boxes are read as one listed answer.
MAX_BOX_RUN = 32
# What may stand between boxes that list one answer: spacing, commas, "and"/"or", math delimiters.
_CONNECTOR_RE = re.compile(
    r"(?:\s|[,;&~$]|\\[,;:! ]|\\q?quad(?![A-Za-z])|\\\\|\\\(|\\\)|\\\[|\\\]"
    r"|\\(?:text|mathrm|textrm)\s*\{\s*(?:and|or|,)?\s*\}|\b(?:and|or)\b)*"
)
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


def _last_box(text: str, end: int) -> tuple[int, int, str] | None:
    """(start, end, content) of the last complete box starting before ``end``, else None."""
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
            content, close = (bare.group(1), bare.end()) if bare else ("", match.end())
        if content:
            return start, close, content
    return None


def _outermost(text: str, box: tuple[int, int, str] | None) -> tuple[int, int, str] | None:
    """The box itself, or the box around it: ``\\boxed{\\boxed{5}}`` is 5, but
    ``\\boxed{\\boxed{5} \\text{ or } 7}`` boxes more than 5 and names no single answer (None)."""
    while box is not None:
        outer = _last_box(text, box[0])
        if outer is None or outer[1] < box[1]:
            return box
        if outer[2] != text[box[0] : box[1]]:
            return None
        box = (outer[0], outer[1], box[2])
    return None


def _last_box_run(text: str) -> tuple[int, str] | None:
    """(start, answer) of the last box, joined with the boxes right before it.

    A model that boxes each part of one answer (``\\boxed{1}, \\boxed{2}``, ``\\boxed{(2, 2)}
    \\quad\\text{and}\\quad \\boxed{(6, 2)}``) states the list of them; boxes separated by
    anything but commas, "and"/"or" and spacing are separate statements, and only the last counts.
    """
    last = _outermost(text, _last_box(text, len(text)))
    if last is None:
        return None
    start, _, content = last
    parts = [content]
    while len(parts) < MAX_BOX_RUN:
        before = _last_box(text, start)
        if before is None or not _CONNECTOR_RE.fullmatch(text, before[1], start):
            break
        start, parts = before[0], [before[2], *parts]
    return start, ", ".join(parts)


def last_boxed(text: str) -> str | None:
    """Content of the last complete ``\\boxed{}``/``\\fbox{}`` (or ``\\boxed X``), with the boxes
    that list the same answer right before it; None if there is none."""
    run = _last_box_run(text)
    return run[1] if run else None


def _says_more(after: str) -> bool:
    """Math after the first math span in the same sentence: "$5$ or $7$", "$5$ if $n$ is even"."""
    end = _SENTENCE_END_RE.search(after)
    return bool(_MORE_MATH_RE.search(after[: end.start()] if end else after))


def _clean_phrase_answer(rest: str) -> tuple[str | None, bool]:
    """Cut a phrase's tail ("$\\frac12$. So ...") down to the answer ("\\frac12").

    Returns (answer, hedged): hedged when the sentence goes on with more math after the first
    math span ("$5$ or $7$"), which names no single answer.
    """
    rest = rest.lstrip().lstrip("*").lstrip().split("\n", 1)[0].strip()
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
        close = inner.find("$")
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
    rest = rest.strip().strip("*").strip().rstrip(".,;:").strip()
    return rest or None, False


def _last_phrase(text: str) -> tuple[int, str | None] | None:
    """(position, answer) of the last "the answer is" / "final answer:" phrase, else None.

    The answer is None when the phrase hedges ("the answer is $5$ or $7$"): the last statement
    then names no answer, and an earlier box does not count either.

    Searched backwards from each "answer" (a case-insensitive ``rfind``), not with a regex over
    the whole text: 4x faster on typical completions, where few words are "answer".
    """
    low = text.lower()
    end = len(low)
    while (pos := low.rfind("answer", 0, end)) >= 0:
        end = pos
        before = _PHRASE_HEAD_RE.search(low, max(0, pos - _HEAD_WINDOW), pos)
        after = _PHRASE_TAIL_RE.match(low, pos + len("answer"))
        if before is None or after is None:
            continue
        answer, hedged = _clean_phrase_answer(text[after.end() : after.end() + 2000])
        return (before.start(), answer) if answer or hedged else None
    return None


def answer_phrase(text: str) -> str | None:
    """The answer after the last "the answer is" / "final answer:" phrase, else None."""
    found = _last_phrase(text)
    return found[1] if found else None


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
    """The final answer of ``text``, or None.

    The last statement wins: the last box run or the last answer phrase, whichever comes later
    (an earlier ``\\boxed{255}`` revised by "The final answer is $10,455$" is 10,455); then each
    fallback in order.
    """
    box, phrase = _last_box_run(text), _last_phrase(text)
    if box is not None and phrase is not None and (
        phrase[0] < box[0] or (phrase[1] is not None and not _MATHY_RE.search(phrase[1]))
    ):
        phrase = None  # "... \\boxed{42}. The answer is boxed above." keeps the box
    answer = (phrase or box or (0, None))[1]
    for name in fallbacks:
        if answer is not None:
            break
        answer = _FALLBACK_FUNCS[name](text)
    return answer
