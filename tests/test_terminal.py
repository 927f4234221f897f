"""Output that any terminal can show.

On a stream that cannot encode a character (Latin-1, ASCII, the C locale) every command degrades
to characters the stream can encode, with the same figures as its JSON; on a narrow terminal no
figure is cut and no column vanishes; a name from a scenario prints exactly as written, markup and
all. The commands run in subprocesses, as a user's terminal would run them."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from typer.testing import CliRunner

from politburo.cli import app
from politburo.terminal import ERRORS, Bar, Cell, Col, Terminal, fit

REPO = Path(__file__).resolve().parents[1]
TUTORIAL = REPO / "src" / "politburo" / "scenarios" / "tutorial.toml"
ESSAY = REPO / "claims" / "essay.toml"
# A leader's name with a letter outside Latin-1, one inside it, Rich markup and an emoji code.
NAME = "Ł[b]x[/b]ó :fire:"
ELLIPSIS = ("\u2026", "...")

LATIN1 = {"PYTHONIOENCODING": "latin-1"}
ASCII = {"PYTHONIOENCODING": "ascii"}
C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
UTF8 = {"PYTHONIOENCODING": "utf-8"}
ENCODING = {"latin-1": LATIN1, "ascii": ASCII, "C locale": C_LOCALE}

runner = CliRunner()


# ------------------------------------------------------------------ helpers


def politburo(*args: str, env: dict[str, str], columns: int = 160) -> subprocess.CompletedProcess[bytes]:
    """The command in a fresh process, with this checkout's package, the given locale/encoding
    variables (and no others inherited) and a terminal `columns` wide."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONIOENCODING", "LC_ALL", "LC_CTYPE", "LANG", "PYTHONUTF8", "PYTHONCOERCECLOCALE")}
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "src"), environ.get("PYTHONPATH")) if p)
    environ["COLUMNS"] = str(columns)
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "politburo", *args], capture_output=True, env=environ,
                          timeout=600, check=False)


def clean(proc: subprocess.CompletedProcess[bytes], encoding: str, code: int = 0) -> tuple[str, str]:
    """stdout and stderr, after checking the exit code, that there is no traceback and that both
    streams hold only what `encoding` can encode (decoding would fail otherwise)."""
    stderr = proc.stderr.decode(encoding)
    assert proc.returncode == code, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    return proc.stdout.decode(encoding), stderr


def json_of(*args: str) -> Any:
    """A command's --json result, computed in this process (the reference the text must match)."""
    res = runner.invoke(app, [*args, "--json"], env={"COLUMNS": "160"})
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.stdout)


@functools.cache
def ensemble_json(scenario: str = "soviet-1924") -> Any:
    return json_of("ensemble", "--scenario", scenario, "--runs", "50", "--seed", "0")


@functools.cache
def run_json(scenario: str = "soviet-1924") -> Any:
    return json_of("run", "--scenario", scenario, "--seed", "1")


