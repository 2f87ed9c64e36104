"""The map legend, built from the choropleth classes (layers.map.choropleth)."""

from __future__ import annotations

from dash import html

from app import format as fmt
from app.i18n import STRINGS, t
from layers.map import NO_DATA

# The two kinds of 区域限批 mark (app/assets/map.js draws them): kept here, beside the swatches.
FREEZE_TEXT = {
    "triggered": ("区域限批（规则触发）", "Approval freeze (rule triggered)"),
    "decided": ("限批（已决定）", "Approval freeze (decided)"),
}
# A decided freeze is drawn as a thick black outline; the swatch says so (no fill needed).
DECIDED_SWATCH = {"background": "#fff", "border": "4px solid #111"}


COUNTED = ("units", "reports")  # whole numbers: a class is a range of counts


def _range(lo, hi, kind: str, lang: str) -> str:
    def f(x):
        if kind == "pct":
            return f"{x:g}%"
        if kind in COUNTED:
            return fmt.integer(x)
        return fmt.number(x, lang)

    if kind in COUNTED:
        if lo is None:
            return "0"
        if hi is None:
            return f"≥ {f(lo)}"
        return f(lo) if hi - lo <= 1 else f"{f(lo)}–{f(hi - 1)}"
    if lo is None:
        return f"< {f(hi)}" if kind == "pct" else "≤ 0"
    if hi is None:
        return f"≥ {f(lo)}"
    if kind != "pct" and lo < 1:
        return f"0–{f(hi)}"
    return f"{f(lo)}–{f(hi)}"


def _no_data_key(measure: str) -> str:
    key = f"legend.no_data.{measure}"
    return key if key in STRINGS else "legend.no_data"


def legend(hideout: dict, lang: str, show_units: bool) -> list:
    kind = hideout["kind"]
    unit = {
        "pct": "",
        "units": t("c.units_count", lang),
        "reports": t("c.reports_count", lang),
        "tce": "吨标准煤" if lang == "zh" else "tce",
    }[kind]
    title = t(f"m.{hideout['measure']}", lang) + (
        f"（{unit}）" if unit and lang == "zh" else f" ({unit})" if unit else ""
    )
    rows = [html.Div(title, className="legend-title", id="legend-title")]
    for c in reversed(hideout["classes"]):
        rows.append(
            html.Div(
                [
                    html.Span(className="swatch", style={"background": c["colour"]}),
                    html.Span(_range(c["lo"], c["hi"], kind, lang)),
                ],
                className="row",
            )
        )
    rows.append(
        html.Div(
            [
                html.Span(className="swatch", style={"background": NO_DATA}),
                # A measure may say why a prefecture has no value (no target set).
                html.Span(t(_no_data_key(hideout["measure"]), lang)),
            ],
            className="row",
        )
    )
    zh = lang == "zh"
    rows.append(
        html.Div(
            [html.Span(className="swatch frozen"), html.Span(FREEZE_TEXT["triggered"][not zh])],
            className="row",
            id="legend-frozen",
        )
    )
    rows.append(
        html.Div(
            [
                html.Span(className="swatch", style=DECIDED_SWATCH),
                html.Span(FREEZE_TEXT["decided"][not zh]),
            ],
            className="row",
            id="legend-decided",
        )
    )
    if show_units:
        dots = []
        for key, colour in (
            ("resolved", "#2c7fb8"),
            ("remaining", "#fdae61"),
            ("overdue", "#d7191c"),
        ):
            dots += [
                html.Span(className="dot", style={"background": colour}),
                html.Span(t(f"x.{key}", lang), style={"marginRight": "6px"}),
            ]
        rows.append(html.Div([html.Span(t("legend.units", lang)), *dots], className="row"))
    rows.append(html.Div(t("legend.source", lang), className="source"))
    return rows
