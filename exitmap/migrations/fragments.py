"""The SQL that the history migrations 0002 and 0003 are both built from.

An event's evaluation — its history facts, its unit's copied register fields and what its
state means under the policy — is one SELECT, ``evaluation(source)``, over bare events read
from ``source``. 0002 runs it over the marked units' events inside ``unit_event_refresh``'s
UPDATE; 0003 runs it over the temporary table ``event_input`` as ``evaluated_events()``. 0003's
downgrade restores 0002's functions, so those are defined here as well (``REFRESH_0002``,
``REFRESH_MARKED_0002``), beside the shapes both name (``COPIES``, ``WRITTEN``, ``BARE``).

The migrations import this module by its package path (``exitmap.migrations``): Alembic loads
a revision from its file, and a revision's file name starts with a digit, so one revision
cannot import another. Nothing else imports it.

Frozen with the revisions that use it: what 0002 and 0003 created is what this module says.
A later revision that changes the evaluation writes its own SQL; editing this text would
change what an old revision does to a new database. 0004 reuses ``evaluation`` with its
record-time columns ``carried`` through; called without them it yields the frozen text.
"""

from __future__ import annotations

import textwrap

COPIES = (  # copy column, unit column
    ("u_prefecture_adcode", "prefecture_adcode"),
    ("u_sector", "sector"),
    ("u_sub_industry", "sub_industry"),
    ("u_energy_tce", "energy_tce"),
    ("u_electricity_10k_kwh", "electricity_10k_kwh"),
    ("u_category", "category"),
    ("u_identified_date", "identified_date"),
    ("u_identified_date_precision", "identified_date_precision"),
    ("u_rectify_deadline", "rectify_deadline"),
    ("u_rectify_deadline_precision", "rectify_deadline_precision"),
    ("u_actual_exit_date", "actual_exit_date"),
    ("u_actual_exit_date_precision", "actual_exit_date_precision"),
)
EVALUATION = (
    "e_category", "e_rectify_deadline", "e_exit_date", "e_deadline_kind", "e_fixed_deadline",
    "e_base_deadline", "e_cap_deadline", "e_deadline", "e_must_suspend", "e_is_exit",
    "e_is_rectified", "e_is_operating",
)  # fmt: skip
# What the evaluation writes into each unit_event row.
WRITTEN = ("valid_to", "ever_extended", "exit_since", *(c for c, _ in COPIES), *EVALUATION)

# What a register says about an event; unit_event's first columns, in the table's order.
BARE = (
    ("id", "integer"),
    ("unit_id", "integer"),
    ("event_date", "date"),
    ("status", "text"),
    ("previous_status", "text"),
    ("category", "text"),
    ("rectify_deadline", "date"),
    ("actual_exit_date", "date"),
    ("load_id", "integer"),
)
BARE_NAMES = tuple(name for name, _ in BARE)

# The events of the units a trigger (or a refresh) marked in the temporary table refresh_units.
MARKED_EVENTS = "unit_event ev JOIN refresh_units r ON r.unit_id = ev.unit_id"
MARKED_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS refresh_units (unit_id integer PRIMARY KEY) "
    "ON COMMIT DELETE ROWS"
)
# Beyond this many units in one change, unit_event's statistics are likely stale.
BULK_UNITS = 1000


def _eom(x: str) -> str:
    """The last day of x's month: a month-precision date bounds the whole month."""
    return f"(date_trunc('month', {x}) + interval '1 month - 1 day')::date"


def _plus(months: str) -> str:
    return f"h.u_identified_date + make_interval(months => {months})"


_EXT = "pc.months + COALESCE(pc.extension_months, 0)"


