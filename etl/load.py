"""Write prepared register rows into PostGIS: one transaction, upsert by unit key, history kept.

The rows are COPYed into a temporary table and merged with set-based SQL, so 100,000 rows cost
a handful of statements rather than 100,000 round trips. A kill at any point leaves the
database as it was: everything happens inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from etl.history import refresh_history, writing_history
from etl.pipeline import REJECTED, Prepared

# Columns of a unit that come from the register, in the order the staging table holds them.
UNIT_FIELDS: tuple[tuple[str, str], ...] = (
    ("unit_key", "text"),
    ("key_derived", "boolean"),
    ("sector", "text"),
    ("sub_industry", "text"),
    ("equipment_name", "text"),
    ("equipment_no", "text"),
    ("spec", "text"),
    ("spec_value", "float8"),
    ("spec_unit", "text"),
    ("capacity_wt", "float8"),
    ("energy_tce", "float8"),
    ("electricity_10k_kwh", "float8"),
    ("category", "text"),
    ("status", "text"),
    ("identified_date", "date"),
    ("identified_date_precision", "date_precision"),
    ("rectify_deadline", "date"),
    ("rectify_deadline_precision", "date_precision"),
    ("planned_exit_date", "date"),
    ("planned_exit_date_precision", "date_precision"),
    ("actual_exit_date", "date"),
    ("actual_exit_date_precision", "date_precision"),
    ("exit_method", "text"),
    ("workers", "integer"),
    ("address", "text"),
    ("remarks", "text"),
    ("declared_prefecture", "text"),
    ("declared_county", "text"),
    ("prefecture_adcode", "integer"),
    ("county_adcode", "integer"),
    ("location_precision", "location_precision"),
)
# Besides the unit's own fields, the staging table carries where each row came from.
STAGE_EXTRA: tuple[tuple[str, str], ...] = (
    ("enterprise_key", "text"),
    ("credit_code", "text"),
    ("enterprise_name", "text"),
    ("lon", "float8"),
    ("lat", "float8"),
    ("row_hash", "text"),
    ("load_id", "integer"),
    ("source_detail", "text"),
)
# A change in any of these is a new event in the unit's history.
HISTORY_FIELDS = ("status", "category", "rectify_deadline", "actual_exit_date")


class LoadError(Exception):
    """The load was refused; nothing was written. The message is for the user, in Chinese."""


@dataclass
class MissingUnit:
    unit_key: str
    enterprise: str
    equipment: str
    prefecture: str
    status: str


@dataclass
class LoadSummary:
    as_of: dt.date
    load_ids: list[int] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0
    quarantined: int = 0
    already_loaded: bool = False
    missing: list[MissingUnit] = field(default_factory=list)


def load(
    engine: sa.Engine,
    prepared: Prepared,
    as_of: dt.date,
    *,
    partial: bool = False,
    source: str = "register",
    synthetic: bool = False,
    on_step: Callable[[str], None] = lambda _: None,
) -> LoadSummary:
    """Write the accepted rows (all rows must be accepted unless ``partial``)."""
    counts = prepared.counts()
    if prepared.file_errors:
        raise LoadError("；".join(prepared.file_errors) + "。未写入任何数据。")
    if counts[REJECTED] and not partial:
        raise LoadError(
            f"{counts[REJECTED]} 行被拒绝，按严格模式未写入任何数据"
            "（修正后重新载入，或使用 --partial 只写入有效行）。"
        )
    summary = LoadSummary(as_of=as_of)
    with engine.begin() as conn:
        # One load at a time: two concurrent loads of overlapping units would race on history.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('exitmap.load'))"))
        if _already_loaded(conn, prepared, as_of):
            summary.already_loaded = True
            return summary
        load_ids = _insert_load_records(conn, prepared, as_of, partial, source)
        summary.load_ids = list(load_ids.values())
        accepted = prepared.accepted
        on_step(f"写入数据库（{accepted.height} 行）")
        _stage(conn, _stage_frame(accepted, load_ids))
        _check_as_of(conn, as_of)
        _check_references(conn)
        _upsert_enterprises(conn)
        summary.inserted, summary.updated, summary.unchanged = _merge_units(conn, source, synthetic)
        summary.events = _record_events(conn, as_of)
        if partial:
            summary.quarantined = _quarantine(conn, prepared, load_ids)
        _finish_load_records(conn, prepared, load_ids)
        summary.missing = _missing_units(conn, prepared, source)
    return summary


def remove_source(engine: sa.Engine, source: str) -> int:
    """Delete every unit a source brought (with history, firms left without units, loads)."""
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('exitmap.load'))"))
        conn.execute(
            sa.text(
                "DELETE FROM unit_event WHERE unit_id IN "
                "(SELECT id FROM unit WHERE source = :source)"
            ),
            {"source": source},
        )
        removed = conn.execute(
            sa.text("DELETE FROM unit WHERE source = :source"), {"source": source}
        ).rowcount
        conn.execute(
            sa.text(
                "DELETE FROM enterprise e WHERE NOT EXISTS "
                "(SELECT 1 FROM unit u WHERE u.enterprise_id = e.id)"
            )
        )
        conn.execute(
            sa.text(
                "DELETE FROM load_record r WHERE r.source = :source AND NOT EXISTS "
                "(SELECT 1 FROM unit_event ev WHERE ev.load_id = r.id)"
            ),
            {"source": source},
        )
    return removed


# ------------------------------------------------------------------------------ steps


def _already_loaded(conn: sa.Connection, prepared: Prepared, as_of: dt.date) -> bool:
    """Every file was loaded before with the same content and date: nothing to do."""
    hashes = [f.sha256 for f in prepared.files]
    seen = conn.execute(
        sa.text(
            "SELECT count(DISTINCT sha256) FROM load_record "
            "WHERE sha256 = ANY(:hashes) AND as_of = :as_of"
        ),
        {"hashes": hashes, "as_of": as_of},
    ).scalar_one()
    return seen == len(set(hashes))


def _insert_load_records(conn, prepared: Prepared, as_of, partial: bool, source: str):
    ids: dict[str, int] = {}
    for info in prepared.files:
        ids[info.name] = conn.execute(
            sa.text(
                "INSERT INTO load_record (file_name, sha256, source, as_of, mode, rows_total, "
                "rows_ok, rows_warning, rows_rejected, units_inserted, units_updated, "
                "units_unchanged) VALUES (:name, :sha, :source, :as_of, :mode, :rows, "
                "0, 0, 0, 0, 0, 0) RETURNING id"
            ),
            {
                "name": info.name,
                "sha": info.sha256,
                "source": source,
                "as_of": as_of,
                "mode": "partial" if partial else "strict",
                "rows": info.rows,
            },
        ).scalar_one()
    return ids


def _row_hash(frame: pl.DataFrame) -> pl.Series:
    """md5 of the unit's content: an unchanged row is recognised without comparing fields."""
    text = pl.concat_str(
        [
            pl.col(name).cast(pl.Utf8).fill_null("∅")
            for name, _ in (*UNIT_FIELDS, ("credit_code", ""), ("enterprise_name", ""))
        ]
        + [pl.col("lon").round(7).cast(pl.Utf8).fill_null("∅")]
        + [pl.col("lat").round(7).cast(pl.Utf8).fill_null("∅")],
        separator="|",
    )
    md5 = hashlib.md5
    texts = frame.select(text.alias("t"))["t"].to_list()
    return pl.Series("t", [md5(t.encode()).hexdigest() for t in texts], dtype=pl.Utf8)


