"""Presentation mode (``?present=1``): the view's figures as slides for the meeting room.

One slide at a time, full screen, large type that grows with the screen (a 1920×1080 projector,
a 3840×2160 wall), no page furniture: the province map with its KPIs, the ranking, then each
prefecture under 区域限批 or behind its deadlines. app/assets/present.js steps through them with
the arrow keys (or every ``auto`` seconds: ``?present=1&auto=20``) and keeps the slide number in
the address (``#3``); app/assets/present.css lays them out. The view's filters, date and language
hold as on the page the presentation was opened from.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

import polars as pl
from dash import html

from app import format as fmt
from app.components import mapview
from app.components.kpi import card, standing_cards
from app.components.legend import FREEZE_TEXT, legend
from app.components.locator import locator
from app.components.tables import Col, table
from app.i18n import in_lang, layer_words, t, v
from app.state import ViewState, flag, to_search
from exitmap.scope import Scope
from exitmap.vocabulary import PREFECTURE_EN, PREFECTURES, PROVINCE_ADCODE
from layers.map import MEASURES, apply_filters, rank

PARAM = "present"
AUTO = "auto"
AUTO_RANGE = (3, 600)  # seconds a slide may stay when stepping by itself
TOP_UNITS = 8  # overdue units listed on a prefecture's slide

TEXT: dict[str, tuple[str, str]] = {
    "label": ("演示", "Presentation"),
    "province": ("全省", "Province"),
    "ranking": ("州（市）排名", "Prefecture ranking"),
    "title": ("{who}淘汰落后产能退出进展", "{who}: exit of outdated and inefficient capacity"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "auto": ("自动播放", "Play"),
    "full": ("全屏", "Full screen"),
    "exit": ("退出演示", "Leave"),
    "keys": (
        "← → 翻页 · F 全屏 · P 自动播放 · Esc 退出",
        "← → step · F full screen · P play · Esc leave",
    ),
    "where": ("{name}在云南省的位置", "Where {name} lies in Yunnan"),
    "overdue_units": ("逾期未完成装备（逾期最久的 {n} 台）", "Overdue units (the {n} latest)"),
    "no_overdue": ("无逾期装备", "No overdue units"),
    "freeze_reasons": ("限批原因：{reasons}", "Freeze: {reasons}"),
    "slide": ("第 {i} / {n} 页：{title}", "Slide {i} of {n}: {title}"),
}


def tx(key: str, lang: str, **kwargs) -> str:
    return in_lang(TEXT[key], lang, **kwargs)


def wanted(search: str | None) -> bool:
    return flag(search, PARAM)


def auto_seconds(search: str | None) -> int:
    """The ``auto`` interval asked for, within AUTO_RANGE; 0 when none (or not a number)."""
    values = parse_qs((search or "").lstrip("?")).get(AUTO)
    try:
        seconds = int(values[-1]) if values else 0
    except ValueError:
        return 0
    return min(max(seconds, AUTO_RANGE[0]), AUTO_RANGE[1]) if seconds > 0 else 0


def href(state: ViewState) -> str:
    """The presentation of a view (always from the province)."""
    search = to_search(state)
    return "/" + (search + "&" if search else "?") + urlencode({PARAM: 1})


def _frozen_words(row: dict, lang: str) -> list[str]:
    out = [t("nav.freeze", lang)] if row["freeze_triggered"] else []
    return out + ([FREEZE_TEXT["decided"][lang != "zh"]] if row.get("freeze_decided") else [])


def _slide(kids: list, title: str, n: int, kind: str) -> html.Section:
    return html.Section(
        kids,
        className=f"slide slide-{kind}",
        id=f"slide-{n}",
        hidden=n != 1,
        **{"aria-roledescription": "slide", "aria-label": title, "data-title": title},
    )


def whose(scope: Scope, lang: str) -> str:
    """Whose progress the deck shows: the province, or the prefectures of a limited scope."""
    if scope.all_prefectures:
        return "Yunnan" if lang == "en" else "云南省"
    names = PREFECTURE_EN if lang == "en" else PREFECTURES
    return (", " if lang == "en" else "、").join(names[a] for a in scope.adcodes())


def _province(ctx, state: ViewState, table_: pl.DataFrame) -> list:
    from app.pages.overview import map_hideout

    lang = state.lang
    hideout = map_hideout(ctx, table_, state)
    total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
    frozen = int(
        table_.filter((pl.col("adcode") != PROVINCE_ADCODE) & pl.col("freeze_triggered")).height
    )
    the_map = mapview.map_container(
        "pr-map",
        [
            *mapview.background(ctx, "pr"),
            *mapview.prefecture_layers(ctx, "pr", hideout),
            mapview.outline(ctx, "pr"),
            mapview.label_layer(ctx, "pr", hideout),
        ],
        bounds=ctx.province_bounds,
    )
    return [
        html.H2(tx("title", lang, who=whose(ctx.scope(), lang))),
        html.Div(
            [
                html.Div(
                    [the_map, html.Div(legend(hideout, lang, False), className="legend")],
                    className="card map-card",
                ),
                html.Div(standing_cards(total, lang, frozen), className="kpis"),
            ],
            className="slide-body",
        ),
    ]


def _ranking(state: ViewState, table_: pl.DataFrame) -> list:
    lang, m = state.lang, MEASURES[state.measure]
    ranked = rank(table_, state.measure).to_dicts()
    total = table_.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0] | {"rank": ""}
    total["name"] = t("province", lang)
    cols = [
        Col(t("c.rank", lang), lambda r: str(r["rank"]), True),
        Col(t("c.prefecture", lang), lambda r: v(r["name"], lang), nowrap=True),
        Col(
            t(f"m.{state.measure}", lang),
            lambda r: fmt.measure_value(r[m.column], m.kind, lang),
            True,
        ),
        Col(t("c.in_scope", lang), lambda r: fmt.integer(r["units_in_scope"]), True),
        Col(t("c.resolved", lang), lambda r: fmt.integer(r["units_resolved"]), True),
        Col(t("c.remaining", lang), lambda r: fmt.integer(r["units_remaining"]), True),
        Col(t("c.overdue", lang), lambda r: fmt.integer(r["units_overdue"]), True),
        Col(
            t("c.freeze", lang),
            lambda r: [html.Span(w, className="tag bad") for w in _frozen_words(r, lang)],
        ),
    ]
    return [
        html.H2(tx("ranking", lang)),
        html.Div(
            table(
                cols, ranked, total=total, id="present-ranking", row_id=lambda r: str(r["adcode"])
            ),
            className="slide-body single",
        ),
    ]


def _prefecture(ctx, state: ViewState, row: dict, units: pl.DataFrame, freeze) -> list:
    """``freeze``: the prefecture's row of layers.freeze.freeze_list (reasons in ``lang``)."""
    lang = state.lang
    name = v(row["name"], lang)
    words = _frozen_words(row, lang)
    late = (
        units.filter(pl.col("in_scope") & pl.col("overdue"))
        .sort("days_late", descending=True)
        .head(TOP_UNITS)
        .to_dicts()
    )
    cols = [
        Col(t("c.enterprise", lang), lambda r: r["enterprise_name"]),
        Col(t("c.equipment", lang), lambda r: r["equipment_name"]),
        Col(t("c.category", lang), lambda r: v(r["category"], lang)),
        Col(
            t("c.deadline", lang),
            lambda r: fmt.date(r["deadline"], lang) if r["deadline"] else "—",
            nowrap=True,
        ),
        Col(t("c.days_late", lang), lambda r: fmt.integer(r["days_late"]), True),
    ]
    cards = standing_cards(row, lang)
    facts = [
        html.Div(
            [card(t("k.rank", lang), f"{row['rank']} / 16"), *cards[:5], cards[6]],
            className="kpis",
        )
    ]
    if freeze is not None and freeze["triggered"]:
        reasons = tx("freeze_reasons", lang, reasons=freeze["trigger_reasons"])
        facts.append(html.P(reasons, className="reasons"))
    if freeze is not None and freeze["decided"]:
        facts.append(html.P(fmt.freeze_decided(freeze, lang), className="reasons"))
    facts.append(
        html.H3(tx("overdue_units", lang, n=len(late)) if late else tx("no_overdue", lang))
    )
    if late:
        facts.append(table(cols, late))
    return [
        html.H2([name, *(html.Span(w, className="tag bad") for w in words)]),
        html.Div(
            [
                locator(
                    ctx.geo.raw["prefectures"],
                    int(row["adcode"]),
                    bool(words),
                    tx("where", lang, name=name),
                ),
                html.Div(facts, className="facts-col"),
            ],
            className="slide-body prefecture",
        ),
    ]


