"""Multiple choice: the answer names an option by its letter or by its text; the gold is a letter.

A problem of ``kind="choice"`` carries its options in ``metadata["choices"]`` (MathVista's
``choices``, MathVision's ``options``) and the gold letter as ``target``. The answer is taken
the way math answers are (last ``\\boxed{}``, else an answer phrase; no guessing from the last
letter in the text), then read as

* a letter: ``B``, ``(B)``, ``\\text{B}``; with the option's text after it (``(B) 145°``), the
  text must be that option's, or the answer fails (a model that names B and means C is wrong);
* else an option's text, compared loosely (case, spacing, ``$``, degree signs) and then by math
  equivalence; it must match exactly one option.

Labels are read after NFKC normalisation and case-insensitively (``Ｄ``, ``d``, ``(d)``), and an
ordinal names the label it counts to (``the 5th option``, ``fifth choice``, ``option five``).

Anything else fails. A false pass is the worst error a reward can make: several letters
(``A or C``, ``D) or e``), a text that fits two options, an answer that names more than one value
(see :mod:`passbound.verify._answer_shape`), or an answer outside the options never pass.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from passbound.types import Problem
from passbound.verify._answer_shape import shape_reason
from passbound.verify.extract import extract_answer
from passbound.verify.math import MathVerifier
from passbound.verify.reasoning import ReasoningPolicy, no_answer_detail, reasoning_policy
from passbound.verify.result import GradeResult

# choice-2: no other label after a label-only letter. choice-3: math-5's extraction (final
# statement only, hedges give no answer, explicit answer markers); labels NFKC-normalised and
# case-insensitive, ordinal words name labels, option texts must name one value (math-5's shape).
# choice-4: math-6's reasoning policy (configurable tags; an opener in any case after the close re-opens).
SEMANTICS_VERSION = "choice-4"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_WRAPPER_RE = re.compile(r"^\\(?:text|mathrm|textbf|mathbf|textrm|mbox)\s*\{(.*)\}$", re.DOTALL)
_LETTER_RE = re.compile(r"\(([A-Za-z])\)|([A-Za-z])")
# "(B) 145°", "B. 145°", "B: 145°", "B) 145°" (and lower case)
_LETTER_TEXT_RE = re.compile(r"(?:\(([A-Za-z])\)|([A-Za-z])[.:)])\s*(.+)", re.DOTALL)
_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
)
_CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_OPTION_NOUN = r"(?:option|choice|answer|alternative)"
# "the 5th option", "fifth choice", "option five", "option number 5"
_ORDINAL_RE = re.compile(
    r"(?:the\s+)?(?:(\d{1,2})(?:st|nd|rd|th)|("
    + "|".join(_ORDINALS)
    + r"))\s+"
    + _OPTION_NOUN
    + r"|"
    + _OPTION_NOUN
    + r"\s+(?:(?:number|no\.?|#)\s*)?(\d{1,2}|"
    + "|".join(_CARDINALS)
    + r")",
    re.IGNORECASE,
)
_OPTION_WORD_RE = re.compile(r"(?:option|choice)\s+", re.IGNORECASE)
_DEGREE_RE = re.compile(r"\^\s*\{?\\circ\}?|°|\\degree")
_LOOSE_DROP_RE = re.compile(r"[\s$*]|\\[,;!: ]")
_MATHY_RE = re.compile(r"[0-9\\^_=+*/]")
_PROSE_RE = re.compile(r"(?<!\\)\b[A-Za-z]{2,}\s+[A-Za-z]{2,}")
# A label in running text: "(D)" or a lone letter ("or D", "or e").
_LABEL_IN_TEXT_RE = re.compile(r"\(([A-Za-z])\)|\b([A-Za-z])\b")
# ...but "A triangle", "a line", "I think": the article and the pronoun before a word that is not a verdict.
_LABEL_CONTEXT_RE = re.compile(r"(?:\b(?:or|and|not|nor)|[,/|;])\s*$", re.IGNORECASE)
_ARTICLE_RE = re.compile(r"[AaIi]\s+(?!(?:is|are|was|or|and|not)\b)[a-z]")


def _unwrap(text: str, option_word: bool = False) -> str:
    """The answer without ``$``, ``**``, ``\\text{}`` wrappers and (unless ``option_word``) a
    leading "option"/"choice"; NFKC-normalised, so fullwidth ``Ｄ`` is ``D``."""
    s = unicodedata.normalize("NFKC", text).strip().rstrip(".").strip()
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s.strip("$").strip()
    s = s.strip("*").strip()
    while (m := _WRAPPER_RE.match(s)) is not None:
        s = m.group(1).strip().rstrip(".").strip()
    return _OPTION_WORD_RE.sub("", s, count=1) if _OPTION_WORD_RE.match(s) and not option_word else s


def loose(text: str) -> str:
    """Case, spacing, ``$``, ``\\text{}`` and degree signs do not tell two options apart."""
    s = _DEGREE_RE.sub("", _unwrap(text))
    s = re.sub(r"\\(?:text|mathrm|textrm|mbox)\s*\{([^{}]*)\}", r"\1", s)
    return _LOOSE_DROP_RE.sub("", s).casefold()


@functools.lru_cache(maxsize=1)
def _math() -> MathVerifier:
    return MathVerifier()


def _choices(problem: Problem) -> list[str]:
    return [str(c) for c in (problem.metadata or {}).get("choices") or []]


@dataclass(frozen=True)
class ChoiceVerifier:
    """Grades a multiple-choice answer against the gold letter (``Problem.target``);
    ``reasoning``: where the answer part starts (``passbound.verify.reasoning``)."""

    timeout_s: int = 5
    math: MathVerifier = field(default_factory=MathVerifier)
    reasoning: ReasoningPolicy | str | dict[str, Any] | None = None

    name = "choice"

    def __post_init__(self) -> None:
        object.__setattr__(self, "reasoning", reasoning_policy(self.reasoning))

    @functools.cached_property
    def version(self) -> str:
        return f"{SEMANTICS_VERSION}+{self.math.version}{self._policy.tag}"

    @property
    def _policy(self) -> ReasoningPolicy:
        assert isinstance(self.reasoning, ReasoningPolicy)  # __post_init__ made it one
        return self.reasoning

    def warm_up(self) -> None:
        self.math.warm_up()

    def extract(self, completion: str, problem: Problem | None = None) -> str | None:
        return extract_answer(completion, prompt=problem.prompt if problem else None, reasoning=self._policy)

    def dedupe_key(self, problem: Problem, answer: str) -> tuple[Any, ...]:
        return (problem.target, tuple(_choices(problem)), answer)

    def item_timeout(self, problem: Problem) -> float | None:
        return None

    def quick_check(self, problem: Problem, answer: str) -> GradeResult | None:
        """A verdict from the letter or an option's loose text, or None when math must decide."""
        choices, gold = _choices(problem), problem.target.strip().upper()
        if not choices:
            return GradeResult("error", answer, "choice problem without metadata['choices']")
        s = _unwrap(answer)
        text_hits = [i for i, c in enumerate(choices) if loose(c) == loose(s)]
        shape = shape_reason(s, _unwrap(choices[text_hits[0]])) if len(text_hits) == 1 else None
        if shape is not None:  # "2 8" is loosely the option "28", but names two numbers
            return GradeResult("fail", answer, shape)
        ordinal = _ordinal_label(_unwrap(answer, option_word=True), choices, text_hits)
        if ordinal is not None:
            return self._letter(ordinal, gold, choices, answer)
        letter_only = _LETTER_RE.fullmatch(s)
        if letter_only:  # "B": a letter, or an option whose text is a letter (options "K", "E", "N"...)
            letter = (letter_only.group(1) or letter_only.group(2)).upper()
            by_letter = LETTERS.index(letter) if letter in LETTERS[: len(choices)] else None
            by_text = text_hits[0] if len(text_hits) == 1 else None
            if by_letter is not None and by_text is not None and by_letter != by_text:
                return GradeResult("fail", answer, f"ambiguous: ({letter}) or the option written {letter}")
            chosen = by_letter if by_letter is not None else by_text
            return self._letter(LETTERS[chosen] if chosen is not None else letter, gold, choices, answer)
        if len(text_hits) == 1:
            return self._letter(LETTERS[text_hits[0]], gold, choices, answer)
        if len(text_hits) > 1:
            return GradeResult("fail", answer, "matches several options")
        with_text = _LETTER_TEXT_RE.fullmatch(s)
        if with_text:  # "(B) 145°": the text must be option B's
            letter, rest = (with_text.group(1) or with_text.group(2)).upper(), with_text.group(3)
            if _labels_only(problem) and _names_a_label(rest, len(choices)):
                return GradeResult("fail", answer, f"names ({letter}) and another option label")
            if letter in LETTERS[: len(choices)] and not _labels_only(problem):
                index = LETTERS.index(letter)
                if loose(rest) != loose(choices[index]) and _only_match(choices, rest) != index:
                    return GradeResult("fail", answer, f"names ({letter}) but writes another option's text")
            return self._letter(letter, gold, choices, answer)
        return None

    def check(self, problem: Problem, answer: str) -> GradeResult:
        """The quick verdict, else the one option math-verify finds equal (main thread only)."""
        quick = self.quick_check(problem, answer)
        if quick is not None:
            return quick
        choices = _choices(problem)
        index = _only_match(choices, _unwrap(answer), self.math)
        if index is None:
            return GradeResult("fail", answer, "names no single option")
        return self._letter(LETTERS[index], problem.target.strip().upper(), choices, answer)

    def _letter(self, letter: str, gold: str, choices: list[str], answer: str) -> GradeResult:
        if letter not in LETTERS[: len(choices)]:
            return GradeResult("fail", answer, f"no option ({letter})")
        return GradeResult("pass" if letter == gold else "fail", answer, f"option ({letter})")

    def grade(self, problem: Problem, completion: str) -> GradeResult:
        answer = self.extract(completion, problem)
        if answer is None:
            return GradeResult("no_answer", None, no_answer_detail(self, completion))
        return self.check(problem, answer)


