"""Prompt templates for code problems: function completion for base models, chat for the rest.

* ``code-completion`` (base models): the model continues the benchmark's own prompt, as in
  HumanEval (Chen et al. 2021) and evalplus's direct-completion mode (``evalplus/codegen.py``:
  ``task["prompt"].strip() + "\\n"``). Stop strings end the completion where a base model starts
  a test driver or a new file; they are evalplus's ``EOS`` list plus a closing fence and
  MBPP-style asserts. Codex's ``"\\ndef"`` / ``"\\n#"`` are left out on purpose: an MBPP+
  prompt has no signature, so a base model writes ``import ...`` or a helper before its
  ``def``, and cutting there fails correct programs. Whatever runs past the function is cut
  later by ``passbound.verify.code_extract`` (completion mode), which keeps only the top-level
  definitions and imports. LiveCodeBench has no function prompt to continue; use ``code-chat``.
* ``code-chat`` (instruct / RL / distilled models): one user message with the task and one
  sentence asking for a single ```python block. evalplus shows a function task inside a fence
  (``evalplus/provider/utility.py`` ``make_raw_chat_prompt``); for LiveCodeBench the stdin and
  starter-code wording follows LiveCodeBench's ``lcb_runner/prompts/code_generation.py``
  (``FORMATTING_WITHOUT_STARTER_CODE`` / ``..._WITH_STARTER_CODE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from passbound.errors import ConfigError
from passbound.types import Problem

CODE_INSTRUCTION = "Write a complete, self-contained Python solution in a single ```python code block."
STDIN_INSTRUCTION = (
    "Read the inputs from stdin, solve the problem and write the answer to stdout "
    "(do not directly test on the sample inputs)."
)
STARTER_INSTRUCTION = "Use the following starter code and complete it:"

# evalplus codegen EOS for direct completion, plus a closing fence and test asserts.
COMPLETION_STOP: tuple[str, ...] = (
    "\nif __name__",
    "\ndef main(",
    "\nprint(",
    "\nassert ",
    "\n```",
    "<|endoftext|>",
    "</s>",
)


def completion_prompt(problem: Problem) -> str:
    """The text a base model continues: the benchmark prompt, stripped, plus one newline."""
    original = problem.metadata.get("prompt", problem.prompt)
    return str(original).strip() + "\n"


def _is_lcb(problem: Problem) -> bool:
    return "tests" in problem.metadata and "entry_point" not in problem.metadata


@dataclass(frozen=True)
class CodeCompletionTemplate:
    """Raw text: the function prompt itself, for base models to continue."""

    name: str = "code-completion"
    stop: tuple[str, ...] = COMPLETION_STOP
    description: str = (
        "base models continue the HumanEval/MBPP+ prompt (evalplus direct completion); "
        "stops at a test driver; not for LiveCodeBench"
    )

    def render(self, problem: Problem) -> str:
        if _is_lcb(problem):
            raise ConfigError(
                f"template {self.name!r} continues a function prompt, and {problem.benchmark} problem "
                f"{problem.id!r} has none; use template 'code-chat' for LiveCodeBench."
            )
        return completion_prompt(problem)


@dataclass(frozen=True)
class CodeChatTemplate:
    """One user message: the task, how to read input / use the starter code, one code block."""

    name: str = "code-chat"
    stop: tuple[str, ...] = ()
    description: str = (
        "one user message: task + 'complete, self-contained Python solution in a single ```python block' "
        "(stdin / starter-code wording for LiveCodeBench)"
    )

    def render(self, problem: Problem) -> list[dict[str, str]]:
        if problem.messages:
            return [dict(m) for m in problem.messages]
        return [{"role": "user", "content": chat_content(problem)}]


def chat_content(problem: Problem) -> str:
    """The user turn of ``code-chat`` for an evalplus, LiveCodeBench or plain code problem."""
    meta = problem.metadata
    if "entry_point" in meta:  # HumanEval / MBPP+: the prompt is code (signature or docstring)
        task = f"Complete the following Python task:\n```python\n{str(meta.get('prompt', problem.prompt)).strip()}\n```"
        return f"{task}\n\n{CODE_INSTRUCTION}"
    if _is_lcb(problem):
        question = str(meta.get("question_content") or problem.prompt).strip()
        starter = str(meta.get("starter_code") or "").rstrip()
        if starter.strip():
            how = f"{STARTER_INSTRUCTION}\n```python\n{starter}\n```"
        else:
            how = STDIN_INSTRUCTION
        return f"{question}\n\n{how}\n\n{CODE_INSTRUCTION}"
    return f"{problem.prompt.strip()}\n\n{CODE_INSTRUCTION}"


CODE_COMPLETION = CodeCompletionTemplate()
CODE_CHAT = CodeChatTemplate()
CODE_TEMPLATES: tuple[CodeCompletionTemplate | CodeChatTemplate, ...] = (CODE_COMPLETION, CODE_CHAT)
