"""The embedded cluster and the schema's migrations, on a real PostGIS."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from exitmap import migrate
from exitmap.cluster import Cluster
from exitmap.models import Base

TABLES = {
    "prefecture",
    "county",
    "enterprise",
    "unit",
    "unit_event",
    "exit_task",
    "quota_entry",
    "freeze_decision",
    "load_record",
    "quarantine_row",
}


def test_migrations_up_and_down_on_empty_database(empty_engine):
    migrate.upgrade(empty_engine)
    inspector = sa.inspect(empty_engine)
    assert set(inspector.get_table_names()) >= TABLES
    gist = {ix["name"] for ix in inspector.get_indexes("county")}
    assert "idx_county_geom" in gist

    migrate.downgrade(empty_engine, "base")
    remaining = set(sa.inspect(empty_engine).get_table_names()) - {"spatial_ref_sys"}
    assert remaining == {"alembic_version"}
    with empty_engine.connect() as conn:
        enums = conn.execute(sa.text("SELECT typname FROM pg_type WHERE typtype = 'e'")).all()
    assert enums == []

    migrate.upgrade(empty_engine)  # and up again after a full downgrade
    assert migrate.current(empty_engine) is not None


def test_migrations_match_the_models(empty_engine):
    migrate.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": _include_object_filter, "compare_type": True}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def _include_object_filter(obj, name, type_, reflected, compare_to):
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and name == "spatial_ref_sys":
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def test_boundaries_in_database(engine):
    with engine.connect() as conn:
        n_pref, n_county = conn.execute(
            sa.text("SELECT (SELECT count(*) FROM prefecture), (SELECT count(*) FROM county)")
        ).one()
        bad = conn.execute(
            sa.text(
                "SELECT count(*) FROM county WHERE NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326"
            )
        ).scalar()
        kunming = conn.execute(
            sa.text(
                "SELECT c.name FROM county c "
                "WHERE ST_Contains(c.geom, ST_SetSRID(ST_MakePoint(102.7047, 25.0430), 4326))"
            )
        ).scalar()
    assert (n_pref, n_county) == (16, 129)
    assert bad == 0
    assert kunming == "五华区"


def test_db_up_twice_is_a_no_op_and_fast(tmp_path):
    cluster = Cluster(root=tmp_path / "pg", port=5441, bin_dir=Path("/usr/lib/postgresql/15/bin"))
    try:
        url = cluster.up("exitmap")
        pid_file = cluster.data_dir / "postmaster.pid"
        pid = pid_file.read_text().splitlines()[0]

        again = cluster.up("exitmap")
        assert again == url
        assert pid_file.read_text().splitlines()[0] == pid  # same server, not restarted

        with psycopg.connect(cluster.conninfo("exitmap")) as conn:
            assert conn.execute("SELECT postgis_version()").fetchone()[0].startswith("3.")
    finally:
        cluster.down()


def test_stale_pid_file_is_handled(tmp_path):
    cluster = Cluster(root=tmp_path / "pg", port=5442, bin_dir=Path("/usr/lib/postgresql/15/bin"))
    try:
        cluster.up("exitmap")
        pid_file = cluster.data_dir / "postmaster.pid"
        content = pid_file.read_text()
        # Kill the server hard, then leave a pid file that points at a dead process.
        cluster._run(
            [cluster.bin_dir / "pg_ctl", "-D", cluster.data_dir, "-m", "immediate", "stop"]
        )
        lines = content.splitlines()
        lines[0] = "999999"
        pid_file.write_text("\n".join(lines) + "\n")
        assert not cluster.is_running()
        cluster.up("exitmap")
        with psycopg.connect(cluster.conninfo("exitmap")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        cluster.down()


def test_cli_db_up_prints_a_working_url(tmp_path):
    env = {
        "EXITMAP_PG_DATA": str(tmp_path / "pg"),
        "EXITMAP_PG_PORT": "5443",
        "PATH": "/usr/bin:/bin",
    }
    exe = Path(sys.executable).parent / "exitmap"
    try:
        out = subprocess.run(
            [str(exe), "db", "up"], env=env, capture_output=True, text=True, check=True
        )
        url = out.stdout.strip().splitlines()[-1]
        eng = sa.create_engine(url)
        with eng.connect() as conn:
            assert conn.execute(sa.text("SELECT postgis_version()")).scalar().startswith("3.")
        eng.dispose()
    finally:
        subprocess.run([str(exe), "db", "down"], env=env, capture_output=True)


def test_event_validity_follows_history_edits(engine, tmp_path):
    """valid_to is the next event's date, whatever order events are written or removed in
    (the loader's first version starts with the state derived from the policy's start)."""
    from etl.load import load
    from etl.pipeline import prepare
    from tests.helpers.registers import unit_row, write_csv

    load(engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1)])]), date(2021, 12, 31))
    with engine.begin() as conn:
        unit_id, load_id = conn.execute(sa.text("SELECT id, last_load_id FROM unit")).one()
        conn.execute(
            sa.text(
                "INSERT INTO unit_event (unit_id, event_date, status, load_id) VALUES "
                "(:u, '2023-12-31', '已关停', :l), (:u, '2022-12-31', '停产', :l)"
            ),
            {"u": unit_id, "l": load_id},
        )

    def validity():
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT event_date, valid_to FROM unit_event ORDER BY event_date")
            ).all()

    def exits():
        with engine.connect() as conn:
            return (
                conn.execute(sa.text("SELECT exit_since FROM unit_event ORDER BY event_date"))
                .scalars()
                .all()
            )

    start = date(2020, 1, 1)
    assert validity() == [
        (start, date(2021, 12, 31)),
        (date(2021, 12, 31), date(2022, 12, 31)),
        (date(2022, 12, 31), date(2023, 12, 31)),
        (date(2023, 12, 31), None),
    ]
    assert exits() == [None, None, None, date(2023, 12, 31)]
    with engine.begin() as conn:  # 已关停 then 已拆除: still exited since the first
        conn.execute(
            sa.text(
                "INSERT INTO unit_event (unit_id, event_date, status, load_id) "
                "VALUES (:u, '2025-06-30', '已拆除', :l)"
            ),
            {"u": unit_id, "l": load_id},
        )
    assert exits() == [None, None, None, date(2023, 12, 31), date(2023, 12, 31)]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unit_event WHERE event_date = '2025-06-30'"))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unit_event WHERE event_date = '2022-12-31'"))
        conn.execute(
            sa.text("UPDATE unit_event SET event_date = '2024-06-30' WHERE status = '已关停'")
        )
    assert validity() == [
        (start, date(2021, 12, 31)),
        (date(2021, 12, 31), date(2024, 6, 30)),
        (date(2024, 6, 30), None),
    ]
    assert exits() == [None, None, date(2024, 6, 30)]


# A small history written under 0002 (its trigger evaluates each statement): every deadline
# kind, month precision, an extension, a run of exits, a reversal, a unit without category.
HISTORY_0002 = [
    # key, category, identified, identified precision, rectify deadline, events (date, status)
    ("A", "淘汰类", None, None, None, [("2020-12-31", "在产"), ("2022-06-30", "已关停")]),
    (
        "B",
        "能耗不达标",
        "2021-06-01",
        "month",
        None,
        [("2021-12-31", "整改中"), ("2022-06-30", "延期整改")],
    ),
    (
        "C",
        "环保不达标",
        "2021-05-01",
        "day",
        "2022-03-31",
        [("2021-12-31", "整改中"), ("2022-06-30", "已改造达标")],
    ),
    (
        "D",
        "限制类",
        None,
        None,
        None,
        [
            ("2021-12-31", "已关停"),
            ("2022-06-30", "已拆除"),
            ("2023-06-30", "在产"),
            ("2024-06-30", "已关停"),
        ],
    ),
    ("E", None, None, None, None, [("2021-12-31", "在产")]),
    ("F", "安全不达标", "2022-07-01", "day", "2023-01-31", [("2022-12-31", "停产")]),
]


def _write_history_0002(conn) -> None:
    load_id = conn.execute(
        sa.text(
            "INSERT INTO load_record (file_name, sha256, source, as_of, mode, rows_total, "
            "rows_ok, rows_warning, rows_rejected, units_inserted, units_updated, "
            "units_unchanged) VALUES ('h.csv', 'x', 'register', '2024-06-30', 'strict', "
            "6, 6, 0, 0, 6, 0, 0) RETURNING id"
        )
    ).scalar_one()
    firm = conn.execute(
        sa.text("INSERT INTO enterprise (key, name) VALUES ('F1', '测试企业') RETURNING id")
    ).scalar_one()
    for key, cat, ident, precision, rectify, events in HISTORY_0002:
        unit = conn.execute(
            sa.text(
                """
                INSERT INTO unit (unit_key, key_derived, enterprise_id, sector, sub_industry,
                    equipment_name, energy_tce, category, status, identified_date,
                    identified_date_precision, rectify_deadline, rectify_deadline_precision,
                    prefecture_adcode, location_precision, geom, source, synthetic, row_hash,
                    first_load_id, last_load_id)
                VALUES (:key, false, :firm, '钢铁', '炼铁', '高炉', 1000, :cat, :status,
                    CAST(:ident AS date), CAST(:precision AS date_precision),
                    CAST(:rectify AS date), CAST(:rp AS date_precision), 530100, 'exact',
                    ST_SetSRID(ST_MakePoint(102.7, 25.0), 4326), 'register', false, 'h',
                    :load, :load)
                RETURNING id
                """
            ),
            {
                "key": key,
                "firm": firm,
                "cat": cat,
                "status": events[-1][1],
                "ident": ident,
                "precision": precision,
                "rectify": rectify,
                "rp": "day" if rectify else None,
                "load": load_id,
            },
        ).scalar_one()
        for day, status in events:
            conn.execute(
                sa.text(
                    "INSERT INTO unit_event (unit_id, event_date, status, category, load_id) "
                    "VALUES (:unit, CAST(:day AS date), :status, :cat, :load)"
                ),
                {"unit": unit, "day": day, "status": status, "cat": cat, "load": load_id},
            )


def test_upgrading_a_populated_0002_database_keeps_its_evaluated_history(empty_engine):
    """0003 re-states 0002's evaluation as a query over event_input: on a history 0002
    evaluated, the upgrade keeps every event and a full re-evaluation changes nothing."""
    from etl.policy_sync import refresh_all_history

    migrate.upgrade(empty_engine, "0002")
    with empty_engine.begin() as conn:
        _write_history_0002(conn)
    every_event = "SELECT * FROM unit_event ORDER BY id"
    with empty_engine.connect() as conn:
        before = conn.execute(sa.text(every_event)).all()
    assert len(before) == 12
    assert {r.e_deadline for r in before if r.e_category == "淘汰类"} == {date(2021, 12, 31)}

    migrate.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        refresh_all_history(conn)
    with empty_engine.connect() as conn:
        after = conn.execute(sa.text(every_event)).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("unit")}
        observations = conn.execute(sa.text("SELECT count(*) FROM unit_observation")).scalar()
    # 0004 adds the record columns after 0002's: current, stated, recorded when loaded.
    width = len(before[0])
    assert [tuple(r)[:width] for r in after] == [tuple(r) for r in before]
    assert {tuple(r)[width:][1:] for r in after} == {(None, False)}
    assert all(r.recorded_at is not None for r in after)
    assert observations == len(before)
    assert "row_hash" not in columns


def test_downgrading_0003_restores_0002_functions_that_still_evaluate(empty_engine):
    """0003's downgrade re-creates 0002's functions from the SQL both revisions share
    (exitmap/migrations/fragments.py): the same definitions 0002 made, working again."""
    functions = (
        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
        "WHERE p.pronamespace = 'public'::regnamespace AND p.proname IN ('unit_event_refresh', "
        "'refresh_marked_units', 'unit_history_trigger', 'evaluated_events', 'event_input_open') "
        "ORDER BY 1"
    )
    migrate.upgrade(empty_engine, "0002")
    with empty_engine.connect() as conn:
        made_by_0002 = conn.execute(sa.text(functions)).all()
    assert [name for name, _ in made_by_0002] == [
        "refresh_marked_units",
        "unit_event_refresh",
        "unit_history_trigger",
    ]

    migrate.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        at_head = dict(conn.execute(sa.text(functions)).all())
    assert at_head["unit_event_refresh"] != dict(made_by_0002)["unit_event_refresh"]

    migrate.downgrade(empty_engine, "0002")
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text(functions)).all() == made_by_0002
    with empty_engine.begin() as conn:
        _write_history_0002(conn)  # evaluated by 0002's statement triggers
    with empty_engine.connect() as conn:
        deadlines = conn.execute(
            sa.text("SELECT e_category, e_deadline FROM unit_event WHERE e_category = '淘汰类'")
        ).all()
    assert deadlines == [("淘汰类", date(2021, 12, 31))] * 2
