"""A run directory keeps its own copy of every image its problems show.

Images are copied once into ``media/<sha256>.<ext>`` (named by their bytes, so a changed image
is a new file and two problems showing one image share it), and the recorded problems name
them by that run-relative path. A run directory is then self-contained: Ray replicas and
object-storage copies read the images from it, and the report shows them. An image missing at
prepare time (MathVista's GitHub copy has none) stays named by its source path; sampling
stops on it with the loader's hint before any model is loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from passbound.benchmarks._base import media_digest
from passbound.benchmarks.vision import MATHVISTA_IMAGES_HINT
from passbound.config import ModelSpec
from passbound.errors import ConfigError
from passbound.models import declares_vision
from passbound.store import RunDir
from passbound.types import Problem

MEDIA_DIR = "media"


def stage_media(run: RunDir, problems: Sequence[Problem]) -> list[Problem]:
    """The problems with their images copied into the run directory and named run-relative."""
    staged: dict[str, str] = {}
    out = []
    for p in problems:
        if not p.media:
            out.append(p)
            continue
        names = tuple(staged.get(m) or staged.setdefault(m, _copy(run, m)) for m in p.media)
        out.append(dataclasses.replace(p, media=names))
    return out


def _copy(run: RunDir, source: str) -> str:
    if source.startswith(f"{MEDIA_DIR}/"):  # already staged (problems re-read from the run)
        return source
    file = Path(source)
    if not file.is_file():
        return source
    name = f"{MEDIA_DIR}/{media_digest(source)}{file.suffix.lower() or '.img'}"
    if not (run.path / name).is_file():
        run.write_bytes(name, file.read_bytes())
    return name


def resolve_media(run: RunDir, problem: Problem) -> Problem:
    """The problem with absolute image paths, for a template to render."""
    if not problem.media:
        return problem
    return dataclasses.replace(
        problem, media=tuple(str(run.path / m) if not Path(m).is_absolute() else m for m in problem.media)
    )


def check_media(run: RunDir, problems: Iterable[Problem]) -> None:
    """Stop before sampling when an image a prompt needs is not in the run directory."""
    missing = [(p, m) for p in problems for m in p.media if not (run.path / m).is_file()]
    if missing:
        p, m = missing[0]
        hint = (
            MATHVISTA_IMAGES_HINT
            if p.benchmark == "mathvista"
            else ("put the benchmark's images where its loader finds them, or set [benchmarks.options] images")
        )
        raise ConfigError(
            f"{len(missing)} image(s) of {p.benchmark} are missing (first: problem {p.id!r} needs "
            f"{m}); nothing was sampled. {hint}."
        )


def check_images_can_be_shown(
    model: ModelSpec, template: object, problems: Sequence[Problem], engine: object | None = None
) -> None:
    """Stop with a clear error before sampling when image problems meet a model or template that
    cannot see images (the template's own render names the template)."""
    with_images = [p for p in problems if p.media]
    if not with_images:
        return
    first = with_images[0]
    template.render(first)  # type: ignore[attr-defined]  # a text-only template raises here
    accepts = getattr(engine, "accepts_images", None) if engine is not None else None
    if accepts is None and model.engine in ("vllm", "hf"):
        accepts = declares_vision(model.path)
    if accepts is False:
        raise ConfigError(
            f"model {model.name!r} ({model.path}) is a text-only model, but {first.benchmark} shows "
            f"images ({len(with_images)} problems); give a vision-language model (e.g. Qwen2.5-VL) or "
            "leave the benchmark out for this model. Nothing was sampled."
        )
