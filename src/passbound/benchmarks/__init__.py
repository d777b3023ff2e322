"""Benchmarks: named sets of problems with gold answers, loaded from local files or the hub.

``load_benchmark("math500", data_dir="../shared/data")`` reads ``<data_dir>/math500/test.jsonl``;
``load_benchmark("math500")`` reads the pinned hub copy; ``load_benchmark("mine", path="x.jsonl")``
reads any file with problem/answer columns. The stages load a study's entries with
``load_request(LoaderRequest.from_spec(spec, data_dir=...))``. Built-ins register in
``passbound.registry.benchmarks`` so ``passbound list`` shows them; a plug-in registers a
``BenchmarkLoader``: a callable taking one ``LoaderRequest``.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from passbound.registry import benchmarks as _registry

from ._base import BenchmarkLoader, LoadedBenchmark, LoaderRequest, check_limit, content_sha256
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
    "LoaderRequest",
    "MATH_BENCHMARKS",
    "check_limit",
    "content_sha256",
    "decode_mbpp_inputs",
    "generate_synthetic",
    "last_boxed",
    "load_benchmark",
    "load_request",
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
    options: Mapping[str, Any] | None = None,
) -> LoadedBenchmark:
    """Load benchmark ``name`` (scripts and tests): ``load_request`` with these fields.

    From ``path``, else ``<data_dir>/<name>/``, else the pinned hub copy; ``split`` None means the
    benchmark's own default ("test"; "testmini" for MathVista and MathVision).
    """
    return load_request(LoaderRequest(name, path, data_dir, limit, split, options or {}))


def load_request(request: LoaderRequest) -> LoadedBenchmark:
    """Load the benchmark ``request`` names with its registered loader.

    A name that is not registered (and not a ``module:object`` path) still loads when
    ``request.path`` is given, or ``<data_dir>/<name>/`` exists, as a generic file with
    problem/question/prompt and answer/target fields.
    """
    name, path, data_dir = request.name, request.path, request.data_dir
    if name not in _registry:
        if path is None and data_dir is not None and (Path(data_dir) / name).is_dir():
            path = Path(data_dir) / name  # an unregistered folder under --data-dir
        if path is not None:
            return load_generic(LoaderRequest(name, path, None, request.limit, request.split, request.options))
    loader = _registry.factory(name)  # unknown name without a path: ConfigError listing names
    result: LoadedBenchmark
    if not _takes_keywords(name, loader):
        result = loader(request)
    else:
        chosen = {} if request.split is None else {"split": request.split}
        result = loader(path=path, data_dir=data_dir, limit=request.limit, options=dict(request.options), **chosen)
    return result


# id(loader) -> (loader, takes keywords): each loader's calling convention, read once.
_CONVENTIONS: dict[int, tuple[object, bool]] = {}
_KEYWORDS = ("path", "data_dir", "limit", "split", "options")


def _takes_keywords(name: str, loader: Callable[..., Any]) -> bool:
    """Whether ``loader`` has the keyword signature of passbound 0.x loaders (``path=, data_dir=,
    limit=, split=, options=``) rather than one ``LoaderRequest``; warns once per such loader."""
    target = loader.load() if hasattr(loader, "load") and hasattr(loader, "entry_point") else loader
    known = _CONVENTIONS.get(id(target))
    if known is not None and known[0] is target:
        return known[1]
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):  # no signature to read (a builtin): assume the current form
        params = []
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    old = bool(params) and (not positional or positional[0].name in _KEYWORDS)
    _CONVENTIONS[id(target)] = (target, old)
    if old:
        warnings.warn(
            f"benchmark loader {name!r} ({getattr(target, '__qualname__', type(target).__qualname__)}) takes the "
            f"keyword arguments {', '.join(_KEYWORDS)}; loaders now take one "
            "passbound.benchmarks.LoaderRequest. Change it to `def loader(request: LoaderRequest) -> "
            "LoadedBenchmark` reading request.path, request.data_dir, request.limit, "
            "request.split_or('test') and request.options; the keyword form will stop working in a later release.",
            DeprecationWarning,
            stacklevel=3,
        )
    return old
