"""A decision's document (决定): the drafter's PDF is kept whole with its SHA-256, refused
before it is read when past EXITMAP_MAX_DOCUMENT_MB, refused when it is not a PDF, and handed
only to callers whose scope covers the prefecture — each taking audited. And the office's
pages 报送, 审核 and 决定 in English when asked (?lang=en), Chinese otherwise."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from access import audit, users
from approvals import drafts
from exitmap.scope import Scope
from tests.helpers.accounts import PASSWORD, add_accounts, client_as

KUNMING = 530100
QUJING = 530300
OFFICE = Scope("province", "t_province")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PARAMS = {"document": "云政发〔2026〕9号", "on": "2026-10-01", "reason": "淘汰类逾期"}


def _drafts(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT document_name, document_pdf, document_sha256 FROM decision_draft")
        ).all()


def test_the_document_is_kept_with_its_digest_and_given_within_the_scope(engine):
    draft_id = drafts.draft(engine, OFFICE, "freeze_decide", "昆明", PARAMS, ("决定.pdf", PDF))
    assert _drafts(engine) == [("决定.pdf", PDF, hashlib.sha256(PDF).hexdigest())]
    pending = drafts.get(engine, OFFICE, draft_id)
    assert pending.document_sha256 == hashlib.sha256(PDF).hexdigest()

    kunming = Scope("prefecture", "t_kunming", frozenset({KUNMING}))
    assert drafts.document(engine, kunming, draft_id) == (
        "决定.pdf",
        PDF,
        hashlib.sha256(PDF).hexdigest(),
    )
    qujing = Scope("prefecture", "t_qujing", frozenset({QUJING}))
    with pytest.raises(drafts.DraftRefused, match="不在您的权限范围内"):
        drafts.document(engine, qujing, draft_id)
    taken = audit.entries(engine, actions=["download"])
    assert list(taken["username"]) == ["t_kunming"]
    assert list(taken["target"]) == [f"decision_draft/{draft_id}/document"]
    assert list(taken["sha256"]) == [hashlib.sha256(PDF).hexdigest()]
    # Digest and bytes come together, whoever writes the row.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE decision_draft SET document_sha256 = NULL"))


def test_a_document_past_the_limit_or_not_a_pdf_is_refused_and_nothing_kept(engine, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_DOCUMENT_MB", "1")
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(drafts.DraftRefused, match=re.escape("文件 big.pdf：超过上限 1 MB")):
        drafts.draft(engine, OFFICE, "freeze_decide", "昆明", PARAMS, ("big.pdf", big))
    with pytest.raises(drafts.DraftRefused, match=re.escape("文件 x.pdf：不是 PDF 文件")):
        drafts.draft(engine, OFFICE, "freeze_lift", "昆明", PARAMS, ("x.pdf", b"PK\x03\x04"))
    assert _drafts(engine) == []


@pytest.fixture
def web(engine, monkeypatch):
    from app.main import create_app

    monkeypatch.setenv("EXITMAP_MAX_DOCUMENT_MB", "1")
    add_accounts(engine)
    users.add(engine, "t_qujing", "prefecture", prefecture=QUJING, password=PASSWORD)
    app = create_app(engine=engine)
    return app, engine


def _form(pdf: bytes | None, name: str = "决定.pdf") -> dict:
    form = {"kind": "freeze_decide", "prefecture": str(KUNMING), **PARAMS}
    if pdf is not None:
        form["pdf"] = (io.BytesIO(pdf), name)
    return form


def _post(client, data: dict, **kw):
    token = client.get_cookie("_csrf_token").value
    return client.post("/decisions/draft", data=data, headers={"X-CSRFToken": token}, **kw)


def test_the_form_keeps_the_pdf_and_the_scope_decides_who_downloads_it(web):
    app, engine = web
    office = client_as(app, engine, "province")
    sent = _post(office, _form(PDF))
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/decisions")
    [(name, kept, digest)] = _drafts(engine)
    assert (name, kept, digest) == ("决定.pdf", PDF, hashlib.sha256(PDF).hexdigest())

    for who, code in (("prefecture", 200), ("leader", 200), ("t_qujing", 404)):
        got = client_as(app, engine, who).get("/decisions/1/document")
        assert got.status_code == code, who
        if code == 200:
            assert got.data == PDF and got.headers["X-Content-SHA256"] == digest
            assert got.mimetype == "application/pdf"
            assert "attachment" in got.headers["Content-Disposition"]
    taken = audit.entries(engine, actions=["download"])
    assert sorted(taken["username"]) == ["t_kunming", "t_leader"]
    # Nobody signed in: no document.
    assert app.server.test_client().get("/decisions/1/document").status_code == 401
    # Who may not draft: the prefecture, whatever it posts.
    kunming = client_as(app, engine, "prefecture")
    assert _post(kunming, _form(PDF)).status_code == 403
    assert len(_drafts(engine)) == 1


def _page(client) -> str:
    """The 决定 page's layout as the browser gets it after the form's redirect."""
    sent = client.get("/_dash-layout", headers={"Referer": "http://localhost/decisions"})
    return json.dumps(sent.get_json(), ensure_ascii=False)


class _Unread(io.BytesIO):
    """A 2 MB request body that fails the test if anything reads it."""

    def __init__(self):
        super().__init__(b"0" * (2 * 1024 * 1024))

    def _refuse(self, *_args):
        raise AssertionError("the body past the limit was read")

    read = read1 = readinto = readline = readlines = _refuse


def test_the_form_refuses_a_large_body_before_reading_it_and_a_non_pdf(web):
    app, engine = web
    office = client_as(app, engine, "province")
    token = office.get_cookie("_csrf_token").value
    refused = office.post(
        "/decisions/draft",
        input_stream=_Unread(),
        content_length=2 * 1024 * 1024,
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 303
    page = _page(office)
    assert "超过上限 1 MB，未保存草稿" in page
    # Within the body's limit (the form's fields' slack), past the document's: refused too.
    over = _post(office, _form(PDF + b"0" * (1024 * 1024)))
    assert over.status_code == 303
    assert "文件 决定.pdf：超过上限 1 MB" in _page(office)
    _post(office, _form(b"GIF89a not a pdf", "scan.pdf"))
    layout = _page(office)
    assert "文件 scan.pdf：不是 PDF 文件" in layout
    assert "云政发〔2026〕9号" in layout  # what was typed comes back with the message
    assert _drafts(engine) == []


def test_nginx_gives_the_drafting_form_the_document_limit():
    from exitmap.cli import main

    out = CliRunner().invoke(main, ["nginx-conf"], env={"EXITMAP_MAX_DOCUMENT_MB": "5"}).output
    block = out[out.index("location = /decisions/draft {") :]
    assert block[: block.index("}")].count("client_max_body_size 6m;") == 1


@pytest.mark.parametrize(
    ("path", "english", "chinese"),
    [
        ("/submit", ["Submit a register", "Upload and check", "My submissions"], "报送登记表"),
        ("/review", ["Review registers", "This period, by prefecture", "Overdue"], "审核登记表"),
        ("/decisions", ["Decisions (two people)", "Document PDF (optional", "In effect"], "起草"),
    ],
)
def test_the_submission_pages_speak_english_when_asked(web, path, english, chinese):
    app, engine = web
    office = client_as(app, engine, "province")
    for lang, words, absent in (("en", english, chinese), ("zh", [chinese], english[0])):
        search = "?lang=en" if lang == "en" else ""
        sent = office.get("/_dash-layout", headers={"Referer": f"http://localhost{path}{search}"})
        page = json.dumps(sent.get_json(), ensure_ascii=False)
        assert [w for w in words if w not in page] == [], (path, lang)
        assert absent not in page, (path, lang)
