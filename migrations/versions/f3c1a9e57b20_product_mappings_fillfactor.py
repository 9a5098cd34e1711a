"""product mapping rows keep room on their pages for in-place updates

Revision ID: f3c1a9e57b20
Revises: e7a4b2c9d1f3
Create Date: 2026-12-04 19:00:00.000000

Every stock push rewrites the outcome columns of each mapping it sends. PostgreSQL
can update a row in place, without new index entries (a heap-only tuple update),
only when none of its indexed columns change and its page has room for the new
version; a fill factor of 85 keeps that room. SQLite has no such setting.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c1a9e57b20'
down_revision = 'e7a4b2c9d1f3'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE product_mappings SET (fillfactor = 85)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE product_mappings RESET (fillfactor)')
