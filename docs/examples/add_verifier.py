"""A verifier for a new problem kind, ``anagram``, and a small benchmark of that kind.

An anagram problem has several right answers ("listen": silent, enlist, tinsel, inlets), so a
single gold string cannot grade it. The verifier reads the completion's last ``Answer:`` line,
accepts one word only (a hedge such as "silent or enlist" names no answer), and passes it when it
is one of the accepted words. Problems are graded by the verifier registered under their kind.
"""

from __future__ import annotations

import re
from typing import Any

from passbound.benchmarks import LoadedBenchmark, LoaderRequest, content_sha256
from passbound.registry import benchmarks, verifiers
from passbound.types import Problem
from passbound.verify import GradeResult

_ANSWER = re.compile(r"^\s*answer:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE)
_WORD = re.compile(r"[A-Za-z]+")


class AnagramVerifier:
    """Implements passbound.verify.Verifier. Instances travel to grading workers, so the class
    lives at a module's top level and holds only picklable settings."""

    name = "anagram"

    def __init__(self, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive  # [verify.anagram] case_sensitive = true

    @property
    def version(self) -> str:
        # Recorded with every verdict: change it whenever what passes changes, and the verify
        # stage re-grades the old verdicts.
        return f"anagram-1{'+case' if self.case_sensitive else ''}"

    def warm_up(self) -> None:
        pass  # nothing to import or cache ahead of the first item

    def extract(self, completion: str, problem: Problem) -> str | None:
        found = _ANSWER.findall(completion)
        if not found:
            return None
        answer = found[-1].strip().strip(".!\"'")
        return answer if _WORD.fullmatch(answer) else None  # one word, or no answer

    def dedupe_key(self, problem: Problem, answer: str) -> tuple[Any, ...]:
        return (problem.target, self.answer_key(answer))

    def quick_check(self, problem: Problem, answer: str) -> GradeResult | None:
        """Settle in the pool's parent what needs no worker: a word of other letters fails."""
        word = problem.metadata["word"]
        if sorted(self.answer_key(answer)) != sorted(self.answer_key(word)):
            return GradeResult("fail", answer, f"not an anagram of {word!r}")
        return None  # the rest goes to a worker's check()

    def item_timeout(self, problem: Problem) -> float | None:
        return None  # the pool's own timeout is plenty

    def check(self, problem: Problem, answer: str) -> GradeResult:
        accepted = {self.answer_key(word) for word in problem.target.split("|")}
        if self.answer_key(answer) in accepted:
            return GradeResult("pass", answer)
        return GradeResult("fail", answer, "an anagram, but not one of the accepted words")

    def answer_key(self, answer: str) -> str:
        return answer if self.case_sensitive else answer.lower()


@verifiers.register("anagram", "one word after 'Answer:', one of the problem's accepted anagrams")
def anagram_verifier(**options: Any) -> AnagramVerifier:
    return AnagramVerifier(**options)


WORDS = {
    "listen": "silent|enlist|tinsel|inlets",
    "evil": "vile|live|veil",
    "night": "thing",
    "stressed": "desserts",
    "angel": "glean|angle",
}


@benchmarks.register("anagrams", "rearrange a word's letters into another word (kind 'anagram')")
def load_anagrams(request: LoaderRequest) -> LoadedBenchmark:
    problems = [
        Problem(
            id=word,
            benchmark="anagrams",
            kind="anagram",
            target=answers,  # type: ignore[arg-type]
            prompt=f"Rearrange the letters of '{word}' into another English word. End with a line 'Answer: <word>'.",
            metadata={"word": word},
        )
        for word, answers in WORDS.items()
    ][: request.limit]
    return LoadedBenchmark(
        name="anagrams", kind="anagram", problems=tuple(problems), source="inline", sha256=content_sha256(problems)
    )
