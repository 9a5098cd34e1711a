"""partial indexes of product mappings for the mapping health counts

Revision ID: c5d83a1f6e20
Revises: b41f0c7d9e25
Create Date: 2026-12-04 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d83a1f6e20'
down_revision = 'b41f0c7d9e25'
branch_labels = None
depends_on = None

# written out here, not imported from the models, so that this revision never changes
INDEXES = {
    'ix_product_mappings_unmatched': 'warehouse_product_id IS NULL',
    'ix_product_mappings_never_pushed': (
        'warehouse_product_id IS NOT NULL AND last_pushed_at IS NULL'
    ),
    'ix_product_mappings_push_failed': 'last_push_error IS NOT NULL',
}


def upgrade():
    for name, where in INDEXES.items():
        op.create_index(
            name,
            'product_mappings',
            ['account_id'],
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name='product_mappings')
