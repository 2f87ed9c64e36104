"""Registers submitted in the app and their review; the job table the worker runs.

- ``submission``: every upload kept whole, valid or not — the file's bytes, its SHA-256, the
  validation report (Frictionless shape, JSON), the prefecture, the register's 数据日期, its
  state (draft → submitted → returned | accepted → reopened), who uploaded it and when, and
  once accepted the load that wrote it and who accepted it.
- ``submission_transition``: each change of state, who made it, when, with the comment or
  reason (history is never deleted: reopening adds a row, the next accepted version corrects).
- ``job``: work for ``exitmap worker`` (validating an upload); a row holds its progress, its
  heartbeat and, when it fails, the message.
- ``load_record`` names the submission it came from and who accepted it.
- ``decision_draft``: a 区域限批 decision or lift, or a quota allocation, drafted by one user and
  approved by another (maker–checker), with the document's PDF when given (bounded, kept whole).

The app role may add submissions, change their state and read them in its scope (row-level
security as migration 0005's tables), add transitions and jobs; the worker and the loader run
as the owner.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from exitmap import settings

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "returned", "accepted", "reopened")
JOB_STATES = ("queued", "running", "done", "failed")
TABLES = ("submission", "submission_transition", "job", "decision_draft")
DRAFT_KINDS = ("freeze_decide", "freeze_lift", "quota_allocate")
DRAFT_STATES = ("draft", "approved")


def _sees(column: str) -> str:
    # As migration 0005's: the functions once per statement, not once per row.
    return f"((SELECT exitmap_sees_all()) OR {column} = ANY ((SELECT exitmap_scope_prefectures())::integer[]))"


_OWN_SUBMISSION = (
    "submission_id IN (SELECT id FROM submission WHERE " + _sees("prefecture_adcode") + ")"
)
POLICIES = {
    "submission": _sees("prefecture_adcode"),
    "submission_transition": _OWN_SUBMISSION,
    "job": _OWN_SUBMISSION,
    "decision_draft": _sees("prefecture_adcode"),
}


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False, server_default="draft"),
        # Until the worker has validated it: NULL (no summary, no report yet).
        sa.Column("summary", JSONB()),
        sa.Column("report", JSONB()),
        # The marked copy of the user's workbook (submissions/annotate.py), and what each
        # accepted row says of its unit (the review's difference against the register).
        sa.Column("annotated", sa.LargeBinary()),
        sa.Column("units", JSONB()),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("load_id", sa.Integer(), sa.ForeignKey("load_record.id")),
        sa.Column("accepted_by", sa.Text()),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"state IN ({_in(STATES)})", name="submission_state"),
        sa.CheckConstraint("octet_length(content) > 0", name="submission_content"),
    )
    op.create_index("ix_submission_prefecture_adcode", "submission", ["prefecture_adcode"])
    op.create_index("ix_submission_state", "submission", ["state"])
    op.create_table(
        "submission_transition",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submission.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_state", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("to_state", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_submission_transition_submission_id", "submission_transition", ["submission_id"]
    )
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submission.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.Text(), nullable=False, server_default="queued"),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("step", sa.Text(), nullable=False, server_default=""),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("worker", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(f"state IN ({_in(JOB_STATES)})", name="job_state"),
    )
    op.create_index("ix_job_state", "job", ["state"])
    op.create_index("ix_job_submission_id", "job", ["submission_id"])
    op.create_table(
        "decision_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("params", JSONB(), nullable=False),
        sa.Column("document_name", sa.Text()),
        sa.Column("document_pdf", sa.LargeBinary()),
        sa.Column("state", sa.Text(), nullable=False, server_default="draft"),
        sa.Column("drafted_by", sa.Text(), nullable=False),
        sa.Column(
            "drafted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("approved_by", sa.Text()),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("decision_id", sa.Integer()),
        sa.CheckConstraint(f"kind IN ({_in(DRAFT_KINDS)})", name="decision_draft_kind"),
        sa.CheckConstraint(f"state IN ({_in(DRAFT_STATES)})", name="decision_draft_state"),
        # The checker is never the maker, whoever writes the row.
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> drafted_by", name="decision_draft_two_people"
        ),
    )
    op.create_index("ix_decision_draft_state", "decision_draft", ["state"])
    op.add_column("load_record", sa.Column("submission_id", sa.Integer()))
    op.add_column("load_record", sa.Column("accepted_by", sa.Text()))
    op.execute(KEPT_WHOLE)
    op.execute(
        "CREATE TRIGGER submission_kept_whole BEFORE UPDATE OR DELETE ON submission"
        " FOR EACH ROW EXECUTE FUNCTION exitmap_submission_kept_whole()"
    )
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY exitmap_scope ON {table} USING ({condition}) WITH CHECK ({condition})"
        )
    _grant()


# An upload is kept whole, valid or not, and an accepted version is locked: for everyone, the
# owner included, unless a migration sets exitmap.migrating.
KEPT_WHOLE = """
CREATE OR REPLACE FUNCTION exitmap_submission_kept_whole() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF COALESCE(current_setting('exitmap.migrating', true), '') = '1' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '报送的登记表不能删除（编号 %）', OLD.id;
    END IF;
    IF (NEW.content, NEW.sha256, NEW.file_name, NEW.as_of, NEW.prefecture_adcode,
        NEW.created_by, NEW.created_at)
       IS DISTINCT FROM
       (OLD.content, OLD.sha256, OLD.file_name, OLD.as_of, OLD.prefecture_adcode,
        OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION '报送的登记表按原样保存，不能修改（编号 %）', OLD.id;
    END IF;
    IF OLD.state IN ('accepted', 'reopened') AND (
        NEW.state NOT IN ('accepted', 'reopened')
        OR (NEW.summary, NEW.report, NEW.annotated, NEW.units, NEW.load_id, NEW.accepted_by,
            NEW.accepted_at)
           IS DISTINCT FROM
           (OLD.summary, OLD.report, OLD.annotated, OLD.units, OLD.load_id, OLD.accepted_by,
            OLD.accepted_at)) THEN
        RAISE EXCEPTION '已采用的登记表版本已锁定（编号 %）', OLD.id;
    END IF;
    RETURN NEW;
END
$$;
"""


def _role() -> str:
    name = settings.get("app_db_role")
    return '"' + name.replace('"', '""') + '"'


def _grant() -> None:
    role = _role()
    # SELECT comes from 0005's default privileges; the rest is named here.
    op.execute(f"GRANT SELECT ON {', '.join(TABLES)} TO {role}")
    op.execute(f"GRANT INSERT, UPDATE ON submission TO {role}")
    op.execute(f"GRANT INSERT ON submission_transition, job TO {role}")
    op.execute(f"GRANT INSERT ON decision_draft TO {role}")
    for table in TABLES:
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {role}")


def downgrade() -> None:
    role = _role()
    for table in TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.execute(f"REVOKE ALL ON SEQUENCE {table}_id_seq FROM {role}")
    op.drop_column("load_record", "accepted_by")
    op.drop_column("load_record", "submission_id")
    for table in reversed(TABLES):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS exitmap_submission_kept_whole()")
