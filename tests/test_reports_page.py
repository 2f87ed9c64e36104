"""The public's report page (issue #15): filed without signing in, through the form as a browser
sends it (CSRF token, multipart photos), routed by a point or an address; the reporter gets a
reference and reads the state by it, never the notes; the honeypot, the rate per address, the
size limits and every refused submission kept; the page in Chromium on a phone."""

from __future__ import annotations

import io
import os
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from access import audit
from app.browser import new_page
from app.report_public import MAX_BODY, RATE
from exitmap.scope import Scope
from reports import handling
from tests.helpers.a11y import assert_accessible
from tests.helpers.accounts import csrf_of
from tests.helpers.browser import CPU_SLOWDOWN
from tests.helpers.reports import CONTACT, POINTS, RECEIVED
from tests.helpers.screens import sideways, small_targets

REFERENCE = re.compile(r"JB\d{8}-[2-9A-Z]{6}")
_addresses = iter(f"10.15.{i // 250}.{i % 250 + 1}" for i in range(10_000))


def visitor(app):
    """A test client from an address of its own (the rate is per address)."""
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = next(_addresses)
    return client


def form(client, **values) -> dict:
    token = csrf_of(client.get("/report").get_data(as_text=True))
    (lon, lat), _ = POINTS["kunming"]
    base = {
        "csrf_token": token,
        "kind": "environment",
        "description": "河边小钢厂夜间生产冒黑烟",
        "lon": str(lon),
        "lat": str(lat),
        "firm": "",
        "address": "",
        "name": CONTACT["name"],
        "phone": CONTACT["phone"],
        "email": CONTACT["email"],
    }
    return base | values


def post(client, data, photos=()):
    body = dict(data)
    if photos:
        body["photos"] = [(io.BytesIO(raw), name) for name, raw in photos]
    return client.post("/report", data=body, content_type="multipart/form-data")


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def row(engine, reference):
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.text("SELECT * FROM report WHERE service_request_id = :r"), {"r": reference}
            )
            .mappings()
            .first()
        )


def attempts(engine, address):
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT outcome FROM report_attempt WHERE address = :a ORDER BY id"),
                {"a": address},
            ).scalars()
        )


def test_the_form_is_public_chinese_and_carries_its_csrf_token_and_honeypot(demo_app):
    client = visitor(demo_app)
    resp = client.get("/report")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'lang="zh-CN"' in html
    assert resp.headers["Cache-Control"] == "no-store"
    assert "<script>" not in html and "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert csrf_of(html)
    assert html.count('name="kind"') == 5 and 'name="website"' in html
    assert "/assets/public/report.css" in html and "http" not in html.split("<body")[0].replace(
        "http-equiv", ""
    )


def test_a_report_filed_through_the_page_is_routed_and_keeps_its_reporter_apart(
    demo_app, demo_engine
):
    client = visitor(demo_app)
    resp = post(client, form(client), photos=[("现场.jpg", jpeg_with_exif())])
    assert resp.status_code == 303, resp.get_data(as_text=True)
    reference = REFERENCE.search(resp.headers["Location"]).group(0)
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert reference in page and "举报已受理" in page and "已受理" in page
    found = row(demo_engine, reference)
    assert (found["agency_responsible"], found["prefecture_adcode"]) == ("省生态环境厅", 530100)
    assert found["channel"] == "web" and found["status"] == "received"
    with demo_engine.connect() as conn:
        contact = (
            conn.execute(
                sa.text("SELECT name, phone, email FROM report_contact WHERE report_id = :i"),
                {"i": found["id"]},
            )
            .mappings()
            .one()
        )
        photo = conn.execute(
            sa.text("SELECT content FROM report_photo WHERE report_id = :i"), {"i": found["id"]}
        ).scalar_one()
    assert dict(contact) == CONTACT
    assert b"SecretCameraMaker" not in bytes(photo) and bytes(photo)[:2] == b"\xff\xd8"
    filed = audit.entries(demo_engine, actions=["report"])
    mine = filed[filed["target"] == reference]
    assert len(mine) == 1
    for value in CONTACT.values():
        assert value not in mine.iloc[0]["params"]


def test_an_address_alone_places_the_report(demo_app, demo_engine):
    client = visitor(demo_app)
    data = form(client, lon="", lat="", address="曲靖市麒麟区南宁西路88号", kind="safety")
    resp = post(client, data)
    assert resp.status_code == 303
    found = row(demo_engine, REFERENCE.search(resp.headers["Location"]).group(0))
    assert (found["prefecture_adcode"], found["county_adcode"]) == (530300, 530302)
    assert found["agency_responsible"] == "省应急管理厅"
    assert found["lat"] is None and found["address_string"] == "曲靖市麒麟区南宁西路88号"


def test_without_the_csrf_token_nothing_is_filed(demo_app, demo_engine):
    client = visitor(demo_app)
    data = form(client, description="没有令牌的提交")
    data.pop("csrf_token")
    assert post(client, data).status_code == 400
    with demo_engine.connect() as conn:
        assert not conn.execute(
            sa.text("SELECT count(*) FROM report WHERE description = '没有令牌的提交'")
        ).scalar()


def test_the_honeypot_files_nothing_but_keeps_the_submission(demo_app, demo_engine):
    client = visitor(demo_app)
    address = client.environ_base["REMOTE_ADDR"]
    resp = post(client, form(client, website="http://spam.example", description="机器人"))
    assert resp.status_code == 200 and "已收到" in resp.get_data(as_text=True)
    assert not REFERENCE.search(resp.get_data(as_text=True))
    assert attempts(demo_engine, address) == ["honeypot"]


