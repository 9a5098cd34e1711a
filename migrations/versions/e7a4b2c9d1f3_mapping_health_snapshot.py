"""accounts keep their mapping health counts; the partial indexes for them go

Revision ID: e7a4b2c9d1f3
Revises: c5d83a1f6e20
Create Date: 2026-12-04 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a4b2c9d1f3'
down_revision = 'c5d83a1f6e20'
branch_labels = None
depends_on = None

COUNTS = (
    'mappings_total',
    'mappings_unmatched',
    'mappings_never_pushed',
    'mappings_failed',
)

# the indexes of revision c5d83a1f6e20, written out so that this one never changes
INDEXES = {
    'ix_product_mappings_unmatched': 'warehouse_product_id IS NULL',
    'ix_product_mappings_never_pushed': (
        'warehouse_product_id IS NOT NULL AND last_pushed_at IS NULL'
    ),
    'ix_product_mappings_push_failed': 'last_push_error IS NOT NULL',
}

# the counts of every account that has mappings; the others keep their zeros
FILL = """
UPDATE ec_accounts SET
    mappings_total = counted.total,
    mappings_unmatched = counted.unmatched,
    mappings_never_pushed = counted.never_pushed,
    mappings_failed = counted.failed
FROM (
    SELECT
        account_id,
        COUNT(id) AS total,
        COUNT(id) FILTER (WHERE warehouse_product_id IS NULL) AS unmatched,
        COUNT(id) FILTER (
            WHERE warehouse_product_id IS NOT NULL AND last_pushed_at IS NULL
        ) AS never_pushed,
        COUNT(id) FILTER (WHERE last_push_error IS NOT NULL) AS failed
    FROM product_mappings
    GROUP BY account_id
) AS counted
WHERE ec_accounts.id = counted.account_id
"""


# ec_accounts is altered in place, never copied: on SQLite, dropping the old table
# would cascade to its mappings, runs and logs (SQLite drops columns since 3.35)


def upgrade():
    with op.batch_alter_table('ec_accounts', schema=None, recreate='never') as batch_op:
        for name in COUNTS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), server_default='0', nullable=False)
            )
        batch_op.add_column(
            sa.Column('mappings_counted_at', sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(FILL)
    op.execute('UPDATE ec_accounts SET mappings_counted_at = CURRENT_TIMESTAMP')
    for name in INDEXES:
        op.drop_index(name, table_name='product_mappings')


def downgrade():
    for name, where in INDEXES.items():
        op.create_index(
            name,
            'product_mappings',
            ['account_id'],
            unique=False,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )
    with op.batch_alter_table('ec_accounts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('mappings_counted_at')
        for name in reversed(COUNTS):
            batch_op.drop_column(name)
