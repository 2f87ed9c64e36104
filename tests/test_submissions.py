"""Registers submitted and reviewed (submissions/): kept whole, checked by the load pipeline,
reported in the Frictionless shape and on the user's own workbook, moved through the states
only as the table allows, and loaded only on acceptance — against the real PostGIS."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from access import audit
from submissions import jobs, report, review, store
from submissions.states import TRANSITIONS, TransitionRefused, actions_for
from submissions.validate import UploadRefused
from submissions.worker import run_one
from tests.helpers.registers import unit_row
from tests.helpers.submissions import (
    KUNMING,
    KUNMING_USER,
    OFFICE,
    OFFICE_2,
    QUJING_USER,
    csv_bytes,
    qujing_row,
    workbook_bytes,
)

AS_OF = dt.date(2026, 9, 30)


def _validated(engine, scope, name, content, as_of=AS_OF, prefecture=None) -> int:
    sid = store.create(engine, scope, name, content, as_of, prefecture)
    assert run_one(engine, "test-worker")
    return sid


def _units(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()


def test_an_upload_is_kept_whole_checked_in_the_background_and_audited(engine):
    content = csv_bytes([unit_row(1), unit_row(2)])
    sid = store.create(engine, KUNMING_USER, "昆明.csv", content, AS_OF)
    queued = store.get(engine, KUNMING_USER, sid)
    assert queued.state == "draft" and not queued.validated
    assert jobs.of_submission(engine, sid).state == "queued"

    assert run_one(engine, "test-worker")
    assert not run_one(engine, "test-worker")  # nothing left
    job = jobs.of_submission(engine, sid)
    assert (job.state, job.progress, job.attempts) == ("done", 1.0, 1)
    done = store.get(engine, KUNMING_USER, sid)
    assert done.summary["rows"] == 2 and done.summary["ok"] == 2 and done.summary["valid"]
    assert done.sha256 == hashlib.sha256(content).hexdigest()
    assert store.file(engine, KUNMING_USER, sid) == ("昆明.csv", content)
    assert _units(engine) == 0  # checking writes nothing to the register

    rows = audit.entries(engine, actions=["upload"])
    assert rows.loc[0, "username"] == "t_kunming" and rows.loc[0, "target"] == f"submission/{sid}"
    assert rows.loc[0, "sha256"] == done.sha256


def test_an_invalid_upload_is_kept_too_with_its_report(engine):
    bad = unit_row(1, 退出类别="乱写")
    sid = _validated(engine, KUNMING_USER, "昆明.csv", csv_bytes([bad, unit_row(2)]))
    got = store.get(engine, KUNMING_USER, sid)
    assert got.summary["rejected"] == 1 and not got.summary["valid"]
    assert store.file(engine, KUNMING_USER, sid)[1] == csv_bytes([bad, unit_row(2)])


def test_uploads_are_bounded_before_they_are_stored(engine, monkeypatch):
    monkeypatch.setenv("EXITMAP_MAX_FILE_MB", "1")
    with pytest.raises(UploadRefused, match="超过上限 1 MB"):
        store.create(engine, KUNMING_USER, "big.csv", b"x" * (2**20 + 1), AS_OF)
    with pytest.raises(UploadRefused, match="不支持的文件类型"):
        store.create(engine, KUNMING_USER, "reg.pdf", b"%PDF", AS_OF)
    with pytest.raises(UploadRefused, match="文件为空"):
        store.create(engine, KUNMING_USER, "reg.csv", b"", AS_OF)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM submission")).scalar_one() == 0
    # A folder in the name is not kept: only the file's own name.
    sid = store.create(
        engine, KUNMING_USER, "../../etc/登记表.csv", csv_bytes([unit_row(1)]), AS_OF
    )
    assert store.get(engine, KUNMING_USER, sid).file_name == "登记表.csv"


def test_rows_of_another_prefecture_are_rejected_with_a_message(engine):
    content = csv_bytes([unit_row(1), qujing_row(2)])
    sid = _validated(engine, KUNMING_USER, "昆明.csv", content)
    errors = report.errors_of(store.report(engine, KUNMING_USER, sid))
    foreign = [e for e in errors if e["rowNumber"] == 3 and e["severity"] == "error"]
    assert len(foreign) == 1
    assert foreign[0]["fieldName"] == "州（市）" and foreign[0]["cell"] == "曲靖市"
    assert "曲靖市" in foreign[0]["message"] and "昆明市只能报送本州（市）" in foreign[0]["message"]
    assert not [e for e in errors if e["rowNumber"] == 2]
    # The same rows are Qujing's own to send.
    own = _validated(engine, QUJING_USER, "曲靖.csv", csv_bytes([qujing_row(2)]))
    assert store.get(engine, QUJING_USER, own).summary["valid"]


def test_the_report_has_the_frictionless_shape_with_sheet_and_cell(engine):
    rows = [unit_row(1), unit_row(2, 退出类别="乱写", 企业名称="=HYPERLINK(1)")]
    sid = _validated(engine, KUNMING_USER, "昆明.xlsx", workbook_bytes(rows))
    got = store.report(engine, KUNMING_USER, sid)
    assert got["valid"] is False and got["stats"]["errors"] >= 1
    (task,) = got["tasks"]
    assert task["name"] == "昆明.xlsx" and task["valid"] is False
    category = next(e for e in task["errors"] if e["fieldName"] == "退出类别")
    # Header on row 2 under a merged title: the second data row is Excel row 4; 退出类别 is
    # the 14th column, N.
    assert category == {
        "type": "cell-error",
        "severity": "error",
        "rowNumber": 4,
        "fieldName": "退出类别",
        "fieldNumber": 14,
        "cell": "乱写",
        "message": category["message"],
        "sheet": "登记表",
        "cellRef": "N4",
    }
    assert "退出类别" in category["message"]
    # The JSON is what the database keeps; the CSV says the same, every cell inert.
    text = report.csv_bytes(got).decode("utf-8-sig")
    assert text.splitlines()[0] == "工作表,单元格,行号,列,级别,填写内容,问题"
    assert "登记表,N4,4,退出类别,错误（拒绝本行）,乱写," in text
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def test_the_annotated_workbook_is_the_users_own_with_only_the_problems_marked(engine):
    rows = [unit_row(1), unit_row(2, 退出类别="乱写"), unit_row(3, 职工人数="很多")]
    content = workbook_bytes(rows)
    sid = _validated(engine, KUNMING_USER, "昆明.xlsx", content)
    name, marked = store.file(engine, KUNMING_USER, sid, annotated=True)
    assert name == "昆明.xlsx"
    before = openpyxl.load_workbook(io.BytesIO(content))
    after = openpyxl.load_workbook(io.BytesIO(marked))
    assert after.sheetnames == before.sheetnames == ["登记表", "填表说明"]
    errors = report.errors_of(store.report(engine, KUNMING_USER, sid))
    refs = {e["cellRef"] for e in errors}
    assert "N4" in refs
    for sheet in before.sheetnames:
        old, new = before[sheet], after[sheet]
        assert old.max_row == new.max_row and old.max_column == new.max_column
        assert [str(r) for r in old.merged_cells.ranges] == [
            str(r) for r in new.merged_cells.ranges
        ]
        for old_row, new_row in zip(old.iter_rows(), new.iter_rows(), strict=True):
            for a, b in zip(old_row, new_row, strict=True):
                assert a.value == b.value, a.coordinate  # no value changed anywhere
                if sheet == "登记表" and a.coordinate in refs:
                    assert b.comment is not None and b.fill.fill_type == "solid"
                else:
                    assert b.comment is None, b.coordinate
                    assert repr(b.fill) == repr(a.fill), b.coordinate
                    assert repr(b.font) == repr(a.font), b.coordinate
    assert after["登记表"].column_dimensions["D"].width == 30
    n4 = after["登记表"]["N4"]
    assert n4.fill.start_color.rgb == "FFF4B6B6" and "退出类别" in n4.comment.text
    warned = next(e for e in errors if e["severity"] == "warning" or e["rowNumber"] == 5)
    assert after["登记表"][warned["cellRef"]].comment is not None


def test_a_csv_upload_gets_an_xlsx_of_its_rows_marked_the_same_way(engine):
    content = csv_bytes([unit_row(1), unit_row(2, 退出类别="乱写")])
    sid = _validated(engine, KUNMING_USER, "昆明.csv", content)
    name, marked = store.file(engine, KUNMING_USER, sid, annotated=True)
    assert name == "昆明（标注）.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(marked))
    assert book.sheetnames[0] == "说明" and "CSV" in book["说明"]["A1"].value
    sheet = book[book.sheetnames[1]]
    assert sheet["A1"].value == "序号" and sheet["N1"].value == "退出类别"
    assert sheet["N3"].value == "乱写" and "退出类别" in sheet["N3"].comment.text
    assert sheet["N2"].value == "淘汰类" and sheet["N2"].comment is None


def test_the_states_are_data_and_refused_on_the_server(engine):
    assert {(t.source, t.action, t.target) for t in TRANSITIONS} == {
        ("draft", "submit", "submitted"),
        ("submitted", "return", "returned"),
        ("submitted", "accept", "accepted"),
        ("accepted", "reopen", "reopened"),
    }
    assert actions_for("submitted", "prefecture") == []
    assert actions_for("submitted", "province") == ["return", "accept"]

    bad = _validated(engine, KUNMING_USER, "坏.csv", csv_bytes([unit_row(1, 退出类别="乱写")]))
    with pytest.raises(TransitionRefused, match="1 行被拒绝"):
        store.act(engine, KUNMING_USER, bad, "submit")
    sid = _validated(engine, KUNMING_USER, "昆明.csv", csv_bytes([unit_row(1), unit_row(2)]))
    with pytest.raises(TransitionRefused, match="不能退回"):
        store.act(engine, OFFICE, sid, "return", "先别")
    assert store.act(engine, KUNMING_USER, sid, "submit").state == "submitted"
    with pytest.raises(TransitionRefused, match="无权退回"):
        store.act(engine, KUNMING_USER, sid, "return", "自己退回")
    with pytest.raises(TransitionRefused, match="无权采用"):
        review.accept(engine, KUNMING_USER, sid)
    with pytest.raises(TransitionRefused, match="必须填写退回意见"):
        store.act(engine, OFFICE, sid, "return", "  ")
    returned = store.act(engine, OFFICE, sid, "return", "2号高炉的坐标请核实")
    assert returned.state == "returned"
    with pytest.raises(TransitionRefused, match="已退回」状态的登记表不能报送"):
        store.act(engine, KUNMING_USER, sid, "submit")
    # Another prefecture's submission is not there at all for Qujing.
    with pytest.raises(store.NotFound):
        store.act(engine, QUJING_USER, sid, "submit")

    steps = store.history(engine, KUNMING_USER, sid)
    assert [(s["action"], s["username"]) for s in steps] == [
        ("submit", "t_kunming"),
        ("return", "t_province"),
    ]
    assert steps[1]["comment"] == "2号高炉的坐标请核实"
    decided = audit.entries(engine, actions=["submission"])
    assert len(decided) == 2 and decided.loc[0, "target"] == f"submission/{sid}"
    refused = audit.entries(engine, actions=["forbidden"])
    assert len(refused) == 6  # Qujing was told "no such submission", not refused
    assert all(t.startswith("submission/") for t in refused["target"])


def test_accepting_loads_the_register_in_one_transaction_and_locks_the_version(engine):
    sid = _validated(engine, KUNMING_USER, "昆明.csv", csv_bytes([unit_row(1), unit_row(2)]))
    store.act(engine, KUNMING_USER, sid, "submit")
    assert _units(engine) == 0  # the standing changes only on accept

    summary = review.accept(engine, OFFICE, sid, "核对无误")
    assert summary.inserted == 2 and _units(engine) == 2
    got = store.get(engine, OFFICE, sid)
    assert got.state == "accepted" and got.accepted_by == "t_province"
    with engine.connect() as conn:
        record = conn.execute(
            sa.text(
                "SELECT id, as_of, recorded_at, submission_id, accepted_by, sha256 FROM load_record"
            )
        ).one()
    assert record.submission_id == sid and record.accepted_by == "t_province"
    assert record.as_of == AS_OF  # valid time: the register's 数据日期
    assert record.recorded_at == got.accepted_at  # record time: the acceptance
    assert record.id == got.load_id and record.sha256 == got.sha256
    accepted = audit.entries(engine, actions=["submission"]).iloc[0]
    assert json.loads(accepted["params"])["action"] == "accept"

    # Locked: no second acceptance, no edit of the kept file, no delete — even by the owner.
    with pytest.raises(TransitionRefused, match="已采用」状态的登记表不能采用"):
        review.accept(engine, OFFICE_2, sid)
    with pytest.raises(sa.exc.DBAPIError, match="不能修改"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE submission SET content = 'x' WHERE id = :i"), {"i": sid})
    with pytest.raises(sa.exc.DBAPIError, match="已锁定"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE submission SET report = '{}' WHERE id = :i"), {"i": sid})
    with pytest.raises(sa.exc.DBAPIError, match="不能删除"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM submission WHERE id = :i"), {"i": sid})

    # Reopening: the office only, with a reason; history stays.
    with pytest.raises(TransitionRefused, match="无权重新打开"):
        store.act(engine, KUNMING_USER, sid, "reopen", "想改")
    with pytest.raises(TransitionRefused, match="必须填写重新打开的理由"):
        store.act(engine, OFFICE, sid, "reopen")
    assert store.act(engine, OFFICE, sid, "reopen", "2号高炉实际已拆除").state == "reopened"
    assert _units(engine) == 2
    assert [s["to_state"] for s in store.history(engine, OFFICE, sid)] == [
        "submitted",
        "accepted",
        "reopened",
    ]


def test_a_refused_load_leaves_the_submission_as_it_was(engine):
    """The register is older than what is recorded of its units: the loader refuses, and the
    submission stays submitted with no load record."""
    first = _validated(engine, KUNMING_USER, "新.csv", csv_bytes([unit_row(1)]), AS_OF)
    store.act(engine, KUNMING_USER, first, "submit")
    review.accept(engine, OFFICE, first)
    older = _validated(
        engine,
        KUNMING_USER,
        "旧.csv",
        csv_bytes([unit_row(1, 当前状态="停产")]),
        dt.date(2026, 3, 31),
    )
    store.act(engine, KUNMING_USER, older, "submit")
    with pytest.raises(Exception, match="早于这些装备已载入的最新数据日期"):
        review.accept(engine, OFFICE, older)
    got = store.get(engine, OFFICE, older)
    assert got.state == "submitted" and got.load_id is None
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM load_record")).scalar_one() == 1


def test_the_difference_against_the_register(engine):
    v1 = [unit_row(1), unit_row(2), unit_row(3)]
    first = _validated(engine, KUNMING_USER, "v1.csv", csv_bytes(v1))
    store.act(engine, KUNMING_USER, first, "submit")
    review.accept(engine, OFFICE, first)
    v2 = [
        unit_row(1),
        unit_row(2, 当前状态="已关停", 实际退出日期="2026-08-31", 经度="102.7300"),
        unit_row(4),
    ]
    second = _validated(engine, KUNMING_USER, "v2.csv", csv_bytes(v2), dt.date(2026, 12, 31))
    diff = review.difference(engine, OFFICE, second)
    assert [u["unit_key"] for u in diff["added"]] == [v2[2]["统一社会信用代码"] + "/1#"]
    assert [u["unit_key"] for u in diff["missing"]] == [v1[2]["统一社会信用代码"] + "/1#"]
    (changed,) = diff["changed"]
    assert changed["unit_key"] == v1[1]["统一社会信用代码"] + "/1#"
    by_field = {c["field"]: (c["old"], c["new"]) for c in changed["changes"]}
    assert by_field["status"] == ("在产", "已关停")
    assert by_field["actual_exit_date"] == ("", "2026-08-31")
    assert by_field["coordinates"][0].startswith("102.70470")
    assert by_field["coordinates"][1].startswith("102.73000")
    assert all(u["lon_wgs84"] and u["lat_wgs84"] for u in diff["added"] + diff["missing"])


def test_the_app_role_reads_and_writes_submissions_only_in_its_scope(engine):
    from exitmap.db import app_database_url, scoped, scoped_engine

    app = scoped_engine(app_database_url(engine.url.render_as_string(hide_password=False)))
    try:
        with scoped(KUNMING_USER):
            sid = store.create(app, KUNMING_USER, "昆明.csv", csv_bytes([unit_row(1)]), AS_OF)
        assert run_one(engine, "test-worker")  # the worker runs as the owner
        with scoped(KUNMING_USER):
            assert store.act(app, KUNMING_USER, sid, "submit").state == "submitted"
            # Even a statement without the scope's condition sees only Kunming's rows.
            with app.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM submission")).scalar_one() == 1
                assert conn.execute(sa.text("SELECT count(*) FROM job")).scalar_one() == 1
        with scoped(QUJING_USER), app.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM submission")).scalar_one() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM job")).scalar_one() == 0
            assert (
                conn.execute(sa.text("SELECT count(*) FROM submission_transition")).scalar_one()
                == 0
            )
        # A prefecture's scope cannot put a row in for another prefecture.
        with scoped(QUJING_USER), pytest.raises(sa.exc.DBAPIError), app.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO submission (prefecture_adcode, file_name, content, sha256, "
                    "as_of, created_by) VALUES (:p, 'x.csv', 'x', 'x', now(), 'q')"
                ),
                {"p": KUNMING},
            )
        # And the app's role cannot delete one, nor erase a transition.
        with scoped(OFFICE), pytest.raises(sa.exc.DBAPIError), app.begin() as conn:
            conn.execute(sa.text("DELETE FROM submission_transition"))
    finally:
        app.dispose()
