"""certificate_signed.acme_account_id__renewal: the account a certificate of no order renews with

A certbot lineage names its account in renewal/<name>.conf; the certbot importer stores that
link here so the renewal queue renews an imported certificate with the lineage's account.

Revision ID: 7c2e4a1d9b3f
Revises: 5b1f0c2d7e3a
Create Date: 2026-12-06 17:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = '7c2e4a1d9b3f'
down_revision = '5b1f0c2d7e3a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acme_account_id__renewal', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_certificate_signed_acme_account_id__renewal'), ['acme_account_id__renewal'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_certificate_signed_acme_account_id__renewal_acme_account'),
            'acme_account',
            ['acme_account_id__renewal'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_certificate_signed_acme_account_id__renewal_acme_account'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_certificate_signed_acme_account_id__renewal'))
        batch_op.drop_column('acme_account_id__renewal')
