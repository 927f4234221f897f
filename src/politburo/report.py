"""Reports: one self-contained HTML file (Plotly, its JavaScript inline; printable on A4) and one
static PNG chart (matplotlib, Agg) for the results of `explain`, `whatif`, `inevitability` and
`claims`.

Every chart is built from plain data first (`Bars`, `Groups`, `Curve`), so that the HTML chart,
its PNG twin and the table of the numbers behind it all read the same values. Nothing here
touches the network: no CDN, no external fonts or stylesheets.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from politburo.experiments.store import atomic_write

# ------------------------------------------------------------------ look

BLUE, ORANGE, GREY, LIGHT = "#1f5fa8", "#d9822b", "#6b7280", "rgba(31,95,168,0.18)"
LIGHT_RGBA = (31 / 255, 95 / 255, 168 / 255, 0.22)  # the same band colour, for matplotlib
POSITIVE, NEGATIVE = "#1f5fa8", "#c0392b"
VERDICT_COLOURS = {"supported": "#2e7d32", "contradicted": "#c62828"}
UNCLEAR_COLOUR = "#b7791f"
FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
WIDTH_PX = 680  # 180 mm at 96 CSS px per inch: the A4 text width with 15 mm margins
PLOT_DPI = 150
TITLES = {
    "explain": "Attribution",
    "whatif": "What if",
    "inevitability": "Inevitability",
    "claims": "Claims",
    "uncertainty": "Parameter uncertainty",
}

CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0; color: #1a1a1a; background: #fff; font: 10.5pt/1.45 Helvetica, Arial, 'Liberation Sans',
       sans-serif; }
main { max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 19pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; margin: 7mm 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid #c9ced6; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
p { margin: 1.5mm 0; }
.sub, .note { color: #4b5563; }
.note { font-size: 9pt; }
.verdict { border-left: 4px solid #1f5fa8; background: #f3f6fb; padding: 2.5mm 4mm; margin: 4mm 0; }
.verdict p { margin: 1mm 0; font-size: 11pt; }
section { page-break-inside: avoid; break-inside: avoid; }
section.long { page-break-inside: auto; break-inside: auto; }
figure { margin: 2mm 0; page-break-inside: avoid; break-inside: avoid; }
.chart { width: 180mm; max-width: 100%; }
table { border-collapse: collapse; margin: 2mm 0 3mm; font-size: 9pt; width: 100%;
        font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding-bottom: 1mm; }
th, td { border-bottom: 1px solid #e1e4e8; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { border-bottom: 1.5px solid #9aa1ab; background: #f6f7f9; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
table.about { width: auto; }
table.about th { background: none; border-bottom: 1px solid #e1e4e8; font-weight: normal; color: #4b5563; }
.tag { font-weight: bold; white-space: nowrap; }
ul.chronicle { list-style: none; padding: 0; margin: 2mm 0; font-size: 9.5pt; }
ul.chronicle li { padding: 0.6mm 0; page-break-inside: avoid; break-inside: avoid; }
ul.chronicle time { display: inline-block; width: 32mm; color: #4b5563; font-variant-numeric: tabular-nums; }
footer { margin-top: 8mm; font-size: 8.5pt; color: #6b7280; }
@media print {
  main { padding: 0; max-width: none; }
  .modebar, .modebar-container { display: none !important; }
  a { color: inherit; text-decoration: none; }
}
"""


# ------------------------------------------------------------------ plain data behind the charts


@dataclass(frozen=True)
class Bars:
    """Horizontal bars with intervals (one bar a row, the first on top)."""

    title: str
    axis: str
    labels: list[str]
    mids: list[float]
    minus: list[float]
    plus: list[float]
    colours: list[str]
    interval: str = "95% interval"
    legend: dict[str, str] | None = None  # colour -> name, when the colours mean something


def _colour_groups(b: Bars) -> list[tuple[str, str | None, list[int]]]:
    """The bars by colour: (colour, its name in the legend, their indices). With a legend the
    interval takes the bar's colour too, so that an effect of zero still shows its verdict."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(b.colours):
        groups.setdefault(c, []).append(i)
    names = b.legend or {}
    return [(c, names.get(c), idx) for c, idx in groups.items()]


@dataclass(frozen=True)
class Series:
    name: str
    mids: list[float]
    minus: list[float]
    plus: list[float]
    colour: str


@dataclass(frozen=True)
class Groups:
    """Vertical bars: one group per category, one bar per series, with optional intervals."""

    title: str
    axis: str
    categories: list[str]
    series: list[Series]


@dataclass(frozen=True)
class Curve:
    """The inevitability curve: the outcome's chance given the state at each saved month."""

    title: str
    x: list[Any]
    overall: Series
    given: list[float | None]
    p10: list[float | None]
    p90: list[float | None]
    other: list[float | None]
    threshold: float
    certain: Any = None


