"""The meeting deck (pptx, 16:9): province, ranking, each prefecture, 区域限批.

Slides, in order, for N selected prefectures — ``slide_count(N) = N + 5``:

1. title (date, issuer, 内部资料 marking);
2. 全省进展 — the province map by completion (区域限批 hatched) and six KPIs;
3. 排名与分行业 — the prefecture ranking beside eliminated-vs-remaining by sub-industry;
4 … N+3. one per prefecture — its map with units by stage, its standing, quota and overdue list;
N+4. 区域限批 — rule triggers beside recorded decisions, with the disagreements;
N+5. 群众举报 — the year's reports from the public by kind, the substantiated share and the
     days to close (layers/reports_year.py: the annual report's section 七 reads the same).

All 16 prefectures give 21 slides. The issue's "18-slide deck" cannot hold its own list
(title, map, ranking, sub-industry, 16 prefectures, freeze); folding ranking and sub-industry
onto one slide and keeping 区域限批 apart (it is a decision the meeting takes) gives N + 4.

Text is real slide text in 微软雅黑 (set on the East Asian slot too), so WPS and PowerPoint
on office PCs render it and it can be edited; charts and maps are PNGs drawn with Noto Sans CJK
by one ``charts.Renderer``. Every number comes from ``layers``; shape names (``kpi_*``) let
tests find them. Text boxes, cards, tables and pictures are drawn by ``exports.slides``; this
module says what each slide holds and where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from exitmap.scope import EVERYTHING, Scope
from exitmap.vocabulary import PROVINCE_ADCODE
from exports import charts, maps, slides
from exports.office import (
    ISSUER,
    SYNTHETIC_NOTE,
    as_of_zh,
    days,
    fixed_time,
    pct,
    stabilize,
    wan,
)
from exports.slides import ACCENT, BAD, INK, MUTED, OK
from layers import disclosure
from layers.freeze import freeze_list
from layers.meta import data_status
from layers.reports_year import ReportsYear, reports_year
from layers.standing import standing

WIDTH, HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, PowerPoint's 16:9
MARGIN = Inches(0.45)
BODY_TOP = Inches(1.25)
LAYOUT_TITLE, LAYOUT_TITLE_ONLY = 0, 5
OVERDUE_ROWS = 5  # rows of a prefecture's overdue table; the rest is counted under it
DECK_TITLE = "云南省淘汰落后和低端低效产能退出工作情况"


def slide_count(prefectures: int) -> int:
    return prefectures + 5


# ------------------------------------------------------------- every slide's title and footer


def _title(slide, text: str) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = (
        MARGIN,
        Inches(0.3),
        Inches(12.4),
        Inches(0.8),
    )
    shape.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    slides.fill_text(shape.text_frame, [(text, 28, True, ACCENT)], 28)
    line = slide.shapes.add_connector(1, MARGIN, Inches(1.12), WIDTH - MARGIN, Inches(1.12))
    line.line.color.rgb = slides.rgb(ACCENT)
    line.line.width = Pt(2)


def _footer(slide, ctx: Context, n: int, total: int) -> None:
    left = f"{as_of_zh(ctx.on, ctx.known_on)}　｜　{ctx.marking}" + (
        "　｜　含演示数据" if ctx.synthetic else ""
    )
    slides.textbox(slide, MARGIN, Inches(7.02), Inches(9), Inches(0.35), [left], 11, colour=MUTED)
    slides.textbox(
        slide,
        WIDTH - MARGIN - Inches(2),
        Inches(7.02),
        Inches(2),
        Inches(0.35),
        [f"{n} / {total}"],
        11,
        colour=MUTED,
        align=PP_ALIGN.RIGHT,
    )


# ---------------------------------------------------------------------------------- the deck


@dataclass
class Context:
    """Everything the slides draw, read once through ``layers``."""

    on: dt.date
    standing: pd.DataFrame
    units: pd.DataFrame
    freeze: pd.DataFrame
    prefectures: list[int]
    synthetic: bool
    marking: str = "内部资料"
    frozen: set[int] = field(default_factory=set)
    known_on: dt.date | None = None  # as known on that day; None: everything known now
    reports: ReportsYear | None = None  # the year's reports from the public up to ``on``
    taken_by: str = ""  # who took this deck (the web app's requester), in its properties

    def row(self, adcode: int) -> pd.Series:
        return self.standing.set_index("adcode").loc[adcode]


def read_context(
    engine: sa.Engine,
    on: dt.date,
    prefectures: Iterable[int] | None = None,
    marking="内部资料",
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
) -> Context:
    """What the slides draw, as ``scope`` sees it (a prefecture's deck holds its own), as
    known on ``known_on`` if given."""
    table = standing(engine, on, scope=scope, known_on=known_on)
    known = [int(a) for a in table["adcode"] if a != PROVINCE_ADCODE]
    chosen = known if prefectures is None else [int(a) for a in prefectures]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"未知的州（市）代码：{'、'.join(map(str, unknown))}")
    freeze = freeze_list(engine, on, scope=scope, known_on=known_on)
    frozen = set(freeze.loc[freeze["triggered"] | freeze["decided"], "adcode"].astype(int))
    return Context(
        on=on,
        standing=table,
        units=disclosure.units(engine, on, scope=scope, known_on=known_on),
        freeze=freeze,
        prefectures=[a for a in known if a in set(chosen)],
        synthetic=bool(data_status(engine).get("synthetic")),
        marking=marking,
        frozen=frozen,
        known_on=known_on,
        reports=reports_year(engine, on.year, on, scope),
    )


def _title_slide(prs, ctx: Context) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = (
        Inches(0.8),
        Inches(2.2),
        Inches(11.7),
        Inches(1.4),
    )
    slides.fill_text(title.text_frame, [(DECK_TITLE, 36, True, ACCENT)], 36, align=PP_ALIGN.CENTER)
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Inches(0.8),
        Inches(3.9),
        Inches(11.7),
        Inches(1.4),
    )
    lines = [(as_of_zh(ctx.on, ctx.known_on), 20, False, INK), (ISSUER, 18, False, MUTED)]
    if ctx.synthetic:
        lines.append((SYNTHETIC_NOTE, 14, True, BAD))
    slides.fill_text(subtitle.text_frame, lines, 18, align=PP_ALIGN.CENTER)
    mark = slides.textbox(
        slide,
        WIDTH - Inches(2.3),
        Inches(0.4),
        Inches(1.8),
        Inches(0.55),
        [(ctx.marking, 18, True, BAD)],
        18,
        align=PP_ALIGN.CENTER,
    )
    mark.line.color.rgb = slides.rgb(BAD)
    mark.line.width = Pt(1.5)


def _province_slide(prs, ctx: Context, renderer: charts.Renderer) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, "全省产能退出进展")
    fig = maps.province(ctx.standing, ctx.frozen, ctx.marking)
    slides.picture(
        slide,
        renderer.png(fig, 800, 600),
        MARGIN,
        BODY_TOP,
        height=Inches(5.7),
        name="map_province",
    )
    t = ctx.row(PROVINCE_ADCODE)
    frozen = sorted(ctx.frozen)
    decided = int(ctx.freeze["decided"].sum())
    cards = [
        (
            "完成率（按台套）",
            pct(t["completion_units_pct"]),
            f"已完成 {t['units_resolved']} / 纳入范围 {t['units_in_scope']} 台（套）",
            "kpi_completion_units",
        ),
        (
            "完成率（按年综合能耗）",
            pct(t["completion_energy_pct"]),
            f"{wan(t['energy_resolved_tce'], '')} / {wan(t['energy_in_scope_tce'], '吨标煤')}",
            "kpi_completion_energy",
        ),
        (
            "未完成装备（台套）",
            f"{t['units_remaining']}",
            f"其中已逾期 {t['units_overdue']} 台（套）",
            "kpi_remaining",
        ),
        (
            "区域限批（个州、市）",
            f"{len(frozen)}",
            f"规则触发 {int(ctx.freeze['triggered'].sum())} 个；已作出决定 {decided} 个",
            "kpi_freeze",
        ),
        (
            "释放能耗指标（万吨标准煤）",
            f"{t['quota_released_tce'] / 1e4:,.2f}",
            f"已分配 {wan(t['quota_allocated_tce'], '')}，结余 {wan(t['quota_balance_tce'], '')}",
            "kpi_quota",
        ),
        (
            "加价电费估算（万元/年）",
            f"{t['surcharge_estimate_yuan'] / 1e4:,.2f}",
            "未完成装备的差别电价、惩罚性电价",
            "kpi_surcharge",
        ),
    ]
    alarming = ("kpi_remaining", "kpi_freeze")
    coloured = [
        (label, value, sub, name, BAD if name in alarming and value != "0" else ACCENT)
        for label, value, sub, name in cards
    ]
    w, h, gap = Inches(2.35), Inches(1.72), Inches(0.14)
    slides.card_grid(slide, Inches(8.05), BODY_TOP, w, h, gap, coloured, big=28)


def _ranking_slide(prs, ctx: Context, renderer: charts.Renderer) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, "各州（市）完成情况排名与分行业退出进度")
    w, h = Inches(6.1), Inches(5.34)
    slides.textbox(
        slide,
        MARGIN,
        BODY_TOP,
        w,
        Inches(0.4),
        [("各州（市）完成率（按台套，斜线为区域限批）", 15, True, INK)],
        15,
    )
    slides.picture(
        slide,
        renderer.png(charts.ranking(ctx.standing, ctx.frozen), 640, 560),
        MARGIN,
        BODY_TOP + Inches(0.4),
        height=h,
        name="chart_ranking",
    )
    right = WIDTH - MARGIN - w
    slides.textbox(
        slide,
        right,
        BODY_TOP,
        w,
        Inches(0.4),
        [("分细分行业：已退出、已改造达标与未完成（台套）", 15, True, INK)],
        15,
    )
    slides.picture(
        slide,
        renderer.png(charts.sub_industry(ctx.units), 640, 560),
        right,
        BODY_TOP + Inches(0.4),
        height=h,
        name="chart_sub_industry",
    )


def _overdue_rows(units: pd.DataFrame) -> list[list[str]]:
    late = units[units["overdue"].astype(bool)].sort_values(
        ["days_late", "unit_key"], ascending=[False, True], kind="stable"
    )
    return [
        [
            r.enterprise_name,
            f"{r.sub_industry} {r.equipment_name}",
            r.category,
            f"{r.deadline:%Y-%m-%d}",
            f"{int(r.days_late)}",
        ]
        for r in late.itertuples()
    ]


def _target_line(value, year: int) -> str:
    """「2026年度目标完成 97.9%」, or nothing where no target was set for the year."""
    return "" if value is None or pd.isna(value) else f"{year}年度目标完成 {pct(value)}"


def _prefecture_slide(prs, ctx: Context, adcode: int, renderer: charts.Renderer) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    r = ctx.row(adcode)
    frozen = adcode in ctx.frozen
    _title(slide, f"{r['name']}" + ("（区域限批）" if frozen else ""))
    units = ctx.units[ctx.units["prefecture_adcode"] == adcode]
    fig = maps.prefecture(adcode, units, ctx.marking)
    slides.picture(
        slide,
        renderer.png(fig, 720, 600),
        MARGIN,
        BODY_TOP,
        height=Inches(5.65),
        name="map_prefecture",
    )
    left, width = Inches(7.35), Inches(5.53)
    w, h, gap = Inches(2.7), Inches(1.12), Inches(0.13)
    cards = [
        (
            "完成率（按台套）",
            pct(r["completion_units_pct"]),
            f"{r['units_resolved']} / {r['units_in_scope']} 台（套）",
            "kpi_completion_units",
            ACCENT,
        ),
        (
            "完成率（按年综合能耗）",
            pct(r["completion_energy_pct"]),
            f"{wan(r['energy_resolved_tce'], '')} / {wan(r['energy_in_scope_tce'], '吨标煤')}",
            "kpi_completion_energy",
            ACCENT,
        ),
        (
            "未完成 / 已逾期（台套）",
            f"{r['units_remaining']} / {r['units_overdue']}",
            _target_line(r["target_completion_pct"], ctx.on.year),
            "kpi_remaining",
            BAD if r["units_overdue"] else ACCENT,
        ),
        (
            "区域限批",
            "是" if frozen else "否",
            (r["freeze_reasons"] or "已作出限批决定") if frozen else "未触发",
            "kpi_freeze",
            BAD if frozen else OK,
        ),
    ]
    slides.card_grid(slide, left, BODY_TOP, w, h, gap, cards, big=20, compact=True)
    quota = (
        f"能耗指标：释放 {wan(r['quota_released_tce'], '')} ｜ "
        f"已分配 {wan(r['quota_allocated_tce'], '')} ｜ 结余 {wan(r['quota_balance_tce'])}"
    )
    top = BODY_TOP + 2 * h + gap
    slides.textbox(
        slide, left, top + Inches(0.05), width, Inches(0.36), [quota], 12, name="kpi_quota"
    )
    top += Inches(0.45)
    rows = _overdue_rows(units)
    slides.textbox(
        slide,
        left,
        top,
        width,
        Inches(0.36),
        [(f"逾期未完成装备（{len(rows)} 台套）", 15, True, BAD if rows else INK)],
        15,
    )
    if not rows:
        slides.textbox(
            slide,
            left,
            top + Inches(0.4),
            width,
            Inches(0.4),
            ["无逾期未完成装备。"],
            13,
            colour=MUTED,
        )
        return
    shown = rows[:OVERDUE_ROWS]
    slides.table(
        slide,
        left,
        top + Inches(0.4),
        width,
        ["企业", "装备", "类别", "期限", "逾期(天)"],
        shown,
        [1.85, 1.25, 0.83, 1.0, 0.6],
        size=10,
        name="table_overdue",
        row_h=0.33,
    )
    if len(rows) > len(shown):
        slides.textbox(
            slide,
            left,
            Inches(6.7),
            width,
            Inches(0.3),
            [f"另有 {len(rows) - len(shown)} 台（套），详见逾期名单。"],
            11,
            colour=MUTED,
        )


def _freeze_slide(prs, ctx: Context) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    _title(slide, "区域限批：规则触发与限批决定")
    rule = (
        "依据：对未按时完成淘汰落后产能任务的州（市），实行建设项目“区域限批”"
        "（征求意见稿 三(六)）。规则按逾期未完成装备计算；决定以文件为准，二者不一致时列出。"
    )
    slides.textbox(
        slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(0.6), [rule], 13, colour=MUTED
    )
    shown = ctx.freeze[ctx.freeze["triggered"] | ctx.freeze["decided"]]
    if shown.empty:
        slides.textbox(
            slide,
            MARGIN,
            BODY_TOP + Inches(0.8),
            Inches(8),
            Inches(0.5),
            [("无州（市）触发区域限批，也无生效的限批决定。", 18, True, OK)],
            18,
        )
        return
    rows = [
        [
            f.name,
            "是" if f.triggered else "否",
            f.trigger_reasons or "—",
            f"{f.decision_document}（{f.decision_start:%Y-%m-%d}起）" if f.decided else "—",
            f.disagreement or "一致",
        ]
        for f in shown.itertuples()
    ]
    slides.table(
        slide,
        MARGIN,
        BODY_TOP + Inches(0.75),
        WIDTH - 2 * MARGIN,
        ["州（市）", "规则触发", "触发原因", "限批决定", "说明"],
        rows,
        [2.3, 1.0, 4.2, 1.6, 3.33],
        size=11,
        name="table_freeze",
        row_h=0.4,
    )


def _reports_slide(prs, ctx: Context) -> None:
    """The year's reports from the public (seed 三(七)) by kind, counts only."""
    slide = prs.slides.add_slide(prs.slide_layouts[LAYOUT_TITLE_ONLY])
    year = ctx.on.year
    _title(slide, f"{year}年群众举报受理和办理情况")
    found = ctx.reports
    total = found.total
    basis = (
        f"{year}年1月1日至{ctx.on.month}月{ctx.on.day}日受理的举报，由省领导小组办公室集中受理、"
        "按职责移交主管部门限期核查（征求意见稿 三(七)）；属实率按已办结计，办结天数自受理起算。"
    )
    slides.textbox(
        slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(0.6), [basis], 13, colour=MUTED
    )
    cards = [
        ("受理举报（件）", str(total["received"]), "", "kpi_reports_received"),
        ("已办结（件）", str(total["closed"]), "", "kpi_reports_closed"),
        (
            "查证属实率",
            pct(total["substantiated_pct"]),
            f"查证属实 {total['substantiated']} 件",
            "kpi_reports_substantiated",
        ),
        ("平均办结天数", days(total["days_to_close"]), "", "kpi_reports_days"),
    ]
    w, h, gap = Inches(2.95), Inches(1.35), Inches(0.19)
    for i, (label, value, sub, name) in enumerate(cards):
        slides.card(slide, MARGIN + i * (w + gap), Inches(1.95), w, h, label, value, sub, name)
    rows = [
        [
            r["kind"],
            str(r["received"]),
            str(r["closed"]),
            str(r["substantiated"]),
            pct(r["substantiated_pct"]),
            days(r["days_to_close"]),
        ]
        for r in [*found.kinds.to_dict("records"), total]
    ]
    slides.table(
        slide,
        MARGIN,
        Inches(3.55),
        WIDTH - 2 * MARGIN,
        ["类别", "受理", "办结", "查证属实", "属实率", "平均办结天数"],
        rows,
        [3.43, 1.7, 1.7, 1.8, 1.8, 2.0],
        size=12,
        name="table_reports",
        row_h=0.42,
    )


def build(ctx: Context, renderer: charts.Renderer) -> Presentation:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _title_slide(prs, ctx)
    _province_slide(prs, ctx, renderer)
    _ranking_slide(prs, ctx, renderer)
    for adcode in ctx.prefectures:
        _prefecture_slide(prs, ctx, adcode, renderer)
    _freeze_slide(prs, ctx)
    _reports_slide(prs, ctx)
    total = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        if n > 1:
            _footer(slide, ctx, n, total)
    props = prs.core_properties
    props.title = f"{DECK_TITLE}（{as_of_zh(ctx.on, ctx.known_on, sep='')}）"
    props.author = props.last_modified_by = ctx.taken_by or "产能退出一张图"
    if ctx.taken_by:
        props.comments = f"取用：{ctx.taken_by}"
    props.created = props.modified = fixed_time(ctx.on)
    props.revision = 1
    return prs


def write_deck(
    engine: sa.Engine,
    on: dt.date,
    path: Path,
    prefectures: Iterable[int] | None = None,
    renderer: charts.Renderer | None = None,
    marking: str = "内部资料",
    scope: Scope = EVERYTHING,
    taken_by: str = "",
    known_on: dt.date | None = None,
) -> int:
    """Write the deck for ``on`` as ``scope`` sees it (as known on ``known_on``, if given);
    return its slide count."""
    ctx = read_context(engine, on, prefectures, marking, scope=scope, known_on=known_on)
    ctx.taken_by = taken_by
    with renderer or charts.Renderer() as r:
        prs = build(ctx, r)
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(path)
    stabilize(path, on)
    return len(prs.slides)
