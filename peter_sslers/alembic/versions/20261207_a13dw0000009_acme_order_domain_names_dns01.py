"""acme_order.domain_names_dns01: the names an order validates with dns-01

An order's names are http-01 unless listed here (comma-separated, sorted; wildcards are always
among them). Processing answers each authorization with its name's challenge type, and retries,
renewals and the renewal queue keep each name's type.

Revision ID: a13dw0000009
Revises: a13f10e00005
Create Date: 2026-12-07 20:20:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a13dw0000009'
down_revision = 'a13f10e00005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('domain_names_dns01', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.drop_column('domain_names_dns01')