def whole(figure: str, text: str) -> bool:
    """Whether `figure` appears in `text` whole: not as a part of a longer number."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d])", text) is not None


def section(text: str, start: str, end: str | None = None) -> str:
    """The text from the line holding `start` up to the first line holding `end` after it."""
    lines = text.splitlines()
    first = next(k for k, line in enumerate(lines) if start in line)
    last = next((k for k in range(first + 1, len(lines)) if end is not None and end in lines[k]), len(lines))
    return "\n".join(lines[first:last])


def rows(text: str, labels: Sequence[str]) -> dict[str, str]:
    """Each label's part of a table in `text` (table or stacked layout): from the line where the
    label stands as a whole cell or heading to the line where the next label does."""
    lines = text.splitlines()
    found: list[int] = []
    for label in labels:
        pattern = re.compile(rf"(^|[\s│┃|:]){re.escape(label)}(?=[\s│┃|]|$)")
        start = found[-1] + 1 if found else 0
        found.append(next(k for k in range(start, len(lines)) if pattern.search(lines[k])))
    ends = found[1:] + [len(lines)]
    return {label: "\n".join(lines[a:b]) for label, a, b in zip(labels, found, ends, strict=True)}


def ensemble_figures(data: dict[str, Any], dash: str) -> dict[str, list[str]]:
    """What the Who-wins table must show for each row, from the JSON."""
    out: dict[str, list[str]] = {}
    for key, r in data["win_rates"].items():
        figures = [f"{int(r['count']):,}", f"{r['rate']:.1%}", f"{100 * r['low']:.1f}{dash}{100 * r['high']:.1f}%"]
        if key in data["win_rates_by_decisive_date"]:
            figures.append(f"{data['win_rates_by_decisive_date'][key]:.1%}")
        if data["median_victory"].get(key):
            figures.append(data["median_victory"][key])
        out["no one" if key == "nobody" else key] = figures
    return out


def check_ensemble(text: str, data: dict[str, Any], dash: str) -> None:
    """Every figure of the JSON is in the text, whole and in its own row; nothing is cut."""
    for mark in ELLIPSIS:
        assert mark not in text
    expected = ensemble_figures(data, dash)
    order = sorted(data["win_rates"], key=lambda k: (k == "nobody", -data["win_rates"][k]["rate"]))
    labels = ["no one" if k == "nobody" else k for k in order]
    table = rows(section(text, "Who wins", "Win rates"), labels)
    for label in labels:
        for figure in expected[label]:
            assert whole(figure, table[label]), (label, figure, table[label])
    chart = rows(section(text, "Win rates", "elimination orders"), labels)
    for label in labels:
        assert whole(expected[label][1], chart[label]), (label, chart[label])
    orders = section(text, "elimination orders")
    for row in data["elimination_orders"]:
        assert whole(f"{row['runs'] / data['runs']:.1%}", orders), row
        for name in row["order"].split(" > "):
            assert all(word in orders for word in name.split()), (name, orders)


def check_run(text: str, data: dict[str, Any], encoding: str) -> None:
    for mark in ELLIPSIS:
        assert mark not in text
    lines = text.splitlines()
    for entry in data["chronicle"]:
        assert fit(f"{entry['date']} \u2014 {entry['text']}", encoding) in lines
    standings = rows(section(text, "Final standings", " won in "), [s["leader"] for s in data["standings"]])
    for s in data["standings"]:
        part = standings[s["leader"]]
        for figure in (f"{s['prestige']:.2f}", f"{s['heir_legitimacy']:.2f}", f"{s['committee_share']:.0%}"):
            assert whole(figure, part), (s, part)
        for word in s["status"].split() + [w for office in s["offices"] for w in office.split()]:
            assert word in part, (word, part)
    if data["winner"]:
        assert f"{data['winner']} won in " in text


# ------------------------------------------------------------------ the fallback rule


@pytest.mark.parametrize(("text", "encoding", "shown"), [
    ("58.2\u201371.3%", "ascii", "58.2-71.3%"),
    ("January 1924 \u2014 Lenin dies.", "latin-1", "January 1924 - Lenin dies."),
    ("+38.0 \u00b1 8.2", "latin-1", "+38.0 \u00b1 8.2"),
    ("+38.0 \u00b1 8.2", "ascii", "+38.0 +/- 8.2"),
    ("Jun 1930 \u2192 Sep 1930", "ascii", "Jun 1930 -> Sep 1930"),
    ("\u2265 90%\u2026", "ascii", ">= 90%..."),
    ("\u2588\u2588\u258c", "ascii", "###"),
    ("\u250f\u2501\u2533\u2513", "ascii", "+-++"),
    ("\u0141ukasz", "latin-1", "\\u0141ukasz"),
    ("\u0141[b]x[/b]\u00f3", "ascii", "\\u0141[b]x[/b]\\xf3"),
    ("\u0411\u0443\u0445\u0430\u0440\u0438\u043d", "latin-1", "\\u0411\\u0443\\u0445\\u0430\\u0440\\u0438\\u043d"),
    ("\U0001f525", "ascii", "\\U0001f525"),
    ("\u0141[b]x[/b]\u00f3 \u2014 \u00b1", "utf-8", "\u0141[b]x[/b]\u00f3 \u2014 \u00b1"),
])
def test_what_a_stream_cannot_encode_gets_a_look_alike_or_an_escape(text: str, encoding: str, shown: str) -> None:
    assert fit(text, encoding) == shown
    assert text.encode(encoding, ERRORS) == shown.encode(encoding)


def test_a_byte_read_from_an_undecodable_argument_is_written_back_as_it_was() -> None:
    raw = b"store-\xff"
    text = raw.decode("ascii", "surrogateescape")
    assert text.encode("ascii", ERRORS) == raw
    assert text.encode("utf-8", ERRORS) == raw


# ------------------------------------------------------------------ the table helper


def render(columns: Sequence[Col], table_rows: Sequence[Sequence[Cell]], width: int,
           encoding: str = "utf-8") -> str:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding=encoding, errors=ERRORS, newline="\n")
    console = Terminal(file=stream, width=width)
    console.table("A title", columns, table_rows)
    stream.flush()
    return buffer.getvalue().decode(encoding)


NUMBER = st.one_of(
    st.floats(-1, 1, allow_nan=False).map(lambda x: f"{x:.1%}"),
    st.integers(0, 10**7).map(lambda n: f"{n:,}"),
    st.tuples(st.floats(0, 1), st.floats(0, 1)).map(lambda p: f"{100 * p[0]:.1f}\u2013{100 * p[1]:.1f}%"),
    st.floats(-1, 1, allow_nan=False).map(lambda x: f"{100 * x:+.1f} \u00b1 {abs(x):.1f}"))
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzŁóБух[]/:", min_size=1, max_size=8)
PROSE = st.lists(WORD, min_size=1, max_size=12).map(" ".join)
HEADER = st.lists(WORD, min_size=0, max_size=3).map(" ".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Col], list[list[Cell]]]:
    kinds = draw(st.lists(st.sampled_from(["number", "name", "prose", "bar"]), min_size=1, max_size=7))
    columns = [Col(draw(HEADER), "right" if kind == "number" else "left", wrap=kind == "prose") for kind in kinds]
    n_rows = draw(st.integers(1, 6))
    body: list[list[Cell]] = []
    for _ in range(n_rows):
        row: list[Cell] = []
        for kind in kinds:
            if kind == "number":
                row.append(draw(NUMBER))
            elif kind == "name":
                row.append(draw(st.lists(WORD, min_size=1, max_size=2).map(" ".join)))
            elif kind == "prose":
                row.append(draw(PROSE))
            else:
                row.append(Bar(draw(st.floats(-1, 1, allow_nan=False)), 1.0, draw(st.integers(1, 30))))
        body.append(row)
    return columns, body


@settings(max_examples=150, deadline=None)
@given(tables(), st.integers(10, 130), st.sampled_from(["utf-8", "ascii"]))
def test_a_table_never_cuts_a_value_at_any_width(table: tuple[list[Col], list[list[Cell]]], width: int,
                                                 encoding: str) -> None:
    columns, body = table
    text = render(columns, body, width, encoding)
    text.encode(encoding)
    assert "\u2026" not in text and "..." not in text
    boxed = any(ch in text for ch in "│┃|")
    lines = text.splitlines()
    for row in body:
        for col, cell in zip(columns, row, strict=True):
            if isinstance(cell, Bar):
                continue
            shown = fit(cell if isinstance(cell, str) else cell[0], encoding)
            if col.wrap:  # prose: each word whole on a line, but one too long for the width folds
                for word in shown.split():
                    assert (any(word in line for line in lines) if cell_len(word) <= width - 4
                            else word in re.sub(r"\n *", "", text)), (word, text)
            else:  # a number or a name: whole on one line (in a table, within one cell)
                assert any(shown in line for line in lines), (shown, text)
    if boxed:  # a table was printed: it fits the width
        assert all(cell_len(line) <= width for line in lines[1:]), text


def test_a_table_that_fits_is_a_table_and_one_that_does_not_is_stacked() -> None:
    columns = [Col("Leader"), Col("Rate", "right"), Col("95% interval", "right")]
    body: list[list[Cell]] = [["Stalin", "65.0%", "58.2\u201371.3%"], ["no one", "35.0%", "28.7\u201341.8%"]]
    wide = render(columns, body, 40)
    assert "┃ Leader ┃  Rate ┃ 95% interval ┃" in wide
    assert "│ Stalin │ 65.0% │   58.2\u201371.3% │" in wide
    narrow = render(columns, body, 30)
    assert narrow.splitlines() == ["A title", "Leader: Stalin", "  Rate: 65.0%", "  95% interval: 58.2\u201371.3%",
                                   "Leader: no one", "  Rate: 35.0%", "  95% interval: 28.7\u201341.8%"]
    tiny = render(columns, body, 10)
    assert tiny.splitlines()[:6] == ["A title", "Leader:", "  Stalin", "  Rate:", "    65.0%", "  95% interval:"]
    ascii_box = render(columns, body, 40, "ascii")
    assert "| Stalin | 65.0% |   58.2-71.3% |" in ascii_box


def test_bars_shrink_to_the_width_and_the_figures_stay_whole() -> None:
    buffer = io.StringIO()
    console = Terminal(file=buffer, width=30)
    console.chart("Win rates", [("Stalin", 0.65, "65.0%"), ("no one", 0.35, "35.0%")])
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "Win rates"
    assert all(cell_len(line) <= 30 for line in lines)
    assert lines[1].startswith("Stalin ") and lines[1].endswith(" 65.0%")
    assert lines[1].count("\u2588") == round(0.65 * (30 - 6 - 5 - 2))
    buffer = io.StringIO()
    Terminal(file=buffer, width=10).chart(None, [("Stalin", 0.65, "65.0%")])
    assert buffer.getvalue().splitlines()[0] == "Stalin"
    assert buffer.getvalue().splitlines()[1].endswith(" 65.0%")


def test_a_width_of_zero_columns_is_taken_as_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "0")
    buffer = io.StringIO()
    console = Terminal(file=buffer)
    assert console.width == 80
    console.table(None, [Col("Leader"), Col("Rate", "right")], [["Stalin", "65.0%"]])
    assert "│ Stalin │ 65.0% │" in buffer.getvalue()


# ------------------------------------------------------------------ run and ensemble on any stream


@pytest.mark.parametrize("stream", ["latin-1", "C locale"])
def test_run_on_a_stream_that_cannot_encode_the_output(stream: str) -> None:
    encoding = "latin-1" if stream == "latin-1" else "ascii"
    text, _ = clean(politburo("run", "--seed", "1", env=ENCODING[stream]), encoding)
    assert "\u2014" not in text
    check_run(text, run_json(), encoding)


@pytest.mark.parametrize("stream", ["ascii", "C locale"])
def test_ensemble_on_a_stream_that_cannot_encode_the_output(stream: str) -> None:
    text, stderr = clean(politburo("ensemble", "--runs", "50", env=ENCODING[stream]), "ascii")
    check_ensemble(text, ensemble_json(), "-")
    assert "50/50" in stderr  # the progress bar, too
    assert "#" in text  # the bars of the chart, in ASCII


def test_json_on_an_ascii_stream_is_valid_and_exact(tmp_path: Path) -> None:
    scenario = named_scenario(tmp_path)
    proc = politburo("ensemble", "--scenario", str(scenario), "--runs", "50", "--json", env=ASCII)
    text, _ = clean(proc, "ascii")
    assert json.loads(text) == ensemble_json(str(scenario))
    assert NAME in json.loads(text)["win_rates"]


# ------------------------------------------------------------------ narrow terminals


@pytest.mark.parametrize("columns", [40, 10])
def test_ensemble_on_a_narrow_terminal_shows_every_figure_whole(columns: int) -> None:
    text, stderr = clean(politburo("ensemble", "--runs", "50", env=UTF8, columns=columns), "utf-8")
    check_ensemble(text, ensemble_json(), "\u2013")
    assert whole("50/50", stderr)


@pytest.mark.parametrize("columns", [50, 10])
def test_run_on_a_narrow_terminal_shows_every_figure_whole(columns: int) -> None:
    text, _ = clean(politburo("run", "--seed", "1", env=UTF8, columns=columns), "utf-8")
    check_run(text, run_json(), "utf-8")


# ------------------------------------------------------------------ names as written


def named_scenario(folder: Path) -> Path:
    """The tutorial scenario with its first leader renamed to NAME."""
    text = TUTORIAL.read_text(encoding="utf-8")
    first = re.search(r'^name = "(\w+)"\n', text[text.index("[[leaders]]"):], re.MULTILINE)
    assert first is not None
    path = folder / "named.toml"
    path.write_text(text.replace(first.group(0), f'name = "{NAME}"\n', 1), encoding="utf-8")
    return path


def test_a_name_prints_exactly_as_written_in_run_and_ensemble(tmp_path: Path) -> None:
    scenario = str(named_scenario(tmp_path))
    data = run_json(scenario)
    assert NAME in [s["leader"] for s in data["standings"]]
    text, _ = clean(politburo("run", "--scenario", scenario, "--seed", "1", env=UTF8), "utf-8")
    check_run(text, data, "utf-8")
    mentions = [e["text"] for e in data["chronicle"] if NAME in e["text"]]
    assert mentions and text.count(NAME) >= len(mentions) + 1  # the chronicle and the standings
    text, _ = clean(politburo("ensemble", "--scenario", scenario, "--runs", "50", env=UTF8), "utf-8")
    check_ensemble(text, ensemble_json(scenario), "\u2013")
    assert len(rows(section(text, "Who wins", "Win rates"), [NAME])) == 1
    assert NAME in section(text, "Win rates", "elimination orders")
    assert "\U0001f525" not in text and "[/b]" in text


def test_a_name_on_a_narrow_ascii_terminal_is_escaped_not_lost(tmp_path: Path) -> None:
    scenario = str(named_scenario(tmp_path))
    text, _ = clean(politburo("ensemble", "--scenario", scenario, "--runs", "50", env=ASCII, columns=40), "ascii")
    escaped = "\\u0141[b]x[/b]\\xf3 :fire:"
    data = ensemble_json(scenario)
    check_ensemble(text, {**data, "win_rates": {k.replace(NAME, escaped): v for k, v in data["win_rates"].items()},
                          "median_victory": {k.replace(NAME, escaped): v for k, v in data["median_victory"].items()},
                          "win_rates_by_decisive_date": {k.replace(NAME, escaped): v for k, v in
                                                         data["win_rates_by_decisive_date"].items()},
                          "elimination_orders": [{**r, "order": r["order"].replace(NAME, escaped)}
                                                 for r in data["elimination_orders"]]}, "-")
    assert escaped in text


# ------------------------------------------------------------------ every other command


def experiment(store: Path, *args: str, env: dict[str, str], columns: int,
               encoding: str) -> tuple[str, dict[str, Any]]:
    """An experiment command's text (in a subprocess) and its JSON (the same stored result)."""
    common = ("--store", str(store), "--workers", "1")
    text, _ = clean(politburo(*args, *common, env=env, columns=columns), encoding)
    for mark in ELLIPSIS:
        assert mark not in text
    return text, json_of(*args, *common)


