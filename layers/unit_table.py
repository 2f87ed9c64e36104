"""The unit tables the pages page through: one block of rows at a time, searched, filtered and
sorted in SQL, within the caller's access scope, whatever the number of units.

A page never holds every unit: the 数据 page and a prefecture's unit list ask for the rows they
show (``unit_rows``) and the total for the same question; a download asks for at most its limit.
The question (``UnitQuery``) is data: the view's filters, search words, column conditions and
sort keys, each checked against ``COLUMNS`` (names never reach the SQL text; values are bound).

Words are matched the way the page shows them: a vocabulary column (sector, category …,
prefecture) matches the labels of its values in the page's language (``label``), so "Eliminate"
finds 淘汰类 on the English page, and sorts in the order of those labels.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.scope import Scope, scope_sql
from exitmap.vocabulary import ALL_SUB_INDUSTRIES, CATEGORIES, PREFECTURES, SECTORS, STATUSES
from layers.units import STATE_CTES, as_known, filter_sql, policy_params

Label = Callable[[str], str]


@dataclass(frozen=True)
class Column:
    sql: str
    kind: str  # text | date | number | choice | flag
    # choice: stored value → its name (the label is ``label(name)``)
    choices: Mapping[object, str] = field(default_factory=dict)


def _named(values: Iterable[str]) -> dict[str, str]:
    return {x: x for x in values}


COLUMNS: dict[str, Column] = {
    "unit_key": Column("u.unit_key", "text"),
    "prefecture": Column("ev.prefecture_adcode", "choice", dict(PREFECTURES)),
    "county": Column("c.name", "text"),
    "enterprise_name": Column("en.name", "text"),
    "sector": Column("ev.sector", "choice", _named(SECTORS)),
    "sub_industry": Column("ev.sub_industry", "choice", _named(ALL_SUB_INDUSTRIES)),
    "equipment_name": Column("u.equipment_name", "text"),
    "spec": Column("u.spec", "text"),
    "category": Column("ev.category", "choice", _named(CATEGORIES)),
    "status": Column("ev.status", "choice", _named(STATUSES)),
    "deadline": Column("ev.deadline", "date"),
    "days_late": Column("(CASE WHEN ev.overdue THEN :on - ev.deadline END)", "number"),
    "energy_tce": Column("ev.energy_tce", "number"),
    "lon": Column("ST_X(u.geom)", "number"),
    "lat": Column("ST_Y(u.geom)", "number"),
    "in_scope": Column("ev.in_scope", "flag"),
    "remaining": Column("ev.remaining", "flag"),
    "overdue": Column("ev.overdue", "flag"),
}
# What the search box looks in (numbers are not searched: "17" would match every figure).
SEARCHED = tuple(n for n, c in COLUMNS.items() if c.kind in ("text", "date", "choice"))

TEXT_OPS = (
    "contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"
)  # fmt: skip
NUMBER_OPS = (
    "equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual",
    "inRange", "blank", "notBlank",
)  # fmt: skip
MAX_SEARCH_CHARS = 100
MAX_WORDS = 8
MAX_BLOCK = 500  # rows in one answer to a page


class QueryError(ValueError):
    """A table question naming a column or condition that does not exist."""


@dataclass(frozen=True)
class Condition:
    """One condition on a column: AG Grid's filter types, by their names there."""

    op: str
    value: str | float | None = None
    to: float | None = None


@dataclass(frozen=True)
class ColumnFilter:
    column: str
    conditions: tuple[Condition, ...]
    any: bool = False  # OR between the conditions instead of AND


