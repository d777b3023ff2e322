"""A seeded arithmetic benchmark that passbound makes itself, for the offline default.

No data set can be downloaded on an offline machine, and the embedded demo model
(SmolLM2-135M-Instruct) is tiny, so the levels run from "sometimes solvable by it" to "rarely":

- level 1: one addition or subtraction of small numbers ("What is 7 + 5?", a one-line story);
- level 2: a product of two small numbers, or a two-step add/subtract story;
- level 3: a linear equation ``a*x + b = c`` with an integer root, or a three-step story with
  a product ("3 boxes of 4 pens, gives away 5").

Each problem has a step-by-step reference solution ending in ``\\boxed{<answer>}`` (usable as a
few-shot example or an SFT target) and an integer target. The train and test splits are
disjoint by construction: a problem belongs to the split its prompt hashes into, whatever the
seed, so no test prompt can ever appear in a training set made from any seed. Each level draws
from its own random stream and problems are dealt round-robin over levels, so the first k
problems of a larger benchmark equal the k-problem benchmark with the same options.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Mapping
from typing import Any

from passbound.errors import ConfigError
from passbound.types import Problem

from ._base import LoadedBenchmark, LoaderRequest, finish

LEVELS = (1, 2, 3)
SPLITS = ("train", "test")
_DEFAULTS: dict[str, Any] = {"seed": 0, "n_problems": 50, "levels": [1, 2, 3], "split": None}

_NAMES = (
    "Ava",
    "Ben",
    "Chloe",
    "Dan",
    "Emma",
    "Finn",
    "Grace",
    "Hugo",
    "Ivy",
    "Jack",
    "Lily",
    "Max",
    "Mia",
    "Noah",
    "Sam",
    "Zoe",
)
_ITEMS = ("apples", "books", "cards", "coins", "cookies", "marbles", "pencils", "stamps", "stickers", "shells")
_BOXES = (("box", "boxes"), ("bag", "bags"), ("pack", "packs"), ("jar", "jars"))

Generated = tuple[str, list[str], int, str]  # prompt, solution steps, answer, family
Generator = Callable[[random.Random], Generated]


# ---------------------------------------------------------------- level 1


def _add_bare(rng: random.Random) -> Generated:
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    return f"What is {a} + {b}?", [f"{a} + {b} = {a + b}."], a + b, "add"


def _add_story(rng: random.Random) -> Generated:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    a, b = rng.randint(2, 12), rng.randint(1, 9)
    prompt = f"{name} has {a} {item}. {name} finds {b} more {item}. How many {item} does {name} have now?"
    steps = [f"{name} starts with {a} {item} and finds {b} more.", f"{a} + {b} = {a + b}."]
    return prompt, steps, a + b, "add"


def _sub_story(rng: random.Random) -> Generated:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    a = rng.randint(5, 20)
    b = rng.randint(1, a - 1)
    prompt = f"{name} has {a} {item} and gives away {b}. How many {item} does {name} have left?"
    steps = [f"{name} starts with {a} {item} and gives away {b}.", f"{a} - {b} = {a - b}."]
    return prompt, steps, a - b, "sub"


# ---------------------------------------------------------------- level 2


def _mul_bare(rng: random.Random) -> Generated:
    a, b = rng.randint(2, 12), rng.randint(2, 9)
    return f"What is {a} * {b}?", [f"{a} * {b} = {a * b}."], a * b, "mul"


def _two_step_story(rng: random.Random) -> Generated:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    a, b = rng.randint(10, 40), rng.randint(1, 9)
    c = rng.randint(2, 15)
    prompt = (
        f"{name} has {a} {item}. {name} gives {b} {item} to a friend and then buys {c} more. "
        f"How many {item} does {name} have now?"
    )
    steps = [
        f"After giving {b} away, {name} has {a} - {b} = {a - b} {item}.",
        f"After buying {c} more, {name} has {a - b} + {c} = {a - b + c} {item}.",
    ]
    return prompt, steps, a - b + c, "add-sub"


# ---------------------------------------------------------------- level 3


def _linear(rng: random.Random) -> Generated:
    x, a, b = rng.randint(-9, 12), rng.randint(2, 9), rng.randint(1, 30)
    c = a * x + b
    prompt = f"Solve for x: {a}x + {b} = {c}."
    steps = [
        f"Subtract {b} from both sides: {a}x = {c} - {b} = {c - b}.",
        f"Divide both sides by {a}: x = {c - b} / {a} = {x}.",
    ]
    return prompt, steps, x, "linear"


def _three_step_story(rng: random.Random) -> Generated:
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    box, boxes = rng.choice(_BOXES)
    n, per, extra = rng.randint(2, 9), rng.randint(3, 12), rng.randint(1, 9)
    total = n * per + extra
    away = rng.randint(1, total - 1)
    prompt = (
        f"{name} buys {n} {boxes} of {item} with {per} {item} in each {box}, and already had {extra} {item}. "
        f"Then {name} gives away {away} {item}. How many {item} does {name} have now?"
    )
    steps = [
        f"The {boxes} hold {n} * {per} = {n * per} {item}.",
        f"With the {extra} {name} already had, that is {n * per} + {extra} = {total} {item}.",
        f"After giving away {away}, {name} has {total} - {away} = {total - away} {item}.",
    ]
    return prompt, steps, total - away, "mul-add-sub"


_GENERATORS: dict[int, tuple[Generator, ...]] = {
    1: (_add_bare, _add_story, _sub_story),
    2: (_mul_bare, _two_step_story),
    3: (_linear, _three_step_story),
}


def split_of(prompt: str) -> str:
    """The split a prompt belongs to, from its hash: about 30% test, 70% train."""
    bucket = int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:4], "big") % 10
    return "test" if bucket < 3 else "train"


def _stream(seed: int, split: str, level: int) -> random.Random:
    key = hashlib.sha256(f"passbound-synthetic|{seed}|{split}|{level}".encode()).digest()
    return random.Random(int.from_bytes(key[:8], "big"))


def _level_problems(seed: int, split: str, level: int, count: int) -> list[Generated]:
    """``count`` distinct problems of ``level`` that hash into ``split``."""
    rng = _stream(seed, split, level)
    found: list[Generated] = []
    seen: set[str] = set()
    attempts = 0
    while len(found) < count:
        attempts += 1
        if attempts > 200 * count + 1000:
            raise ConfigError(
                f"synthetic: cannot make {count} distinct level-{level} problems for split {split!r}; "
                "ask for fewer problems (n_problems) or add levels."
            )
        generated = rng.choice(_GENERATORS[level])(rng)
        prompt = generated[0]
        if prompt in seen or split_of(prompt) != split:
            continue
        seen.add(prompt)
        found.append(generated)
    return found


def _options(options: Mapping[str, Any] | None, split: str) -> tuple[int, int, tuple[int, ...], str]:
    opts = dict(_DEFAULTS, **(options or {}))
    unknown = sorted(set(opts) - set(_DEFAULTS))
    if unknown:
        raise ConfigError(f"synthetic: unknown option(s) {', '.join(unknown)}; known: seed, n_problems, levels, split.")
    chosen = opts["split"] or split
    if chosen not in SPLITS:
        raise ConfigError(f"synthetic: split must be 'train' or 'test' (got {chosen!r}).")
    seed, n = opts["seed"], opts["n_problems"]
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(f"synthetic: seed must be an integer (got {seed!r}).")
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise ConfigError(f"synthetic: n_problems must be a positive integer (got {n!r}).")
    levels = opts["levels"]
    if isinstance(levels, int):
        levels = [levels]
    if not levels or any(lv not in LEVELS for lv in levels) or len(set(levels)) != len(levels):
        raise ConfigError(f"synthetic: levels must be distinct values from {list(LEVELS)} (got {levels!r}).")
    return seed, n, tuple(levels), chosen


def generate_synthetic(
    *, seed: int = 0, n_problems: int = 50, levels: tuple[int, ...] | list[int] = LEVELS, split: str = "test"
) -> list[Problem]:
    """The synthetic problems for these options, dealt round-robin over ``levels``."""
    seed, n, levels, split = _options(
        {"seed": seed, "n_problems": n_problems, "levels": list(levels), "split": split}, split
    )
    counts = {lv: len(range(i, n, len(levels))) for i, lv in enumerate(levels)}
    pools = {lv: iter(_level_problems(seed, split, lv, counts[lv])) for lv in levels}
    problems = []
    for i in range(n):
        level = levels[i % len(levels)]
        prompt, steps, answer, family = next(pools[level])
        solution = "\n".join([*steps, f"The answer is \\boxed{{{answer}}}."])
        problems.append(
            Problem(
                id=f"{split}-{i:05d}",
                benchmark="synthetic",
                prompt=prompt,
                target=str(answer),
                kind="math",
                metadata={"level": level, "family": family, "solution": solution, "seed": seed},
            )
        )
    return problems


def load_synthetic(request: LoaderRequest, /) -> LoadedBenchmark:
    """Registered loader for "synthetic" (options: seed, n_problems, levels, split)."""
    options, split, limit = request.options, request.split_or("test"), request.limit
    if request.path is not None:
        raise ConfigError("benchmark 'synthetic' is generated, not read from a file; remove its path.")
    if options and options.get("split") and options["split"] != split and split != "test":
        raise ConfigError(f"synthetic: split {split!r} and options.split {options['split']!r} disagree; give one.")
    seed, n, levels, chosen = _options(options, split)
    problems = generate_synthetic(seed=seed, n_problems=n, levels=levels, split=chosen)
    params = f"seed={seed},n_problems={n},levels={'-'.join(map(str, levels))},split={chosen}"
    return finish("synthetic", problems, f"synthetic:{params}", limit)
