"""What the dashboard's maps, charts and tables draw, read once per date and kept in memory.

``MapData`` is the dashboard's cache: the standing (``layers.standing.StandingCache``: the
summary that every table, ranking, chart and progress figure filters and sums, and the
prefecture-wide facts), and every unit's as-of state, one row each, for the unit points and the
unit lists — read with ``COPY … TO STDOUT`` into polars (no Python object per value: 100k units
in ~1 s instead of ~3 s through the DB-API rows). Each is keyed by date, access scope and data
version, so a filter change never waits for the database.

Cached the same way: the reports from the public by place, kind and state (the map's layer of
reports by county). Also here: the map measures, their colour classes (a colour-blind-safe
sequential palette), the unit points as compact GeoJSON and the charts' figures.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import polars as pl
import sqlalchemy as sa

from exitmap.db import SET_SCOPE_SQL, scope_settings
from exitmap.policy import Policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.policy.texts import Translate
from exitmap.scope import Scope, scope_sql
from exitmap.vocabulary import PROVINCE_ADCODE
from layers.freeze import freeze_list
from layers.report_counts import places, report_counts
from layers.standing import StandingCache
from layers.units import STATE_CTES, apply_filters, as_known, policy_params

UNITS_SQL = f"""
WITH {STATE_CTES}
SELECT u.unit_key, ev.prefecture_adcode, u.county_adcode, en.name AS enterprise_name,
       ev.sector, ev.sub_industry, u.equipment_name, u.spec, ev.category, ev.status,
       ev.in_scope, ev.resolved, ev.remaining, ev.overdue, ev.exited,
       ev.deadline, CASE WHEN ev.overdue THEN :on - ev.deadline END AS days_late,
       ev.overdue AND ev.trigger_category AS freeze_trigger,
       COALESCE(ev.energy_tce, 0)::float8 AS energy_tce,
       (COALESCE(ev.electricity_10k_kwh, 0) * 10000 * COALESCE(ev.surcharge_rate, 0))::float8
           AS surcharge_yuan,
       u.synthetic, ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM ev
JOIN unit u ON u.id = ev.unit_id
JOIN enterprise en ON en.id = u.enterprise_id
WHERE {scope_sql("ev.prefecture_adcode")}
ORDER BY ev.prefecture_adcode, u.unit_key
"""

_SCHEMA = {
    "unit_key": pl.String,
    "prefecture_adcode": pl.Int64,
    "county_adcode": pl.Int64,
    "enterprise_name": pl.String,
    "sector": pl.String,
    "sub_industry": pl.String,
    "equipment_name": pl.String,
    "spec": pl.String,
    "category": pl.String,
    "status": pl.String,
    "in_scope": pl.Boolean,
    "resolved": pl.Boolean,
    "remaining": pl.Boolean,
    "overdue": pl.Boolean,
    "exited": pl.Boolean,
    "deadline": pl.Date,
    "days_late": pl.Int64,
    "freeze_trigger": pl.Boolean,
    "energy_tce": pl.Float64,
    "surcharge_yuan": pl.Float64,
    "synthetic": pl.Boolean,
    "lon": pl.Float64,
    "lat": pl.Float64,
}


def _copy_sql(sql: str) -> str:
    """SQLAlchemy ``:name`` placeholders → psycopg ``%(name)s`` (COPY binds client-side)."""
    return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql.replace("%", "%%"))


def _units_copy(known_on: dt.date | None) -> tuple[str, dict[str, object]]:
    sql, known = as_known(UNITS_SQL, known_on)
    return f"COPY ({_copy_sql(sql)}) TO STDOUT (FORMAT csv, HEADER)", known


# ------------------------------------------------------------------------------ the cache


class MapData(StandingCache):
    """The standing's cache (``table``, ``summary``, ``prefecture_wide``) and unit frames."""

    def __init__(
        self, engine: sa.Engine, policy: Policy | None = None, size: int = 4, summaries: int = 48
    ):
        # Unit frames are large (100k units ≈ 25 MB); summaries and freeze lists are tiny.
        super().__init__(
            engine, policy, summaries, units=size, freeze=summaries, reports=summaries, places=1
        )

    def units(self, on: dt.date, scope: Scope, known_on: dt.date | None = None) -> pl.DataFrame:
        """Every unit (of the scope) existing on ``on`` with its as-of state (unfiltered), as
        known on ``known_on`` if given."""
        key = ((on, known_on), scope.key(), self.version())
        return self.cached("units", key, lambda: self._read_units(on, scope, known_on))

    def freeze_list(
        self,
        on: dt.date,
        scope: Scope,
        known_on: dt.date | None = None,
        lang: str = "zh",
        value: Translate | None = None,
    ) -> pd.DataFrame:
        """``layers.freeze.freeze_list`` of the scope on ``on`` (as known on ``known_on``), in
        ``lang`` — ``value`` must be that language's translator: the key holds only ``lang``."""
        key = ((on, known_on), scope.key(), lang, self.version())

        def read() -> pd.DataFrame:
            return freeze_list(
                self.engine,
                on,
                scope=scope,
                policy=self.policy,
                lang=lang,
                value=value,
                known_on=known_on,
            )

        return self.cached("freeze", key, read).copy()  # callers may add columns

    def report_counts(
        self, on: dt.date, scope: Scope, known_on: dt.date | None = None
    ) -> pl.DataFrame:
        """``layers.report_counts.report_counts`` of the scope on ``on``, cached."""
        key = ((on, known_on), scope.key(), self.version())

        def read() -> pl.DataFrame:
            with self.engine.connect() as conn:
                return report_counts(conn, on, scope, known_on)

        return self.cached("reports", key, read)

    def report_places(self) -> dict[int, dict]:
        """``layers.report_counts.places``, read once per data version."""

        def read() -> dict[int, dict]:
            with self.engine.connect() as conn:
                return places(conn)

        return self.cached("places", (self.version(),), read)

    def _read_units(self, on: dt.date, scope: Scope, known_on: dt.date | None) -> pl.DataFrame:
        copy_sql, known = _units_copy(known_on)
        params = policy_params(self.policy, on) | scope.params() | known
        buf = io.BytesIO()
        with self.engine.connect() as conn:
            check_policy_synced(conn, self.policy)  # the events' evaluation follows the policy
        raw = self.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur:
                # COPY goes round SQLAlchemy's begin event: set the database's scope here.
                cur.execute(SET_SCOPE_SQL, scope_settings())
                with cur.copy(copy_sql, params) as copy:
                    for chunk in copy:
                        buf.write(chunk)
            raw.driver_connection.rollback()  # the pool expects no open transaction
        finally:
            raw.close()
        # PostgreSQL's CSV writes booleans as t/f: read them as text, then compare.
        bools = [c for c, t in _SCHEMA.items() if t == pl.Boolean]
        schema = {c: pl.String if c in bools else t for c, t in _SCHEMA.items()}
        frame = pl.read_csv(buf.getvalue(), schema=schema)
        return frame.with_columns(pl.col(c) == "t" for c in bools)


