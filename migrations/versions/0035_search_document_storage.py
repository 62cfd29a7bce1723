"""search_document: vectors kept inline, texts out of line, word statistics raised

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06

PostgreSQL only, as migration 0023's table (cop/search/pg/table.py, `tune`: a search
reads every match's vector and only the shown ones' texts; a rare word's matches were
estimated in hundreds with the default statistics). The rows are written again so that
they are stored the new way, and the table is analyzed.
"""

from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'ALTER TABLE search_document'
        ' ALTER COLUMN vector SET STORAGE MAIN,'
        ' ALTER COLUMN text SET STORAGE EXTERNAL,'
        ' ALTER COLUMN vector SET STATISTICS 10000'
    )
    op.execute("UPDATE search_document SET vector = vector || ''::tsvector, text = text || ''")
    op.execute('ANALYZE search_document')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        'ALTER TABLE search_document'
        ' ALTER COLUMN vector SET STORAGE EXTENDED,'
        ' ALTER COLUMN text SET STORAGE EXTENDED,'
        ' ALTER COLUMN vector SET STATISTICS -1'
    )
