"""Energy-quota ledger per prefecture (seed 三(四)): credits from exits, debits from allocations.

A credit is the annual energy (tce) of an in-scope unit that has exited on or before the date,
dated by its exit (valid time: the register's 实际退出日期, whenever it was loaded); a debit is
an allocation recorded in quota_entry. Because credits are replayed from the unit history, a
unit that went back into production (a reversal) stops crediting its prefecture from the date
of the reversal on, and a corrected exit date moves its credit. A correction can so leave an
allocation short: ``shortfalls`` lists the dates on which a balance is below zero.

Every read can be "as known on K" (``known_on``): the history and the allocations recorded by
the end of K.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.mirror import check_policy_synced
from exitmap.scope import EVERYTHING, Scope, scope_sql
from layers.units import HOLD_CURRENT, STATE_CTES, as_known, policy_params, recorded_by

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
      {{known}}
UNION ALL
SELECT ev.prefecture_adcode, h.held_from, 'hold', -ev.energy_tce, u.unit_key, r.service_request_id
FROM unit_hold h JOIN ev ON ev.unit_id = h.unit_id JOIN unit u ON u.id = h.unit_id
JOIN report r ON r.id = h.report_id
WHERE h.held_from <= :on AND ev.in_scope AND ev.exited AND COALESCE(ev.energy_tce, 0) > 0
      AND {scope_sql("ev.prefecture_adcode")} {{hold_known}}
UNION ALL
SELECT ev.prefecture_adcode, h.released_on, 'unhold', ev.energy_tce, u.unit_key, h.decision
FROM unit_hold h JOIN ev ON ev.unit_id = h.unit_id JOIN unit u ON u.id = h.unit_id
WHERE h.released_on <= :on AND ev.in_scope AND ev.exited AND COALESCE(ev.energy_tce, 0) > 0
      AND {scope_sql("ev.prefecture_adcode")} {{unhold_known}}
"""


# A unit whose exit a substantiated report disputes (unit_hold, migration 0007) releases
# nothing while its hold runs: from the day it was held until the office decides.
RELEASED_SQL = f"""
WITH {STATE_CTES}
SELECT COALESCE(sum(ev.energy_tce), 0) FROM ev
WHERE ev.in_scope AND ev.exited AND ev.prefecture_adcode = :adcode
  AND NOT EXISTS (SELECT 1 FROM unit_hold h WHERE h.unit_id = ev.unit_id AND {HOLD_CURRENT})
"""

ALLOCATED_SQL = """
SELECT COALESCE(sum(amount_tce), 0) FROM quota_entry
WHERE kind = 'allocation' AND prefecture_adcode = :adcode AND entry_date <= :on {known}
"""

EPSILON_TCE = 1e-6  # floating sums of exits must not turn an exact balance into a shortfall

KIND_LABEL = {
    "release": "产能退出释放",
    "allocation": "分配项目",
    "hold": "举报查实暂扣",
    "unhold": "省办决定解除暂扣",
}


def ledger(
    engine: sa.Engine,
    on: dt.date,
    scope: Scope = EVERYTHING,
    policy: Policy | None = None,
    known_on: dt.date | None = None,
) -> pd.DataFrame:
    """Entries up to ``on`` of the prefectures ``scope`` sees, oldest first, with a running
    balance per prefecture (as known on ``known_on``, if given).

    Columns: adcode, name, entry_date, kind, kind_label, amount_tce (credit +, debit −),
    item (unit key or project), document, balance_tce.
    """
    policy = policy or default_policy()
    params = policy_params(policy, on) | scope.params()
    entered, known = recorded_by("q.created_at", known_on)
    held, _ = recorded_by("h.recorded_at", known_on)
    lifted, _ = recorded_by("h.released_at", known_on)
    ledger_sql = LEDGER_SQL.format(known=entered, hold_known=held, unhold_known=lifted)
    sql, known = as_known(ledger_sql, known_on)
    with engine.connect() as conn:
        check_policy_synced(conn, policy)
        rows = conn.execute(sa.text(sql), params | known).mappings().all()
        names = dict(conn.execute(sa.text("SELECT adcode, name FROM prefecture")).all())
    frame = pd.DataFrame.from_records(
        [dict(r) for r in rows],
        columns=["adcode", "entry_date", "kind", "amount_tce", "item", "document"],
    )
    # Credits before debits on the same day: an exit and an allocation on one date balance.
    frame["order"] = frame["kind"].map({"release": 0, "unhold": 0, "allocation": 1, "hold": 2})
    frame = frame.sort_values(["adcode", "entry_date", "order", "item"], kind="stable")
    frame["name"] = frame["adcode"].map(names)
    frame["kind_label"] = frame["kind"].map(KIND_LABEL)
    frame["amount_tce"] = frame["amount_tce"].astype(float)
    frame["balance_tce"] = frame.groupby("adcode")["amount_tce"].cumsum().round(2)
    cols = ["adcode", "name", "entry_date", "kind", "kind_label", "amount_tce", "item"]
    return frame[[*cols, "document", "balance_tce"]].reset_index(drop=True)


