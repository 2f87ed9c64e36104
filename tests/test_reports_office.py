"""The office's report desk and who sees what (issue #15), through the app's own callbacks as a
signed-in browser sends them: the office enters a telephone report, screens, assigns; the
department starts and closes its own; a step a role may not take is refused on the server and
audited; a prefecture sees its territory without the reporter; a leader sees counts; and no
department, prefecture, leader, export, API answer or audit parameter ever holds the contact."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from PIL import Image

from access import audit
from exports.lists import write_lists
from exports.report import write_report
from reports.intake import Intake, file_report
from reports.photos import clean_photo
from reports.routing import Place
from tests.helpers.accounts import client_as
from tests.helpers.dash_http import call, callback_body, download_body
from tests.helpers.demo import DEMO_TODAY
from tests.helpers.reports import POINTS, RECEIVED

REFERENCE = re.compile(r"JB\d{8}-[2-9A-Z]{6}")
# A reporter no other test uses: searched for in everything the other roles get.
SECRET = {"name": "密报人王五六", "phone": "13800991122", "email": "wangwuliu@example.cn"}
NOTES = "办公室研判意见ZXQ"


def page(client, path: str) -> str:
    """The router's answer for ``path`` (header and page), as text."""
    body = callback_body(
        [("header", "children"), ("page", "children")],
        [("url", "pathname", path)],
        [("url", "search", "")],
    )
    resp = call(client, body)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return json.dumps(resp.get_json(), ensure_ascii=False)


def enter(client, kind: str, where: str, **contact) -> str:
    (lon, lat), _ = POINTS[where]
    states = [
        ("rn-channel", "value", "phone"),
        ("rn-kind", "value", kind),
        ("rn-description", "value", f"电话举报：{where}某厂{kind}问题"),
        ("rn-address", "value", ""),
        ("rn-lon", "value", str(lon)),
        ("rn-lat", "value", str(lat)),
        ("rn-firm", "value", ""),
        ("rn-name", "value", contact.get("name", "")),
        ("rn-phone", "value", contact.get("phone", "")),
        ("rn-email", "value", contact.get("email", "")),
        ("url", "search", ""),
    ]
    body = callback_body([("rn-message", "children")], [("rn-submit", "n_clicks", 1)], states)
    resp = call(client, body)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return REFERENCE.search(resp.get_data(as_text=True)).group(0)


def step(client, reference, name, outcome=None, department=None, notes="", unit=None):
    body = callback_body(
        [("rp-message", "children"), ("report-detail", "children")],
        [("rp-submit", "n_clicks", 1)],
        [
            ("rp-step", "value", name),
            ("rp-outcome", "value", outcome),
            ("rp-department", "value", department),
            ("rp-unit", "value", unit),
            ("rp-notes", "value", notes),
            ("url", "pathname", f"/reports/{reference}"),
            ("url", "search", ""),
        ],
    )
    return call(client, body)


def state_of(engine, reference):
    with engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT status, screening, resolution, agency_responsible, channel"
                " FROM report WHERE service_request_id = :r"
            ),
            {"r": reference},
        ).one()


@pytest.fixture(scope="module")
def desk(demo_app, demo_engine):
    """Signed-in clients and three reports the office entered by telephone: an environment one
    in Kunming (assigned), an energy one in Kunming (assigned), a quality one in Qujing."""
    clients = {
        role: client_as(demo_app, demo_engine, role)
        for role in ("province", "department", "prefecture", "leader")
    }
    office = clients["province"]
    made = {
        "env": enter(office, "environment", "kunming", **SECRET),
        "energy": enter(office, "energy", "kunming", **SECRET),
        "qujing": enter(office, "quality", "qujing", **SECRET),
    }
    for key in ("env", "energy"):
        assert step(office, made[key], "screen", "valid", notes=NOTES).status_code == 200
        assert step(office, made[key], "assign").status_code == 200
    return clients, made