def behind(ranked: pl.DataFrame) -> list[dict]:
    """The prefectures a meeting goes through: under 区域限批 (decided, then triggered) or with
    units past their deadline, the most overdue first."""
    rows = [
        r
        for r in ranked.to_dicts()
        if r["adcode"] != PROVINCE_ADCODE
        and (r["freeze_triggered"] or r.get("freeze_decided") or r["units_overdue"])
    ]
    return sorted(
        rows,
        key=lambda r: (
            not r.get("freeze_decided"),
            not r["freeze_triggered"],
            -r["units_overdue"],
            r["adcode"],
        ),
    )


def deck(ctx, state: ViewState, search: str | None, status: dict) -> html.Div:
    lang = state.lang
    on = state.date(ctx.today())
    scope = ctx.scope()
    table_ = ctx.data.table(on, scope, known_on=state.known, **state.filters())
    ranked = rank(table_, state.measure)
    units = apply_filters(ctx.data.units(on, scope, known_on=state.known), **state.filters())
    slides = [
        (tx("province", lang), "province", _province(ctx, state, table_)),
        (tx("ranking", lang), "ranking", _ranking(state, table_)),
    ]
    frozen = ctx.data.freeze_list(on, scope, state.known, **layer_words(lang))
    freezes = {int(r["adcode"]): r for r in frozen.to_dict("records")}
    for row in behind(ranked):
        mine = units.filter(pl.col("prefecture_adcode") == row["adcode"])
        freeze = freezes.get(int(row["adcode"]))
        slides.append(
            (v(row["name"], lang), "prefecture", _prefecture(ctx, state, row, mine, freeze))
        )
    n = len(slides)
    as_of = t("view_as_of", lang, date=fmt.date(on, lang))
    bar = html.Div(
        [
            html.Span(as_of),
            html.Span(tx("keys", lang), className="present-keys"),
            html.Span(ctx.marking, className="marking") if ctx.marking else None,
            html.Span(f"1 / {n}", id="present-counter", className="present-counter"),
            html.Span(
                tx("slide", lang, i=1, n=n, title=slides[0][0]),
                id="present-status",
                className="sr-only",
                role="status",
            ),
            html.Button(f"◀ {tx('prev', lang)}", type="button", **{"data-step": "prev"}),
            html.Button(f"{tx('next', lang)} ▶", type="button", **{"data-step": "next"}),
            html.Button(
                tx("auto", lang), type="button", **{"data-step": "auto", "aria-pressed": "false"}
            ),
            html.Button(tx("full", lang), type="button", **{"data-step": "full"}),
            html.A(tx("exit", lang), href="/" + to_search(state), id="present-exit"),
        ],
        className="present-bar",
    )
    return html.Div(
        [
            html.Div(
                [_slide(kids, title, i, kind) for i, (title, kind, kids) in enumerate(slides, 1)],
                className="slides",
            ),
            bar,
        ],
        id="present",
        className="present",
        **{
            "data-auto": str(auto_seconds(search)),
            "data-slide-words": TEXT["slide"][lang == "en"],
            "aria-label": tx("label", lang),
            "role": "region",
        },
    )
