"""An access scope: the prefectures a caller may see — None for the whole province.

Not to be confused with a unit being *in scope* (having an exit category). A read that takes
``prefectures`` restricts itself in SQL with ``scope_sql`` (never by filtering afterwards), and a
cache puts ``scope_key(prefectures)`` in its key, so two scopes never share an entry. The
standing of a scope has the province row total only its prefectures.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

Prefectures = int | Iterable[int] | None


def scope_key(prefectures: Prefectures) -> tuple[int, ...] | None:
    """The scope as a hashable key: None, or the sorted distinct adcodes."""
    if prefectures is None:
        return None
    if isinstance(prefectures, int):
        return (prefectures,)
    return tuple(sorted({int(p) for p in prefectures}))


def scope_sql(column: str) -> str:
    """A condition on ``column`` (a prefecture adcode) bound to ``:scope``; true for None."""
    return f"(CAST(:scope AS integer[]) IS NULL OR {column} = ANY(:scope))"


def scope_params(prefectures: Prefectures) -> dict[str, object]:
    key = scope_key(prefectures)
    return {"scope": None if key is None else list(key)}


PREFECTURES_SQL = f"SELECT adcode, name FROM prefecture WHERE {scope_sql('adcode')} ORDER BY adcode"


def prefecture_names(conn: sa.Connection, prefectures: Prefectures = None) -> dict[int, str]:
    """adcode → name of the prefectures in scope, by adcode."""
    return dict(conn.execute(sa.text(PREFECTURES_SQL), scope_params(prefectures)).all())
