"""Who may do what: users, API tokens, the audit log, the app's role and row-level security.

Two database roles from here on. The owner (who runs the migrations, the command line and the
ETL) owns every table. The app role (setting ``EXITMAP_APP_DB_ROLE``, default ``exitmap_app``)
is what the web app connects as: it owns nothing and is not a superuser, so the policies below
hold it. Each of its transactions names its scope in ``exitmap.prefectures`` (``'*'``: every
prefecture; ``'530100,530300'``; unset or empty: nothing — the policies deny by default).

- ``app_user``: the role and scope of each user (built-in password hash, or none for users
  who sign in through the office's identity provider); ``api_token``: only a token's SHA-256;
  ``login_failure``: for the lockout; ``audit_log``: append only — the app role may add and
  read rows, never change or remove them, and a trigger refuses UPDATE, DELETE and TRUNCATE
  for everyone unless a migration sets ``exitmap.migrating``.
- Row-level security on the register (unit, unit_event, unit_observation, enterprise,
  exit_task, quarantine_row), the quota and the freeze decisions, and the load records.

The role is created here when missing, with LOGIN and no password: the local cluster trusts its
socket. A real server creates it beforehand (``CREATE ROLE exitmap_app LOGIN PASSWORD …``) and
gives the app ``APP_DATABASE_URL``; this migration then only grants.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from exitmap import settings

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ACCESS_TABLES = ("app_user", "api_token", "login_failure", "audit_log")


def _sees(column: str) -> str:
    """The policy's condition for a prefecture column. The functions are wrapped in scalar
    subqueries so that PostgreSQL evaluates them once per statement (an InitPlan), not once per
    row: over the unit history that is the difference between 150 and 600 ms."""
    return f"((SELECT exitmap_sees_all()) OR {column} = ANY ((SELECT exitmap_scope_prefectures())::integer[]))"


# table → the policy's condition (functions below).
POLICIES = {
    "unit": _sees("prefecture_adcode"),
    "unit_event": _sees("u_prefecture_adcode"),
    "enterprise": (
        _sees("prefecture_adcode")
        + " OR id IN (SELECT enterprise_id FROM unit WHERE "
        + _sees("prefecture_adcode")
        + ")"
    ),
    # What each load said of a unit (0004): seen with its unit.
    "unit_observation": (
        "unit_id IN (SELECT id FROM unit WHERE " + _sees("prefecture_adcode") + ")"
    ),
    "exit_task": _sees("prefecture_adcode"),
    "quota_entry": _sees("prefecture_adcode"),
    "freeze_decision": _sees("prefecture_adcode"),
    # Rejected rows were never placed in a prefecture: the whole province's scope only.
    "quarantine_row": "(SELECT exitmap_sees_all())",
    # What was loaded when (the data date on every page): any caller with a scope.
    "load_record": "(SELECT exitmap_scope_set())",
}

FUNCTIONS = """
CREATE OR REPLACE FUNCTION exitmap_scope() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('exitmap.prefectures', true), '')
$$;
CREATE OR REPLACE FUNCTION exitmap_scope_set() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT exitmap_scope() <> ''
$$;
CREATE OR REPLACE FUNCTION exitmap_sees_all() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT exitmap_scope() = '*'
$$;
-- The prefectures of a limited scope; empty for '*' (see exitmap_sees_all) and for none.
CREATE OR REPLACE FUNCTION exitmap_scope_prefectures() RETURNS integer[] LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN exitmap_scope() IN ('', '*') THEN '{}'::integer[]
                ELSE string_to_array(exitmap_scope(), ',')::integer[] END
$$;
-- Which prefecture a unit key belongs to, whatever the caller's scope: lets a page say
-- "not yours" (403) rather than "no such unit" without showing any of the unit.
CREATE OR REPLACE FUNCTION exitmap_unit_prefecture(key text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT prefecture_adcode FROM unit WHERE unit_key = key
$$;
CREATE OR REPLACE FUNCTION exitmap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE(current_setting('exitmap.migrating', true), '') = '1' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$;
"""


def _role() -> str:
    return settings.get("app_db_role")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.Text(), nullable=False, unique=True),
        sa.Column("display_name", sa.Text(), nullable=False, server_default=""),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode")),
        sa.Column("department", sa.Text()),
        sa.Column("password_hash", sa.Text()),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.CheckConstraint(
            "role IN ('province', 'department', 'prefecture', 'leader')", name="app_user_role"
        ),
        sa.CheckConstraint(
            "(role = 'prefecture') = (prefecture_adcode IS NOT NULL)", name="app_user_prefecture"
        ),
        sa.CheckConstraint(
            "(role = 'department') = (department IS NOT NULL)", name="app_user_department"
        ),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "login_failure",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_login_failure_username_at", "login_failure", ["username", "at"])
    op.create_index("ix_login_failure_address_at", "login_failure", ["address", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False, server_default=""),
        sa.Column("params", sa.dialects.postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("row_count", sa.Integer()),
        sa.Column("sha256", sa.String(64)),
        sa.Column("address", sa.Text()),
        sa.Column("user_agent", sa.Text()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_username_at", "audit_log", ["username", "at"])
    op.execute(FUNCTIONS)
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION exitmap_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION exitmap_audit_append_only()"
    )
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY exitmap_scope ON {table} USING ({condition}) WITH CHECK ({condition})"
        )
    _create_role()
    _grant()


def _create_role() -> None:
    role = _role()
    op.execute(
        sa.text(
            f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(role)}) THEN
        IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
            RAISE EXCEPTION '数据库角色 % 不存在，且当前用户无权创建：请由管理员先执行 CREATE ROLE % LOGIN PASSWORD ''…''', {_literal(role)}, {_literal(role)};
        END IF;
        CREATE ROLE {_q(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$"""
        )
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _grant() -> None:
    role = _q(_role())
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    # Tables the owner makes later (later migrations) are readable too; their policies are
    # theirs to add.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}")
    op.execute(f"GRANT INSERT, UPDATE ON app_user, api_token TO {role}")
    op.execute(f"GRANT INSERT, DELETE ON login_failure TO {role}")
    op.execute(f"GRANT INSERT ON audit_log TO {role}")
    for table in ACCESS_TABLES:
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {role}")
    op.execute("REVOKE ALL ON FUNCTION exitmap_audit_append_only() FROM PUBLIC")


def downgrade() -> None:
    role = _q(_role())
    op.execute("SELECT set_config('exitmap.migrating', '1', true)")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS exitmap_scope ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in reversed(ACCESS_TABLES):
        op.drop_table(table)
    for fn in (
        "exitmap_scope_prefectures()",
        "exitmap_sees_all()",
        "exitmap_scope_set()",
        "exitmap_scope()",
        "exitmap_audit_append_only()",
        "exitmap_unit_prefecture(text)",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
