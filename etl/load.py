"""Write prepared register rows into PostGIS: one transaction, upsert by unit key, history kept.

The rows are COPYed into a temporary table and merged with set-based SQL, so 100,000 rows cost
a handful of statements rather than 100,000 round trips. A kill at any point leaves the
database as it was: everything happens inside one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from etl.history import (
    OBSERVATION_COLUMNS,
    first_timeline_sql,
    open_event_input,
    same_exit_sql,
    valid_from_sql,
    write_timelines,
    writing_history,
)
from etl.pipeline import REJECTED, Prepared
from exitmap.clock import ZONE
from exitmap.errors import UserError
from exitmap.policy import Policy, default_policy
from layers.quota import Shortfall, shortfalls

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
    ("load_id", "integer"),
    ("source_detail", "text"),
    ("row_no", "integer"),  # the register's order: a firm's first row names it
)
# A change in any of these is a new event in the unit's history.
HISTORY_FIELDS = ("status", "category", "rectify_deadline", "actual_exit_date")


class LoadError(UserError):
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
    events: int = 0  # observations recorded: new units, and changes of status, category, dates
    quarantined: int = 0
    firms_inserted: int = 0
    firms_updated: int = 0  # name or location changed (their units are not "updated" for it)
    already_loaded: bool = False
    missing: list[MissingUnit] = field(default_factory=list)
    # Units whose history before their previous register's date this load changed.
    corrected: int = 0
    recorded_at: dt.datetime | None = None
    # Allocations the corrected history leaves short (balance below zero on a date).
    quota_shortfalls: list[Shortfall] = field(default_factory=list)
    # Rows of the optional sheets written with it, by kind (an acceptance writes them in the
    # load's transaction: submissions/review.py); the loader itself writes none.
    sheets_written: dict[str, int] = field(default_factory=dict)


def load(
    engine: sa.Engine,
    prepared: Prepared,
    as_of: dt.date,
    *,
    partial: bool = False,
    source: str = "register",
    synthetic: bool = False,
    recorded_at: dt.datetime | None = None,
    policy: Policy | None = None,
    on_step: Callable[[str], None] = lambda _: None,
    then: Callable[[sa.Connection, LoadSummary], None] | None = None,
) -> LoadSummary:
    """Write the accepted rows (all rows must be accepted unless ``partial``).

    ``recorded_at``: when the system learned the register (default: now); a backfill of old
    registers gives their dates, no earlier than any load already recorded.
    ``then``: more work that stands or falls with the load, run last inside its transaction
    (an accepted submission records its state there); raising in it writes nothing.
    """
    policy = policy or default_policy()
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
            if then is not None:
                then(conn, summary)
            return summary
        load_ids = _insert_load_records(conn, prepared, as_of, partial, source, recorded_at)
        summary.load_ids = list(load_ids.values())
        summary.recorded_at = _check_recorded_at(conn, summary.load_ids)
        accepted = prepared.accepted
        on_step(f"写入数据库（{accepted.height} 行）")
        _stage(conn, _stage_frame(accepted, load_ids))
        _check_as_of(conn, as_of)
        _check_references(conn, accepted)
        summary.firms_inserted, summary.firms_updated = _upsert_enterprises(conn)
        # The history triggers stand aside: this load writes the timelines of the units it
        # creates or changes, evaluated, as versions recorded at its record time.
        scope_start = policy.scope_start.effective_from
        with writing_history(conn):
            open_event_input(conn)
            merged = _merge_units(
                conn, accepted.height, as_of, source, synthetic, summary.recorded_at, scope_start
            )
            summary.inserted, summary.updated, summary.unchanged = merged
            observed, summary.corrected = _observe_changes(conn, as_of)
            summary.events = summary.inserted + observed
            write_timelines(
                conn, "SELECT unit_id FROM known WHERE changed", summary.recorded_at, scope_start
            )
        if summary.updated:  # only a changed unit can take released quota back
            summary.quota_shortfalls = shortfalls(conn, policy, _prefectures_of(accepted))
        if partial:
            summary.quarantined = _quarantine(conn, prepared, load_ids)
        _finish_load_records(conn, prepared, load_ids)
        summary.missing = _missing_units(conn, prepared, source, load_ids)
        if then is not None:
            then(conn, summary)
    return summary


def latest_record_time(engine: sa.Engine) -> dt.datetime | None:
    """When the latest load was recorded (None: nothing loaded yet)."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT max(recorded_at) FROM load_record")).scalar()


