"""Per-unit evaluation as of a date: state replayed from unit_event, deadline, standing, surcharge.

The SQL here is the one place the as-of state of every unit is computed; standing, freeze and
quota aggregate over it in the same statement (one query per view). Rule values come in as
bound arrays built from data/policy (``policy_params``), never written into the SQL text.

How a unit's state on D is read (the replay rules):
- its current row in unit_event (valid time: the timeline derived from every register, see
  etl/history.py) whose [event_date, valid_to) holds D; no such row: it did not exist;
- "as known on K" (``known_on``) reads instead the rows recorded by the end of K and not yet
  superseded then: what the product said on K (migration 0004);
- a derived row (before the unit's first register date) has no status: in scope from the
  policy's start, remaining, overdue once its deadline passes;
- history facts are stored on each event (migration 0002): valid_to,
  ever_extended (an extension recorded by then), exit_since (start of the unbroken run of
  exit statuses), so no look-back through history is needed at query time;
- an event that leaves category or 整改期限 empty keeps the unit's declared value (events
  record status changes and need not restate everything);
- the exit date is the event's 实际退出日期, else the date of the event that began the current
  run of exit statuses (已关停 then 已拆除 exited on the first of the two);
- month-precision dates mean the end of the month when they bound something.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pandas as pd
import polars as pl
import sqlalchemy as sa

from exitmap.clock import ZONE, end_of
from exitmap.policy import Policy, default_policy, disagrees, suggest
from exitmap.policy.mirror import check_policy_synced
from exitmap.policy.texts import Translate, joined, say
from exitmap.scope import EVERYTHING, Scope, scope_sql

# The as-of state of every unit on :on, in two steps. STATE_BASE_CTES ends in ``st``: the state
# and what follows from it (remaining, overdue…), with the surcharge table ``sc`` beside it;
# STATE_CTES adds ``ev``: ``st`` with each unit's surcharge (one row per unit existing on :on).
# A query that sums by sub-industry and category applies the surcharge per group instead
# (layers/standing.SUMMARY_SQL) and reads STATE_BASE_CTES alone: a CTE named twice is computed
# whole first, which loses the index-only scan and the parallel workers.
STATE_BASE_CTES = """
cur AS (
    -- The state on :on is the event whose [event_date, valid_to) holds it: a plain filter.
    -- Each event carries its unit's register fields (u_*) and its evaluation (e_*).
    SELECT e.*
    FROM unit_event e
    WHERE e.superseded_at IS NULL
      AND e.event_date <= :on AND (e.valid_to IS NULL OR e.valid_to > :on)
),
sc AS (
    SELECT * FROM unnest(
        CAST(:s_sub AS text[]), CAST(:s_category AS text[]), CAST(:s_rate AS float8[]),
        CAST(:s_id AS text[])
    ) AS sc(sub_industry, category, rate, surcharge_id)
),
u3 AS (
    SELECT cur.unit_id, cur.u_prefecture_adcode AS prefecture_adcode,
           cur.u_sector AS sector, cur.u_sub_industry AS sub_industry,
           cur.u_energy_tce AS energy_tce, cur.u_electricity_10k_kwh AS electricity_10k_kwh,
           cur.event_date, cur.status, cur.derived, cur.ever_extended,
           cur.e_category AS category,
           cur.u_identified_date AS identified_date,
           cur.u_identified_date_precision::text AS identified_precision,
           cur.e_rectify_deadline AS rectify_deadline, cur.e_exit_date AS exit_date,
           cur.e_deadline_kind AS deadline_kind, cur.e_fixed_deadline AS fixed_deadline,
           COALESCE(cur.e_category = ANY(:trigger_categories), false) AS trigger_category,
           cur.e_must_suspend AS must_suspend, cur.e_is_operating AS operating,
           cur.e_category IS NOT NULL AS in_scope,
           (cur.e_is_exit AND cur.e_exit_date <= :on) AS exited,
           cur.e_is_rectified AS rectified,
           cur.e_base_deadline AS base_deadline, cur.e_cap_deadline AS cap_deadline,
           cur.e_deadline AS deadline,
           cur.e_category IS NOT NULL
               AND ((cur.e_is_exit AND cur.e_exit_date <= :on) OR cur.e_is_rectified)
               AS resolved
    FROM cur
),
st AS (
    SELECT u3.*,
           u3.in_scope AND NOT u3.resolved AS remaining,
           (u3.in_scope AND NOT u3.resolved AND u3.deadline < :on) AS overdue,
           COALESCE(u3.rectify_deadline > u3.cap_deadline, false) AS outside_policy,
           (u3.in_scope AND NOT u3.resolved AND u3.must_suspend AND u3.operating)
               AS must_suspend_violation
    FROM u3
)"""
STATE_CTES = (
    STATE_BASE_CTES
    + """,
