"""Math answer equivalence: our extraction, a cheap exact-match fast path, then math-verify.

math-verify (huggingface/Math-Verify) does the hard part: LaTeX -> sympy and a comparison that
knows about sets, intervals, equations, percentages and float rounding. Its timeouts use
``signal.alarm``, so :meth:`MathVerifier.grade` must run on a process's main thread;
:class:`passbound.verify.GradingPool` runs it in worker processes and adds a hard kill on top,
because an alarm cannot interrupt C code (``9^{9^{9^9}}`` spends minutes inside a bigint pow).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _pkg_version
from itertools import product
from typing import Any

from passbound.errors import ConfigError
from passbound.types import Problem
from passbound.verify._answer_format import answer_format, check_format, strip_unit
from passbound.verify._answer_forms import comparable_forms, is_percent_question, item_counts, list_items
from passbound.verify._answer_shape import shape_reason
from passbound.verify._exact import compare_numbers, states_unequal_numbers
from passbound.verify._hidden_text import text_hides_math
from passbound.verify._magnitude import too_large
from passbound.verify._plain_number import compare_plain, plain_number
from passbound.verify.extract import FALLBACKS, extract_answer
from passbound.verify.reasoning import ReasoningPolicy, no_answer_detail, reasoning_policy
from passbound.verify.result import GradeResult

# math-2: exact numbers compared exactly, box runs, last statement wins, prose phrases, thousands
# separators, "x \in [a, b]", named unknowns. math-3: a problem's declared unit, precision and
# list answers (MathVista; see _answer_format). math-4: text that hides math after a value, hedged
# answer phrases, boxes around boxes and equations between different numbers fail; floats are
# compared as written. math-5: extraction reads the final statement (after </think>; not in code,
# quotes or the restated question; hedged statements give no answer) and explicit answer markers;
# an answer must name one value (_answer_shape: lines, spacing, approximations, equation chains;
# lists compared with their lengths and multiplicities), percent read as a percent only in percent
# questions, 1e-3 / plain mixed numbers / plain-word units in golds, power towers refused without
# evaluating them. math-6: a reasoning policy (verify.reasoning): an opening tag in any case or spacing
# after the last close re-opens reasoning (no answer); its tags and `required` are configurable.
SEMANTICS_VERSION = "math-6"
# extraction policy -> the fallbacks it adds after boxes and answer phrases.
EXTRACTION_POLICIES = {"strict": (), "lenient": ("last_math", "last_number")}


# --- fast path -------------------------------------------------------------------------------

# A space survives only between two alphanumerics ("2 n", "\\sin x", "1 2"), where removing it
# could change the meaning; everywhere else LaTeX math mode ignores it.
_SPACE_RE = re.compile(r"\s+")
_DROP_SPACE_RE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
# Pure spellings: each pair renders (and parses) identically. The lookahead keeps "\\left" from
# eating "\\leftarrow".
_SAME_MEANING = tuple(
    (re.compile(pattern), new)
    for pattern, new in (
        (r"\\[dt]frac(?![A-Za-z])", r"\\frac"),
        (r"\\(?:left|right|displaystyle|big|Big|bigg|Bigg)(?![A-Za-z])", ""),
        (r"(?<!\\)\\[!,;]", ""),
    )
)


def _drop_final_period(s: str) -> str:
    return s[:-1].rstrip() if s.endswith(".") and not s.endswith("..") else s


def normalize_answer(text: str) -> str:
    """A conservative canonical spelling, only ever used to *accept* identical answers.

    Two strings with the same normal form write the same expression: insignificant whitespace
    goes, ``\\dfrac``/``\\tfrac`` become ``\\frac``, sizing and thin-space commands go, and so do
    surrounding ``$`` and one final period. Anything subtler is left to math-verify.
    """
    s = _drop_final_period(text.strip())
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s.strip("$")
    for pattern, new in _SAME_MEANING:
        s = pattern.sub(new, s)
    return _drop_final_period(_DROP_SPACE_RE.sub("", _SPACE_RE.sub(" ", s).strip()))


# --- math-verify -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _math_verify_version() -> str:
    try:
        return _pkg_version("math-verify")
    except PackageNotFoundError:  # pragma: no cover - math-verify is a core dependency
        return "missing"


@functools.lru_cache(maxsize=1)
def _mv() -> Any:
    """Import math-verify lazily (it pulls in sympy and antlr; ~0.5 s)."""
    from passbound.registry import require

    return require("math_verify", extra="", purpose="math answer checking")


def _parse(latex: str, timeout_s: int) -> tuple[list[Any], bool]:
    """``parse`` of an answer wrapped in ``\\boxed{}``; returns (parsed, timed_out)."""
    mv = _mv()
    from math_verify.errors import TimeoutException

    config = [mv.LatexExtractionConfig(), mv.ExprExtractionConfig()]
    try:
        return mv.parse(
            f"\\boxed{{{latex}}}",
            extraction_config=config,
            extraction_mode="first_match",
            parsing_timeout=timeout_s,
            raise_on_error=True,
        ), False
    except TimeoutException:
        return [], True
    except Exception:  # noqa: BLE001 - math-verify itself maps parse errors to "no parse"
        return [], False


# One gold target meets up to n=1024 distinct answers, and short answers repeat across problems.
_parse_cached = functools.lru_cache(maxsize=4096)(_parse)
_CACHE_MAX_LEN = 256  # never cache (and pin in memory) a 1 MB answer


def _parse_answer(latex: str, timeout_s: int) -> tuple[list[Any], bool]:
    return _parse_cached(latex, timeout_s) if len(latex) <= _CACHE_MAX_LEN else _parse(latex, timeout_s)


def _strip_dollars(text: str) -> str:
    s = text.strip()
    if len(s) >= 2 and s.startswith("$") and s.endswith("$"):
        s = s.strip("$").strip()
    return s


@dataclass(frozen=True)
class MathVerifier:
    """Grades a math completion against a gold answer string (``Problem.target``).

    ``fallbacks`` turns on extra extraction rules (see passbound.verify.extract);
    ``fast_path`` accepts answers whose normal form equals the gold's before calling
    math-verify; ``timeout_s`` is math-verify's own per-parse/per-comparison alarm (whole seconds),
    kept below the pool's hard timeout so ordinary slow cases end as "timeout" without a kill.
    ``reasoning``: where the answer part starts (``passbound.verify.reasoning``; a preset name or
    a table of ``open``/``close``/``required``; default: after the last ``</think>``).
    """

    fallbacks: tuple[str, ...] = ()
    fast_path: bool = True
    timeout_s: int = 5
    float_rounding: int = 6
    extraction: str = "strict"
    reasoning: ReasoningPolicy | str | dict[str, Any] | None = None

    name = "math"

    def __post_init__(self) -> None:
        if self.extraction not in EXTRACTION_POLICIES:
            raise ConfigError(
                f"unknown math extraction {self.extraction!r}; choose from {list(EXTRACTION_POLICIES)} "
                f"(strict: boxed answers and answer phrases only; lenient: also the last math "
                f"expression, then the last number)"
            )
        if not isinstance(self.fallbacks, tuple):
            object.__setattr__(self, "fallbacks", tuple(self.fallbacks))
        policy = EXTRACTION_POLICIES[self.extraction]
        object.__setattr__(self, "fallbacks", tuple(dict.fromkeys((*self.fallbacks, *policy))))
        unknown = [f for f in self.fallbacks if f not in FALLBACKS]
        if unknown:
            raise ConfigError(f"unknown math fallback(s) {unknown}; choose from {list(FALLBACKS)}.")
        if self.timeout_s < 1:
            raise ConfigError("MathVerifier timeout_s must be a whole number of seconds >= 1.")
        object.__setattr__(self, "reasoning", reasoning_policy(self.reasoning))

    @functools.cached_property
    def version(self) -> str:
        """Semantics, math-verify's version, the extraction fallbacks and a reasoning policy other
        than the default (looked up once)."""
        tag = f"{SEMANTICS_VERSION}+math_verify-{_math_verify_version()}"
        return tag + (f"+fb={','.join(self.fallbacks)}" if self.fallbacks else "") + self._policy.tag

    @property
    def _policy(self) -> ReasoningPolicy:
        assert isinstance(self.reasoning, ReasoningPolicy)  # __post_init__ made it one
        return self.reasoning

    def warm_up(self) -> None:
        """Import math-verify and sympy now (a pool worker does this before taking work)."""
        _parse("1", self.timeout_s)

    def extract(self, completion: str, problem: Problem | None = None) -> str | None:
        return extract_answer(
            completion, self.fallbacks, prompt=problem.prompt if problem else None, reasoning=self._policy
        )

    def dedupe_key(self, problem: Problem, answer: str) -> tuple[Any, ...]:
        return (problem.target, answer, *answer_format(problem), _percent(problem))

    def item_timeout(self, problem: Problem) -> float | None:
        return None  # the pool's own timeout

    def quick_check(self, problem: Problem | str, answer: str) -> GradeResult | None:
        """Cheap verdict without math-verify, or None if unsure: identical normal forms pass; two
        plain integers (``18,000``, ``025``, ``-7``) are equal or not, nothing else to know; two
        plain decimals or fractions are compared exactly as math-verify's path would
        (_plain_number; not where the problem declares a format or is a percent)."""
        target = _target(problem)
        declared = check_format(problem, target, answer)
        if declared is not None:
            return declared
        value = strip_unit(answer, answer_format(problem)[1])
        same_text = normalize_answer(value) == normalize_answer(_strip_dollars(target))
        if len(value) > _MAX_ANSWER_CHARS and not same_text:
            return GradeResult("fail", answer, f"an answer of over {_MAX_ANSWER_CHARS} characters is not one value")
        if too_large(value) or too_large(target):  # sympy would write the number out, in C
            return GradeResult("pass" if same_text else "fail", answer, "too large to evaluate")
        if not same_text:
            refused = _refusal(_strip_dollars(target), _drop_final_period(value.strip()), _percent(problem))
            if refused is not None:
                return GradeResult("fail", answer, refused)
        if not self.fast_path:
            return None
        if same_text:
            return GradeResult("pass", answer, "exact match")
        gold, pred = _plain_integer(target), _plain_integer(value)
        if gold is not None and pred is not None:
            return GradeResult("pass" if gold == pred else "fail", answer, "integers")
        return self._plain_numbers(problem, target, value, answer)

    def _plain_numbers(self, problem: Problem | str, target: str, value: str, answer: str) -> GradeResult | None:
        gold = plain_number(_drop_final_period(_strip_dollars(target)).strip())
        pred = plain_number(_drop_final_period(_strip_dollars(value)).strip()) if gold is not None else None
        if gold is None or pred is None or any(f is not None for f in answer_format(problem)) or _percent(problem):
            return None
        same = compare_plain(gold, pred, self.float_rounding)
        return None if same is None else GradeResult("pass" if same else "fail", answer, "exact numbers")

    def check(self, problem: Problem | str, answer: str) -> GradeResult:
        """Grade an already extracted ``answer`` against the gold (a Problem or its target string;
        main thread only)."""
        target = _target(problem)
        quick = self.quick_check(problem, answer)
        if quick is not None:
            return quick
        original, answer = answer, strip_unit(answer, answer_format(problem)[1])
        if text_hides_math(answer):
            return GradeResult("fail", original, "text after the value hides more math")
        if threading.current_thread() is not threading.main_thread():
            # math-verify would raise inside and every answer would quietly become "fail".
            raise RuntimeError(
                "MathVerifier.check needs a main thread (math-verify times out with "
                "signal.alarm); grade from threads through passbound.verify.GradingPool."
            )
        # A final period is punctuation ("\\boxed{5.}"), and math-verify cannot parse "5.".
        gold_text, pred_text = comparable_forms(
            _strip_dollars(target), _drop_final_period(answer.strip()), _percent(problem)
        )
        listed = self._compare_lists(gold_text, pred_text, original)
        if listed is not None:
            return listed
        gold, gold_timed_out = _parse_cached(gold_text, self.timeout_s)
        pred, pred_timed_out = _parse_answer(pred_text, self.timeout_s)
        if gold_timed_out or pred_timed_out:
            return GradeResult("timeout", original, "math-verify parse timeout")
        if any(states_unequal_numbers(p, self.float_rounding) for p in pred if not isinstance(p, str)):
            return GradeResult("fail", original, "sets two different numbers equal")
        return self._compare(gold, pred, original)

    def _compare_lists(self, gold_text: str, pred_text: str, answer: str) -> GradeResult | None:
        """Lists item by item, as multisets (math-verify compares lists as sets, so ``1, 1`` would
        equal ``1`` and ``1, 1, 2`` equal ``1, 2, 2``), or None to leave it to math-verify.

        A list against a one-value gold passes only if every item is the gold
        (``15\\frac{39}{40}, \\frac{639}{40}`` names one value twice)."""
        gold_items, pred_items = list_items(gold_text), list_items(pred_text)
        if gold_items is None or pred_items is None or len(gold_items) in (item_counts(pred_text) or ()):
            if gold_items is None or pred_items is None or len(gold_items) != len(pred_items):
                return None
            keys = [normalize_answer(i) for i in gold_items], [normalize_answer(i) for i in pred_items]
            if not 2 <= len(gold_items) <= _MAX_LIST_ITEMS or all(len(set(k)) == len(k) for k in keys):
                return None
            unmatched = list(pred_items)
            for gold_item in gold_items:
                hit = next((p for p in unmatched if self.check(gold_item, p).passed), None)
                if hit is None:
                    return GradeResult("fail", answer, "lists values a different number of times")
                unmatched.remove(hit)
            return GradeResult("pass", answer, "list, item by item")
        if len(gold_items) == 1 and len(pred_items) <= _MAX_LIST_ITEMS:
            # items that are lists again would recurse (\{\{5, 5\}, \{5, 5\}\}...): not one value
            if all(len(list_items(item) or ()) == 1 and self.check(gold_text, item).passed for item in pred_items):
                return GradeResult("pass", answer, "every listed value is the gold")
        return GradeResult("fail", answer, "lists another number of values than the gold")

    def _compare(self, gold: Sequence[Any], pred: Sequence[Any], answer: str) -> GradeResult:
        """math-verify's ``verify`` over all (gold, pred) pairs, as ``verify(gold, pred)`` does,
        but telling a comparison timeout apart from a plain mismatch."""
        mv = _mv()
        from math_verify.errors import TimeoutException

        timed_out = False
        for g, p in product(gold, pred):
            exact = compare_numbers(g, p, self.float_rounding)
            if exact is not None:
                if exact:
                    return GradeResult("pass", answer, "exact")
                continue
            try:
                if mv.verify(
                    g,
                    p,
                    float_rounding=self.float_rounding,
                    allow_set_relation_comp=True,
                    timeout_seconds=self.timeout_s,
                    raise_on_error=True,
                ):
                    return GradeResult("pass", answer)
            except TimeoutException:
                timed_out = True
            except Exception:  # noqa: BLE001 - verify(raise_on_error=False) counts these as False
                continue
        if timed_out:
            return GradeResult("timeout", answer, "math-verify comparison timeout")
        return GradeResult("fail", answer)

    def grade(self, problem: Problem | str, completion: str) -> GradeResult:
        """Extract and grade one completion (pure; runs on the calling process's main thread)."""
        answer = self.extract(completion, problem if isinstance(problem, Problem) else None)
        if answer is None:
            return GradeResult("no_answer", None, no_answer_detail(self, completion))
        return self.check(problem, answer)


# No gold answer is near this long; the checks below are linear, but 1 MB of them is ~3 s.
_MAX_ANSWER_CHARS = 20_000
# Lists longer than this that repeat a value are left to math-verify (n^2 comparisons).
_MAX_LIST_ITEMS = 8


def _refusal(gold: str, answer: str, percent: bool) -> str | None:
    """Why ``answer`` cannot be the gold whatever math-verify reads: it names more than one value,
    or lists another number of values than the gold."""
    reason = shape_reason(answer, gold)
    if reason is not None or not (_may_list(gold) or _may_list(answer)):
        return reason
    gold_text, pred_text = comparable_forms(gold, answer, percent)
    gold_counts, pred_counts = item_counts(gold_text), item_counts(pred_text)
    if gold_counts is not None and pred_counts is not None and not gold_counts & pred_counts:
        if gold_counts != {1} or min(pred_counts) > _MAX_LIST_ITEMS:  # one value listed twice: see check
            return "lists another number of values than the gold"
    return None


def _may_list(text: str) -> bool:
    """Cheap pre-test: without these, ``text`` is one item (see _answer_forms.list_items)."""
    return "," in text or "\\{" in text or "text" in text or "mbox" in text or "mathrm" in text


def _percent(problem: Problem | str) -> bool:
    """Whether the gold or the question is a percent (then ``10\\%`` may be read as 10)."""
    if isinstance(problem, str):
        return is_percent_question(problem)
    return is_percent_question(problem.target, problem.prompt)


_INTEGER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,600})")


def _plain_integer(text: str) -> int | None:
    """The integer a bare integer answer writes (thousands commas allowed), else None."""
    s = _drop_final_period(_strip_dollars(text)).strip()
    if not _INTEGER_RE.fullmatch(s):
        return None
    return int(s.replace(",", ""))


def _target(problem: Problem | str) -> str:
    return problem if isinstance(problem, str) else problem.target