def released(
    conn: sa.Connection, adcode: int, on: dt.date, policy: Policy, known_on: dt.date | None = None
) -> float:
    check_policy_synced(conn, policy)
    sql, known = as_known(RELEASED_SQL, known_on)
    params = policy_params(policy, on) | {"adcode": adcode} | known
    return float(conn.execute(sa.text(sql), params).scalar_one())


def allocated(
    conn: sa.Connection, adcode: int, on: dt.date, known_on: dt.date | None = None
) -> float:
    entered, known = recorded_by("created_at", known_on)
    params = {"adcode": adcode, "on": on} | known
    return float(conn.execute(sa.text(ALLOCATED_SQL.format(known=entered)), params).scalar_one())


def balance_on(
    conn: sa.Connection, adcode: int, on: dt.date, policy: Policy, known_on: dt.date | None = None
) -> float:
    spent = allocated(conn, adcode, on, known_on)
    return round(released(conn, adcode, on, policy, known_on) - spent, 2)


def balance(
    engine: sa.Engine,
    adcode: int,
    on: dt.date,
    policy: Policy | None = None,
    known_on: dt.date | None = None,
) -> float:
    """Released minus allocated quota of a prefecture on a date (tce)."""
    with engine.connect() as conn:
        return balance_on(conn, adcode, on, policy or default_policy(), known_on)


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


@dataclass(frozen=True)
class Shortfall:
    """A prefecture whose quota balance is below zero on a date (after a corrected history)."""

    adcode: int
    name: str
    on: dt.date
    balance_tce: float

    def text(self) -> str:
        return (
            f"{self.name}在 {self.on} 的能耗指标余额为 {self.balance_tce:.2f} 吨标准煤"
            "（已分配的多于截至该日释放的）"
        )


# Where a balance can first go below zero: an allocation, or the end of an exit (a reversal,
# a corrected exit date) after the prefecture's first allocation.
BALANCE_DROPS_SQL = """
SELECT q.prefecture_adcode, q.entry_date FROM quota_entry q
WHERE q.kind = 'allocation' {where}
UNION
SELECT e.u_prefecture_adcode, e.valid_to FROM unit_event e
WHERE e.superseded_at IS NULL AND e.e_is_exit AND e.valid_to IS NOT NULL
  AND e.valid_to > (SELECT min(q.entry_date) FROM quota_entry q
                    WHERE q.kind = 'allocation' AND q.prefecture_adcode = e.u_prefecture_adcode)
ORDER BY 1, 2
"""


def shortfalls(
    conn: sa.Connection, policy: Policy, prefectures: list[int] | None = None
) -> list[Shortfall]:
    """The dates on which a prefecture's balance (of ``prefectures``, if given) is below zero,
    with everything known now: after a correction or a reversal took released quota back."""
    where = "" if prefectures is None else " AND q.prefecture_adcode = ANY(:prefectures)"
    dates = conn.execute(
        sa.text(BALANCE_DROPS_SQL.format(where=where)), {"prefectures": prefectures}
    ).all()
    names = dict(conn.execute(sa.text("SELECT adcode, name FROM prefecture")).all())
    out = []
    for adcode, on in dates:
        if prefectures is not None and adcode not in prefectures:
            continue
        left = balance_on(conn, adcode, on, policy)
        if left < -EPSILON_TCE:
            out.append(Shortfall(adcode, names[adcode], on, left))
    return out
