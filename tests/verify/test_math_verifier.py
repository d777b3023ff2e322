"""MathVerifier: equivalences math-verify knows, the fast path's safety, configuration."""

from __future__ import annotations

import threading

import pytest

from passbound import registry
from passbound.errors import ConfigError
from passbound.verify import GradeResult, MathVerifier, get_verifier, normalize_answer


@pytest.mark.parametrize(
    ("gold", "completion"),
    [
        ("\\frac{1}{2}", "so \\boxed{0.5}"),
        ("0.5", "\\boxed{\\dfrac{1}{2}}"),
        ("\\frac{14}{3}", "The answer is $\\frac{14}{3}$."),
        ("(3, \\frac{\\pi}{2})", "\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}"),
        ("x^2+2x+1", "\\boxed{(x+1)^2}"),
        ("2^{1009}", "\\boxed{2^{1009}}"),
        ("18000", "\\boxed{18,000}"),
        ("025", "The answer is 25."),
        ("90^\\circ", "\\boxed{90}"),
        ("\\{1,2\\}", "\\boxed{\\{2, 1\\}}"),
        ("\\text{Evelyn}", "The answer is \\text{Evelyn}."),
    ],
)
def test_equivalent_answers_pass_without_the_fast_path(gold: str, completion: str) -> None:
    result = MathVerifier(fast_path=False).grade(gold, completion)
    assert result.status == "pass", result


@pytest.mark.parametrize(
    ("gold", "completion"),
    [
        ("\\frac{1}{2}", "\\boxed{0.51}"),
        ("18", "The answer is 81."),
        ("x^2+2x+1", "\\boxed{(x-1)^2}"),
        ("(3, \\frac{\\pi}{2})", "\\boxed{(3, \\pi)}"),
        ("2^{1009}", "\\boxed{2^{1008}}"),
    ],
)
def test_wrong_answers_fail(gold: str, completion: str) -> None:
    assert MathVerifier().grade(gold, completion).status == "fail"


def test_no_answer_and_fallbacks() -> None:
    text = "I think it is 42 but I am not sure"
    assert MathVerifier().grade("42", text) == GradeResult("no_answer", None, "no answer found")
    lenient = MathVerifier(fallbacks=("last_number",))
    assert lenient.grade("42", text).status == "pass"
    assert lenient.version != MathVerifier().version  # different semantics, different version
    with pytest.raises(ConfigError, match="last_number"):
        MathVerifier(fallbacks=("first_guess",))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("\\frac{1}{2}", " \\dfrac{1}{2} "),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
        ("$5$", "5."),
        ("x + y", "x+y"),
        ("\\frac{1}{2}\\,\\text{cm}", "\\frac{1}{2} \\text{cm}"),
    ],
)
def test_fast_path_accepts_pure_respellings(a: str, b: str) -> None:
    assert normalize_answer(a) == normalize_answer(b)
    quick = MathVerifier().quick_check(a, b)
    assert quick is not None and quick.status == "pass"
    # ...and math-verify agrees, so the fast path never changes a verdict.
    assert MathVerifier(fast_path=False).check(a, b).status == "pass"


def test_fast_path_covers_respellings_math_verify_misreads() -> None:
    # math-verify cannot parse "\\big(1,2\\big)"; identical spellings still pass, the only verdicts
    # the fast path changes. (It reads "1\\,000" as 1*000 = 0: passbound joins thousands first.)
    gold, answer = "\\big(1,2\\big)", "\\big( 1, 2 \\big)"
    assert MathVerifier(fast_path=False).check(gold, answer).status == "fail"
    assert MathVerifier().check(gold, answer) == GradeResult("pass", answer, "exact match")
    assert MathVerifier(fast_path=False).check("1000", "1\\,000").status == "pass"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("\\leftarrow", "\\rightarrow"),  # \left / \right removal must not eat commands
        ("\\sin x", "\\sinx"),
        ("1 2", "12"),
        ("2 n", "2n"),  # equal in math, but that is math-verify's call, not a string rule
        ("1.", "1.."),
    ],
)
def test_fast_path_keeps_different_spellings_apart(a: str, b: str) -> None:
    assert normalize_answer(a) != normalize_answer(b)
    assert MathVerifier().quick_check(a, b) is None


def test_grading_off_the_main_thread_is_refused() -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            MathVerifier(fast_path=False).grade("1", "\\boxed{1}")
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors and "main thread" in str(errors[0])
    # The fast path needs no signals, so an exact match is still fine anywhere.
    assert MathVerifier().quick_check("1", "1") is not None


def test_registered_as_math() -> None:
    assert "math" in registry.verifiers.names()
    verifier = get_verifier("math")
    assert isinstance(verifier, MathVerifier) and verifier.name == "math"
    assert verifier.version.startswith("math-6+math_verify-")
    assert get_verifier("math", fallbacks=("last_number",)).fallbacks == ("last_number",)
    with pytest.raises(ConfigError, match="unknown verifier"):
        get_verifier("nope")
