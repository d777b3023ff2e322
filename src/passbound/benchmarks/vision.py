"""Visual math: MathVista (Lu et al. 2024) and MathVision (Wang et al. 2024), the study's third domain.

Each problem shows one image (``Problem.media``, an image file) and asks a question. Multiple-choice
problems become ``kind="choice"`` with the gold *letter* as target and the options in
``metadata["choices"]`` (MathVista stores the option text as its answer; MathVision a letter);
free-form ones are ``kind="math"``, and MathVista's ``answer_type``, ``precision`` and ``unit``
travel in the metadata for the math verifier. ``free_form_only = true`` drops the multiple-choice
problems, as Yue et al. (2025) did: a uniform guess among four options reaches 1 - 0.75^k, so
pass@k at large k says nothing there. Ids are the datasets' own (MathVista ``pid``, MathVision
``id``). testmini is the default split.

Sources: a local folder (``<data_dir>/<name>/<split>.json[l]`` with the images beside it, or an
``images`` option naming the folder), or the hub (``AI4Math/MathVista``, ``MathLLMs/MathVision``),
whose embedded images are written once to passbound's cache. Grading needs no images.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passbound.errors import ConfigError, DataError

from ._base import LoadedBenchmark, LoaderRequest, as_text, resolve_local_file
from ._hub import HubSource, load_hub_rows
from .files import read_rows
from .math import MissingField, ParsedRow, build, last_boxed, optional, pick, strip_dollars

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MATHVISTA_IMAGES_HINT = (
    "MathVista's images are not in the GitHub copy: download images.zip from "
    "https://huggingface.co/datasets/AI4Math/MathVista, unzip it, and set [benchmarks.options] "
    "images = \"<that folder>\" (or leave path and data_dir out to load everything from the hub)"
)
_IMAGE_MARKER = re.compile(r"\s*<image\d*>\s*")
_LABEL_ONLY = re.compile(r"\(?([A-Z])\)?[.:]?")


def choice_letter(index: int) -> str:
    return LETTERS[index]


def labels_only(options: list[str]) -> bool:
    """MathVision options such as ``A``..``E`` or ``(A)``..``(E)``: the real options are in the image."""
    return all((m := _LABEL_ONLY.fullmatch(o.strip())) and m.group(1) == LETTERS[i] for i, o in enumerate(options))


def _choices_block(options: list[str]) -> str:
    if labels_only(options):
        return "\nChoices: " + ", ".join(LETTERS[: len(options)]) + " (the options are shown in the image)"
    return "\nChoices:\n" + "\n".join(f"({LETTERS[i]}) {o.strip()}" for i, o in enumerate(options))


class _Images:
    """Resolves a row's image name ("images/12.jpg") against the folders it may live in."""

    def __init__(self, *folders: Path | None) -> None:
        self.folders = [f for f in folders if f is not None]

    def path(self, name: str) -> str:
        for folder in self.folders:
            for candidate in (folder / name, folder / Path(name).name):
                if candidate.is_file():
                    return str(candidate.resolve())
        base = self.folders[0] if self.folders else Path.cwd()
        return str((base / name).resolve())  # missing: hashed as such; sampling stops with a hint


def parse_mathvista(row: dict[str, Any], images: _Images) -> ParsedRow:
    pid = as_text(pick(row, "pid"))
    question = as_text(pick(row, "question"))
    answer = as_text(pick(row, "answer"))
    choices = [as_text(c) for c in (row.get("choices") or [])]
    meta: dict[str, Any] = {
        "question_type": row.get("question_type"),
        "answer_type": row.get("answer_type"),
        "unit": optional(row, "unit"),
        "query": optional(row, "query"),
        "source": (row.get("metadata") or {}).get("source"),
    }
    if row.get("precision") is not None:
        meta["precision"] = int(float(row["precision"]))
    media = (images.path(as_text(pick(row, "image"))),)
    if row.get("question_type") == "multi_choice" or choices:
        if answer not in choices:
            raise MissingField("answer", why=f"({answer!r}) is not one of its choices {choices}")
        meta.update(choices=choices, answer_text=answer)
        return ParsedRow(
            pid, question + _choices_block(choices), choice_letter(choices.index(answer)), meta, media, "choice"
        )
    return ParsedRow(pid, question, answer, meta, media, "math")


def parse_mathvision(row: dict[str, Any], images: _Images) -> ParsedRow:
    pid = as_text(pick(row, "id"))
    question = _IMAGE_MARKER.sub("\n", as_text(pick(row, "question"))).strip()
    answer = as_text(pick(row, "answer"))
    options = [as_text(o) for o in (row.get("options") or [])]
    meta: dict[str, Any] = {"level": row.get("level"), "subject": row.get("subject")}
    media = (images.path(as_text(pick(row, "image"))),)
    if options:
        letter = answer.strip("() .")
        if letter not in LETTERS[: len(options)]:
            raise MissingField("answer", why=f"({answer!r}) is not a letter among its {len(options)} options")
        meta.update(choices=options, labels_only=labels_only(options))
        return ParsedRow(pid, question + _choices_block(options), letter, meta, media, "choice")
    return ParsedRow(pid, question, _mathvision_gold(answer), meta, media, "math")


