"""Each role signed in, in headless Chromium: what it sees on the map, in the tables, in its
downloads, in the PNG and the PPTX it takes — and the render grant that carries the requester."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image
from playwright.sync_api import expect
from pptx import Presentation

from access import audit, grants, users
from app.browser import new_page, wait_idle, wait_map
from tests.helpers.accounts import ACCOUNTS, KUNMING, QUJING, browser_state, sign_in
from tests.helpers.browser import CPU_SLOWDOWN, fills

GREY = "#d9d9d9"  # layers.map.NO_DATA: a prefecture outside the scope


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def open_as(chromium, demo_site, role, path):
    page = new_page(
        chromium,
        cpu_slowdown=CPU_SLOWDOWN,
        accept_downloads=True,
        storage_state=browser_state(demo_site, role),
    )
    page.goto(demo_site + path)
    page.wait_for_selector("#page > div", timeout=20_000)
    return page


def overview_as(chromium, demo_site, role):
    """总览 signed in as ``role``, its map painted and its ranking filled."""
    page = open_as(chromium, demo_site, role, "/")
    wait_map(page)
    page.wait_for_selector("#ranking tbody tr")
    wait_idle(page)
    return page


def ranking_names(page) -> list[str]:
    """The prefectures ranked (the total row last is not one)."""
    rows = page.evaluate(
        "() => [...document.querySelectorAll('#ranking tbody tr')].map(tr => tr.dataset.row)"
    )
    return [r for r in rows if r != "530000"]


@pytest.mark.parametrize("role", ["province", "department", "leader"])
def test_the_whole_province_roles_see_every_prefecture(chromium, demo_site, role):
    page = overview_as(chromium, demo_site, role)
    colours = fills(page)
    assert len(colours) == 16 and GREY not in colours.values()
    assert len(ranking_names(page)) == 16
    assert ("用户管理" in page.inner_text("#account")) == (role == "province")
    page.context.close()


def test_a_prefecture_sees_its_own_and_others_grey(chromium, demo_site, monkeypatch):
    monkeypatch.setenv("EXITMAP_PUBLISH_RANKING", "0")
    page = overview_as(chromium, demo_site, "prefecture")
    colours = fills(page)
    assert colours[str(KUNMING)] != GREY
    assert {a for a, c in colours.items() if c == GREY} == set(colours) - {str(KUNMING)}
    assert ranking_names(page) == [str(KUNMING)]
    assert "合计（本账户范围）" in page.inner_text("#ranking")
    assert "用户管理" not in page.inner_text("#account") and "t_kunming" in page.inner_text(
        "#account"
    )
    # Another prefecture's page by its address: 403, Chinese first.
    page.goto(demo_site + f"/prefecture/{QUJING}")
    assert "无权访问" in page.inner_text("body") and "曲靖市" in page.inner_text("body")
    page.context.close()


def test_the_published_ranking_shows_the_others_sums_but_no_units(chromium, demo_site, monkeypatch):
    monkeypatch.setenv("EXITMAP_PUBLISH_RANKING", "1")
    page = overview_as(chromium, demo_site, "prefecture")
    assert GREY not in fills(page).values()
    assert len(ranking_names(page)) == 16
    links = page.evaluate(
        "() => [...document.querySelectorAll('#ranking tbody a')].map(a => a.getAttribute('href'))"
    )
    assert links == [f"/prefecture/{KUNMING}"]  # only its own page is a link
    ranking = page.inner_text("#ranking")  # the published total is the province's
    assert "云南省" in ranking and "合计（本账户范围）" not in ranking
    # A day in the past, as it was then known and as it is known now: the province
    # published the ranking as it knew it then (fewer exits were on record).
    texts = []
    for view in ("/?on=2024-06-30&known=2024-06-30", "/?on=2024-06-30"):
        page.goto(demo_site + view)
        wait_map(page)
        page.wait_for_selector("#ranking tbody tr")
        wait_idle(page)
        assert len(ranking_names(page)) == 16 and GREY not in fills(page).values()
        texts.append(page.inner_text("#ranking"))
    assert texts[0] != texts[1]
    page.context.close()


def test_a_prefecture_downloads_its_own_rows_and_the_file_names_who(
    chromium, demo_site, demo_engine
):
    page = open_as(chromium, demo_site, "prefecture", "/data")
    page.wait_for_selector("#d-grid .ag-row", timeout=20_000)
    wait_idle(page)
    shown = page.evaluate("() => dash_ag_grid.getApi('d-grid').getDisplayedRowCount()")
    with page.expect_download() as info:
        page.click("#d-csv")
    download = info.value
    assert download.suggested_filename.startswith("exitmap-units_t_kunming_")
    data = Path(download.path()).read_bytes()
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) - 1 == shown
    assert all(",昆明市," in line for line in lines[1:])
    log = audit.entries(demo_engine, user="t_kunming", actions=["download"])
    assert log.iloc[0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert log.iloc[0]["row_count"] == shown
    page.context.close()


def test_images_render_as_the_requester(chromium, demo_site, demo_engine):
    # The briefing view a prefecture user opens: its own prefecture coloured, its name on it.
    page = open_as(chromium, demo_site, "prefecture", "/?briefing=1")
    wait_map(page)
    wait_idle(page)
    colours = fills(page)
    assert colours[str(KUNMING)] != GREY and colours[str(QUJING)] == GREY
    expect(page.locator("#briefing-taken")).to_contain_text("t_kunming")
    page.context.close()
    # The PNG the server renders for it: a render grant for this user and view, logged.
    s = sign_in(demo_site, "prefecture")
    resp = s.get(
        demo_site + "/export/png",
        params={"view": f"/prefecture/{KUNMING}", "scale": "1"},
        timeout=120,
    )
    assert resp.status_code == 200, resp.text
    assert Image.open(io.BytesIO(resp.content)).size == (1920, 1080)
    line = audit.entries(demo_engine, user="t_kunming", actions=["export"]).iloc[0]
    assert line["sha256"] == hashlib.sha256(resp.content).hexdigest()
    # The renderer's own requests came as t_kunming (by grant), not as anyone else.
    views = audit.entries(demo_engine, user="t_kunming", actions=["page_view"])
    assert f"/prefecture/{KUNMING}" in set(views["target"])
    refused = s.get(demo_site + "/export/png", params={"view": f"/prefecture/{QUJING}"}, timeout=60)
    assert refused.status_code == 403


def test_a_render_grant_opens_one_view_for_a_minute(demo_site, demo_app, demo_engine):
    key = demo_app.server.config["SECRET_KEY"]
    km = users.get(demo_engine, "t_kunming").scope()
    grant = grants.issue(key, km, f"/prefecture/{KUNMING}")
    h = {grants.HEADER: grant}
    assert requests.get(demo_site + f"/prefecture/{KUNMING}", headers=h).status_code == 200
    # Another view, an export, a download: not with this grant.
    assert requests.get(demo_site + "/quota", headers=h, allow_redirects=False).status_code == 403
    assert requests.get(demo_site + "/export/png?view=/quota", headers=h).status_code == 403
    # A grant for another prefecture's page still meets the scope check.
    other = grants.issue(key, km, f"/prefecture/{QUJING}")
    assert (
        requests.get(
            demo_site + f"/prefecture/{QUJING}", headers={grants.HEADER: other}
        ).status_code
        == 403
    )
    # Forged, or signed for a scope the user no longer has: nobody.
    forged = grants.issue("not the key", km, f"/prefecture/{KUNMING}")
    leader = grants.issue(key, users.get(demo_engine, "t_leader").scope(), "/quota")
    assert requests.get(demo_site + "/quota", headers={grants.HEADER: leader}).status_code == 200
    stale = grants.issue(key, users.get(demo_engine, "t_env").scope(), "/quota")
    users.set_role(demo_engine, "t_env", "prefecture", QUJING)  # its scope changes …
    try:
        resp = requests.get(
            demo_site + "/quota", headers={grants.HEADER: stale}, allow_redirects=False
        )
        assert resp.status_code == 302  # … so its grant opens nothing
    finally:
        users.set_role(demo_engine, "t_env", "department", department="省生态环境厅")
    for bad in (forged, grant[:-3] + "abc"):
        resp = requests.get(
            demo_site + f"/prefecture/{KUNMING}",
            headers={grants.HEADER: bad},
            allow_redirects=False,
        )
        assert resp.status_code == 302  # not signed in: sent to the login page
    assert grants.read(key, grant, max_age=60) is not None
    time.sleep(2.1)  # the signature's age counts whole seconds
    assert grants.read(key, grant, max_age=1) is None  # expired


def test_a_prefecture_deck_holds_its_own_prefecture(demo_site):
    s = sign_in(demo_site, "prefecture")
    resp = s.get(demo_site + "/export/deck", timeout=300)
    assert resp.status_code == 200, resp.text
    deck = Presentation(io.BytesIO(resp.content))
    assert deck.core_properties.author == deck.core_properties.last_modified_by == "t_kunming"
    assert deck.core_properties.comments.startswith("取用：t_kunming 20")  # and when
    text = "\n".join(
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    assert "昆明市" in text and "曲靖市" not in text
    assert len(deck.slides) == 6  # title, map, ranking, one prefecture, freeze, reports


def test_the_office_adds_a_user_and_reads_the_audit_log_in_the_browser(
    chromium, demo_site, demo_engine, tmp_path
):
    page = open_as(chromium, demo_site, "province", "/admin/users")
    page.wait_for_selector("#users-table")
    assert "t_kunming" in page.inner_text("#users-table")
    assert page.locator("#nav a.active").count() == 0  # 用户管理 is no section of the map
    page.fill("#u-name", "b_leader")
    page.click("#u-role")
    page.get_by_role("option", name="leader", exact=True).click()
    page.fill("#u-password", "a long enough password")
    page.click("#u-add")  # a callback POST from the real renderer: the CSRF header goes along
    expect(page.locator("#u-message")).to_have_text("已新建用户 b_leader", timeout=20_000)
    expect(page.locator("#users-table")).to_contain_text("b_leader", timeout=20_000)
    page.screenshot(path=tmp_path / "admin-users.png")
    assert users.verify(demo_engine, "b_leader", "a long enough password").role == "leader"
    # Lines with a row count and lines without (pandas reads the gaps as NaN).
    km = users.get(demo_engine, "t_kunming").scope()
    audit.record(demo_engine, km, "download", "/data", {"format": "csv"}, row_count=4321)
    page.goto(demo_site + "/admin/audit")
    page.wait_for_selector("#audit-table")
    log = page.inner_text("#audit-table")
    assert "user_change" in log and "b_leader" in log and "t_province" in log
    assert "4321" in log and "t_kunming" in log
    page.screenshot(path=tmp_path / "admin-audit.png")
    page.context.close()


def grey_share(png: bytes) -> float:
    """The share of the map's area painted 无权查看 grey (the map is the left part of the
    overview's briefing image, below its title band)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    pixels = np.asarray(image.crop((0, h // 8, w * 11 // 20, h * 24 // 25)), dtype=np.int16)
    grey = np.array([int(GREY[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    return float((np.abs(pixels.reshape(-1, 3) - grey).max(axis=1) <= 6).mean())


@pytest.fixture(scope="module")
def prefecture_png(demo_site, monkeypatch_module) -> bytes:
    monkeypatch_module.setenv("EXITMAP_PUBLISH_RANKING", "0")
    resp = sign_in(demo_site, "prefecture").get(
        demo_site + "/export/png", params={"view": "/", "scale": "1"}, timeout=180
    )
    assert resp.status_code == 200, resp.text
    return resp.content


@pytest.mark.parametrize("role", ["province", "department", "leader"])
def test_the_whole_province_roles_take_every_prefecture_away(
    chromium, demo_site, demo_engine, prefecture_png, role
):
    name = ACCOUNTS[role][0]
    page = open_as(chromium, demo_site, role, "/data")
    page.wait_for_selector("#d-grid .ag-row", timeout=20_000)
    wait_idle(page)
    with page.expect_download() as info:
        page.click("#d-csv")
    download = info.value
    assert download.suggested_filename.startswith(f"exitmap-units_{name}_")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert len({r["prefecture"] for r in rows}) == 16
    page.context.close()
    # Its overview image: every prefecture coloured, where the prefecture user's is grey.
    s = sign_in(demo_site, role)
    resp = s.get(demo_site + "/export/png", params={"view": "/", "scale": "1"}, timeout=180)
    assert resp.status_code == 200, resp.text
    assert grey_share(resp.content) < 0.01 < 0.1 < grey_share(prefecture_png)
    line = audit.entries(demo_engine, user=name, actions=["export"]).iloc[0]
    assert line["sha256"] == hashlib.sha256(resp.content).hexdigest()
    assert line["role"] == role


def test_the_leaders_deck_holds_every_prefecture(demo_site):
    resp = sign_in(demo_site, "leader").get(demo_site + "/export/deck", timeout=600)
    assert resp.status_code == 200, resp.text
    deck = Presentation(io.BytesIO(resp.content))
    assert deck.core_properties.author == "t_leader"
    text = "\n".join(
        shape.text_frame.text
        for slide in deck.slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    assert "昆明市" in text and "曲靖市" in text and "迪庆藏族自治州" in text
    assert len(deck.slides) == 5 + 16  # title, map, ranking, each prefecture, freeze, reports


def test_a_prefecture_presents_its_own_progress(chromium, demo_site):
    """Presentation mode as a prefecture user: the first slide is its own, by name."""
    page = open_as(chromium, demo_site, "prefecture", "/?present=1")
    page.wait_for_selector(".slide h2")
    title = page.inner_text("#slide-1 h2")
    assert title == "昆明市淘汰落后产能退出进展", title
    page.context.close()
