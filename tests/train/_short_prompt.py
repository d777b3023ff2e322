"""A two-example prompt that asks for the answer alone, for tests that need `passbound train`'s
rewards to be non-zero quickly: the embedded 135M model answers a one-digit sum first thing after
"Answer:" (measured: the right number first in most samples), and the prompt is ~60 tokens
where the few-shot template's worked examples are ~330, so a training step is cheap. Graded up to
the first newline, with lenient extraction (the bare number)."""

from passbound.prompts import TextTemplate

ANSWER_FIRST = TextTemplate(
    "answer-first",
    "Question: What is 3 + 4?\nAnswer: 7\n\n"
    "Question: Tom has 9 apples and gives away 4. How many apples does Tom have left?\nAnswer: 5\n\n"
    "Question: {question}\nAnswer:",
    ("\n",),
    "two examples answered with the number alone; stops at the end of the line",
)
