"""Pull the Python program out of a code completion, cheaply and without running or parsing it.

Like ``extract``, this runs in the grading pool's parent (identical programs are then verified
once), so it is linear-time line scanning: no ``ast``, no backtracking-prone regexes.

``extract_code(completion, prompt=..., entry_point=..., mode=...)``:

1. Reasoning is dropped: the text after the last ``</think>`` (or the ``reasoning`` policy's own
   tags, ``passbound.verify.reasoning``); a ``<think>`` that never closes means the model was cut
   off while thinking, so there is no answer (None).
2. ``chat`` (or ``auto`` when the text has a ``` fence): fenced blocks tagged python / py /
   python3 or untagged (other languages and ``output``/``text`` blocks are skipped; a block
   whose closing fence is missing runs to the end). The block chosen is the last one that
   defines ``entry_point``, else the last one that looks like a program (a top-level
   ``def``/``class``, or reads stdin), else the longest. A block that is only an indented
   function body (some chat models answer so) is appended to the prompt. Without any fence,
   the code starts at the first line that looks like code and stops at the first top-level
   line of prose after it.
3. ``completion`` (or ``auto`` with a prompt and no fence): ``prompt + completion`` (a base
   model continues the prompt), cut at the first top-level line after a function is defined
   that is not a definition, decorator, import, comment or literal assignment — a test driver
   (``print(...)``, ``if __name__``, ``assert``), a closing fence or prose. This is the
   truncation that the stop strings of ``code-completion`` and evalplus's sanitizer do.

Returns the program (ending in one newline) or None when there is no code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from passbound.verify.reasoning import DEFAULT, ReasoningPolicy

Mode = Literal["auto", "chat", "completion"]

PYTHON_TAGS = frozenset({"", "python", "py", "python3", "py3", "python 3"})
# The info string is stripped by the caller: "[ \t]*([^`]*?)[ \t]*$" backtracked cubically on a
# line of spaces (2 KB: 6 s).
_FENCE = re.compile(r"^([ \t]*)(`{3,})([^`]*)$")
_DEF_OR_CLASS = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+\w")
# Top-level lines that may follow a function in a program (kept in completion mode).
_KEEP_TOP = re.compile(r"^(?:@|#|(?:async[ \t]+)?def[ \t]|class[ \t]|import[ \t]|from[ \t]+\S+[ \t]+import[ \t])")
# `NAME = literal` (no call): constants a function may use, e.g. `MOD = 10**9 + 7`.
_LITERAL_ASSIGN = re.compile(r"^[A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*(?::[^=]*)?=[^=(]*$")
# Lines that start a program when no fence marks it.
_CODE_START = re.compile(
    r"^(?:(?:async[ \t]+)?def[ \t]|class[ \t]|import[ \t]|from[ \t]+\S+[ \t]+import[ \t]|@\w|if[ \t]+__name__"
    r"|[A-Za-z_][\w.]*(?:\[[^\]\n]*\])?(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*[ \t]*(?:[-+*/%|&^]|//|\*\*)?=[^=]"
    r"|[A-Za-z_][\w.]*\()"
)
_READS_STDIN = re.compile(r"\binput\(|sys\.stdin|open\(0")
# English, not Python: "Here is the code:", "This works because ...", markdown bullets/headings.
_PROSE = re.compile(
    r"^(?:\*\*|[-*][ \t]|\d+\.[ \t]|#{1,6}[ \t]+[A-Z]|[A-Z][A-Za-z ]*:[ \t]*$"
    r"|[A-Z][a-z']*,?(?:[ \t]+[\w'’,.()-]+){2,}[ \t]*[.:!?]?$)"
)
_PY_KEYWORD_START = re.compile(
    r"^(?:False|None|True|and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for"
    r"|from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while|with|yield)\b"
)


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language tag, its code, and whether the fence was closed."""

    tag: str
    code: str
    closed: bool


def strip_reasoning(text: str, policy: ReasoningPolicy = DEFAULT) -> str | None:
    """The text after the last ``</think>``; None if a ``<think>`` was opened and never closed
    (or opened again after the last close): ``policy.answer_part``."""
    return policy.answer_part(text)


def fenced_blocks(text: str) -> list[Block]:
    """Every ``` block in ``text`` (a missing closing fence ends the block at the end of text)."""
    blocks: list[Block] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, ticks, tag = len(opening.group(1)), opening.group(2), opening.group(3).strip().lower()
        body: list[str] = []
        closed = False
        i += 1
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped.startswith(ticks) and stripped.strip("`") == "":
                closed = True
                break
            if stripped.endswith(ticks) and not stripped.startswith("`"):  # "    return x```"
                body.append(line.rstrip()[: -len(ticks)])
                closed = True
                break
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            i += 1
        blocks.append(Block(tag, "\n".join(body), closed))
        i += 1
    return blocks


def _defines(code: str, name: str) -> bool:
    pattern = rf"^[ \t]*(?:(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(|class[ \t]+{re.escape(name)}\b)"
    return re.search(pattern, code, re.MULTILINE) is not None


def _looks_like_program(code: str) -> bool:
    return any(_DEF_OR_CLASS.match(line) for line in code.split("\n")) or _READS_STDIN.search(code) is not None


def _looks_like_code(code: str) -> bool:
    """An untagged block holds code (not sample output or prose) if its first line could."""
    first = _first_code_line(code.split("\n"))
    return bool(_CODE_START.match(first) or first[:1] in (" ", "\t", "#"))


