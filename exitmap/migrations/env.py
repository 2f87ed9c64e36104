"""Alembic environment: migrations run against the URL the caller configured."""

from alembic import context
from geoalchemy2 import alembic_helpers

from exitmap.models import Base

config = context.config


def _include_object(obj, name, type_, reflected, compare_to):
    # PostGIS owns these; they are not part of our schema.
    if type_ == "table" and name in {"spatial_ref_sys"}:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        import sqlalchemy as sa

        connectable = sa.create_engine(config.get_main_option("sqlalchemy.url")).connect()
    context.configure(
        connection=connectable,
        target_metadata=Base.metadata,
        include_object=_include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
