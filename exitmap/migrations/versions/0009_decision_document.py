"""Decision documents' digests, and acceptances run as jobs.

A decision's document is kept with its SHA-256 (决定 page: the drafter attaches the PDF; the
approver and whoever downloads it later can tell it is the same file).

Drafts kept before this revision get theirs computed from the bytes they hold. A document and
its digest come together or not at all.

Accepting a register is a job of the worker, as validating one is (a 20,000-row load held a
web worker for a minute): ``job.params`` holds what it was asked with (who accepts, their role,
the comment), ``job.result`` what it did (rows inserted and updated). At most one acceptance
of a submission is queued or running at a time, whatever asks for it.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decision_draft", sa.Column("document_sha256", sa.String(64)))
    op.execute(
        "UPDATE decision_draft SET document_sha256 = encode(sha256(document_pdf), 'hex') "
        "WHERE document_pdf IS NOT NULL"
    )
    op.create_check_constraint(
        "decision_draft_document_digest",
        "decision_draft",
        "(document_pdf IS NULL) = (document_sha256 IS NULL)",
    )
    op.add_column(
        "job", sa.Column("params", JSONB(), nullable=False, server_default=sa.text("'{}'"))
    )
    op.add_column("job", sa.Column("result", JSONB()))
    op.create_index(
        "ux_job_one_acceptance",
        "job",
        ["submission_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'accept' AND state IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_index("ux_job_one_acceptance", "job")
    op.drop_column("job", "result")
    op.drop_column("job", "params")
    op.drop_constraint("decision_draft_document_digest", "decision_draft")
    op.drop_column("decision_draft", "document_sha256")