def _num(x: Any) -> float:
    return float(x) if x is not None else float("nan")


def _spread(stats: Sequence[dict[str, Any]], mid: str = "mean", lo: str = "low",
            hi: str = "high") -> tuple[list[float], list[float], list[float]]:
    """Midpoints and the distances down and up to each interval's ends (error-bar lengths).
    A missing end (an interval that could not be computed) gives a zero-length bar."""
    mids, minus, plus = [], [], []
    for d in stats:
        m = _num(d.get(mid))
        low, high = d.get(lo), d.get(hi)
        mids.append(m)
        minus.append(max(0.0, m - float(low)) if low is not None and not math.isnan(m) else 0.0)
        plus.append(max(0.0, float(high) - m) if high is not None and not math.isnan(m) else 0.0)
    return mids, minus, plus


def _bars(title: str, axis: str, labels: list[str], stats: Sequence[dict[str, Any]],
          colours: list[str] | None = None, mid: str = "mean", lo: str = "low", hi: str = "high",
          interval: str = "95% interval", legend: dict[str, str] | None = None) -> Bars:
    mids, minus, plus = _spread(stats, mid, lo, hi)
    if colours is None:
        colours = [NEGATIVE if m < 0 else POSITIVE for m in mids]
    return Bars(title, axis, labels, mids, minus, plus, colours, interval, legend)


def _series(name: str, stats: Sequence[dict[str, Any]], colour: str, mid: str = "mean") -> Series:
    return Series(name, *_spread(stats, mid), colour=colour)


def _players(att: dict[str, Any]) -> list[dict[str, Any]]:
    """The attribution's players, most credited first."""
    by_id = {p["id"]: p for p in att["players"]}
    return [by_id[pid] for pid in att["ranking"]]


def attribution_bars(att: dict[str, Any]) -> Bars:
    ps = _players(att)
    return _bars(f"Shapley values: what each {_level_word(att)} adds to '{att['text']}'",
                 "Shapley value (change in probability)", [p["label"] for p in ps], [p["shapley"] for p in ps])


def one_at_a_time_groups(att: dict[str, Any]) -> Groups:
    ps = _players(att)
    return Groups("One at a time: remove from history, or add to the all-off world",
                  "change in probability", [p["label"] for p in ps],
                  [_series("remove from history", [p["remove_from_history"] for p in ps], BLUE),
                   _series("add to all-off", [p["add_to_all_off"] for p in ps], ORANGE)])


def uncertainty_bars(unc: dict[str, Any]) -> Bars:
    ps = unc["players"]
    return _bars(f"Shapley values over {unc['draws']} parameter draws (median, 90% band)",
                 "Shapley value (change in probability)", [p["label"] for p in ps], [p["shapley"] for p in ps],
                 mid="median", lo="p5", hi="p95", interval="90% band")


def whatif_groups(res: dict[str, Any]) -> Groups:
    rows = res["leaders"]
    return Groups(f"Chance to win: history against {res['counterfactual']['label']}", "chance to win",
                  [r["name"] for r in rows],
                  [_series("history", [r["baseline"] for r in rows], GREY),
                   _series("counterfactual", [r["counterfactual"] for r in rows], BLUE)])


def whatif_bars(res: dict[str, Any]) -> Bars:
    rows = res["leaders"]
    return _bars(f"Change in each one's chance to win with {res['counterfactual']['label']}",
                 "counterfactual minus history", [r["name"] for r in rows], [r["difference"] for r in rows])


def victory_year_groups(res: dict[str, Any]) -> Groups:
    years = res["victory_years"]
    return Groups("Year of victory (share of all runs)", "share of runs", [str(y["year"]) for y in years],
                  [_series("history", [{"mean": y["baseline"]} for y in years], GREY),
                   _series("counterfactual", [{"mean": y["counterfactual"]} for y in years], BLUE)])


def _effect_claims(res: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in res["claims"] if c["kind"] == "effect"]


def _verdict_colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(verdict, UNCLEAR_COLOUR)


def claims_bars(res: dict[str, Any]) -> Bars:
    rows = _effect_claims(res)
    return _bars("Each claim's counterfactual: change in probability (coloured by verdict)",
                 "counterfactual minus history", [c["id"] for c in rows], [c["difference"] for c in rows],
                 colours=[_verdict_colour(c["verdict"]) for c in rows],
                 legend={_verdict_colour(c["verdict"]): c["verdict"] for c in rows})


def winner_groups(ens: dict[str, Any]) -> Groups:
    rates = ens["win_rates"]
    return Groups(f"Who wins: {ens['runs']:,} runs (Wilson 95% intervals)", "share of runs", list(rates),
                  [_series("winner", list(rates.values()), BLUE, mid="rate")])