def evaluation(source: str, carried: tuple[str, ...] = ()) -> str:
    """Whole unit_event rows (bare columns, then WRITTEN) for the bare events in ``source``.

    ``source`` is a FROM item yielding the BARE columns; it is aliased ``ev``. ``carried``:
    further columns of ``source`` passed through unchanged after WRITTEN (0004's record
    time); with none, the text is what 0002 and 0003 were made from.
    """
    names = (*BARE_NAMES, *WRITTEN, *carried)
    return f"""\
    SELECT {", ".join(("d." if c == "e_deadline" else "v.") + c for c in names)}
    FROM (
        -- Evaluation under the policy: what the state means, whatever the date.
        SELECT h.*,
               CASE WHEN h.e_is_exit THEN
                   COALESCE(CASE WHEN h.actual_exit_date = h.u_actual_exit_date
                                  AND h.u_actual_exit_date_precision = 'month'
                                 THEN {_eom("h.u_actual_exit_date")}
                                 ELSE h.actual_exit_date END,
                            h.exit_since)
               END AS e_exit_date,
               -- An event that restates the unit's own deadline keeps its precision.
               CASE WHEN COALESCE(h.rectify_deadline, h.u_rectify_deadline)
                         = h.u_rectify_deadline
                     AND h.u_rectify_deadline_precision = 'month'
                    THEN {_eom("h.u_rectify_deadline")}
                    ELSE COALESCE(h.rectify_deadline, h.u_rectify_deadline)
               END AS e_rectify_deadline,
               pc.kind AS e_deadline_kind, pc.fixed_deadline AS e_fixed_deadline,
               COALESCE(pc.must_suspend, false) AS e_must_suspend,
               CASE WHEN pc.kind = 'identified_plus_months' THEN
                   CASE WHEN h.u_identified_date_precision = 'month'
                        THEN {_eom(_plus("pc.months"))}
                        ELSE ({_plus("pc.months")})::date END
               END AS e_base_deadline,
               CASE WHEN pc.kind = 'identified_plus_months' THEN
                   CASE WHEN h.u_identified_date_precision = 'month'
                        THEN {_eom(_plus(_EXT))}
                        ELSE ({_plus(_EXT)})::date END
               END AS e_cap_deadline
        FROM (
            -- History facts and the unit's register fields.
            SELECT w.*,
                   CASE WHEN w.e_is_exit THEN
                       min(w.event_date) FILTER (WHERE w.e_is_exit)
                           OVER (PARTITION BY w.unit_id, w.run)
                   END AS exit_since,
                   COALESCE(w.category, u.category) AS e_category,
                   {", ".join(f"u.{src} AS {c}" for c, src in COPIES)}
            FROM (
                SELECT c.*,
                       lead(c.event_date) OVER o AS valid_to,
                       bool_or(c.is_extension) OVER o AS ever_extended,
                       -- Exits in an unbroken run share the count of non-exits before.
                       count(*) FILTER (WHERE NOT c.e_is_exit) OVER o AS run
                FROM (
                    SELECT ev.*,
                           COALESCE(sc.exited, false) AS e_is_exit,
                           COALESCE(sc.extension, false) AS is_extension,
                           COALESCE(sc.rectified, false) AS e_is_rectified,
                           COALESCE(sc.operating, false) AS e_is_operating
                    FROM {source} ev
                    LEFT JOIN (
                        SELECT status, bool_or(class = 'exited') AS exited,
                               bool_or(class = 'extension') AS extension,
                               bool_or(class = 'rectified') AS rectified,
                               bool_or(class = 'operating') AS operating
                        FROM status_class GROUP BY status
                    ) sc ON sc.status = ev.status
                ) c
                WINDOW o AS (PARTITION BY c.unit_id ORDER BY c.event_date, c.id)
            ) w
            JOIN unit u ON u.id = w.unit_id
        ) h
        LEFT JOIN policy_category pc ON pc.category = h.e_category
    ) v,
    LATERAL (
        SELECT CASE v.e_deadline_kind
            WHEN 'fixed' THEN v.e_fixed_deadline
            WHEN 'rectify_deadline' THEN v.e_rectify_deadline
            WHEN 'identified_plus_months' THEN CASE
                WHEN v.e_base_deadline IS NULL THEN v.e_rectify_deadline
                WHEN v.e_rectify_deadline > v.e_cap_deadline THEN v.e_cap_deadline
                WHEN v.e_rectify_deadline > v.e_base_deadline THEN v.e_rectify_deadline
                WHEN v.ever_extended THEN v.e_cap_deadline
                WHEN v.e_rectify_deadline IS NOT NULL THEN v.e_rectify_deadline
                ELSE v.e_base_deadline END
        END AS e_deadline
    ) d
"""


def refresh_update(source: str) -> str:
    """The UPDATE giving unit_event rows the WRITTEN values of the rows in ``source`` (aliased
    ``x``), writing only rows whose values change."""
    return f"""\
    UPDATE unit_event e SET {", ".join(f"{c} = x.{c}" for c in WRITTEN)}
    FROM {source} x
    WHERE e.id = x.id
      AND ({", ".join(f"e.{c}" for c in WRITTEN)})
          IS DISTINCT FROM ({", ".join(f"x.{c}" for c in WRITTEN)})
"""


# 0002: the marked units' events are evaluated in place.
_MARKED_BARE = f"(SELECT {', '.join(f'ev.{c}' for c in BARE_NAMES)} FROM {MARKED_EVENTS})"
_MARKED_EVALUATED = "(\n" + textwrap.indent(evaluation(_MARKED_BARE), "    ") + "    )"
REFRESH_0002 = f"""
CREATE FUNCTION unit_event_refresh() RETURNS void LANGUAGE sql AS $$
{refresh_update(_MARKED_EVALUATED)}$$
"""

REFRESH_MARKED_0002 = f"""
CREATE FUNCTION refresh_marked_units() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    marked bigint;
BEGIN
    ANALYZE refresh_units;
    SELECT count(*) INTO marked FROM refresh_units;
    IF marked > {BULK_UNITS} THEN
        ANALYZE unit_event;
        ANALYZE unit;
    END IF;
    PERFORM unit_event_refresh();
END
$$
"""
