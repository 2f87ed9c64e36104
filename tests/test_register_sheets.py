"""The register template's optional sheets, 职工安置 and 场地处置 (issue #16): offered in the blank
template with the vocabulary's lists, read with the register by the same bounded reader,
checked with Chinese messages naming sheet, row and column, held to the uploader's prefecture
and to firms and units of the register or the database, reported and counted with the
register's rows, and written on acceptance in its transaction — against the real PostGIS."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from playwright.sync_api import expect

from access import audit
from app.browser import new_page, serve, wait_idle
from app.components.submission_words import summary_text
from etl.bounds import RegisterError
from etl.load import load
from etl.pipeline import prepare
from etl.read import read_register
from etl.sheet_rows import check_rows
from etl.sheets import LISTS_SHEET, PLAN_SHEET, SITE_SHEET, OptionalRows
from etl.template import DATA_SHEET, write_template
from exitmap.cli import main
from exitmap.cli.submissions import start_worker_thread
from exitmap.vocabulary import (
    LAND_OUTCOMES,
    LAND_RIGHTS,
    RESETTLEMENT_CHANNELS,
    RESETTLEMENT_STATUSES,
)
from exports.report import annual
from submissions import jobs, report, review, store
from submissions.states import TransitionRefused
from submissions.worker import run_one
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import add_accounts, browser_state
from tests.helpers.registers import credit_code, unit_row, write_csv
from tests.helpers.sheets import book_bytes, filled_template
from tests.helpers.submissions import KUNMING_USER, OFFICE, qujing_row

D = dt.date
AS_OF = D(2022, 12, 31)
GONE = {"当前状态": "已拆除", "退出方式": "拆除"}
QUJING_FIRM = credit_code(5, 530302)
SHOTS = Path(os.environ.get("EXITMAP_SHOTS", "/tmp/exitmap-shots"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def key(serial: int, equipment: str = "1#") -> str:
    return f"{credit_code(serial)}/{equipment}"


def plan(firm: str, workers, date, status, by_name: bool = False, funds=None, **channels) -> dict:
    row = {"企业名称" if by_name else "统一社会信用代码": firm, "涉及职工（人）": workers}
    row |= {f"{RESETTLEMENT_CHANNELS[c]}（人）": n for c, n in channels.items()}
    return row | {"安置资金（万元）": funds, "方案日期": date, "方案状态": status}


def site(code: str, area, right: str, outcome: str, date, equipment: str = "1#") -> dict:
    return {
        "统一社会信用代码": code,
        "装备编号": equipment,
        "面积（亩）": area,
        "土地权利": right,
        "处置方式": outcome,
        "处置日期": date,
    }


# Register rows sent by Kunming: unit 1 exited 2021-06-30, unit 2 still works.
UNITS = [unit_row(1, 实际退出日期="2021-06-30", **GONE), unit_row(2)]
GOOD_PLANS = [
    plan(credit_code(1), 120, dt.datetime(2022, 3, 1), "实施中", funds=350,
         transferred=60, retired=30, insured=20),
    # Firm 7 is not in the register but in the database, named by its full name.
    plan("云南测试7号钢铁有限公司", "50", "2022年5月1日", "已完成", by_name=True, retired=50),
]  # fmt: skip
BAD_PLANS = [
    plan(credit_code(2), 10, "2022-04-01", "实施中", transferred=20),
    plan(credit_code(8), 30, "2022-13-45", "差不多"),
    plan(QUJING_FIRM, 30, "2022-04-01", "实施中"),
    plan("没有这家公司", 30, "2022-04-01", "实施中", by_name=True),
]
GOOD_SITES = [
    site(credit_code(1), 85.5, "划拨", "转产", dt.datetime(2021, 9, 1)),  # exited: register
    site(credit_code(7), "40", "出让", "收回", "2022-05-01"),  # exited: database
]
BAD_SITES = [
    site(credit_code(2), 10, "划拨", "收回", "2022-06-01"),  # still works (register)
    site(credit_code(8), 10, "划拨", "收回", "2022-06-01"),  # still works (database)
    site(credit_code(1), "-3", "划拨", "出租", "2022-06-01", equipment="2#"),
    site(QUJING_FIRM, 10, "划拨", "收回", "2022-06-01"),  # Qujing's unit
]


@pytest.fixture
def known(engine, tmp_path):
    """In the database before the upload: Kunming's unit 7 (exited 2021-03-31) and unit 8
    (still works), and Qujing's unit 5."""
    rows = [unit_row(7, 实际退出日期="2021-03-31", **GONE), unit_row(8), qujing_row(5)]
    load(engine, prepare([write_csv(tmp_path / "known.csv", rows)]), D(2022, 6, 30))
    return engine


