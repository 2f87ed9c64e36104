"""The annual report of seed 四(一): the year's exits, quota, freezes and carried-over tasks.

By 31 January the office reports the past year to the provincial government. ``annual(engine,
year, on)`` reads the year as of its last day (or ``on`` while the year runs) into ``Table``s and
a short narrative written from the same numbers; ``write_docx`` sets them as a formal Chinese
report (GB/T 9704 fonts and margins), ``write_xlsx`` as one sheet per table after a 说明 sheet.

Tables: 1 by prefecture, 2 by sub-industry, 3 by category, 4 by lead department, 5 energy quota,
6 区域限批, 7 overdue tasks carried into the next year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from exitmap import cells
from exitmap.vocabulary import PROVINCE_ADCODE
from exports.office import (
    DOC_FONT_BODY,
    DOC_FONT_HEADING,
    DOC_FONT_TITLE,
    ISSUER,
    SYNTHETIC_NOTE,
    date_zh,
    days,
    fixed_time,
    pct,
    stabilize,
    wan,
)
from layers import disclosure, inspections, land, replacement
from layers.meta import data_status
from layers.reports_year import reports_year
from layers.resettlement import plans, without_plan
from layers.standing import standing
from layers.targets import lines


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    widths: list[float]  # cm in the docx; ×2 characters in the xlsx
    note: str = ""


# The report's parts: a heading, its paragraphs and its tables, in order.
Section = tuple[str, list[str], list[Table]]


@dataclass(frozen=True)
class Annual:
    year: int
    on: dt.date
    sections: list[Section]
    synthetic: bool

    @property
    def tables(self) -> list[Table]:
        return [t for _, _, ts in self.sections for t in ts]


def _n(x) -> int:
    return int(x) if x == x else 0


def _exit_counts(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.groupby(by, sort=False).agg(
        units=("unit_key", "size"),
        firms=("enterprise_name", "nunique"),
        energy=("energy_tce", lambda s: round(float(s.fillna(0).sum()), 2)),
        capacity=("capacity_wt", lambda s: round(float(s.fillna(0).sum()), 2)),
    )


@dataclass(frozen=True)
class _Year:
    """What the sections read: the year's units and exits, and the standing at its end."""

    engine: sa.Engine
    year: int
    on: dt.date | None
    end: dt.date
    units: pd.DataFrame
    exits: pd.DataFrame
    province: pd.Series
    prefectures: pd.DataFrame


def _read_year(engine: sa.Engine, year: int, on: dt.date | None) -> _Year:
    end = disclosure.year_end(year, on)
    units = disclosure.units(engine, end)
    table = standing(engine, end)
    return _Year(
        engine,
        year,
        on,
        end,
        units,
        disclosure.exited_in_year(units, year),
        table.set_index("adcode").loc[PROVINCE_ADCODE],
        table[table["adcode"] != PROVINCE_ADCODE],
    )


def annual(engine: sa.Engine, year: int, on: dt.date | None = None) -> Annual:
    data = _read_year(engine, year, on)
    by_prefecture = _prefecture_table(data)
    sections = [
        _overall(data, by_prefecture),
        _regions(by_prefecture),
        _industries(data),
        _quota(data),
        _freeze(data),
        _carried_over(data),
        _reports(data),
        _targets(data),
        _resettlement(data),
        _duties(data),
    ]
    synthetic = bool(data_status(engine).get("synthetic"))
    return Annual(year, data.end, sections, synthetic)


def _prefecture_table(data: _Year) -> Table:
    """Table 1: each prefecture's exits in the year and its standing at the year's end."""
    exits, prov = data.exits, data.province
    by_pref = _exit_counts(exits, ["prefecture_adcode"])
    return Table(
        "by_prefecture",
        f"表1　{data.year}年各州（市）产能退出情况",
        [
            "州（市）",
            "退出装备（台套）",
            "涉及企业（家）",
            "退出装备年综合能耗（吨标准煤）",
            "年末完成率（台套）",
            "年末未完成（台套）",
            "年末逾期（台套）",
        ],
        [
            [
                r.name,
                _n(by_pref["units"].get(r.adcode, 0)),
                _n(by_pref["firms"].get(r.adcode, 0)),
                float(by_pref["energy"].get(r.adcode, 0.0)),
                pct(r.completion_units_pct),
                r.units_remaining,
                r.units_overdue,
            ]
            for r in data.prefectures.itertuples()
        ]
        + [
            [
                "全省",
                len(exits),
                exits["enterprise_name"].nunique(),
                round(float(exits["energy_tce"].fillna(0).sum()), 2),
                pct(prov["completion_units_pct"]),
                int(prov["units_remaining"]),
                int(prov["units_overdue"]),
            ]
        ],
        [3.2, 1.8, 1.6, 2.6, 1.8, 1.7, 1.6],
    )


