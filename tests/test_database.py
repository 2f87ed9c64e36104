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
    """valid_to is the next event's date, whatever order events are written or removed in."""
    from etl.load import load
    from etl.pipeline import prepare
    from tests.registers import unit_row, write_csv

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

    assert validity() == [
        (date(2021, 12, 31), date(2022, 12, 31)),
        (date(2022, 12, 31), date(2023, 12, 31)),
        (date(2023, 12, 31), None),
    ]
    assert exits() == [None, None, date(2023, 12, 31)]
    with engine.begin() as conn:  # 已关停 then 已拆除: still exited since the first
        conn.execute(
            sa.text(
                "INSERT INTO unit_event (unit_id, event_date, status, load_id) "
                "VALUES (:u, '2025-06-30', '已拆除', :l)"
            ),
            {"u": unit_id, "l": load_id},
        )
    assert exits() == [None, None, date(2023, 12, 31), date(2023, 12, 31)]
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unit_event WHERE event_date = '2025-06-30'"))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unit_event WHERE event_date = '2022-12-31'"))
        conn.execute(
            sa.text("UPDATE unit_event SET event_date = '2024-06-30' WHERE status = '已关停'")
        )
    assert validity() == [(date(2021, 12, 31), date(2024, 6, 30)), (date(2024, 6, 30), None)]
    assert exits() == [None, date(2024, 6, 30)]
