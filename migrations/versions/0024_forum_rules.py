"""forum rules from Moodle: a post's "send now" (its notifications are mailed without
waiting for the edit window) and who edited it last ("Edited by <name>"), taken for the
posts edited so far from their latest revision; a forum's word count setting

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mail_now', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_post_edited_by_id_user'), 'user', ['edited_by_id'], ['id']
        )
    op.execute(
        "UPDATE post SET edited_by_id = (SELECT r.edited_by_id FROM post_revision r"
        " WHERE r.post_id = post.id ORDER BY r.id DESC LIMIT 1)"
        " WHERE edited_at IS NOT NULL"
    )


    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('show_word_count', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('forum_settings', schema=None) as batch_op:
        batch_op.drop_column('show_word_count')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_post_edited_by_id_user'), type_='foreignkey')
        batch_op.drop_column('edited_by_id')
        batch_op.drop_column('mail_now')
