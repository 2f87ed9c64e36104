"""目标任务 on screen (headless Chromium): an office user drafts a prefecture's target line on
the 区域限批 page, a second office user approves it on 决定, and the line shows with what was
done; a prefecture user sees its own lines and no form."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from access import users
from app.browser import new_page, serve, wait_idle
from etl.load import load
from etl.pipeline import prepare
from layers.targets import lines
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import PASSWORD, add_accounts, browser_state
from tests.helpers.browser import pick
from tests.helpers.registers import unit_row, write_csv

GONE = {"当前状态": "已拆除", "退出方式": "拆除", "退出类别": "限制类"}


@pytest.fixture
def site(engine, monkeypatch, tmp_path):
    from app.main import create_app

    # Kunming: two 限制类 furnaces out in 2025 (50,000 tce each), one still working.
    rows = [
        unit_row(1, 实际退出日期="2025-03-31", **GONE),
        unit_row(2, 实际退出日期="2025-09-30", **GONE),
        unit_row(3, 退出类别="限制类", 计划退出日期="2025-12-31"),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), dt.date(2025, 12, 31))
    monkeypatch.setenv("EXITMAP_TODAY", "2025-12-31")
    add_accounts(engine)
    users.add(engine, "t_province2", "province", password=PASSWORD, display_name="第二审批人")
    with serve(create_app(engine=engine)) as base:
        yield base, engine


def test_a_target_is_drafted_on_screen_and_approved_by_another(site, chromium):
    base, engine = site
    maker = new_page(chromium, storage_state=browser_state(base, "province"))
    maker.goto(base + "/freeze")
    maker.wait_for_selector("#tg-draft")
    expect(maker.locator("#targets-none")).to_have_text("本年度尚未下达目标任务。")
    expect(maker.locator("#targets-trigger")).to_contain_text("未启用")
    pick(maker, "#tg-prefecture", "昆明市")
    pick(maker, "#tg-category", "限制类")
    maker.fill("#tg-units", "4")
    maker.fill("#tg-tce", "80,000")
    maker.fill("#tg-document", "云工信〔2025〕7号")
    maker.click("#tg-draft")
    expect(maker.locator("#tg-message")).to_contain_text("已起草 1 号")
    assert lines(engine, dt.date(2025, 12, 31)).empty  # nothing set before approval
    # A bad figure: refused with the field named, nothing drafted.
    maker.fill("#tg-units", "四")
    maker.click("#tg-draft")
    expect(maker.locator("#tg-message")).to_contain_text("目标装备数应填写整数")

    checker = new_page(chromium, storage_state=browser_state(base, "t_province2"))
    checker.goto(base + "/decisions")
    checker.wait_for_selector("#d-pending tbody tr")
    expect(checker.locator("#d-pending")).to_contain_text(
        "2025年度 限制类：退出 4 台（套）、80,000 吨标准煤，期限 2025-12-31"
    )
    checker.fill("#d-id", "1")
    checker.click("#d-approve")
    expect(checker.locator("#d-message")).to_contain_text("1 号已审批通过并生效")

    checker.goto(base + "/freeze")
    row = checker.locator("#targets-table tbody tr")
    expect(row).to_have_count(1)
    # Two of four units (50 %), 100,000 of 80,000 tce (100 %): the line is 50 % done.
    expect(row).to_contain_text("2 / 4")
    expect(row).to_contain_text("100,000 / 80,000")
    expect(row).to_contain_text("50.0%")
    wait_idle(checker)
    assert_accessible(checker, where="区域限批 目标任务")
    line = lines(engine, dt.date(2025, 12, 31)).iloc[0]
    assert (line["drafted_by"], line["approved_by"]) == ("t_province", "t_province2")

    # A prefecture: its own lines, no form.
    kunming = new_page(chromium, storage_state=browser_state(base, "prefecture"))
    kunming.goto(base + "/freeze")
    expect(kunming.locator("#targets-table tbody tr")).to_have_count(1)
    expect(kunming.locator("#tg-draft")).to_have_count(0)
    qujing_user = "t_qujing"
    users.add(engine, qujing_user, "prefecture", password=PASSWORD, prefecture=530300)
    qujing = new_page(chromium, storage_state=browser_state(base, qujing_user))
    qujing.goto(base + "/freeze")
    expect(qujing.locator("#targets-none")).to_be_visible()
