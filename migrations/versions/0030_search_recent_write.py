"""When each person last wrote something searchable, for read-your-writes with a search
read replica (COP_DATABASE_REPLICA_URL), on PostgreSQL only

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-05 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # a read replica needs PostgreSQL: nothing to make on SQLite
    op.create_table(
        'search_recent_write',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_search_recent_write')),
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_table('search_recent_write')
