"""Cleaning: typed values, canonical enums, and every kind of message, row and column exact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.clean import Cleaned, clean
from etl.read import Sheet, read_register
from etl.register import REQUIRED, credit_check_char
from exitmap.vocabulary import CATEGORIES, CRS_NAMES, EXIT_METHODS, STATUSES

FIXTURES = Path(__file__).parent / "fixtures"
VALID = {
    "enterprise_name": "云南某某钢铁有限公司",
    "credit_code": "91350100M000100Y43",
    "sub_industry": "炼铁",
    "equipment_name": "高炉",
    "category": "限制类",
    "status": "在产",
}


def sheet_of(*rows: dict[str, str | None], first_row: int = 2) -> Sheet:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    data = pl.DataFrame(
        {k: [r.get(k) for r in rows] for k in keys}, schema={k: pl.Utf8 for k in keys}
    ).with_columns(row=pl.int_range(first_row, first_row + len(rows), dtype=pl.Int64))
    return Sheet("t.xlsx", "台账", first_row - 1, data)


def one(**cells: str | None) -> Cleaned:
    return clean(sheet_of({**VALID, **cells}))


def value(column: str, **cells: str | None):
    return one(**cells).data[column][0]


def issues(cleaned: Cleaned) -> list[tuple[int, str, str, str]]:
    return [tuple(r) for r in cleaned.issues.iter_rows()]


def messages(**cells: str | None) -> list[tuple[str, str, str]]:
    return [(c, s, m) for _, c, s, m in issues(one(**cells))]


# ---------------------------------------------------------------- fixtures end to end


def test_messy_workbook_issues():
    steel, metal = (clean(s) for s in read_register(FIXTURES / "register_messy.xlsx"))
    assert issues(steel) == [
        (
            10,
            "统一社会信用代码",
            "error",
            "「统一社会信用代码」列的值「91530181MA6K0005C0」校验位错误（按前17位应为「L」）",
        ),
        (11, "产能（万吨/年）", "error", "「产能（万吨/年）」列的值「-30」不能为负数"),
        (12, "企业名称", "error", "「企业名称」不能为空"),
    ]
    assert issues(metal) == [
        (
            4,
            "行业",
            "error",
            "「行业」列的值「建材」与「细分行业」「铜冶炼」不符（应为「有色金属」）",
        )
    ]
    assert steel.accepted()["row"].to_list() == [5, 6, 8, 9]


def test_messy_workbook_values():
    steel, metal = (clean(s) for s in read_register(FIXTURES / "register_messy.xlsx"))
    rows = {r["row"]: r for r in steel.data.iter_rows(named=True)}
    assert rows[5]["capacity_wt"] == 120.0
    assert rows[5]["energy_tce"] == 98000.0
    assert rows[5]["workers"] == 350
    assert rows[5]["equipment_no"] == "1#"
    assert rows[5]["status"] == "已关停"
    assert rows[5]["category"] == "淘汰类"
    assert rows[5]["identified_date"] == dt.date(2021, 3, 15)
    assert rows[5]["actual_exit_date"] == dt.date(2021, 12, 31)
    assert (rows[5]["planned_exit_date"], rows[5]["planned_exit_date_precision"]) == (
        dt.date(2021, 12, 1),
        "month",
    )
    assert (rows[5]["spec"], rows[5]["spec_value"], rows[5]["spec_unit"]) == (
        "450m³高炉",
        450.0,
        "m3",
    )
    assert rows[5]["crs"] == "WGS84"
    assert rows[6]["sector"] == "建材"
    assert rows[6]["sub_industry"] == "水泥熟料"
    assert rows[6]["energy_tce"] == 1200.5
    assert rows[6]["identified_date"] == dt.date(2021, 12, 31)
    assert (rows[6]["lon"], rows[6]["lat"]) == ("25.5", "103.8")  # swapped: locate's job
    assert rows[8]["crs"] == "GCJ02"
    assert rows[8]["category"] == "能耗不达标"
    assert rows[9]["status"] == "在产"
    assert (rows[9]["spec_value"], rows[9]["spec_unit"]) == (25000.0, "kVA")
    assert rows[9]["lon"] is None
    assert rows[10]["sub_industry"] == "焦炭"
    assert metal.data["crs"].to_list() == ["BD09", "WGS84"]
    assert metal.data["exit_method"].to_list() == ["改造提升", "关停"]


def test_gbk_csv_issues():
    (cleaned,) = (clean(s) for s in read_register(FIXTURES / "register_gbk.csv"))
    assert issues(cleaned) == [
        (
            5,
            "当前状态",
            "error",
            "「当前状态」列的值「运营」不在可选范围内（可选：在产、整改中、延期整改、停产、"
            "已关停、已拆除、已改造达标、已转产）",
        ),
        (
            5,
            "计划退出日期",
            "error",
            "「计划退出日期」列的值「明年」无法识别为日期"
            "（可填写 2021-12-31、2021年12月31日 或 2021.12）",
        ),
    ]
    assert cleaned.data["crs"].to_list() == ["CGCS2000", "GCJ02", "WGS84"]
    assert cleaned.data["planned_exit_date"].to_list()[:2] == [
        dt.date(2021, 12, 1),
        dt.date(2024, 12, 31),
    ]


def test_clean_csv_has_no_issues():
    (cleaned,) = (clean(s) for s in read_register(FIXTURES / "register_clean.csv"))
    assert cleaned.issues.height == 0
    assert cleaned.accepted().height == 8


def test_output_schema():
    out = one(capacity_wt="1", workers="2", planned_exit_date="2021-12")
    schema = out.data.schema
    assert schema["row"] == pl.Int64
    assert schema["capacity_wt"] == pl.Float64
    assert schema["workers"] == pl.Int64
    assert schema["planned_exit_date"] == pl.Date
    assert schema["planned_exit_date_precision"] == pl.Utf8
    assert schema["spec_value"] == pl.Float64
    assert schema["lon"] == pl.Utf8
    assert dict(out.issues.schema) == {
        "row": pl.Int64,
        "column": pl.Utf8,
        "severity": pl.Utf8,
        "message": pl.Utf8,
    }


# ---------------------------------------------------------------- text


def test_names_keep_their_characters_but_lose_stray_whitespace():
    assert value("enterprise_name", enterprise_name="  云南（集团）\u3000１号  公司 ") == (
        "云南（集团） １号 公司"
    )


def test_codes_and_coordinates_become_half_width():
    out = one(equipment_no="１＃", lon="１０２．７", lat=" 25°02′24″ ")
    assert out.data["equipment_no"][0] == "1#"
    assert out.data["lon"][0] == "102.7"
    assert out.data["lat"][0] == "25°02′24″"


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("column", "text", "expected"),
    [
        ("capacity_wt", "1,200.5", 1200.5),
        ("capacity_wt", "1，200.5", 1200.5),
        ("capacity_wt", "１２００", 1200.0),
        ("capacity_wt", "60万吨/年", 60.0),
        ("capacity_wt", "12万吨", 12.0),
        ("capacity_wt", "12万", 12.0),
        ("capacity_wt", "120000吨", 12.0),
        ("capacity_wt", "300,000 t/a", 30.0),
        ("capacity_wt", "约15", 15.0),
        ("energy_tce", "98000", 98000.0),
        ("energy_tce", "3.5万吨标准煤", 35000.0),
        ("energy_tce", "1200tce", 1200.0),
        ("electricity_10k_kwh", "2,500万千瓦时", 2500.0),
        ("electricity_10k_kwh", "1.2亿千瓦时", 12000.0),
        ("electricity_10k_kwh", "5000000kWh", 500.0),
        ("workers", "1,000人", 1000),
        ("workers", "３５０", 350),
        ("capacity_wt", "-", None),
        ("capacity_wt", "—", None),
        ("capacity_wt", "/", None),
        ("capacity_wt", "无", None),
        ("capacity_wt", "N/A", None),
        ("capacity_wt", "", None),
    ],
)
def test_numbers(column, text, expected):
    out = one(**{column: text})
    got = out.data[column][0]
    assert got is None if expected is None else got == pytest.approx(expected)
    assert out.issues.height == 0


@pytest.mark.parametrize(
    ("column", "text", "message"),
    [
        ("capacity_wt", "abc", "「产能（万吨/年）」列的值「abc」不是数字"),
        (
            "capacity_wt",
            "2500t/d",
            "「产能（万吨/年）」列的值「2500t/d」的单位无法识别"
            "（可用单位：万、万吨/年、万吨、万t/a、万t/年、万t、吨/年、吨、t/a、t/年、t）",
        ),
        ("capacity_wt", "-30", "「产能（万吨/年）」列的值「-30」不能为负数"),
        ("capacity_wt", "6000", "「产能（万吨/年）」列的值「6000」超出合理范围（应不大于5,000）"),
        (
            "energy_tce",
            "6,000,000",
            "「年综合能耗（吨标准煤）」列的值「6,000,000」超出合理范围（应不大于5,000,000）",
        ),
        (
            "electricity_10k_kwh",
            "2000000",
            "「年用电量（万千瓦时）」列的值「2000000」超出合理范围（应不大于1,000,000）",
        ),
        ("workers", "200000", "「职工人数」列的值「200000」超出合理范围（应不大于100,000）"),
        ("workers", "12.5", "「职工人数」列的值「12.5」应为整数"),
    ],
)
def test_number_errors(column, text, message):
    from etl.register import BY_KEY

    assert messages(**{column: text}) == [(BY_KEY[column].header, "error", message)]


def column_of(column: str, texts: list[str]) -> pl.Series:
    """Clean many values at once: one sheet, one row per value."""
    return clean(sheet_of(*({**VALID, column: t} for t in texts))).data[column]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4_999_999),
            st.sampled_from(["plain", "comma", "wide"]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_number_round_trip(cases):
    numbers = [tenths / 10 for tenths, _ in cases]
    texts = []
    for number, (_, form) in zip(numbers, cases, strict=True):
        text = f"{number:,}" if form == "comma" else f"{number}"
        if form == "wide":
            text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
        texts.append(text)
    assert column_of("energy_tce", texts).to_list() == pytest.approx(numbers)


# ---------------------------------------------------------------- spec (规格型号)


@pytest.mark.parametrize(
    ("text", "number", "unit"),
    [
        ("450m³高炉", 450.0, "m3"),
        ("450 立方米", 450.0, "m3"),
        ("2500t/d", 2500.0, "t/d"),
        ("2,500 t/d", 2500.0, "t/d"),
        ("5000吨/日熟料线", 5000.0, "t/d"),
        ("25000kVA", 25000.0, "kVA"),
        ("12500 KVA 矿热炉", 12500.0, "kVA"),
        ("2.5万kVA", 25000.0, "kVA"),
        ("炭化室高度4.3m", 4.3, "m"),
        ("30t转炉", 30.0, "t"),
        ("400kA预焙槽", 400.0, "kA"),
        ("60万吨/年", 60.0, "万吨/年"),
        ("600万重量箱/年", 600.0, "万重量箱/年"),
        ("１２５００千伏安", 12500.0, "kVA"),
        ("2#炉 450m3", 450.0, "m3"),
        ("离子膜法", None, None),
    ],
)
def test_spec(text, number, unit):
    out = one(spec=text)
    row = out.data.row(0, named=True)
    assert (row["spec_value"], row["spec_unit"]) == (number, unit)
    assert row["spec"] == text  # the official's own wording stays
    assert out.issues.height == 0


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("44561", dt.date(2021, 12, 31), "day"),
        ("44561.5", dt.date(2021, 12, 31), "day"),
        ("2021-12-31", dt.date(2021, 12, 31), "day"),
        ("2021/12/31", dt.date(2021, 12, 31), "day"),
        ("2021年12月31日", dt.date(2021, 12, 31), "day"),
        ("２０２１年１２月３１日", dt.date(2021, 12, 31), "day"),
        ("2021.12.31", dt.date(2021, 12, 31), "day"),
        ("20211231", dt.date(2021, 12, 31), "day"),
        ("2021-12-31 00:00:00", dt.date(2021, 12, 31), "day"),
        ("2021/6/5", dt.date(2021, 6, 5), "day"),
        ("2021.12", dt.date(2021, 12, 1), "month"),
        ("2021-12", dt.date(2021, 12, 1), "month"),
        ("2021年12月", dt.date(2021, 12, 1), "month"),
        ("2021/6", dt.date(2021, 6, 1), "month"),
        ("无", None, None),
    ],
)
def test_dates(text, date, precision):
    out = one(rectify_deadline=text)
    row = out.data.row(0, named=True)
    assert (row["rectify_deadline"], row["rectify_deadline_precision"]) == (date, precision)
    assert out.issues.height == 0


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("2021年", "只有年份，请至少填写到月份（如 2021-12）"),
        ("2021", "只有年份，请至少填写到月份（如 2021-12）"),
        ("2021-02-30", "不是有效日期（该日期不存在）"),
        ("2021-13", "不是有效日期（该日期不存在）"),
        ("明年", "无法识别为日期（可填写 2021-12-31、2021年12月31日 或 2021.12）"),
        ("12345", "无法识别为日期（可填写 2021-12-31、2021年12月31日 或 2021.12）"),
        ("1999-12-31", "超出合理范围（应在 2000-01-01 至 2040-12-31 之间）"),
        ("2041-01", "超出合理范围（应在 2000-01-01 至 2040-12-31 之间）"),
    ],
)
def test_date_errors(text, what):
    assert messages(rectify_deadline=text) == [
        ("整改期限", "error", f"「整改期限」列的值「{text}」{what}")
    ]


def test_month_one_may_be_october_in_disguise():
    assert messages(planned_exit_date="2021.1") == [
        (
            "计划退出日期",
            "warning",
            "「计划退出日期」列的值「2021.1」按1月处理；若本意是10月，"
            "请将单元格设为文本后填写「2021.10」这样的值",
        )
    ]


DATE_FORMS = (
    "{:%Y-%m-%d}",
    "{:%Y/%m/%d}",
    "{:%Y%m%d}",
    "{:%Y.%m.%d}",
    "{d.year}年{d.month}月{d.day}日",
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
            st.sampled_from(DATE_FORMS),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_date_round_trip(cases):
    days = [day for day, _ in cases]
    texts = [form.format(day, d=day) for day, form in cases]
    serials = [str((day - dt.date(1899, 12, 30)).days) for day in days]
    assert column_of("planned_exit_date", texts + serials).to_list() == days + days


# ---------------------------------------------------------------- enums


@pytest.mark.parametrize(
    ("column", "text", "canonical"),
    [
        ("status", "关停", "已关停"),
        ("status", "拆除", "已拆除"),
        ("status", "正常生产", "在产"),
        ("status", "生产", "在产"),
        ("status", " 在 产 ", "在产"),
        ("category", "淘汰", "淘汰类"),
        ("category", "淘汰类产能", "淘汰类"),
        ("category", "限制", "限制类"),
        ("category", "能耗", "能耗不达标"),
        ("category", "环保", "环保不达标"),
        ("category", "技术落后（淘汰类）", "淘汰类"),
        ("exit_method", "已拆除", "拆除"),
        ("exit_method", "升级改造", "改造提升"),
        ("crs", "gcj-02", "GCJ02"),
        ("crs", "火星坐标", "GCJ02"),
        ("crs", "高德", "GCJ02"),
        ("crs", "百度", "BD09"),
        ("crs", "bd-09", "BD09"),
        ("crs", "wgs-84", "WGS84"),
        ("crs", "GPS", "WGS84"),
        ("crs", "ＷＧＳ８４", "WGS84"),
        ("crs", "2000国家大地坐标系", "CGCS2000"),
        ("crs", "CGCS 2000", "CGCS2000"),
        ("crs", None, "WGS84"),
        ("sub_industry", "熟料", "水泥熟料"),
        ("sub_industry", "浮法玻璃", "平板玻璃"),
        ("sector", "石化", "石化化工"),
    ],
)
def test_enum_variants(column, text, canonical):
    # 能耗不达标 needs its 问题认定日期; give every case one so only the spelling is tested.
    cells = {column: text, "identified_date": "2022-01"}
    if column == "sector":
        cells["sub_industry"] = "电石"
    out = one(**cells)
    assert out.data[column][0] == canonical
    # 已关停 without an exit date is worth a warning, but the spelling itself is accepted.
    assert out.issues.filter(pl.col("severity") == "error").height == 0


@pytest.mark.parametrize(
    ("column", "header", "allowed"),
    [
        ("category", "退出类别", CATEGORIES),
        ("status", "当前状态", STATUSES),
        ("exit_method", "退出方式", EXIT_METHODS),
        ("crs", "坐标系", CRS_NAMES),
    ],
)
def test_unknown_enum_value_lists_the_choices(column, header, allowed):
    choices = "、".join(allowed)
    assert messages(**{column: "其他"}) == [
        (header, "error", f"「{header}」列的值「其他」不在可选范围内（可选：{choices}）")
    ]


def test_ambiguous_cement_is_not_guessed():
    [(column, severity, message)] = messages(sub_industry="水泥")
    assert (column, severity) == ("细分行业", "error")
    assert message.startswith("「细分行业」列的值「水泥」不在可选范围内（可选：炼钢、炼铁、")


def test_sector_is_derived_from_sub_industry():
    assert value("sector", sub_industry="电解铝") == "有色金属"
    assert value("sector", sub_industry="粉磨站", sector="建材") == "建材"


def test_sector_disagreeing_with_sub_industry():
    assert messages(sub_industry="黄磷", sector="钢铁") == [
        ("行业", "error", "「行业」列的值「钢铁」与「细分行业」「黄磷」不符（应为「石化化工」）")
    ]


# ---------------------------------------------------------------- credit code


def test_credit_code_is_normalised_before_checking():
    out = one(credit_code=" 91350100m000100y43 ")
    assert out.data["credit_code"][0] == "91350100M000100Y43"
    assert out.issues.height == 0
    assert value("credit_code", credit_code="９１３５０１００Ｍ０００１００Ｙ４３") == (
        "91350100M000100Y43"
    )


@pytest.mark.parametrize(
    ("code", "what"),
    [
        ("9135010", "长度应为18位，实际为7位"),
        ("91350100M000100Y431", "长度应为18位，实际为19位"),
        ("91350100M000I00Y43", "含有不允许的字符「I」（不使用 I、O、Z、S、V）"),
        ("91350100M000100Y44", "校验位错误（按前17位应为「3」）"),
        (
            "915301001234567936",
            "校验位错误（按前17位应为「"
            + credit_check_char("91530100123456793")
            + "」），可能是 Excel 按数字保存丢失了末位，请将该列设为文本后重新填写",
        ),
    ],
)
def test_credit_code_errors(code, what):
    assert messages(credit_code=code) == [
        ("统一社会信用代码", "error", f"「统一社会信用代码」列的值「{code}」{what}")
    ]


def test_check_character_matches_published_example():
    assert credit_check_char("91350100M000100Y4") == "3"


# ---------------------------------------------------------------- required


@pytest.mark.parametrize(("column", "header"), [(c.key, c.header) for c in REQUIRED])
def test_required_fields(column, header):
    assert messages(**{column: " "}) == [(header, "error", f"「{header}」不能为空")]


def test_required_column_absent_from_the_sheet():
    cells = {k: v for k, v in VALID.items() if k != "credit_code"}
    out = clean(sheet_of(cells, cells, first_row=5))
    assert issues(out) == [
        (5, "统一社会信用代码", "error", "「统一社会信用代码」不能为空（表中没有这一列）"),
        (6, "统一社会信用代码", "error", "「统一社会信用代码」不能为空（表中没有这一列）"),
    ]


# ---------------------------------------------------------------- consistency


def test_exit_date_on_a_running_unit():
    assert messages(status="整改中", actual_exit_date="2021-12-31") == [
        ("实际退出日期", "warning", "「当前状态」为「整改中」，却填写了「实际退出日期」，请核实")
    ]


@pytest.mark.parametrize("status", ["已关停", "已拆除", "已转产"])
def test_exited_unit_without_exit_date(status):
    assert messages(status=status, actual_exit_date="无") == [
        ("实际退出日期", "warning", f"「当前状态」为「{status}」时「实际退出日期」不能为空")
    ]


def test_energy_category_needs_identified_date():
    assert messages(category="能耗不达标") == [
        (
            "问题认定日期",
            "error",
            "「退出类别」为「能耗不达标」时「问题认定日期」不能为空（整改期限据此计算）",
        )
    ]
    assert messages(category="能耗不达标", identified_date="2022-03") == []


@pytest.mark.parametrize("category", ["环保不达标", "质量不达标"])
def test_environment_and_quality_want_a_deadline(category):
    assert messages(category=category) == [
        ("整改期限", "warning", f"「退出类别」为「{category}」时「整改期限」不能为空")
    ]


def test_warnings_do_not_reject_a_row():
    out = clean(
        sheet_of(
            {**VALID, "status": "已关停"},
            {**VALID, "enterprise_name": None},
            {**VALID},
        )
    )
    assert [(r, s) for r, _, s, _ in issues(out)] == [(2, "warning"), (3, "error")]
    assert out.accepted()["row"].to_list() == [2, 4]


def test_issues_are_ordered_by_row_then_register_column():
    out = clean(
        sheet_of(
            {**VALID, "status": "x", "enterprise_name": None},
            {**VALID, "workers": "-1", "capacity_wt": "x"},
        )
    )
    assert [(r, c) for r, c, _, _ in issues(out)] == [
        (2, "企业名称"),
        (2, "当前状态"),
        (3, "产能（万吨/年）"),
        (3, "职工人数"),
    ]
