"""acme_account.eab_kid: the External Account Binding key id an account was created with

RFC 8555 section 7.3.4: CAs such as ZeroSSL or Google Trust Services only create accounts bound to
an external account (a key id and an HMAC key they issue). The key id is kept to say which external
account the ACME account belongs to; the HMAC key is a secret and is never stored.

Revision ID: a13eab000004
Revises: e5a8c1f4b7d2
Create Date: 2026-12-06 19:40:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a13eab000004'
down_revision = 'e5a8c1f4b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('acme_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eab_kid', sa.Unicode(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('acme_account', schema=None) as batch_op:
        batch_op.drop_column('eab_kid')