def _validated(engine, content: bytes) -> int:
    sid = store.create(engine, KUNMING_USER, "昆明.xlsx", content, AS_OF)
    assert run_one(engine, "test-worker")
    return sid


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_template_offers_both_sheets_with_exactly_the_vocabulary(tmp_path):
    path = tmp_path / "blank.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["填表说明", DATA_SHEET, "职工安置", "场地处置", LISTS_SHEET]
    notes = "".join(str(c.value) for c in book["填表说明"]["A"])
    assert PLAN_SHEET.instruction in notes and SITE_SHEET.instruction in notes
    offered = {}
    for spec in (PLAN_SHEET, SITE_SHEET):
        sheet = book[spec.name]
        assert [c.value for c in sheet[2]] == [f.header for f in spec.fields]
        for dv in sheet.data_validations.dataValidation:
            column = str(dv.sqref).split(":")[0].rstrip("0123456789")
            lists, cells = dv.formula1.lstrip("=").split("!")
            first, last = cells.replace("$", "").split(":")
            values = [c.value for row in book[lists.strip("'")][f"{first}:{last}"] for c in row]
            offered[(spec.name, sheet[f"{column}2"].value)] = values
    assert offered == {
        ("职工安置", "方案状态"): list(RESETTLEMENT_STATUSES),
        ("场地处置", "土地权利"): list(LAND_RIGHTS),
        ("场地处置", "处置方式"): list(LAND_OUTCOMES),
    }
    # Untouched, the blank template reads as a register with empty optional sheets.
    read = read_register(path)
    assert [s.sheet for s in read] == [DATA_SHEET]
    assert [(o.sheet, o.data.height) for o in read.optional] == [("职工安置", 0), ("场地处置", 0)]


