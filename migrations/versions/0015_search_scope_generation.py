"""Search scope generation: a counter of writes that may change what someone may read

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('search_scope_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_scope_generation'))
    )
    # the one row (cop/search/scope.py)
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('search_scope_generation')
