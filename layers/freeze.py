"""区域限批 per prefecture: what the rule says (computed) beside what was decided (recorded).

The rule (data/policy/freeze.toml, applied by ``Policy.freeze_verdict`` — the same call the
standing and the map make): a prefecture is triggered once it has overdue units in a trigger
category, or, with the target trigger switched on, once it missed a year's targets
(layers/targets.py); the reasons name which. A decision is a document with a start and maybe
a lift date. They can disagree — a triggered prefecture without a decision, or a decision the
rule no longer supports — and the product shows that rather than hiding either side.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.clock import end_of
from exitmap.db import connected
from exitmap.policy import Policy, default_policy
from exitmap.policy.texts import Translate, say
from exitmap.scope import EVERYTHING, Scope, scope_sql
from layers.meta import prefecture_names
from layers.targets import TargetStanding, standing_on
from layers.units import evaluate

# As known on K (``:known``, the end of K; NULL: now), a lift recorded later is not yet made.
DECISIONS_SQL = f"""
SELECT d.id, d.prefecture_adcode AS adcode, p.name, d.document_no, d.start_date,
       CASE WHEN lifted THEN d.lift_date END AS lift_date,
       CASE WHEN lifted THEN d.lift_document_no END AS lift_document_no, d.reason
FROM freeze_decision d JOIN prefecture p ON p.adcode = d.prefecture_adcode,
     LATERAL (SELECT CAST(:known AS timestamptz) IS NULL
                     OR d.lift_recorded_at < CAST(:known AS timestamptz) AS lifted) l
WHERE {scope_sql("d.prefecture_adcode")}
  AND (CAST(:known AS timestamptz) IS NULL OR d.recorded_at < CAST(:known AS timestamptz))
ORDER BY d.prefecture_adcode, d.start_date, d.id
"""

COLUMNS = [
    "adcode",
    "name",
    "triggered",
    "trigger_units",
    "trigger_reasons",
    "triggering_units",
    "decided",
    "decision_document",
    "decision_start",
    "decision_reason",
    "disagreement",
]


def decisions(
    bind: sa.Engine | sa.Connection, scope: Scope = EVERYTHING, known_on: dt.date | None = None
) -> pd.DataFrame:
    """Every recorded decision (history) of the prefectures ``scope`` sees, by start date; as
    known on ``known_on``, if given (decisions and lifts recorded by then)."""
    known = {"known": end_of(known_on) if known_on else None}
    with connected(bind) as conn:
        return pd.read_sql_query(sa.text(DECISIONS_SQL), conn, params=scope.params() | known)


def active(frame: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Decisions in force on a date: started on or before it and not lifted by then."""
    started = frame["start_date"] <= on
    not_lifted = frame["lift_date"].isna() | frame["lift_date"].map(
        lambda d: d is not None and not pd.isna(d) and d > on
    )
    return frame[started & not_lifted]


def freeze_list(
    engine: sa.Engine,
    on: dt.date,
    *,
    scope: Scope = EVERYTHING,
    xianzhi_triggers: bool = False,
    policy: Policy | None = None,
    lang: str = "zh",
    value: Translate | None = None,
    known_on: dt.date | None = None,
) -> pd.DataFrame:
    """One row per prefecture (all 16, or those ``scope`` sees): trigger with its units and
    reasons, decision, mismatch; as known on ``known_on``, if given.

    The reasons and notes are in ``lang`` (exitmap/policy/texts.py), data values through ``value``.
    """
    policy = policy or default_policy()
    overdue = evaluate(engine, on, overdue_only=True, scope=scope, policy=policy, known_on=known_on)
    with engine.connect() as conn:
        names = prefecture_names(conn, scope)
        in_force = active(decisions(conn, scope, known_on), on)
        targets = standing_on(conn, on, policy.freeze.target, scope, known_on)
    rows = []
    for adcode, name in names.items():
        late = overdue[overdue["prefecture_adcode"] == adcode]
        by_category = late.groupby("category").size().to_dict()
        missed = targets.get(adcode, TargetStanding()).missed
        verdict = policy.freeze_verdict(by_category, xianzhi_triggers, missed)
        units = late[late["category"].isin(verdict.categories)]
        triggered = verdict.triggered
        dec = in_force[in_force["adcode"] == adcode]
        decided = len(dec) > 0
        first = dec.iloc[0] if decided else None
        rows.append(
            {
                "adcode": adcode,
                "name": name,
                "triggered": triggered,
                "trigger_units": verdict.units,
                "trigger_reasons": verdict.reasons(lang, value),
                "triggering_units": [
                    say("freeze.unit", lang, value, key=k, cat=c, deadline=d, days=n)
                    for k, c, d, n in zip(
                        units["unit_key"],
                        units["category"],
                        units["deadline"],
                        units["days_late"],
                        strict=True,
                    )
                ],
                "decided": decided,
                "decision_document": first["document_no"] if decided else None,
                "decision_start": first["start_date"] if decided else None,
                "decision_reason": first["reason"] if decided else None,
                "disagreement": (
                    say("freeze.no_decision", lang)
                    if triggered and not decided
                    else say("freeze.no_trigger", lang)
                    if decided and not triggered
                    else ""
                ),
            }
        )
    frame = pd.DataFrame.from_records(rows, columns=COLUMNS)
    frame.attrs["as_of"] = on
    return frame
