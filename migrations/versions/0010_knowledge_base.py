"""Knowledge base: the committee's consent to publish, the published copy, the KB forum

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 11:26:22.866439

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_consent', sa.Enum('none', 'anonymised', 'full', name='consent', native_enum=False), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('published_discussion_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_consultation_published_discussion_id'), ['published_discussion_id'])
        batch_op.create_foreign_key(batch_op.f('fk_consultation_published_discussion_id_discussion'), 'discussion', ['published_discussion_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('space', schema=None) as batch_op:
        batch_op.add_column(sa.Column('knowledge_base', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('space', schema=None) as batch_op:
        batch_op.drop_column('knowledge_base')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultation_published_discussion_id_discussion'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_consultation_published_discussion_id'), type_='unique')
        batch_op.drop_column('published_discussion_id')
        batch_op.drop_column('publish_consent')