def test_bad_rows_are_reported_by_sheet_row_and_column_and_good_ones_written_on_accept(
    known, tmp_path
):
    book = filled_template(tmp_path, UNITS, GOOD_PLANS + BAD_PLANS, GOOD_SITES + BAD_SITES)
    sid = _validated(known, book_bytes(book))
    got = store.get(known, KUNMING_USER, sid)
    assert got.summary["rows"] == 2 + 6 + 6
    assert got.summary["rejected"] == 8
    assert (got.summary["plans"], got.summary["sites"]) == (2, 2)
    assert not got.summary["valid"]
    assert "职工安置方案 2 个；场地处置 2 处" in store.summary_text(got.summary)

    errors = report.errors_of(store.report(known, KUNMING_USER, sid))
    found = {(e["sheet"], e["rowNumber"], e["fieldName"], e["cellRef"]): e for e in errors}
    assert set(found) == {
        ("职工安置", 5, "涉及职工（人）", "C5"),
        ("职工安置", 6, "方案日期", "J6"),
        ("职工安置", 6, "方案状态", "K6"),
        ("职工安置", 7, "统一社会信用代码", "A7"),
        ("职工安置", 8, "企业名称", "B8"),
        ("场地处置", 5, "处置日期", "F5"),
        ("场地处置", 6, "处置日期", "F6"),
        ("场地处置", 7, "面积（亩）", "C7"),
        ("场地处置", 7, "处置方式", "E7"),
        ("场地处置", 8, "装备编号", "B8"),
    }
    assert all(e["severity"] == "error" and e["type"] == "cell-error" for e in errors)
    text = {k: e["message"] for k, e in found.items()}
    assert text[("职工安置", 5, "涉及职工（人）", "C5")] == (
        "「涉及职工（人）」各渠道安置人数合计 20（内部转岗 20）超过涉及职工 10"
    )
    assert "无法识别为日期" in text[("职工安置", 6, "方案日期", "J6")]
    assert "收到「2022-13-45」" in text[("职工安置", 6, "方案日期", "J6")]
    assert text[("职工安置", 6, "方案状态", "K6")] == (
        "「方案状态」方案状态应为 编制中、已批复、实施中、已完成 之一，收到「差不多」"
    )
    # Another prefecture's firm and unit are not found, and nothing more is told of them.
    assert text[("职工安置", 7, "统一社会信用代码", "A7")] == (
        f"「统一社会信用代码」找不到昆明市的企业「{QUJING_FIRM}」：请用统一社会信用代码或企业全称"
        "（本登记表中也没有昆明市的这家企业）"
    )
    assert "找不到昆明市的企业「没有这家公司」" in text[("职工安置", 8, "企业名称", "B8")]
    assert text[("场地处置", 5, "处置日期", "F5")] == (
        f"「处置日期」装备「{key(2)}」在 2022-06-01 尚未退出：其场地还不能处置"
    )
    assert text[("场地处置", 6, "处置日期", "F6")] == (
        f"「处置日期」装备「{key(8)}」在 2022-06-01 尚未退出：其场地还不能处置"
    )
    assert (
        text[("场地处置", 7, "面积（亩）", "C7")] == "「面积（亩）」面积应大于 0（亩），现为 -3.0"
    )
    assert "收到「出租」" in text[("场地处置", 7, "处置方式", "E7")]
    assert text[("场地处置", 8, "装备编号", "B8")] == (
        f"「装备编号」找不到昆明市的装备「{QUJING_FIRM}/1#」：本登记表和库中都没有"
    )
    assert found[("场地处置", 7, "面积（亩）", "C7")]["cell"] == "-3"
    # The marked copy marks them on the user's own sheets.
    marked = openpyxl.load_workbook(io.BytesIO(store.file(known, KUNMING_USER, sid, True)[1]))
    assert marked["职工安置"]["C5"].comment is not None
    assert marked["职工安置"]["C3"].comment is None
    # Rejected rows: the register cannot be sent, nothing is written.
    with pytest.raises(TransitionRefused, match="8 行被拒绝"):
        store.act(known, KUNMING_USER, sid, "submit")

    fixed = _validated(known, book_bytes(filled_template(tmp_path, UNITS, GOOD_PLANS, GOOD_SITES)))
    assert store.get(known, KUNMING_USER, fixed).summary["valid"]
    store.act(known, KUNMING_USER, fixed, "submit")
    assert (_count(known, "resettlement_plan"), _count(known, "exited_site")) == (0, 0)
    job = review.request_accept(known, OFFICE, fixed, "核对无误")
    assert run_one(known, "test-worker")
    with known.connect() as conn:
        done = jobs.get(conn, job.id)
    assert done.state == "done", done.message
    assert done.result == {"inserted": 2, "updated": 0, "plans": 2, "sites": 2}

    with known.connect() as conn:
        plans = conn.execute(
            sa.text(
                "SELECT e.credit_code, r.prefecture_adcode, r.workers, r.transferred, r.reemployed,"
                " r.retired, r.insured, r.other, r.funds_10k_yuan, r.plan_date, r.status,"
                " r.recorded_by FROM resettlement_plan r JOIN enterprise e"
                " ON e.id = r.enterprise_id ORDER BY e.credit_code"
            )
        ).all()
        sites = conn.execute(
            sa.text(
                "SELECT u.unit_key, s.area_mu, s.land_right, s.outcome, s.outcome_date,"
                " s.recorded_by FROM exited_site s JOIN unit u ON u.id = s.unit_id"
                " ORDER BY u.unit_key"
            )
        ).all()
    by = "t_province"  # the accepting user
    assert [tuple(p) for p in plans] == [
        (credit_code(1), 530100, 120, 60, 0, 30, 20, 0, 350.0, D(2022, 3, 1), "实施中", by),
        (credit_code(7), 530100, 50, 0, 0, 50, 0, 0, None, D(2022, 5, 1), "已完成", by),
    ]
    assert [tuple(s) for s in sites] == [
        (key(1), 85.5, "划拨", "转产", D(2021, 9, 1), by),
        (key(7), 40.0, "出让", "收回", D(2022, 5, 1), by),
    ]
    loads = audit.entries(known, actions=["load"]).sort_values("target")
    assert loads["target"].tolist() == [
        f"submission/{fixed}/场地处置",
        f"submission/{fixed}/职工安置",
    ]
    assert loads["row_count"].tolist() == [2, 2] and set(loads["username"]) == {"t_province"}
    accepted = audit.entries(known, actions=["submission"]).iloc[0]
    assert json.loads(accepted["params"])["plans"] == 2

    year = annual(known, 2022)
    heading, words, (table,) = year.sections[8]
    assert heading == "九、职工安置"
    assert table.rows == [["昆明市", 2, 170, 160, 350.0], ["全省", 2, 170, 160, 350.0]]
    assert words == ["已登记职工安置方案2个，涉及职工170人，已安置160人。"]
    _, _, (disposed,) = year.sections[9]
    assert disposed.rows == [
        ["昆明市", 0, 0, 0, 0, 0.0, 1, 40.0],
        ["全省", 0, 0, 0, 0, 0.0, 1, 40.0],
    ]


