"""MathVista and MathVision load from the local copies (ids, kinds, images, the study's filter),
and a problem's content hash covers its image bytes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from passbound.benchmarks import load_benchmark
from passbound.benchmarks.vision import _hub_image_saver
from passbound.errors import ConfigError, DataError


def test_mathvision_testmini_is_the_default_split_with_its_images(shared_data: Path) -> None:
    bench = load_benchmark("mathvision", data_dir=shared_data)
    assert len(bench) == 304
    assert Counter(p.kind for p in bench.problems) == {"choice": 190, "math": 114}
    first = bench.problems[0]
    assert first.id == "4" and first.target == "6" and "<image1>" not in first.prompt
    assert all(len(p.media) == 1 and Path(p.media[0]).is_file() for p in bench.problems)
    letters = [p for p in bench.problems if p.kind == "choice"]
    assert all(p.target in "ABCDE"[: len(p.metadata["choices"])] for p in letters)
    assert "Choices:" in letters[0].prompt


def test_free_form_only_is_the_studys_filter(shared_data: Path) -> None:
    vista = load_benchmark("mathvista", data_dir=shared_data, options={"free_form_only": True})
    assert len(vista) == 460 and {p.kind for p in vista.problems} == {"math"}
    vision = load_benchmark("mathvision", data_dir=shared_data, split="test", options={"free_form_only": True})
    assert len(vision) == 1508


def test_mathvista_choices_become_letters_and_formats_travel(shared_data: Path) -> None:
    bench = load_benchmark("mathvista", data_dir=shared_data)
    by_id = bench.by_id()
    assert len(bench) == 1000 and "1" in by_id
    assert by_id["1"].metadata["precision"] == 1 and by_id["1"].metadata["answer_type"] == "float"
    mc = next(p for p in bench.problems if p.kind == "choice")
    assert mc.metadata["choices"][ord(mc.target) - ord("A")] == mc.metadata["answer_text"]
    assert mc.metadata["query"].startswith("Hint:")  # the official prompt, from query.json


def test_mathvista_images_come_from_an_images_folder(shared_data: Path, tmp_path: Path) -> None:
    plain = load_benchmark("mathvista", data_dir=shared_data, limit=3)
    assert not any(Path(p.media[0]).is_file() for p in plain.problems)  # the GitHub copy has none
    images = tmp_path / "images"
    images.mkdir()
    for i, p in enumerate(plain.problems):
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(images / Path(p.media[0]).name)
    with_images = load_benchmark("mathvista", data_dir=shared_data, limit=3, options={"images": str(tmp_path)})
    assert all(Path(p.media[0]).is_file() for p in with_images.problems)
    assert with_images.sha256 != plain.sha256
    Image.new("RGB", (8, 8), (255, 255, 255)).save(images / Path(plain.problems[0].media[0]).name)
    changed = load_benchmark("mathvista", data_dir=shared_data, limit=3, options={"images": str(tmp_path)})
    assert changed.sha256 != with_images.sha256  # the image bytes are in the content hash


def test_text_only_benchmarks_hash_as_before(shared_data: Path) -> None:
    """Problems without media keep their hash (run directories made earlier still resume)."""
    import hashlib
    import json

    bench = load_benchmark("aime24", data_dir=shared_data)
    h = hashlib.sha256()
    for p in bench.problems:
        h.update(json.dumps([p.id, p.prompt, p.target], ensure_ascii=False).encode() + b"\n")
    assert bench.sha256 == h.hexdigest()


def test_bad_options_and_splits_say_what_to_fix(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="free_form_only, images, revision"):
        load_benchmark("mathvision", data_dir=shared_data, options={"free_form": True})
    with pytest.raises(DataError, match="testmini"):
        load_benchmark("mathvision", data_dir=shared_data, split="train")
    with pytest.raises(ConfigError, match="does not exist"):
        load_benchmark("mathvista", data_dir=shared_data, options={"images": str(tmp_path / "nope")})
    bad = tmp_path / "mathvista"
    bad.mkdir()
    (bad / "testmini.json").write_text(
        '{"1": {"pid": "1", "question": "Which?", "image": "images/1.jpg", '
        '"choices": ["a", "b"], "answer": "c", "question_type": "multi_choice"}}'
    )
    with pytest.raises(DataError, match="is not one of its choices"):
        load_benchmark("mathvista", data_dir=tmp_path)


def test_hub_images_are_written_once_to_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No hub here: a row shaped like AI4Math/MathVista's (a decoded PIL image) goes through the saver."""
    monkeypatch.setenv("PASSBOUND_CACHE", str(tmp_path))
    save = _hub_image_saver("mathvista", "abc123")
    row = {"pid": "7", "image": "images/7.jpg", "decoded_image": Image.new("RGB", (5, 4), (1, 2, 3))}
    out = save(row, "7")
    path = Path(out["image"])
    assert path.is_file() and path.parent == tmp_path / "media" / "mathvista" / "abc123"
    assert Image.open(path).size == (5, 4)
    mtime = path.stat().st_mtime_ns
    save(row, "7")
    assert path.stat().st_mtime_ns == mtime
