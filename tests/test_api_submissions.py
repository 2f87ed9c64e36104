"""``/api/v1/submissions``: every state and every refusal, by bearer token, scoped and audited
like the pages (the app connects as its own role, under row-level security)."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from access import audit, users
from submissions import store
from submissions.worker import run_one
from tests.helpers.accounts import ACCOUNTS, add_accounts
from tests.helpers.registers import unit_row
from tests.helpers.submissions import KUNMING_USER, QUJING, csv_bytes

AS_OF = "2026-09-30"


@pytest.fixture
def api(engine):
    """(test client, tokens by role and for t_qujing, the owner's engine)."""
    from app.main import create_app

    add_accounts(engine)
    users.add(engine, "t_qujing", "prefecture", prefecture=QUJING, password="x" * 12)
    tokens = {role: users.new_token(engine, name) for role, (name, _) in ACCOUNTS.items()}
    tokens["qujing"] = users.new_token(engine, "t_qujing")
    app = create_app(engine=engine)
    return app.server.test_client(), tokens, engine


def _h(token):
    return {"Authorization": f"Bearer {token}"}


def _upload(client, token, content, name="昆明.csv", **form):
    data = {"file": (io.BytesIO(content), name), "as_of": AS_OF, **form}
    return client.post("/api/v1/submissions", data=data, headers=_h(token))


def _act(client, token, sid, action, comment=None):
    body = {} if comment is None else {"comment": comment}
    return client.post(f"/api/v1/submissions/{sid}/{action}", json=body, headers=_h(token))


def test_an_upload_goes_through_every_state_and_every_refusal(api, monkeypatch):
    client, tok, engine = api
    good = csv_bytes([unit_row(1), unit_row(2)])

    # Who may send, and what: refused before anything is stored.
    assert client.post("/api/v1/submissions").status_code == 401
    assert _upload(client, tok["leader"], good).status_code == 403
    assert _upload(client, tok["department"], good).status_code == 403
    bad_date = _upload(client, tok["prefecture"], good, as_of="30/9/2026")
    assert bad_date.status_code == 400 and "as_of 应为 YYYY-MM-DD" in bad_date.json["message"]
    no_file = client.post(
        "/api/v1/submissions", data={"as_of": AS_OF}, headers=_h(tok["prefecture"])
    )
    assert no_file.status_code == 400 and "file" in no_file.json["message"]
    office_unnamed = _upload(client, tok["province"], good)
    assert office_unnamed.status_code == 400 and "州（市）" in office_unnamed.json["message"]
    monkeypatch.setenv("EXITMAP_MAX_FILE_MB", "1")
    big = _upload(client, tok["prefecture"], good + b"x" * 2**20)
    assert big.status_code == 413
    monkeypatch.delenv("EXITMAP_MAX_FILE_MB")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM submission")).scalar_one() == 0

    # draft: queued, then checked by the worker.
    sent = _upload(client, tok["prefecture"], good)
    assert sent.status_code == 202
    sid = sent.json["id"]
    shown = client.get(f"/api/v1/submissions/{sid}", headers=_h(tok["prefecture"])).json
    assert shown["state"] == "draft" and shown["summary"] is None
    assert shown["job"]["state"] == "queued" and shown["report"] is None
    assert _act(client, tok["prefecture"], sid, "submit").status_code == 409  # not checked yet
    assert run_one(engine, "api-test")
    shown = client.get(f"/api/v1/submissions/{sid}", headers=_h(tok["prefecture"])).json
    assert shown["summary"]["ok"] == 2 and shown["report"]["valid"] is True
    assert {k: shown["job"][k] for k in ("kind", "state", "progress", "step", "message")} == {
        "kind": "validate",
        "state": "done",
        "progress": 1.0,
        "step": "完成",
        "message": "",
    }
    # Another prefecture does not see it at all; the office and leaders do.
    assert client.get(f"/api/v1/submissions/{sid}", headers=_h(tok["qujing"])).status_code == 404
    assert _act(client, tok["qujing"], sid, "submit").status_code == 404
    listed = client.get("/api/v1/submissions", headers=_h(tok["qujing"])).json
    assert listed == {"submissions": []}
    assert client.get(f"/api/v1/submissions/{sid}", headers=_h(tok["leader"])).status_code == 200

    # draft → submitted, by the prefecture; the office cannot accept a draft.
    assert _act(client, tok["province"], sid, "accept").status_code == 409
    assert _act(client, tok["leader"], sid, "submit").status_code == 403
    submitted = _act(client, tok["prefecture"], sid, "submit")
    assert submitted.status_code == 200 and submitted.json["state"] == "submitted"
    assert _act(client, tok["prefecture"], sid, "submit").status_code == 409

    # submitted → returned, by the office, with a comment the prefecture sees.
    assert _act(client, tok["prefecture"], sid, "return", "x").status_code == 403
    assert _act(client, tok["department"], sid, "return", "x").status_code == 403
    assert _act(client, tok["province"], sid, "return").status_code == 400
    returned = _act(client, tok["province"], sid, "return", "请核实2号高炉坐标")
    assert returned.status_code == 200 and returned.json["state"] == "returned"
    seen = client.get(f"/api/v1/submissions/{sid}", headers=_h(tok["prefecture"])).json
    assert seen["history"][-1]["comment"] == "请核实2号高炉坐标"
    assert _act(client, tok["province"], sid, "accept").status_code == 409

    # A fixed upload: submitted → accepted (loads), → reopened with a reason.
    second = _upload(client, tok["prefecture"], csv_bytes([unit_row(1), unit_row(3)])).json["id"]
    assert run_one(engine, "api-test")
    _act(client, tok["prefecture"], second, "submit")
    assert _act(client, tok["prefecture"], second, "accept").status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one() == 0
    # Accepting queues the load for the worker: 202 and the job; nothing changes until the
    # job's transaction commits, and asking again while it waits gives the same job.
    queued = _act(client, tok["province"], second, "accept", "核对无误")
    assert queued.status_code == 202, queued.json
    assert queued.json["state"] == "submitted"
    assert queued.json["job"]["kind"] == "accept" and queued.json["job"]["state"] == "queued"
    again = _act(client, tok["province"], second, "accept", "核对无误")
    assert again.status_code == 202 and again.json["job"]["id"] == queued.json["job"]["id"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one() == 0
    assert run_one(engine, "api-test")
    accepted = client.get(f"/api/v1/submissions/{second}", headers=_h(tok["province"])).json
    assert accepted["state"] == "accepted" and accepted["accepted_by"] == "t_province"
    assert accepted["job"]["state"] == "done"
    assert accepted["job"]["result"] == {"inserted": 2, "updated": 0, "plans": 0, "sites": 0}
    assert accepted["history"][-1]["comment"] == "核对无误"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one() == 2
    assert not run_one(engine, "api-test")  # one job, done once
    assert _act(client, tok["province"], second, "accept").status_code == 409
    assert _act(client, tok["province"], second, "return", "晚了").status_code == 409
    assert _act(client, tok["prefecture"], second, "reopen", "想改").status_code == 403
    assert _act(client, tok["province"], second, "reopen").status_code == 400
    reopened = _act(client, tok["province"], second, "reopen", "3号装备已拆除")
    assert reopened.status_code == 200 and reopened.json["state"] == "reopened"
    assert _act(client, tok["province"], second, "submit").status_code == 409

    states = client.get("/api/v1/submissions", headers=_h(tok["province"])).json["submissions"]
    assert [s["state"] for s in states] == ["reopened", "returned"]
    only = client.get("/api/v1/submissions?state=returned", headers=_h(tok["province"])).json
    assert [s["id"] for s in only["submissions"]] == [sid]

    # Audited: the upload, each change, the refusals, the reads.
    log = audit.entries(engine)
    actions = set(log["action"])
    assert {"upload", "submission", "forbidden", "api"} <= actions
    changes = log[log["action"] == "submission"]
    assert sorted(json.loads(p)["action"] for p in changes["params"]) == [
        "accept",
        "reopen",
        "return",
        "submit",
        "submit",
    ]


def test_a_load_the_worker_refuses_leaves_the_submission_submitted_with_the_message(api):
    """The register is older than what is recorded of its units: the job fails with the
    loader's message, the submission stays submitted and may be accepted again later."""
    client, tok, engine = api
    first = _upload(client, tok["prefecture"], csv_bytes([unit_row(1)])).json["id"]
    run_one(engine, "api-test")
    _act(client, tok["prefecture"], first, "submit")
    assert _act(client, tok["province"], first, "accept").status_code == 202
    assert run_one(engine, "api-test")
    older = _upload(
        client, tok["prefecture"], csv_bytes([unit_row(1, 当前状态="停产")]), as_of="2026-03-31"
    ).json["id"]
    run_one(engine, "api-test")
    _act(client, tok["prefecture"], older, "submit")
    assert _act(client, tok["province"], older, "accept").status_code == 202
    assert run_one(engine, "api-test")
    shown = client.get(f"/api/v1/submissions/{older}", headers=_h(tok["province"])).json
    assert shown["state"] == "submitted" and shown["load_id"] is None
    assert shown["job"]["state"] == "failed"
    assert "早于这些装备已载入的最新数据日期" in shown["job"]["message"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM load_record")).scalar_one() == 1
    # Failed, not stuck: a new acceptance may be asked for (and is queued anew).
    retry = _act(client, tok["province"], older, "accept")
    assert retry.status_code == 202 and retry.json["job"]["id"] != shown["job"]["id"]


def test_the_reports_and_the_marked_workbook_download_in_scope(api):
    client, tok, engine = api
    content = csv_bytes([unit_row(1), unit_row(2, 企业名称="=cmd|' /C calc'!A0", 退出类别="乱写")])
    sid = _upload(client, tok["prefecture"], content).json["id"]
    early = client.get(f"/api/v1/submissions/{sid}/report.csv", headers=_h(tok["prefecture"]))
    assert early.status_code == 409
    run_one(engine, "api-test")
    got = client.get(f"/api/v1/submissions/{sid}/report.csv", headers=_h(tok["prefecture"]))
    assert got.status_code == 200 and got.mimetype == "text/csv"
    text = got.data.decode("utf-8-sig")
    assert "N3" in text and "乱写" in text
    assert ",=cmd" not in text and "'=cmd" in text  # the user's text, inert
    marked = client.get(f"/api/v1/submissions/{sid}/annotated", headers=_h(tok["prefecture"]))
    assert marked.status_code == 200
    assert "filename*=UTF-8''" in marked.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(marked.data))
    sheet = book[book.sheetnames[1]]
    assert sheet["N3"].comment is not None
    assert sheet["D3"].data_type == "s" and sheet["D3"].value.startswith("'=cmd")
    for path in ("report.csv", "annotated"):
        other = client.get(f"/api/v1/submissions/{sid}/{path}", headers=_h(tok["qujing"]))
        assert other.status_code == 404
    downloads = audit.entries(engine, actions=["download"])
    assert len(downloads) == 2 and all(downloads["sha256"].str.len() == 64)


def test_the_openapi_description_names_the_submission_routes(api):
    client, tok, _ = api
    spec = client.get("/api/v1/openapi.json", headers=_h(tok["leader"])).json
    validate(spec)
    paths = spec["paths"]
    assert "post" in paths["/api/v1/submissions"] and "get" in paths["/api/v1/submissions/{id}"]
    for action in ("submit", "accept", "return", "reopen"):
        assert "post" in paths[f"/api/v1/submissions/{{id}}/{action}"]


def test_the_pages_callbacks_and_upload_route_are_refused_to_roles_that_may_not(engine):
    """Hidden buttons are not the wall: the server refuses the callbacks and the route."""
    from app.main import create_app
    from tests.helpers.accounts import client_as
    from tests.helpers.dash_http import call, callback_body

    app = create_app(engine=engine)
    kunming = client_as(app, engine, "prefecture")
    sid = store.create(
        engine, KUNMING_USER, "k.csv", csv_bytes([unit_row(1)]), dt.date(2026, 9, 30)
    )
    run_one(engine, "t")
    store.act(engine, KUNMING_USER, sid, "submit")
    decide = callback_body(
        [
            ("r-message", "children"),
            ("r-state", "children"),
            ("r-actions", "children"),
            ("r-poll", "disabled"),
        ],
        [("r-return", "n_clicks", 1), ("r-accept", "n_clicks", 0)],
        [("r-comment", "value", "x"), ("r-id", "data", sid), ("r-lang", "data", "zh")],
    )
    assert call(kunming, decide).status_code == 403
    leader = client_as(app, engine, "leader")
    submit = callback_body(
        [("s-message", "children"), ("s-state", "children"), ("s-actions", "children")],
        [("s-submit", "n_clicks", 1)],
        [("s-id", "data", sid), ("s-lang", "data", "zh")],
    )
    # s-actions is also the poll's output: Dash names this callback's copy with a hash.
    submit["output"] = next(k for k in app.callback_map if k.startswith("..s-message.children"))
    assert call(leader, submit).status_code == 403
    token = leader.get_cookie("_csrf_token").value
    upload = leader.post(
        "/submit/upload",
        data={"file": (io.BytesIO(b"x"), "x.csv"), "as_of": AS_OF},
        headers={"X-CSRFToken": token},
    )
    assert upload.status_code == 403
    office = client_as(app, engine, "province")
    assert call(office, decide).status_code == 200
    assert store.get(engine, KUNMING_USER, sid).state == "returned"
    refused = audit.entries(engine, actions=["forbidden"])
    assert sorted(refused["username"]) == ["t_kunming", "t_leader", "t_leader"]
