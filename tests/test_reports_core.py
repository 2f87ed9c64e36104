"""Reports from the public, the core (issue #15): the policy file, routing by place and kind,
deadlines and overdue marks on fixed dates, every step by every role, and the database's wall
around the reporter — against the real PostGIS, the app role's sessions held by its policies."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
import sqlalchemy as sa
from PIL import Image

from exitmap.db import scoped
from exitmap.policy.reports import load_reports_policy, reports_policy
from exitmap.policy.rules import POLICY_DIR, PolicyError
from exitmap.scope import Scope
from reports import handling, read
from reports.photos import PhotoError, clean_photo
from reports.routing import PlaceError, place_of_areas, place_of_point
from reports.states import STEPS, StepRefused
from tests.helpers.reports import CONTACT, POINTS, RECEIVED, app_engine, file

PROVINCE = Scope("province", "t_province")
LEADER = Scope("leader", "t_leader")
ENV = Scope("department", "t_env", departments=frozenset({"省生态环境厅"}))
ENERGY = Scope("department", "t_energy", departments=frozenset({"省发展改革委"}))
KUNMING = Scope("prefecture", "t_kunming", frozenset({530100}))
QUJING = Scope("prefecture", "t_qujing", frozenset({530300}))
LATER = RECEIVED + dt.timedelta(hours=5)


@pytest.fixture
def app(engine):
    eng = app_engine(engine)
    yield eng
    eng.dispose()


# -- the policy file ----------------------------------------------------------------------------


def test_each_kind_goes_to_its_seed_department_with_deadlines_sourced_or_local():
    policy = reports_policy()
    assert {code: k.department for code, k in policy.kinds.items()} == {
        "energy": "省发展改革委",
        "environment": "省生态环境厅",
        "quality": "省市场监管局",
        "safety": "省应急管理厅",
        "technology": "省工业和信息化厅",
    }
    for kind in policy.kinds.values():
        assert "三(七)" in kind.source
        for days in (kind.acknowledge, kind.finish):
            assert days.local or days.source


BAD_ENTRIES = [
    ("acknowledge = { days = 3, local = true }", "acknowledge = { days = 3 }", "需注明 source"),
    ('department = "省生态环境厅"', 'department = "省教育厅"', "不是 deadlines.toml 中的牵头部门"),
    ('code = "quality"', 'code = "environment"', "code 重复"),
    ("finish = { days = 15, local = true }", "finish = { days = 0, local = true }", "整数天数"),
]


@pytest.mark.parametrize(("good", "bad", "says"), BAD_ENTRIES)
def test_a_bad_policy_entry_is_named_in_chinese(tmp_path, good, bad, says):
    text = (POLICY_DIR / "reports.toml").read_text(encoding="utf-8")
    assert good in text
    (tmp_path / "reports.toml").write_text(text.replace(good, bad, 1), encoding="utf-8")
    shutil.copy(POLICY_DIR / "deadlines.toml", tmp_path / "deadlines.toml")
    with pytest.raises(PolicyError) as err:
        load_reports_policy(tmp_path)
    assert "reports.toml" in str(err.value) and "条目「" in str(err.value)
    assert says in str(err.value)


# -- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", list(POINTS))
def test_a_point_is_placed_in_its_prefecture_and_county(engine, where):
    (lon, lat), prefecture = POINTS[where]
    with engine.connect() as conn:
        place = place_of_point(conn, lon, lat)
        county_parent = conn.execute(
            sa.text("SELECT prefecture_adcode FROM county WHERE adcode = :c"), {"c": place.county}
        ).scalar()
    assert place.prefecture == prefecture and county_parent == prefecture


def test_a_place_outside_the_province_or_unnamed_is_refused(engine):
    with engine.connect() as conn, pytest.raises(PlaceError, match="不在云南省内"):
        place_of_point(conn, 116.40, 39.90)  # Beijing
    with engine.connect() as conn, pytest.raises(PlaceError, match="无法从地址"):
        place_of_areas(conn, None, None, "某地某厂")
    with engine.connect() as conn, pytest.raises(PlaceError, match="不属于"):
        place_of_areas(conn, 530300, 530102, "曲靖市五华区")  # 五华区 is Kunming's


@pytest.mark.parametrize(
    ("code", "where"),
    [
        ("energy", "qujing"),
        ("environment", "kunming"),
        ("quality", "dali"),
        ("safety", "honghe"),
        ("technology", "xishuangbanna"),
    ],
)
def test_a_report_goes_to_its_department_with_the_prefecture_in_copy(engine, app, code, where):
    reference = file(app, code, where)  # filed by the public's session (no scope)
    department = reports_policy().kind(code).department
    prefecture = POINTS[where][1]
    with scoped(PROVINCE):
        seen = read.report(app, PROVINCE, reference, RECEIVED.date())
    assert seen["agency_responsible"] == department
    assert seen["prefecture_adcode"] == prefecture
    with scoped(Scope("prefecture", "p", frozenset({prefecture}))):
        copy = read.reports(app, Scope("prefecture", "p", frozenset({prefecture})), RECEIVED.date())
    assert list(copy["service_request_id"]) == [reference]


# -- deadlines and overdue marks ------------------------------------------------------------------


def test_deadlines_are_received_plus_days_and_overdue_from_the_day_after(engine):
    reference = file(engine, "safety")  # 1 day to acknowledge, 15 to finish
    day = RECEIVED.date()

    def marks(today):
        found = read.report(engine, PROVINCE, reference, today)
        return found["acknowledge_overdue"], found["overdue"]

    found = read.report(engine, PROVINCE, reference, day)
    assert found["expected_datetime"] == RECEIVED + dt.timedelta(days=15)
    assert found["acknowledge_datetime"] == RECEIVED + dt.timedelta(days=1)
    assert marks(day) == (False, False)
    assert marks(dt.date(2026, 3, 3)) == (False, False)  # due that day
    assert marks(dt.date(2026, 3, 4)) == (True, False)
    assert marks(dt.date(2026, 3, 17)) == (True, False)
    assert marks(dt.date(2026, 3, 18)) == (True, True)
    handling.take(engine, PROVINCE, reference, "screen", LATER, outcome="valid")
    assert marks(dt.date(2026, 3, 18)) == (False, True)  # acknowledged, still not finished


def test_a_screened_out_or_closed_report_is_never_overdue(engine):
    duplicate = file(engine)
    handling.take(engine, PROVINCE, duplicate, "screen", LATER, outcome="duplicate")
    late = dt.date(2027, 1, 1)
    assert not read.report(engine, PROVINCE, duplicate, late)["overdue"]
    frame = read.reports(engine, PROVINCE, late)
    assert frame.set_index("service_request_id").loc[duplicate, "open"] == False  # noqa: E712


# -- the steps, by role ---------------------------------------------------------------------------


def walk(app, reference, steps):
    for scope, name, extra in steps:
        with scoped(scope):
            handling.take(app, scope, reference, name, LATER, **extra)


def test_a_report_walks_to_closure_with_who_when_and_notes(engine, app):
    reference = file(app, "environment")
    walk(
        app,
        reference,
        [
            (PROVINCE, "screen", {"outcome": "valid", "notes": "线索具体"}),
            (PROVINCE, "assign", {"notes": "移交省生态环境厅"}),
            (ENV, "start", {"notes": "已派员核查"}),
            (ENV, "note", {"notes": "现场发现设备仍在运行"}),
            (ENV, "close", {"outcome": "substantiated", "notes": "查证属实"}),
        ],
    )
    with scoped(PROVINCE):
        found = read.report(app, PROVINCE, reference, LATER.date())
    assert found["status"] == "closed" and found["resolution"] == "substantiated"
    assert found["closed_datetime"] == LATER
    steps = [(e["step"], e["actor"], e["from_status"], e["to_status"]) for e in found["events"]]
    assert steps == [
        ("receive", "公众", None, "received"),
        ("screen", "t_province", "received", "screened"),
        ("assign", "t_province", "screened", "assigned"),
        ("start", "t_env", "assigned", "investigating"),
        ("note", "t_env", "investigating", "investigating"),
        ("close", "t_env", "investigating", "closed"),
    ]
    assert [e["notes"] for e in found["events"]][1:] == [
        "线索具体",
        "移交省生态环境厅",
        "已派员核查",
        "现场发现设备仍在运行",
        "查证属实",
    ]
    assert all(e["at"] == LATER for e in found["events"][1:])


# (role scope, step, state it is tried in, what is said)
REFUSALS = [
    (ENV, "screen", "received", "missing"),  # a department sees a report once assigned
    (KUNMING, "screen", "received", "role"),  # Kunming sees its report, may not screen it
    (LEADER, "screen", "received", "role"),
    (PROVINCE, "assign", "received", "state"),
    (PROVINCE, "start", "received", "state"),
    (PROVINCE, "close", "assigned", "state"),
    (KUNMING, "note", "assigned", "role"),
    (LEADER, "note", "assigned", "role"),
    (ENERGY, "start", "assigned", "missing"),  # another department's report: not seen
    (ENV, "reassign", "assigned", "role"),
]


def bring_to(app, reference, state):
    steps = {
        "received": [],
        "assigned": [
            (PROVINCE, "screen", {"outcome": "valid"}),
            (PROVINCE, "assign", {}),
        ],
    }[state]
    walk(app, reference, steps)


@pytest.mark.parametrize(("scope", "step", "state", "reason"), REFUSALS)
def test_a_step_is_refused_to_a_role_or_state_that_may_not_take_it(
    engine, app, scope, step, state, reason
):
    reference = file(app, "environment", "kunming")
    bring_to(app, reference, state)
    extra = {"outcome": "valid"} if step == "screen" else {}
    extra |= {"notes": "x"} if step == "note" else {}
    extra |= {"department": "省市场监管局"} if step == "reassign" else {}
    with scoped(scope), pytest.raises(StepRefused) as refused:
        handling.take(app, scope, reference, step, LATER, **extra)
    assert refused.value.reason == reason
    with scoped(PROVINCE):
        found = read.report(app, PROVINCE, reference, LATER.date())
    assert found["status"] == state  # nothing changed
    assert len(found["events"]) == 1 + (2 if state == "assigned" else 0)


def test_outcomes_are_required_and_bounded_and_a_duplicate_goes_no_further(engine):
    reference = file(engine)
    with pytest.raises(StepRefused, match="须选择结果"):
        handling.take(engine, PROVINCE, reference, "screen", LATER)
    with pytest.raises(StepRefused, match="须选择结果"):
        handling.take(engine, PROVINCE, reference, "screen", LATER, outcome="substantiated")
    handling.take(engine, PROVINCE, reference, "screen", LATER, outcome="duplicate")
    with pytest.raises(StepRefused, match="只有甄别为"):
        handling.take(engine, PROVINCE, reference, "assign", LATER)
    assert set(STEPS) == {"receive", "screen", "assign", "reassign", "start", "close", "note"}


def test_reassignment_keeps_the_deadline_and_the_history(engine, app):
    reference = file(app, "environment")
    bring_to(app, reference, "assigned")
    with scoped(PROVINCE):
        before = read.report(app, PROVINCE, reference, LATER.date())
        handling.take(
            app,
            PROVINCE,
            reference,
            "reassign",
            LATER,
            department="省市场监管局",
            notes="属质量问题",
        )
        after = read.report(app, PROVINCE, reference, LATER.date())
    assert after["agency_responsible"] == "省市场监管局"
    assert after["expected_datetime"] == before["expected_datetime"]
    assert after["status"] == "assigned"
    last = after["events"][-1]
    assert (last["step"], last["department"], last["notes"]) == (
        "reassign",
        "省市场监管局",
        "属质量问题",
    )
    assert after["events"][-2]["department"] == "省生态环境厅"
    with scoped(ENV):  # no longer the environment department's
        assert read.report(app, ENV, reference, LATER.date()) is None
    with pytest.raises(StepRefused, match="另一个"), scoped(PROVINCE):
        handling.take(app, PROVINCE, reference, "reassign", LATER, department="省市场监管局")


# -- who sees what, held by the database ----------------------------------------------------------


def test_only_the_offices_session_can_select_the_reporter(engine, app):
    reference = file(app, "environment", "kunming")
    bring_to(app, reference, "assigned")
    with scoped(PROVINCE):
        assert read.contact(app, reference) == CONTACT
    for scope in (ENV, KUNMING, LEADER):
        with scoped(scope):
            assert read.contact(app, reference) is None
            with app.connect() as conn:  # whatever the query: the policy shows no row
                assert conn.execute(sa.text("SELECT count(*) FROM report_contact")).scalar() == 0
                assert conn.execute(sa.text("SELECT count(*) FROM report_attempt")).scalar() == 0
            assert read.report(app, scope, reference, LATER.date()) is not None
    with app.connect() as conn:  # the public's session: nothing at all
        assert conn.execute(sa.text("SELECT count(*) FROM report_contact")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM report")).scalar() == 0
    with app.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission"):
        conn.execute(sa.text("SELECT * FROM open311_key"))


def test_a_prefecture_sees_its_territory_and_a_department_its_assigned_reports(engine, app):
    kunming_env = file(app, "environment", "kunming")
    qujing_env = file(app, "environment", "qujing")
    kunming_energy = file(app, "energy", "kunming")
    for reference in (kunming_env, kunming_energy):
        bring_to(app, reference, "assigned")

    def seen(scope):
        with scoped(scope):
            by_code = set(read.reports(app, scope, LATER.date())["service_request_id"])
            with app.connect() as conn:  # the database's own filter, without ours
                by_db = set(
                    conn.execute(sa.text("SELECT service_request_id FROM report")).scalars()
                )
        assert by_code == by_db
        return by_code

    assert seen(KUNMING) == {kunming_env, kunming_energy}
    assert seen(QUJING) == {qujing_env}
    assert seen(ENV) == {kunming_env}  # Qujing's is not yet assigned
    assert seen(ENERGY) == {kunming_energy}
    assert seen(PROVINCE) == seen(LEADER) == {kunming_env, qujing_env, kunming_energy}


def test_the_reporter_reads_the_state_by_reference_and_nothing_else(engine, app):
    reference = file(app, "quality", "dali")
    with scoped(PROVINCE):
        handling.take(
            app, PROVINCE, reference, "screen", LATER, outcome="out_of_scope", notes="内部"
        )
    found = read.state(app, reference)  # no scope: the public
    assert found["label"] == "已甄别" and found["outcome_label"] == "不属受理范围"
    assert "notes" not in found and "description" not in found
    assert read.state(app, "JB20260302-NOPE22") is None


# -- photos ---------------------------------------------------------------------------------------


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x8825] = {2: (25.0, 2.0, 0.0), 4: (102.0, 42.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_photo_is_re_encoded_without_its_metadata():
    raw = jpeg_with_gps()
    assert b"CameraMaker" in raw
    photo = clean_photo(raw)
    assert photo.media_type == "image/jpeg" and (photo.width, photo.height) == (64, 48)
    assert b"CameraMaker" not in photo.content and b"Exif" not in photo.content
    assert not Image.open(io.BytesIO(photo.content)).getexif()


def test_what_is_not_a_jpeg_or_png_is_refused():
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(PhotoError, match="只接受 JPEG 或 PNG"):
        clean_photo(gif.getvalue(), "照片1")
    with pytest.raises(PhotoError, match="照片2：不是可识别的图片"):
        clean_photo(b"<script>alert(1)</script>", "照片2")
    with pytest.raises(PhotoError, match="超过"):
        clean_photo(b"\xff\xd8" + b"0" * (9 * 1024 * 1024), "照片3")


def test_an_empty_list_still_has_its_marks_as_booleans(engine):
    frame = read.reports(engine, KUNMING, RECEIVED.date())
    assert frame.empty and frame[frame["open"]].empty
    assert frame["overdue"].dtype == bool and "expected_datetime" in frame[frame["open"]]