def _overall(data: _Year, by_prefecture: Table) -> Section:
    """一、总体情况: the year's exits and the province's completion at its end."""
    exits, prov = data.exits, data.province
    exits_energy = float(exits["energy_tce"].fillna(0).sum())
    overview = [
        f"{data.year}年，全省共退出落后和低端低效产能装备{len(exits)}台（套），涉及企业"
        f"{exits['enterprise_name'].nunique()}家，退出装备年综合能耗{wan(exits_energy)}。"
        f"截至{date_zh(data.end)}，全省纳入退出范围的装备{int(prov['units_in_scope'])}台（套），"
        f"已完成{int(prov['units_resolved'])}台（套），完成率{pct(prov['completion_units_pct'])}"
        f"（按能耗计{pct(prov['completion_energy_pct'])}）。",
    ]
    return "一、总体情况", overview, [by_prefecture]


def _regions(by_prefecture: Table) -> Section:
    """二、分地区情况: the prefectures that exited most, and those with nothing left to do."""
    top = by_prefecture.rows[:-1]
    top = sorted(top, key=lambda r: (-r[1], r[0]))[:3]
    done = [r[0] for r in by_prefecture.rows[:-1] if r[5] == 0 and r[4] != "—"]
    regions = []
    if top and top[0][1]:
        named = "、".join(f"{r[0]}（{r[1]}台套）" for r in top if r[1])
        regions.append(f"退出装备较多的州（市）是{named}。")
    regions.append(
        f"年末已全部完成退出任务的州（市）{len(done)}个"
        + (f"：{'、'.join(done)}。" if done else "。")
    )
    return "二、分地区情况", regions, []


def _industries(data: _Year) -> Section:
    """三、分行业、分类别和分部门情况: tables 2–4 and the sub-industries that exited most."""
    year, exits = data.year, data.exits
    by_sub = _exit_counts(exits.sort_values(["sector", "sub_industry"]), ["sector", "sub_industry"])
    t2 = Table(
        "by_sub_industry",
        f"表2　{year}年分行业产能退出情况",
        ["行业", "细分行业", "退出装备（台套）", "产能（万吨/年）", "年综合能耗（吨标准煤）"],
        [[s, sub, _n(r.units), r.capacity, r.energy] for (s, sub), r in by_sub.iterrows()]
        + [["合计", "", len(exits), "—", round(float(exits["energy_tce"].fillna(0).sum()), 2)]],
        [2.4, 2.4, 2.6, 2.6, 3.6],
        "产能只在同一细分行业内相加，不跨行业合计（不同产品的吨数不可相加）。",
    )
    by_cat = _exit_counts(exits, ["category"])
    cats = [c for c in disclosure.LEAD_DEPARTMENTS if c in by_cat.index]
    t3 = Table(
        "by_category",
        f"表3　{year}年分退出类别情况",
        ["退出类别", "牵头部门", "退出装备（台套）", "年综合能耗（吨标准煤）"],
        [
            [c, disclosure.departments(c), _n(by_cat.at[c, "units"]), by_cat.at[c, "energy"]]
            for c in cats
        ],
        [2.8, 5.6, 2.6, 3.6],
    )
    dept_rows: dict[str, list] = {}
    for c in cats:
        for d in disclosure.LEAD_DEPARTMENTS[c]:
            row = dept_rows.setdefault(d, [d, 0, 0.0, []])
            row[1] += _n(by_cat.at[c, "units"])
            row[2] = round(row[2] + by_cat.at[c, "energy"], 2)
            row[3].append(c)
    t4 = Table(
        "by_department",
        f"表4　{year}年各牵头部门负责类别的退出情况",
        ["牵头部门", "退出装备（台套）", "年综合能耗（吨标准煤）", "负责类别"],
        [[d, n, e, "、".join(cs)] for d, n, e, cs in dept_rows.values()],
        [3.8, 2.6, 3.4, 4.8],
        "联合牵头的类别（能耗不达标、限制类）计入每个牵头部门，各部门之和不等于全省合计。",
    )
    sectors = []
    if len(by_sub):
        best = by_sub.sort_values("units", ascending=False, kind="stable").iloc[:3]
        sectors.append(
            "按细分行业，退出较多的是"
            + "、".join(f"{sub}（{_n(r.units)}台套）" for (_, sub), r in best.iterrows())
            + "。按类别，"
            + "，".join(f"{c}{_n(by_cat.at[c, 'units'])}台（套）" for c in cats)
            + "。"
        )
    else:
        sectors.append("本年度无装备退出。")
    return "三、分行业、分类别和分部门情况", sectors, [t2, t3, t4]


