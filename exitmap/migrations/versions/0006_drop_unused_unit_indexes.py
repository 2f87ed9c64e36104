"""Drop the unit indexes no query uses: they cost a bulk load more than they ever saved.

Measured on 100,000 units: the GiST index on unit.geom alone made the insert 0.9 s slower
(of ~1.6 s). No view filters units spatially — units are located once, by the ETL, against
the county polygons (which keep their GiST indexes); maps read coordinates, not bounding boxes.
Re-create it with the first query that asks "which units lie in this area". The county index
goes for the same reason (views filter units by prefecture).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("idx_unit_geom", table_name="unit")
    op.drop_index("ix_unit_county_adcode", table_name="unit")


def downgrade() -> None:
    op.create_index("ix_unit_county_adcode", "unit", ["county_adcode"])
    op.create_index("idx_unit_geom", "unit", ["geom"], postgresql_using="gist")
