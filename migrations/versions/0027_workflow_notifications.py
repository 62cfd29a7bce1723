"""Notifications for the steps of the work: about a module or a live session as well as a
post, one per person, post and kind; kinds a person turned off; live sessions remember
that their followers were reminded; course modules completed by forum participation

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

KINDS = (
    'discussion', 'reply', 'mention', 'assigned', 'awaiting', 'rated', 'draft', 'report',
    'module', 'live_soon',
)

COMPLETIONS = ('manual', 'view', 'discussions', 'replies', 'posts')


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notification_user_id', type_='unique')
        batch_op.alter_column('post_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('discussion_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('module_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('live_session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_notification_module_id_course_module'), 'course_module',
            ['module_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_notification_live_session_id_live_session'), 'live_session',
            ['live_session_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_index(batch_op.f('ix_notification_module_id'), ['module_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_notification_live_session_id'), ['live_session_id'], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_notification_user_id'), ['user_id', 'post_id', 'kind']
        )

    op.create_table('notification_mute',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='notificationkind', native_enum=False, length=10), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_mute_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_mute'))
    )

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.alter_column(
            'completion',
            existing_type=sa.Enum(*COMPLETIONS[:2], name='completion', native_enum=False, length=6),
            type_=sa.Enum(*COMPLETIONS, name='completion', native_enum=False, length=11),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column('completion_count', sa.Integer(), nullable=True))


def downgrade():
    op.execute(sa.text(
        "UPDATE course_module SET completion = 'manual', completion_count = NULL "
        "WHERE completion NOT IN ('manual', 'view')"
    ))
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_column('completion_count')
        batch_op.alter_column(
            'completion',
            existing_type=sa.Enum(*COMPLETIONS, name='completion', native_enum=False, length=11),
            type_=sa.Enum(*COMPLETIONS[:2], name='completion', native_enum=False, length=6),
            existing_nullable=False,
        )

    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    op.drop_table('notification_mute')
    op.execute(sa.text(
        "DELETE FROM notification WHERE post_id IS NULL OR kind NOT IN "
        "('discussion', 'reply', 'mention')"
    ))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notification_user_id', type_='unique')
        batch_op.drop_index(batch_op.f('ix_notification_live_session_id'))
        batch_op.drop_index(batch_op.f('ix_notification_module_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_notification_live_session_id_live_session'), type_='foreignkey'
        )
        batch_op.drop_constraint(
            batch_op.f('fk_notification_module_id_course_module'), type_='foreignkey'
        )
        batch_op.drop_column('live_session_id')
        batch_op.drop_column('module_id')
        batch_op.alter_column('discussion_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('post_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_notification_user_id'), ['user_id', 'post_id'])
