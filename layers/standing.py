"""The standing of each prefecture as of a date — computed here, once, for every reader.

Two reads, one fold:

- ``SUMMARY_SQL`` (on the as-of state of layers/units.py) sums the in-scope units by
  prefecture × sector × sub-industry × category × status — the filter dimensions; a few hundred
  rows whatever the number of units.
- ``prefecture_wide``: what no filter narrows — the name, the quota released and allocated, the
  freeze decision in force, and what the 区域限批 rule says of the prefecture's overdue units per
  category (``Policy.freeze_verdict``, the call layers/freeze.py makes too).
- ``aggregate`` filters the summary and folds it with those facts into the standing table: one
  row per prefecture and the province total (adcode 530000), rounded so that a total is the sum
  of what is shown.

``standing`` (the CLI, the exports) reads both and aggregates. ``StandingCache`` (the dashboard;
``layers.map.MapData`` adds the unit frames) keeps both per date, access scope and data version,
and aggregates on every filter change without waiting for the database.

Filters (sector, sub-industry, category, status, prefecture) narrow the unit counts, energy,
限制类 lateness and surcharge. The freeze trigger and the quota stay prefecture-wide: they are
facts about the prefecture, not about the slice being looked at. ``scope`` is the caller's
access scope (exitmap/scope.py): it restricts every read in SQL and is part of every cache key.

Every read is "as of D with everything known now" unless ``known_on`` K is given: then it is
what was known on K (history, allocations and decisions recorded by K's end), part of the keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import polars as pl
import sqlalchemy as sa

from exitmap.db import connected
from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.policy.texts import joined, say
from exitmap.scope import EVERYTHING, PARAM, Scope, scope_sql
from exitmap.vocabulary import PROVINCE_ADCODE, PROVINCE_NAME
from layers.cache import VersionedCache
from layers.freeze import active, decisions
from layers.meta import prefecture_names
from layers.report_counts import overdue_by_prefecture, published_overdue, report_counts
from layers.report_counts import published_function_sql as reports_function_sql
from layers.targets import TargetStanding, standing_on
from layers.units import (
    HOLD_CURRENT,
    STATE_BASE_CTES,
    apply_filters,
    as_known,
    known_text,
    policy_params,
    recorded_by,
)

# What ``standing`` returns (the CLI's columns, in order).
COLUMNS = [
    "adcode",
    "name",
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "completion_units_pct",
    "completion_energy_pct",
    "freeze_triggered",
    "freeze_reasons",
    "xianzhi_overdue",
    "quota_released_tce",
    "quota_allocated_tce",
    "quota_balance_tce",
    "surcharge_estimate_yuan",
    "target_completion_pct",
]

# What ``aggregate`` returns: COLUMNS and two the dashboard draws (a map measure, a map mark).
TABLE_SCHEMA = {
    "adcode": pl.Int64,
    "name": pl.String,
    "units_in_scope": pl.Int64,
    "units_resolved": pl.Int64,
    "units_remaining": pl.Int64,
    "units_overdue": pl.Int64,
    "energy_in_scope_tce": pl.Float64,
    "energy_resolved_tce": pl.Float64,
    "energy_remaining_tce": pl.Float64,
    "completion_units_pct": pl.Float64,
    "completion_energy_pct": pl.Float64,
    "freeze_triggered": pl.Boolean,
    "freeze_reasons": pl.String,
    "freeze_decided": pl.Boolean,
    "xianzhi_overdue": pl.Int64,
    "quota_released_tce": pl.Float64,
    "quota_allocated_tce": pl.Float64,
    "quota_balance_tce": pl.Float64,
    "surcharge_estimate_yuan": pl.Float64,
    "target_completion_pct": pl.Float64,
    "reports_overdue": pl.Int64,
}

# Released quota and the overdue counts the freeze rule reads are summed here too: they are
# prefecture-wide (unfiltered) sums of it.
# A unit whose exit a substantiated report disputes (unit_hold, migration 0007) releases no
# quota while its hold runs: the exit still counts as an exit, its quota does not. As known
# on a day: the holds, and their lifting, recorded by then (migration 0010).
# Speed: the state (st, without the surcharge table) is summed first and the surcharge rate,
# a function of two of the group's keys, applied to each group's remaining electricity after;
# the held units (a handful) are one array read once, before the parallel scan. Joining both
# to every unit's state cost a quarter to a third of the query at 100,000 units
# (benchmarks/bench_standing.py).
SUMMARY_SQL = f"""
WITH {STATE_BASE_CTES},
sums AS (
    SELECT st.prefecture_adcode, st.sector, st.sub_industry, st.category, st.status,
           count(*) AS units_in_scope,
           count(*) FILTER (WHERE st.resolved) AS units_resolved,
           count(*) FILTER (WHERE st.remaining) AS units_remaining,
           count(*) FILTER (WHERE st.overdue) AS units_overdue,
           COALESCE(sum(st.energy_tce), 0)::float8 AS energy_in_scope_tce,
           COALESCE(sum(st.energy_tce) FILTER (WHERE st.resolved), 0)::float8
               AS energy_resolved_tce,
           COALESCE(sum(st.energy_tce) FILTER (WHERE st.remaining), 0)::float8
               AS energy_remaining_tce,
           COALESCE(sum(st.energy_tce) FILTER (WHERE st.exited AND NOT st.unit_id = ANY(
               ARRAY(SELECT h.unit_id FROM unit_hold h WHERE {HOLD_CURRENT}))), 0)::float8
               AS quota_released_tce,
           COALESCE(sum(COALESCE(st.electricity_10k_kwh, 0)) FILTER (WHERE st.remaining), 0)
               AS remaining_10k_kwh
    FROM st
    WHERE st.in_scope AND {scope_sql("st.prefecture_adcode")}
    GROUP BY 1, 2, 3, 4, 5
)
SELECT s.prefecture_adcode, s.sector, s.sub_industry, s.category, s.status,
       s.units_in_scope, s.units_resolved, s.units_remaining, s.units_overdue,
       s.energy_in_scope_tce, s.energy_resolved_tce, s.energy_remaining_tce,
       s.quota_released_tce,
       (s.remaining_10k_kwh * 10000 * COALESCE(sc.rate, 0))::float8 AS surcharge_estimate_yuan
