"""What the dashboard's maps, charts and tables draw: per-unit state as of a date, aggregated.

Two reads per (as-of date, data version), both cached, so a filter change never waits for the
database:

- ``summary``: the in-scope units' figures summed by (prefecture, sector, sub-industry, category,
  status) — the filter dimensions — in one grouped query (a few hundred rows whatever the number
  of units). Every table, ranking, chart and progress figure is a filter + sum of it (polars).
- ``units``: every unit's as-of state, one row each, for the unit points and the unit lists;
  read with ``COPY … TO STDOUT`` into polars (no Python object per value: 100k units in ~1 s
  instead of ~3 s through the DB-API rows).

The figures match ``layers.standing.standing`` exactly (``tests/test_app_map.py`` checks it).
Also here: the map measures, their colour classes (a colour-blind-safe sequential palette) and
the unit points as compact GeoJSON.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.vocabulary import PROVINCE_ADCODE, PROVINCE_NAME
from layers.freeze import active, decisions
from layers.units import STATE_CTES, policy_params

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
ORDER BY ev.prefecture_adcode, u.unit_key
"""

# The sums layers.standing computes, per combination of the filter dimensions. Freeze triggers
# and released quota are summed here too: they are prefecture-wide (unfiltered) sums of it.
SUMMARY_SQL = f"""
WITH {STATE_CTES}
SELECT ev.prefecture_adcode, ev.sector, ev.sub_industry, ev.category, ev.status,
       count(*) AS units_in_scope,
       count(*) FILTER (WHERE ev.resolved) AS units_resolved,
       count(*) FILTER (WHERE ev.remaining) AS units_remaining,
       count(*) FILTER (WHERE ev.overdue) AS units_overdue,
       count(*) FILTER (WHERE ev.overdue AND ev.trigger_category) AS trigger_overdue,
       COALESCE(sum(ev.energy_tce), 0)::float8 AS energy_in_scope_tce,
       COALESCE(sum(ev.energy_tce) FILTER (WHERE ev.resolved), 0)::float8 AS energy_resolved_tce,
       COALESCE(sum(ev.energy_tce) FILTER (WHERE ev.remaining), 0)::float8
           AS energy_remaining_tce,
       COALESCE(sum(ev.energy_tce) FILTER (WHERE ev.exited), 0)::float8 AS quota_released_tce,
       COALESCE(sum(COALESCE(ev.electricity_10k_kwh, 0) * 10000 * COALESCE(ev.surcharge_rate, 0))
                FILTER (WHERE ev.remaining), 0)::float8 AS surcharge_estimate_yuan
FROM ev
WHERE ev.in_scope
GROUP BY 1, 2, 3, 4, 5
"""

PREFECTURES_SQL = "SELECT adcode, name FROM prefecture ORDER BY adcode"
ALLOCATED_SQL = """
SELECT prefecture_adcode, sum(amount_tce)::float8 FROM quota_entry
WHERE kind = 'allocation' AND entry_date <= :on GROUP BY 1
"""

# Cheap on any size (primary-key ends and tiny tables): it runs before every cached read.
# Loads only add rows (ids grow); removing a source deletes its load records (count drops);
# lifting a freeze fills lift_date.
VERSION_SQL = """
SELECT (SELECT COALESCE(max(id), 0) FROM load_record), (SELECT count(*) FROM load_record),
       (SELECT COALESCE(max(id), 0) FROM unit), (SELECT COALESCE(max(id), 0) FROM unit_event),
       (SELECT COALESCE(max(id), 0) FROM quota_entry), (SELECT count(*) FROM quota_entry),
       (SELECT COALESCE(max(id), 0) FROM freeze_decision), (SELECT count(*) FROM freeze_decision),
       (SELECT count(lift_date) FROM freeze_decision)
"""

FILTER_COLUMNS = {
    "sector": "sector",
    "sub_industry": "sub_industry",
    "category": "category",
    "status": "status",
    "prefecture": "prefecture_adcode",
}

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

_SUMMED = (
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "trigger_overdue",
    "energy_in_scope_tce",
    "energy_resolved_tce",
    "energy_remaining_tce",
    "quota_released_tce",
    "surcharge_estimate_yuan",
)
_SUMMARY_SCHEMA = {
    "prefecture_adcode": pl.Int64,
    "sector": pl.String,
    "sub_industry": pl.String,
    "category": pl.String,
    "status": pl.String,
    **{c: pl.Int64 if c.startswith(("units", "trigger")) else pl.Float64 for c in _SUMMED},
}


