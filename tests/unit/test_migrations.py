"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, func, select

from cop.db import NAMING_CONVENTION
from cop.extensions import db
from cop.orgs.models import ThematicPlatform
from cop.search.pg import table as search_tables


def _expected(dialect: str) -> MetaData:
    """The models' tables, and on PostgreSQL the search backend's (made there only), but
    not the one a rebuild makes and renames into place (cop/search/pg/upgrade.py)."""
    expected = MetaData(naming_convention=NAMING_CONVENTION)
    sources = [db.metadata] + ([search_tables.metadata] if dialect == "postgresql" else [])
    for source in sources:
        for table in source.tables.values():
            if table is not search_tables.next_documents:
                table.to_metadata(expected)
    return expected


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, _expected(connection.dialect.name)) == []


def test_the_19_thematic_platforms_are_loaded(ctx):
    assert db.session.scalar(select(func.count()).select_from(ThematicPlatform)) == 19
    first = db.session.scalar(select(ThematicPlatform).order_by(ThematicPlatform.position))
    assert first.name_en == "Legislation for amalgamated territorial communities"
    assert first.name("uk").startswith("Законодавство")