def test_an_address_is_held_to_its_rate_and_every_submission_is_kept(demo_app, demo_engine):
    client = visitor(demo_app)
    address = client.environ_base["REMOTE_ADDR"]
    for _ in range(RATE):
        assert post(client, form(client)).status_code == 303
    refused = post(client, form(client, description="第六次"))
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.get_data(as_text=True)
    assert attempts(demo_engine, address) == ["filed"] * RATE + ["rate_limited"]
    other = visitor(demo_app)
    assert post(other, form(other)).status_code == 303  # another address is not held


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"kind": ""}, "请选择举报类别"),
        ({"description": ""}, "请填写举报内容"),
        ({"lon": "116.40", "lat": "39.90"}, "不在云南省内"),
        ({"lon": "abc"}, "经度应为数字"),
        ({"lon": "", "lat": "", "address": ""}, "请在地图上选择位置"),
        ({"description": "长" * 4001}, "不能超过 4000 字"),
    ],
)
def test_bad_input_is_refused_in_chinese_with_the_form_kept(demo_app, demo_engine, change, says):
    client = visitor(demo_app)
    address = client.environ_base["REMOTE_ADDR"]
    resp = post(client, form(client, firm="保留的企业名", **change))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and says in html and 'role="alert"' in html
    assert 'value="保留的企业名"' in html
    assert attempts(demo_engine, address) == ["invalid"]


def test_photos_are_type_checked_and_the_body_bounded_before_it_is_read(demo_app):
    client = visitor(demo_app)
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    resp = post(client, form(client), photos=[("a.gif", gif.getvalue())])
    assert resp.status_code == 400 and "只接受 JPEG 或 PNG" in resp.get_data(as_text=True)
    four = [(f"{i}.jpg", jpeg_with_exif()) for i in range(4)]
    resp = post(client, form(client), photos=four)
    assert resp.status_code == 400 and "照片最多 3 张" in resp.get_data(as_text=True)
    big = client.post(
        "/report",
        input_stream=io.BytesIO(b"x" * 10),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(MAX_BODY + 1)},
    )
    assert big.status_code == 413
    # Past the app's 256 KB bound for other routes, within the form's: taken.
    noise = io.BytesIO()
    Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3)).save(noise, "PNG")
    assert noise.tell() > 256 * 1024
    assert post(client, form(client), photos=[("noise.png", noise.getvalue())]).status_code == 303


def test_the_state_page_shows_the_state_and_never_the_notes(demo_app, demo_engine):
    client = visitor(demo_app)
    resp = post(client, form(client))
    reference = REFERENCE.search(resp.headers["Location"]).group(0)
    office = Scope("province", "t_province")
    handling.take(
        demo_engine, office, reference, "screen", RECEIVED, outcome="valid", notes="内部备注甲乙丙"
    )
    page = visitor(demo_app).get(f"/report/status?ref={reference.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "已甄别" in html
    assert "内部备注甲乙丙" not in html and "河边小钢厂" not in html
    assert CONTACT["phone"] not in html
    missing = visitor(demo_app).get("/report/JB20990101-ZZZZZZ")
    assert missing.status_code == 404 and "未找到" in missing.get_data(as_text=True)


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)], ids=["390x844", "1366x768"])
def test_a_phone_files_a_report_by_tapping_the_map(
    chromium, dashboard, demo_engine, size, tmp_path
):
    base, _ = dashboard
    page = new_page(
        chromium, cpu_slowdown=CPU_SLOWDOWN, viewport={"width": size[0], "height": size[1]}
    )
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(base + "/report")
        page.wait_for_selector("#report-map path")
        assert_accessible(page, where=f"/report {size}")
        assert sideways(page) <= 0
        if size[0] <= 400:
            assert small_targets(page) == []
        page.check("input[value=energy]")
        page.fill("#description", "砖厂淘汰类轮窑仍在生产")
        # Tap Kunming's centre on the drawn map: the script turns it into lon/lat.
        page.locator("#report-map").scroll_into_view_if_needed()
        box = page.evaluate("""() => {
            const svg = document.getElementById('report-map');
            const p = svg.createSVGPoint();
            p.x = 102.712 * parseFloat(svg.dataset.xScale); p.y = -25.04;
            const s = p.matrixTransform(svg.getScreenCTM());
            return [s.x, s.y];
        }""")
        page.mouse.click(*box)
        assert abs(float(page.input_value("#lon")) - 102.712) < 0.05
        assert abs(float(page.input_value("#lat")) - 25.04) < 0.05
        assert "已选位置" in page.text_content("#report-pick-text")
        page.screenshot(path=str(tmp_path / "report-form.png"), full_page=True)
        with page.expect_navigation():
            page.click("#report-submit")
        page.wait_for_selector("#report-reference")
        reference = page.text_content("#report-reference")
        assert REFERENCE.fullmatch(reference)
        assert_accessible(page, where=f"/report/{reference} {size}")
        assert sideways(page) <= 0
        page.screenshot(path=str(tmp_path / "report-state.png"), full_page=True)
        assert row(demo_engine, reference)["prefecture_adcode"] == 530100
    finally:
        page.context.close()
    assert not errors, errors
