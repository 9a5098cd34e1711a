"""sync runs record the process working on them

Revision ID: 7c2e9d41a0b3
Revises: 516fa68c5a16
Create Date: 2026-12-04 16:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c2e9d41a0b3'
down_revision = '516fa68c5a16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('runner')