def _quota(data: _Year) -> Section:
    """四、能耗指标释放与使用: table 5, quota released and allocated in the year."""
    year = data.year
    quota = disclosure.quota_in_year(data.engine, year, data.on)
    t5 = Table(
        "quota",
        f"表5　{year}年能耗指标释放与分配情况（吨标准煤）",
        ["州（市）", "年内释放", "年内分配", "年末结余"],
        [[r.name, r.released_tce, r.allocated_tce, r.quota_balance_tce] for r in quota.itertuples()]
        + [
            [
                "全省",
                round(quota["released_tce"].sum(), 2),
                round(quota["allocated_tce"].sum(), 2),
                round(quota["quota_balance_tce"].sum(), 2),
            ]
        ],
        [3.6, 3.6, 3.6, 3.6],
        "释放指标留在当地州（市），用于当地企业转型发展和项目建设（征求意见稿 三(四)）。",
    )
    q = t5.rows[-1]
    quota_text = [
        f"年内释放能耗指标{wan(q[1])}，分配{wan(q[2])}，年末结余{wan(q[3])}，均留在当地州（市）。"
    ]
    return "四、能耗指标释放与使用", quota_text, [t5]


def _freeze(data: _Year) -> Section:
    """五、区域限批: table 6, rule triggers beside the decisions in force or made in the year."""
    freezes = disclosure.freezes_in_year(data.engine, data.year, data.on)
    shown = freezes[
        freezes["triggered"]
        | freezes["in_force"]
        | (freezes["started_in_year"] != "")
        | (freezes["lifted_in_year"] != "")
    ]
    t6 = Table(
        "freeze",
        f"表6　{data.year}年末区域限批情况",
        ["州（市）", "规则触发", "触发原因", "年末生效决定", "年内作出", "年内解除", "说明"],
        [
            [
                f.name,
                "是" if f.triggered else "否",
                f.trigger_reasons or "—",
                f.decision_document or "—",
                f.started_in_year or "—",
                f.lifted_in_year or "—",
                f.disagreement or "一致",
            ]
            for f in shown.itertuples()
        ],
        [2.6, 1.2, 3.2, 2.4, 1.8, 1.8, 3.0],
    )
    triggered = freezes[freezes["triggered"]]
    freeze_text = [
        f"年末按规则触发区域限批的州（市）{len(triggered)}个"
        + (f"（{'、'.join(triggered['name'])}）" if len(triggered) else "")
        + f"；生效的限批决定{int(freezes['in_force'].sum())}个。"
        + (
            f"其中{int((freezes['disagreement'] != '').sum())}个州（市）规则与决定不一致，见表6。"
            if (freezes["disagreement"] != "").any()
            else ""
        )
    ]
    return "五、区域限批", freeze_text, [t6]