def ci(d: dict[str, float], pm: str) -> str:
    return f"{100 * d['mean']:+.1f} {pm} {100 * d['half']:.1f}"


@pytest.mark.parametrize(("env", "encoding", "columns"), [(ASCII, "ascii", 40), (UTF8, "utf-8", 10)])
def test_explain_and_whatif_show_every_figure_and_name_on_any_terminal(tmp_path: Path, env: dict[str, str],
                                                                       encoding: str, columns: int) -> None:
    pm = "+/-" if encoding == "ascii" else "\u00b1"
    scenario = str(named_scenario(tmp_path))
    text, data = experiment(tmp_path, "explain", "--scenario", scenario, "--replicates", "20", env=env,
                            columns=columns, encoding=encoding)
    assert data["target"] == NAME or NAME in data["text"]
    assert fit(data["text"], encoding) in text
    table = rows(section(text, "Attribution", "In percentage points"),
                 [fit(p["label"], encoding) for p in sorted(data["players"], key=lambda p: data["ranking"].index(p["id"]))])
    for p in data["players"]:
        for key in ("shapley", "remove_from_history", "add_to_all_off"):
            assert ci(p[key], pm) in table[fit(p["label"], encoding)], (p, table)
    coalitions = section(text, "Every coalition")
    for c in data["coalitions"]:
        assert whole(f"{c['rate']['mean']:.1%}", coalitions), c
    assert fit(data["verdict"], encoding) in text.splitlines()

    text, data = experiment(tmp_path, "whatif", "--scenario", scenario, "--factor", "appointments=off",
                            "--replicates", "20", env=env, columns=columns, encoding=encoding)
    shown = [r for r in data["leaders"] if not (r.get("id") is not None and r["baseline"]["mean"] == 0
                                                 and r["counterfactual"]["mean"] == 0)]
    assert NAME in [r["name"] for r in shown]
    table = rows(section(text, "Chance to win", "Never win"), [fit(r["name"], encoding) for r in shown])
    for r in shown:
        part = table[fit(r["name"], encoding)]
        for figure in (f"{r['baseline']['mean']:.1%}", f"{r['counterfactual']['mean']:.1%}"):
            assert whole(figure, part), (figure, part)
        assert ci(r["difference"], pm) in part
    assert fit(data["verdict"], encoding) in text.splitlines()


