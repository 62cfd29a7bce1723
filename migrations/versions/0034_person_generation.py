"""A per-person write counter for the counts kept across requests (cop/person_cache.py)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_generation',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_person_generation')),
    )


def downgrade():
    op.drop_table('person_generation')
