"""acme_challenge_probe: the short-lived probes of the http-01 self-check

Before an order is sent to the ACME server, the self-check stores a random token and the key
authorization the ordering account would answer for each http-01 name; the public responder of
any instance answers it until it expires, and the check fetches it through the public path.

Revision ID: 9d4e2b7a1c5f
Revises: 2269762cbf9d
Create Date: 2026-12-06 19:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '9d4e2b7a1c5f'
down_revision = '2269762cbf9d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acme_challenge_probe',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.Unicode(length=255), nullable=False),
    sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
    sa.Column('key_authorization', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_expires', sa.DateTime(), nullable=False),
    sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_acme_challenge_probe_domain_name_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_challenge_probe')),
    sa.UniqueConstraint('token', name=op.f('uq_acme_challenge_probe_token'))
    )
    with op.batch_alter_table('acme_challenge_probe', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_challenge_probe_timestamp_expires'), ['timestamp_expires'], unique=False)


def downgrade():
    with op.batch_alter_table('acme_challenge_probe', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_challenge_probe_timestamp_expires'))
    op.drop_table('acme_challenge_probe')
