"""Live sessions: a sequence number of question and session changes, carried by the state snapshot and every change, so a joining client keeps the changes newer than its snapshot

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_session') as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('live_question') as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('live_question') as batch_op:
        batch_op.drop_column('seq')
    with op.batch_alter_table('live_session') as batch_op:
        batch_op.drop_column('seq')
