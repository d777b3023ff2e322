"""Benchmarks: named sets of problems with gold answers, loaded from local files or the hub.

``load_benchmark("math500", data_dir="../shared/data")`` reads ``<data_dir>/math500/test.jsonl``;
``load_benchmark("math500")`` reads the pinned hub copy; ``load_benchmark("mine", path="x.jsonl")``
reads any file with problem/answer columns. Built-ins register in ``passbound.registry.benchmarks``
so ``passbound list`` shows them; a plug-in registers a callable with the ``BenchmarkLoader``
signature.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from passbound.registry import benchmarks as _registry

from ._base import BenchmarkLoader, LoadedBenchmark, check_limit, content_sha256
from ._hub import HubSource
from .code import CODE_BENCHMARKS
from .code_evalplus import decode_mbpp_inputs
from .math import (
    MathBenchmark,
    last_boxed,
    load_generic,
    parse_competition,
    parse_gsm8k,
    parse_math500,
    parse_minerva,
    parse_olympiadbench,
)
from .synthetic import generate_synthetic, load_synthetic
from .vision import VISION_BENCHMARKS

__all__ = [
    "BenchmarkLoader",
    "CODE_BENCHMARKS",
    "HubSource",
    "LoadedBenchmark",
    "MATH_BENCHMARKS",
    "content_sha256",
    "decode_mbpp_inputs",
    "generate_synthetic",
    "last_boxed",
    "load_benchmark",
]

# Hub copies, pinned to a commit. Field names match the local Qwen2.5-Math files or are
# accepted as alternatives by the row parsers in .math.
MATH_BENCHMARKS: tuple[MathBenchmark, ...] = (
    MathBenchmark(
        "gsm8k",
        "GSM8K grade-school word problems (1319 test); gold after '####', commas removed",
        parse_gsm8k,
        HubSource(
            "openai/gsm8k",
            "cc7b047b6e5bb11b4f1af84efc572db110a51b3c",
            config="main",
            splits={"test": "test", "train": "train"},
        ),
    ),
    MathBenchmark(
        "math500",
        "MATH500 (Lightman et al. 2023 split of MATH, 500 test problems)",
        parse_math500,
        HubSource("HuggingFaceH4/MATH-500", "6e4ed1a2a79af7d8630a6b768ec859cb5af4d3be"),
    ),
    MathBenchmark(
        "minerva_math",
        "Minerva MIT OCW science problems (272); gold = last \\boxed{} of the solution",
        parse_minerva,
        HubSource("math-ai/minervamath", "ee46ddc498933b1977577953250ca5c66be64f96"),
    ),
    MathBenchmark(
        "olympiadbench",
        "OlympiadBench OE_TO_maths_en_COMP (675 open-ended competition problems)",
        parse_olympiadbench,
        HubSource(
            "Hothan/OlympiadBench",
            "91184b52131e7fc9455fef848035173aea8cc01a",
            config="OE_TO_maths_en_COMP",
            splits={"test": "train"},
        ),
    ),
    MathBenchmark(
        "aime24",
        "AIME 2024 I and II (30 problems, integer answers)",
        parse_competition,
        HubSource("math-ai/aime24", "83a7f387baaa524a8bda0022eac0541582297103"),
    ),
    MathBenchmark(
        "amc23",
        "AMC 2023 (40 problems, Qwen2.5-Math selection); '27.0' -> '27'",
        parse_competition,
        HubSource("math-ai/amc23", "80815d37005feb82cd7f8fbc6901d5d3eff43057"),
    ),
)

for _bench in MATH_BENCHMARKS:
    _registry.add(_bench.name, _bench, _bench.description)
for _code in CODE_BENCHMARKS:
    _registry.add(_code.name, _code, _code.description)
for _vision in VISION_BENCHMARKS:
    _registry.add(_vision.name, _vision, _vision.description)
_registry.add(
    "synthetic", load_synthetic, "seeded arithmetic word problems (levels 1-3), made by passbound; offline default"
)


def load_benchmark(
    name: str,
    *,
    path: str | Path | None = None,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    split: str | None = None,
    options: dict[str, Any] | None = None,
) -> LoadedBenchmark:
    """Load benchmark ``name``: from ``path``, else ``<data_dir>/<name>/``, else the pinned hub copy.

    ``split`` None means the benchmark's own default ("test"; "testmini" for MathVista and MathVision).

    A name that is not registered (and not a ``module:object`` path) still loads when ``path``
    is given, or ``<data_dir>/<name>/`` exists, as a generic file with problem/question/prompt
    and answer/target fields.
    """
    check_limit(limit)
    if name not in _registry:
        if path is None and data_dir is not None and (Path(data_dir) / name).is_dir():
            path = Path(data_dir) / name  # an unregistered folder under --data-dir
        if path is not None:
            return load_generic(name, path, limit=limit, split=split or "test")
    loader = _registry.factory(name)  # unknown name without a path: ConfigError listing names
    chosen = {} if split is None else {"split": split}
    return loader(path=path, data_dir=data_dir, limit=limit, options=options, **chosen)