def _ordinal_label(text: str, choices: list[str], text_hits: list[int]) -> str | None:
    """The label an ordinal names ("the 5th option" -> E), or None. "option 5" where an option
    reads 5 is that option's text, not a count."""
    m = _ORDINAL_RE.fullmatch(text.strip().rstrip(".").strip())
    if m is None:
        return None
    digits, ordinal, counted = m.group(1), m.group(2), m.group(3)
    if counted is not None and counted.isdigit() and text_hits:
        return None
    if digits or (counted and counted.isdigit()):
        position = int(digits or counted)
    elif ordinal:
        position = _ORDINALS.index(ordinal.lower()) + 1
    else:
        position = _CARDINALS.index(counted.lower()) + 1
    return LETTERS[position - 1] if 1 <= position <= len(LETTERS) else "?"


def _labels_only(problem: Problem) -> bool:
    return bool((problem.metadata or {}).get("labels_only"))


def _names_a_label(text: str, count: int) -> bool:
    """Whether the text after "(C)" names an option label again: "(C) or (D)", "C. not C, D".

    With label-only options the text after the letter is a reason and is not compared; a label
    in it makes the answer name several options (or take back the first)."""
    labels = LETTERS[:count]
    for m in _LABEL_IN_TEXT_RE.finditer(text):
        label = (m.group(1) or m.group(2)).upper()
        if label not in labels or (m.group(2) and _ARTICLE_RE.match(text, m.start())):
            continue
        # a lower-case letter is a label where it is set out as one ("or e", "e)"), not in a
        # reason's math ("since e > 2", "as a > b")
        before, after = text[max(m.start() - 12, 0) : m.start()], text[m.end() : m.end() + 1]
        set_out = _LABEL_CONTEXT_RE.search(before) is not None or after in (")", ".")
        if m.group(2) and m.group(2).islower() and not set_out:
            continue
        return True
    return False


def _mathy(text: str) -> bool:
    """Worth asking math-verify: a formula or number, not prose (which it would read as a product
    of one-letter symbols)."""
    return bool(_MATHY_RE.search(text)) and not _PROSE_RE.search(text)


def _only_match(choices: list[str], text: str, math: MathVerifier | None = None) -> int | None:
    """The index of the one option equal to ``text`` (loosely, or by math-verify when given)."""
    hits = [i for i, c in enumerate(choices) if loose(c) == loose(text)]
    if not hits and math is not None and _mathy(text):
        hits = [
            i
            for i, c in enumerate(choices)
            if _mathy(c) and math.check(_DEGREE_RE.sub("", _unwrap(c)), _DEGREE_RE.sub("", text)).passed
        ]
    return hits[0] if len(hits) == 1 else None
