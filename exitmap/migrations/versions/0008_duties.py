"""The seed's other duties (issue #16): 产能置换, 督导检查, 职工安置 and 土地.


``replacement_project``: a new project under total-volume control (name, firm, place,
sub-industry, new capacity, approval document and date); ``replacement_use``: the exited units
whose capacity it uses, and how much of each. A unit's capacity is used at most once in total
(checked in etl/replacement.py under a lock on the units). The app role reads both within its
scope (row-level security as on the register); only the owner writes.

``inspection``: a visit of the office's inspection team (督导检查, seed 四(五)) to a prefecture:
date, team, summary; ``inspection_finding``: what it found (linked to a unit where it names
one), the rectification demanded and its deadline, closed when done (date, note, by whom).
Read by the app role within its scope.

``resettlement_plan``: per exiting firm (seed 四(三)), the workers affected and how many are
resettled by each channel, the plan's date and status, the funds; one plan per firm, replaced
when the firm's plan changes.

``exited_site``: the land of an exited unit's site (seed 三(三)): area, land right, what became
of it and when; one row per unit, replaced when it changes.

Written to be renumbered at merge time: it reads nothing of the revisions around it.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SEES = (
    "((SELECT exitmap_sees_all()) OR {column} = ANY "
    "((SELECT exitmap_scope_prefectures())::integer[]))"
)
POLICIES = {
    "replacement_project": SEES.format(column="prefecture_adcode"),
    "replacement_use": (
        "project_id IN (SELECT id FROM replacement_project WHERE "
        + SEES.format(column="prefecture_adcode")
        + ")"
    ),
    "inspection": SEES.format(column="prefecture_adcode"),
    "resettlement_plan": SEES.format(column="prefecture_adcode"),
    "exited_site": "unit_id IN (SELECT id FROM unit WHERE "
    + SEES.format(column="prefecture_adcode")
    + ")",
    "inspection_finding": (
        "inspection_id IN (SELECT id FROM inspection WHERE "
        + SEES.format(column="prefecture_adcode")
        + ")"
    ),
}


def upgrade() -> None:
    op.create_table(
        "replacement_project",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enterprise", sa.Text(), nullable=False),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("county_adcode", sa.Integer(), sa.ForeignKey("county.adcode")),
        sa.Column("sub_industry", sa.Text(), nullable=False),
        sa.Column("new_capacity_wt", sa.Float(), nullable=False),
        sa.Column("ratio", sa.Float(), nullable=False),
        sa.Column("document_no", sa.Text(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.CheckConstraint("new_capacity_wt > 0", name="ck_replacement_capacity_positive"),
    )
    op.create_index(
        "ix_replacement_project_prefecture", "replacement_project", ["prefecture_adcode"]
    )
    op.create_table(
        "replacement_use",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("replacement_project.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("capacity_wt", sa.Float(), nullable=False),
        sa.UniqueConstraint("project_id", "unit_id", name="uq_replacement_use_unit"),
        sa.CheckConstraint("capacity_wt > 0", name="ck_replacement_use_positive"),
    )
    op.create_index("ix_replacement_use_unit", "replacement_use", ["unit_id"])
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_index("ix_inspection_prefecture", "inspection", ["prefecture_adcode"])
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "inspection_id",
            sa.Integer(),
            sa.ForeignKey("inspection.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id")),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date()),
        sa.Column("closed_note", sa.Text()),
        sa.Column("closed_by", sa.Text()),
    )
    op.create_index("ix_inspection_finding_inspection", "inspection_finding", ["inspection_id"])
    op.create_table(
        "resettlement_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "enterprise_id",
            sa.Integer(),
            sa.ForeignKey("enterprise.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "prefecture_adcode", sa.Integer(), sa.ForeignKey("prefecture.adcode"), nullable=False
        ),
        sa.Column("workers", sa.Integer(), nullable=False),
        *(
            sa.Column(channel, sa.Integer(), nullable=False, server_default="0")
            for channel in ("transferred", "reemployed", "retired", "insured", "other")
        ),
        sa.Column("funds_10k_yuan", sa.Float()),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.CheckConstraint(
            "transferred + reemployed + retired + insured + other <= workers",
            name="ck_resettlement_within_workers",
        ),
    )
    op.create_table(
        "exited_site",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False, unique=True),
        sa.Column("area_mu", sa.Float(), nullable=False),
        sa.Column("land_right", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.CheckConstraint("area_mu > 0", name="ck_exited_site_area_positive"),
        sa.CheckConstraint("land_right IN ('划拨', '出让')", name="ck_exited_site_right"),
        sa.CheckConstraint(
            "outcome IN ('收回', '转让', '转产', '闲置')", name="ck_exited_site_outcome"
        ),
    )
    for table, condition in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY exitmap_scope ON {table} USING ({condition}) WITH CHECK ({condition})"
        )


def downgrade() -> None:
    op.drop_table("exited_site")
    op.drop_table("resettlement_plan")
    op.drop_table("inspection_finding")
    op.drop_table("inspection")
    op.drop_table("replacement_use")
    op.drop_table("replacement_project")
