"""Notifications count failed mail tries and wait before the next one

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mail_tries', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('mail_retry_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('mail_retry_at')
        batch_op.drop_column('mail_tries')
