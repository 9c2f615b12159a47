"""domain_autocert: each attempt to certify a name on request, and the name's lock while it runs

`/api/domain/autocert` (the edge, on a miss) and `/api/domain/certificate-if-needed` record each
attempt here. While it runs (`is_running` TRUE) the partial unique index allows no second running
attempt for the name, on any instance sharing the datastore: two calls make one order.

Revision ID: a14au0000015
Revises: a14bl0000012
Create Date: 2026-12-08 02:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a14au0000015'
down_revision = 'a14bl0000012'
branch_labels = None
depends_on = None

RUNNING = sa.text('is_running IS TRUE')


def upgrade():
    op.create_table(
        'domain_autocert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.Unicode(length=32), nullable=False),
        sa.Column('timestamp_created', sa.DateTime(), nullable=False),
        sa.Column('timestamp_finished', sa.DateTime(), nullable=True),
        sa.Column('is_running', sa.Boolean(), nullable=True),
        sa.Column('is_successful', sa.Boolean(), nullable=True),
        sa.Column('result', sa.Unicode(length=32), nullable=False),
        sa.Column('error', sa.UnicodeText(), nullable=True),
        sa.Column('acme_order_id', sa.Integer(), nullable=True),
        sa.Column('certificate_signed_id', sa.Integer(), nullable=True),
        sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
        sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_domain_autocert_domain_name_lowercase')),
        sa.ForeignKeyConstraint(['acme_order_id'], ['acme_order.id'], name=op.f('fk_domain_autocert_acme_order_id_acme_order')),
        sa.ForeignKeyConstraint(
            ['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_domain_autocert_certificate_signed_id_certificate_signed')
        ),
        sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_domain_autocert_domain_id_domain')),
        sa.ForeignKeyConstraint(
            ['operations_event_id__created'],
            ['operations_event.id'],
            name=op.f('fk_domain_autocert_operations_event_id__created_operations_event'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_autocert')),
    )
    with op.batch_alter_table('domain_autocert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domain_autocert_acme_order_id'), ['acme_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_autocert_certificate_signed_id'), ['certificate_signed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_autocert_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_autocert_domain_name'), ['domain_name'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_domain_autocert_operations_event_id__created'), ['operations_event_id__created'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_domain_autocert_timestamp_created'), ['timestamp_created'], unique=False)
        batch_op.create_index(
            'uq_domain_autocert_running_domain_name',
            ['domain_name'],
            unique=True,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        )


def downgrade():
    with op.batch_alter_table('domain_autocert', schema=None) as batch_op:
        batch_op.drop_index('uq_domain_autocert_running_domain_name', sqlite_where=RUNNING, postgresql_where=RUNNING)
        batch_op.drop_index(batch_op.f('ix_domain_autocert_timestamp_created'))
        batch_op.drop_index(batch_op.f('ix_domain_autocert_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_domain_autocert_domain_name'))
        batch_op.drop_index(batch_op.f('ix_domain_autocert_domain_id'))
        batch_op.drop_index(batch_op.f('ix_domain_autocert_certificate_signed_id'))
        batch_op.drop_index(batch_op.f('ix_domain_autocert_acme_order_id'))
    op.drop_table('domain_autocert')
