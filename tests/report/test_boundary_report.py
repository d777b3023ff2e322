"""The report's boundary sections (overlap, support, histograms, training series, comparison).

The run directory is made the real way: hand-built verdicts go through analyse_verdicts and
analyse_boundary and are written as CSV, as the analyse stage does. Expected counts are worked
out by hand in the comments. Old runs (no boundary CSVs) must still render, without the sections.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from passbound.metrics.boundary import analyse_boundary
from passbound.metrics.study_tables import analyse_verdicts
from passbound.report import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
RL = "R <b>&"  # a model name that must be escaped everywhere
ODD_ID = "q<1>&"
N = 4
# Solvable (k = n) on "math": B {p1, p3, p5, q}; RL {p1, p2, p5, q}; D {p1, p3}.
# RL vs B: expansion {p2}, shrinkage {p3}; D vs B: expansion none, shrinkage {p5, q}.
COUNTS = {
    "B": {"p1": 2, "p2": 0, "p3": 1, "p4": 0, "p5": 4, ODD_ID: 1},
    RL: {"p1": 4, "p2": 1, "p3": 0, "p4": 0, "p5": 4, ODD_ID: 2},
    "D": {"p1": 1, "p2": 0, "p3": 1, "p4": 0, "p5": 0, ODD_ID: 0},
    "C1": {"p1": 3, "p2": 0, "p3": 1, "p4": 0, "p5": 4, ODD_ID: 1},
    "C2": {"p1": 4, "p2": 0, "p3": 0, "p4": 0, "p5": 4, ODD_ID: 4},
}
MODELS = [
    {"name": "B", "role": "base", "step": None, "base": None},
    {"name": RL, "role": "rl", "step": None, "base": "B"},
    {"name": "D", "role": "distill", "step": None, "base": "B"},
    {"name": "C1", "role": "checkpoint", "step": 10, "base": "B"},
    {"name": "C2", "role": "checkpoint", "step": 20, "base": "B"},
]


def verdicts(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [
        dict(
            model=m,
            benchmark="math",
            problem_id=pid,
            index=i,
            status="pass" if i < c else "fail",
            extracted=str(i % 2),
            verifier_version="v1",
            detail="",
        )
        for m, per in counts.items()
        for pid, c in per.items()
        for i in range(N)
    ]
    return pd.DataFrame(rows)


def make_run(
    run_dir: Path, counts: dict[str, dict[str, int]], models: list[dict], boundary: tuple[str, ...] | None = None
) -> Path:
    """Write the analyse stage's CSVs; ``boundary`` names which boundary tables to keep
    (None: all of them; (): none, like a run analysed before they existed)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    v = verdicts(counts)
    tables = analyse_verdicts(v, models, [1, 2, 4], n_boot=100)
    extra = analyse_boundary(v, models, [1, 2, 4], n_boot=100)
    tables.update({k: t for k, t in extra.items() if boundary is None or k in boundary})
    for name, df in tables.items():
        df.to_csv(run_dir / f"{name}.csv", index=False)
    (run_dir / "manifest.json").write_text(
        json.dumps({"study_name": "boundary", "models": models, "benchmarks": [{"name": "math"}]})
    )
    return run_dir


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def section(html: str, anchor: str) -> str:
    m = re.search(rf'<h2 id="{anchor}">(.*?)(?=<h2 |</main>)', html, re.S)
    assert m, f"no section {anchor}"
    return m.group(1)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_report(make_run(tmp_path_factory.mktemp("run"), COUNTS, MODELS))


def test_sections_present_after_summary(full: dict[str, Path]) -> None:
    html = full["html"].read_text(encoding="utf-8")
    pos = [
        html.index(f'id="{a}"')
        for a in ("summary", "curves", "overlap", "support", "histograms", "series", "algorithms", "results")
    ]
    assert pos == sorted(pos)
    for a in ("overlap", "support", "histograms", "series", "algorithms"):
        assert f'href="#{a}"' in html


def test_summary_lines_say_subset_and_counts(full: dict[str, Path]) -> None:
    html = full["html"].read_text(encoding="utf-8")
    line = re.search(r'<li data-benchmark="math">(.*?)</ul></li>', html, re.S)
    assert line
    text = html_lib.unescape(text_of(line.group(1)))
    assert f"{RL}-solvable ⊆ B-solvable: no (k = n); expansion 1, shrinkage 1 of 6 problems" in text
    assert "D-solvable ⊆ B-solvable: yes (k = n); expansion 0, shrinkage 2 of 6 problems" in text
    md = full["summary_md"].read_text(encoding="utf-8")
    assert "`D`-solvable ⊆ `B`-solvable: yes (k = n); expansion 0, shrinkage 2 of 6 problems" in md
    assert "## Support vs the base (k = n)" in md


