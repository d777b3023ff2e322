"""report.html's CoT sections: drill-down (hard first, escaped, export button) and CoT-pass@k next to pass@k."""

from __future__ import annotations

import re

import pytest
from _cot_data import EXPECTED_ORDER, LONG_MARK, make_run

from passbound.cli import main
from passbound.cot.judge import _commit
from passbound.stages import analyse_run, report_run, study_of_run


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    run = make_run(tmp_path_factory.mktemp("cot") / "run")
    _commit(
        run,
        "R",
        "math",
        [
            dict(
                model="R",
                benchmark="math",
                problem_id="p3",
                index=i,
                judgment=j,
                judge="t",
                template="t",
                output="",
                time="",
            )
            for i, j in ((0, "valid"), (1, "invalid"))
        ],
    )
    main(
        [
            "annotate",
            str(run.path),
            "--model",
            "B",
            "--benchmark",
            "math",
            "--problem",
            "p2",
            "--index",
            "0",
            "--verdict",
            "invalid",
            "--note",
            "a <guess>",
        ]
    )
    analyse_run(study_of_run(run), run)
    return report_run(run)["html"].read_text(encoding="utf-8")


def section(html: str, anchor: str) -> str:
    m = re.search(rf'<section id="{anchor}"[^>]*>(.*?)</section>', html, re.S)
    assert m, f"no section#{anchor}"
    return m.group(1)


def test_drilldown_lists_hard_problems_first_with_controls(html: str) -> None:
    dd = section(html, "drilldown")
    order = re.findall(r'<details class="dd-problem" data-hard="(\d)" data-benchmark="math" data-problem="([^"]+)"', dd)
    assert [p for _, p in order] == EXPECTED_ORDER
    assert [h for h, _ in order] == ["1", "1", "0", "0"]
    assert '<input type="checkbox" id="dd-hard-only">' in dd
    assert '<button type="button" id="dd-export">Export verdicts</button>' in dd
    assert "at most 50 problems per benchmark, 3 correct samples per model" in dd
    assert '<a href="#drilldown">' in html and '<a href="#cot-passk">' in html


def test_drilldown_escapes_truncates_and_shows_recorded_verdicts(html: str) -> None:
    dd = section(html, "drilldown")
    assert LONG_MARK not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in dd
    assert "characters cut" in dd and "(text cut)" in dd
    b_p2 = re.search(
        r'<div class="dd-sample" data-model="B" data-benchmark="math" data-problem="p2" data-index="0"'
        r' data-human="invalid">(.*?)</pre>',
        dd,
        re.S,
    )
    assert b_p2, "B's sample on p2 should carry its human verdict"
    assert 'data-verdict="invalid" aria-pressed="true"' in b_p2.group(1) and "note: a &lt;guess&gt;" in b_p2.group(1)
    assert "judge: <b>invalid</b>" in dd  # R p3#1
    # 3 samples per model at most: p1 has 8 correct per model
    p1 = dd[dd.index('data-problem="p1"') :]
    assert p1.count('class="dd-sample"') == 6 and "5 more correct sample(s) not shown" in p1
    # one inline script, fetching nothing
    assert html.count("<script>") == 1 and "fetch(" not in html and "http" not in html.split("<script>")[1]
    assert "new Blob(" in html and "a.download" in html


def test_cot_passk_table_next_to_pass_at_k(html: str) -> None:
    cot = section(html, "cot-passk")
    assert "CoT-pass@k" in cot and "judged (%)" in cot
    # k=1, over p1 p2 p3 p4 p10 with n=8: B plain (8+1+0+4+0)/40 = 32.5%; B's only verdict is the human
    # "invalid" on p2#0 and its other correct samples are unjudged -> CoT 0.0%. R plain (8+0+2+6+0)/40 =
    # 40.0%; the judge says p3#0 valid, p3#1 invalid, the rest unjudged -> CoT 1/40 = 2.5%.
    row = re.search(r'<tr><td class="n">1</td>(.*?)</tr>', cot, re.S)
    assert row
    cells = re.findall(r'<td class="n">([0-9.]+)', row.group(1))
    assert cells[:4] == ["32.5", "0.0", "40.0", "2.5"]  # B pass@1, B CoT, R pass@1, R CoT


def test_report_reads_the_stored_drilldown_and_never_recomputes_it(tmp_path) -> None:
    """write_report renders drilldown.json as the report stage stored it: edit the table and the page
    follows; delete it and the page says how to write it (the report reads, it does not compute)."""
    import json

    from passbound.report import write_report

    run = make_run(tmp_path / "run")
    analyse_run(study_of_run(run), run)
    report_run(run)
    table = run.path / "drilldown.json"
    records = json.loads(table.read_text(encoding="utf-8"))
    records[0]["models"][0]["samples"][0]["text"] = "MARKER-FROM-THE-TABLE"
    table.write_text(json.dumps(records), encoding="utf-8")
    assert "MARKER-FROM-THE-TABLE" in write_report(run.path)["html"].read_text(encoding="utf-8")
    table.unlink()
    html = write_report(run.path)["html"].read_text(encoding="utf-8")
    assert "no drill-down table yet" in html and "MARKER" not in html
    table.write_text("{not json", encoding="utf-8")
    assert "could not be read" in write_report(run.path)["html"].read_text(encoding="utf-8")