ev AS (
    SELECT st.*,
           CASE WHEN st.remaining THEN sc.rate ELSE 0 END AS surcharge_rate,
           CASE WHEN st.remaining THEN sc.surcharge_id END AS surcharge_id
    FROM st LEFT JOIN sc ON sc.sub_industry = st.sub_industry AND sc.category = st.category
)
"""
)

# Which versions of the timelines a read sees: the current ones (everything known now) …
CURRENT_ROWS = "e.superseded_at IS NULL"
# … or, as known on K, those recorded before K's end and not superseded by then.
KNOWN_ROWS = "e.recorded_at < :known AND (e.superseded_at IS NULL OR e.superseded_at >= :known)"


# A hold on a disputed unit's quota (unit_hold as h) in force on :on, with everything known
# now … or as known on K: recorded by K's end, and lifted only by a decision recorded by then.
HOLD_CURRENT = "h.held_from <= :on AND (h.released_on IS NULL OR h.released_on > :on)"
HOLD_KNOWN = (
    "h.held_from <= :on AND h.recorded_at < :known"
    " AND (h.released_on IS NULL OR h.released_on > :on OR h.released_at >= :known)"
)


def known_text(sql: str) -> str:
    """``sql`` reading the versions and holds known on ``:known`` instead of the current."""
    return sql.replace(CURRENT_ROWS, KNOWN_ROWS).replace(HOLD_CURRENT, HOLD_KNOWN)


def as_known(sql: str, known_on: dt.date | None) -> tuple[str, dict[str, object]]:
    """``sql`` (built on STATE_CTES, or reading holds by HOLD_CURRENT) reading what was known
    on ``known_on`` (None: now), and the parameter that says when."""
    if known_on is None:
        return sql, {}
    return known_text(sql), {"known": end_of(known_on)}


def recorded_by(column: str, known_on: dt.date | None) -> tuple[str, dict[str, object]]:
    """`` AND column < :known`` for a record-time column (quota entries, decisions)."""
    if known_on is None:
        return "", {}
    return f" AND {column} < :known", {"known": end_of(known_on)}


FILTERS = {  # filter name → the as-of column it tests
    "sector": "ev.sector",
    "sub_industry": "ev.sub_industry",
    "category": "ev.category",
    "status": "ev.status",
    "prefecture": "ev.prefecture_adcode",
}


def policy_params(policy: Policy, on: dt.date, xianzhi_triggers: bool = False) -> dict[str, object]:
    """Bind parameters carrying what depends on the date into STATE_CTES.

    The deadline rules themselves are evaluated when events are written (policy_category,
    synced from data/policy by ``exitmap db migrate``); see ``check_policy_synced``.
    """
    rates = policy.surcharges_on(on)
    return {
        "on": on,
        "trigger_categories": list(policy.trigger_categories(xianzhi_triggers)),
        "s_sub": [sub for sub, _ in rates],
        "s_category": [cat for _, cat in rates],
        "s_rate": [s.yuan_per_kwh for s in rates.values()],
        "s_id": [s.id for s in rates.values()],
    }


def _given(filters: dict[str, str | int | Iterable | None]) -> Iterator[tuple[str, list]]:
    """(name, values) of each filter given a value; an unknown name is a caller's mistake."""
    for name, value in filters.items():
        if name not in FILTERS:
            raise TypeError(f"unknown filter {name!r}")
        if value is not None:
            yield name, [value] if isinstance(value, str | int) else list(value)


def filter_sql(**filters: str | int | Iterable | None) -> tuple[str, dict[str, object]]:
    """``AND ev.x = ANY(:f_x)`` for each given filter (values bound, names from FILTERS)."""
    clauses, params = [], {}
    for name, values in _given(filters):
        clauses.append(f" AND {FILTERS[name]} = ANY(:f_{name})")
        params[f"f_{name}"] = values
    return "".join(clauses), params