FROM sums s LEFT JOIN sc ON sc.sub_industry = s.sub_industry AND sc.category = s.category
"""

_SUMMED = (
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "energy_remaining_tce",
    "quota_released_tce",
    "surcharge_estimate_yuan",
)
SUMMARY_SCHEMA = {
    "prefecture_adcode": pl.Int64,
    "sector": pl.String,
    "sub_industry": pl.String,
    "category": pl.String,
    "status": pl.String,
    **{c: pl.Int64 if c.startswith("units") else pl.Float64 for c in _SUMMED},
}

# The published ranking (EXITMAP_PUBLISH_RANKING): SUMMARY_SQL over every prefecture, as a
# function that runs with its owner's rights — the app's role, held to its own prefecture by
# row-level security, gets the other prefectures' sums and never one of their units. Made from
# SUMMARY_SQL itself (``published_function_sql``) by ``exitmap db migrate``, so the two agree.
# A second function reads the sums as known on a date: what the province could publish then.
PUBLISHED_FUNCTION = "exitmap_published_summary"
PUBLISHED_KNOWN_FUNCTION = "exitmap_published_summary_known"
_PUBLISHED_PARAMS = (
    ("on", "date"),
    ("trigger_categories", "text[]"),
    ("s_sub", "text[]"),
    ("s_category", "text[]"),
    ("s_rate", "float8[]"),
    ("s_id", "text[]"),
)
_KNOWN_PARAMS = (*_PUBLISHED_PARAMS, ("known", "timestamptz"))
_PUBLISHED_TYPES = {pl.Int64: "bigint", pl.Float64: "float8", pl.String: "text"}


def _function_sql(name: str, query: str, parameters: tuple, app_role: str) -> str:
    """CREATE OR REPLACE function ``name`` running ``query`` (its :params become arguments)
    over every prefecture, executable by ``app_role`` only."""
    import re

    body = query.replace(f":{PARAM}", "NULL")
    body = re.sub(r"(?<![:\w]):([a-z_]+)", r"p_\1", body)
    params = ", ".join(f"p_{arg} {kind}" for arg, kind in parameters)
    columns = ", ".join(
        f"o_{col} {'integer' if col == 'prefecture_adcode' else _PUBLISHED_TYPES[kind]}"
        for col, kind in SUMMARY_SCHEMA.items()
    )
    signature = f"{name}({', '.join(k for _, k in parameters)})"
    role = '"' + app_role.replace('"', '""') + '"'
    return f"""
