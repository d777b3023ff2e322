"""report.html in a real browser: headless Chromium opens it from file:// and must see no console
errors, fetch nothing from the network, and show the summary, a pass@k curve and the drill-down.

The run directory is made the real way (problems, samples and verdict shards in a RunDir, then
the analyse and report stages), from hand-built pass counts whose headline is known: RL wins at
k = 1, the base wins at k = n. Chromium is driven over the Chrome DevTools Protocol (CDP) with
``websocket-client``; CI installs Debian's ``chromium`` (.ci/run), so a missing browser fails the
test instead of skipping it.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _browser import DevTools, headless_chromium
from passbound.config import study_from_dict
from passbound.stages.analyse import analyse_run
from passbound.stages.report import report_run
from passbound.store import RunDir
from passbound.store.rundir import samples_to_table, verdicts_to_table
from passbound.types import Problem, Sample, Verdict

N = 8
# Passes out of N per problem. pass@1: base 12/48 = 25.0%, rl 24/48 = 50.0%.
# Solvable (k = n): base {p1..p5}, rl {p1, p2, p6}: rl wins at k = 1, base wins at k = 8.
PASSES = {
    "base": {"p1": 2, "p2": 2, "p3": 2, "p4": 2, "p5": 4, "p6": 0},
    "rl": {"p1": 8, "p2": 8, "p3": 0, "p4": 0, "p5": 0, "p6": 8},
}


def build_run(root: Path) -> Path:
    """A complete run directory: study, manifest, problems, samples and verdicts, analysed and
    reported by the real stages."""
    study = study_from_dict(
        {
            "name": "browser",
            "output": str(root),
            "models": [
                {"name": "base", "path": "x", "role": "base"},
                {"name": "rl", "path": "y", "role": "rl", "base": "base"},
            ],
            "benchmarks": [{"name": "toy"}],
            "sampling": {"n": N, "chunk_size": 16},
            "analysis": {"bootstrap": 200},
        }
    )
    run = RunDir(root)
    problems = [Problem(pid, "toy", f"What is {i} + {i}?", str(2 * i)) for i, pid in enumerate(PASSES["base"], start=1)]
    run.write_problems("toy", problems)
    run.write_manifest(
        {
            "study_name": "browser",
            "passbound_version": "test",
            "models": [
                {"name": m.name, "role": m.role, "base": m.base, "step": m.step, "path": m.path, "engine": m.engine}
                for m in study.models
            ],
            "benchmarks": [{"name": "toy", "n_problems": len(problems)}],
            "sampling": {"n": N, "temperature": 0.6, "seed": 0},
            "k": study.k_grid,
        }
    )
    (root / "study.toml").write_text('name = "browser"\n', encoding="utf-8")
    targets = {p.id: p.target for p in problems}
    for model, passes in PASSES.items():
        samples, verdicts = [], []
        for pid, c in passes.items():
            for j in range(N):
                ok = j < c
                answer = targets[pid] if ok else "7"
                samples.append(Sample(model, "toy", pid, j, f"Adding: \\boxed{{{answer}}} <ok>", "stop", 12, j, -3.0))
                verdicts.append(
                    Verdict(
                        model,
                        "toy",
                        pid,
                        j,
                        "pass" if ok else "fail",
                        answer,
                        "math-1",
                        "" if ok else f"expected {targets[pid]}",
                    )
                )
        run.write_shard("samples", model, "toy", 0, samples_to_table(samples))
        run.write_shard("verdicts", model, "toy", 0, verdicts_to_table(verdicts))
    analyse_run(study, run)
    report_run(run)
    return root / "report.html"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A headless Chromium with remote debugging; yields the page target's websocket URL."""
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as ws_url:
        yield ws_url


