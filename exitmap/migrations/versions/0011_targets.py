"""Annual targets (目标任务, issue #16): what the province asks of each prefecture each year.

``annual_target``: one line of a prefecture's targets for a year — units to exit and/or tce to
release, for all categories or one (and/or one sub-industry), due on a date (the year's end
unless set). ``annual_target_unit``: units a line names, each of which must have exited.
A line is set by two people (drafted, approved: maker–checker, as the decisions); setting the
same line again replaces it (``replaced_at``) and keeps the old one, so a view "as known on K"
reads the lines in force then. The app role reads the lines of its scope (row-level security).

``decision_draft`` gains the kind ``annual_target``.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEES = (
    "((SELECT exitmap_sees_all()) OR {column} = ANY "
    "((SELECT exitmap_scope_prefectures())::integer[]))"
)
POLICIES = {
    "annual_target": SEES.format(column="prefecture_adcode"),
    "annual_target_unit": (
        "target_id IN (SELECT id FROM annual_target WHERE "
        + SEES.format(column="prefecture_adcode")
        + ")"
    ),
}
KINDS_BEFORE = ("freeze_decide", "freeze_lift", "quota_allocate")
KINDS_AFTER = (*KINDS_BEFORE, "annual_target")


def _kinds(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.create_table(
        "annual_target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("category", sa.Text()),
        sa.Column("sub_industry", sa.Text()),
        sa.Column("units", sa.Integer()),
        sa.Column("tce", sa.Float()),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("document_no", sa.Text()),
        sa.Column("drafted_by", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("replaced_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_annual_target_year"),
        sa.CheckConstraint("units IS NULL OR units > 0", name="ck_annual_target_units"),
        sa.CheckConstraint("tce IS NULL OR tce > 0", name="ck_annual_target_tce"),
        sa.CheckConstraint("due >= make_date(year, 1, 1)", name="ck_annual_target_due"),
        sa.CheckConstraint("approved_by <> drafted_by", name="ck_annual_target_two_people"),
    )
    # One line in force per prefecture, year, category and sub-industry.
    op.execute(
        "CREATE UNIQUE INDEX ux_annual_target_line ON annual_target (prefecture_adcode, year,"
        " COALESCE(category, ''), COALESCE(sub_industry, '')) WHERE replaced_at IS NULL"
    )
    op.create_table(
        "annual_target_unit",
        sa.Column("target_id", sa.Integer(), sa.ForeignKey("annual_target.id"), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), primary_key=True),
    )
    op.drop_constraint("decision_draft_kind", "decision_draft", type_="check")
    op.create_check_constraint("decision_draft_kind", "decision_draft", _kinds(KINDS_AFTER))
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY exitmap_scope ON {table} USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    op.drop_constraint("decision_draft_kind", "decision_draft", type_="check")
    op.create_check_constraint("decision_draft_kind", "decision_draft", _kinds(KINDS_BEFORE))
    op.drop_table("annual_target_unit")
    op.drop_table("annual_target")
