"""The number format a CPU engine picks from the processor's flags, and an explicit dtype kept."""

from __future__ import annotations

import pytest

from passbound.engines.cpu_format import choose_cpu_dtype, cpu_number_format, host_cpu, parse_cpuinfo

# (architecture, flags as /proc/cpuinfo lists them) -> the format to run in.
FLAG_TABLE = [
    ("x86_64", "fpu sse sse2 avx avx2 fma", "float32"),  # AMD EPYC (Zen 2/3), Haswell..Coffee Lake
    ("x86_64", "avx2 avx512f avx512bw avx512vl avx512_vnni", "float32"),  # Skylake-SP / Cascade Lake
    ("x86_64", "avx2 avx512f avx512_bf16", "bfloat16"),  # Cooper Lake, Zen 4
    ("x86_64", "avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8", "bfloat16"),  # Sapphire Rapids
    ("x86_64", "avx2 amx_tile amx_bf16", "bfloat16"),
    ("x86_64", "sse sse2", "float32"),
    ("x86_64", "", "float32"),  # features unknown (no /proc/cpuinfo): the safe choice
    ("aarch64", "fp asimd evtstrm aes crc32 atomics", "float32"),  # Graviton2 (Neoverse N1)
    ("aarch64", "fp asimd sve svebf16 bf16 i8mm", "bfloat16"),  # Graviton3 (Neoverse V1)
    ("aarch64", "fp asimd bf16", "bfloat16"),  # Apple M2 and later
    ("arm64", "fp asimd", "float32"),
    ("ppc64le", "", "float32"),
]


@pytest.mark.parametrize(("arch", "flags", "dtype"), FLAG_TABLE)
def test_format_for_flag_set(arch: str, flags: str, dtype: str) -> None:
    chosen = choose_cpu_dtype(arch, flags.split())
    assert chosen.dtype == dtype
    assert chosen.reason  # the manifest records why


def test_avx2_only_reason_names_what_is_missing() -> None:
    reason = choose_cpu_dtype("x86_64", ["avx", "avx2"]).reason
    assert "avx2" in reason and "AVX512-BF16" in reason


@pytest.mark.parametrize("explicit", ["bfloat16", "float16", "float32", "torch.bfloat16"])
def test_explicit_dtype_is_kept(explicit: str) -> None:
    avx2_only = ("x86_64", frozenset({"avx2"}))
    amx = ("x86_64", frozenset({"amx_bf16"}))
    for cpu in (avx2_only, amx):
        chosen = cpu_number_format({"dtype": explicit}, cpu=cpu)
        assert chosen.dtype == explicit.removeprefix("torch.")
        assert chosen.reason == "set in engine_options"


@pytest.mark.parametrize("unset", [{}, {"dtype": None}, {"dtype": "auto"}])
def test_auto_or_missing_dtype_follows_the_cpu(unset: dict) -> None:
    assert cpu_number_format(unset, cpu=("x86_64", frozenset({"avx2"}))).dtype == "float32"
    assert cpu_number_format(unset, cpu=("x86_64", frozenset({"avx512_bf16"}))).dtype == "bfloat16"


def test_parse_cpuinfo_reads_x86_and_arm_lines() -> None:
    x86 = "processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\nbugs\t\t: spectre_v1\n"
    arm = "processor\t: 0\nFeatures\t: fp asimd bf16\nCPU implementer\t: 0x41\n"
    assert parse_cpuinfo(x86) == {"fpu", "avx2", "avx512_bf16"}
    assert parse_cpuinfo(arm) == {"fp", "asimd", "bf16"}


def test_this_host_gets_a_format_consistent_with_its_flags() -> None:
    arch, flags = host_cpu()
    chosen = cpu_number_format({})
    native = bool({"avx512_bf16", "amx_bf16", "bf16", "svebf16"} & flags)
    assert chosen.dtype == ("bfloat16" if native else "float32")
