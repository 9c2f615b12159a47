"""drop acme_challenge_unknown_poll: the public responder writes no row per miss

Anyone on the internet chooses the Host and token of a miss, so a row per miss let them
grow this table without bound. Misses are logged at INFO instead (web/views_public).
The rows it held are dropped with it.

Revision ID: 5b1f0c2d7e3a
Revises: 3b1f0c2d9a7e
Create Date: 2026-12-06 16:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = '5b1f0c2d7e3a'
down_revision = "3b1f0c2d9a7e"  # after the queue indexes (both were written the same day)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('acme_challenge_unknown_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_challenge_unknown_poll_remote_ip_address_id'))

    op.drop_table('acme_challenge_unknown_poll')


def downgrade():
    op.create_table('acme_challenge_unknown_poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.Unicode(length=255), nullable=False),
    sa.Column('challenge', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_polled', sa.DateTime(), nullable=False),
    sa.Column('remote_ip_address_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['remote_ip_address_id'], ['remote_ip_address.id'], name=op.f('fk_acme_challenge_unknown_poll_remote_ip_address_id_remote_ip_address')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_challenge_unknown_poll'))
    )
    with op.batch_alter_table('acme_challenge_unknown_poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_challenge_unknown_poll_remote_ip_address_id'), ['remote_ip_address_id'], unique=False)
