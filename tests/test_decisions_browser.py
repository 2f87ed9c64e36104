"""决定 in headless Chromium: one office user drafts a 区域限批 decision with its document's PDF
(a non-PDF and a file past the limit are refused with the message), cannot approve it herself,
and a second office user approves it — only then is the prefecture frozen, and the PDF that
downloads from the decision is the one uploaded."""

from __future__ import annotations

import hashlib
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
    monkeypatch.setenv("EXITMAP_MAX_DOCUMENT_MB", "1")
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


PDF = b"%PDF-1.7\n% decision 9 of 2026\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _fill(page, document: dict) -> None:
    """The draft's fields (the form is drawn anew after each post) and its file."""
    page.wait_for_selector("#d-file")
    _pick(page, "#d-prefecture", "昆明市")
    page.fill("#d-document", "云政发〔2026〕9号")
    page.fill("#d-date", "2026-10-01")
    page.fill("#d-reason", "淘汰类逾期")
    page.set_input_files("#d-file", files=[document])


def test_a_second_office_user_approves_what_the_first_drafted(site, chromium):
    base, engine = site
    maker = new_page(chromium, storage_state=browser_state(base, "province"))
    maker.goto(base + "/decisions")
    # Not a PDF, then past the limit (refused before it is read): the message, nothing kept.
    _fill(maker, {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a"})
    maker.click("#d-draft")
    expect(maker.locator("#d-message")).to_contain_text("文件 scan.pdf：不是 PDF 文件")
    expect(maker.locator("#d-document")).to_have_value("云政发〔2026〕9号")
    big = PDF + b"0" * (1024 * 1024 + 100 * 1024)
    _fill(maker, {"name": "big.pdf", "mimeType": "application/pdf", "buffer": big})
    maker.click("#d-draft")
    expect(maker.locator("#d-message")).to_contain_text("超过上限 1 MB，未保存草稿")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM decision_draft")).scalar_one() == 0

    _fill(maker, {"name": "决定.pdf", "mimeType": "application/pdf", "buffer": PDF})
    maker.click("#d-draft")
    expect(maker.locator("#d-message")).to_contain_text("已起草 1 号")
    expect(maker.locator("#d-pending")).to_contain_text("云政发〔2026〕9号")
    digest = hashlib.sha256(PDF).hexdigest()
    expect(maker.locator("#d-pending .d-sha")).to_have_attribute("data-sha256", digest)
    expect(maker.locator("#d-pending a.d-doc")).to_have_text("决定.pdf")
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
    # The decision carries the document: the same bytes come back.
    expect(checker.locator("#d-decided .d-sha")).to_have_attribute("data-sha256", digest)
    with checker.expect_download() as got:
        checker.click("#d-decided a.d-doc")
    assert Path(got.value.path()).read_bytes() == PDF
    assert got.value.suggested_filename == "决定.pdf"
    approvals = audit.entries(engine, actions=["decision"])
    assert list(approvals["username"]) == ["t_province2", "t_province"]
    taken = audit.entries(engine, actions=["download"])
    assert list(taken["username"]) == ["t_province2"] and list(taken["sha256"]) == [digest]

    # Who may not: a prefecture does not open the page, nor call its callbacks.
    kunming = new_page(chromium, storage_state=browser_state(base, "prefecture"))
    assert kunming.goto(base + "/decisions").status == 403