def _carried_over(data: _Year) -> Section:
    """六、结转下一年度的逾期任务: table 7, the units overdue at the year's end."""
    year, units = data.year, data.units
    late = units[units["overdue"].astype(bool)].sort_values(
        ["prefecture_adcode", "days_late", "unit_key"], ascending=[True, False, True]
    )
    t7 = Table(
        "carried_over",
        f"表7　结转{year + 1}年的逾期未完成任务",
        ["州（市）", "企业名称", "装备", "退出类别", "期限", "逾期天数"],
        [
            [
                r.prefecture_name,
                r.enterprise_name,
                f"{r.sub_industry} {r.equipment_name}",
                r.category,
                r.deadline,
                int(r.days_late),
            ]
            for r in late.itertuples()
        ],
        [2.6, 4.6, 3.0, 2.0, 2.2, 1.6],
    )
    carried = [
        f"年末仍有{len(late)}台（套）装备逾期未完成，涉及企业{late['enterprise_name'].nunique()}家、"
        f"州（市）{late['prefecture_adcode'].nunique()}个，结转{year + 1}年督办；"
        "逾期企业按征求意见稿 三(六) 纳入省信用信息共享平台并在“信用中国（云南）”公布。"
        if len(late)
        else f"年末无逾期未完成任务结转{year + 1}年。"
    ]
    return "六、结转下一年度的逾期任务", carried, [t7]


def _report_row(r: dict) -> list:
    return [
        r["kind"],
        r["received"],
        r["closed"],
        r["substantiated"],
        pct(r["substantiated_pct"]),
        days(r["days_to_close"]),
    ]


def _reports(data: _Year) -> Section:
    """七、群众举报: table 8, the year's reports by kind (seed 三(七)), counts only."""
    year = data.year
    found = reports_year(data.engine, year, data.end)
    rows = [_report_row(r) for r in [*found.kinds.to_dict("records"), found.total]]
    received, closed = found.total["received"], found.total["closed"]
    substantiated = found.total["substantiated"]
    share = pct(found.total["substantiated_pct"])
    t8 = Table(
        "reports",
        f"表8　{year}年群众举报受理和办理情况",
        ["类别", "受理", "办结", "查证属实", "属实率", "平均办结天数"],
        rows,
        [3.4, 2.0, 2.0, 2.2, 2.0, 2.8],
        "举报由省淘汰落后产能工作领导小组办公室集中受理，按职责移交主管部门限期核查"
        "（征求意见稿 三(七)）；属实率按已办结计。",
    )
    text = [
        f"全年受理群众举报{received}件，办结{closed}件，其中查证属实{substantiated}件（属实率{share}）。"
        if received
        else "全年未受理群众举报。"
    ]
    return "七、群众举报", text, [t8]


def _targets(data: _Year) -> Section:
    """八、年度目标任务完成情况: table 9, each prefecture's lines for the year at its end."""
    year = data.year
    frame = lines(data.engine, data.end, years=(year, year))
    rows = []
    for (_, name), group in frame.groupby(["prefecture_adcode", "name"], sort=True):
        done = int((group["pct"] >= 100).sum())
        rows.append([name, len(group), done, int(group["missed"].sum()),
                     pct(round(group["pct"].mean(), 1))])  # fmt: skip
    t9 = Table(
        "targets",
        f"表9　{year}年度目标任务完成情况",
        ["州（市）", "目标项数", "已完成", "逾期未完成", "完成率"],
        rows,
        [4.4, 2.2, 2.2, 2.6, 2.2],
        "一项目标的完成率取其装备数、能耗和指定装备中最低者（每项至多100%），"
        "州（市）完成率为各项平均；按当年1月1日至完成期限的实际退出计算。",
    )
    if frame.empty:
        return "八、年度目标任务完成情况", [f"{year}年度未下达目标任务。"], [t9]
    text = [
        f"全省{len(rows)}个州（市）下达{year}年度目标任务{len(frame)}项，"
        f"截至{data.end:%Y年%m月%d日}完成{int((frame['pct'] >= 100).sum())}项，"
        f"逾期未完成{int(frame['missed'].sum())}项。"
    ]
    return "八、年度目标任务完成情况", text, [t9]


