"""a partial index of failed API calls, for an account page's recent failures

Revision ID: b6e1f0c4d8a2
Revises: a8d2e6f4b3c1
Create Date: 2026-12-04 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6e1f0c4d8a2'
down_revision = 'a8d2e6f4b3c1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_api_logs_account_failed',
        'api_logs',
        ['account_id', 'created_at', 'id'],
        unique=False,
        postgresql_where=sa.text('ok IS false'),
        sqlite_where=sa.text('ok IS 0'),
    )


def downgrade():
    op.drop_index('ix_api_logs_account_failed', table_name='api_logs')
