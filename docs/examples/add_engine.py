"""A generation engine: a "guesser" that answers every prompt with a random small integer.

It loads no model, so it is also a baseline: what does chance alone score on a benchmark?
Use it in a study with ``engine = "guesser"`` once this module has been imported (or name it
``engine = "add_engine:guesser_engine"`` without importing it).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from passbound.engines import GenerationSettings, PromptInput, check_request
from passbound.registry import engines
from passbound.types import Completion


class GuesserEngine:
    """Implements passbound.engines.Engine: ``name``, ``version()``, ``generate()``, ``close()``."""

    name = "guesser"

    def __init__(self, model: str, *, high: int = 20) -> None:
        self.model = model  # the study's `path`; a real engine loads it here
        self.high = high  # an engine_options key: guesses are drawn from 0..high

    def version(self) -> str:
        return "guesser 1.0"  # recorded in the run's manifest.json

    def generate(
        self,
        prompts: Sequence[PromptInput],
        *,
        n: int,
        settings: GenerationSettings,
        seeds: Sequence[int],
        on_progress: Any = None,
    ) -> list[list[Completion]]:
        # settings holds temperature, top_p, max_tokens and stop (checked when built); a real engine
        # maps them to its backend's form in one place. The guesser has no distribution to shape.
        check_request(prompts, n=n, seeds=seeds)
        results = []
        for seed in seeds:  # seeds[i] fixes prompt i's samples: a resumed run draws the same ones
            rng = random.Random(seed)
            results.append(
                [Completion(f"The answer is \\boxed{{{rng.randint(0, self.high)}}}.", "stop", 8) for _ in range(n)]
            )
            if on_progress is not None:
                on_progress(1)
        return results

    def close(self) -> None:
        pass


@engines.register("guesser", "random integers in \\boxed{}: what chance alone scores")
def guesser_engine(model: str, **options: Any) -> GuesserEngine:
    return GuesserEngine(model, **options)
