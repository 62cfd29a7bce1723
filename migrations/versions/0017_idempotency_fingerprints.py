"""Idempotency keys keep the request's fingerprint and the API's first response

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # Keys recorded before have no fingerprint: a replay of one is refused as another
    # request until it expires (24 hours).
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fingerprint', sa.String(length=64), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('response', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_key', schema=None) as batch_op:
        batch_op.drop_column('response')
        batch_op.drop_column('fingerprint')
