"""Energy-quota ledger per prefecture (seed 三(四)): credits from exits, debits from allocations.

A credit is the annual energy (tce) of an in-scope unit that has exited on or before the date,
dated by its exit; a debit is an allocation recorded in quota_entry. Because credits are
replayed from the unit history, a unit that went back into production (a reversal) stops
crediting its prefecture from the date of the reversal on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.scope import EVERYTHING, Scope, scope_sql
from layers.units import STATE_CTES, policy_params

LEDGER_SQL = f"""
WITH {STATE_CTES}
SELECT ev.prefecture_adcode AS adcode, ev.exit_date AS entry_date, 'release' AS kind,
       ev.energy_tce AS amount_tce, u.unit_key AS item, NULL AS document
FROM ev JOIN unit u ON u.id = ev.unit_id
WHERE ev.in_scope AND ev.exited AND COALESCE(ev.energy_tce, 0) > 0
      AND {scope_sql("ev.prefecture_adcode")}
UNION ALL
SELECT q.prefecture_adcode, q.entry_date, 'allocation', -q.amount_tce, q.project, q.document
FROM quota_entry q
WHERE q.kind = 'allocation' AND q.entry_date <= :on AND {scope_sql("q.prefecture_adcode")}
"""

RELEASED_SQL = f"""
WITH {STATE_CTES}
SELECT COALESCE(sum(ev.energy_tce), 0) FROM ev
WHERE ev.in_scope AND ev.exited AND ev.prefecture_adcode = :adcode
"""

ALLOCATED_SQL = """
SELECT COALESCE(sum(amount_tce), 0) FROM quota_entry
WHERE kind = 'allocation' AND prefecture_adcode = :adcode AND entry_date <= :on
"""

KIND_LABEL = {"release": "产能退出释放", "allocation": "分配项目"}


def ledger(
    engine: sa.Engine,
    on: dt.date,
    scope: Scope = EVERYTHING,
    policy: Policy | None = None,
) -> pd.DataFrame:
    """Entries up to ``on`` of the prefectures ``scope`` sees, oldest first, with a running
    balance per prefecture.

    Columns: adcode, name, entry_date, kind, kind_label, amount_tce (credit +, debit −),
    item (unit key or project), document, balance_tce.
    """
    policy = policy or default_policy()
    params = policy_params(policy, on) | scope.params()
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        rows = conn.execute(sa.text(LEDGER_SQL), params).mappings().all()
        names = dict(conn.execute(sa.text("SELECT adcode, name FROM prefecture")).all())
    frame = pd.DataFrame.from_records(
        [dict(r) for r in rows],
        columns=["adcode", "entry_date", "kind", "amount_tce", "item", "document"],
    )
    # Credits before debits on the same day: an exit and an allocation on one date balance.
    frame["order"] = frame["kind"].map({"release": 0, "allocation": 1})
    frame = frame.sort_values(["adcode", "entry_date", "order", "item"], kind="stable")
    frame["name"] = frame["adcode"].map(names)
    frame["kind_label"] = frame["kind"].map(KIND_LABEL)
    frame["amount_tce"] = frame["amount_tce"].astype(float)
    frame["balance_tce"] = frame.groupby("adcode")["amount_tce"].cumsum().round(2)
    cols = ["adcode", "name", "entry_date", "kind", "kind_label", "amount_tce", "item"]
    return frame[[*cols, "document", "balance_tce"]].reset_index(drop=True)


def released(conn: sa.Connection, adcode: int, on: dt.date, policy: Policy) -> float:
    check_policy_synced(conn, policy)
    params = policy_params(policy, on) | {"adcode": adcode}
    return float(conn.execute(sa.text(RELEASED_SQL), params).scalar_one())


def allocated(conn: sa.Connection, adcode: int, on: dt.date) -> float:
    return float(conn.execute(sa.text(ALLOCATED_SQL), {"adcode": adcode, "on": on}).scalar_one())


def balance_on(conn: sa.Connection, adcode: int, on: dt.date, policy: Policy) -> float:
    return round(released(conn, adcode, on, policy) - allocated(conn, adcode, on), 2)


def balance(engine: sa.Engine, adcode: int, on: dt.date, policy: Policy | None = None) -> float:
    """Released minus allocated quota of a prefecture on a date (tce)."""
    with engine.connect() as conn:
        return balance_on(conn, adcode, on, policy or default_policy())


def available(conn: sa.Connection, adcode: int, on: dt.date, policy: Policy) -> float:
    """What can still be allocated on ``on`` without any balance, then or later, going negative.

    Later allocations already recorded count against it: spending on 1 March what a 1 June
    allocation relies on would leave June short.
    """
    later = conn.execute(
        sa.text(
            "SELECT DISTINCT entry_date FROM quota_entry WHERE kind = 'allocation'"
            " AND prefecture_adcode = :adcode AND entry_date > :on ORDER BY 1"
        ),
        {"adcode": adcode, "on": on},
    ).scalars()
    return min(balance_on(conn, adcode, d, policy) for d in [on, *later])