CREATE OR REPLACE FUNCTION {name}({params}) RETURNS TABLE ({columns})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $published$
{body}
$published$;
REVOKE ALL ON FUNCTION {signature} FROM PUBLIC;
GRANT EXECUTE ON FUNCTION {signature} TO {role};
"""


def published_function_sql(app_role: str) -> str:
    """CREATE OR REPLACE the published-summary functions (now, and as known on a date),
    executable by ``app_role`` only."""
    known_sql = known_text(SUMMARY_SQL)
    return (
        _function_sql(PUBLISHED_FUNCTION, SUMMARY_SQL, _PUBLISHED_PARAMS, app_role)
        + _function_sql(PUBLISHED_KNOWN_FUNCTION, known_sql, _KNOWN_PARAMS, app_role)
        + reports_function_sql(app_role)
    )


def _call(name: str, parameters: tuple) -> str:
    return f"SELECT * FROM {name}(" + ", ".join(f":{arg}" for arg, _ in parameters) + ")"


def read_published_summary(
    conn: sa.Connection, on: dt.date, policy: Policy, known_on: dt.date | None = None
) -> pl.DataFrame:
    """SUMMARY_SQL's rows for every prefecture, whoever asks (the published ranking), as
    known on ``known_on`` if given."""
    check_policy_synced(conn, policy)
    params = dict(policy_params(policy, on))
    if known_on is None:
        sql = _call(PUBLISHED_FUNCTION, _PUBLISHED_PARAMS)
    else:
        sql = _call(PUBLISHED_KNOWN_FUNCTION, _KNOWN_PARAMS)
        params |= as_known(SUMMARY_SQL, known_on)[1]
    rows = conn.execute(sa.text(sql), params).all()
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


ALLOCATED_SQL = f"""
SELECT prefecture_adcode, sum(amount_tce)::float8 FROM quota_entry
WHERE kind = 'allocation' AND entry_date <= :on AND {scope_sql("prefecture_adcode")} {{known}}
GROUP BY 1
"""


# ------------------------------------------------------------------------------ the reads


def read_summary(
    conn: sa.Connection,
    on: dt.date,
    policy: Policy,
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
) -> pl.DataFrame:
    """In-scope sums by prefecture × sector × sub-industry × category × status (SUMMARY_SCHEMA)."""
    check_policy_synced(conn, policy)  # the events' evaluation follows the policy
    sql, known = as_known(SUMMARY_SQL, known_on)
    params = policy_params(policy, on) | scope.params() | known
    rows = conn.execute(sa.text(sql), params).all()
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


def prefecture_wide(
    bind: sa.Engine | sa.Connection,
    on: dt.date,
    summary: pl.DataFrame,
    policy: Policy,
    scope: Scope = EVERYTHING,
    xianzhi_triggers: bool = False,
    known_on: dt.date | None = None,
) -> dict[int, dict]:
    """Per prefecture (in scope) and the province: the freeze rule's verdict, the decision in
    force, the quota, the overdue reports from the public the scope sees — the same whatever
    the filters (they narrow units; a report has a kind, not a sector)."""
    entered, known = recorded_by("created_at", known_on)
    with connected(bind) as conn:
        names = prefecture_names(conn, scope)
        params = {"on": on} | scope.params() | known
        allocated = dict(conn.execute(sa.text(ALLOCATED_SQL.format(known=entered)), params).all())
        reports = overdue_by_prefecture(report_counts(conn, on, scope, known_on))
        in_force = active(decisions(conn, scope, known_on), on)
        targets = standing_on(conn, on, policy.freeze.target, scope, known_on)
    documents = dict(zip(in_force["adcode"], in_force["document_no"], strict=True))
    return wide_rows(
        summary, names, allocated, documents, policy, xianzhi_triggers, reports, targets
    )


def wide_rows(
    summary: pl.DataFrame,
    names: dict[int, str],
    allocated: dict[int, float],
    documents: dict[int, str],
    policy: Policy,
    xianzhi_triggers: bool = False,
    reports_overdue: dict[int, int] | None = None,
    targets: dict[int, TargetStanding] | None = None,
) -> dict[int, dict]:
    """``prefecture_wide`` from what was read: one entry per adcode in ``names`` + the province.
    ``targets``: the annual targets' standing of the prefectures that have them."""
    reports_overdue = reports_overdue or {}
    overdue: dict[int, dict[str, int]] = {}
    for r in (
        summary.group_by("prefecture_adcode", "category").agg(pl.col("units_overdue").sum())
    ).iter_rows():
        overdue.setdefault(r[0], {})[r[1]] = r[2]
    released = dict(
        summary.group_by("prefecture_adcode").agg(pl.col("quota_released_tce").sum()).iter_rows()
    )
    out: dict[int, dict] = {}
    targets = targets or {}
    for adcode, name in names.items():
        target = targets.get(adcode, TargetStanding())
        verdict = policy.freeze_verdict(overdue.get(adcode, {}), xianzhi_triggers, target.missed)
        out[adcode] = {
            "adcode": adcode,
            "name": name,
            "freeze_triggered": verdict.triggered,
            # The reasons of a prefecture the rule does not trigger are left unsaid.
            "freeze_reasons": verdict.reasons() if verdict.triggered else "",
            "freeze_decided": adcode in documents,
            "freeze_document": documents.get(adcode),
            "quota_released_tce": float(released.get(adcode) or 0),
            "quota_allocated_tce": float(allocated.get(adcode) or 0),
            "target_completion_pct": target.completion_pct,
            "reports_overdue": int(reports_overdue.get(adcode) or 0),
        }
    prefs = list(out.values())
    hit = [r["name"] for r in prefs if r["freeze_triggered"]]
    out[PROVINCE_ADCODE] = {
        "adcode": PROVINCE_ADCODE,
        "name": PROVINCE_NAME,
        "freeze_triggered": bool(hit),
        "freeze_reasons": say("freeze.province", n=len(hit), names=joined("list", hit))
        if hit
        else "",
        "freeze_decided": any(r["freeze_decided"] for r in prefs),
        "freeze_document": None,
        "target_completion_pct": None,  # ``aggregate``: the mean of the rows shown
    }
    return out


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