def apply_filters(frame: pl.DataFrame, **filters: str | int | Iterable | None) -> pl.DataFrame:
    """The same filters on a frame of ``ev`` columns held in memory (the dashboard's cache).

    An empty list filters nothing here (a filter bar with nothing ticked).
    """
    for name, values in _given(filters):
        if values:
            frame = frame.filter(pl.col(FILTERS[name].removeprefix("ev.")).is_in(values))
    return frame


UNIT_SQL = f"""
WITH {STATE_CTES}
SELECT u.unit_key, ev.unit_id, en.name AS enterprise_name, en.credit_code,
       ev.prefecture_adcode, p.name AS prefecture_name, u.county_adcode, c.name AS county_name,
       ev.sector, ev.sub_industry, u.equipment_name, u.equipment_no, u.spec, u.spec_value,
       u.spec_unit, ev.energy_tce, ev.electricity_10k_kwh,
       u.category AS declared_category, u.status AS latest_status,
       ev.event_date, ev.status, ev.derived, ev.category, ev.in_scope, ev.exited, ev.rectified,
       ev.resolved, ev.remaining, ev.exit_date, ev.deadline, ev.deadline_kind, ev.fixed_deadline,
       ev.identified_date, ev.identified_precision, ev.base_deadline, ev.cap_deadline,
       ev.rectify_deadline, ev.ever_extended, ev.overdue,
       CASE WHEN ev.overdue THEN :on - ev.deadline END AS days_late,
       ev.trigger_category, ev.overdue AND ev.trigger_category AS freeze_trigger,
       ev.outside_policy, ev.must_suspend_violation,
       ev.surcharge_id, ev.surcharge_rate,
       COALESCE(ev.electricity_10k_kwh, 0) * 10000 * COALESCE(ev.surcharge_rate, 0)
           AS surcharge_yuan,
       ST_X(u.geom) AS lon, ST_Y(u.geom) AS lat
FROM ev
JOIN unit u ON u.id = ev.unit_id
JOIN enterprise en ON en.id = u.enterprise_id
JOIN prefecture p ON p.adcode = ev.prefecture_adcode
LEFT JOIN county c ON c.adcode = u.county_adcode
WHERE {scope_sql("ev.prefecture_adcode")} {{filters}}
ORDER BY ev.prefecture_adcode, u.unit_key
"""

COLUMNS = [
    "unit_key",
    "unit_id",
    "enterprise_name",
    "credit_code",
    "prefecture_adcode",
    "prefecture_name",
    "county_adcode",
    "county_name",
    "sector",
    "sub_industry",
    "equipment_name",
    "equipment_no",
    "spec",
    "spec_value",
    "spec_unit",
    "energy_tce",
    "electricity_10k_kwh",
    "declared_category",
    "latest_status",
    "as_of",
    "event_date",
    "status",
    "derived",
    "category",
    "in_scope",
    "resolved",
    "resolution",
    "exit_date",
    "remaining",
    "deadline",
    "deadline_kind",
    "deadline_basis",
    "extended",
    "overdue",
    "days_late",
    "freeze_trigger",
    "flags",
    "suggested_category",
    "catalog_edition",
    "suggestion",
    "category_disagrees",
    "surcharge_id",
    "surcharge_rate",
    "surcharge_yuan",
    "lon",
    "lat",
]


def evaluate(
    engine: sa.Engine,
    on: dt.date,
    *,
    sector: str | Iterable[str] | None = None,
    sub_industry: str | Iterable[str] | None = None,
    category: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = None,
    prefecture: int | Iterable[int] | None = None,
    overdue_only: bool = False,
    unit_key: str | None = None,
    scope: Scope = EVERYTHING,
    xianzhi_triggers: bool = False,
    policy: Policy | None = None,
    lang: str = "zh",
    value: Translate | None = None,
    known_on: dt.date | None = None,
) -> pd.DataFrame:
    """Every unit existing on ``on`` that ``scope`` sees (after filters), with its deadline and
    reasons (COLUMNS); as known on ``known_on`` if given (else with everything known now).

    The reasons are words in ``lang`` (layers/texts.py), data values through ``value``.
    """
    policy = policy or default_policy()
    where, params = filter_sql(
        sector=sector,
        sub_industry=sub_industry,
        category=category,
        status=status,
        prefecture=prefecture,
    )
    if overdue_only:
        where += " AND ev.overdue"
    if unit_key is not None:
        where += " AND u.unit_key = :unit_key"
        params["unit_key"] = unit_key
    params |= policy_params(policy, on, xianzhi_triggers) | scope.params()
    sql, known = as_known(UNIT_SQL.format(filters=where), known_on)
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        rows = conn.execute(sa.text(sql), params | known).mappings().all()
    records = [_explain_row(dict(r), on, policy, lang, value) for r in rows]
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["days_late"] = frame["days_late"].astype("Int64")
    frame.attrs["as_of"] = on
    return frame