# ------------------------------------------------------------------------------ measures


@dataclass(frozen=True)
class Measure:
    id: str
    column: str
    kind: str  # pct | units | tce | reports (a count of reports from the public)
    higher_is_better: bool


MEASURES: dict[str, Measure] = {
    m.id: m
    for m in (
        Measure("completion_units", "completion_units_pct", "pct", True),
        Measure("completion_energy", "completion_energy_pct", "pct", True),
        Measure("units_remaining", "units_remaining", "units", False),
        Measure("energy_remaining", "energy_remaining_tce", "tce", False),
        Measure("units_overdue", "units_overdue", "units", False),
        Measure("quota_balance", "quota_balance_tce", "tce", True),
        Measure("target_completion", "target_completion_pct", "pct", True),
        Measure("reports_overdue", "reports_overdue", "reports", False),
    )
}
DEFAULT_MEASURE = "completion_units"

# ColorBrewer sequential schemes (colour-blind safe, print friendly), light → dark.
PALETTE_GOOD = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")  # YlGnBu
PALETTE_BAD = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")  # YlOrRd
NO_DATA = "#d9d9d9"
PCT_BREAKS = (50.0, 70.0, 85.0, 95.0)  # fixed, so colours compare across dates and filters


def _nice(x: float) -> float:
    if x <= 0:
        return 0.0
    exp = 10 ** math.floor(math.log10(x))
    for step in (1, 2, 2.5, 5, 10):
        if x <= step * exp:
            return step * exp
    return 10 * exp


def breaks_for(measure: Measure, values: Iterable[float | None]) -> list[float]:
    """Upper-exclusive class boundaries: class i holds breaks[i-1] ≤ v < breaks[i]."""
    if measure.kind == "pct":
        return list(PCT_BREAKS)
    vals = sorted(v for v in values if v is not None and v > 0)
    if not vals:
        return [1.0]
    top = vals[-1]
    # Class 0 is "none" (0 or less); four classes above it with nice round bounds.
    cuts = [_nice(top * f) for f in (0.25, 0.5, 0.75)]
    counted = measure.kind in ("units", "reports")
    if counted:
        cuts = [max(1.0, math.ceil(c)) for c in cuts]
    out = [1.0 if counted else 1e-9]
    for c in cuts:
        if c > out[-1]:
            out.append(c)
    return out


