"""专项工作 on screen (headless Chromium): the office enters one of each of the seed's other
duties — a 产能置换 project, a 督导检查 visit (and closes a finding), a 职工安置 plan, an
exited site's land — through the same checked writers as the command line; a refusal is shown
with its figures; a prefecture user sees its own records and no form."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from access import audit
from app.browser import new_page, serve, wait_idle
from etl.load import load
from etl.pipeline import prepare
from layers import inspections, land, replacement, resettlement
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import add_accounts, browser_state
from tests.helpers.browser import pick
from tests.helpers.registers import credit_code, unit_row, write_csv

GONE = {"当前状态": "已拆除", "退出方式": "拆除"}
ON = dt.date(2026, 10, 20)


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


@pytest.fixture
def site(engine, monkeypatch, tmp_path):
    from app.main import create_app

    # Kunming: blast furnaces 1 (40 万吨/年) and 2 (30) exited in 2021, 3 still working.
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **GONE),
        unit_row(2, capacity="30", 实际退出日期="2021-09-30", **GONE),
        unit_row(3),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), dt.date(2022, 6, 30))
    monkeypatch.setenv("EXITMAP_TODAY", ON.isoformat())
    add_accounts(engine)
    with serve(create_app(engine=engine)) as base:
        yield base, engine


def test_the_office_enters_one_of_each_duty(site, chromium):
    base, engine = site
    office = new_page(chromium, storage_state=browser_state(base, "province"))
    office.goto(base + "/duties")
    office.wait_for_selector("#dr-save")
    expect(office.locator("#nav-duties")).to_be_visible()

    # 产能置换: 56 new at 1.25:1 needs 70 — short with furnace 1 alone, met with both.
    office.fill("#dr-name", "新建高炉项目")
    office.fill("#dr-enterprise", "云南测试新钢有限公司")
    pick(office, "#dr-prefecture", "昆明市")
    pick(office, "#dr-sub", "炼铁")
    office.fill("#dr-capacity", "56")
    office.fill("#dr-document", "云工信〔2022〕1号")
    office.fill("#dr-date", "2022-06-30")
    office.fill("#dr-uses", key(1))
    office.click("#dr-save")
    expect(office.locator("#dr-message")).to_contain_text("70")
    assert replacement.projects(engine).empty
    office.fill("#dr-uses", f"{key(1)}；{key(2)}")
    office.click("#dr-save")
    expect(office.locator("#dr-message")).to_contain_text("已录入")
    project = replacement.projects(engine).iloc[0]
    assert (project["used_capacity_wt"], project["units"]) == (70.0, 2)

    # 督导检查: a visit with two findings, one about unit 3; then one closed.
    pick(office, "#di-prefecture", "昆明市")
    office.fill("#di-date", "2026-05-06")
    office.fill("#di-team", "省督导组第一组")
    office.fill(
        "#di-findings",
        f"高炉仍在生产|立即停产|2026-08-31|{key(3)}\n台账与现场不符|更正登记表|2026-12-31",
    )
    office.click("#di-save")
    expect(office.locator("#di-message")).to_contain_text("已录入")
    found = inspections.findings(engine, ON)
    assert found["state"].tolist() == ["overdue", "open"]
    first = int(found["id"].iloc[0])
    office.fill("#dc-id", str(first))
    office.fill("#dc-date", "2026-09-01")
    office.click("#dc-save")
    expect(office.locator("#dc-message")).to_contain_text(f"问题 {first} 已销号")
    assert inspections.findings(engine, ON).set_index("id").loc[first, "state"] == "closed"

    # 职工安置: more resettled than affected is refused with the figures, then entered.
    office.fill("#ds-firm", credit_code(1))
    office.fill("#ds-workers", "100")
    office.fill("#ds-transferred", "80")
    office.fill("#ds-retired", "30")
    office.fill("#ds-date", "2021-05-01")
    pick(office, "#ds-status", "实施中")
    office.click("#ds-save")
    expect(office.locator("#ds-message")).to_contain_text("合计 110")
    office.fill("#ds-retired", "20")
    office.click("#ds-save")
    expect(office.locator("#ds-message")).to_contain_text("已录入")
    plan = resettlement.plans(engine, ON).iloc[0]
    assert (plan["workers"], plan["resettled"]) == (100, 100)

    # 土地: the site of furnace 1, converted to services.
    office.fill("#dl-unit", key(1))
    office.fill("#dl-area", "85")
    pick(office, "#dl-right", "出让")
    pick(office, "#dl-outcome", "转产")
    office.fill("#dl-date", "2022-03-01")
    office.click("#dl-save")
    expect(office.locator("#dl-message")).to_contain_text("已录入")
    site_row = land.sites(engine, ON).iloc[0]
    assert (site_row["unit_key"], site_row["window_end"]) == (key(1), dt.date(2027, 3, 1))

    office.reload()
    for table in ("replacement", "inspections", "resettlement", "land"):
        expect(office.locator(f"#{table}-table tbody tr").first).to_be_visible()
    # The map: a line from each used unit to the project, and the site by its outcome.
    expect(office.locator("#du-map path.duty-use")).to_have_count(2)
    expect(office.locator("#du-map path.duty-project")).to_have_count(1)
    expect(office.locator("#du-map path.duty-site")).to_have_count(1)
    assert office.locator("#du-map path.duty-site").get_attribute("fill") == "#d95f02"  # 转产
    wait_idle(office)
    assert_accessible(office, where="专项工作")
    entered = audit.entries(engine, actions=["decision"])
    assert set(entered["target"].str.split("/").str[0]) >= {
        "replacement_project",
        "inspection",
        "finding",
        "resettlement_plan",
        "exited_site",
    }

    # A prefecture: its own records, no form (its calls of the forms' callbacks are refused:
    # tests/test_access_web.py walks every callback with every role).
    kunming = new_page(chromium, storage_state=browser_state(base, "prefecture"))
    kunming.goto(base + "/duties")
    expect(kunming.locator("#land-table tbody tr")).to_have_count(1)
    expect(kunming.locator("#dr-save")).to_have_count(0)
