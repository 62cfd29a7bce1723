"""search_state: the version of the analysis that built the PostgreSQL search table

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-05

PostgreSQL only, as migration 0023's tables. The row starts at version 0 (unknown): a
table that holds documents is then rebuilt by the background worker, one that holds none
is marked current by the first search.
"""

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_table(
        'search_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('done', sa.Integer(), nullable=True),
        sa.Column('source', sa.Integer(), nullable=True),
        sa.Column('after', sa.Integer(), nullable=True),
        sa.Column('outbox_before', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_state')),
    )
    op.execute('INSERT INTO search_state (id, version) VALUES (1, 0)')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP TABLE IF EXISTS search_document_next')
    op.drop_table('search_state')
