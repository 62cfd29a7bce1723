"""search_document's word index without a pending list

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06

PostgreSQL only (cop/search/pg/table.py). With GIN's default `fastupdate`, the words of
new rows wait in the index's pending list, which every search reads through in full,
until an insert finds the list over gin_pending_list_limit (4 MB) and merges it into the
index, inside that insert's transaction: under steady writes, searches slowed as the list
grew, and now and then a drain paid for the whole merge. Without it each insert updates
the index itself (1.27 instead of 1.07 ms of backend CPU per document at 100,000 posts).
What waits in the list is merged now.
"""

from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER INDEX ix_search_document_vector SET (fastupdate = off)')
    op.execute("SELECT gin_clean_pending_list('ix_search_document_vector')")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('ALTER INDEX ix_search_document_vector RESET (fastupdate)')
