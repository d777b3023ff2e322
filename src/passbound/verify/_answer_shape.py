"""Does an extracted answer commit to one value? Checked before math-verify reads it.

math-verify is built to find *a* reading of an answer that equals the gold, which is the wrong
goal for a reward: an answer that names several values is read as whichever one matches.
Seen passing (huggingface/Math-Verify 0.x): ``2 \\quad 8`` summed as a mixed number (10);
``x = 7 \\\\ x = 5`` read by its last line; ``x = 7 \\quad x = 5`` read as the chain
``x = 7x = 5`` whose last side counts; ``5 \\approx 7`` read by its left side; ``7 = x = 5``;
``2x = 18`` read as 18. Each fails here:

* a line break ``\\\\`` outside a matrix, ``cases`` or ``array`` (a line that starts with a relation
  continues the one before it: ``x &= 2+3 \\\\ &= 5``);
* values set apart by wide spacing (``\\quad``, ``\\qquad``, ``\\;``, ``\\hspace``...), and two
  numbers with only thin spacing or blanks between them (``2\\,8``, ``2~8``, ``2 8``); a mixed
  number, an integer followed by a proper fraction (``2\\frac{1}{2}``, ``2 1/2``), is one value,
  and thousands groups (``1\\,000``) are joined before this check;
* an approximation (``\\approx``, ``\\sim``...) unless it is ``x \\approx 3.14``, and an
  implication (``\\Rightarrow``) unless the gold has one;
* an equation chain with a variable in a middle side (``7 = x = 5``), and, when the gold is not
  an equation, an equation whose left side is neither a name (``x``, ``a_{10}``, ``AB``,
  ``\\angle ABC``, ``f(3)``) nor free of variables (``2 + 3 = 5`` is fine, ``2x = 18`` is not).

A gold answer that has one of these shapes itself (a gold written over two lines) switches the
matching rule off. Everything is one linear pass over the string; nothing is parsed.
"""

from __future__ import annotations

import functools
import re

from passbound.verify._answer_forms import join_thousands

