"""Search outbox: what the search index must catch up with

Revision ID: 0013
Revises: 0009
Create Date: 2026-11-24 11:31:13.926544

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    # Everything written before search existed: the indexer reads every space's posts.
    op.execute(
        "INSERT INTO search_outbox (field, value, created_at) "
        "SELECT 'space', CAST(id AS VARCHAR(40)), CURRENT_TIMESTAMP FROM space"
    )


def downgrade():
    op.drop_table('search_outbox')