# What names a unit besides its history: records about the units a source brought go with
# them (a site's fate, a use by a replacement project, a target line's naming); an inspection
# finding stays, no longer linked to a unit that is gone.
UNIT_RECORDS = ("unit_event", "unit_observation", "replacement_use", "exited_site")
UNIT_LINKS = (("annual_target_unit", "DELETE FROM {table}"),
              ("inspection_finding", "UPDATE {table} SET unit_id = NULL"))  # fmt: skip
LEFT_FIRMS = "NOT EXISTS (SELECT 1 FROM unit u WHERE u.enterprise_id = e.id)"


def remove_source(engine: sa.Engine, source: str) -> int:
    """Delete every unit a source brought (with history, the records about those units, firms
    left without units and their resettlement plans, loads)."""
    units = "unit_id IN (SELECT id FROM unit WHERE source = :source)"
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('exitmap.load'))"))
        for table in UNIT_RECORDS:
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {units}"), {"source": source})
        for table, change in UNIT_LINKS:
            conn.execute(sa.text(f"{change.format(table=table)} WHERE {units}"), {"source": source})
        removed = conn.execute(
            sa.text("DELETE FROM unit WHERE source = :source"), {"source": source}
        ).rowcount
        conn.execute(
            sa.text(
                "DELETE FROM resettlement_plan r USING enterprise e "
                f"WHERE e.id = r.enterprise_id AND {LEFT_FIRMS}"
            )
        )
        conn.execute(sa.text(f"DELETE FROM enterprise e WHERE {LEFT_FIRMS}"))
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


def _insert_load_records(
    conn, prepared: Prepared, as_of, partial: bool, source: str, recorded_at
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for info in prepared.files:
        ids[info.name] = conn.execute(
            sa.text(
                "INSERT INTO load_record (file_name, sha256, source, as_of, recorded_at, mode, "
                "rows_total, rows_ok, rows_warning, rows_rejected, units_inserted, "
                "units_updated, units_unchanged) VALUES (:name, :sha, :source, :as_of, "
                "COALESCE(CAST(:recorded_at AS timestamptz), now()), :mode, :rows, "
                "0, 0, 0, 0, 0, 0) RETURNING id"
            ),
            {
                "name": info.name,
                "sha": info.sha256,
                "source": source,
                "as_of": as_of,
                "recorded_at": recorded_at,
                "mode": "partial" if partial else "strict",
                "rows": info.rows,
            },
        ).scalar_one()
    return ids


def _check_recorded_at(conn: sa.Connection, load_ids: list[int]) -> dt.datetime:
    """This load's record time, refused if an earlier load was recorded later: record time
    only grows, so what was known on a day stays what it was."""
    recorded, latest = conn.execute(
        sa.text(
            "SELECT (SELECT min(recorded_at) FROM load_record WHERE id = ANY(:ids)), "
            "(SELECT max(recorded_at) FROM load_record WHERE id <> ALL(:ids))"
        ),
        {"ids": load_ids},
    ).one()
    if latest is not None and recorded < latest:
        recorded_, latest_ = recorded.astimezone(ZONE), latest.astimezone(ZONE)
        raise LoadError(
            f"记录时间 {recorded_:%Y-%m-%d %H:%M} 早于已有载入的记录时间 {latest_:%Y-%m-%d %H:%M}："
            "补录历史登记表时，记录时间只能向后。"
        )
    return recorded


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
        _load_id(load_ids),
        pl.format("{} / {} / 第{}行", "file", "sheet", "row").alias("source_detail"),
        pl.int_range(pl.len(), dtype=pl.Int32).alias("row_no"),
    )
    return frame.select(name for name, _ in (*UNIT_FIELDS, *STAGE_EXTRA))


