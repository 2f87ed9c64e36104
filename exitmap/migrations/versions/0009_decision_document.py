"""A decision's document is kept with its SHA-256 (决定 page: the drafter attaches the PDF; the
approver and whoever downloads it later can tell it is the same file).

Drafts kept before this revision get theirs computed from the bytes they hold. A document and
its digest come together or not at all.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    op.drop_constraint("decision_draft_document_digest", "decision_draft")
    op.drop_column("decision_draft", "document_sha256")