def _when(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%B %Y")
    except ValueError:
        return None


def _dates(texts: list[str]) -> list[Any]:
    """Month names as dates for a time axis; the texts themselves if any does not parse."""
    parsed = [_when(t) for t in texts]
    return list(texts) if any(p is None for p in parsed) else parsed


def _get(d: dict[str, Any] | None, key: str) -> float | None:
    return d[key] if d is not None else None


def inevitability_curve(inev: dict[str, Any]) -> Curve:
    curve = inev["curve"]
    x = _dates([c["date"] for c in curve])
    given = [c.get("given_outcome") for c in curve]
    certain = inev["all_but_certain"]
    return Curve(
        f"When '{inev['text']}' became inevitable", x,
        _series("all runs (mean, 95%)", [c["probability"] for c in curve], GREY),
        [_get(g, "mean") for g in given], [_get(g, "p10") for g in given], [_get(g, "p90") for g in given],
        [_get(c.get("given_other"), "mean") for c in curve], inev["threshold"],
        certain=(_dates([certain])[0] if isinstance(x[0], datetime) else certain) if certain else None)


# ------------------------------------------------------------------ text and tables


class Raw(str):
    """HTML that is already escaped (built here from escaped parts)."""


def esc(x: Any) -> str:
    return x if isinstance(x, Raw) else html.escape(str(x), quote=True)


def _pct(x: Any, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return "—"
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def _band(d: dict[str, Any] | None, signed: bool = False, lo: str = "low", hi: str = "high") -> str:
    if d is None or d.get(lo) is None or d.get(hi) is None:
        return "—"
    return f"{_pct(d[lo], signed)} to {_pct(d[hi], signed)}"


def _table(head: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None,
           numeric: Iterable[int] = (), cls: str = "") -> str:
    num = set(numeric)

    def cell(tag: str, i: int, x: Any) -> str:
        return f"<{tag}{' class=n' if i in num else ''}>{esc(x)}</{tag}>"

    parts = [f"<table{f' class={cls}' if cls else ''}>"]
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr></thead><tbody>")
    parts += ["<tr>" + "".join(cell("td", i, x) for i, x in enumerate(r)) + "</tr>" for r in rows]
    parts.append("</tbody></table>")
    return "".join(parts)


def bars_table(b: Bars) -> str:
    rows = [(label, _pct(m, True), _band({"low": m - lo, "high": m + hi} if not math.isnan(m) else None, True))
            for label, m, lo, hi in zip(b.labels, b.mids, b.minus, b.plus, strict=True)]
    return _table(("", b.axis, b.interval), rows, numeric=(1, 2))


def groups_table(g: Groups, intervals: bool = True) -> str:
    head = [""]
    for s in g.series:
        head += [s.name, "95% interval"] if intervals else [s.name]
    rows = []
    for i, cat in enumerate(g.categories):
        row: list[str] = [cat]
        for s in g.series:
            m = s.mids[i]
            row.append(_pct(m))
            if intervals:
                row.append(_band({"low": m - s.minus[i], "high": m + s.plus[i]}))
        rows.append(row)
    return _table(head, rows, numeric=range(1, len(head)))


def _paragraphs(texts: Iterable[str | None], cls: str = "") -> str:
    attr = f" class={cls}" if cls else ""
    return "".join(f"<p{attr}>{esc(t)}</p>" for t in texts if t)


def _para(text: str, cls: str = "") -> str:
    return _paragraphs([text], cls)


def _section(sid: str, heading: str, *parts: str, long: bool = False) -> str:
    cls = ' class="long"' if long else ""
    return f'<section id="{sid}"{cls}><h2>{esc(heading)}</h2>{"".join(parts)}</section>'


def _level_word(att: dict[str, Any], plural: bool = False) -> str:
    if att["level"] == "factors":
        return "factors" if plural else "factor"
    return "groups of factors" if plural else "group of factors"


def _world_text(world: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in world.items()) or "none (the scenario as written)"


# ------------------------------------------------------------------ plotly figures


def _plotly() -> Any:
    import plotly.graph_objects as go

    return go


def _error(minus: list[float], plus: list[float]) -> dict[str, Any] | None:
    if not any(minus) and not any(plus):
        return None
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": "#333",
            "thickness": 1.2, "width": 4}


def _layout(fig: Any, title: str, height: int, **layout: Any) -> Any:
    """The shared print-friendly look; `layout` adds to it or overrides it."""
    base: dict[str, Any] = {
        "template": "simple_white", "width": WIDTH_PX, "height": height, "autosize": False,
        "title": {"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 14}},
        "font": {"family": FONT, "size": 11, "color": "#1a1a1a"},
        "margin": {"l": 10, "r": 20, "t": 50, "b": 45},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
    }
    fig.update_layout(**{**base, **layout})
    return fig


def fig_bars(b: Bars) -> Any:
    """Horizontal bars with asymmetric error bars (attribution, whatif and claims differences)."""
    go = _plotly()
    labels = [esc(s) for s in b.labels]
    traces = []
    for colour, name, idx in _colour_groups(b):
        error = _error([b.minus[i] for i in idx], [b.plus[i] for i in idx])
        if error is not None and name is not None:
            error["color"] = colour
        traces.append(go.Bar(x=[b.mids[i] for i in idx], y=[labels[i] for i in idx], orientation="h",
                             marker={"color": colour}, error_x=error, name=esc(name or ""),
                             showlegend=name is not None, hovertemplate="%{y}: %{x:+.1%}<extra></extra>"))
    fig = go.Figure(traces)
    fig.add_vline(x=0, line={"color": "#333", "width": 1})
    return _layout(fig, b.title, 110 + 38 * len(b.labels), barmode="overlay",
                   xaxis={"title": {"text": esc(f"{b.axis} · {b.interval}")}, "tickformat": "+.0%",
                          "showgrid": True, "gridcolor": "#eceef1"},
                   yaxis={"autorange": "reversed", "automargin": True, "categoryorder": "array",
                          "categoryarray": labels})


def fig_groups(g: Groups) -> Any:
    """Grouped vertical bars with optional asymmetric error bars."""
    go = _plotly()
    fig = go.Figure([go.Bar(name=esc(s.name), x=[esc(c) for c in g.categories], y=s.mids,
                            marker={"color": s.colour}, error_y=_error(s.minus, s.plus),
                            hovertemplate="%{x}: %{y:.1%}<extra>" + esc(s.name) + "</extra>")
                     for s in g.series])
    return _layout(fig, g.title, 330, barmode="group", showlegend=len(g.series) > 1,
                   yaxis={"title": {"text": esc(g.axis)}, "tickformat": ".0%", "showgrid": True,
                          "gridcolor": "#eceef1", "zeroline": True},
                   xaxis={"type": "category", "automargin": True})


def fig_curve(c: Curve) -> Any:
    go = _plotly()
    fig = go.Figure([
        go.Scatter(x=c.x, y=c.p90, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"),
        go.Scatter(x=c.x, y=c.p10, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=LIGHT,
                   name="p10–p90, runs where it happened", hoverinfo="skip"),
        go.Scatter(x=c.x, y=c.given, mode="lines+markers", line={"color": BLUE, "width": 2},
                   marker={"size": 4}, name="runs where it happened (mean)"),
        go.Scatter(x=c.x, y=c.overall.mids, mode="lines", line={"color": GREY, "width": 1.5},
                   error_y=_error(c.overall.minus, c.overall.plus), name=esc(c.overall.name)),
        go.Scatter(x=c.x, y=c.other, mode="lines", line={"color": ORANGE, "width": 1.2, "dash": "dash"},
                   name="runs where it did not"),
    ])
    fig.add_hline(y=c.threshold, line={"color": "#333", "width": 1, "dash": "dot"},
                  annotation_text=esc(f"threshold {c.threshold:.0%}"), annotation_position="bottom right")
    if c.certain is not None:
        fig.add_vline(x=c.certain, line={"color": BLUE, "width": 1, "dash": "dot"})
    return _layout(fig, c.title, 380, hovermode="x unified",
                   yaxis={"title": {"text": "chance of the outcome"}, "tickformat": ".0%", "range": [0, 1.02],
                          "showgrid": True, "gridcolor": "#eceef1"},
                   xaxis={"showgrid": True, "gridcolor": "#f2f3f5"},
                   legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "xanchor": "left"},
                   margin={"l": 10, "r": 20, "t": 50, "b": 80})


def _chart_html(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    body = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": False,
                               "modeBarButtonsToRemove": ["sendDataToCloud", "lasso2d", "select2d"]})
    return f'<figure class="chart">{body}</figure>'


# ------------------------------------------------------------------ sections


def _about(result: dict[str, Any], extra: dict[str, Any]) -> str:
    rows: list[tuple[str, Any]] = [
        ("experiment", f"{result['experiment']} ({result['kind']})"),
        ("scenario", result["scenario"]),
        ("seed", result["seed"]),
        ("replicates", f"{result['replicates']:,}"),
        ("runs", f"{result['runs']:,}"),
        ("world overrides", _world_text(result["world"])),
    ]
    if "text" in result:
        rows.append(("outcome", result["text"]))
    if result["kind"] == "whatif":
        rows.append(("counterfactual", result["counterfactual"]["label"]))
    if result["kind"] in ("explain", "uncertainty"):
        rows.append(("level", result["level"]))
    if result["kind"] == "inevitability":
        rows.append(("futures", f"{result['futures']} fresh futures from every {result['every']}-month saved state"))
    for key, what in (("explain", "attribution"), ("inevitability", "inevitability curve")):
        if key in extra:
            sub = extra[key]
            rows.append((f"{what} (for this report)",
                         f"experiment {sub['experiment']}: {sub['replicates']:,} replicates, {sub['runs']:,} runs"))
    unc = result.get("uncertainty")
    if unc:
        rows.append(("parameter uncertainty", (f"experiment {unc['experiment']}: {unc['draws']} draws × "
                                               f"{unc['replicates']:,} replicates, {unc['runs']:,} runs")))
        rows.append(("parameter draws from", _draws_from(unc)))
    if "ensemble" in extra:
        rows.append(("winner distribution", f"{extra['ensemble']['runs']:,} runs, seed {extra['ensemble']['seed']}"))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return _section("about", "About this experiment", f'<table class="about"><tbody>{body}</tbody></table>')


def _source_note(sub: dict[str, Any], main: dict[str, Any]) -> str:
    if sub is main:
        return ""
    return _para(f"From experiment {sub['experiment']} ({sub['replicates']:,} replicates), "
                        f"run for this report on the same scenario, world and seed.", "note")


def attribution_section(att: dict[str, Any], main: dict[str, Any]) -> str:
    b = attribution_bars(att)
    ps = _players(att)
    rows = []
    for p in ps:
        share = p.get("share")
        rows.append((p["label"], _pct(p["shapley"]["mean"], True), _band(p["shapley"], True),
                     _pct(share["mean"]) if share else "—", _band(share)))
    table = _table(("", "Shapley value", "95% interval", "share of the advantage", "95% interval"), rows,
                   numeric=(1, 2, 3, 4))
    totals = _table(("", "chance", "95% interval"), [
        ("every factor on (history)", _pct(att["all_on"]["mean"]), _band(att["all_on"])),
        ("every factor off", _pct(att["all_off"]["mean"]), _band(att["all_off"])),
        ("advantage (on minus off)", _pct(att["advantage"]["mean"], True), _band(att["advantage"], True)),
    ], numeric=(1, 2))
    parts = [_source_note(att, main),
             _para(f"Outcome: {att['text']}. Exact Shapley values over every coalition of "
                          f"{_level_word(att, True)}; they sum to the advantage of history over the all-off world "
                          f"({'checked in every replicate' if att['exact'] else 'NOT exact: check the run'})."),
             _chart_html(fig_bars(b), "chart-attribution"), table, totals]
    tvs = att.get("top_vs_second")
    if tvs is not None:
        parts.append(_para(f"Leading minus second Shapley value: {_pct(tvs['mean'], True)} "
                                  f"(95%: {_band(tvs, True)}).", "note"))
    if att.get("coalitions"):
        parts.append(_table(("coalition (factors on)", "chance", "95% interval"),
                            [(c["arm"], _pct(c["rate"]["mean"]), _band(c["rate"])) for c in att["coalitions"]],
                            caption="Every coalition", numeric=(1, 2)))
    if att is not main:
        parts.append(f'<div class="verdict"><p>{esc(att["verdict"])}</p></div>')
    return _section("attribution", "Attribution", *parts)


def one_at_a_time_section(att: dict[str, Any]) -> str:
    g = one_at_a_time_groups(att)
    return _section("one-at-a-time", "One-at-a-time effects",
                    _para("Remove from history: the drop when only this one is switched off. "
                                 "Add to all-off: the gain when only this one is switched on."),
                    _chart_html(fig_groups(g), "chart-one-at-a-time"),
                    _table(("", "remove from history", "95% interval", "add to all-off", "95% interval"),
                           [(p["label"], _pct(p["remove_from_history"]["mean"], True),
                             _band(p["remove_from_history"], True), _pct(p["add_to_all_off"]["mean"], True),
                             _band(p["add_to_all_off"], True)) for p in _players(att)], numeric=(1, 2, 3, 4)))


def _draws_from(unc: dict[str, Any]) -> str:
    """Where an uncertainty result's draws came from (one stored before they could come from
    plausible worlds drew from the priors)."""
    src = unc.get("draws_from") or {"source": "prior", "text": "uniform priors"}
    if src["source"] == "prior":
        return src["text"]
    text = f"{src['text']}: {src['file']} (sha256 {src['sha256'][:12]})"
    if src.get("distance"):
        text += f"; distance median {src['distance']['median']:.4g}, at most {src['distance']['max']:.4g}"
    return text


def uncertainty_section(unc: dict[str, Any]) -> str:
    rows = []
    for p in unc["players"]:
        sh, s = p["shapley"], p["share"]
        rows.append((p["label"], _pct(sh["median"], True), _band(sh, True, "p5", "p95"), _pct(s["median"]),
                     _band(s, False, "p5", "p95"), _pct(p["main_reason_in"])))
    src = unc.get("draws_from") or {"source": "prior"}
    drawn = ("drawn from their priors" if src["source"] == "prior" else
             f"drawn from the scenario's {src['text']}, weighted, with replacement ({src['distinct']:,} distinct)")
    parts = [_para(f"{unc['draws']} parameter sets {drawn}, {unc['replicates']:,} "
                          f"replicates each. '{unc['text']}' with every factor on: median "
                          f"{_pct(unc['all_on']['median'])}, 90% band {_band(unc['all_on'], False, 'p5', 'p95')}."),
             _chart_html(fig_bars(uncertainty_bars(unc)), "chart-uncertainty"),
             _table(("", "Shapley median", "90% band", "share median", "90% band", "main reason in"), rows,
                    numeric=(1, 2, 3, 4, 5))]
    if unc["sensitivity"]:
        parts.append(_table(("parameter", "rank correlation with the leading factor's value"),
                            [(s["parameter"], f"{s['rank_correlation']:+.2f}") for s in unc["sensitivity"]],
                            caption="Most influential parameters", numeric=(1,)))
    parts.append(f'<div class="verdict"><p>{esc(unc["verdict"])}</p></div>')
    return _section("uncertainty", "Parameter uncertainty", *parts)


def inevitability_section(inev: dict[str, Any], main: dict[str, Any]) -> str:
    rows = []
    for c in inev["curve"]:
        g, o = c.get("given_outcome"), c.get("given_other")
        rows.append((c["date"], _pct(c["probability"]["mean"]), _band(c["probability"]),
                     _pct(_get(g, "mean")), _band(g, False, "p10", "p90"), _pct(_get(o, "mean"))))
    parts = [_source_note(inev, main),
             _para(f"For each saved month, the share of {inev['futures']} fresh futures branched from "
                          f"that state in which {inev['text']}: the mean "
                          f"over all runs, and among the runs where it happened "
                          f"({_pct(inev['final']['mean'])} of them) with the band from the 10th to the 90th "
                          f"percentile. The dotted line is the threshold ({inev['threshold']:.0%})."),
             _chart_html(fig_curve(inevitability_curve(inev)), "chart-inevitability"),
             _table(("month", "all runs", "95% interval", "runs where it happened", "p10–p90",
                     "runs where it did not"), rows, numeric=(1, 2, 3, 4, 5))]
    if inev is not main:
        parts.append(f'<div class="verdict"><p>{esc(inev["verdict"])}</p></div>')
    return _section("inevitability", "Inevitability", *parts)


def winners_section(ens: dict[str, Any]) -> str:
    g = winner_groups(ens)
    medians = ens["median_victory"]
    rows = [(name, _pct(r["rate"]), _band(r), f"{r['count']:,}", medians.get(name) or "—")
            for name, r in ens["win_rates"].items()]
    parts = [_chart_html(fig_groups(g), "chart-winners"),
             _table(("winner", "share of runs", "Wilson 95% interval", "runs", "median victory"), rows,
                    numeric=(1, 2, 3))]
    if ens["elimination_orders"]:
        parts.append(_table(("order of elimination", "runs"),
                            [(o["order"], f"{o['runs']:,}") for o in ens["elimination_orders"]],
                            caption="Most frequent orders of elimination", numeric=(1,)))
    return _section("winners", "Who wins", *parts)


def sample_section(run: dict[str, Any]) -> str:
    end = (f"{run['winner']} won in {run['victory']}." if run["winner"] is not None
           else "No one won before the end date.")
    order = " > ".join(run["elimination_order"]) or "(none)"
    items = "".join(f"<li><time>{esc(e['date'])}</time> {esc(e['text'])}</li>" for e in run["chronicle"])
    standings = _table(("leader", "status", "offices", "prestige", "committee share"),
                       [(s["leader"], s["status"], ", ".join(s["offices"]) or "—", f"{s['prestige']:.2f}",
                         _pct(s["committee_share"])) for s in run["standings"]],
                       caption="Final standings", numeric=(3, 4))
    return _section("sample-run", "A sample run",
                    _para(f"Seed {run['seed']}, replicate {run['replicate']}: {end} "
                                 f"Order of elimination: {order}."),
                    standings, f'<h3>Chronicle</h3><ul class="chronicle">{items}</ul>', long=True)


def whatif_sections(res: dict[str, Any]) -> list[str]:
    eff = res["effect"]
    effect = _table(("", "history", "counterfactual", "difference", "95% interval"), [
        (res["text"], _pct(eff["baseline"]["mean"]), _pct(eff["counterfactual"]["mean"]),
         _pct(eff["difference"]["mean"], True), _band(eff["difference"], True))], numeric=(1, 2, 3, 4))
    rows = []
    for r in res["leaders"]:
        med = (f"{r['median_victory_baseline'] or '—'} → {r['median_victory_counterfactual'] or '—'}"
               if r["id"] is not None else "")
        rows.append((r["name"], _pct(r["baseline"]["mean"]), _pct(r["counterfactual"]["mean"]),
                     _pct(r["difference"]["mean"], True), _band(r["difference"], True), med))
    leaders = _section(
        "whatif", "History against the counterfactual",
        _para(f"Counterfactual: {res['counterfactual']['label']}. Both arms share their random numbers "
                     f"replicate by replicate, so the differences are paired."),
        effect, _chart_html(fig_groups(whatif_groups(res)), "chart-whatif"),
        _chart_html(fig_bars(whatif_bars(res)), "chart-whatif-difference"),
        _table(("", "history", "counterfactual", "difference", "95% interval", "median victory (history → cf)"),
               rows, numeric=(1, 2, 3, 4)))
    years = victory_year_groups(res)
    if not years.categories:
        return [leaders]
    return [leaders, _section("victory-years", "Year of victory",
                              _chart_html(fig_groups(years), "chart-victory-years"),
                              groups_table(years, intervals=False))]


def _expected(c: dict[str, Any]) -> str:
    if c["kind"] != "effect":
        return "the largest Shapley value"
    bits = []
    if c["expect"]:
        bits.append(c["expect"].replace("_", " ") + (f" by at least {c['at_least']:.0%}" if c["at_least"] else ""))
    bits += [f"{k} {c[k]:.0%}" for k in ("below", "above") if c[k] is not None]
    return "; ".join(bits)


def claims_sections(res: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{n} {k}" for k, n in res["counts"].items())
    rows = [(c["id"], c["text"], "main reason" if c["kind"] == "main_reason" else c["counterfactual"]["label"],
             _expected(c), Raw(f'<span class="tag" style="color:{_verdict_colour(c["verdict"])}">'
                               f'{esc(c["verdict"])}</span>'), c["estimate"]) for c in res["claims"]]
    parts = [_para(f"{res['title']}: {counts}."),
             _table(("claim", "text", "counterfactual", "claimed", "verdict", "estimate"), rows)]
    effects = _effect_claims(res)
    if effects:
        parts += [_chart_html(fig_bars(claims_bars(res)), "chart-claims"),
                  _table(("claim", "history", "counterfactual", "difference", "95% interval", "verdict"),
                         [(c["id"], _pct(c["baseline"]["mean"]), _pct(c["counterfactual_rate"]["mean"]),
                           _pct(c["difference"]["mean"], True), _band(c["difference"], True), c["verdict"])
                          for c in effects], numeric=(1, 2, 3, 4))]
    return [_section("claims", "Claims", *parts)]


# ------------------------------------------------------------------ the report


def _title(result: dict[str, Any]) -> str:
    kind = result["kind"]
    if kind == "explain":
        return f"Why {result['text']}: attribution"
    if kind == "whatif":
        return f"What if {result['counterfactual']['label']}?"
    if kind == "inevitability":
        return f"When did it become inevitable that {result['text']}?"
    if kind == "claims":
        return str(result["title"])
    return f"{TITLES.get(kind, kind)}: {result.get('text', '')}"


def as_dict(result: Any) -> dict[str, Any]:
    """An experiment's result as its JSON dict: a dict as it is, a typed result of the library
    (`politburo.explain` ...) by its `to_dict()`."""
    return result if isinstance(result, dict) else result.to_dict()


def render_report(result: Any, extra: dict[str, Any] | None = None) -> str:
    """The report as one HTML string (plotly.js inline), for a result as a dict or a typed result
    and what `politburo.experiments.library.report_extras` adds."""
    from plotly.offline import get_plotlyjs

    from politburo import __version__

    result = as_dict(result)
    extra = extra or {}
    kind = result["kind"]
    att = result if kind == "explain" else extra.get("explain")
    inev = result if kind == "inevitability" else extra.get("inevitability")
    unc = result if kind == "uncertainty" else result.get("uncertainty")

    main: list[str] = []
    if kind == "whatif":
        main += whatif_sections(result)
    if kind == "claims":
        main += claims_sections(result)
    if kind == "inevitability":
        main.append(inevitability_section(result, result))
    rest: list[str] = []
    if att is not None:
        rest += [attribution_section(att, result), one_at_a_time_section(att)]
    if unc is not None:
        rest.append(uncertainty_section(unc))
    if inev is not None and kind != "inevitability":
        rest.append(inevitability_section(inev, result))
    if "ensemble" in extra:
        rest.append(winners_section(extra["ensemble"]))
    if "sample_run" in extra:
        rest.append(sample_section(extra["sample_run"]))
    sections = main + rest if kind != "explain" else rest

    title = _title(result)
    verdicts = [result["verdict"]] + ([result["uncertainty"]["verdict"]] if result.get("uncertainty") else [])
    sub = f"{TITLES.get(kind, kind)} · scenario {result['scenario']} · experiment {result['experiment']}"
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body><main>',
        f"<header><h1>{esc(title)}</h1><p class=sub>{esc(sub)}</p>",
        f'<div class="verdict">{_paragraphs(verdicts)}</div></header>',
        _about(result, extra), *sections,
        (f"<footer>politburo {esc(__version__)} · results from a model of the struggle, not from "
         "history.</footer></main></body></html>\n"),
    ])


