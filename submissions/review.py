"""The province's side: what a submitted register changes, and accepting it.

The pages and the API ask for an acceptance (``request_accept``: checked at once, then queued
in the job table); the worker does it (``run_accept``) — a 20,000-row load takes about a
minute, which no web worker should spend. The command line accepts in its own process.

Accepting loads the register through etl's loader — the same checks and history as ``exitmap
load`` — dated by its 数据日期, recorded at the moment of acceptance, in one transaction with
the submission's new state, its transition row, its audit row and the load record naming the
submission and who accepted it. Anything refused leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from access import audit
from etl.load import LoadError, LoadSummary, load
from etl.sheet_rows import write_rows
from etl.sheets import OPTIONAL_SHEETS
from exitmap.scope import Scope
from submissions import jobs, store
from submissions.states import TransitionRefused, transition
from submissions.validate import validate


def accept(
    engine: sa.Engine,
    scope: Scope,
    submission_id: int,
    comment: str = "",
    on_step: Callable[[str], None] = lambda _: None,
    then: Callable[[sa.Connection, LoadSummary], None] | None = None,
) -> LoadSummary:
    """Load the submitted register and mark it accepted. ``engine``: the owner's (the loader
    writes the register's tables, which the app's role may only read). ``then``: more to do
    in the load's transaction (the job marked done)."""
    current = store.get(engine, scope, submission_id)
    try:
        transition(current.state, "accept", scope.role, comment)
    except TransitionRefused as exc:
        store._refused(engine, scope, current, "accept", exc)
        raise
    name, content = store.file(engine, scope, submission_id)
    # The same checks again, on the bytes kept: what is loaded is what was reviewed.
    prepared = validate(engine, name, content, current.prefecture_adcode, on_step=on_step)
    refused = [r for r in prepared.sheet_rows if r.rejected]
    if refused:  # the database changed since the review: nothing is loaded
        raise LoadError(
            "；".join(f"工作表「{r.sheet}」第 {r.row} 行：{'；'.join(r.messages)}" for r in refused)
            + "。未写入任何数据。"
        )

    def mark_accepted(conn: sa.Connection, summary: LoadSummary) -> None:
        locked = store.lock(conn, scope, submission_id)
        if locked.state != current.state:  # another reviewer acted meanwhile
            raise TransitionRefused(f"登记表已被他人处理（当前状态：{locked.state_label}）")
        # After the units (a plan or site may name one the register just brought), by the
        # accepting user; a failure here takes the whole acceptance back.
        written = write_rows(conn, prepared.sheet_rows, scope.user)
        for spec in OPTIONAL_SHEETS:
            if written[spec.kind]:
                audit.record(
                    conn,
                    scope,
                    "load",
                    f"submission/{submission_id}/{spec.name}",
                    {"sheet": spec.name, "kind": spec.kind},
                    row_count=written[spec.kind],
                )
        summary.sheets_written = written
        accepted_at = summary.recorded_at or conn.execute(sa.text("SELECT now()")).scalar_one()
        conn.execute(
            sa.text(
                "UPDATE load_record SET submission_id = :sid, accepted_by = :who "
                "WHERE id = ANY(:ids)"
            ),
            {"sid": submission_id, "who": scope.user, "ids": summary.load_ids},
        )
        conn.execute(
            sa.text(
                "UPDATE submission SET load_id = :load_id, accepted_by = :who, "
                "accepted_at = :at WHERE id = :sid"
            ),
            {
                "sid": submission_id,
                "who": scope.user,
                "at": accepted_at,
                "load_id": summary.load_ids[0] if summary.load_ids else None,
            },
        )
        # The state last: once accepted, the row is locked (migration 0006's trigger).
        store.record_transition(
            conn,
            scope,
            locked,
            "accept",
            comment,
            {
                "load_ids": summary.load_ids,
                "inserted": summary.inserted,
                "updated": summary.updated,
                "plans": written["plan"],
                "sites": written["site"],
            },
        )
        if then is not None:
            then(conn, summary)

    return load(engine, prepared, current.as_of, then=mark_accepted, on_step=on_step)


ACCEPT = "accept"
# Share of the bar each step reaches (the pipeline and the loader name their steps).
ACCEPT_PROGRESS = (
    ("读取", 0.1, "读取文件"),
    ("检查并定位", 0.3, "再次检查各行"),
    ("写入数据库", 0.6, "写入登记库"),
)


def request_accept(engine: sa.Engine, scope: Scope, submission_id: int, comment: str = ""):
    """Queue the acceptance of a submitted register for the worker; return its job. Refused
    at once (and audited) when the caller may not accept it or it is not submitted; asked
    again while one is queued or running, the same job."""
    with engine.begin() as conn:
        current = store.lock(conn, scope, submission_id)
        try:
            transition(current.state, ACCEPT, scope.role, comment)
        except TransitionRefused as exc:
            store._refused(engine, scope, current, ACCEPT, exc)
            raise
        # At most one acceptance waits at a time (migration 0009's index): the latest.
        waiting = jobs.latest(conn, submission_id, ACCEPT)
        if waiting is not None and waiting.active:
            return waiting
        params = {"by": scope.user, "role": scope.role, "comment": comment}
        return jobs.get(conn, jobs.enqueue(conn, ACCEPT, submission_id, params))