# Text-like groups: their contents are words (units, names), not math.
_TEXT_CMD_RE = re.compile(r"\\(?:text(?:bf|it|rm|sf|tt|normal|up)?|mbox|math(?:rm|it|bf|sf)|operatorname)\s*\{")
_SEPARATOR_WORDS = {"or", "and", ","}
_DIGIT_RE = re.compile(r"\d")
_TEXT, _WIDE, _THIN, _BREAK = "\x01", "\x02", "\x03", "\x04"
_DROP_RE = re.compile(r"\\(?:left|right|displaystyle|[bB]igg?[lr]?)(?![A-Za-z])|\$|\\!")
_SPACE_RUN_RE = re.compile(
    r"(?:\s|~|\\[,;:> ]|\\(?:q?quad|enspace|hfill|thinspace|medspace|thickspace)(?![A-Za-z])"
    r"|\\(?:hspace\*?|[hv]?phantom|mspace|kern|hskip)\s*(?:\{[^{}]{0,40}\}|[-\d.]{1,8}\s*[a-z]{2}))+"
)
_WIDE_IN_RUN_RE = re.compile(
    r"\\(?:q?quad|enspace|hfill|hspace|medspace|thickspace|[hv]?phantom|mspace|kern|hskip)|\\[;:>]"
)
_ENV_OR_BREAK_RE = re.compile(_BREAK + r"|\\begin\{([A-Za-z]+)\*?\}|\\end\{([A-Za-z]+)\*?\}")
# Environments whose rows are parts of one value.
_ONE_VALUE_ENVS = {
    "matrix",
    "pmatrix",
    "bmatrix",
    "Bmatrix",
    "vmatrix",
    "Vmatrix",
    "smallmatrix",
    "cases",
    "array",
    "dcases",
}
_RELATION = (
    r"=|<|>|\\(?:approx|sim|simeq|cong|equiv|doteq|propto|neq|ne|leq|geq|le|ge|lt|gt|leqslant|geqslant"
    r"|Rightarrow|Longrightarrow|implies|iff|to|rightarrow)(?![A-Za-z])"
)
_TOKEN_RE = re.compile(_RELATION + r"|\\[A-Za-z]+|\\.|.", re.DOTALL)
_RELATION_RE = re.compile(_RELATION)
_APPROX = {"\\approx", "\\sim", "\\simeq", "\\cong", "\\doteq", "\\propto"}
_IMPLIES = {"\\Rightarrow", "\\Longrightarrow", "\\implies", "\\iff", "\\to", "\\rightarrow"}
_GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
}
_VARIABLE_RE = re.compile(r"\\([A-Za-z]+)|([A-Za-z])")
_GREEK_NAME = r"\\(?:" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")(?![A-Za-z])"
# x, a_{10}, x', AB, \angle ABC, m\angle A, \overline{AB}, \theta, f(3), P(A), a text label.
_NAME_RE = re.compile(
    r"(?:m?\\(?:angle|measuredangle|triangle)\s*)?"
    r"(?:\\overline\{[A-Z]{1,4}\}|[A-Z]{1,4}|[A-Za-z]|" + _GREEK_NAME + "|" + _TEXT + r")"
    r"(?:'+|\^\{?\\prime\}?)?(?:_(?:\{[^{}=]{1,20}\}|[A-Za-z0-9]))?(?:'+|\^\{?\\prime\}?)?(?:\([^()=]{1,40}\))?"
)
# Two numbers with only thin spacing between them ("2\,8", "2 8", "2 \frac{5}{2}").
_NUMBER_FRAC = r"\\[dt]?frac(?:\{(\d+)\}|(\d))(?:\{(\d+)\}|(\d))"
_JUXTAPOSED_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\}?" + _THIN + r"(?=\{?-?\d|\{?\.\d|" + _NUMBER_FRAC + ")")
_MIXED_RIGHT_RE = re.compile(_NUMBER_FRAC + r"|(\d+)/(\d+)(?![\d.])")
_WIDE_LEFT_OK = set(",;([{=<>+-*/&|:" + _TEXT)
_WIDE_RIGHT_OK = set(",;)]}=<>*/&|^_!:" + _TEXT)  # not "+", "-": "2 \\quad -8+16" names a second value
_OPERATOR_CMD_RE = re.compile(r"\\(?:cdot|times|div|pm|mp|le|ge|leq|geq|approx|neq|cup|cap)(?![A-Za-z])")


def _mask_text(text: str) -> str:
    """Text groups become one marker (``\\text{ or }`` a comma); ``\\left``, ``$`` etc. go."""
    out, pos = [], 0
    while (m := _TEXT_CMD_RE.search(text, pos)) is not None:
        end = _group_end(text, m.end() - 1)
        out.append(text[pos : m.start()])
        if end is None:
            pos = m.start()
            break
        content = text[m.end() : end - 1].strip().lower()
        if _DIGIT_RE.search(content):
            out.append("{" + text[m.end() : end - 1] + "}")  # "\\mathbf{2x}": math, not a label or unit
        else:
            out.append("," if content in _SEPARATOR_WORDS else _TEXT)
        pos = end
    out.append(text[pos:])
    return _DROP_RE.sub("", "".join(out).replace("\\\\", _BREAK))


def _group_end(text: str, open_pos: int) -> int | None:
    """Index past the ``}`` closing the ``{`` at ``open_pos`` (``\\{``, ``\\}`` are literal)."""
    depth, i, n = 0, open_pos, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _mark_spacing(text: str) -> str:
    """Each run of spacing becomes one marker: wide (``\\quad``...) or thin (``\\,``, blanks)."""
    return _SPACE_RUN_RE.sub(lambda m: _WIDE if _WIDE_IN_RUN_RE.search(m.group()) else _THIN, text)


def _line_break_reason(text: str) -> str | None:
    """A ``\\\\`` outside one-value environments starts a second line, unless that line goes
    on with a relation."""
    stack: list[str] = []
    for m in _ENV_OR_BREAK_RE.finditer(text):
        if m.group(1):
            stack.append(m.group(1))
        elif m.group(2):
            if stack:
                stack.pop()
        elif not (stack and stack[-1] in _ONE_VALUE_ENVS):
            rest = text[m.end() : m.end() + 64].lstrip(" \t\n&~")
            if not _RELATION_RE.match(rest):
                return "names a value on each of several lines"
    return None


def _spacing_reason(marked: str) -> str | None:
    """Values set apart by wide spacing, or numbers by thin spacing (mixed numbers excepted)."""
    for i, ch in enumerate(marked):
        if ch != _WIDE or i == 0 or i == len(marked) - 1:
            continue
        left, right = marked[i - 1], marked[i + 1]
        if left in _WIDE_LEFT_OK or right in _WIDE_RIGHT_OK or _OPERATOR_CMD_RE.match(marked, i + 1):
            continue
        if marked[:i].rstrip().endswith(("\\cdot", "\\times", "\\pm")):
            continue
        return "names values set apart by spacing"
    for m in _JUXTAPOSED_RE.finditer(marked):
        before = marked[max(m.start() - 2, 0) : m.start()]
        if before.endswith(("_", "^", "_{", "^{")) or (before.endswith("{") and before[:1].isalpha()):
            continue  # a subscript, an exponent or a command's argument, then a number: "\log_{2} 8"
        if not _is_mixed_number(marked, m):
            return "names two numbers side by side"
    return None


def _is_mixed_number(marked: str, m: re.Match[str]) -> bool:
    """An integer (not a decimal, exponent or fraction's end) then a proper fraction."""
    if not m.group(1).isdigit() or (m.start() > 0 and marked[m.start() - 1] in "0123456789.}"):
        return False
    frac = _MIXED_RIGHT_RE.match(marked, m.end())
    if frac is None:
        return False
    numerator, denominator = (g for g in frac.groups() if g is not None)
    after = marked[frac.end() : frac.end() + 1]
    return 0 < int(numerator) < int(denominator) and after not in ("^", "_")


def _parts(masked: str) -> list[tuple[list[str], list[str]]]:
    """Top-level comma parts, each as (sides, relations) split at top-level relations."""
    parts: list[tuple[list[str], list[str]]] = []
    sides: list[str] = []
    relations: list[str] = []
    current: list[str] = []
    depth = 0
    for m in _TOKEN_RE.finditer(masked):
        tok = m.group()
        if tok == "&":
            continue  # an alignment mark
        if tok in ("(", "[", "{", "\\{"):
            depth += 1
        elif tok in (")", "]", "}", "\\}"):
            depth -= 1
        elif depth == 0 and tok == ",":
            sides.append("".join(current))
            parts.append((sides, relations))
            sides, relations, current = [], [], []
            continue
        elif depth == 0 and _RELATION_RE.fullmatch(tok):
            sides.append("".join(current))
            relations.append(tok)
            current = []
            continue
        current.append(tok)
    sides.append("".join(current))
    parts.append((sides, relations))
    return parts


def _has_variable(side: str) -> bool:
    for m in _VARIABLE_RE.finditer(side):
        if m.group(1) in _GREEK or (m.group(2) and m.group(2) not in "ei"):
            return True
    return False


def _is_blank(side: str) -> bool:
    return not side.replace(_THIN, "").replace(_WIDE, "").strip()


def _is_name(side: str) -> bool:
    return _NAME_RE.fullmatch(side.replace(_THIN, "").replace(_WIDE, "").strip()) is not None


def _relation_reason(masked: str, gold_masked: str) -> str | None:
    gold_relations = {m.group() for m in _RELATION_RE.finditer(gold_masked)}
    for sides, relations in _parts(masked):
        if not relations:
            continue
        approx = [r for r in relations if r in _APPROX and r not in gold_relations]
        if approx and (len(relations) > 1 or not (_is_name(sides[0]) or _is_blank(sides[0]))):
            return f"keeps both sides of {approx[0]}"
        if any(
            r in _IMPLIES and r not in gold_relations and not _is_blank(sides[i]) and not _is_blank(sides[i + 1])
            for i, r in enumerate(relations)
        ):
            return "states an implication, not a value"
        if not all(r == "=" for r in relations):
            continue
        if any(_has_variable(s) for s in sides[1:-1]):
            return "a variable in the middle of an equation chain"
        if not gold_relations and _has_variable(sides[0]) and not _is_name(sides[0]):
            return "the left side of the equation is not a lone variable"
    return None


def _layout_reason(text: str) -> str | None:
    """The checks that do not depend on the gold (lines and spacing)."""
    masked = _mask_text(text)
    return _line_break_reason(masked) or _spacing_reason(_mark_spacing(masked))


@functools.lru_cache(maxsize=1024)
def _gold_shape(gold: str) -> tuple[str | None, str, str | None]:
    """(layout reason, masked text, relation reason) of a gold; one gold meets many answers."""
    gold = join_thousands(gold)
    masked = _mask_text(gold)
    return _layout_reason(gold), masked, _relation_reason(_mark_spacing(masked), masked)


def shape_reason(answer: str, gold: str) -> str | None:
    """Why ``answer`` names more than one value, or None when it names one (see module doc)."""
    shape = _gold_shape if len(gold) <= 1000 else _gold_shape.__wrapped__  # never pin a huge gold
    gold_layout, gold_masked, gold_relation = shape(gold)
    answer = join_thousands(answer)
    reason = _layout_reason(answer) if gold_layout is None else None
    if reason is not None:
        return reason
    reason = _relation_reason(_mark_spacing(_mask_text(answer)), gold_masked)
    if reason is not None and reason == gold_relation:
        return None  # the gold has that shape itself ("X = Y = Z")
    return reason
