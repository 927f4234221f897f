"""The HTML report in a real browser (Debian's chromium, driven by Playwright with
`executable_path`; nothing is downloaded): every chart is drawn, no script fails, no request
leaves the file, and printing gives A4 pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import politburo.cli_explain as cx
from politburo.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser")
    mp = pytest.MonkeyPatch()
    mp.setattr(cx, "REPORT_REPLICATES", 40)
    mp.setattr(cx, "REPORT_ENSEMBLE", 100)
    try:
        res = CliRunner().invoke(app, ["whatif", "--factor", "funeral=off", "-n", "60", "--workers", "1",
                                       "--store", str(out / "store"), "--report", str(out / "r.html")])
    finally:
        mp.undo()
    assert res.exit_code == 0, res.output
    return out / "r.html"


def test_report_draws_every_chart_without_errors_or_network(report: Path) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("request", lambda req: requests.append(req.url) if not req.url.startswith(("file:", "data:"))
                    else None)
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            charts = page.locator("div.js-plotly-plot")
            n = charts.count()
            drawn = page.locator("div.js-plotly-plot .main-svg").count()
            bars = page.locator("div.js-plotly-plot g.point").count()
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert errors == []
    assert requests == []
    # whatif: leaders, differences, victory years; plus attribution, one-at-a-time, inevitability, winners
    assert n >= 7
    assert drawn >= n  # each chart has drawn its SVG
    assert bars > 20
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
