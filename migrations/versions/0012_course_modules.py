"""Course modules: revisions, links, completion; module resources and consultations' modules

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 11:28:11.813241

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='modulestatus', native_enum=False), nullable=False),
    sa.Column('completion', sa.Enum('manual', 'view', name='completion', native_enum=False), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_course_module_author_id_user')),
    sa.ForeignKeyConstraint(['course_id'], ['space.id'], name=op.f('fk_course_module_course_id_space'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['space.id'], name=op.f('fk_course_module_forum_id_space')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_module')),
    sa.UniqueConstraint('forum_id', name=op.f('uq_course_module_forum_id'))
    )
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_module_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_module_course_id'), ['course_id', 'position'], unique=False)

    op.create_table('course_settings',
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('requires_previous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['space_id'], ['space.id'], name=op.f('fk_course_settings_space_id_space'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('space_id', name=op.f('pk_course_settings'))
    )
    op.create_table('module_completion',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_module_completion_module_id_course_module'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_module_completion_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'user_id', name=op.f('pk_module_completion'))
    )
    with op.batch_alter_table('module_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_completion_user_id'), ['user_id'], unique=False)

    op.create_table('module_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_module_link_module_id_course_module'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_link'))
    )
    with op.batch_alter_table('module_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_link_module_id'), ['module_id'], unique=False)

    op.create_table('module_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['user.id'], name=op.f('fk_module_revision_edited_by_id_user')),
    sa.ForeignKeyConstraint(['module_id'], ['course_module.id'], name=op.f('fk_module_revision_module_id_course_module'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_revision'))
    )
    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_revision_module_id'), ['module_id'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('module_id', sa.Integer(), nullable=True))
        batch_op.alter_column('post_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_attachment_module_id'), ['module_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachment_module_id_course_module'), 'course_module', ['module_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('module_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_consultation_module_id'), ['module_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_consultation_module_id_course_module'), 'course_module', ['module_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultation_module_id_course_module'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_consultation_module_id'))
        batch_op.drop_column('module_id')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachment_module_id_course_module'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachment_module_id'))
        batch_op.alter_column('post_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('module_id')

    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_revision_module_id'))

    op.drop_table('module_revision')
    with op.batch_alter_table('module_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_link_module_id'))

    op.drop_table('module_link')
    with op.batch_alter_table('module_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_completion_user_id'))

    op.drop_table('module_completion')
    op.drop_table('course_settings')
    with op.batch_alter_table('course_module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_module_course_id'))
        batch_op.drop_index(batch_op.f('ix_course_module_author_id'))

    op.drop_table('course_module')