def test_the_office_enters_a_telephone_report_routed_with_its_reporter_apart(desk, demo_engine):
    _, made = desk
    assert tuple(state_of(demo_engine, made["qujing"])) == (
        "received",
        None,
        None,
        "省市场监管局",
        "phone",
    )
    with demo_engine.connect() as conn:
        phone = conn.execute(
            sa.text(
                "SELECT c.phone FROM report_contact c JOIN report r ON r.id = c.report_id"
                " WHERE r.service_request_id = :r"
            ),
            {"r": made["qujing"]},
        ).scalar()
    assert phone == SECRET["phone"]


def test_the_office_sees_the_queue_and_the_reporter(desk):
    clients, made = desk
    queue = page(clients["province"], "/reports")
    assert all(ref in queue for ref in made.values())
    detail = page(clients["province"], f"/reports/{made['env']}")
    assert SECRET["phone"] in detail and SECRET["name"] in detail
    assert NOTES in detail and "已移交" in detail


def test_the_department_works_its_own_reports_to_closure(desk, demo_engine):
    clients, made = desk
    env = clients["department"]  # t_env, 省生态环境厅
    queue = page(env, "/reports")
    assert made["env"] in queue
    assert made["energy"] not in queue and made["qujing"] not in queue
    assert step(env, made["env"], "start", notes="已派员").status_code == 200
    with demo_engine.connect() as conn:  # an operating unit: no quota of the shared demo held
        unit = (
            conn.execute(
                sa.text(
                    "SELECT unit_key FROM unit WHERE status = '在产' AND prefecture_adcode = 530100"
                )
            )
            .scalars()
            .first()
        )
    done = step(env, made["env"], "close", "substantiated", notes="查证属实", unit=unit)
    assert done.status_code == 200 and "已办理" in _said(done)
    assert tuple(state_of(demo_engine, made["env"]))[:3] == ("closed", "valid", "substantiated")
    # Another department's report: not found for it, whatever it sends.
    other = step(env, made["energy"], "start")
    assert "无权查看" in _said(other)
    assert state_of(demo_engine, made["energy"]).status == "assigned"


def test_a_step_the_role_may_not_take_is_refused_on_the_server_and_audited(desk, demo_engine):
    clients, made = desk
    before = len(audit.entries(demo_engine, actions=["forbidden"]))
    # The department forges a reassignment of a report that is not its own: not found for it.
    forged = step(clients["department"], made["energy"], "reassign", department="省生态环境厅")
    assert "无权查看" in _said(forged)  # not its report
    # A prefecture and a leader may not work reports at all: the guard refuses the callback.
    for role in ("prefecture", "leader"):
        resp = step(clients[role], made["qujing"], "screen", "valid")
        assert resp.status_code == 403, role
    # The office may not close what is not under investigation.
    early = step(clients["province"], made["qujing"], "close", "substantiated")
    assert "不能进行「办结」" in _said(early)
    assert state_of(demo_engine, made["qujing"]).status == "received"
    refusals = audit.entries(demo_engine, actions=["forbidden"])
    assert len(refusals) >= before + 4


def test_a_prefecture_sees_its_territory_without_the_reporter(desk):
    clients, made = desk
    kunming = clients["prefecture"]
    queue = page(kunming, "/reports")
    assert made["env"] in queue and made["energy"] in queue and made["qujing"] not in queue
    detail = page(kunming, f"/reports/{made['env']}")
    assert made["env"] in detail and NOTES in detail
    assert "不能" not in detail  # no step form error; it has no steps
    assert "无权查看" in page(kunming, f"/reports/{made['qujing']}")


def test_a_leader_sees_counts_only(desk):
    clients, made = desk
    leader = clients["leader"]
    counts = page(leader, "/reports")
    assert "reports-counts" in counts
    assert not any(ref in counts for ref in made.values())
    detail = page(leader, f"/reports/{made['env']}")
    assert "电话举报" not in detail and "领导查看举报统计数字" in detail


