"""The drill-down page in headless Chromium: filter, record verdicts, export, and import with the CLI.

Closes the loop a reviewer walks through: open report.html from file://, tick "hard problems
only", mark a sample invalid, press "Export verdicts", and feed the downloaded JSON to
`passbound annotate --import`. The download is caught by replacing URL.createObjectURL and the
link's click (the page's own code builds the Blob). Chromium is Debian's (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from _cot_data import make_run

from passbound.cli import main
from passbound.cot import annotations
from passbound.stages import analyse_run, report_run, study_of_run

CHROMIUM = os.environ.get("PASSBOUND_CHROMIUM", "/usr/bin/chromium")


class Page:
    """Just enough of the Chrome DevTools Protocol: evaluate JS, keep console/exception events."""

    def __init__(self, ws_url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.n, self.events = 0, []  # type: ignore[var-annotated]

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                assert "error" not in msg, msg["error"]
                return msg.get("result", {})
            self.events.append(msg)

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in res, res["exceptionDetails"]
        return res["result"].get("value")


@pytest.fixture()
def browser(tmp_path: Path) -> Any:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` or set PASSBOUND_CHROMIUM")
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-background-networking", "--disable-extensions", f"--user-data-dir={profile}",
                             "--remote-debugging-port=0", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, "Chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as resp:
            target = next(t for t in json.load(resp) if t.get("type") == "page")
        page = Page(target["webSocketDebuggerUrl"])
        yield page
        page.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_mark_export_and_import_round_trip(tmp_path: Path, browser: Page) -> None:
    run = make_run(tmp_path / "run")
    analyse_run(study_of_run(run), run)
    html = report_run(run)["html"]
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=html.as_uri())
    for _ in range(100):
        if browser.js("document.readyState") == "complete":
            break
        time.sleep(0.1)
    visible = "[...document.querySelectorAll('#drilldown details.dd-problem')].filter(d => d.offsetParent).map(d => d.dataset.problem)"
    assert browser.js(visible) == ["p2", "p3", "p4", "p1"]
    browser.js("const b = document.getElementById('dd-hard-only'); b.checked = true; b.dispatchEvent(new Event('change'))")
    assert browser.js(visible) == ["p2", "p3"]
    browser.js("""(() => {
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
    assert browser.js("window.__names") == ["verdicts.json"]
    assert "2 verdict(s) recorded" in browser.js("document.getElementById('dd-count').textContent")
    assert browser.js("document.querySelector('.dd-sample[data-model=\"R\"][data-problem=\"p3\"][data-index=\"1\"] "
                      "button[aria-pressed=\"true\"]').dataset.verdict") == "invalid"
    exported = json.loads(browser.js("window.__blobs[0].text()"))
    assert exported["format"] == "passbound-cot-verdicts" and len(exported["verdicts"]) == 2
    errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert errors == []

    export = tmp_path / "verdicts.json"
    export.write_text(json.dumps(exported))
    main(["annotate", str(run.path), "--import", str(export)])
    got = {k: (r["verdict"], r["note"]) for k, r in annotations.latest(run).items()}
    assert got == {("R", "math", "p3", 1): ("invalid", "skips a step"), ("B", "math", "p2", 0): ("valid", "")}
