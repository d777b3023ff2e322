"""The drill-down page in headless Chromium: filter, record verdicts, export, and import with the CLI.

Closes the loop a reviewer walks through: open report.html from file://, tick "hard problems
only", mark a sample invalid, press "Export verdicts", and feed the downloaded JSON to
`passbound annotate --import`. The download is caught by replacing URL.createObjectURL and the
link's click (the page's own code builds the Blob). Chromium is Debian's (.ci/run installs it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cot_data import make_run

from _browser import DevTools, headless_chromium
from passbound.cli import main
from passbound.cot import annotations
from passbound.stages import analyse_run, report_run, study_of_run


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[DevTools]:
    with headless_chromium(tmp_path / "profile") as ws_url:
        page = DevTools(ws_url)
        yield page
        page.close()


def test_mark_export_and_import_round_trip(tmp_path: Path, browser: DevTools) -> None:
    run = make_run(tmp_path / "run")
    analyse_run(study_of_run(run), run)
    html = report_run(run)["html"]
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=html.as_uri())
    for _ in range(100):
        if browser.evaluate("document.readyState") == "complete":
            break
        time.sleep(0.1)
    visible = "[...document.querySelectorAll('#drilldown details.dd-problem')].filter(d => d.offsetParent).map(d => d.dataset.problem)"
    assert browser.evaluate(visible) == ["p2", "p3", "p4", "p1"]
    browser.evaluate(
        "const b = document.getElementById('dd-hard-only'); b.checked = true; b.dispatchEvent(new Event('change'))"
    )
    assert browser.evaluate(visible) == ["p2", "p3"]
    browser.evaluate("""(() => {
      window.__blobs = []; window.__names = [];
      URL.createObjectURL = b => { window.__blobs.push(b); return 'blob:captured'; };
      URL.revokeObjectURL = () => {};
      HTMLAnchorElement.prototype.click = function () { window.__names.push(this.download); };
      const s = document.querySelector('.dd-sample[data-model="R"][data-problem="p3"][data-index="1"]');
      s.closest('details').open = true;
      s.querySelector('button[data-verdict="valid"]').click();
      s.querySelector('button[data-verdict="invalid"]').click();   // changed mind: the last click counts
      s.querySelector('input.dd-note').value = 'skips a step';
      document.querySelector('.dd-sample[data-model="B"][data-problem="p2"] button[data-verdict="valid"]').click();
      document.getElementById('dd-export').click();
    })()""")
    assert browser.evaluate("window.__names") == ["verdicts.json"]
    assert "2 verdict(s) recorded" in browser.evaluate("document.getElementById('dd-count').textContent")
    assert (
        browser.evaluate(
            "document.querySelector('.dd-sample[data-model=\"R\"][data-problem=\"p3\"][data-index=\"1\"] "
            "button[aria-pressed=\"true\"]').dataset.verdict"
        )
        == "invalid"
    )
    exported = json.loads(browser.evaluate("window.__blobs[0].text()"))
    assert exported["format"] == "passbound-cot-verdicts" and len(exported["verdicts"]) == 2
    errors = [
        e
        for e in browser.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert errors == []

    export = tmp_path / "verdicts.json"
    export.write_text(json.dumps(exported))
    main(["annotate", str(run.path), "--import", str(export)])
    got = {k: (r["verdict"], r["note"]) for k, r in annotations.latest(run).items()}
    assert got == {("R", "math", "p3", 1): ("invalid", "skips a step"), ("B", "math", "p2", 0): ("valid", "")}
