"""personal data and profiles: a person's erasure time, starred discussions, read tracking
per forum (optional, forced, off) and a personal preference for it

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('track_reads', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_tracking', sa.Enum('optional', 'forced', 'off', name='readtracking', native_enum=False, length=8), server_default='optional', nullable=False))
    op.create_table('discussion_star',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('discussion_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['discussion_id'], ['discussion.id'], name=op.f('fk_discussion_star_discussion_id_discussion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_discussion_star_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'discussion_id', name=op.f('pk_discussion_star'))
    )
    with op.batch_alter_table('discussion_star', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discussion_star_discussion_id'), ['discussion_id'], unique=False)


def downgrade():
    with op.batch_alter_table('discussion_star', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discussion_star_discussion_id'))
    op.drop_table('discussion_star')
    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        batch_op.drop_column('read_tracking')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('track_reads')
        batch_op.drop_column('erased_at')