def test_an_optional_sheet_reaching_past_the_limits_is_refused_as_the_register_is(
    engine, tmp_path, monkeypatch
):
    book = filled_template(tmp_path, UNITS, GOOD_PLANS[:1])
    book["职工安置"]["XFD1048576"] = "x"
    sid = _validated(engine, book_bytes(book))
    got = store.get(engine, KUNMING_USER, sid)
    (message,) = got.summary["file_errors"]
    assert message.startswith(
        "文件 昆明.xlsx 工作表「职工安置」：单元格 XFD1048576 超出读取范围（上限 110,000 行、40 列"
    )
    assert not got.summary["valid"] and got.summary["rows"] == 0
    # Just past a lowered row limit (above the hidden lists' 130 rows), on the sites' sheet.
    monkeypatch.setenv("EXITMAP_MAX_ROWS", "200")
    book = filled_template(tmp_path, UNITS, sites=GOOD_SITES[:1])
    book["场地处置"]["A201"] = "x"
    path = tmp_path / "sites.xlsx"
    book.save(path)
    with pytest.raises(RegisterError, match="工作表「场地处置」：单元格 A201 超出读取范围"):
        read_register(path)
    del book["场地处置"]["A201"]
    book.save(path)
    assert [o.data.height for o in read_register(path).optional] == [0, 1]


def test_a_failure_while_writing_them_takes_the_whole_acceptance_back(known, tmp_path):
    content = book_bytes(filled_template(tmp_path, UNITS, GOOD_PLANS, GOOD_SITES))
    sid = _validated(known, content)
    store.act(known, KUNMING_USER, sid, "submit")
    before = _count(known, "unit")
    # The database refuses the site of 85.5 亩 (written after the units and the plans).
    with known.begin() as conn:
        conn.execute(sa.text("ALTER TABLE exited_site ADD CONSTRAINT t_small CHECK (area_mu < 50)"))
    try:
        with pytest.raises(sa.exc.IntegrityError, match="t_small"):
            review.accept(known, OFFICE, sid)
    finally:
        with known.begin() as conn:
            conn.execute(sa.text("ALTER TABLE exited_site DROP CONSTRAINT t_small"))
    assert _count(known, "unit") == before  # units 1 and 2 not loaded
    assert (_count(known, "resettlement_plan"), _count(known, "exited_site")) == (0, 0)
    assert store.get(known, OFFICE, sid).state == "submitted"
    assert audit.entries(known, actions=["load"]).empty
    # Nothing stands in the way now: the same acceptance goes through.
    assert review.accept(known, OFFICE, sid).inserted == 2
    assert (_count(known, "resettlement_plan"), _count(known, "exited_site")) == (2, 2)