def _mathvision_gold(answer: str) -> str:
    """``$\\boxed{\\frac{16}{7}}$`` -> ``\\frac{16}{7}``; a JSON-mangled ``\\f`` (form feed) restored."""
    text = strip_dollars(answer.replace("\x0c", "\\f"))
    return last_boxed(text) or text if text.startswith(("\\boxed", "\\fbox")) else text


def _hub_image_saver(name: str, revision: str) -> Any:
    """Row hook for hub rows: write the embedded image once under the cache, name it in the row."""
    from passbound.models.embedded import default_cache_root

    folder = default_cache_root() / "media" / name / revision

    def save(row: dict[str, Any], pid: str) -> dict[str, Any]:
        image = row.get("decoded_image")
        if image is None:
            return row
        target = folder / f"{pid}.png"
        if not target.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            image.save(tmp, format="PNG")
            tmp.replace(target)
        return {**row, "image": str(target)}

    return save


@dataclass(frozen=True)
class VisionBenchmark:
    """A registered visual-math benchmark: its row parser, id field and hub copy."""

    name: str
    description: str
    parse: Any  # (row, _Images) -> ParsedRow
    id_field: str
    hub: HubSource
    splits: tuple[str, ...] = ("testmini", "test")
    option_names: tuple[str, ...] = ("free_form_only", "images", "revision")

    def __call__(self, request: LoaderRequest, /) -> LoadedBenchmark:
        path, data_dir, limit, split = request.path, request.data_dir, request.limit, request.split_or("testmini")
        options = dict(request.options)
        unknown = sorted(set(options) - set(self.option_names))
        if unknown:
            raise ConfigError(
                f"benchmark {self.name!r} has no option(s) {', '.join(unknown)}; "
                f"its options are: {', '.join(self.option_names)}."
            )
        if split not in self.splits:
            raise DataError(
                f"benchmark {self.name!r} has splits {', '.join(self.splits)} (testmini is the study's); got {split!r}."
            )
        images_opt = Path(options["images"]).expanduser().resolve() if options.get("images") else None
        if images_opt is not None and not images_opt.is_dir():
            raise ConfigError(f"benchmark {self.name!r}: images folder {images_opt} does not exist.")
        local = resolve_local_file(self.name, path=path, data_dir=data_dir, split=split)
        if local is not None:
            rows, where, source = read_rows(local), str(local), f"local:{local}"
            rows = _with_queries(rows, local.parent / "query.json")
            images = _Images(images_opt, local.parent)
        else:
            hub = (
                self.hub
                if not options.get("revision")
                else HubSource(self.hub.repo, str(options["revision"]), self.hub.config, self.hub.splits)
            )
            rows, source = load_hub_rows(hub, split, self.name)
            save = _hub_image_saver(self.name, hub.revision)
            rows = [(w, save(r, as_text(r.get(self.id_field, w)))) for w, r in rows]
            where, images = source, _Images(images_opt)
        rows = [(w, r) for w, r in rows if as_text(r.get("answer") or "")]  # MathVista's test hides answers
        if options.get("free_form_only"):
            rows = [(w, r) for w, r in rows if not _is_choice(r)]
        return build(
            self.name,
            lambda row: self.parse(row, images),
            rows,
            where,
            source,
            limit,
            kind="vision",
            if_empty="no problems with gold answers (and free-form, if free_form_only is set)",
        )


def _with_queries(rows: list[tuple[str, dict[str, Any]]], file: Path) -> list[tuple[str, dict[str, Any]]]:
    """MathVista's GitHub copy keeps the official prompt of each pid (hint + question) in query.json."""
    if not file.is_file():
        return rows
    import json

    queries = json.loads(file.read_text(encoding="utf-8"))
    return [(w, {**r, "query": r.get("query") or queries.get(str(r.get("pid")))}) for w, r in rows]


def _is_choice(row: dict[str, Any]) -> bool:
    return row.get("question_type") == "multi_choice" or bool(row.get("choices") or row.get("options"))


# No hub access on the machines this was written on, so the revision could not be read and pinned
# here: "main" is resolved at load time; pin a commit with [benchmarks.options] revision = "<sha>".
VISION_BENCHMARKS: tuple[VisionBenchmark, ...] = (
    VisionBenchmark(
        "mathvista",
        "MathVista (testmini 1,000; test where answers exist): charts, plots, geometry; "
        "540 multiple choice, 460 free form",
        parse_mathvista,
        "pid",
        HubSource("AI4Math/MathVista", "main", splits={"testmini": "testmini", "test": "test"}),
    ),
    VisionBenchmark(
        "mathvision",
        "MATH-Vision (testmini 304, test 3,040): competition problems with figures, multiple choice and free form",
        parse_mathvision,
        "id",
        HubSource("MathLLMs/MathVision", "main", splits={"testmini": "testmini", "test": "test"}),
    ),
)
