"""order lines are indexed by warehouse product, for summing reservations

Revision ID: b41f0c7d9e25
Revises: 7c2e9d41a0b3
Create Date: 2026-12-04 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41f0c7d9e25'
down_revision = '7c2e9d41a0b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_order_lines_warehouse_product_id'),
            ['warehouse_product_id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_warehouse_product_id'))
