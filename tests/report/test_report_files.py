"""write_report on hand-built run directories: the files, their content, their safety.

The run directory is written the way the analyse stage writes it (CSV + manifest.json). Curves
come from per-problem correct counts through the unbiased estimator (computed here with
math.comb, independently of passbound.metrics), shaped like Yue et al. (2025): the RL model
concentrates its mass on few problems (wins at k=1), the base spreads thin over many (wins at
large k), so the report's claims can be checked against numbers derived in this file.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from passbound.errors import DataError
from passbound.report import write_report

N = 64
KS = [1, 2, 4, 8, 16, 32, 64]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# benchmark -> model -> per-problem correct counts (out of N)
STUDY = {
    "toy_math": {"base": [4] * 16 + [0] * 4, "rl-zero": [42] * 9 + [0] * 11, "distill": [20] * 15 + [0] * 5},
    "toy_code": {"base": [2] * 14 + [0] * 2, "rl-zero": [50] * 8 + [0] * 8, "distill": [10] * 10 + [0] * 6},
}
ROLES = {"base": "base", "rl-zero": "rl", "distill": "distill"}


def pass_at_k(counts: list[int], n: int, k: int) -> float:
    """Mean over problems of 1 - C(n-c, k)/C(n, k) (Chen et al. 2021)."""
    if k > n:
        return math.nan
    return sum(1 - math.comb(n - c, k) / math.comb(n, k) for c in counts) / len(counts)


def curve(bench: str, model: str) -> dict[int, float]:
    return {k: pass_at_k(STUDY[bench][model], N, k) for k in KS}


def first_crossing(bench: str, model: str, base: str) -> int | None:
    m, b = curve(bench, model), curve(bench, base)
    wins_at_1 = m[1] > b[1]
    return next((k for k in KS if (m[k] > b[k]) != wins_at_1), None)


def write_run(
    run_dir: Path, study: dict[str, dict[str, list[int]]], roles: dict[str, str], base: str | None = "base"
) -> Path:
    """Write passk/summary/delta_se/paired/crossover/majk CSVs and manifest.json."""
    run_dir.mkdir(parents=True, exist_ok=True)
    passk, summ, dse, paired, cross, majk = [], [], [], [], [], []
    for bench, models in study.items():
        for model, counts in models.items():
            c = {k: pass_at_k(counts, N, k) for k in KS}
            for k, v in c.items():
                passk.append(
                    dict(
                        model=model,
                        role=roles[model],
                        benchmark=bench,
                        k=k,
                        pass_at_k=v,
                        ci_low=max(0, v - 0.05),
                        ci_high=min(1, v + 0.05),
                        n_problems=len(counts),
                        n_samples=N,
                    )
                )
                majk.append(dict(model=model, benchmark=bench, k=k, maj_at_k=c[1]))
            n_pass = sum(counts)
            summ.append(
                dict(
                    model=model,
                    role=roles[model],
                    step=None,
                    benchmark=bench,
                    n_problems=len(counts),
                    n_samples=N,
                    pass_at_1=c[1],
                    pass_at_kmax=c[KS[-1]],
                    k_max=KS[-1],
                    maj_at_kmax=c[1],
                    n_pass=n_pass,
                    n_fail=N * len(counts) - n_pass - 3,
                    n_timeout=2,
                    n_error=1,
                    n_no_answer=0,
                )
            )
            if base is None or model == base:
                continue
            b = {k: pass_at_k(models[base], N, k) for k in KS}
            for k in KS:
                paired.append(
                    dict(
                        benchmark=bench,
                        model=model,
                        reference=base,
                        k=k,
                        diff=c[k] - b[k],
                        ci_low=c[k] - b[k] - 0.04,
                        ci_high=c[k] - b[k] + 0.04,
                    )
                )
            ck = first_crossing(bench, model, base) if model in STUDY.get(bench, {}) else None
            cross.append(
                dict(
                    benchmark=bench,
                    model=model,
                    base_model=base,
                    crossover_k=math.nan if ck is None else ck,
                    model_wins_at_1=c[1] > b[1],
                    base_wins_at_kmax=b[64] > c[64],
                )
            )
            if roles[model] == "rl":
                d = b[KS[-1]] - c[1]
                dse.append(
                    dict(
                        benchmark=bench,
                        rl_model=model,
                        base_model=base,
                        k_max=KS[-1],
                        base_pass_at_kmax=b[KS[-1]],
                        rl_pass_at_1=c[1],
                        delta_se=d,
                        ci_low=d - 0.06,
                        ci_high=d + 0.06,
                    )
                )
    for name, rows in [
        ("passk", passk),
        ("summary", summ),
        ("delta_se", dse),
        ("paired", paired),
        ("crossover", cross),
        ("majk", majk),
    ]:
        if rows:
            pd.DataFrame(rows).to_csv(run_dir / f"{name}.csv", index=False)
    manifest = {
        "passbound_version": "0.1.0",
        "study_name": "toy study",
        "created": "2025-05-01T12:00:00",
        "models": [
            {
                "name": m,
                "role": r,
                "step": None,
                "base": None if r == "base" else base,
                "path": f"/models/{m}",
                "engine": "vllm",
                "template": "qwen-math",
                "engine_version": "0.32.0",
            }
            for m, r in roles.items()
        ],
        "benchmarks": [
            {
                "name": b,
                "source": f"local:/data/{b}.jsonl",
                "sha256": "ab" * 32,
                "n_problems": len(next(iter(v.values()))),
            }
            for b, v in study.items()
        ],
        "verifier_versions": {"math": "math-verify 0.7.0"},
        "sampling": {"n": N, "temperature": 0.6, "top_p": 0.95, "max_tokens": 4096, "seed": 0},
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def summary_cell(html: str, bench: str, cls: str) -> str:
    row = re.search(rf'<tr data-benchmark="{re.escape(bench)}">(.*?)</tr>', html, re.S)
    assert row, f"no summary row for {bench}"
    cell = re.search(rf'<td class="{cls}">(.*?)</td>', row.group(1), re.S)
    assert cell, f"no {cls} cell for {bench}"
    return text_of(cell.group(1))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_report(write_run(tmp_path_factory.mktemp("run"), STUDY, ROLES))


def test_html_is_self_contained(report: dict[str, Path]) -> None:
    html = report["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    # Inline scripts are allowed (the drill-down's verdict buttons); fetched ones are not.
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html
    assert "<style>" in html


def test_summary_comes_first_and_names_winners(report: dict[str, Path]) -> None:
    html = report["html"].read_text(encoding="utf-8")
    assert html.index('id="summary"') < html.index('id="curves"') < html.index('id="delta-se"')
    for bench in STUDY:
        at1 = {m: curve(bench, m)[1] for m in ROLES}
        at64 = {m: curve(bench, m)[64] for m in ROLES}
        assert max(at1, key=at1.get) == "rl-zero" and max(at64, key=at64.get) == "base"
        best_k1 = summary_cell(html, bench, "best-k1")
        assert best_k1.startswith(f"rl-zero ({100 * at1['rl-zero']:.1f}%)")
        best_kmax = summary_cell(html, bench, "best-kmax")
        assert best_kmax.startswith(f"k = 64: base ({100 * at64['base']:.1f}%)")


def test_delta_se_and_crossover_in_summary(report: dict[str, Path]) -> None:
    html = report["html"].read_text(encoding="utf-8")
    for bench in STUDY:
        dse = curve(bench, "base")[64] - curve(bench, "rl-zero")[1]
        assert f"rl-zero: {100 * dse:.1f} pts" in summary_cell(html, bench, "dse")
        ck = first_crossing(bench, "rl-zero", "base")
        assert ck is not None and 1 < ck <= 64
        assert f"base overtakes rl-zero at k = {ck}" in summary_cell(html, bench, "crossover")


def test_one_embedded_figure_per_benchmark(report: dict[str, Path]) -> None:
    html = report["html"].read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(uris) == len(STUDY)
    for uri, bench in zip(uris, STUDY):
        svg = base64.b64decode(uri).decode("utf-8")
        assert "<svg" in svg and svg.rstrip().endswith("</svg>")
        assert svg == report[f"svg:{bench}"].read_text(encoding="utf-8")


def test_png_figures_are_valid(report: dict[str, Path]) -> None:
    pngs = sorted(p for key, p in report.items() if key.startswith("png:"))
    assert [p.name for p in pngs] == sorted(f"passk_{b}.png" for b in STUDY)
    for p in pngs:
        data = p.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 8_000
        assert p.parent.name == "figures"
        assert p.with_suffix(".svg").exists()


def test_summary_md_has_delta_se_row(report: dict[str, Path]) -> None:
    md = report["summary_md"].read_text(encoding="utf-8")
    section = md.split("## Sampling-efficiency gap (ΔSE)")[1].split("## ")[0]
    for bench in STUDY:
        dse = curve(bench, "base")[64] - curve(bench, "rl-zero")[1]
        rows = [ln for ln in section.splitlines() if f"`{bench}`" in ln and "`rl-zero`" in ln]
        assert len(rows) == 1
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert cells[6] == f"{100 * dse:.1f}"
        assert cells[5] == f"{100 * curve(bench, 'rl-zero')[1]:.1f}"
    assert "## Per-benchmark results" in md
    assert md.index("## Headline") < md.index("## Sampling-efficiency gap")


def test_output_is_deterministic(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", STUDY, ROLES)
    first = write_report(run)
    html1, svg1 = first["html"].read_bytes(), first["svg:toy_math"].read_bytes()
    png1 = first["png:toy_math"].read_bytes()
    second = write_report(run)
    assert second["html"].read_bytes() == html1
    assert second["svg:toy_math"].read_bytes() == svg1
    assert second["png:toy_math"].read_bytes() == png1


def test_single_model_study_without_optional_tables(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", {"toy_math": {"base": STUDY["toy_math"]["base"]}}, {"base": "base"}, base=None)
    assert not (run / "delta_se.csv").exists()
    (run / "paired.csv").write_text("")  # an empty file is as good as a missing one
    paths = write_report(run)
    html = paths["html"].read_text(encoding="utf-8")
    assert summary_cell(html, "toy_math", "best-k1").startswith("base (")
    assert "No ΔSE" in html
    assert paths["png:toy_math"].read_bytes()[:8] == PNG_MAGIC
    assert "No ΔSE" in paths["summary_md"].read_text(encoding="utf-8")


def test_model_and_benchmark_names_are_escaped(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    bench = 'a/b"<img src=x>'
    study = {bench: {"base": [4] * 10, evil: [40] * 5 + [0] * 5}}
    paths = write_report(write_run(tmp_path / "run", study, {"base": "base", evil: "rl"}))
    html = paths["html"].read_text(encoding="utf-8")
    assert evil not in html and "<img src=x>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    png = paths[f"png:{bench}"]
    assert png.parent == tmp_path / "run" / "figures" and "/" not in png.name[len("passk_") :]
    md = paths["summary_md"].read_text(encoding="utf-8")
    assert f"`{evil}`" in md


def test_missing_passk_is_a_user_error(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", STUDY, ROLES)
    (run / "passk.csv").unlink()
    with pytest.raises(DataError, match="analyse"):
        write_report(run)