def test_inevitability_claims_and_results_on_a_narrow_latin1_terminal(tmp_path: Path) -> None:
    env, encoding, columns = LATIN1, "latin-1", 40
    text, data = experiment(tmp_path, "inevitability", "--replicates", "10", "--futures", "2", "--every", "24",
                            env=env, columns=columns, encoding=encoding)
    curve = rows(section(text, "Chance of the outcome"), [c["date"] for c in data["curve"]])
    for c in data["curve"]:
        assert whole(f"{c['probability']['mean']:.1%}", curve[c["date"]]), c
        if c.get("given_outcome"):
            g = c["given_outcome"]
            assert whole(f"{g['mean']:.1%}", curve[c["date"]])
            assert f"{g['p10']:.0%}-{g['p90']:.0%}" in curve[c["date"]]

    claims = tmp_path / "claims.toml"
    claims.write_text('title = "A [b]title[/b] \u2014 with a dash"\n\n[[claims]]\nid = "one"\n'
                      'text = "Without appointments \u2014 the [bold]circular flow[/bold] \u2014 Stalin loses."\n'
                      'factors_off = ["appointments"]\nexpect = "lower"\n', encoding="utf-8")
    text, data = experiment(tmp_path, "claims", str(claims), "--replicates", "20", env=env, columns=columns,
                            encoding=encoding)
    lines = text.splitlines()
    assert fit(data["title"], encoding) in lines
    for c in data["claims"]:
        assert f"[{c['verdict']}] {fit(c['text'], encoding)}" in lines
        assert f"    {fit(c['estimate'], encoding)}" in lines
    assert "[bold]circular flow[/bold]" in text

    text, _ = clean(politburo("results", "--store", str(tmp_path), env=env, columns=columns), encoding)
    listed = runner.invoke(app, ["results", "--store", str(tmp_path), "--json"])
    experiments = json.loads(listed.stdout)
    assert len(experiments) == 2
    entries = rows(text, [e["id"] for e in experiments])
    for e in experiments:
        for figure in (f"{e['runs']:,}", f"{e['replicates']:,}", f"{e['tasks_done']}/{e['tasks']}"):
            assert whole(figure, entries[e["id"]]), (figure, entries[e["id"]])