def _stage_frame(accepted: pl.DataFrame, load_ids: dict[str, int]) -> pl.DataFrame:
    frame = accepted.rename(
        {"prefecture": "declared_prefecture", "county": "declared_county"}
    ).with_columns(
        pl.col("lon_wgs84").alias("lon"),
        pl.col("lat_wgs84").alias("lat"),
    )
    if "enterprise_key" not in frame.columns:
        # Registers key firms by credit code; other sources bring a key of their own.
        frame = frame.with_columns(pl.col("credit_code").alias("enterprise_key"))
    frame = frame.with_columns(
        _row_hash(frame).alias("row_hash"),
        pl.col("file").replace_strict(load_ids, return_dtype=pl.Int64).alias("load_id"),
        pl.format("{} / {} / 第{}行", "file", "sheet", "row").alias("source_detail"),
    )
    return frame.select(name for name, _ in (*UNIT_FIELDS, *STAGE_EXTRA))


def _stage(conn: sa.Connection, frame: pl.DataFrame) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in (*UNIT_FIELDS, *STAGE_EXTRA))
    conn.execute(sa.text(f"CREATE TEMP TABLE stage ({columns}) ON COMMIT DROP"))
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY stage FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getbuffer())
    conn.execute(sa.text("CREATE INDEX ON stage (unit_key)"))
    # Statistics only for the columns the merge joins, groups and filters on: sampling all
    # forty columns cost most of a second per 100k rows and changes no plan.
    conn.execute(sa.text("ANALYZE stage (unit_key, enterprise_key, load_id)"))