def run_accept(engine: sa.Engine, job: jobs.Job, beat=None) -> None:
    """The worker's side: accept as the user who asked (their role: the office's scope sees
    every prefecture). The job is done in the load's transaction; refused, it fails with
    the message and the submission stays as it was."""
    beat = beat or (lambda progress, step: jobs.beat(engine, job.id, progress, step))
    asked = job.params
    scope = Scope(asked["role"], asked["by"])

    def on_step(text: str) -> None:
        for start, progress, label in ACCEPT_PROGRESS:
            if text.startswith(start):
                beat(progress, label)

    def done(conn: sa.Connection, summary: LoadSummary) -> None:
        result = {"inserted": summary.inserted, "updated": summary.updated}
        result |= {"plans": summary.sheets_written["plan"], "sites": summary.sheets_written["site"]}
        jobs.finish(conn, job.id, result)

    accept(engine, scope, job.submission_id, asked.get("comment", ""), on_step, done)


# ------------------------------------------------------------------------------ difference

CHANGED_FIELDS = (
    ("status", "当前状态"),
    ("category", "退出类别"),
    ("identified_date", "问题认定日期"),
    ("rectify_deadline", "整改期限"),
    ("planned_exit_date", "计划退出日期"),
    ("actual_exit_date", "实际退出日期"),
)
# Coordinates closer than this (degrees, about 10 m) are the same place.
MOVED_DEGREES = 0.0001

_NEW_ROWS = """
    SELECT n.unit_key, n.enterprise_name, n.equipment_name, n.status, n.category,
           n.identified_date, n.rectify_deadline, n.planned_exit_date, n.actual_exit_date,
           n.lon_wgs84, n.lat_wgs84
    FROM submission s,
         jsonb_to_recordset(s.units) AS n(unit_key text, enterprise_name text,
             equipment_name text, status text, category text, identified_date date,
             rectify_deadline date, planned_exit_date date, actual_exit_date date,
             lon_wgs84 float8, lat_wgs84 float8)
    WHERE s.id = :id
"""


def difference(engine: sa.Engine, scope: Scope, submission_id: int) -> dict:
    """What accepting would change in the register of the submission's prefecture: units new
    to it, units whose status, dates, category or place change (old → new), and units of the
    register that the new one no longer lists. Each with its point for the map."""
    current = store.get(engine, scope, submission_id)
    params = {"id": submission_id, "p": current.prefecture_adcode}
    old_fields = ", ".join(f"u.{f} AS old_{f}" for f, _ in CHANGED_FIELDS)
    new_fields = ", ".join(f"n.{f} AS new_{f}" for f, _ in CHANGED_FIELDS)
    with engine.connect() as conn:
        added = conn.execute(
            sa.text(
                f"WITH n AS ({_NEW_ROWS}) SELECT n.* FROM n WHERE NOT EXISTS "
                "(SELECT 1 FROM unit u WHERE u.unit_key = n.unit_key) ORDER BY n.unit_key"
            ),
            params,
        ).mappings()
        added = [dict(r) for r in added]
        pairs = conn.execute(
            sa.text(
                f"""
                WITH n AS ({_NEW_ROWS})
                SELECT n.unit_key, n.enterprise_name, n.equipment_name, {old_fields},
                       {new_fields}, ST_X(u.geom) AS old_lon, ST_Y(u.geom) AS old_lat,
                       n.lon_wgs84 AS new_lon, n.lat_wgs84 AS new_lat
                FROM n JOIN unit u ON u.unit_key = n.unit_key
                ORDER BY n.unit_key
                """
            ),
            params,
        ).mappings()
        changed = [c for c in (_changes(dict(r)) for r in pairs) if c["changes"]]
        missing = conn.execute(
            sa.text(
                f"""
                WITH n AS ({_NEW_ROWS})
                SELECT u.unit_key, e.name AS enterprise_name, u.equipment_name, u.status,
                       u.category, ST_X(u.geom) AS lon_wgs84, ST_Y(u.geom) AS lat_wgs84
                FROM unit u JOIN enterprise e ON e.id = u.enterprise_id
                WHERE u.prefecture_adcode = :p AND u.source = 'register'
                  AND NOT EXISTS (SELECT 1 FROM n WHERE n.unit_key = u.unit_key)
                ORDER BY u.unit_key
                """
            ),
            params,
        ).mappings()
        missing = [dict(r) for r in missing]
    return {"added": added, "changed": changed, "missing": missing}


def _changes(row: dict) -> dict:
    changes = []
    for field, label in CHANGED_FIELDS:
        old, new = row[f"old_{field}"], row[f"new_{field}"]
        if old != new:
            changes.append({"field": field, "label": label, "old": _text(old), "new": _text(new)})
    if _moved(row):
        changes.append(
            {
                "field": "coordinates",
                "label": "坐标",
                "old": _point(row["old_lon"], row["old_lat"]),
                "new": _point(row["new_lon"], row["new_lat"]),
            }
        )
    return {
        "unit_key": row["unit_key"],
        "enterprise_name": row["enterprise_name"],
        "equipment_name": row["equipment_name"],
        "lon_wgs84": row["new_lon"],
        "lat_wgs84": row["new_lat"],
        "changes": changes,
    }


def _moved(row: dict) -> bool:
    old, new = (row["old_lon"], row["old_lat"]), (row["new_lon"], row["new_lat"])
    if None in old or None in new:
        return old != new
    return max(abs(old[0] - new[0]), abs(old[1] - new[1])) > MOVED_DEGREES


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _point(lon, lat) -> str:
    return "" if lon is None or lat is None else f"{lon:.5f}, {lat:.5f}"