def test_overlap_section_lists_ids_escaped(full: dict[str, Path]) -> None:
    html = full["html"].read_text(encoding="utf-8")
    ov = section(html, "overlap")
    assert "<b>&" not in html and "R &lt;b&gt;&amp;" in ov
    assert "q&lt;1&gt;&amp;" in ov and "q<1>" not in html
    rows = re.findall(r"<tr>(.*?)</tr>", ov, re.S)
    d_row = next(r for r in rows if text_of(r).startswith("D vs B"))
    raw = re.findall(r"<td[^>]*>(.*?)</td>", d_row, re.S)
    assert [text_of(c) for c in raw][1:8] == ["base", "6", "2", "0", "2", "2", "yes"]
    assert text_of(raw[8]) == "—"  # D solves nothing B does not
    assert "<summary>2 problems</summary><code>p5 q&lt;1&gt;&amp;</code>" in raw[9]  # B alone


def test_support_and_algorithm_tables(full: dict[str, Path]) -> None:
    html = full["html"].read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", section(html, "support"), re.S)
    d = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", next(r for r in rows if ">D<" in r), re.S)]
    assert d[3:8] == ["6", "2", "0", "2", "2"]  # problems, preserved, expansion, shrinkage, neither
    alg = section(html, "algorithms")
    rows = re.findall(r"<tr>(.*?)</tr>", alg, re.S)
    d = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", next(r for r in rows if ">D<" in r), re.S)]
    # D pass@1 = 2/24; base pass@4 = 4/6; ΔSE = 2/3 - 1/12 = 58.3 pts; base ahead at every k:
    # no crossing ("—", not k = 1)
    assert d[4] == "8.3" and d[5] == "33.3" and d[7].startswith("58.3") and d[8] == "—"
    body = [r for r in rows if "<td" in r]
    first = [text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body[0], re.S)]
    assert first[:3] == ["math", "B", "base"] and first[4:6] == ["33.3", "66.7"]  # 8/24, 4/6


def test_series_table_is_sorted_by_step(full: dict[str, Path]) -> None:
    html = full["html"].read_text(encoding="utf-8")
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", section(html, "series"), re.S) if "<td" in r]
    steps = [text_of(re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[1]) for r in rows]
    models = [text_of(re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)[2]) for r in rows]
    assert steps == ["0", "10", "20"] and models == ["B", "C1", "C2"]


def test_boundary_figures_written_and_embedded(full: dict[str, Path]) -> None:
    for key in ("overlap_png:math", "hist_png", "series_png"):
        data = full[key].read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5_000 and full[key].parent.name == "figures"
    html = full["html"].read_text(encoding="utf-8")
    embedded = [base64.b64decode(u) for u in re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)]
    for key in ("overlap_svg:math", "hist_svg", "series_svg"):
        assert full[key].read_bytes() in embedded
    assert len(embedded) == 4  # pass@k curve + overlap + histogram + series


def test_deterministic_with_boundary_tables(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run", COUNTS, MODELS)
    first = write_report(run)
    blobs = {k: first[k].read_bytes() for k in ("html", "hist_png", "overlap_svg:math", "series_svg")}
    second = write_report(run)
    assert {k: second[k].read_bytes() for k in blobs} == blobs


def test_old_run_without_boundary_tables(tmp_path: Path) -> None:
    paths = write_report(make_run(tmp_path / "run", COUNTS, MODELS, boundary=()))
    html = paths["html"].read_text(encoding="utf-8")
    for a in ("overlap", "support", "histograms", "series", "algorithms"):
        assert f'id="{a}"' not in html and f'href="#{a}"' not in html
    assert "Solvable sets" not in html and 'id="summary"' in html
    assert not any(k.startswith(("overlap_", "hist_", "series_")) for k in paths)
    assert not (tmp_path / "run" / "figures" / "accuracy_hist.png").exists()


def test_overlap_only_still_gives_summary_lines(tmp_path: Path) -> None:
    paths = write_report(make_run(tmp_path / "run", COUNTS, MODELS, boundary=("overlap",)))
    html = paths["html"].read_text(encoding="utf-8")
    assert 'id="overlap"' in html and 'id="support"' not in html and 'id="series"' not in html
    assert "D</span>-solvable ⊆" in html and "expansion 0, shrinkage 2 of 6 problems" in html


def test_single_model_run_has_empty_tables_and_no_sections(tmp_path: Path) -> None:
    paths = write_report(make_run(tmp_path / "run", {"B": COUNTS["B"]}, MODELS[:1]))
    html = paths["html"].read_text(encoding="utf-8")
    assert (tmp_path / "run" / "overlap.csv").stat().st_size > 0  # header only
    assert 'id="overlap"' not in html and "Solvable sets" not in html
    assert 'id="histograms"' in html and "hist_png" in paths  # one model still has a histogram
