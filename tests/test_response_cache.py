"""Repeated reads answered from the response cache (app/response_cache.py), and the data version
it is keyed by (migration 0013): a kept answer is the one the app would make, writes its audit
row again, is never another caller's, and is made afresh after any committed write."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from access import audit
from app.response_cache import Answer, ResponseCache
from exitmap.db import app_database_url, scoped, scoped_engine
from exitmap.scope import EVERYTHING
from tests.helpers.accounts import ACCOUNTS, KUNMING, client_as
from tests.helpers.dash_http import call, callback_body

# Tables that are not data: nothing cached reads them, and they change on every request or poll.
NOT_DATA = {"audit_log", "login_failure", "job", "alembic_version", "spatial_ref_sys"}


@pytest.fixture(scope="module")
def app(decided_demo_engine, demo_env):
    """The dashboard over a demo database of this module's own: its tests write to it."""
    from app.main import create_app

    return create_app(engine=decided_demo_engine)


def version(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT n FROM data_version")).scalar_one()


def layout(client, page: str):
    return client.get("/_dash-layout", headers={"Referer": "http://localhost" + page})


def text_of(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def grid_rows(client) -> dict:
    body = callback_body(
        [("d-grid", "getRowsResponse"), ("d-count", "children")],
        [("d-grid", "getRowsRequest", {"startRow": 0, "endRow": 50})],
        [("d-view", "data", ""), ("d-search", "value", None)],
    )
    response = call(client, body)
    assert response.status_code == 200
    return response.get_json()["response"]["d-grid"]["getRowsResponse"]


def page_views(engine: sa.Engine, page: str) -> int:
    rows = audit.entries(engine, user=ACCOUNTS["province"][0], actions=["page_view"])
    return int((rows["target"] == page).sum())


def test_every_data_table_counts_its_writes(decided_demo_engine):
    with decided_demo_engine.connect() as conn:
        tables = set(conn.execute(sa.text("SELECT tablename FROM pg_tables "
                                          "WHERE schemaname = 'public'")).scalars())  # fmt: skip
        counted = set(
            conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE t.tgname = 'data_changed'"
                )
            ).scalars()
        )
    assert counted == tables - NOT_DATA - {"data_version", "data_change_pending"}
    assert {"unit", "unit_event", "submission", "decision_draft", "app_user"} <= counted


def test_the_version_grows_once_per_committed_write(decided_demo_engine):
    eng = decided_demo_engine
    before = version(eng)
    with eng.begin() as conn:  # three tables, one transaction: one step
        conn.execute(sa.text("UPDATE prefecture SET name = name"))
        conn.execute(sa.text("UPDATE county SET name = name WHERE adcode = 530102"))
        conn.execute(sa.text("UPDATE unit SET remarks = remarks WHERE id = 1"))
    assert version(eng) == before + 1
    with pytest.raises(RuntimeError), eng.begin() as conn:  # rolled back: no step
        conn.execute(sa.text("UPDATE prefecture SET name = name"))
        raise RuntimeError
    with eng.begin() as conn:  # not data: the audit log, a poll of the job queue
        conn.execute(sa.text("INSERT INTO audit_log (username, role, scope, action) "
                             "VALUES ('x', 'province', '', 'page_view')"))  # fmt: skip
        conn.execute(sa.text("UPDATE job SET state = state WHERE false"))
    assert version(eng) == before + 1
    with eng.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM data_change_pending")).scalar() == 0
    # The app role, which may not touch the counter itself, moves it by writing data.
    app_role = scoped_engine(app_database_url(eng.url.render_as_string(hide_password=False)))
    with scoped(EVERYTHING), app_role.begin() as conn:
        conn.execute(sa.text("UPDATE app_user SET display_name = display_name WHERE id = 1"))
    app_role.dispose()
    assert version(eng) == before + 2


def test_a_repeated_layout_is_served_kept_and_audited_again(app, decided_demo_engine):
    client = client_as(app, decided_demo_engine, "province")
    cache = app.response_cache
    views, hits = page_views(decided_demo_engine, "/quota"), cache.hits
    first = layout(client, "/quota")
    second = layout(client, "/quota")
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert cache.hits == hits + 1
    assert "Cache-Control" in second.headers  # the app's headers, as on every answer
    assert page_views(decided_demo_engine, "/quota") == views + 2  # one row per view