def _load_id(load_ids: dict[str, int]) -> pl.Expr:
    """Each row's load record: one per file of the load (every file must have one)."""
    return pl.col("file").replace_strict(load_ids, return_dtype=pl.Int64).alias("load_id")


def _stage(conn: sa.Connection, frame: pl.DataFrame) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in (*UNIT_FIELDS, *STAGE_EXTRA))
    conn.execute(sa.text(f"CREATE TEMP TABLE stage ({columns}) ON COMMIT DROP"))
    _copy_in(conn, "COPY stage FROM STDIN (FORMAT csv)", [frame])


def _copy_in(conn: sa.Connection, copy_sql: str, frames: Iterable[pl.DataFrame]) -> None:
    """One COPY (``copy_sql``, FORMAT csv) of the frames' rows, written frame by frame: the
    caller's slices bound what is held as text at once. Empty text stays empty, null is null."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:
        for frame in frames:
            buffer = io.BytesIO()
            frame.write_csv(buffer, include_header=False, null_value="")
            copy.write(buffer.getbuffer())


def _check_as_of(conn: sa.Connection, as_of: dt.date) -> None:
    # A register older than one already recorded would override newer news from its date on.
    latest = conn.execute(
        sa.text(
            "SELECT max(o.observed_on) FROM unit_observation o "
            "JOIN unit u ON u.id = o.unit_id JOIN stage s ON s.unit_key = u.unit_key"
        )
    ).scalar()
    if latest and latest > as_of:
        raise LoadError(
            f"数据日期 {as_of} 早于这些装备已载入的最新数据日期 {latest}，"
            "历史记录只能向后追加。请用 --as-of 指定登记表的实际数据日期。"
        )


def _check_references(conn: sa.Connection, accepted: pl.DataFrame) -> None:
    """The checks foreign keys would make row by row, made once for the whole load."""
    prefectures = accepted["prefecture_adcode"].drop_nulls().unique().to_list()
    counties = accepted["county_adcode"].drop_nulls().unique().to_list()
    unknown = conn.execute(
        sa.text(
            """
            SELECT code FROM unnest(CAST(:prefectures AS integer[])) code
            WHERE NOT EXISTS (SELECT 1 FROM prefecture p WHERE p.adcode = code)
            UNION
            SELECT code FROM unnest(CAST(:counties AS integer[])) code
            WHERE NOT EXISTS (SELECT 1 FROM county c WHERE c.adcode = code)
            """
        ),
        {"prefectures": prefectures, "counties": counties},
    ).scalars()
    missing = sorted(str(code) for code in unknown)
    if missing:
        raise LoadError(
            f"数据库中没有行政区划 {'、'.join(missing)}：请先运行 exitmap db migrate 载入行政区划。"
        )


def _upsert_enterprises(conn: sa.Connection) -> tuple[int, int]:
    """New firms, and firms whose name or place changed: (inserted, updated)."""
    inserted, updated = conn.execute(
        sa.text(
            """
            WITH written AS (
                INSERT INTO enterprise (key, credit_code, name, prefecture_adcode, county_adcode)
                SELECT s.enterprise_key, s.credit_code, s.enterprise_name, s.prefecture_adcode,
                       s.county_adcode
                FROM stage s
                JOIN (SELECT min(row_no) AS row_no FROM stage GROUP BY enterprise_key) f
                  ON f.row_no = s.row_no
                ON CONFLICT (key) DO UPDATE
                SET name = EXCLUDED.name,
                    prefecture_adcode = EXCLUDED.prefecture_adcode,
                    county_adcode = EXCLUDED.county_adcode
                WHERE (enterprise.name, enterprise.prefecture_adcode, enterprise.county_adcode)
                      IS DISTINCT FROM
                      (EXCLUDED.name, EXCLUDED.prefecture_adcode, EXCLUDED.county_adcode)
                RETURNING xmax = 0 AS inserted  -- a row version no one replaced: a new firm
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
            FROM written
            """
        )
    ).one()
    return inserted, updated


def _merge_units(
    conn: sa.Connection,
    total: int,
    as_of: dt.date,
    source: str,
    synthetic: bool,
    recorded_at: dt.datetime,
    scope_start: dt.date,
) -> tuple[int, int, int]:
    """Insert new units, update changed ones; record each new unit's first observation and
    put its timeline into event_input.

    ``known`` holds, for the staged rows whose unit exists, its id, its fields before this
    load and whether the register changes them; a first load leaves it empty.
    """
    history = ", ".join(f"u.{f} AS old_{f}" for f in HISTORY_FIELDS)
    fields = [name for name, _ in UNIT_FIELDS]
    old_row = ", ".join(
        [*(f"u.{f}" for f in fields), "u.enterprise_id", "ST_X(u.geom)", "ST_Y(u.geom)"]
    )
    new_row = ", ".join([*(f"s.{f}" for f in fields), "e.id", "s.lon", "s.lat"])
    known = conn.execute(
        sa.text(
            f"""
            CREATE TEMP TABLE known ON COMMIT DROP AS
            SELECT s.row_no, u.id AS unit_id, {history},
                   ({old_row}) IS DISTINCT FROM ({new_row}) AS changed
            FROM stage s
            JOIN unit u ON u.unit_key = s.unit_key
            JOIN enterprise e ON e.key = s.enterprise_key
            """
        )
    ).rowcount
    inserted = conn.execute(
        sa.text(
            f"""
            WITH created AS (
                INSERT INTO unit ({", ".join(fields)}, enterprise_id, geom, source,
                                  source_detail, synthetic, first_load_id, last_load_id)
                SELECT {", ".join(f"s.{f}" for f in fields)}, e.id,
                       ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), :source, s.source_detail,
                       :synthetic, s.load_id, s.load_id
                FROM stage s JOIN enterprise e ON e.key = s.enterprise_key
                WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.row_no = s.row_no)
                RETURNING id, status, category, rectify_deadline, actual_exit_date,
                          actual_exit_date_precision, identified_date, first_load_id
            ),
            {first_timeline_sql("created", ":as_of")}
            SELECT count(*) FROM observed
            """
        ),
        {
            "source": source,
            "synthetic": synthetic,
            "as_of": as_of,
            "recorded_at": recorded_at,
            "scope_start": scope_start,
        },
    ).scalar_one()
    if known + inserted != total:  # every staged row must have found its enterprise
        raise LoadError(f"内部错误：{total - known - inserted} 行未找到企业记录，未写入任何数据。")
    assignments = ", ".join(f"{f} = s.{f}" for f in fields if f != "unit_key")
    updated = conn.execute(
        sa.text(
            f"""
            UPDATE unit u SET {assignments}, enterprise_id = e.id,
                   geom = ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326),
                   source_detail = s.source_detail,
                   last_load_id = s.load_id
            FROM known k
            JOIN stage s ON s.row_no = k.row_no
            JOIN enterprise e ON e.key = s.enterprise_key
            WHERE u.id = k.unit_id AND k.changed
            """
        )
    ).rowcount
    return inserted, updated, known - updated


def _observe_changes(conn: sa.Connection, as_of: dt.date) -> tuple[int, int]:
    """Record what the register says of changed units. Returns the observations recorded and
    how many of them correct a unit's history: they hold from before the unit's previous
    register date.

    A change of status, category, 整改期限 or 实际退出日期 is an observation; a change of other
    fields (energy, place…) is not, but its unit's timeline is rewritten all the same, since
    every event carries a copy of them.
    """
    differs = " OR ".join(f"s.{f} IS DISTINCT FROM k.old_{f}" for f in HISTORY_FIELDS)
    observed, corrected = conn.execute(
        sa.text(
            f"""
            WITH observed AS (
                INSERT INTO unit_observation ({OBSERVATION_COLUMNS})
                SELECT k.unit_id, s.load_id, :as_of,
                       {valid_from_sql("s", ":as_of", same_exit_sql("s", "k"))},
                       s.status, s.category, s.rectify_deadline, s.actual_exit_date
                FROM known k JOIN stage s ON s.row_no = k.row_no
                WHERE k.changed AND ({differs})
                RETURNING unit_id, valid_from
            )
            SELECT count(*),
                   count(*) FILTER (WHERE o.valid_from < (
                       SELECT max(p.observed_on) FROM unit_observation p
                       WHERE p.unit_id = o.unit_id))
            FROM observed o
            """
        ),
        {"as_of": as_of},
    ).one()
    return observed, corrected


def _prefectures_of(accepted: pl.DataFrame) -> list[int]:
    return sorted(accepted["prefecture_adcode"].drop_nulls().unique().to_list())


QUARANTINE_BATCH = 5_000
QUARANTINE_COPY = (
    "COPY quarantine_row (load_id, file_name, sheet, row_number, raw, reasons) "
    "FROM STDIN (FORMAT csv)"
)


def _quarantine(conn: sa.Connection, prepared: Prepared, load_ids: dict[str, int]) -> int:
    """Keep every rejected row whole (its cells as JSON) with its reasons: one COPY, since a
    file the limits admit can be 110,000 rejected rows (an INSERT per row took 22 s), fed in
    slices (the whole as text would be some 350 MB)."""
    rejected = prepared.rejected
    rows = (
        batch.select(
            _load_id(load_ids),
            "file",
            "sheet",
            "row",
            pl.col("raw").struct.json_encode(),
            pl.col("messages").list.join("；"),
        )
        for batch in rejected.iter_slices(QUARANTINE_BATCH)
    )
    _copy_in(conn, QUARANTINE_COPY, rows)
    return rejected.height


def _finish_load_records(conn: sa.Connection, prepared: Prepared, load_ids: dict[str, int]):
    per_file = prepared.rows.group_by("file").agg(
        (pl.col("outcome") == "ok").sum().alias("ok"),
        (pl.col("outcome") == "warning").sum().alias("warning"),
        (pl.col("outcome") == REJECTED).sum().alias("rejected"),
    )
    conn.execute(
        sa.text(
            "UPDATE load_record SET rows_ok = :ok, rows_warning = :warning, "
            "rows_rejected = :rejected WHERE id = :id"
        ),
        [{**r, "id": load_ids[r["file"]]} for r in per_file.iter_rows(named=True)],
    )
    conn.execute(
        sa.text(
            """
            UPDATE load_record r SET units_inserted = c.inserted, units_updated = c.updated,
                   units_unchanged = c.unchanged
            FROM (SELECT s.load_id, count(*) FILTER (WHERE k.row_no IS NULL) AS inserted,
                         count(*) FILTER (WHERE k.changed) AS updated,
                         count(*) FILTER (WHERE NOT k.changed) AS unchanged
                  FROM stage s LEFT JOIN known k ON k.row_no = s.row_no
                  GROUP BY s.load_id) c
            WHERE r.id = c.load_id
            """
        )
    )


def _missing_units(
    conn: sa.Connection, prepared: Prepared, source: str, load_ids: dict[str, int]
) -> list[MissingUnit]:
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
              AND u.first_load_id <> ALL(:load_ids)  -- units this load created are listed
              AND NOT EXISTS (SELECT 1 FROM known k WHERE k.unit_id = u.id)
            ORDER BY u.prefecture_adcode, u.unit_key
            """
        ),
        {"source": source, "prefectures": prefectures, "load_ids": list(load_ids.values())},
    ).all()
    return [MissingUnit(*r) for r in found if r[0] not in listed]
