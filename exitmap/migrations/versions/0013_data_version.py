"""One number for the state of the data: ``data_version.n`` grows by one with every committed
transaction that wrote to a data table.

The app's caches (layers/cache.py, app/response_cache.py) key what they keep by it. Before,
the version was a dozen facts about a few tables (highest ids, row counts), which missed a
change that neither adds nor removes a row (a draft approved, a finding closed) and cost a
dozen subqueries per request; now every table takes part and the read is one row.

How, without making writers wait on each other: a statement trigger on each data table notes
its transaction in ``data_change_pending`` (one row per transaction, ``ON CONFLICT DO
NOTHING``); that insert queues a deferred constraint trigger, which runs at commit and adds
one to the counter. The counter's row lock is taken only in the commit itself, after every
other statement of the transaction, so it is held for microseconds and no transaction waits
for it while holding a row another one needs. A rolled-back transaction leaves no trace: its
note and its queued trigger go with it. The data and the new number become visible together.

Left out, since they are not data and change on every request or poll: the audit log, sign-in
failures, and the job queue (its worker's claim is an UPDATE every few seconds even when it
takes nothing, and a statement trigger fires on zero rows). Nothing cached reads them.

Self-contained: a renumbering at merge time is a rename of this file and its ``revision``.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NOT_DATA = ("audit_log", "login_failure", "job", "alembic_version", "spatial_ref_sys")
OWN = ("data_version", "data_change_pending")


def _data_tables() -> list[str]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> ALL(:skip) ORDER BY tablename"
        ),
        {"skip": list(NOT_DATA + OWN)},
    )
    return [r[0] for r in rows]


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("one", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.CheckConstraint("one", name="ck_data_version_one_row"),
    )
    op.execute("INSERT INTO data_version (one, n) VALUES (true, 0)")
    op.create_table(
        "data_change_pending",
        sa.Column("xid", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    # SECURITY DEFINER: the app role writes data tables but not these two.
    op.execute(
        """
        CREATE FUNCTION exitmap_data_changed() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            INSERT INTO data_change_pending (xid)
            VALUES (pg_current_xact_id()::text::bigint) ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION exitmap_data_version_bump() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            UPDATE data_version SET n = n + 1;
            DELETE FROM data_change_pending WHERE xid = NEW.xid;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT ON data_change_pending "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION exitmap_data_version_bump()"
    )
    for table in _data_tables():
        op.execute(
            f"CREATE TRIGGER data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION exitmap_data_changed()"
        )
    for fn in ("exitmap_data_changed()", "exitmap_data_version_bump()"):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")


def downgrade() -> None:
    for table in _data_tables():
        op.execute(f"DROP TRIGGER IF EXISTS data_changed ON {table}")
    op.drop_table("data_change_pending")
    op.drop_table("data_version")
    op.execute("DROP FUNCTION exitmap_data_version_bump()")
    op.execute("DROP FUNCTION exitmap_data_changed()")