def test_a_register_without_them_and_a_csv_carry_none(engine, tmp_path):
    path = write_csv(tmp_path / "职工安置.csv", [unit_row(1)])
    read = read_register(path)
    assert [s.sheet for s in read] == ["职工安置"] and read.optional == []
    assert prepare([path]).sheet_rows == []


def test_exitmap_load_checks_them_and_says_it_does_not_write_them(tmp_path):
    book = filled_template(tmp_path, UNITS, GOOD_PLANS[:1] + BAD_PLANS[:1])
    path = tmp_path / "r.xlsx"
    book.save(path)
    run = CliRunner().invoke(main, ["load", str(path), "--dry-run", "--as-of", "2022-12-31"])
    assert run.exit_code == 0, run.output
    assert "exitmap load 不写入职工安置方案和场地处置" in run.stderr
    assert (
        "✗ r.xlsx 工作表「职工安置」第 4 行：「涉及职工（人）」各渠道安置人数合计 20" in run.stderr
    )


def test_the_submit_page_shows_the_sheets_problems_and_what_they_carry(engine, chromium, tmp_path):
    from app.main import create_app

    add_accounts(engine)
    stop = start_worker_thread(engine)
    content = book_bytes(
        filled_template(tmp_path, UNITS, GOOD_PLANS[:1] + BAD_PLANS[:1], GOOD_SITES[:1])
    )
    try:
        with serve(create_app(engine=engine)) as base:
            page = new_page(chromium, storage_state=browser_state(base, "prefecture"))
            page.goto(base + "/submit")
            page.wait_for_selector("#s-form")
            page.set_input_files(
                "#s-file", files=[{"name": "昆明.xlsx", "mimeType": XLSX, "buffer": content}]
            )
            page.fill("#s-as-of", "2022-12-31")
            page.click("#s-upload")
            page.wait_for_selector("#s-summary", timeout=60_000)
            expect(page.locator("#s-summary")).to_contain_text(
                "拒绝 1；职工安置方案 1 个；场地处置 1 处"
            )
            sheet_rows = page.locator("#s-problems .ag-center-cols-container .ag-row")
            plan = sheet_rows.filter(has_text="职工安置")
            expect(plan).to_have_count(1)
            expect(plan).to_contain_text("C4")
            expect(plan).to_contain_text("超过涉及职工 10")
            expect(sheet_rows.filter(has_text="场地处置")).to_have_count(0)
            wait_idle(page)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "submit-optional-sheets.png"), full_page=True)
            assert_accessible(page, where="报送 optional sheets")

            # The fixed file, sent; the office sees what it carries and accepts it.
            fixed = book_bytes(filled_template(tmp_path, UNITS, GOOD_PLANS[:1], GOOD_SITES[:1]))
            sid = store.create(engine, KUNMING_USER, "昆明（修正）.xlsx", fixed, AS_OF)
            assert run_one(engine, "test-worker")
            store.act(engine, KUNMING_USER, sid, "submit")
            office = new_page(chromium, storage_state=browser_state(base, "province"))
            office.goto(base + f"/review/{sid}")
            office.wait_for_selector("#r-accept")
            expect(office.locator("#r-state").locator("..")).to_contain_text(
                "拒绝 0；职工安置方案 1 个；场地处置 1 处"
            )
            office.click("#r-accept")
            expect(office.locator("#r-message")).to_contain_text(
                "已采用并载入：新增 2，更新 0。职工安置方案 1 个、场地处置 1 处已写入。",
                timeout=60_000,
            )
            expect(office.locator("#r-state")).to_have_text("已采用")
            wait_idle(office)
            office.screenshot(path=str(SHOTS / "review-optional-sheets.png"), full_page=True)
    finally:
        stop.set()
    assert (_count(engine, "resettlement_plan"), _count(engine, "exited_site")) == (1, 1)