# The units of the scope that had exited on or before :on (an exited status, :exited, and an
# exit date by then), with their firm and prefecture: u, en, p beside ev. Read by EXITED_SQL and
# by queries built on it (layers/resettlement.py), through ``read_exited``.
EXITED_UNITS = f"""
FROM ev
JOIN unit u ON u.id = ev.unit_id
JOIN enterprise en ON en.id = u.enterprise_id
JOIN prefecture p ON p.adcode = ev.prefecture_adcode
WHERE ev.status = ANY(:exited) AND ev.exit_date <= :on AND {scope_sql("ev.prefecture_adcode")}"""
EXITED_SQL = f"""
WITH {STATE_CTES}
SELECT u.unit_key, ev.unit_id, en.name AS enterprise_name, en.credit_code,
       ev.prefecture_adcode, p.name AS prefecture_name, ev.sub_industry, ev.exit_date
{EXITED_UNITS} {{filters}}
ORDER BY ev.prefecture_adcode, u.unit_key
"""
EXITED_COLUMNS = [*COLUMNS[:6], "sub_industry", "exit_date"]  # the unit, its firm and place


def exited_by(engine: sa.Engine, on: dt.date, scope: Scope = EVERYTHING, **filters) -> pd.DataFrame:
    """The units (of the scope, after filters) that had exited on or before ``on``: an exited
    status and an exit date by then (EXITED_COLUMNS). ``evaluate`` says the same of them with
    every reason; this reads only what a list of exits needs (a page reads it on every view)."""
    where, params = filter_sql(**filters)
    rows = read_exited(engine, EXITED_SQL.format(filters=where), on, scope, params)
    return pd.DataFrame.from_records(rows, columns=EXITED_COLUMNS)


def read_exited(
    engine: sa.Engine, sql: str, on: dt.date, scope: Scope, params: dict | None = None
) -> list[sa.Row]:
    """The rows of ``sql`` (built on STATE_CTES and EXITED_UNITS) on ``on`` within ``scope``."""
    policy = default_policy()
    params = (params or {}) | policy_params(policy, on) | scope.params()
    params |= {"on": on, "exited": list(policy.statuses.exited)}
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        return conn.execute(sa.text(sql), params).all()


def _explain_row(r: dict, on: dt.date, policy: Policy, lang: str, value) -> dict:
    """Add the Python-side reasons: deadline basis text, flags, catalog suggestion."""
    r["as_of"] = on
    r["resolution"] = (
        "退出"
        if r["exited"] and r["in_scope"]
        else ("改造达标" if r["rectified"] and r["in_scope"] else None)
    )
    r["extended"] = r["deadline_kind"] == "identified_plus_months" and (
        r["deadline"] is not None
        and r["base_deadline"] is not None
        and r["deadline"] > r["base_deadline"]
    )
    s = suggest(
        policy,
        on,
        sub_industry=r["sub_industry"],
        equipment_name=r["equipment_name"],
        spec=r["spec"],
        spec_value=r["spec_value"],
        spec_unit=r["spec_unit"],
        lang=lang,
        value=value,
    )
    r["suggested_category"], r["catalog_edition"], r["suggestion"] = (
        s.category,
        s.edition,
        s.text,
    )
    r["category_disagrees"] = disagrees(r["category"], s.category)
    r["deadline_basis"] = deadline_basis(r, policy, lang, value)
    r["flags"] = _flags(r, on, policy, lang, value)
    return r


def _flags(r: dict, on: dt.date, policy: Policy, lang: str, value) -> str:
    """What looks wrong about the unit, in words."""
    flags = []
    if r["outside_policy"]:
        flags.append(
            say("flag.outside_policy", lang, value, rd=r["rectify_deadline"], cap=r["cap_deadline"])
        )
    if r["must_suspend_violation"]:
        flags.append(
            say("flag.must_suspend", lang, value, cat=r["category"], on=on, status=r["status"])
        )
    if r["remaining"] and r["deadline"] is None:
        flags.append(say("flag.no_deadline", lang))
    if r["status"] in policy.statuses.exited and not r["exited"]:
        flags.append(
            say("flag.exit_later", lang, value, status=r["status"], exit=r["exit_date"], on=on)
        )
    if r["category_disagrees"]:
        declared = r["category"] or say("not_declared", lang)
        flags.append(
            say("flag.catalog", lang, value, suggested=r["suggested_category"], cat=declared)
        )
    return joined("flags", flags, lang)