def _first_code_line(lines: list[str]) -> str:
    for line in lines:
        if line.strip():
            return line
    return ""


def _choose_block(blocks: list[Block], entry_point: str | None) -> Block | None:
    candidates = [b for b in blocks if b.tag in PYTHON_TAGS and b.code.strip() and (b.tag or _looks_like_code(b.code))]
    if not candidates:
        return None
    if entry_point:
        defining = [b for b in candidates if _defines(b.code, entry_point)]
        if defining:
            return defining[-1]
    programs = [b for b in candidates if _looks_like_program(b.code)]
    if programs:
        return programs[-1]
    longest = max(len(b.code.strip()) for b in candidates)
    return [b for b in candidates if len(b.code.strip()) == longest][-1]


def _finish(code: str) -> str | None:
    lines = code.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    text = "\n".join(lines).rstrip()
    return text + "\n" if text else None


def _triple_quote_toggle(line: str, inside: str | None) -> str | None:
    """Whether a triple-quoted string is open after ``line`` (``inside`` = its delimiter)."""
    pos = 0
    while True:
        if inside is None:
            hits = [(line.find(q, pos), q) for q in ('"""', "'''")]
            hits = [(at, q) for at, q in hits if at >= 0]
            if not hits:
                return None
            at, quote = min(hits)
            inside, pos = quote, at + 3
        else:
            at = line.find(inside, pos)
            if at < 0:
                return inside
            inside, pos = None, at + 3


def truncate_program(code: str, keep_chars: int = 0) -> str:
    """Cut ``code`` at the first top-level line, after a function, that no module needs.

    The first ``keep_chars`` characters (the prompt a base model continued) are never cut; they
    only set the state (a function already defined, a triple-quoted string still open).
    """
    kept: list[str] = []
    inside: str | None = None
    seen_def = False
    offset = 0
    for line in code.split("\n"):
        top_level = inside is None and line[:1] not in (" ", "\t", "") and line.strip()
        if top_level:
            if _DEF_OR_CLASS.match(line):
                seen_def = True
            elif offset >= keep_chars and (
                line.lstrip().startswith("```")
                or (seen_def and not (_KEEP_TOP.match(line) or _LITERAL_ASSIGN.match(line)))
            ):
                break
        kept.append(line)
        inside = _triple_quote_toggle(line, inside)
        offset += len(line) + 1
    return "\n".join(kept)


def _unfenced_code(text: str) -> str | None:
    """Code written without a fence: from the first code-like line to the first prose line."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    kept: list[str] = []
    inside: str | None = None
    for line in lines[start:]:
        top_level = inside is None and line[:1] not in (" ", "\t", "") and line.strip()
        if top_level and not _PY_KEYWORD_START.match(line) and (_PROSE.match(line) or line.startswith("`")):
            break
        kept.append(line)
        inside = _triple_quote_toggle(line, inside)
    return "\n".join(kept)


def _from_completion(completion: str, prompt: str) -> str | None:
    """``prompt + completion``, with what the model wrote after its function cut off."""
    if not completion.strip():
        return None
    prefix = prompt if prompt.endswith("\n") or completion.startswith("\n") else prompt + "\n"
    program = truncate_program(prefix + completion, keep_chars=len(prefix))
    return _finish(program) if program.strip() != prompt.strip() else None


def _prompt_is_code(prompt: str) -> bool:
    """A prompt a base model can continue: it defines something or opens with a docstring/import."""
    lines = prompt.split("\n")
    first = _first_code_line(lines).lstrip()
    return any(_DEF_OR_CLASS.match(line) for line in lines) or first.startswith(('"""', "'''", "import ", "from "))


def _continues_body(text: str) -> bool:
    """Whether a completion goes on with an indented line (a function body left open)."""
    return _first_code_line(text.split("\n"))[:1] in (" ", "\t")


def extract_code(
    completion: str,
    *,
    prompt: str | None = None,
    entry_point: str | None = None,
    mode: Mode = "auto",
    reasoning: ReasoningPolicy = DEFAULT,
) -> str | None:
    """The Python program in ``completion`` (see the module docstring), or None if there is none."""
    if mode not in ("auto", "chat", "completion"):
        raise ValueError(f"mode must be 'auto', 'chat' or 'completion', not {mode!r}")
    text = strip_reasoning(completion.replace("\r\n", "\n"), reasoning)
    if text is None or not text.strip():
        return None
    has_fence = "```" in text
    if mode == "completion" and prompt is None:
        raise ValueError("mode='completion' needs the prompt the model continued")
    if prompt is not None and (
        mode == "completion"
        or (mode == "auto" and _prompt_is_code(prompt) and (not has_fence or _continues_body(text)))
    ):
        return _from_completion(text, prompt)
    blocks = fenced_blocks(text) if has_fence else []
    block = _choose_block(blocks, entry_point)
    if block is not None:
        code = block.code
        body_only = _first_code_line(code.split("\n"))[:1] in (" ", "\t")
        if body_only and prompt and entry_point and _defines(prompt, entry_point) and not _defines(code, entry_point):
            code = prompt.rstrip("\n") + "\n" + code
        return _finish(code)
    if has_fence and any(b.code.strip() for b in blocks):
        return None  # only non-Python blocks (```bash, ```text ...)
    unfenced = _unfenced_code(text.replace("```", ""))
    return _finish(unfenced) if unfenced is not None else None
