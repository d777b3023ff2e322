"""The study file the hf-engine end-to-end tests share: SmolLM2 on synthetic level-1 problems."""

from __future__ import annotations

from pathlib import Path


def smol_synthetic(
    model: Path,
    *,
    name: str,
    problems: int,
    n: int,
    max_tokens: int,
    seed: int,
    chunk_size: int,
    output: str | Path = "unused",
    top_p: float | None = None,
    extra_sampling: str = "",
    bootstrap: int = 200,
) -> str:
    top = f"top_p = {top_p}\n" if top_p is not None else ""
    return f"""
name = "{name}"
output = "{output}"
[[models]]
name = "smol"
path = "{model}"
role = "base"
engine = "hf"
template = "chat"
[[benchmarks]]
name = "synthetic"
limit = {problems}
options = {{ n_problems = {problems}, levels = [1] }}
[sampling]
n = {n}
temperature = 1.0
{top}max_tokens = {max_tokens}
seed = {seed}
chunk_size = {chunk_size}
{extra_sampling}
[analysis]
bootstrap = {bootstrap}
"""