def deadline_basis(
    r: dict, policy: Policy, lang: str = "zh", value: Translate | None = None
) -> str:
    """How the deadline was computed (layers/texts.py)."""
    cat, kind = r["category"], r["deadline_kind"]

    def said(name, **params):
        return say(name, lang, value, **params)

    if cat is None:
        return said("basis.none")
    rule = policy.categories[cat]
    if kind == "fixed":
        return said("basis.fixed", cat=cat, deadline=r["deadline"], source=rule.source)
    rd = r["rectify_deadline"]
    if kind == "rectify_deadline":
        if rd is None:
            return said("basis.rectify.missing", cat=cat)
        return said("basis.rectify", cat=cat, rd=rd)
    # identified_plus_months (能耗不达标)
    ident = r["identified_date"]
    if ident is None:
        if rd is None:
            return said("basis.plus.no_dates", cat=cat)
        return said("basis.plus.no_ident", cat=cat, rd=rd)
    if r["identified_precision"] == "month":
        ident = said("basis.month", month=f"{ident:%Y-%m}")
    base = said("basis.plus", ident=ident, months=rule.months, base=r["base_deadline"])
    ext = rule.extension_months or 0
    cap = r["cap_deadline"]
    if rd is not None and rd > cap:
        return said("basis.plus.capped", base=base, rd=rd, total=rule.months + ext, cap=cap)
    if rd is not None and rd > r["base_deadline"]:
        return said("basis.plus.extended_to", base=base, rd=rd, ext=ext)
    if r["ever_extended"]:
        return said("basis.plus.extended", base=base, ext=ext, cap=cap)
    if rd is not None:
        return said("basis.plus.rectify", base=base, rd=rd)
    return base


HISTORY_SQL = f"""
SELECT e.event_date, e.valid_to, e.status, e.previous_status, e.category, e.rectify_deadline,
       e.actual_exit_date, e.derived, e.load_id, l.file_name
FROM unit_event e JOIN unit u ON u.id = e.unit_id
LEFT JOIN load_record l ON l.id = e.load_id
WHERE u.unit_key = :unit_key AND e.superseded_at IS NULL AND {scope_sql("u.prefecture_adcode")}
ORDER BY e.event_date, e.id
"""

# What each load said, in the order it was recorded, and whether it moved an earlier history.
RECORDED_SQL = f"""
SELECT l.recorded_at, l.file_name, o.observed_on, o.valid_from, o.status, o.category,
       o.rectify_deadline, o.actual_exit_date,
       o.valid_from < max(o.observed_on) OVER (
           ORDER BY o.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS corrects
FROM unit_observation o JOIN unit u ON u.id = o.unit_id
JOIN load_record l ON l.id = o.load_id
WHERE u.unit_key = :unit_key AND {scope_sql("u.prefecture_adcode")}
ORDER BY o.id
"""

EXISTS_SQL = f"SELECT 1 FROM unit u WHERE u.unit_key = :k AND {scope_sql('u.prefecture_adcode')}"


def history(engine: sa.Engine, unit_key: str, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """A unit's timeline as believed now (valid time), oldest first; ``derived`` rows are the
    state before its first register date that the policy implies. Empty when ``scope`` does
    not see the unit."""
    params = {"unit_key": unit_key} | scope.params()
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(HISTORY_SQL), conn, params=params)


def recorded(engine: sa.Engine, unit_key: str, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """What the registers said of a unit, in the order they were recorded (record time)."""
    params = {"unit_key": unit_key} | scope.params()
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(RECORDED_SQL), conn, params=params)


def exists(engine: sa.Engine, unit_key: str, scope: Scope = EVERYTHING) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(sa.text(EXISTS_SQL), {"k": unit_key} | scope.params()).first() is not None
        )


def _stated(status, category, rectify_deadline, actual_exit_date) -> str:
    # Read through pandas: a missing text may come back as NaN.
    extra = [f"类别 {category}"] if isinstance(category, str) else []
    if rectify_deadline is not None and not pd.isna(rectify_deadline):
        extra.append(f"整改期限 {rectify_deadline}")
    if actual_exit_date is not None and not pd.isna(actual_exit_date):
        extra.append(f"实际退出日期 {actual_exit_date}")
    said = status if isinstance(status, str) else UNSTATED
    return said + (f"（{'，'.join(extra)}）" if extra else "")