def _check_as_of(conn: sa.Connection, as_of: dt.date) -> None:
    latest = conn.execute(
        sa.text(
            "SELECT max(ev.event_date) FROM unit_event ev "
            "JOIN unit u ON u.id = ev.unit_id JOIN stage s ON s.unit_key = u.unit_key"
        )
    ).scalar()
    if latest and latest > as_of:
        raise LoadError(
            f"数据日期 {as_of} 早于这些装备已载入的最新数据日期 {latest}，"
            "历史记录只能向后追加。请用 --as-of 指定登记表的实际数据日期。"
        )


def _check_references(conn: sa.Connection) -> None:
    """The checks foreign keys would make row by row, made once for the whole load."""
    unknown = conn.execute(
        sa.text(
            """
            SELECT DISTINCT s.prefecture_adcode FROM stage s
            WHERE NOT EXISTS (SELECT 1 FROM prefecture p WHERE p.adcode = s.prefecture_adcode)
            UNION
            SELECT DISTINCT s.county_adcode FROM stage s
            WHERE s.county_adcode IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM county c WHERE c.adcode = s.county_adcode)
            """
        )
    ).scalars()
    missing = sorted(str(code) for code in unknown)
    if missing:
        raise LoadError(
            f"数据库中没有行政区划 {'、'.join(missing)}：请先运行 exitmap db migrate 载入行政区划。"
        )


def _upsert_enterprises(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            """
            INSERT INTO enterprise (key, credit_code, name, prefecture_adcode, county_adcode)
            SELECT DISTINCT ON (enterprise_key)
                   enterprise_key, credit_code, enterprise_name, prefecture_adcode, county_adcode
            FROM stage ORDER BY enterprise_key, load_id, source_detail
            ON CONFLICT (key) DO UPDATE
            SET name = EXCLUDED.name,
                prefecture_adcode = EXCLUDED.prefecture_adcode,
                county_adcode = EXCLUDED.county_adcode
            WHERE (enterprise.name, enterprise.prefecture_adcode, enterprise.county_adcode)
                  IS DISTINCT FROM
                  (EXCLUDED.name, EXCLUDED.prefecture_adcode, EXCLUDED.county_adcode)
            """
        )
    )


def _merge_units(conn: sa.Connection, source: str, synthetic: bool) -> tuple[int, int, int]:
    history = ", ".join(f"u.{f} AS old_{f}" for f in HISTORY_FIELDS)
    conn.execute(
        sa.text(
            f"""
            CREATE TEMP TABLE staged ON COMMIT DROP AS
            SELECT s.*, e.id AS enterprise_id, u.id AS unit_id, u.row_hash AS old_hash,
                   {history}
            FROM stage s
            JOIN enterprise e ON e.key = s.enterprise_key
            LEFT JOIN unit u ON u.unit_key = s.unit_key
            """
        )
    )
    fields = [name for name, _ in UNIT_FIELDS]
    cols = ", ".join(fields)
    inserted = conn.execute(
        sa.text(
            f"""
            INSERT INTO unit ({cols}, enterprise_id, geom, source, source_detail, synthetic,
                              row_hash, first_load_id, last_load_id)
            SELECT {cols}, enterprise_id, ST_SetSRID(ST_MakePoint(lon, lat), 4326), :source,
                   source_detail, :synthetic, row_hash, load_id, load_id
            FROM staged WHERE unit_id IS NULL
            ORDER BY unit_key  -- key order keeps the unique index's inserts sequential
            """
        ),
        {"source": source, "synthetic": synthetic},
    ).rowcount
    assignments = ", ".join(f"{f} = s.{f}" for f in fields if f != "unit_key")
    updated = conn.execute(
        sa.text(
            f"""
            UPDATE unit u SET {assignments}, enterprise_id = s.enterprise_id,
                   geom = ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
                   source_detail = s.source_detail, row_hash = s.row_hash,
                   last_load_id = s.load_id
            FROM staged s
            WHERE u.id = s.unit_id AND s.old_hash IS DISTINCT FROM s.row_hash
            """
        )
    ).rowcount
    total, staged = conn.execute(
        sa.text("SELECT (SELECT count(*) FROM stage), (SELECT count(*) FROM staged)")
    ).one()
    if staged != total:  # every staged row must have found its enterprise
        raise LoadError(f"内部错误：{total - staged} 行未找到企业记录，未写入任何数据。")
    return inserted, updated, total - inserted - updated


