"""Reports from the public (举报, seed 三(七)): the report, its history, its reporter apart.

- ``report``: one report with Open311's field names (service_request_id is the reference the
  reporter gets), the place's prefecture and county, the department responsible, the state,
  and the deadlines to acknowledge and to finish (``expected_datetime``).
- ``report_event``: every step, who and when, with notes; never updated.
- ``report_contact``: the reporter's contact details, in a table of their own whose policy shows
  them to the office's sessions only (``exitmap.role`` province or system): a department's or a
  prefecture's session selects nothing from it, whatever the query.
- ``report_photo``: photos, re-encoded without metadata, bounded by a CHECK.
- ``report_attempt``: every submission, whatever became of it (the rate per address counts
  them); the office's sessions only.
- ``unit_hold``: a unit whose exit a substantiated report disputes; its released quota is held
  from the day the report was closed until the office decides (layers/quota.py leaves it out).
- ``open311_key``: a platform's API key, its SHA-256 only; the app role cannot read the table
  and asks ``exitmap_open311_platform(sha)`` instead.

The public (no session: no scope, no role) may add reports but read none: it learns a report's
state through ``exitmap_report_state(reference)`` and the rate of its address through
``exitmap_report_attempts``, both SECURITY DEFINER and answering only that.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from exitmap import settings

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = (
    "report",
    "report_event",
    "report_contact",
    "report_photo",
    "report_attempt",
    "unit_hold",
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION exitmap_role() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('exitmap.role', true), '')
$$;
CREATE OR REPLACE FUNCTION exitmap_scope_departments() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_to_array(NULLIF(current_setting('exitmap.departments', true), ''), ','),
                    '{}'::text[])
$$;
-- The office and leaders see every report; a prefecture those in its territory; a department
-- those handed to it (from assignment on: the office screens first).
CREATE OR REPLACE FUNCTION exitmap_report_visible(pref integer, agency text, state text)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE exitmap_role()
        WHEN 'province' THEN true
        WHEN 'system' THEN true
        WHEN 'leader' THEN true
        WHEN 'prefecture' THEN pref = ANY (exitmap_scope_prefectures())
        WHEN 'department' THEN state IN ('assigned', 'investigating', 'closed')
                               AND agency = ANY (exitmap_scope_departments())
        ELSE false END
$$;
CREATE OR REPLACE FUNCTION exitmap_sees_reporters() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT exitmap_role() IN ('province', 'system')
$$;
-- A report's state by its reference, for the reporter (no notes, no place, no contact).
CREATE OR REPLACE FUNCTION exitmap_report_state(reference text)
RETURNS TABLE (service_code text, status text, screening text, resolution text,
               requested_datetime timestamptz, updated_datetime timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT service_code, status, screening, resolution, requested_datetime, updated_datetime
    FROM report WHERE service_request_id = reference
$$;
-- How many submissions came from an address since a time (the rate limit).
CREATE OR REPLACE FUNCTION exitmap_report_attempts(addr text, since timestamptz)
RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT count(*)::integer FROM report_attempt WHERE address = addr AND at > since
$$;
-- The platform an API key stands for (NULL: none, or revoked).
CREATE OR REPLACE FUNCTION exitmap_open311_platform(sha text)
RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT platform FROM open311_key WHERE key_sha256 = sha AND revoked_at IS NULL
$$;
-- The enterprise a reporter names, matched by its exact name or credit code: the id is kept
-- with the report; the reporter learns nothing of the register from it.
CREATE OR REPLACE FUNCTION exitmap_enterprise_named(named text)
RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT min(id) FROM enterprise WHERE name = named OR credit_code = upper(named)
$$;
-- A report as the platform that filed it may see it (Open311 fields; no contact, no notes).
CREATE OR REPLACE FUNCTION exitmap_open311_request(reference text, for_platform text)
RETURNS TABLE (service_request_id text, service_code text, description text, lat double precision,
               long double precision, address_string text, status text, resolution text,
               agency_responsible text, requested_datetime timestamptz,
               updated_datetime timestamptz, expected_datetime timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT service_request_id, service_code, description, lat, long, address_string, status,
           resolution, agency_responsible, requested_datetime, updated_datetime,
           expected_datetime
    FROM report WHERE service_request_id = reference AND platform = for_platform
$$;
"""

SEES_PREFECTURE = (
    "(SELECT exitmap_sees_all())"
    " OR prefecture_adcode = ANY ((SELECT exitmap_scope_prefectures())::integer[])"
)
VISIBLE = "exitmap_report_visible(prefecture_adcode, agency_responsible, status)"
OF_VISIBLE_REPORT = "report_id IN (SELECT id FROM report)"
# table → [(policy name, command, USING, WITH CHECK)]
POLICIES = {
    "report": [
        ("report_read", "SELECT", VISIBLE, None),
        ("report_file", "INSERT", None, "status = 'received'"),
        (
            "report_handle",
            "UPDATE",
            VISIBLE + " AND exitmap_role() IN ('province', 'department', 'system')",
            VISIBLE,
        ),
    ],
    "report_event": [
        ("report_event_read", "SELECT", OF_VISIBLE_REPORT, None),
        ("report_event_add", "INSERT", None, f"step = 'receive' OR {OF_VISIBLE_REPORT}"),
    ],
    "report_contact": [
        ("report_contact_read", "SELECT", "exitmap_sees_reporters()", None),
        ("report_contact_add", "INSERT", None, "true"),
    ],
    "report_photo": [
        ("report_photo_read", "SELECT", OF_VISIBLE_REPORT, None),
        ("report_photo_add", "INSERT", None, "true"),
    ],
    "report_attempt": [
        ("report_attempt_read", "SELECT", "exitmap_sees_reporters()", None),
        ("report_attempt_add", "INSERT", None, "true"),
    ],
    # Seen and written like the quota: by prefecture (a department's scope is every one).
    "unit_hold": [("unit_hold_scope", "ALL", SEES_PREFECTURE, SEES_PREFECTURE)],
}


