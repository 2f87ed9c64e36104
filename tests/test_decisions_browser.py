"""决定 in headless Chromium: one office user drafts a 区域限批 decision, cannot approve it
herself, and a second office user approves it — only then is the prefecture frozen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from access import audit, users
from app.browser import new_page, serve, wait_idle
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import PASSWORD, add_accounts, browser_state

SHOTS = Path(os.environ.get("EXITMAP_SHOTS", "/tmp/exitmap-shots"))


@pytest.fixture
def site(engine, monkeypatch):
    from app.main import create_app

    monkeypatch.setenv("EXITMAP_TODAY", "2026-10-20")
    add_accounts(engine)
    users.add(engine, "t_province2", "province", password=PASSWORD, display_name="第二审批人")
    with serve(create_app(engine=engine)) as base:
        yield base, engine


def _frozen(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM freeze_decision")).scalar_one()


def _pick(page, dropdown: str, text: str) -> None:
    page.click(dropdown)
    page.get_by_role("option", name=text, exact=True).click()
    expect(page.locator(dropdown)).to_contain_text(text)


def test_a_second_office_user_approves_what_the_first_drafted(site, chromium):
    base, engine = site
    maker = new_page(chromium, storage_state=browser_state(base, "province"))
    maker.goto(base + "/decisions")
    maker.wait_for_selector("#d-draft")
    _pick(maker, "#d-prefecture", "昆明市")
    maker.fill("#d-document", "云政发〔2026〕9号")
    maker.fill("#d-date", "2026-10-01")
    maker.fill("#d-reason", "淘汰类逾期")
    maker.click("#d-draft")
    expect(maker.locator("#d-message")).to_contain_text("已起草 1 号")
    expect(maker.locator("#d-pending")).to_contain_text("云政发〔2026〕9号")
    assert _frozen(engine) == 0
    # Her own draft: refused on the server, whatever the page offers.
    maker.fill("#d-id", "1")
    maker.click("#d-approve")
    expect(maker.locator("#d-message")).to_contain_text("不能审批自己起草的决定")
    assert _frozen(engine) == 0
    expect(maker.locator("#nav-decisions")).not_to_contain_text("待审批")

    checker = new_page(chromium, storage_state=browser_state(base, "t_province2"))
    checker.goto(base + "/decisions")
    checker.wait_for_selector("#d-pending tbody tr")
    expect(checker.locator("#nav-decisions")).to_contain_text("1 项待审批")
    wait_idle(checker)
    SHOTS.mkdir(parents=True, exist_ok=True)
    checker.screenshot(path=str(SHOTS / "decisions.png"), full_page=True)
    assert_accessible(checker, where="决定")
    checker.fill("#d-id", "1")
    checker.click("#d-approve")
    expect(checker.locator("#d-message")).to_contain_text("1 号已审批通过并生效")
    expect(checker.locator("#d-pending tbody tr")).to_have_count(0)
    assert _frozen(engine) == 1
    approvals = audit.entries(engine, actions=["decision"])
    assert list(approvals["username"]) == ["t_province2", "t_province"]

    # Who may not: a prefecture does not open the page, nor call its callbacks.
    kunming = new_page(chromium, storage_state=browser_state(base, "prefecture"))
    assert kunming.goto(base + "/decisions").status == 403