def _record_events(conn: sa.Connection, as_of: dt.date) -> int:
    """A new unit, or a change of status/category/deadline/exit date, is an event on as_of.

    The history trigger stands aside (``exitmap.history_written``): the events of this load
    are refreshed in one pass at the end — history facts, unit copies and evaluation
    (``unit_event_refresh``, migration 0002) — rather than statement by statement.
    """
    changed = " OR ".join(f"s.{f} IS DISTINCT FROM s.old_{f}" for f in HISTORY_FIELDS)
    with writing_history(conn):
        written = conn.execute(
            sa.text(
                f"""
                INSERT INTO unit_event (unit_id, event_date, status, previous_status, category,
                                        rectify_deadline, actual_exit_date, load_id)
                SELECT u.id, :as_of, s.status, s.old_status, s.category, s.rectify_deadline,
                       s.actual_exit_date, s.load_id
                FROM staged s JOIN unit u ON u.unit_key = s.unit_key
                WHERE s.unit_id IS NULL OR {changed}
                ON CONFLICT (unit_id, event_date) DO UPDATE
                SET status = EXCLUDED.status, category = EXCLUDED.category,
                    rectify_deadline = EXCLUDED.rectify_deadline,
                    actual_exit_date = EXCLUDED.actual_exit_date, load_id = EXCLUDED.load_id
                """
            ),
            {"as_of": as_of},
        ).rowcount
        refresh_history(
            conn,
            "SELECT DISTINCT e.unit_id FROM unit_event e WHERE e.event_date = :as_of "
            "AND e.load_id IN (SELECT DISTINCT load_id FROM staged)",
            {"as_of": as_of},
        )
    return written


def _quarantine(conn: sa.Connection, prepared: Prepared, load_ids: dict[str, int]) -> int:
    rejected = prepared.rejected
    if rejected.is_empty():
        return 0
    records = [
        {
            "load_id": load_ids[r["file"]],
            "file": r["file"],
            "sheet": r["sheet"],
            "row": r["row"],
            "raw": r["raw_json"],
            "reasons": "；".join(r["messages"]),
        }
        for r in rejected.select(
            "file", "sheet", "row", "messages", pl.col("raw").struct.json_encode().alias("raw_json")
        ).iter_rows(named=True)
    ]
    conn.execute(
        sa.text(
            "INSERT INTO quarantine_row (load_id, file_name, sheet, row_number, raw, reasons) "
            "VALUES (:load_id, :file, :sheet, :row, CAST(:raw AS jsonb), :reasons)"
        ),
        records,
    )
    return len(records)


def _finish_load_records(conn: sa.Connection, prepared: Prepared, load_ids: dict[str, int]):
    per_file = prepared.rows.group_by("file").agg(
        (pl.col("outcome") == "ok").sum().alias("ok"),
        (pl.col("outcome") == "warning").sum().alias("warning"),
        (pl.col("outcome") == REJECTED).sum().alias("rejected"),
    )
    for r in per_file.iter_rows(named=True):
        conn.execute(
            sa.text(
                """
                UPDATE load_record SET rows_ok = :ok, rows_warning = :warning,
                       rows_rejected = :rejected,
                       units_inserted = (SELECT count(*) FROM staged
                                         WHERE load_id = :id AND unit_id IS NULL),
                       units_updated = (SELECT count(*) FROM staged WHERE load_id = :id
                                        AND unit_id IS NOT NULL
                                        AND old_hash IS DISTINCT FROM row_hash),
                       units_unchanged = (SELECT count(*) FROM staged WHERE load_id = :id
                                          AND old_hash = row_hash)
                WHERE id = :id
                """
            ),
            {**r, "id": load_ids[r["file"]]},
        )


def _missing_units(conn: sa.Connection, prepared: Prepared, source: str) -> list[MissingUnit]:
    """Units of the prefectures this load covers that the new register no longer lists."""
    rows = prepared.rows
    prefectures = rows["prefecture_adcode"].drop_nulls().unique().to_list()
    if not prefectures:
        return []
    # Rejected rows were not staged but are still listed by the register: not missing.
    listed = set(prepared.rejected["unit_key"].drop_nulls().to_list())
    found = conn.execute(
        sa.text(
            """
            SELECT u.unit_key, e.name, u.equipment_name, p.name, u.status
            FROM unit u JOIN enterprise e ON e.id = u.enterprise_id
            JOIN prefecture p ON p.adcode = u.prefecture_adcode
            WHERE u.source = :source AND u.prefecture_adcode = ANY(:prefectures)
              AND NOT EXISTS (SELECT 1 FROM stage s WHERE s.unit_key = u.unit_key)
            ORDER BY u.prefecture_adcode, u.unit_key
            """
        ),
        {"source": source, "prefectures": prefectures},
    ).all()
    return [MissingUnit(*r) for r in found if r[0] not in listed]
