"""Reports: the self-contained HTML report (plotly.js inline, printable on A4) and the PNG chart,
written by `--report` and `--plot` from small real experiments run through the CLI."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import politburo.cli_explain as cx
from politburo import report as rp
from politburo.cli import app

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"
COMMON = ("About this experiment", "Attribution", "One-at-a-time effects", "Inevitability", "Who wins",
          "A sample run", "Chronicle")
CLAIMS = """title = "A tiny essay"
[[claims]]
id = "testament"
text = "Had the Testament been read out, Stalin would not have won."
factors_off = ["testament"]
expect = "lower"

[[claims]]
id = "position"
text = "Position was the main reason."
kind = "main_reason"
player = "position"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One results store for the module: the report's own explain and inevitability runs are shared."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture(autouse=True)
def small_reports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(cx, "REPORT_REPLICATES", 40)
    monkeypatch.setattr(cx, "REPORT_ENSEMBLE", 100)
    yield


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def run_json(store: Path, out: Path, *args: str, plot: bool = True) -> tuple[dict[str, Any], str, Path | None]:
    """Run a command with --json, --report (and --plot); return the result, the HTML and the PNG path."""
    report = out / "report.html"
    png = out / "chart.png" if plot else None
    extra = ["--plot", str(png)] if png else []
    res = cli(*args, "--workers", "1", "--store", str(store), "--json", "--report", str(report), *extra)
    assert res.exit_code == 0, res.output
    assert "Wrote the report to" in res.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(["report.html", *(["chart.png"] if png else [])])
    return json.loads(res.stdout), report.read_text(encoding="utf-8"), png


def check_html(page: str, result: dict[str, Any], headings: tuple[str, ...]) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script src" not in page.lower() and "<link" not in page.lower()
    assert re.search(r"@import|url\(\s*['\"]?https?:", page) is None
    assert "plotly.js v" in page and len(page) > 1_000_000  # the library itself, inline
    assert re.search(r"@page\s*\{\s*size:\s*A4", page)
    assert "page-break-inside: avoid" in page
    assert html.escape(result["verdict"]) in page
    for heading in headings:
        assert f"<h2>{html.escape(heading)}</h2>" in page or f"<h3>{html.escape(heading)}</h3>" in page, heading
    assert result["experiment"] in page
    assert page.count("Plotly.newPlot(") >= 4


def check_png(path: Path | None) -> None:
    assert path is not None
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 10_000


def test_explain_report_and_plot_with_uncertainty(store: Path, tmp_path: Path) -> None:
    result, page, png = run_json(store, tmp_path, "explain", "-n", "40", "--uncertainty", "2", "--prior")
    check_html(page, result, (*COMMON, "Parameter uncertainty"))
    assert html.escape(result["uncertainty"]["verdict"]) in page
    for p in result["players"]:
        assert html.escape(p["label"]) in page
    assert "chart-attribution" in page and "chart-one-at-a-time" in page and "chart-inevitability" in page
    check_png(png)


def test_whatif_report_and_plot(store: Path, tmp_path: Path) -> None:
    result, page, png = run_json(store, tmp_path, "whatif", "--factor", "testament=off", "-n", "40")
    check_html(page, result, (*COMMON, "History against the counterfactual"))
    assert "chart-whatif-difference" in page
    if result["victory_years"]:
        assert "<h2>Year of victory</h2>" in page
    for row in result["leaders"]:
        assert html.escape(row["name"]) in page
    check_png(png)


def test_inevitability_report_and_plot(store: Path, tmp_path: Path) -> None:
    result, page, png = run_json(store, tmp_path, "inevitability", "-n", "6", "--futures", "3", "--every", "12")
    check_html(page, result, COMMON)
    for c in result["curve"]:
        assert c["date"] in page
    # The main result comes first: the curve before the attribution the report adds.
    assert page.index("<h2>Inevitability</h2>") < page.index("<h2>Attribution</h2>")
    check_png(png)


def test_claims_report_colours_verdicts(store: Path, tmp_path: Path) -> None:
    claims = tmp_path / "claims.toml"
    claims.write_text(CLAIMS, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result, page, _ = run_json(store, out, "claims", str(claims), "-n", "40", plot=False)
    check_html(page, result, (*COMMON, "Claims"))
    for c in result["claims"]:
        colour = rp.VERDICT_COLOURS.get(c["verdict"], rp.UNCLEAR_COLOUR)
        assert f'style="color:{colour}">{html.escape(c["verdict"])}</span>' in page
        assert html.escape(c["estimate"]) in page
    png = tmp_path / "claims.png"
    rp.write_plot(result, png)
    check_png(png)


def test_report_escapes_text_and_needs_no_extras(tmp_path: Path) -> None:
    res = cli("explain", "-n", "20", "--workers", "1", "--store", str(tmp_path / "store"), "--json")
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    result["players"][0]["label"] = "<script>alert('x')</script>"
    result["verdict"] = "A & B <b>bold</b>"
    path = tmp_path / "bare.html"
    rp.write_report(result, path, None)
    page = path.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "A &amp; B &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<h2>Attribution</h2>" in page and "<h2>Who wins</h2>" not in page
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("option, name", [("--report", "r.html"), ("--plot", "p.png")])
def test_output_in_a_missing_folder_is_one_error_line(tmp_path: Path, option: str, name: str) -> None:
    target = tmp_path / "missing" / name
    res = cli("explain", "-n", "20", "--workers", "1", "--store", str(tmp_path / "store"), option, str(target))
    assert res.exit_code == 2, res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"politburo: {option}: "), res.stderr
    assert "Traceback" not in res.stderr
    assert not target.exists() and not target.parent.exists()