# ------------------------------------------------------------------------------ the fold

_COUNTS = ("units_in_scope", "units_resolved", "units_remaining", "units_overdue")
# What the filters narrow: a province figure is the sum of the prefectures' (as shown).
_FILTERED = (
    *_COUNTS,
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "surcharge_estimate_yuan",
    "xianzhi_overdue",
)


def aggregate(summary: pl.DataFrame, wide: dict[int, dict], **filters) -> pl.DataFrame:
    """The standing table (TABLE_SCHEMA): a row per prefecture of ``wide`` by adcode, then the
    province, whose figures are the sums of the rows above as shown (rounded)."""
    sel = apply_filters(summary, **filters)
    grouped = sel.group_by("prefecture_adcode").agg(
        *(pl.col(c).sum() for c in _SUMMED if c != "quota_released_tce"),
        pl.col("units_overdue")
        .filter(pl.col("category") == "限制类")
        .sum()
        .alias("xianzhi_overdue"),
    )
    by_code = {r["prefecture_adcode"]: r for r in grouped.to_dicts()}
    rows = [
        _row(w, by_code.get(adcode, {}))
        for adcode, w in sorted(wide.items())
        if adcode != PROVINCE_ADCODE
    ]
    total = {col: sum(r[col] for r in rows) for col in _FILTERED}
    province = wide[PROVINCE_ADCODE] | {
        "quota_released_tce": sum(r["quota_released_tce"] for r in rows),
        "quota_allocated_tce": sum(r["quota_allocated_tce"] for r in rows),
        "target_completion_pct": _mean(r["target_completion_pct"] for r in rows),
        "reports_overdue": sum(r["reports_overdue"] for r in rows),
    }
    rows.append(_row(province, total))
    return pl.DataFrame(rows, schema=TABLE_SCHEMA)