def classify(value: float | None, breaks: list[float]) -> int:
    """Class index (0 … len(breaks)); -1 for no data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -1
    for i, b in enumerate(breaks):
        if value < b:
            return i
    return len(breaks)


def palette(measure: Measure, n: int) -> list[str]:
    base = PALETTE_GOOD if measure.higher_is_better else PALETTE_BAD
    if n >= len(base):
        return list(base)
    # Spread n colours over the scheme, keeping both ends.
    idx = [round(i * (len(base) - 1) / max(n - 1, 1)) for i in range(n)]
    return [base[i] for i in idx]


def choropleth(table: pl.DataFrame, measure_id: str) -> dict:
    """The ``hideout`` of the prefecture layer: colour per adcode, frozen set, legend classes."""
    measure = MEASURES[measure_id]
    rows = [r for r in table.to_dicts() if r["adcode"] != PROVINCE_ADCODE]
    values = {r["adcode"]: r[measure.column] for r in rows}
    breaks = breaks_for(measure, values.values())
    colours = palette(measure, len(breaks) + 1)
    fill = {}
    for adcode, v in values.items():
        k = classify(v, breaks)
        fill[str(adcode)] = NO_DATA if k < 0 else colours[k]
    return {
        "measure": measure_id,
        "fill": fill,
        # Hatched: the rule triggers 区域限批; thick outline and tag: a decision is in force.
        "frozen": [str(r["adcode"]) for r in rows if r["freeze_triggered"]],
        "decided": [str(r["adcode"]) for r in rows if r.get("freeze_decided")],
        "classes": [
            {
                "colour": c,
                "lo": breaks[i - 1] if i > 0 else None,
                "hi": breaks[i] if i < len(breaks) else None,
            }
            for i, c in enumerate(colours)
        ],
        "kind": measure.kind,
    }


# ------------------------------------------------------------------------------ unit points


def status_class(row: dict) -> str:
    if not row["in_scope"]:
        return "out"
    if row["resolved"]:
        return "resolved"
    if row["overdue"]:
        return "overdue"
    return "remaining"


def unit_points(units: pl.DataFrame) -> dict:
    """Compact GeoJSON for the clustered unit layer (short property names)."""
    cols = [
        "unit_key",
        "enterprise_name",
        "equipment_name",
        "category",
        "status",
        "deadline",
        "energy_tce",
        "in_scope",
        "resolved",
        "overdue",
        "lon",
        "lat",
    ]
    feats = []
    for r in units.select(cols).to_dicts():
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(r["lon"], 5), round(r["lat"], 5)],
                },
                "properties": {
                    "k": r["unit_key"],
                    "n": r["enterprise_name"],
                    "e": r["equipment_name"],
                    "c": r["category"] or "",
                    "s": r["status"],
                    "d": r["deadline"].isoformat() if r["deadline"] else "",
                    "t": round(r["energy_tce"] or 0),
                    "x": status_class(r),
                },
            }
        )
    return {"type": "FeatureCollection", "features": feats}


# ------------------------------------------------------------------------------ charts


def by_sub_industry(summary: pl.DataFrame, **filters) -> pl.DataFrame:
    """Resolved vs remaining units and energy per sub-industry (in scope, filtered)."""
    return (
        apply_filters(summary, **filters)
        .group_by("sector", "sub_industry")
        .agg(
            pl.col("units_resolved").sum(),
            pl.col("units_remaining").sum(),
            pl.col("energy_resolved_tce").sum(),
            pl.col("energy_remaining_tce").sum(),
        )
        .sort("sector", "sub_industry")
    )


def progress_dates(on: dt.date, first_year: int = 2020) -> list[dt.date]:
    """Year ends from ``first_year`` up to ``on``, then ``on`` itself."""
    dates = [dt.date(y, 12, 31) for y in range(first_year, on.year + 1) if dt.date(y, 12, 31) < on]
    return [*dates, on]


def progress(
    data: StandingCache, on: dt.date, scope: Scope, known_on: dt.date | None = None, **filters
) -> pl.DataFrame:
    """Completion of what ``scope`` sees (the province row) at each year end up to ``on`` (as
    known on ``known_on``, if given)."""
    rows = []
    for d in progress_dates(on):
        table = data.table(d, scope, known_on=known_on, **filters)
        t = table.filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
        rows.append(
            {
                "date": d,
                "units_in_scope": t["units_in_scope"],
                "units_resolved": t["units_resolved"],
                "completion_units_pct": t["completion_units_pct"],
                "completion_energy_pct": t["completion_energy_pct"],
            }
        )
    return pl.DataFrame(rows)


def rank(table: pl.DataFrame, measure_id: str) -> pl.DataFrame:
    """The 16 prefectures ordered best first for the measure, with a rank column (1 = best)."""
    m = MEASURES[measure_id]
    prefs = table.filter(pl.col("adcode") != PROVINCE_ADCODE)
    prefs = prefs.sort(
        [m.column, "adcode"], descending=[m.higher_is_better, False], nulls_last=True
    )
    return prefs.with_row_index("rank", offset=1)