def test_a_write_makes_the_answer_again(app, decided_demo_engine):
    eng = decided_demo_engine
    client = client_as(app, eng, "province")
    with eng.connect() as conn:
        unit_id, key = conn.execute(
            sa.text("SELECT id, unit_key FROM unit ORDER BY id LIMIT 1")
        ).one()
    page = "/unit/" + quote(key, safe="")
    layout(client, page)
    misses = app.response_cache.misses
    assert "改名后的装备" not in text_of(layout(client, page))
    assert app.response_cache.misses == misses  # kept
    with eng.begin() as conn:
        conn.execute(
            sa.text("UPDATE unit SET equipment_name = '改名后的装备' WHERE id = :id"),
            {"id": unit_id},
        )
    assert "改名后的装备" in text_of(layout(client, page))
    assert app.response_cache.misses == misses + 1


def test_callers_never_share_an_answer(app, decided_demo_engine):
    eng = decided_demo_engine
    office = client_as(app, eng, "province")
    kunming = client_as(app, eng, "prefecture")
    with eng.connect() as conn:
        everything, own = conn.execute(
            sa.text("SELECT count(*), count(*) FILTER (WHERE prefecture_adcode = :p) FROM unit"),
            {"p": KUNMING},
        ).one()
    assert grid_rows(office)["rowCount"] == everything
    assert grid_rows(office)["rowCount"] == everything  # now kept for the office
    assert grid_rows(kunming)["rowCount"] == own  # the same request, another caller
    # A page the office has kept stays closed to a prefecture that may not open it.
    qujing = "/prefecture/530300"
    assert layout(office, qujing).status_code == 200
    refused = layout(kunming, qujing).get_data(as_text=True)
    assert "error-message" in refused
    assert refused != layout(office, qujing).get_data(as_text=True)


def test_only_declared_reading_callbacks_are_kept(app, decided_demo_engine):
    from access.guard import guard_of

    guard = guard_of(app)
    assert guard.cacheable == {
        "..ov-kpis.children...ov-ranking-data.data...ov-legend.children...ov-sub.children"
        "...ov-progress.children...ov-units.data...ov-units.hideout...ov-map-note.children"
        "...ov-reports.data...ov-reports.hideout..",
        "pf-units-table.getRowsResponse",
        "..d-grid.getRowsResponse...d-count.children..",
    }
    with pytest.raises(ValueError):
        guard.declare_callbacks({"x.children"}, "decide", cache=True)
    # The header's links (not declared): made on every request.
    client = client_as(app, decided_demo_engine, "province")
    body = callback_body(
        [("nav", "children"), ("export-links", "children"), ("lang-switch", "href")],
        [("url", "search", "")],
        [("url", "pathname", "/")],
    )
    hits = app.response_cache.hits
    for _ in range(2):
        assert call(client, body).status_code == 200
    assert app.response_cache.hits == hits


def test_the_cache_is_bounded_in_bytes():
    cache = ResponseCache(entry_bytes=10, total_bytes=25)

    def answer(n: int) -> Answer:
        return Answer(b"x" * n, 200, "application/json", ())

    cache.put(("too big",), answer(11))
    assert cache.get(("too big",)) is None
    for name in ("a", "b", "c"):
        cache.put((name,), answer(10))
    assert cache.get(("a",)) is None  # the oldest went
    assert cache.get(("b",)).body == b"x" * 10 and cache.get(("c",)) is not None
    assert len(cache) == 2


def test_the_kept_grid_block_is_the_one_made(app, decided_demo_engine):
    client = client_as(app, decided_demo_engine, "province")
    made, kept = grid_rows(client), grid_rows(client)
    assert json.dumps(kept, sort_keys=True) == json.dumps(made, sort_keys=True)
    assert made["rowData"]


def test_an_answer_made_under_other_settings_is_not_served(app, decided_demo_engine, monkeypatch):
    client = client_as(app, decided_demo_engine, "prefecture")
    monkeypatch.setenv("EXITMAP_PUBLISH_RANKING", "0")
    own = layout(client, "/")
    misses = app.response_cache.misses
    monkeypatch.setenv("EXITMAP_PUBLISH_RANKING", "1")
    published = layout(client, "/")  # the other prefectures' sums are now shown to it
    assert app.response_cache.misses == misses + 1
    assert published.get_data() != own.get_data()
