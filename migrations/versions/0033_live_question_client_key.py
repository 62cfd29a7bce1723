"""A live question's client key: asked again with it (a retry after a timeout or a 503),
the question is not asked twice

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-06 03:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_live_question_session_id'),
            ['session_id', 'author_id', 'client_key'],
        )


def downgrade():
    with op.batch_alter_table('live_question', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_live_question_session_id'), type_='unique'
        )
        batch_op.drop_column('client_key')