def test_the_contact_reaches_no_one_but_the_office(desk, demo_app, demo_engine, tmp_path):
    """Every page, list, export and API answer another role gets, and every audit row."""
    clients, made = desk
    secrets = list(SECRET.values())
    seen = {}
    for role in ("department", "prefecture", "leader"):
        client = clients[role]
        for path in ["/reports", *(f"/reports/{r}" for r in made.values())]:
            seen[f"{role} {path}"] = page(client, path)
    for role, client in clients.items():
        for kind in ("csv", "xlsx", "geojson"):
            seen[f"{role} download {kind}"] = _downloaded(call(client, download_body(kind)))
        for api in ("standing", "units", "freezes", "quota"):
            resp = client.get(f"/api/v1/{api}")
            seen[f"{role} api {api}"] = resp.get_data(as_text=True)
    deck = clients["province"].get("/export/deck")
    assert deck.status_code == 200
    seen["deck"] = _text_of(deck.get_data())
    # The command line's exports: the annual report (both forms) and the public lists.
    for suffix in (".docx", ".xlsx"):
        out = tmp_path / f"report{suffix}"
        write_report(demo_engine, DEMO_TODAY.year - 1, out, on=DEMO_TODAY)
        seen[f"annual report {suffix}"] = _text_of(out.read_bytes())
    for path in write_lists(demo_engine, DEMO_TODAY, tmp_path / "lists", None):
        seen[f"list {path.name}"] = _text_of(path.read_bytes())
    assert len(seen) > 30
    leaks = {where: s for where, text in seen.items() for s in secrets if s in text}
    assert leaks == {}
    with demo_engine.connect() as conn:
        params = conn.execute(sa.text("SELECT params::text FROM audit_log")).scalars().all()
    assert not [p for p in params if any(s in p for s in secrets)]
    assert not [p for p in params if NOTES in p]


def _said(resp) -> str:
    """A callback's answer as text (Dash escapes non-ASCII in its JSON)."""
    return json.dumps(resp.get_json(), ensure_ascii=False)


def _downloaded(resp) -> str:
    """The text of the file a 数据 download callback sends (dcc.Download's data)."""
    assert resp.status_code == 200
    data = resp.get_json()["response"]["d-download"]["data"]
    raw = base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()
    assert len(raw) > 100  # a file with the rows, not an empty answer
    return _text_of(raw)


def _text_of(data: bytes) -> str:
    """The text of a file: a zip's members (XLSX, PPTX, DOCX) read through, else as UTF-8."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")


def test_the_prefecture_page_lists_its_open_reports(desk):
    clients, made = desk
    kunming = page(clients["prefecture"], "/prefecture/530100")
    assert "pf-reports-table" in kunming and made["energy"] in kunming
    assert made["qujing"] not in kunming
    assert SECRET["phone"] not in kunming
    qujing = page(clients["province"], "/prefecture/530300")
    assert made["qujing"] in qujing and made["energy"] not in qujing
    leader = page(clients["leader"], "/prefecture/530100")
    assert "pf-reports" in leader and made["energy"] not in leader
    assert re.search(r"举报（未办结 \d+，逾期 \d+）", leader)


def test_a_photo_is_served_to_whom_the_report_is_visible(desk, demo_app, demo_engine):
    raw = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(raw, "JPEG")
    photo = clean_photo(raw.getvalue())
    intake = Intake("environment", "带照片的举报", Place(530100, None), photos=(photo,))
    reference = file_report(demo_engine, intake, RECEIVED)
    clients, _ = desk
    detail = page(clients["province"], f"/reports/{reference}")
    src = re.search(rf"/reports/{reference}/photo/\d+", detail).group(0)
    got = clients["province"].get(src)
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and got.data == photo.content
    assert clients["prefecture"].get(src).status_code == 200  # Kunming's territory
    assert clients["department"].get(src).status_code == 404  # not assigned to it yet
    assert clients["leader"].get(src).status_code == 404  # counts only
    assert demo_app.server.test_client().get(src).status_code == 401
