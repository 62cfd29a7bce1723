"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from cop.extensions import db
from cop.orgs.models import ThematicPlatform


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, db.metadata) == []


def test_the_19_thematic_platforms_are_loaded(ctx):
    assert db.session.scalar(select(func.count()).select_from(ThematicPlatform)) == 19
    first = db.session.scalar(select(ThematicPlatform).order_by(ThematicPlatform.position))
    assert first.name_en == "Legislation for amalgamated territorial communities"
    assert first.name("uk").startswith("Законодавство")
