"""The queues take dns-01: queue_certificate.domain_names_dns01, queue_domain.acme_challenge_type_id

A renewal queue item records the names its order validates with dns-01 (comma-separated, sorted;
NULL: all http-01), as acme_order.domain_names_dns01 does for an order. A queued domain name
records its challenge type (model_utils.AcmeChallengeType: 1 http-01, 2 dns-01); the rows queued
before this revision are http-01.

Revision ID: a14qd0000010
Revises: a14ad0000011
Create Date: 2026-12-07 22:10:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a14qd0000010'
down_revision = 'a14ad0000011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('domain_names_dns01', sa.Text(), nullable=True))
    with op.batch_alter_table('queue_domain', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('acme_challenge_type_id', sa.Integer(), nullable=False, server_default=sa.text('1'))
        )


def downgrade():
    with op.batch_alter_table('queue_domain', schema=None) as batch_op:
        batch_op.drop_column('acme_challenge_type_id')
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.drop_column('domain_names_dns01')
