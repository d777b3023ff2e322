"""Answers whose ``\\text{...}`` would hide math from math-verify.

math-verify drops a trailing unit before parsing, and its rule is greedy: everything from the
first ``\\text{``/``\\mbox{`` (``\\mathrm``, ``\\textbf``... are renamed to ``\\text`` first) to a
final ``}`` goes. So ``5 \\text{ or 7}``, ``5\\text{ apples or }7\\text{ pears}`` and
``5 \\text{ cm} + 2\\text{ cm}`` all read as ``5``: a hedge, or a wrong sum, that passes.

A unit is words (``\\text{ cm}``, ``\\text{ m}/\\text{s}^2``); once a value is followed by text,
the rest of the answer may hold only more unit words and the glue between them (spacing, ``/``,
``\\cdot``, exponents). A digit inside such text (or the constants ``\\mathrm{e}``, ``\\mathrm{i}``,
which math-verify cuts off too: ``2\\mathrm{e}`` reads as 2), or more math after it, means the
answer says more than the value math-verify would read, and it is failed instead.
"""

from __future__ import annotations

import re

from passbound.verify.extract import _BRACE_TOKEN_RE, _group_end

# Text-like commands math-verify treats as \text (and so as a possible unit).
_TEXT_CMD_RE = re.compile(r"\\(?:text(?:bf|it|rm|sf|tt|normal)?|mbox|math(?:rm|it|bf|sf))\s*(?=\{)")
# Separators math-verify itself turns into a comma ("5 \text{ or } 7" is the list 5, 7).
_SEPARATOR_WORDS = {"", ",", "and", "or"}
# Text that is math: a digit, or e / i alone (Euler's number, the imaginary unit).
_MATH_IN_TEXT_RE = re.compile(r"\d|^\s*[ei]\s*$")
_EXPONENT_RE = re.compile(r"\^\s*(?:\{[^{}]*\}|-?\d|\\circ)")
_UNIT_GLUE_RE = re.compile(r"(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|~|/|\.|\*|\\cdot(?![A-Za-z])|[{}()])*")


def _top_level(answer: str, pos: int) -> bool:
    """Outside every brace group and not a sub/superscript (``\\lambda_{\\text{red}}`` is a name)."""
    depth = 0
    for match in _BRACE_TOKEN_RE.finditer(answer, 0, pos):
        depth += {"{": 1, "}": -1}.get(match.group(), 0)
    return depth == 0 and not answer[:pos].rstrip().endswith(("_", "^"))


def _text_groups(answer: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of each top-level text-like group, left to right."""
    groups, pos = [], 0
    while (m := _TEXT_CMD_RE.search(answer, pos)) is not None:
        end = _group_end(answer, m.end())
        if end is None:
            break
        if _top_level(answer, m.start()):
            groups.append((m.start(), end, answer[m.end() + 1 : end - 1]))
        pos = end
    return groups


def _is_word_group(content: str) -> bool:
    """Any group but the separators math-verify reads as commas."""
    return content.strip().lower() not in _SEPARATOR_WORDS


def text_hides_math(answer: str) -> bool:
    """True when text after the value would make math-verify ignore part of the answer."""
    groups = [g for g in _text_groups(answer) if _is_word_group(g[2])]
    first = next((g for g in groups if answer[: g[0]].strip(" $")), None)
    if first is None:
        return False  # no value before any text: nothing for math-verify to cut away
    tail = [g for g in groups if g[0] >= first[0]]
    if any(_MATH_IN_TEXT_RE.search(content) for _, _, content in tail):
        return True
    glue, pos = [], first[0]
    for start, end, _ in tail:
        glue.append(answer[pos:start])
        pos = end
    glue.append(answer[pos:])
    return not all(_UNIT_GLUE_RE.fullmatch(_EXPONENT_RE.sub("", g)) for g in glue)