def _row(w: dict, g: dict) -> dict:
    """One row of the table from the prefecture-wide facts ``w`` and the filtered sums ``g``."""
    row = {"adcode": w["adcode"], "name": w["name"]}
    for col in _COUNTS:
        row[col] = int(g.get(col) or 0)
    row["energy_in_scope_tce"] = round(float(g.get("energy_in_scope_tce") or 0), 2)
    row["energy_resolved_tce"] = round(float(g.get("energy_resolved_tce") or 0), 2)
    row["energy_remaining_tce"] = round(row["energy_in_scope_tce"] - row["energy_resolved_tce"], 2)
    row["completion_units_pct"] = _pct(row["units_resolved"], row["units_in_scope"])
    row["completion_energy_pct"] = _pct(row["energy_resolved_tce"], row["energy_in_scope_tce"])
    row["freeze_triggered"] = bool(w["freeze_triggered"])
    row["freeze_reasons"] = w["freeze_reasons"] or ""
    row["freeze_decided"] = bool(w["freeze_decided"])
    row["xianzhi_overdue"] = int(g.get("xianzhi_overdue") or 0)
    row["quota_released_tce"] = round(float(w["quota_released_tce"]), 2)
    row["quota_allocated_tce"] = round(float(w["quota_allocated_tce"]), 2)
    row["quota_balance_tce"] = round(row["quota_released_tce"] - row["quota_allocated_tce"], 2)
    row["surcharge_estimate_yuan"] = round(float(g.get("surcharge_estimate_yuan") or 0), 2)
    row["target_completion_pct"] = w.get("target_completion_pct")
    row["reports_overdue"] = int(w.get("reports_overdue") or 0)
    return row


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# ------------------------------------------------------------------------------ the readers


def standing(
    engine: sa.Engine,
    on: dt.date,
    *,
    sector: str | Iterable[str] | None = None,
    sub_industry: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    scope: Scope = EVERYTHING,
    xianzhi_triggers: bool = False,
    policy: Policy | None = None,
    known_on: dt.date | None = None,
) -> pd.DataFrame:
    """All 16 prefectures (or those ``scope`` sees) by adcode and the province total row
    (adcode 530000), COLUMNS; ``attrs`` hold the dates and the policy's file versions."""
    policy = policy or default_policy()
    with engine.connect() as conn:
        summary = read_summary(conn, on, policy, scope, known_on)
        wide = prefecture_wide(conn, on, summary, policy, scope, xianzhi_triggers, known_on)
    table = aggregate(
        summary, wide, sector=sector, sub_industry=sub_industry, category=category, status=status
    )
    frame = table.select(COLUMNS).to_pandas()
    frame.attrs["as_of"] = on
    frame.attrs["known_on"] = known_on
    frame.attrs["policy_versions"] = dict(policy.versions)
    return frame


def filter_key(filters: dict) -> tuple:
    """The filters of a standing table as a cache key (values: a name, or several)."""
    return tuple(
        sorted(
            (name, value if value is None or isinstance(value, str) else tuple(value))
            for name, value in filters.items()
        )
    )


