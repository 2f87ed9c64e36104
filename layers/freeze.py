"""区域限批 per prefecture: what the rule says (computed) beside what was decided (recorded).

The rule (data/policy/freeze.toml): a prefecture is triggered once it has overdue units in a
trigger category. A decision is a document with a start and maybe a lift date. They can
disagree — a triggered prefecture without a decision, or a decision the rule no longer
supports — and the product shows that rather than hiding either side.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from exitmap.policy import Policy, default_policy
from exitmap.policy.texts import Translate, joined, say
from layers.units import evaluate

DECISIONS_SQL = """
SELECT d.id, d.prefecture_adcode AS adcode, p.name, d.document_no, d.start_date, d.lift_date,
       d.lift_document_no, d.reason
FROM freeze_decision d JOIN prefecture p ON p.adcode = d.prefecture_adcode
WHERE (CAST(:adcode AS integer) IS NULL OR d.prefecture_adcode = :adcode)
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


def decisions(engine: sa.Engine, prefecture: int | None = None) -> pd.DataFrame:
    """Every recorded decision (history), by prefecture and start date."""
    with engine.connect() as conn:
        return pd.read_sql(sa.text(DECISIONS_SQL), conn, params={"adcode": prefecture})


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
    xianzhi_triggers: bool = False,
    policy: Policy | None = None,
    lang: str = "zh",
    value: Translate | None = None,
) -> pd.DataFrame:
    """One row per prefecture (all 16): trigger with its units and reasons, decision, mismatch.

    The reasons and notes are in ``lang`` (layers/texts.py), data values through ``value``.
    """
    policy = policy or default_policy()
    overdue = evaluate(
        engine, on, overdue_only=True, xianzhi_triggers=xianzhi_triggers, policy=policy
    )
    trig = overdue[overdue["freeze_trigger"]]
    with engine.connect() as conn:
        prefs = conn.execute(sa.text("SELECT adcode, name FROM prefecture ORDER BY adcode")).all()
    in_force = active(decisions(engine), on)
    rows = []
    for adcode, name in prefs:
        units = trig[trig["prefecture_adcode"] == adcode]
        count = len(units)
        triggered = count >= policy.freeze.min_overdue_units
        by_cat = units.groupby("category").size()
        by_cat = by_cat.reindex([c for c in policy.categories if c in by_cat.index])
        dec = in_force[in_force["adcode"] == adcode]
        decided = len(dec) > 0
        first = dec.iloc[0] if decided else None
        rows.append(
            {
                "adcode": adcode,
                "name": name,
                "triggered": triggered,
                "trigger_units": count,
                "trigger_reasons": joined(
                    "list",
                    (say("freeze.reason", lang, value, cat=c, n=n) for c, n in by_cat.items()),
                    lang,
                ),
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