def _role() -> str:
    name = settings.get("app_db_role")
    return '"' + name.replace('"', '""') + '"'


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service_request_id", sa.Text(), nullable=False, unique=True),
        sa.Column("service_code", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("long", sa.Float()),
        sa.Column("address_string", sa.Text()),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("county_adcode", sa.Integer(), sa.ForeignKey("county.adcode")),
        sa.Column("firm_named", sa.Text()),
        sa.Column(
            "enterprise_id", sa.Integer(), sa.ForeignKey("enterprise.id", ondelete="SET NULL")
        ),
        sa.Column("unit_key", sa.Text()),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("platform", sa.Text()),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("screening", sa.Text()),
        sa.Column("resolution", sa.Text()),
        sa.Column("agency_responsible", sa.Text(), nullable=False),
        _ts("requested_datetime"),
        _ts("updated_datetime"),
        _ts("acknowledge_datetime"),
        _ts("expected_datetime"),
        _ts("acknowledged_datetime", True),
        _ts("closed_datetime", True),
        sa.CheckConstraint("char_length(description) <= 4000", name="report_description_size"),
        sa.CheckConstraint(
            "channel IN ('web', 'open311', 'phone', 'letter')", name="report_channel"
        ),
        sa.CheckConstraint(
            "status IN ('received', 'screened', 'assigned', 'investigating', 'closed')",
            name="report_status",
        ),
        sa.CheckConstraint(
            "screening IS NULL OR screening IN ('valid', 'duplicate', 'out_of_scope')",
            name="report_screening",
        ),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('substantiated', 'unsubstantiated', 'referred')",
            name="report_resolution",
        ),
    )
    op.create_index("ix_report_prefecture_adcode", "report", ["prefecture_adcode"])
    op.create_index("ix_report_status", "report", ["status"])
    op.create_table(
        "report_event",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _ts("at"),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_role", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text()),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text()),
        sa.Column("department", sa.Text()),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint("char_length(notes) <= 4000", name="report_event_notes_size"),
    )
    op.create_index("ix_report_event_report_id", "report_event", ["report_id"])
    op.create_table(
        "report_contact",
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("name", sa.Text()),
        sa.Column("phone", sa.Text()),
        sa.Column("email", sa.Text()),
    )
    op.create_table(
        "report_photo",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.CheckConstraint("octet_length(content) <= 2000000", name="report_photo_size"),
        sa.CheckConstraint("media_type IN ('image/jpeg', 'image/png')", name="report_photo_type"),
    )
    op.create_index("ix_report_photo_report_id", "report_photo", ["report_id"])
    op.create_table(
        "report_attempt",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        _ts("at"),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("report.id", ondelete="SET NULL")),
        sa.Column("payload", JSONB(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_report_attempt_address_at", "report_attempt", ["address", "at"])
    op.create_table(
        "unit_hold",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "unit_id", sa.Integer(), sa.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "report_id",
            sa.Integer(),
            sa.ForeignKey("report.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("prefecture_adcode", sa.Integer(), nullable=False),
        sa.Column("held_from", sa.Date(), nullable=False),
        sa.Column("released_on", sa.Date()),
        sa.Column("decision", sa.Text()),
    )
    op.create_index("ix_unit_hold_unit_id", "unit_hold", ["unit_id"])
    op.create_table(
        "open311_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.Text(), nullable=False, unique=True),
        sa.Column("key_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.execute(FUNCTIONS)
    for table, policies in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for name, command, using, check in policies:
            clause = f" USING ({using})" if using else ""
            clause += f" WITH CHECK ({check})" if check else ""
            op.execute(f"CREATE POLICY {name} ON {table} FOR {command}{clause}")
    _grant()


def _grant() -> None:
    role = _role()
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT ON {table} TO {role}")
        if table != "report_contact":  # keyed by its report
            op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {role}")
    op.execute(f"GRANT UPDATE (released_on, decision) ON unit_hold TO {role}")
    # What a step changes; nothing else of a report is ever rewritten.
    op.execute(
        "GRANT UPDATE (status, screening, resolution, agency_responsible, unit_key,"
        " updated_datetime, acknowledged_datetime, closed_datetime) ON report TO " + role
    )
    # The keys: not even readable by the app (the default privileges of 0005 grant SELECT).
    op.execute(f"REVOKE ALL ON open311_key FROM {role}")
    for fn in (
        "exitmap_report_state(text)",
        "exitmap_report_attempts(text, timestamptz)",
        "exitmap_open311_platform(text)",
        "exitmap_open311_request(text, text)",
        "exitmap_enterprise_named(text)",
    ):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {fn} TO {role}")


def downgrade() -> None:
    for table in (
        "open311_key",
        "unit_hold",
        "report_attempt",
        "report_photo",
        "report_contact",
        "report_event",
        "report",
    ):
        op.drop_table(table)
    for fn in (
        "exitmap_enterprise_named(text)",
        "exitmap_open311_request(text, text)",
        "exitmap_open311_platform(text)",
        "exitmap_report_attempts(text, timestamptz)",
        "exitmap_report_state(text)",
        "exitmap_sees_reporters()",
        "exitmap_report_visible(integer, text, text)",
        "exitmap_scope_departments()",
        "exitmap_role()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
