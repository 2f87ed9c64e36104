"""Reports from the public (举报) counted by place, kind and state as of a date — what the
ranking's 逾期举报 and the map's layer of reports by county draw. Counts only: no description,
no place finer than the county, never the reporter (``report_contact`` is never read here).

A report's state on a date D is the last step recorded by the end of D (``report_event``), so
that a past view shows the reports as they stood then: open until closed or screened out, and
overdue from the day after its ``expected_datetime`` (the province's day) while still open.
Viewed as known on an earlier day K, what was recorded by the end of K.

Who counts what (in SQL, and again by the database's policies of migration 0007): the office
and leaders every report; a prefecture those in its territory; a department those of its own
kinds once handed to it (``report_scope_sql``). The published ranking (EXITMAP_PUBLISH_RANKING)
carries every prefecture's overdue count through ``exitmap_published_reports_overdue``, a
function with its owner's rights that returns one number per prefecture and nothing else.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from exitmap.clock import ZONE, end_of
from exitmap.scope import Scope, scope_sql

# A department sees the reports handed to it: from assignment on (the office screens first).
HANDED_ON = ("assigned", "investigating", "closed")


def report_scope_sql(alias: str = "r") -> str:
    """A condition on report ``alias`` for the caller: ``scope_sql`` on its prefecture, and for
    a department its own agencies' reports once handed on (``:departments`` NULL otherwise).
    The text never changes with the caller."""
    return (
        f"{scope_sql(f'{alias}.prefecture_adcode')} AND (CAST(:departments AS text[]) IS NULL"
        f" OR ({alias}.agency_responsible = ANY(:departments)"
        f" AND {alias}.status = ANY(CAST(:handed_on AS text[]))))"
    )


def report_scope_params(scope: Scope) -> dict[str, object]:
    """The bound parameters of ``report_scope_sql`` for ``scope``."""
    department = scope.role == "department"
    return scope.params() | {
        "departments": sorted(scope.departments) if department else None,
        "handed_on": list(HANDED_ON),
    }


# Each report's last step recorded by the cut, in one pass over the steps (a lookup per
# report cost ~45× a plain GROUP BY over 50,000 reports: benchmarks/bench_report_counts.py).
_COUNTS_TEMPLATE = """
WITH last AS (
    SELECT DISTINCT ON (e.report_id) e.report_id, e.to_status AS status
    FROM report_event e WHERE e.at < {cut}
    ORDER BY e.report_id, e.at DESC, e.id DESC
), seen AS (
    SELECT r.prefecture_adcode, r.county_adcode, r.service_code, r.screening,
           (r.expected_datetime AT TIME ZONE '{zone}')::date < {on} AS past_due, last.status
    FROM report r JOIN last ON last.report_id = r.id
    WHERE r.requested_datetime < {cut} AND {where}
), marked AS (
    SELECT *, NOT (status = 'closed'
                   OR (status = 'screened' AND screening IN ('duplicate', 'out_of_scope')))
              AS open
    FROM seen
)
SELECT prefecture_adcode, county_adcode, service_code, status,
       count(*) AS reports,
       count(*) FILTER (WHERE open) AS open,
       count(*) FILTER (WHERE open AND past_due) AS overdue
