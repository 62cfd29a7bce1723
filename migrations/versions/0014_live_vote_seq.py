"""Live questions: a sequence number of vote changes, to order counts from several processes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 15:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_question') as batch_op:
        batch_op.add_column(sa.Column('vote_seq', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('live_question') as batch_op:
        batch_op.drop_column('vote_seq')
