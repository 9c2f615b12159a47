"""The CA's rate limits and the renewal queue's back-off

queue_certificate.timestamp_not_before: a waiting item deferred by a rate limit is not taken
before then. queue_certificate.timestamp_retry_after and count_failures: a failed item's set is
not enqueued again before then (exponential back-off, the CA's Retry-After). Two indexes keep the
rate-limit counts to one index range each: acme_order (acme_account_id, timestamp_created) and
certificate_signed.timestamp_not_before.

Revision ID: e5a8c1f4b7d2
Revises: 9d4e2b7a1c5f
Create Date: 2026-12-06 19:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'e5a8c1f4b7d2'
down_revision = '9d4e2b7a1c5f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timestamp_not_before', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('timestamp_retry_after', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('count_failures', sa.Integer(), nullable=True))
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.create_index(
            'ix_acme_order_acme_account_id_timestamp_created', ['acme_account_id', 'timestamp_created'], unique=False
        )
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_certificate_signed_timestamp_not_before'), ['timestamp_not_before'], unique=False
        )


def downgrade():
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_signed_timestamp_not_before'))
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.drop_index('ix_acme_order_acme_account_id_timestamp_created')
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.drop_column('count_failures')
        batch_op.drop_column('timestamp_retry_after')
        batch_op.drop_column('timestamp_not_before')