def write_report(result: Any, path: Path, extra: dict[str, Any] | None = None) -> None:
    """One self-contained HTML report, printable on A4 (the result as a dict or a typed result)."""
    data = render_report(result, extra).encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


# ------------------------------------------------------------------ PNG


def _mpl_bars(ax: Any, b: Bars) -> None:
    from matplotlib.ticker import PercentFormatter

    for colour, name, idx in _colour_groups(b):
        ax.barh(idx, [b.mids[i] for i in idx], color=colour, label=name,
                xerr=[[b.minus[i] for i in idx], [b.plus[i] for i in idx]], capsize=3,
                error_kw={"elinewidth": 1, "ecolor": colour if name is not None else "#333"})
    ax.set_yticks(range(len(b.labels)), b.labels)
    if b.legend:
        ax.legend(fontsize=7, frameon=False)
    ax.invert_yaxis()
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"{b.axis} · {b.interval}")
    ax.set_title(b.title, loc="left", fontsize=10)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    ax.set_axisbelow(True)


def _nan(xs: list[float | None]) -> list[float]:
    return [_num(x) for x in xs]


def _mpl_curve(ax: Any, c: Curve) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.fill_between(c.x, _nan(c.p10), _nan(c.p90), color=LIGHT_RGBA, linewidth=0,
                    label="p10–p90, runs where it happened")
    ax.plot(c.x, _nan(c.given), color=BLUE, linewidth=2, marker="o", markersize=2.5,
            label="runs where it happened (mean)")
    ax.errorbar(c.x, c.overall.mids, yerr=[c.overall.minus, c.overall.plus], color=GREY, linewidth=1.2,
                elinewidth=0.6, capsize=0, label=c.overall.name)
    ax.plot(c.x, _nan(c.other), color=ORANGE, linewidth=1, linestyle="--", label="runs where it did not")
    ax.axhline(c.threshold, color="#333", linewidth=0.8, linestyle=":", label=f"threshold {c.threshold:.0%}")
    if c.certain is not None:
        ax.axvline(c.certain, color=BLUE, linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("chance of the outcome")
    ax.set_title(c.title, loc="left", fontsize=10)
    ax.grid(color="#e5e7eb", linewidth=0.6)
    ax.figure.legend(fontsize=7, loc="outside lower center", ncols=3, frameon=False)


def _png_chart(result: dict[str, Any]) -> Bars | Curve:
    kind = result["kind"]
    if kind == "explain":
        return attribution_bars(result)
    if kind == "whatif":
        return whatif_bars(result)
    if kind == "inevitability":
        return inevitability_curve(result)
    if kind == "claims":
        return claims_bars(result)
    if kind == "uncertainty":
        return uncertainty_bars(result)
    raise ValueError(f"no chart for a {kind!r} result")


def write_plot(result: Any, path: Path) -> None:
    """The main chart of a result (a dict or a typed result) as a static PNG (matplotlib, Agg; no
    display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chart = _png_chart(as_dict(result))
    if isinstance(chart, Curve):
        fig = Figure(figsize=(7.1, 4.2), layout="constrained")
        _mpl_curve(fig.subplots(), chart)
    else:
        fig = Figure(figsize=(7.1, 1.3 + 0.42 * max(1, len(chart.labels))), layout="constrained")
        ax = fig.subplots()
        if chart.labels:
            _mpl_bars(ax, chart)
        else:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "Nothing to chart: no effect claims", ha="center", va="center")
    fig.set_facecolor("white")
    FigureCanvasAgg(fig)
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=PLOT_DPI, metadata={"Software": None}))