UNSTATED = "登记前（状态未载明，按政策起始日推定在退出范围内）"


def explain(
    engine: sa.Engine,
    unit_key: str,
    on: dt.date,
    policy: Policy | None = None,
    scope: Scope = EVERYTHING,
    known_on: dt.date | None = None,
) -> str | None:
    """Why the unit stands where it does on ``on`` (as known on ``known_on``, if given), in
    Chinese, with both lines of its history: what is believed now, what was recorded when.
    None if the key is unknown (or outside ``scope``)."""
    policy = policy or default_policy()
    if not exists(engine, unit_key, scope):
        return None
    hist = history(engine, unit_key, scope)
    rows = evaluate(engine, on, unit_key=unit_key, policy=policy, scope=scope, known_on=known_on)
    known = f"，按 {known_on} 当时掌握的情况" if known_on else ""
    lines = [f"装备 {unit_key}（截至 {on}{known}）"]
    if rows.empty:
        first = hist["event_date"].min() if len(hist) else None
        lines.append(f"{on} 时尚无该装备的登记记录（最早记录日期：{first or '无'}）。")
    else:
        r = rows.iloc[0]
        lines += _explain_lines(r, on)
    lines.append("状态历史（现行认定，按实际发生日期）：")
    for h in hist.itertuples():
        stated = _stated(h.status, h.category, h.rectify_deadline, h.actual_exit_date)
        mark = "  " if h.event_date <= on else "  （晚于查询日期）"
        lines.append(f"{mark}{h.event_date} {stated}")
    lines.append("登记记录（按记录时间）：")
    for o in recorded(engine, unit_key, scope).itertuples():
        stated = _stated(o.status, o.category, o.rectify_deadline, o.actual_exit_date)
        moved = "，更正此前历史" if o.corrects else ""
        lines.append(
            f"  {o.recorded_at.astimezone(ZONE):%Y-%m-%d} 记录《{o.file_name}》"
            f"（数据日期 {o.observed_on}）：{stated}，自 {o.valid_from} 起{moved}"
        )
    lines.append("规则版本：" + "，".join(f"{k} {v}" for k, v in policy.versions.items()))
    return "\n".join(lines)


def _explain_lines(r: pd.Series, on: dt.date) -> list[str]:
    out = [
        f"企业：{r['enterprise_name']}；{r['prefecture_name']}{r['county_name'] or ''}",
        f"装备：{r['sub_industry']} {r['equipment_name']}"
        + (f"，规格 {r['spec']}" if r["spec"] else "")
        + (f"，{r['spec_value']:g}{r['spec_unit'] or ''}" if pd.notna(r["spec_value"]) else ""),
        f"状态：{r['status'] or UNSTATED}（自 {r['event_date']} 起）",
        f"退出类别：{r['category'] or '无'}",
    ]
    if not r["in_scope"]:
        out.append("结论：无退出类别，不在退出范围内。")
        return out
    out.append(f"期限：{r['deadline'] or '无法确定'}；依据：{r['deadline_basis']}")
    if r["resolution"] == "退出":
        out.append(f"结论：已退出（退出日期 {r['exit_date']}），已完成。")
    elif r["resolution"] == "改造达标":
        out.append("结论：已改造达标，已完成。")
    elif r["overdue"]:
        trig = "，计入区域限批触发" if r["freeze_trigger"] else "，不计入区域限批触发"
        out.append(f"结论：未完成，已逾期 {int(r['days_late'])} 天{trig}。")
    else:
        out.append("结论：未完成，尚未到期。")
    out.append(
        f"目录建议：{r['suggestion']}" + ("（与申报类别不一致）" if r["category_disagrees"] else "")
    )
    if r["surcharge_rate"]:
        out.append(
            f"加价电费估算：年用电量 {r['electricity_10k_kwh'] or 0:g} 万千瓦时 × "
            f"{r['surcharge_rate']:g} 元/千瓦时 = {r['surcharge_yuan']:,.2f} 元"
            f"（规则 {r['surcharge_id']}）"
        )
    else:
        out.append("加价电费估算：0 元（已完成或该行业、类别无加价规则）")
    if r["flags"]:
        out.append(f"提示：{r['flags']}")
    return out