@dataclass(frozen=True)
class UnitQuery:
    on: dt.date
    # The filter bar's (layers.units.FILTERS names, None: not filtering).
    filters: Mapping[str, object] = field(default_factory=dict)
    search: str = ""
    where: tuple[ColumnFilter, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (column, descending), first key first
    known_on: dt.date | None = None  # as known on that day (record time); None: now


@dataclass(frozen=True)
class Rows:
    rows: list[dict]
    total: int  # rows of the whole question, not only of this block


SELECT = ", ".join(f"{c.sql} AS {name}" for name, c in COLUMNS.items())
TABLE_SQL = f"""
WITH {STATE_CTES}
SELECT {SELECT}, ev.prefecture_adcode AS prefecture_adcode, u.county_adcode AS county_adcode,
       count(*) OVER () AS total_rows
FROM ev
JOIN unit u ON u.id = ev.unit_id
JOIN enterprise en ON en.id = u.enterprise_id
LEFT JOIN county c ON c.adcode = u.county_adcode
WHERE true {{where}}
ORDER BY {{order}}
LIMIT :limit OFFSET :offset
"""
COUNT_SQL = f"""
WITH {STATE_CTES}
SELECT count(*)
FROM ev
JOIN unit u ON u.id = ev.unit_id
JOIN enterprise en ON en.id = u.enterprise_id
LEFT JOIN county c ON c.adcode = u.county_adcode
WHERE true {{where}}
"""


class _Sql:
    """Clauses and their bound values, each value under a fresh name."""

    def __init__(self) -> None:
        self.params: dict[str, object] = {}

    def bind(self, value: object) -> str:
        name = f"q{len(self.params)}"
        self.params[name] = value
        return f":{name}"


def _like(text: str, how: str) -> str:
    """An ILIKE pattern matching ``text`` literally (``%``, ``_``, ``\\`` escaped)."""
    body = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"contains": f"%{body}%", "startsWith": f"{body}%", "endsWith": f"%{body}"}.get(
        how, body
    )


def _labels(column: Column, label: Label) -> dict[object, str]:
    return {value: label(name).casefold() for value, name in column.choices.items()}


def _choice_matches(column: Column, label: Label, op: str, text: str) -> list:
    """The stored values whose label satisfies a text condition."""
    text = text.casefold()
    test = {
        "contains": lambda s: text in s,
        "notContains": lambda s: text not in s,
        "equals": lambda s: s == text,
        "notEqual": lambda s: s != text,
        "startsWith": lambda s: s.startswith(text),
        "endsWith": lambda s: s.endswith(text),
    }[op]
    return [value for value, name in _labels(column, label).items() if test(name)]


def _text_condition(sql: _Sql, column: Column, cond: Condition, label: Label) -> str:
    expr = column.sql if column.kind != "date" else f"to_char({column.sql}, 'YYYY-MM-DD')"
    if cond.op == "blank":
        return f"({expr} IS NULL OR {expr} = '')" if column.kind == "text" else f"{expr} IS NULL"
    if cond.op == "notBlank":
        return (
            f"({expr} IS NOT NULL AND {expr} <> '')"
            if column.kind == "text"
            else (f"{expr} IS NOT NULL")
        )
    if not isinstance(cond.value, str):
        raise QueryError(f"text condition without text: {cond}")
    text = cond.value[:MAX_SEARCH_CHARS]
    if column.kind == "choice":
        found = f"{column.sql} = ANY({sql.bind(_choice_matches(column, label, cond.op, text))})"
        # An empty cell contains nothing, so it passes the negative conditions.
        negative = cond.op in ("notContains", "notEqual")
        return f"({column.sql} IS NULL OR {found})" if negative else found
    if cond.op in ("contains", "startsWith", "endsWith", "equals"):
        return f"{expr} ILIKE {sql.bind(_like(text, cond.op))} ESCAPE '\\'"
    # notContains / notEqual: an empty cell does not contain the text either.
    how = "contains" if cond.op == "notContains" else "equals"
    return f"({expr} IS NULL OR {expr} NOT ILIKE {sql.bind(_like(text, how))} ESCAPE '\\')"