def _resettlement(data: _Year) -> Section:
    """九、职工安置: table 10, the plans by prefecture at the year's end (seed 四(三)), and the
    firms whose units exited with no plan recorded."""
    found = plans(data.engine, data.end)
    missing = without_plan(data.engine, data.end)
    rows = [
        [name, len(g), int(g["workers"].sum()), int(g["resettled"].sum()),
         round(float(g["funds_10k_yuan"].fillna(0).sum()), 2)]
        for (_, name), g in found.groupby(["prefecture_adcode", "prefecture_name"], sort=True)
    ]  # fmt: skip
    if rows:
        rows.append(["全省", *(sum(r[i] for r in rows) for i in range(1, 4)),
                     round(sum(r[4] for r in rows), 2)])  # fmt: skip
    t10 = Table(
        "resettlement",
        f"表10　截至{data.year}年底职工安置情况",
        ["州（市）", "企业数", "涉及职工", "已安置", "安置资金（万元）"],
        rows,
        [4.4, 2.0, 2.4, 2.4, 3.2],
        "按已登记的职工安置方案统计（征求意见稿 四(三)）。",
    )
    workers = int(found["workers"].sum())
    text = [
        f"已登记职工安置方案{len(found)}个，涉及职工{workers}人，已安置{int(found['resettled'].sum())}人。"
        if len(found)
        else "尚未登记职工安置方案。",
        f"有装备已退出但尚无安置方案的企业{len(missing)}家。" if len(missing) else "",
    ]
    return "九、职工安置", [t for t in text if t], [t10]


def _in_year(frame: pd.DataFrame, column: str, year: int) -> pd.DataFrame:
    """The rows whose date ``column`` falls in ``year`` (an empty frame keeps its columns)."""
    return frame.loc[[d.year == year for d in frame[column]]]


def _duties(data: _Year) -> Section:
    """十、督导检查、产能置换与土地处置: table 11, per prefecture, the year's inspection findings
    (closed, overdue at the year's end), replacement projects approved and the exited capacity
    they use, and the exited sites disposed of (seed 四(五), 二(三), 三(三))."""
    year, end = data.year, data.end
    found = _in_year(inspections.findings(data.engine, end), "visited_on", year)
    projects = _in_year(replacement.projects(data.engine), "approved_on", year)
    sites = _in_year(land.sites(data.engine, end), "outcome_date", year)
    names = dict(zip(data.prefectures["adcode"], data.prefectures["name"], strict=True))
    rows = []
    for adcode, name in sorted(names.items()):
        f = found[found["prefecture_adcode"] == adcode]
        pr = projects[projects["prefecture_adcode"] == adcode]
        si = sites[sites["prefecture_adcode"] == adcode]
        state = f["state"]
        row = [name, len(f), int((state == "closed").sum()), int((state == "overdue").sum()),
               len(pr), round(float(pr["used_capacity_wt"].sum()), 2), len(si),
               round(float(si["area_mu"].sum()), 2)]  # fmt: skip
        if any(row[1:]):
            rows.append(row)
    if rows:
        rows.append(["全省", *(round(sum(r[i] for r in rows), 2) for i in range(1, 8))])
    t11 = Table(
        "duties",
        f"表11　{year}年督导检查、产能置换与退出场地处置情况",
        ["州（市）", "检查发现问题", "已销号", "逾期未整改", "置换项目", "使用退出产能（万吨/年）",
         "处置场地", "面积（亩）"],
        rows,
        [3.0, 1.9, 1.5, 1.9, 1.6, 2.6, 1.6, 1.9],
        "问题按当年检查计、状态为年底状态；置换项目按当年批复计；场地按当年处置计。",
    )  # fmt: skip
    if not rows:
        return (
            "十、督导检查、产能置换与土地处置",
            [f"{year}年无督导检查、产能置换和场地处置记录。"],
            [t11],
        )
    total = rows[-1]
    text = [
        f"全年督导检查发现问题{total[1]}个，已销号{total[2]}个，年底逾期未整改{total[3]}个；"
        f"批复产能置换项目{total[4]}个，使用退出产能{total[5]:g}万吨/年；"
        f"处置退出场地{total[6]}块，面积{total[7]:g}亩。"
    ]
    return "十、督导检查、产能置换与土地处置", text, [t11]


def report_title(year: int) -> str:
    return f"关于{year}年度全省落后和低端低效产能退出情况的报告"


# ---------------------------------------------------------------------------------- docx


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, font: str, size: float, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28 if size >= 14 else 18)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), font, size, bold)
    return p


def _cell_text(v) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}"
    return str(v)