def _copy_sql(sql: str) -> str:
    """SQLAlchemy ``:name`` placeholders → psycopg ``%(name)s`` (COPY binds client-side)."""
    return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql.replace("%", "%%"))


_UNITS_COPY = f"COPY ({_copy_sql(UNITS_SQL)}) TO STDOUT (FORMAT csv, HEADER)"


# ------------------------------------------------------------------------------ the cache


class MapData:
    """Per-date summaries, unit frames and prefecture-wide facts, cached by data version."""

    def __init__(
        self, engine: sa.Engine, policy: Policy | None = None, size: int = 4, summaries: int = 48
    ):
        self.engine = engine
        self.policy = policy or default_policy()
        self.size = size  # unit frames are large (100k units ≈ 25 MB); summaries are tiny
        self.summaries = summaries
        self._units: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self._summary: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
        self._wide: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[tuple, threading.Lock] = {}

    def version(self) -> tuple:
        with self.engine.connect() as conn:
            return tuple(conn.execute(sa.text(VERSION_SQL)).one())

    def _cached(self, store: OrderedDict, key: tuple, make, size: int):
        with self._lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
            # One computation per key: the start-up warming and the first visitor (or two
            # callbacks of one page) asking for the same date wait for one read, not two.
            pending = self._pending.setdefault((id(store), key), threading.Lock())
        with pending:
            with self._lock:
                if key in store:
                    return store[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._pending.pop((id(store), key), None)
            with self._lock:
                store[key] = value
                while len(store) > size:
                    store.popitem(last=False)
        return value

    def units(self, on: dt.date) -> pl.DataFrame:
        """Every unit existing on ``on`` with its as-of state (unfiltered)."""
        key = (on, self.version())
        return self._cached(self._units, key, lambda: self._read_units(on), self.size)

    def _read_units(self, on: dt.date) -> pl.DataFrame:
        params = policy_params(self.policy, on)
        buf = io.BytesIO()
        with self.engine.connect() as conn:
            check_policy_synced(conn, self.policy)  # the events' evaluation follows the policy
        raw = self.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur, cur.copy(_UNITS_COPY, params) as copy:
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

    def summary(self, on: dt.date) -> pl.DataFrame:
        """In-scope sums by prefecture × sector × sub-industry × category × status."""
        key = (on, self.version())
        return self._cached(self._summary, key, lambda: self._read_summary(on), self.summaries)

    def _read_summary(self, on: dt.date) -> pl.DataFrame:
        with self.engine.connect() as conn:
            check_policy_synced(conn, self.policy)
            rows = conn.execute(sa.text(SUMMARY_SQL), policy_params(self.policy, on)).all()
        return pl.DataFrame(rows, schema=_SUMMARY_SCHEMA, orient="row")

    def prefecture_wide(self, on: dt.date) -> dict[int, dict]:
        """Freeze (triggered, decided) and quota per adcode (the same whatever the filters)."""
        key = (on, self.version())
        return self._cached(self._wide, key, lambda: self._read_wide(on), self.summaries)

    def _read_wide(self, on: dt.date) -> dict[int, dict]:
        with self.engine.connect() as conn:
            names = dict(conn.execute(sa.text(PREFECTURES_SQL)).all())
            allocated = dict(conn.execute(sa.text(ALLOCATED_SQL), {"on": on}).all())
        in_force = active(decisions(self.engine), on)
        documents = dict(zip(in_force["adcode"], in_force["document_no"], strict=True))
        return wide_rows(self.summary(on), names, allocated, documents, self.policy)

    def table(self, on: dt.date, **filters) -> pl.DataFrame:
        """The standing table (layers.standing.COLUMNS) for the filters, from the cache."""
        return aggregate(self.summary(on), self.prefecture_wide(on), **filters)


def wide_rows(
    summary: pl.DataFrame,
    names: dict[int, str],
    allocated: dict[int, float],
    documents: dict[int, str],
    policy: Policy,
) -> dict[int, dict]:
    """Per prefecture and the province: what the rule triggers, what was decided, the quota."""
    order = {c: i for i, c in enumerate(policy.categories)}  # reasons in the policy's order
    by_cat = (
        summary.group_by("prefecture_adcode", "category")
        .agg(pl.col("trigger_overdue").sum(), pl.col("quota_released_tce").sum())
        .to_dicts()
    )
    out: dict[int, dict] = {}
    for adcode, name in names.items():
        mine = sorted(
            (r for r in by_cat if r["prefecture_adcode"] == adcode),
            key=lambda r: order.get(r["category"], len(order)),
        )
        count = sum(r["trigger_overdue"] for r in mine)
        triggered = count >= policy.freeze.min_overdue_units
        reasons = "、".join(
            f"{r['category']}逾期{r['trigger_overdue']}个" for r in mine if r["trigger_overdue"]
        )
        out[adcode] = {
            "adcode": adcode,
            "name": name,
            "freeze_triggered": triggered,
            "freeze_reasons": reasons if triggered else "",
            "freeze_decided": adcode in documents,
            "freeze_document": documents.get(adcode),
            "quota_released_tce": sum(r["quota_released_tce"] for r in mine),
            "quota_allocated_tce": float(allocated.get(adcode) or 0),
        }
    prefs = list(out.values())
    hit = [r["name"] for r in prefs if r["freeze_triggered"]]
    out[PROVINCE_ADCODE] = {
        "adcode": PROVINCE_ADCODE,
        "name": PROVINCE_NAME,
        "freeze_triggered": bool(hit),
        "freeze_reasons": f"{len(hit)}个州（市）触发：{'、'.join(hit)}" if hit else "",
        "freeze_decided": any(r["freeze_decided"] for r in prefs),
        "freeze_document": None,
        "quota_released_tce": sum(r["quota_released_tce"] for r in prefs),
        "quota_allocated_tce": sum(r["quota_allocated_tce"] for r in prefs),
    }
    return out


# ------------------------------------------------------------------------------ filters


def apply_filters(frame: pl.DataFrame, **filters) -> pl.DataFrame:
    for name, value in filters.items():
        if name not in FILTER_COLUMNS:
            raise TypeError(f"unknown filter {name!r}")
        if value is None:
            continue
        values = [value] if isinstance(value, str | int) else list(value)
        if not values:
            continue
        frame = frame.filter(pl.col(FILTER_COLUMNS[name]).is_in(values))
    return frame


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def aggregate(summary: pl.DataFrame, wide: dict[int, dict], **filters) -> pl.DataFrame:
    """One row per prefecture + province total, columns as layers.standing (+ freeze_decided)."""
    sel = apply_filters(summary, **filters)
    grouped = sel.group_by("prefecture_adcode").agg(
        *(pl.col(c).sum() for c in _SUMMED),
        pl.col("units_overdue")
        .filter(pl.col("category") == "限制类")
        .sum()
        .alias("xianzhi_overdue"),
    )
    by_code = {r["prefecture_adcode"]: r for r in grouped.to_dicts()}
    rows = []
    for adcode, w in sorted(wide.items()):
        if adcode == PROVINCE_ADCODE:
            continue
        g = by_code.get(adcode, {})
        rows.append(_row(adcode, w["name"], g, w))
    total = {"adcode": PROVINCE_ADCODE, "name": wide[PROVINCE_ADCODE]["name"]}
    for col in (
        "units_in_scope",
        "units_resolved",
        "units_remaining",
        "units_overdue",
        "energy_in_scope_tce",
        "energy_resolved_tce",
        "surcharge_estimate_yuan",
        "xianzhi_overdue",
    ):
        total[col] = sum(r[col] for r in rows)
    rows.append(_row(PROVINCE_ADCODE, total["name"], total, wide[PROVINCE_ADCODE]))
    return pl.DataFrame(rows)


def _row(adcode: int, name: str, g: dict, w: dict) -> dict:
    row = {"adcode": adcode, "name": name}
    for col in ("units_in_scope", "units_resolved", "units_remaining", "units_overdue"):
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
    return row


# ------------------------------------------------------------------------------ measures


@dataclass(frozen=True)
class Measure:
    id: str
    column: str
    kind: str  # pct | units | tce
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
    if measure.kind == "units":
        cuts = [max(1.0, math.ceil(c)) for c in cuts]
    out = [1.0 if measure.kind == "units" else 1e-9]
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


def progress(data: MapData, on: dt.date, **filters) -> pl.DataFrame:
    """Province completion at each year end up to ``on``."""
    rows = []
    for d in progress_dates(on):
        t = data.table(d, **filters).filter(pl.col("adcode") == PROVINCE_ADCODE).to_dicts()[0]
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
