"""Reports as a caller may see them: lists, one report with its history, counts, the state.

Every read filters by the caller's scope in SQL (``scope_sql`` for the prefecture; a
department's own reports from assignment on), and the database's policies (migration 0007)
filter again. The reporter's contact is read by ``contact`` alone — never joined into a list,
a count or a history — and the database shows it to the office's sessions only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.policy.reports import reports_policy
from exitmap.scope import Scope
from layers.report_counts import report_scope_params, report_scope_sql
from reports.routing import late
from reports.states import LABELS, OPEN311_STATUS

# What a list shows: Open311's names, the place, the deadlines. No contact, no notes.
COLUMNS = (
    "service_request_id",
    "service_code",
    "description",
    "lat",
    "long",
    "address_string",
    "prefecture_adcode",
    "county_adcode",
    "firm_named",
    "unit_key",
    "channel",
    "status",
    "screening",
    "resolution",
    "agency_responsible",
    "requested_datetime",
    "updated_datetime",
    "acknowledge_datetime",
    "expected_datetime",
    "acknowledged_datetime",
    "closed_datetime",
)


def _where(scope: Scope) -> tuple[str, dict]:
    return report_scope_sql("r"), report_scope_params(scope)


def finished(status: str, screening: str | None) -> bool:
    """Closed, or screened out (a duplicate, out of scope): no deadline runs any more."""
    return status == "closed" or (status == "screened" and screening not in (None, "valid"))


def mark(frame: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Add ``open``, ``acknowledge_overdue`` and ``overdue`` for ``today``."""
    done = [finished(s, sc) for s, sc in zip(frame["status"], frame["screening"], strict=True)]
    frame["open"] = [not d for d in done]
    frame["acknowledge_overdue"] = [
        s == "received" and late(due, today)
        for s, due in zip(frame["status"], frame["acknowledge_datetime"], strict=True)
    ]
    frame["overdue"] = [
        (not d) and late(due, today)
        for d, due in zip(done, frame["expected_datetime"], strict=True)
    ]
    # Booleans even when empty (an empty object column would select columns, not rows).
    return frame.astype({"open": bool, "acknowledge_overdue": bool, "overdue": bool})


def reports(
    engine: sa.Engine,
    scope: Scope,
    today: dt.date,
    *,
    status: str | None = None,
    prefecture: int | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The reports the scope sees, newest first, with their overdue marks."""
    where, params = _where(scope)
    if status:
        where += " AND r.status = :status"
        params["status"] = status
    if prefecture is not None:
        where += " AND r.prefecture_adcode = :prefecture"
        params["prefecture"] = prefecture
    sql = (
        f"SELECT {', '.join('r.' + c for c in COLUMNS)} FROM report r WHERE {where}"
        " ORDER BY r.requested_datetime DESC, r.id DESC LIMIT :limit"
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params | {"limit": limit}).mappings().all()
    frame = pd.DataFrame.from_records([dict(r) for r in rows], columns=list(COLUMNS))
    kinds = reports_policy().kinds
    frame["service_name"] = [kinds[c].name if c in kinds else c for c in frame["service_code"]]
    return mark(frame, today)


def report(engine: sa.Engine, scope: Scope, reference: str, today: dt.date) -> dict | None:
    """One report as the scope sees it, with its history (``events``); None when not seen."""
    where, params = _where(scope)
    sql = f"SELECT {', '.join('r.' + c for c in COLUMNS)}, r.id FROM report r WHERE {where}"
    sql += " AND r.service_request_id = :reference"
    with engine.connect() as conn:
        row = conn.execute(sa.text(sql), params | {"reference": reference}).mappings().first()
        if row is None:
            return None
        events = conn.execute(
            sa.text(
                "SELECT at, actor, actor_role, step, from_status, to_status, outcome,"
                " department, notes FROM report_event WHERE report_id = :id ORDER BY at, id"
            ),
            {"id": row["id"]},
        ).mappings()
        events = [dict(e) for e in events]
        photos = conn.execute(
            sa.text("SELECT id FROM report_photo WHERE report_id = :id ORDER BY id"),
            {"id": row["id"]},
        ).scalars()
        photos = list(photos)
    found = {c: row[c] for c in COLUMNS}
    marks = mark(pd.DataFrame([found]), today).iloc[0]
    found |= {k: bool(marks[k]) for k in ("open", "acknowledge_overdue", "overdue")}
    found["events"] = events
    found["photos"] = photos
    return found


def contact(engine: sa.Engine, reference: str) -> dict | None:
    """The reporter of a report: only the office's session gets anything (the database's
    policy), None otherwise or when none was given."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    "SELECT c.name, c.phone, c.email FROM report_contact c"
                    " JOIN report r ON r.id = c.report_id WHERE r.service_request_id = :reference"
                ),
                {"reference": reference},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def state(engine: sa.Engine, reference: str) -> dict | None:
    """What the reporter may know by the reference: the kind and the state, nothing more."""
    with engine.connect() as conn:
        row = (
            conn.execute(sa.text("SELECT * FROM exitmap_report_state(:r)"), {"r": reference[:40]})
            .mappings()
            .first()
        )
    if row is None:
        return None
    found = dict(row)
    found["label"] = LABELS[found["status"]]
    outcome = found["resolution"] or (found["screening"] if found["screening"] != "valid" else None)
    found["outcome_label"] = LABELS[outcome] if outcome else ""
    found["open311_status"] = OPEN311_STATUS[found["status"]]
    return found


def counts(engine: sa.Engine, scope: Scope, today: dt.date) -> pd.DataFrame:
    """Reports by prefecture, kind and state, with how many are open and overdue (a leader's
    view: numbers only)."""
    frame = reports(engine, scope, today, limit=1_000_000)
    keys = ["prefecture_adcode", "service_code", "status"]
    if frame.empty:
        return pd.DataFrame(columns=[*keys, "reports", "open", "overdue"])
    return (
        frame.groupby(keys)
        .agg(
            reports=("service_request_id", "size"), open=("open", "sum"), overdue=("overdue", "sum")
        )
        .reset_index()
    )


def photo(engine: sa.Engine, reference: str, photo_id: int) -> tuple[str, bytes] | None:
    """(media type, bytes) of a report's photo, as the session may see it."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT p.media_type, p.content FROM report_photo p JOIN report r"
                " ON r.id = p.report_id WHERE r.service_request_id = :r AND p.id = :p"
            ),
            {"r": reference, "p": photo_id},
        ).first()
    return (row[0], bytes(row[1])) if row else None