FROM marked
GROUP BY 1, 2, 3, 4
"""
COUNTS_SQL = _COUNTS_TEMPLATE.format(
    zone=ZONE.key, on=":on", cut=":cut", where=report_scope_sql("r")
)

COUNTS_SCHEMA = {
    "prefecture_adcode": pl.Int64,
    "county_adcode": pl.Int64,
    "service_code": pl.String,
    "status": pl.String,
    "reports": pl.Int64,
    "open": pl.Int64,
    "overdue": pl.Int64,
}

PUBLISHED_FUNCTION = "exitmap_published_reports_overdue"


def cut_of(on: dt.date, known_on: dt.date | None = None) -> dt.datetime:
    """The instant up to which steps count: the end of ``on``, or of ``known_on`` if earlier."""
    return end_of(on if known_on is None else min(on, known_on))


def report_counts(
    conn: sa.Connection, on: dt.date, scope: Scope, known_on: dt.date | None = None
) -> pl.DataFrame:
    """Reports the scope sees by prefecture × county × kind × state on ``on`` (COUNTS_SCHEMA),
    with how many are open and overdue."""
    params = {"on": on, "cut": cut_of(on, known_on)} | report_scope_params(scope)
    rows = conn.execute(sa.text(COUNTS_SQL), params).all()
    return pl.DataFrame(rows, schema=COUNTS_SCHEMA, orient="row")


def overdue_by_prefecture(counts: pl.DataFrame) -> dict[int, int]:
    """adcode → overdue reports, from ``report_counts``."""
    summed = counts.group_by("prefecture_adcode").agg(pl.col("overdue").sum())
    return {int(a): int(n) for a, n in summed.iter_rows()}


def published_function_sql(app_role: str) -> str:
    """CREATE OR REPLACE the published overdue count (every prefecture's, whoever asks),
    executable by ``app_role`` only: COUNTS_SQL itself, over every report."""
    body = _COUNTS_TEMPLATE.format(zone=ZONE.key, on="p_on", cut="p_cut", where="true")
    role = '"' + app_role.replace('"', '""') + '"'
    signature = f"{PUBLISHED_FUNCTION}(date, timestamptz)"
    return f"""
CREATE OR REPLACE FUNCTION {PUBLISHED_FUNCTION}(p_on date, p_cut timestamptz)
RETURNS TABLE (o_prefecture_adcode integer, o_reports_overdue bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $published$
SELECT prefecture_adcode, sum(overdue)::bigint FROM ({body}) counted GROUP BY 1
$published$;
REVOKE ALL ON FUNCTION {signature} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {signature} TO {role};
"""


def published_overdue(
    conn: sa.Connection, on: dt.date, known_on: dt.date | None = None
) -> dict[int, int]:
    """adcode → overdue reports of every prefecture, as the province publishes its ranking."""
    rows = conn.execute(
        sa.text(f"SELECT * FROM {PUBLISHED_FUNCTION}(:on, :cut)"),
        {"on": on, "cut": cut_of(on, known_on)},
    ).all()
    return {int(a): int(n) for a, n in rows}


# ------------------------------------------------------------------------------ the map layer

# Where a county's reports are drawn: a point inside the county (a report placed in no county
# is drawn at a point inside its prefecture). Boundaries only: the same for every caller.
PLACES_SQL = """
SELECT adcode, name, prefecture_adcode,
       ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
FROM county
UNION ALL
SELECT adcode, name, adcode,
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM prefecture
"""


def places(conn: sa.Connection) -> dict[int, dict]:
    """adcode → name, prefecture and a point inside it, of every county and prefecture."""
    return {int(r["adcode"]): dict(r) for r in conn.execute(sa.text(PLACES_SQL)).mappings().all()}


def county_features(
    counts: pl.DataFrame, where: dict[int, dict], kinds: list[str], states: list[str]
) -> dict:
    """GeoJSON points, one per county with reports in ``counts`` (``report_counts``): its
    adcode ``a``, name ``n``, reports ``t``, open ``o``, overdue ``d``, and ``r``: per kind of
    ``kinds`` with any, [kind, [reports in each of ``states``], open, overdue]."""
    column = {state: i for i, state in enumerate(states)}
    # place → kind → [reports per state, open, overdue]: one pass over the (few thousand) rows.
    tally: dict[int, dict[str, list]] = {}
    for row in counts.iter_rows(named=True):
        place = row["county_adcode"] or row["prefecture_adcode"]
        by_kind = tally.setdefault(place, {})
        kind = by_kind.setdefault(row["service_code"], [[0] * len(states), 0, 0])
        if row["status"] in column:
            kind[0][column[row["status"]]] += row["reports"]
        kind[1] += row["open"]
        kind[2] += row["overdue"]
    features = []
    for place in sorted(tally):
        at, found = where[place], tally[place]
        rows = [[k, *found[k]] for k in kinds if k in found]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(at["lon"], 5), round(at["lat"], 5)],
                },
                "properties": {
                    "a": place,
                    "n": at["name"],
                    "t": sum(sum(r[1]) for r in rows),
                    "o": sum(r[2] for r in rows),
                    "d": sum(r[3] for r in rows),
                    "r": rows,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
