"""free tags on discussions, per space (a row per discussion and tag); timed
discussions (display from / until); a forum's posting threshold

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'discussion_tag',
        sa.Column('discussion_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ['discussion_id'],
            ['discussion.id'],
            name=op.f('fk_discussion_tag_discussion_id_discussion'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('discussion_id', 'name', name=op.f('pk_discussion_tag')),
    )
    with op.batch_alter_table('discussion_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_tag_name'), ['name'], unique=False)
    with op.batch_alter_table('discussion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('display_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        for name in ('post_period_hours', 'warn_after', 'block_after'):
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        for name in ('block_after', 'warn_after', 'post_period_hours'):
            batch_op.drop_column(name)
    with op.batch_alter_table('discussion', schema=None) as batch_op:
        batch_op.drop_column('display_until')
        batch_op.drop_column('display_from')
    with op.batch_alter_table('discussion_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_tag_name'))
    op.drop_table('discussion_tag')
