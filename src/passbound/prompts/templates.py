"""Prompt templates: how a Problem becomes model input, per model family.

The study compares a base model with its RL-trained version, so both must see *the same* prompt
(Yue et al. 2025 sample base and RL models with one zero-shot prompt; few-shot only for base
models that have never seen a chat format). The Qwen strings are the ones of the Qwen2.5-Math
evaluation harness (QwenLM/Qwen2.5-Math, evaluation/utils.py ``PROMPT_TEMPLATES``, also used
by hkust-nlp/simpleRL-reason's simplelr_math_eval, whose ``--template qwen-boxed`` is what
SimpleRL-Zoo reports), so pass rates are comparable with published numbers.

A template renders either raw text (the engine tokenizes it as is; the template's ``stop``
strings end a completion that would run into a next turn) or chat messages (the engine
applies the model tokenizer's own chat template).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from passbound.errors import ConfigError
from passbound.types import Problem

from .parts import TextWithImages, image_part, text_part

PromptInput = str | list[dict[str, Any]] | TextWithImages

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
QUESTION = "{question}"  # replaced literally, so LaTeX braces are safe
IMAGES = "{images}"  # where a vision template puts one image placeholder per image


@runtime_checkable
class Template(Protocol):
    """Turns a problem into model input."""

    name: str
    stop: tuple[str, ...]

    def render(self, problem: Problem) -> PromptInput: ...


@dataclass(frozen=True)
class TextTemplate:
    """Raw text with one ``{question}`` placeholder (no str.format: questions contain braces).

    A vision template also has ``{images}`` and the model's ``image_placeholder``; it renders an
    image problem as :class:`TextWithImages`. A text template given an image problem refuses it.
    """

    name: str
    text: str
    stop: tuple[str, ...] = ()
    description: str = ""
    image_placeholder: str | None = None

    @property
    def shows_images(self) -> bool:
        return self.image_placeholder is not None

    def render(self, problem: Problem) -> str | TextWithImages:
        text = self.text.replace(QUESTION, problem.prompt.strip())
        if not problem.media:
            return text.replace(IMAGES, "")
        if self.image_placeholder is None:
            raise ConfigError(
                f"template {self.name!r} shows no images, but {problem.benchmark} problem {problem.id!r} "
                f"has {len(problem.media)}; use template 'qwen-vl-boxed' or 'chat' (the model's own "
                "chat template) for visual benchmarks"
            )
        return TextWithImages(text.replace(IMAGES, self.image_placeholder * len(problem.media)), tuple(problem.media))


@dataclass(frozen=True)
class ChatTemplate:
    """One user message, the instruction appended; the engine applies the tokenizer's template."""

    name: str
    instruction: str = BOXED_INSTRUCTION
    stop: tuple[str, ...] = ()
    description: str = ""

    shows_images = True

    def render(self, problem: Problem) -> list[dict[str, Any]]:
        if problem.messages:  # a benchmark that ships its own conversation keeps it
            return [dict(m) for m in problem.messages]
        text = f"{problem.prompt.strip()}\n{self.instruction}"
        if problem.media:  # images first, as the study's prompt has them
            return [{"role": "user", "content": [*(image_part(m) for m in problem.media), text_part(text)]}]
        return [{"role": "user", "content": text}]


_QWEN_STOP = ("<|im_end|>", "<|endoftext|>")  # stop words of the Qwen2.5-Math harness (math_eval.py)

# Qwen2.5-Math evaluation/utils.py "qwen-boxed": default system turn, instruction after the question.
QWEN_BOXED = TextTemplate(
    "qwen-boxed",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n{question}\n" + BOXED_INSTRUCTION + "<|im_end|>\n"
    "<|im_start|>assistant\n",
    _QWEN_STOP,
    "Qwen chat format, instruction in the user turn (Qwen2.5-Math/SimpleRL 'qwen-boxed')",
)