def test_a_sheet_missing_its_header_or_a_required_column_refuses_the_file(tmp_path):
    book = filled_template(tmp_path, UNITS)
    book["场地处置"].delete_cols(3)  # 面积（亩）
    path = tmp_path / "no-area.xlsx"
    book.save(path)
    assert prepare([path]).file_errors == [
        "文件 no-area.xlsx 工作表「场地处置」：缺少必填列「面积（亩）」"
    ]
    book = filled_template(tmp_path, UNITS)
    book["职工安置"].delete_rows(1, 2)  # title and header gone, a row of data left
    book["职工安置"]["A1"] = credit_code(1)
    path = tmp_path / "no-header.xlsx"
    book.save(path)
    assert prepare([path]).file_errors == [
        "文件 no-header.xlsx 工作表「职工安置」：未找到表头行"
        "（应包含「统一社会信用代码」、「企业名称」、「涉及职工（人）」等列）"
    ]


def test_cells_are_read_as_officials_type_them_and_a_firm_twice_is_refused(tmp_path):
    plans = [
        # Full-width digits, a thousands separator, an Excel day number for the date.
        plan(credit_code(1), "１,２００", "44621", "实施中", transferred="１００"),
        plan(credit_code(2), 30, "2022.4.1", "实施中"),
        plan(credit_code(2), 40, "2022-05-01", "已完成"),
        plan(credit_code(3), "12.5", "2022-05-01", "已完成"),
    ]
    book = filled_template(tmp_path, UNITS, plans)
    path = tmp_path / "typed.xlsx"
    book.save(path)
    first, *others = prepare([path]).sheet_rows
    assert first.values == {
        "credit_code": credit_code(1),
        "workers": 1200,
        "transferred": 100,
        "plan_date": D(2022, 3, 1),
        "status": "实施中",
    }
    assert not first.rejected
    twice = f"同一企业（{credit_code(2)}）在本表出现多次：第 4、5 行，请只保留一行"
    assert [r.messages for r in others] == [
        [f"「统一社会信用代码」{twice}"],
        [f"「统一社会信用代码」{twice}"],
        ["「涉及职工（人）」应填写整数，收到「12.5」"],
    ]
    assert others[0].values["plan_date"] == D(2022, 4, 1)


def test_the_summary_line_names_what_a_submission_carries_in_both_languages():
    counted = {"rows": 6, "ok": 5, "warning": 0, "rejected": 1}
    assert summary_text({**counted, "plans": 2, "sites": 1}, "en") == (
        "6 rows: 5 ok, 0 with warnings, 1 rejected; 2 resettlement plans; 1 exited sites"
    )
    assert summary_text({**counted, "plans": 0, "sites": 3}, "zh") == (
        "共 6 行：通过 5，有警告 0，拒绝 1；场地处置 3 处"
    )
    # A summary kept before the sheets existed reads as it did.
    assert summary_text(counted, "zh") == "共 6 行：通过 5，有警告 0，拒绝 1"


def test_hidden_characters_refuse_a_cell_and_a_formula_like_name_is_warned():
    data = pl.DataFrame(
        {
            "credit_code": [credit_code(1), None],
            "enterprise_name": [None, "=HYPERLINK(1)"],
            "workers": ["12\x00", "30"],
            "plan_date": ["2022-03-01", "2022-03-01"],
            "status": ["实施中", "实施中"],
            "row": [3, 4],
        }
    )
    first, second = check_rows(OptionalRows("r.xlsx", "职工安置", PLAN_SHEET, 2, data))
    assert first.messages == ["「涉及职工（人）」含有不可见的U+0000 空字符，请删除后重新填写"]
    assert first.raw["涉及职工（人）"] == "12\ufffd"  # kept as written, but storable
    assert second.severity == ["warning"] and not second.rejected
    assert second.messages == [
        "「企业名称」的值「=HYPERLINK(1)」以「=」开头，可能被电子表格当作公式执行，请核实"
    ]
