"""Annual targets (目标任务) against what was done: per line, the units exited and the energy they
released from 1 January to the line's due date (or the view's date, if earlier), and the named
units exited by then; per prefecture, the year's completion and the years it missed.

A line's completion is its least-done part (units, tce, named units; each capped at 100 %): a
line asking for 3 units and 5,000 tce is done when both are. A prefecture's completion for a year
is the mean of its lines'. A line is missed when its due date has passed and it was not done by
then; the 区域限批 target trigger (freeze.toml [target_trigger], off by default) reads those.

One query (the register's events as of the date, as known on a date if given), scoped in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from exitmap.db import connected
from exitmap.policy.rules import TargetTrigger
from exitmap.scope import EVERYTHING, Scope, scope_sql
from layers.units import as_known

_IN_FORCE = "t.replaced_at IS NULL"
_IN_FORCE_KNOWN = "t.recorded_at < :known AND (t.replaced_at IS NULL OR t.replaced_at >= :known)"

# ``e.superseded_at IS NULL`` is layers.units.CURRENT_ROWS: ``as_known`` rewrites it.
LINES_SQL = f"""
WITH t AS (
    SELECT t.id, t.prefecture_adcode, t.year, t.category, t.sub_industry, t.units, t.tce,
           t.due, t.document_no, t.drafted_by, t.approved_by, t.recorded_at
    FROM annual_target t
    WHERE t.year BETWEEN :first_year AND :last_year AND {{in_force}}
      AND {scope_sql("t.prefecture_adcode")}
),
done AS (
    SELECT e.unit_id, e.u_prefecture_adcode AS prefecture_adcode, e.e_category AS category,
           e.u_sub_industry AS sub_industry, e.e_exit_date AS exit_date,
           COALESCE(e.u_energy_tce, 0) AS energy_tce
    FROM unit_event e
    WHERE e.superseded_at IS NULL
      AND e.event_date <= :on AND (e.valid_to IS NULL OR e.valid_to > :on)
      AND e.e_is_exit AND e.e_exit_date <= :on AND e.e_category IS NOT NULL
      AND e.u_prefecture_adcode IN (SELECT prefecture_adcode FROM t)
)
SELECT t.id, t.prefecture_adcode, p.name, t.year, t.category, t.sub_industry, t.units, t.tce,
       t.due, t.document_no, t.drafted_by, t.approved_by, t.recorded_at,
       count(d.unit_id)::int AS units_done,
       COALESCE(sum(d.energy_tce), 0)::float8 AS tce_done,
       (SELECT count(*) FROM annual_target_unit n WHERE n.target_id = t.id)::int AS named,
       (SELECT count(*) FROM annual_target_unit n JOIN done d2 ON d2.unit_id = n.unit_id
         WHERE n.target_id = t.id AND d2.exit_date <= t.due)::int AS named_done
FROM t JOIN prefecture p ON p.adcode = t.prefecture_adcode
LEFT JOIN done d ON d.prefecture_adcode = t.prefecture_adcode
     AND (t.category IS NULL OR d.category = t.category)
     AND (t.sub_industry IS NULL OR d.sub_industry = t.sub_industry)
     AND d.exit_date >= make_date(t.year, 1, 1) AND d.exit_date <= t.due
GROUP BY t.id, t.prefecture_adcode, p.name, t.year, t.category, t.sub_industry, t.units, t.tce,
         t.due, t.document_no, t.drafted_by, t.approved_by, t.recorded_at
ORDER BY t.prefecture_adcode, t.year, t.category NULLS FIRST, t.sub_industry NULLS FIRST, t.id
"""

ANY_SQL = f"""
SELECT EXISTS (SELECT 1 FROM annual_target t WHERE t.year BETWEEN :first_year AND :last_year
               AND {scope_sql("t.prefecture_adcode")} AND {{in_force}})
"""


def lines(
    bind: sa.Engine | sa.Connection,
    on: dt.date,
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Every target line of ``years`` (first, last; default: ``on``'s year) the scope sees, in
    force on ``known_on`` (None: now), with what was done by the due date or ``on``:
    ``units_done``, ``tce_done``, ``named_done`` of ``named``, ``pct`` and ``missed``."""
    first, last = years or (on.year, on.year)
    sql, known = as_known(LINES_SQL, known_on)
    in_force = _IN_FORCE_KNOWN if known_on else _IN_FORCE
    params = {"on": on, "first_year": first, "last_year": last} | scope.params() | known
    with connected(bind) as conn:
        present = conn.execute(sa.text(ANY_SQL.format(in_force=in_force)), params).scalar()
        frame = pd.read_sql_query(
            sa.text(sql.format(in_force=in_force)) if present else sa.text(_EMPTY),
            conn,
            params=params,
        )
    frame["units"] = frame["units"].astype("Int64")  # a count, blank where not asked
    frame["pct"] = [_line_pct(r) for r in frame.itertuples()] if len(frame) else []
    frame["missed"] = (frame["due"] < on) & (frame["pct"] < 100) if len(frame) else []
    return frame


_EMPTY = (
    "SELECT NULL::int AS id, NULL::int AS prefecture_adcode, NULL::text AS name, NULL::int AS year,"
    " NULL::text AS category, NULL::text AS sub_industry, NULL::int AS units, NULL::float8 AS tce,"
    " NULL::date AS due, NULL::text AS document_no, NULL::text AS drafted_by,"
    " NULL::text AS approved_by, NULL::timestamptz AS recorded_at, 0 AS units_done,"
    " 0.0::float8 AS tce_done, 0 AS named, 0 AS named_done WHERE false"
)


def _line_pct(r) -> float:
    parts = []
    if not pd.isna(r.units):
        parts.append(r.units_done / r.units)
    if not pd.isna(r.tce):
        parts.append(r.tce_done / r.tce)
    if r.named:
        parts.append(r.named_done / r.named)
    return round(100.0 * min(min(parts), 1.0), 1) if parts else 100.0


@dataclass(frozen=True)
class TargetStanding:
    """A prefecture's targets on a date: the date's year's completion (None: no target set)
    and the years whose targets it missed that the trigger counts (year → completion %)."""

    completion_pct: float | None = None
    missed: dict[int, float] = field(default_factory=dict)


def years_read(on: dt.date, rule: TargetTrigger) -> tuple[int, int]:
    """The years whose lines matter on ``on``: its own and those the trigger still counts."""
    return ((on - dt.timedelta(days=rule.counts_for_days)).year, on.year)


def by_prefecture(
    frame: pd.DataFrame, on: dt.date, rule: TargetTrigger
) -> dict[int, TargetStanding]:
    """``lines``' rows folded per prefecture (see TargetStanding)."""
    out: dict[int, TargetStanding] = {}
    if frame.empty:
        return out
    window = dt.timedelta(days=rule.counts_for_days)
    for adcode, rows in frame.groupby("prefecture_adcode"):
        year_pct = rows.groupby("year")["pct"].mean().round(1).to_dict()
        counted = rows[rows["missed"] & (rows["due"].map(lambda d: on - d <= window))]
        out[int(adcode)] = TargetStanding(
            completion_pct=year_pct.get(on.year),
            missed={int(y): float(year_pct[y]) for y in sorted(set(counted["year"]))},
        )
    return out


def standing_on(
    bind: sa.Engine | sa.Connection,
    on: dt.date,
    rule: TargetTrigger,
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
) -> dict[int, TargetStanding]:
    """Each prefecture's TargetStanding on ``on`` (those with targets, in the scope)."""
    frame = lines(bind, on, scope, known_on, years_read(on, rule))
    return by_prefecture(frame, on, rule)
