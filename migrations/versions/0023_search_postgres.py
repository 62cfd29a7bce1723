"""The PostgreSQL search backend's tables (COP_SEARCH_BACKEND=postgres), on PostgreSQL only

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-05 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0020'
branch_labels = None
depends_on = None

ID_FIELDS = (
    'kind', 'post', 'discussion', 'consultation', 'space', 'community', 'oblast',
    'platform', 'status', 'year', 'author', 'first', 'group', 'private', 'audience',
    'internal', 'hidden',
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite deployments search with Whoosh: nothing to make
    # pg_trgm is a trusted extension (PostgreSQL 13+): a role that may create in the
    # database may create it, no superuser needed.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table(
        'search_document',
        sa.Column('id', sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.String(length=100), nullable=False) for name in ID_FIELDS),
        sa.Column('created', sa.DateTime(), nullable=False),
        sa.Column('heading', sa.Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.Column('stamp', sa.String(length=24), nullable=False),
        sa.Column('vector', postgresql.TSVECTOR(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
    )
    op.create_index(
        'ix_search_document_vector', 'search_document', ['vector'], postgresql_using='gin'
    )
    # A drain deletes a key's documents by these.
    for name in ('discussion', 'consultation', 'space', 'community', 'post'):
        op.create_index(f'ix_search_document_{name}', 'search_document', [name])
    op.create_table(
        'search_word',
        sa.Column('word', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('word', name=op.f('pk_search_word')),
    )
    op.create_index(
        'ix_search_word_trgm',
        'search_word',
        ['word'],
        postgresql_using='gin',
        postgresql_ops={'word': 'gin_trgm_ops'},
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_table('search_word')
    op.drop_table('search_document')