# Qwen2.5-Math evaluation/utils.py "qwen25-math-cot": the instruction is the system turn.
QWEN25_MATH_COT = TextTemplate(
    "qwen25-math-cot",
    "<|im_start|>system\n" + BOXED_INSTRUCTION + "<|im_end|>\n"
    "<|im_start|>user\n{question}<|im_end|>\n"
    "<|im_start|>assistant\n",
    _QWEN_STOP,
    "Qwen2.5-Math CoT format, instruction as the system turn ('qwen25-math-cot')",
)

# DeepSeek-R1 usage notes: no system prompt, the instruction in the user turn, and the
# assistant turn forced to open with "<think>\n". The BOS token is left to the tokenizer
# (R1-Distill tokenizers set add_bos_token), so it is not written here.
DEEPSEEK_R1 = TextTemplate(
    "deepseek-r1",
    "<｜User｜>{question}\n" + BOXED_INSTRUCTION + "<｜Assistant｜><think>\n",
    ("<｜end▁of▁sentence｜>",),
    "DeepSeek-R1 / R1-Distill format, assistant turn opened with <think>",
)

# Four worked examples for base models with no chat training ("Question: ... Answer: ..."
# as in the harness's "cot" format). Written for passbound; none is from a benchmark.
FEW_SHOT_EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "A baker makes 4 trays of muffins with 6 muffins on each tray. She sells 9 muffins. "
        "How many muffins does she have left?",
        "The trays hold 4 * 6 = 24 muffins. After selling 9, she has 24 - 9 = 15 muffins left. "
        "The answer is \\boxed{15}.",
    ),
    (
        "Solve for $x$: $3x - 7 = 11$.",
        "Add 7 to both sides: $3x = 18$. Divide both sides by 3: $x = 6$. The answer is \\boxed{6}.",
    ),
    (
        "What is the sum of the interior angles of a hexagon, in degrees?",
        "A polygon with $n$ sides has interior angles summing to $(n - 2) \\cdot 180$ degrees. "
        "For $n = 6$ this is $4 \\cdot 180 = 720$. The answer is \\boxed{720}.",
    ),
    (
        "Write $\\frac{18}{24}$ in lowest terms.",
        "The greatest common divisor of 18 and 24 is 6, and $18 / 6 = 3$, $24 / 6 = 4$. "
        "The answer is \\boxed{\\frac{3}{4}}.",
    ),
)

FEW_SHOT = TextTemplate(
    "few-shot",
    "".join(f"Question: {q}\nAnswer: {a}\n\n" for q, a in FEW_SHOT_EXAMPLES) + "Question: {question}\nAnswer:",
    ("\nQuestion:",),
    "4 worked examples 'Question: ... Answer: ... \\boxed{}' for base models; stops at the next Question",
)

# The visual-math prompt of Yue et al. (2025) (EasyR1's Qwen2.5-VL runs): the image first, reasoning
# inside <think> </think>, the answer in \boxed{}. Worded for passbound.
VL_INSTRUCTION = (
    "Think the problem through inside <think> </think> first, then give the final answer in \\boxed{}. "
    "For a multiple-choice question, put only the letter of the option in \\boxed{}."
)
QWEN_VL_BOXED = TextTemplate(
    "qwen-vl-boxed",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n{images}{question}\n" + VL_INSTRUCTION + "<|im_end|>\n"
    "<|im_start|>assistant\n",
    _QWEN_STOP,
    "Qwen2-VL / Qwen2.5-VL chat format: image first, <think> reasoning, answer in \\boxed{} (the study's visual prompt)",
    image_placeholder="<|vision_start|><|image_pad|><|vision_end|>",
)

CHAT = ChatTemplate(
    "chat",
    description="one user message (images first, if any) with the \\boxed{} instruction; the model's own chat template applies",
)

BUILTIN_TEMPLATES: tuple[TextTemplate | ChatTemplate, ...] = (
    QWEN_BOXED,
    QWEN25_MATH_COT,
    DEEPSEEK_R1,
    FEW_SHOT,
    CHAT,
    QWEN_VL_BOXED,
)
