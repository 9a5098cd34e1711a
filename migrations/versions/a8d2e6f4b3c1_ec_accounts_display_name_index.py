"""ec accounts are indexed by display name, the account list's default order

Revision ID: a8d2e6f4b3c1
Revises: f3c1a9e57b20
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a8d2e6f4b3c1'
down_revision = 'f3c1a9e57b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        op.f('ix_ec_accounts_display_name'),
        'ec_accounts',
        ['display_name'],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f('ix_ec_accounts_display_name'), table_name='ec_accounts')
