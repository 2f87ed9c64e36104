"""报送 and 审核 in headless Chromium: a prefecture uploads, reads its problems, takes the marked
workbook, uploads the fixed file and submits; the office reads the difference, returns it with a
comment the prefecture sees, and accepts the next — the register changes only then."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.browser import new_page, serve, wait_idle
from exitmap.cli.submissions import start_worker_thread
from submissions import review, store
from submissions.worker import run_one
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import add_accounts, browser_state
from tests.helpers.registers import unit_row
from tests.helpers.screens import sideways, small_targets
from tests.helpers.submissions import KUNMING_USER, OFFICE, csv_bytes, workbook_bytes

SHOTS = Path(os.environ.get("EXITMAP_SHOTS", "/tmp/exitmap-shots"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _units(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def site(engine, monkeypatch):
    """The app over a fresh database holding one accepted Kunming register (three units),
    a worker thread beside it, served on a free port: (base URL, engine)."""
    from app.main import create_app

    monkeypatch.setenv("EXITMAP_TODAY", "2026-10-20")
    add_accounts(engine)
    first = store.create(
        engine, KUNMING_USER, "v1.csv", csv_bytes([unit_row(i) for i in (1, 2, 3)]),
        dt.date(2026, 6, 30),
    )  # fmt: skip
    run_one(engine, "setup")
    store.act(engine, KUNMING_USER, first, "submit")
    review.accept(engine, OFFICE, first)
    stop = start_worker_thread(engine)
    app = create_app(engine=engine)
    try:
        with serve(app) as base:
            yield base, engine
    finally:
        stop.set()


def _upload(page, base: str, name: str, content: bytes, as_of: str = "2026-09-30") -> int:
    page.goto(base + "/submit")
    page.wait_for_selector("#s-form")
    page.set_input_files("#s-file", files=[{"name": name, "mimeType": XLSX, "buffer": content}])
    page.fill("#s-as-of", as_of)
    page.click("#s-upload")
    page.wait_for_url(lambda url: "/submit/" in url)
    page.wait_for_selector("#s-summary", timeout=60_000)  # the bar ran to the end
    expect(page.locator("#s-step")).to_have_text("检查完成")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def _grid_rows(page) -> int:
    return page.locator("#s-problems .ag-center-cols-container .ag-row").count()


def test_a_prefecture_submits_and_the_office_returns_then_accepts(site, chromium):
    base, engine = site
    kunming = new_page(
        chromium, accept_downloads=True, storage_state=browser_state(base, "prefecture")
    )
    kunming.goto(base + "/submit")
    kunming.wait_for_selector("#s-form")
    expect(kunming.locator("#nav-submit")).to_be_visible()
    expect(kunming.locator("#nav-review")).to_have_count(0)
    _shot(kunming, "submit-list")

    # A register with one bad row and one warning: its problems, filtered, stepped through.
    bad = [unit_row(1), unit_row(2, 退出类别="乱写"), unit_row(3, 装备编号="")]
    first = _upload(kunming, base, "昆明登记表.xlsx", workbook_bytes(bad))
    expect(kunming.locator("#s-summary")).to_contain_text("拒绝 1")
    kunming.wait_for_selector("#s-problems .ag-row")
    everything = _grid_rows(kunming)
    assert everything >= 2
    kunming.get_by_label("错误", exact=True).check()
    expect(kunming.locator("#s-problems .ag-center-cols-container .ag-row")).to_have_count(1)
    expect(kunming.locator("#s-problems")).to_contain_text("N4")
    kunming.get_by_label("全部", exact=True).check()
    expect(kunming.locator("#s-problems .ag-center-cols-container .ag-row")).to_have_count(
        everything
    )
    kunming.click("#s-next")
    expect(kunming.locator("#s-problems .ag-row-selected")).to_have_count(1)
    first_selected = kunming.locator("#s-problems .ag-row-selected").get_attribute("row-index")
    kunming.click("#s-next")
    # Each press moves to the problem after the one selected (round to the first); the
    # selection moves when the callback returns, so wait for it rather than read at once.
    expect(kunming.locator("#s-problems .ag-row-selected")).to_have_attribute(
        "row-index", str((int(first_selected) + 1) % everything)
    )
    expect(kunming.locator("#s-submit")).to_have_count(0)  # rejected rows: nothing to submit
    _shot(kunming, "submit-problems")
    assert_accessible(kunming, where="报送 problems")

    # The marked workbook and the CSV, as the browser downloads them.
    with kunming.expect_download() as got:
        kunming.click("#s-annotated")
    marked = openpyxl.load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert marked.sheetnames == ["登记表", "填表说明"]
    assert "退出类别" in marked["登记表"]["N4"].comment.text
    with kunming.expect_download() as got:
        kunming.click("#s-report-csv")
    assert "N4" in Path(got.value.path()).read_text(encoding="utf-8-sig")

    # The fixed file: 2号 now closed, 3号 gone, 4号 new; submitted.
    fixed = [unit_row(1), unit_row(2, 当前状态="已关停", 实际退出日期="2026-08-31"), unit_row(4)]
    second = _upload(kunming, base, "昆明登记表（修正）.xlsx", workbook_bytes(fixed))
    assert second != first
    # Drawn once the check is done, the button submits nothing by itself.
    expect(kunming.locator("#s-state")).to_have_text("草稿（已检查）")
    kunming.click("#s-submit")
    expect(kunming.locator("#s-message")).to_have_text("已报送，等待省级审核。")
    expect(kunming.locator("#s-state")).to_have_text("已报送")
    assert _units(engine) == 3

    # The office: the queue, the period, the difference on a map; returned with a comment.
    office = new_page(chromium, storage_state=browser_state(base, "province"))
    office.goto(base + "/review")
    office.wait_for_selector("#r-queue")
    expect(office.locator("#r-queue")).to_contain_text("昆明登记表（修正）.xlsx")
    expect(office.locator("#r-period")).to_contain_text("2026-07-01 至 2026-09-30")
    expect(office.locator("#r-status tr", has_text="昆明市")).to_contain_text("已报送待审")
    expect(office.locator("#r-status tr", has_text="曲靖市")).to_contain_text("逾期未报")
    # The inbox in the header: one to review, fifteen prefectures overdue.
    expect(office.locator("#nav-review")).to_contain_text("1 份待审核")
    expect(office.locator("#nav-review")).to_contain_text("15 个逾期未报")
    _shot(office, "review-list")
    office.goto(base + f"/review/{second}")
    office.wait_for_selector("#r-changed")
    expect(office.locator("#r-added tbody tr")).to_have_count(1)
    expect(office.locator("#r-missing tbody tr")).to_have_count(1)
    changed = office.locator("#r-changed")
    expect(changed).to_contain_text("在产")
    expect(changed).to_contain_text("已关停")
    expect(changed).to_contain_text("2026-08-31")
    for kind in ("added", "changed", "missing"):  # each on the map, in its colour
        expect(office.locator(f"#r-map path.diff-{kind}")).to_have_count(1)
    wait_idle(office)
    _shot(office, "review-detail")
    assert_accessible(office, where="审核 detail")
    office.click("#r-return")
    expect(office.locator("#r-message")).to_contain_text("必须填写退回意见")
    office.fill("#r-comment", "4号装备的坐标请核实")
    office.click("#r-return")
    expect(office.locator("#r-message")).to_have_text("已退回，报送单位将看到审核意见。")
    expect(office.locator("#r-state")).to_have_text("已退回")
    assert _units(engine) == 3

    kunming.goto(base + f"/submit/{second}")
    expect(kunming.locator("#s-comment")).to_contain_text("4号装备的坐标请核实")
    expect(kunming.locator("#nav-submit")).to_contain_text("1 份被退回")

    # The corrected file again, submitted and accepted: now the register changes.
    third = _upload(kunming, base, "昆明登记表（再修正）.xlsx", workbook_bytes(fixed))
    kunming.click("#s-submit")
    expect(kunming.locator("#s-state")).to_have_text("已报送")
    office.goto(base + f"/review/{third}")
    office.wait_for_selector("#r-accept")
    office.click("#r-accept")
    # The worker loads it; the page polls the job: the bar, then the state once it committed.
    expect(office.locator("#r-message")).to_contain_text("已采用并载入：新增 1", timeout=60_000)
    expect(office.locator("#r-state")).to_have_text("已采用")
    expect(office.locator("#r-done")).to_contain_text("无需审核")
    assert _units(engine) == 4
    with engine.connect() as conn:
        job = conn.execute(
            sa.text("SELECT state, progress FROM job WHERE kind = 'accept' AND submission_id = :s"),
            {"s": third},
        ).one()
    assert tuple(job) == ("done", 1.0)
    with engine.connect() as conn:
        status = conn.execute(
            sa.text("SELECT status FROM unit WHERE unit_key LIKE :k"),
            {"k": unit_row(2)["统一社会信用代码"] + "/%"},
        ).scalar_one()
    assert status == "已关停"

    # On a phone: nothing scrolls sideways, every target is a thumb's size.
    for role, path, ready in (
        ("prefecture", f"/submit/{first}", "#s-problems .ag-row"),
        ("province", f"/review/{second}", "#r-changed"),
    ):
        phone = new_page(
            chromium,
            viewport={"width": 390, "height": 844},
            storage_state=browser_state(base, role),
        )
        phone.goto(base + path)
        phone.wait_for_selector(ready)
        wait_idle(phone)
        _shot(phone, f"phone-{path.strip('/').replace('/', '-')}")
        assert sideways(phone) <= 0, path
        assert small_targets(phone) == [], path
        phone.context.close()


def test_the_pages_are_refused_to_roles_that_may_not_use_them(site, chromium):
    base, _ = site
    leader = new_page(chromium, storage_state=browser_state(base, "leader"))
    for path in ("/submit", "/review", "/review/1"):
        response = leader.goto(base + path)
        assert response.status == 403, path
    kunming = new_page(chromium, storage_state=browser_state(base, "prefecture"))
    assert kunming.goto(base + "/review").status == 403
    assert kunming.goto(base + "/submit").status == 200