def _doc_table(doc, t: Table) -> None:
    _para(doc, t.title, DOC_FONT_HEADING, 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    table = doc.add_table(rows=1, cols=len(t.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, values in enumerate([t.headers, *t.rows]):
        cells = table.rows[0].cells if i == 0 else table.add_row().cells
        for j, v in enumerate(values):
            cells[j].width = Cm(t.widths[j])
            p = cells[j].paragraphs[0]
            numeric = isinstance(v, int | float) and i > 0
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.CENTER
            _font(p.add_run(_cell_text(v)), DOC_FONT_TITLE, 10, bold=i == 0)
    if not t.rows:
        _para(doc, "（无）", DOC_FONT_BODY, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    if t.note:
        _para(doc, f"注：{t.note}", DOC_FONT_BODY, 10.5, indent=False)
    _para(doc, "", DOC_FONT_BODY, 10.5, indent=False)


def write_docx(report: Annual, path: Path) -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _para(
        doc,
        report_title(report.year),
        DOC_FONT_TITLE,
        22,
        True,
        WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _para(
        doc,
        f"（数据截至{date_zh(report.on)}）",
        DOC_FONT_BODY,
        16,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    if report.synthetic:
        _para(
            doc, SYNTHETIC_NOTE, DOC_FONT_HEADING, 14, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
        )
    _para(doc, "省人民政府：", DOC_FONT_BODY, 16, indent=False)
    _para(
        doc,
        f"根据《云南省淘汰落后和低端低效产能退出实施意见》四(一)的要求，现将{report.year}年度"
        "全省落后和低端低效产能退出情况报告如下。",
        DOC_FONT_BODY,
        16,
    )
    for heading, paragraphs, tables in report.sections:
        _para(doc, heading, DOC_FONT_HEADING, 16)
        for text in paragraphs:
            _para(doc, text, DOC_FONT_BODY, 16)
        for t in tables:
            _doc_table(doc, t)
    _para(doc, "特此报告。", DOC_FONT_BODY, 16)
    _para(doc, ISSUER, DOC_FONT_BODY, 16, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(
        doc,
        f"{report.year + 1}年1月",
        DOC_FONT_BODY,
        16,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=False,
    )
    props = doc.core_properties
    props.title = report_title(report.year)
    props.author = props.last_modified_by = "产能退出一张图"
    props.created = props.modified = fixed_time(report.on)
    props.revision = 1
    doc.save(path)
    stabilize(path, report.on)


# ---------------------------------------------------------------------------------- xlsx

_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_xlsx(report: Annual, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.column_dimensions["A"].width = 120
    lines = [report_title(report.year), f"数据截至{date_zh(report.on)}"]
    if report.synthetic:
        lines.append(SYNTHETIC_NOTE)
    for heading, paragraphs, _ in report.sections:
        lines += [heading, *paragraphs]
    for i, text in enumerate(lines, start=1):
        cells.put(ws, i, 1, text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(i, 1).font = Font(name="宋体", size=16 if i == 1 else 11, bold=i == 1)
    for t in report.tables:
        sheet = wb.create_sheet(t.title.split("　")[0])
        last = get_column_letter(len(t.headers))
        cells.append(sheet, [t.title.split("　", 1)[-1]])
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"].font = Font(name="黑体", size=14, bold=True)
        note = f"。注：{t.note}" if t.note else ""
        cells.append(sheet, [f"数据截至{date_zh(report.on)}{note}"])
        sheet.merge_cells(f"A2:{last}2")
        cells.append(sheet, t.headers)
        for j, w in enumerate(t.widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = w * 3.2
            cell = sheet.cell(3, j)
            cell.font = Font(name="宋体", bold=True)
            cell.fill = PatternFill("solid", fgColor="DCE6F1")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = _BOX
        for row in t.rows:
            cells.append(sheet, row)
            for j in range(1, len(t.headers) + 1):
                cell = sheet.cell(sheet.max_row, j)
                cell.border = _BOX
                cell.font = Font(name="宋体")
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "B4"
    wb.properties.title = report_title(report.year)
    wb.properties.creator = "产能退出一张图"
    wb.properties.created = wb.properties.modified = fixed_time(report.on)
    wb.save(path)
    stabilize(path, report.on)


def write_report(engine: sa.Engine, year: int, path: Path, on: dt.date | None = None) -> Annual:
    """The annual report for ``year`` as .docx or .xlsx (by ``path``'s suffix)."""
    report = annual(engine, year, on)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".docx":
        write_docx(report, path)
    elif path.suffix.lower() == ".xlsx":
        write_xlsx(report, path)
    else:
        raise ValueError(f"年度报告只能写成 .docx 或 .xlsx，而不是 {path.suffix or '无扩展名'}")
    return report