def test_listing_checking_and_errors_on_an_ascii_stream(tmp_path: Path) -> None:
    text, _ = clean(politburo("scenarios", env=ASCII, columns=40), "ascii")
    listed = json_of("scenarios")
    for sc in listed:
        assert sc["name"] in text
        for word in fit(sc["title"], "ascii").split() + fit(sc["description"], "ascii").split():
            assert word in text
    scenario = named_scenario(tmp_path)
    text, _ = clean(politburo("check", str(scenario), env=ASCII), "ascii")
    assert text.startswith(f"{scenario}: ok (")
    _, stderr = clean(politburo("run", "--scenario", str(scenario), "--set", "leaders.nobody.rigidity=0.3",
                                env=ASCII), "ascii", code=2)
    assert len(stderr.strip().splitlines()) == 1 and stderr.startswith("politburo: ")


def test_fidelity_on_a_narrow_ascii_terminal() -> None:
    data = json_of("fidelity", "--runs", "50")
    proc = politburo("fidelity", "--runs", "50", env=ASCII, columns=40)
    text, _ = clean(proc, "ascii", code=1 if data["failed"] else 0)
    for mark in ELLIPSIS:
        assert mark not in text
    entries = [e for v in data["patterns"] for e in v["entries"]]
    blocks = text.split("\n#: ")[1:]
    assert len(blocks) == len(entries)
    for block, r in zip(blocks, entries, strict=True):
        assert block.startswith(f"{r['id']}\n")
        assert " ".join(fit(r["shown"], "ascii").split()) in " ".join(block.split())
        assert ("PASS" if r["passed"] else "FAIL") in block
        for word in fit(r["text"], "ascii").split():
            assert word in block
    for group in dict.fromkeys(v["group"] for v in data["patterns"]):
        assert group[:1].upper() + group[1:] in text
    assert f"{data['passed']} of {data['total']} patterns pass" in text