def _number(value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise QueryError(f"not a number: {value!r}") from None
    if not math.isfinite(x):
        raise QueryError(f"not a finite number: {value!r}")
    return x


def _number_condition(sql: _Sql, column: Column, cond: Condition) -> str:
    expr = column.sql
    if cond.op == "blank":
        return f"{expr} IS NULL"
    if cond.op == "notBlank":
        return f"{expr} IS NOT NULL"
    x = sql.bind(_number(cond.value))
    if cond.op == "inRange":
        return f"{expr} BETWEEN {x} AND {sql.bind(_number(cond.to))}"
    compare = {
        "equals": "=",
        "notEqual": "<>",
        "lessThan": "<",
        "lessThanOrEqual": "<=",
        "greaterThan": ">",
        "greaterThanOrEqual": ">=",
    }[cond.op]
    if cond.op == "notEqual":
        return f"({expr} IS NULL OR {expr} <> {x})"
    return f"{expr} {compare} {x}"


def _column(name: str) -> Column:
    if name not in COLUMNS:
        raise QueryError(f"unknown column {name!r}")
    return COLUMNS[name]


def _filter_clause(sql: _Sql, f: ColumnFilter, label: Label) -> str:
    column = _column(f.column)
    parts = []
    for cond in f.conditions:
        if column.kind == "number":
            if cond.op not in NUMBER_OPS:
                raise QueryError(f"unknown number condition {cond.op!r}")
            parts.append(_number_condition(sql, column, cond))
        elif column.kind in ("text", "date", "choice"):
            if cond.op not in TEXT_OPS:
                raise QueryError(f"unknown text condition {cond.op!r}")
            parts.append(_text_condition(sql, column, cond, label))
        else:
            raise QueryError(f"column {f.column!r} cannot be filtered")
    if not parts:
        return ""
    return " AND (" + (" OR " if f.any else " AND ").join(parts) + ")"


def search_words(text: str) -> list[str]:
    """The words of a search box (bounded): each must be found in some column of a row."""
    return (text or "")[:MAX_SEARCH_CHARS].split()[:MAX_WORDS]


def _search_clause(sql: _Sql, text: str, label: Label) -> str:
    clauses = []
    for word in search_words(text):
        anywhere = []
        for name in SEARCHED:
            anywhere.append(_text_condition(sql, COLUMNS[name], Condition("contains", word), label))
        clauses.append(" AND (" + " OR ".join(anywhere) + ")")
    return "".join(clauses)


def _order_clause(sql: _Sql, order: Iterable[tuple[str, bool]], label: Label) -> str:
    keys = []
    for name, descending in order:
        column = _column(name)
        way = "DESC NULLS LAST" if descending else "ASC NULLS FIRST"
        if column.kind == "choice":
            ranked = sorted(column.choices, key=lambda v: label(column.choices[v]))
            keys.append(f"array_position({sql.bind(ranked)}, {column.sql}) {way}")
        elif column.kind == "text":
            keys.append(f'{column.sql} COLLATE "C" {way}')
        else:
            keys.append(f"{column.sql} {way}")
    # Always ends on the unit's key: blocks of one question never overlap or miss a row.
    keys += ["ev.prefecture_adcode", 'u.unit_key COLLATE "C"']
    return ", ".join(keys)


def _where(query: UnitQuery, scope: Scope, label: Label) -> tuple[str, _Sql]:
    sql = _Sql()
    filters, params = filter_sql(**query.filters)
    clause = f" AND {scope_sql('ev.prefecture_adcode')}"
    sql.params |= params | scope.params()
    where = clause + filters + _search_clause(sql, query.search, label)
    for f in query.where:
        where += _filter_clause(sql, f, label)
    return where, sql


def unit_rows(
    engine: sa.Engine,
    query: UnitQuery,
    start: int = 0,
    end: int = 100,
    *,
    scope: Scope,
    label: Label = str,
    policy: Policy | None = None,
    limit: int = MAX_BLOCK,
) -> Rows:
    """Rows ``start`` … ``end`` - 1 of the units ``query`` asks for, seen by ``scope``, and how
    many rows the whole question has. At most ``limit`` rows come back."""
    policy = policy or default_policy()
    start = max(0, int(start))
    count = max(0, min(int(end) - start, limit))
    where, sql = _where(query, scope, label)
    order = _order_clause(sql, query.order, label)
    table, known = as_known(TABLE_SQL.format(where=where, order=order), query.known_on)
    counted, _ = as_known(COUNT_SQL.format(where=where), query.known_on)
    params = sql.params | policy_params(policy, query.on) | known
    params |= {"limit": count, "offset": start}
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        rows = [dict(r) for r in conn.execute(sa.text(table), params).mappings()]
        if rows:
            total = int(rows[0]["total_rows"])
        else:  # past the end, or nothing at all: count on its own
            total = conn.execute(sa.text(counted), params).scalar_one()
    for r in rows:
        del r["total_rows"]
    return Rows(rows, total)


def unit_count(
    engine: sa.Engine,
    query: UnitQuery,
    *,
    scope: Scope,
    label: Label = str,
    policy: Policy | None = None,
) -> int:
    """How many units ``query`` asks for, seen by ``scope`` (no rows read out)."""
    policy = policy or default_policy()
    where, sql = _where(query, scope, label)
    counted, known = as_known(COUNT_SQL.format(where=where), query.known_on)
    params = sql.params | policy_params(policy, query.on) | known
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        return conn.execute(sa.text(counted), params).scalar_one()