class StandingCache(VersionedCache):
    """The dashboard's standing: summaries and prefecture-wide facts per (date, scope, version).

    ``stores`` adds stores of other sizes for a subclass (``layers.map.MapData``: unit frames).
    """

    def __init__(
        self,
        engine: sa.Engine,
        policy: Policy | None = None,
        summaries: int = 48,
        **stores: int,
    ):
        stores = {"summary": summaries, "wide": summaries, "table": 4 * summaries, **stores}
        super().__init__(engine, stores)
        self.policy = policy or default_policy()

    def summary(self, on: dt.date, scope: Scope, known_on: dt.date | None = None) -> pl.DataFrame:
        """SUMMARY_SQL's rows (see ``read_summary``), cached."""
        return self._summary((on, known_on), scope, self.version())

    def prefecture_wide(
        self,
        on: dt.date,
        scope: Scope,
        xianzhi_triggers: bool = False,
        known_on: dt.date | None = None,
    ) -> dict[int, dict]:
        """``prefecture_wide``, cached."""
        return self._wide((on, known_on), scope, xianzhi_triggers, self.version())

    def table(
        self,
        on: dt.date,
        scope: Scope,
        xianzhi_triggers: bool = False,
        known_on: dt.date | None = None,
        **filters,
    ) -> pl.DataFrame:
        """The standing table (``aggregate``: TABLE_SCHEMA) for the filters, from the cache
        (a page asks for the same table several times: map, ranking, KPIs, charts)."""
        version = self.version()  # one version for both reads
        when = (on, known_on)
        key = (when, scope.key(), xianzhi_triggers, filter_key(filters), version)
        return self.cached(
            "table",
            key,
            lambda: aggregate(
                self._summary(when, scope, version),
                self._wide(when, scope, xianzhi_triggers, version),
                **filters,
            ),
        )

    def published_table(
        self,
        on: dt.date,
        own: Scope,
        xianzhi_triggers: bool = False,
        known_on: dt.date | None = None,
        **filters,
    ) -> pl.DataFrame:
        """The standing table of every prefecture as the province publishes it (its 通报
        ranking), for a caller whose own scope is ``own``: the others' sums and rule verdicts;
        quota and decisions only of its own prefectures (the rest are not published). As known
        on ``known_on``, if given: the ranking the province could have published then."""
        version = self.version()

        def read() -> pl.DataFrame:
            with self.engine.connect() as conn:
                return read_published_summary(conn, on, self.policy, known_on)

        def read_reports() -> dict[int, int]:
            with self.engine.connect() as conn:
                return published_overdue(conn, on, known_on)

        summary = self.cached("summary", ("published", (on, known_on), version), read)
        reports = self.cached("wide", ("published reports", (on, known_on), version), read_reports)
        mine = self._wide((on, known_on), own, xianzhi_triggers, version)
        with self.engine.connect() as conn:
            names = prefecture_names(conn)
        wide = wide_rows(summary, names, {}, {}, self.policy, xianzhi_triggers, reports)
        for adcode, facts in mine.items():
            if adcode != PROVINCE_ADCODE:
                wide[adcode] = facts
        return aggregate(summary, wide, **filters)

    # ``when``: (as-of date, known-on date or None), the dates of every key.
    def _summary(self, when: tuple, scope: Scope, version: tuple) -> pl.DataFrame:
        def read() -> pl.DataFrame:
            with self.engine.connect() as conn:
                return read_summary(conn, when[0], self.policy, scope, when[1])

        return self.cached("summary", (when, scope.key(), version), read)

    def _wide(self, when: tuple, scope: Scope, xianzhi: bool, version: tuple) -> dict:
        def read() -> dict[int, dict]:
            summary = self._summary(when, scope, version)
            on, known_on = when
            return prefecture_wide(self.engine, on, summary, self.policy, scope, xianzhi, known_on)

        return self.cached("wide", (when, scope.key(), xianzhi, version), read)