@pytest.fixture(scope="module")
def page(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Open report.html, collect events, take screenshots and read the DOM facts tests check."""
    out = tmp_path_factory.mktemp("browser")
    html = build_run(out / "run")
    cdp = DevTools(chromium)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            cdp.call(f"{domain}.enable")
        cdp.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
        cdp.call("Page.navigate", url=html.as_uri())
        cdp.wait_for("Page.loadEventFired")
        # Let images decode and late console messages arrive before reading anything.
        cdp.evaluate("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
        time.sleep(0.5)
        cdp.call("Runtime.evaluate", expression="1")  # drains events that arrived meanwhile
        shot = base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"])
        (out / "report-top.png").write_bytes(shot)
        height = cdp.evaluate("document.documentElement.scrollHeight")
        full = base64.b64decode(
            cdp.call(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1},
            )["data"]
        )
        (out / "report-full.png").write_bytes(full)
        dom = cdp.evaluate("""(() => {
          const q = s => document.querySelector(s);
          const text = s => (q(s) ? q(s).innerText : null);
          const curve = q('figure.passk img');
          const summary = q('#summary');
          const dd = q('section#drilldown');
          return {
            title: document.title,
            firstH2: (document.querySelector('h2') || {}).id || null,
            summaryTop: summary ? summary.getBoundingClientRect().top : null,
            viewport: window.innerHeight,
            bestK1: text('#summary ~ table td.best-k1'),
            bestKmax: text('#summary ~ table td.best-kmax'),
            crossover: text('#summary ~ table td.crossover'),
            dse: text('#summary ~ table td.dse'),
            summaryText: (() => {
              let t = '', el = summary ? summary.nextElementSibling : null;
              while (el && el.tagName !== 'H2' && !(el.querySelector && el.querySelector('h2'))) {
                t += el.innerText + '\\n'; el = el.nextElementSibling; }
              return t; })(),
            curve: curve ? {src: curve.getAttribute('src').slice(0, 25),
                            width: curve.naturalWidth, shown: curve.getBoundingClientRect().width,
                            alt: curve.alt} : null,
            drilldown: dd ? {text: dd.innerText.slice(0, 4000),
                             height: dd.getBoundingClientRect().height} : null,
            external: [...document.querySelectorAll('script[src], link[href], iframe, object, embed, img, source')]
              .map(e => e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('data') || '')
              .filter(u => !u.startsWith('data:') && !u.startsWith('#')),
            overflowX: document.documentElement.scrollWidth > window.innerWidth,
          };
        })()""")
    finally:
        cdp.close()
    return {"dir": out, "shot": shot, "full": full, "dom": dom, "events": cdp.events, "html": html}


def _png_pixels(data: bytes) -> tuple[tuple[int, int], int, float]:
    """(size, number of distinct colours, share of near-white pixels) of a PNG."""
    import numpy as np
    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    px = np.asarray(img).reshape(-1, 3)
    colours = len(np.unique(px[::7], axis=0))
    return img.size, colours, float((px.min(axis=1) >= 245).mean())


def test_no_console_errors(page: dict[str, Any]) -> None:
    errors = []
    for e in page["events"]:
        p = e.get("params", {})
        if e["method"] == "Runtime.exceptionThrown":
            errors.append(p["exceptionDetails"].get("text"))
        elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            errors.append([a.get("value") for a in p.get("args", [])])
        elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            errors.append(f"{p['entry'].get('source')}: {p['entry'].get('text')} ({p['entry'].get('url', '')})")
    assert errors == []


def test_everything_is_inline(page: dict[str, Any]) -> None:
    # Scripts and styles inline, images as data: URIs: the file works when mailed around.
    assert page["dom"]["external"] == []


def test_no_network_requests(page: dict[str, Any]) -> None:
    urls = [e["params"]["request"]["url"] for e in page["events"] if e["method"] == "Network.requestWillBeSent"]
    assert page["html"].as_uri() in urls  # the monitor saw the page itself load
    outside = [u for u in urls if not u.startswith(("file://", "data:"))]
    assert outside == []
    failed = [e["params"] for e in page["events"] if e["method"] == "Network.loadingFailed"]
    assert failed == []


def test_screenshot_is_not_blank(page: dict[str, Any]) -> None:
    size, colours, white = _png_pixels(page["shot"])
    assert size == (1280, 900)
    assert colours > 50 and 0.3 < white < 0.995  # text and a figure on a white page
    full_size, _, _ = _png_pixels(page["full"])
    assert full_size[1] > 900  # the report is longer than one screen
    assert (page["dir"] / "report-top.png").stat().st_size > 10_000


def test_summary_comes_first_and_says_who_wins(page: dict[str, Any]) -> None:
    dom = page["dom"]
    assert dom["title"] == "passbound: browser"
    assert dom["firstH2"] == "summary" and dom["summaryTop"] < dom["viewport"]
    assert dom["bestK1"].startswith("rl (50.0%), ahead of base (25.0%)")
    # pass@8 = share of problems solved at all: base 5/6 = 83.3%, rl 3/6 = 50.0%
    assert "k = 8:" in dom["bestKmax"] and "base (83.3%), ahead of rl (50.0%)" in dom["bestKmax"]
    assert "base overtakes rl at k = " in dom["crossover"]
    # ΔSE = base pass@8 − rl pass@1 = 83.3 − 50.0 = 33.3 pts
    assert dom["dse"].startswith("rl: 33.3 pts")
    text = dom["summaryText"]
    assert "rl-solvable ⊆ base-solvable: no" in text  # rl alone solves p6
    assert "expansion 1, shrinkage 3 of 6 problems: boundary shifted (net −2)" in text
    assert not dom["overflowX"]  # nothing wider than the window


def test_a_passk_curve_is_drawn(page: dict[str, Any]) -> None:
    curve = page["dom"]["curve"]
    assert curve is not None, "no <figure class=passk> image"
    assert curve["src"] == "data:image/svg+xml;base64"
    assert curve["width"] > 100 and curve["shown"] > 300  # decoded and laid out, not a broken image
    assert "toy" in curve["alt"]


def test_drilldown_section_is_there(page: dict[str, Any]) -> None:
    dd = page["dom"]["drilldown"]
    assert dd is not None, "report.html has no <section id=drilldown>"
    assert dd["height"] > 0 and "p6" in dd["text"]  # the problem only rl solves is listed
