"""coverage assurance events and notifications (issue 12, items 5 and 6)

``coverage_assurance_event``: what endangers a name's valid certificate (expiring with no
renewal under way, renewal failed, no usable account, key compromised, certificate revoked),
one unresolved event per type and subject (a partial unique index). ``notification``: the
outbox of webhook and email messages, written in the event's transaction, sent after it.

Revision ID: 2269762cbf9d
Revises: 7c2e4a1d9b3f
Create Date: 2026-12-06 18:48:27.220734
"""

from alembic import op
import sqlalchemy as sa

revision = '2269762cbf9d'
down_revision = '7c2e4a1d9b3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coverage_assurance_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_resolved', sa.DateTime(), nullable=True),
    sa.Column('coverage_assurance_event_type_id', sa.Integer(), nullable=False),
    sa.Column('coverage_assurance_event_status_id', sa.Integer(), nullable=False),
    sa.Column('coverage_assurance_resolution_id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.Unicode(length=64), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('private_key_id', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id', sa.Integer(), nullable=True),
    sa.Column('queue_certificate_id', sa.Integer(), nullable=True),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=True),
    sa.Column('acme_account_id', sa.Integer(), nullable=True),
    sa.Column('coverage_assurance_event_id__parent', sa.Integer(), nullable=True),
    sa.CheckConstraint('private_key_id IS NOT NULL OR certificate_signed_id IS NOT NULL OR queue_certificate_id IS NOT NULL', name=op.f('ck_coverage_assurance_event_check_one_object')),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_coverage_assurance_event_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_coverage_assurance_event_certificate_signed_id_certificate_signed')),
    sa.ForeignKeyConstraint(['coverage_assurance_event_id__parent'], ['coverage_assurance_event.id'], name=op.f('fk_coverage_assurance_event_coverage_assurance_event_id__parent_coverage_assurance_event')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_coverage_assurance_event_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['queue_certificate_id'], ['queue_certificate.id'], name=op.f('fk_coverage_assurance_event_queue_certificate_id_queue_certificate')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_coverage_assurance_event_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coverage_assurance_event'))
    )
    with op.batch_alter_table('coverage_assurance_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_certificate_signed_id'), ['certificate_signed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_event_id__parent'), ['coverage_assurance_event_id__parent'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_event_type_id'), ['coverage_assurance_event_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_resolution_id'), ['coverage_assurance_resolution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_queue_certificate_id'), ['queue_certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_timestamp_created'), ['timestamp_created'], unique=False)
        batch_op.create_index(batch_op.f('ix_coverage_assurance_event_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)
        batch_op.create_index('uq_coverage_assurance_event_unresolved_subject', ['coverage_assurance_event_type_id', 'subject_key'], unique=True, sqlite_where=sa.text('coverage_assurance_resolution_id = 1'), postgresql_where=sa.text('coverage_assurance_resolution_id = 1'))

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.Unicode(length=64), nullable=False),
    sa.Column('notification_channel_id', sa.Integer(), nullable=False),
    sa.Column('notification_status_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('timestamp_next_attempt', sa.DateTime(), nullable=False),
    sa.Column('timestamp_last_attempt', sa.DateTime(), nullable=True),
    sa.Column('timestamp_sent', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('coverage_assurance_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['coverage_assurance_event_id'], ['coverage_assurance_event.id'], name=op.f('fk_notification_coverage_assurance_event_id_coverage_assurance_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_coverage_assurance_event_id'), ['coverage_assurance_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_notification_status_id'), ['notification_status_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_timestamp_next_attempt'), ['timestamp_next_attempt'], unique=False)



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_timestamp_next_attempt'))
        batch_op.drop_index(batch_op.f('ix_notification_notification_status_id'))
        batch_op.drop_index(batch_op.f('ix_notification_coverage_assurance_event_id'))

    op.drop_table('notification')
    with op.batch_alter_table('coverage_assurance_event', schema=None) as batch_op:
        batch_op.drop_index('uq_coverage_assurance_event_unresolved_subject', sqlite_where=sa.text('coverage_assurance_resolution_id = 1'), postgresql_where=sa.text('coverage_assurance_resolution_id = 1'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_timestamp_created'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_queue_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_resolution_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_event_type_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_coverage_assurance_event_id__parent'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_certificate_signed_id'))
        batch_op.drop_index(batch_op.f('ix_coverage_assurance_event_acme_account_id'))

    op.drop_table('coverage_assurance_event')
