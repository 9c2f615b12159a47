"""chains you prefer: the preferred-CA list, reconcile-cas attempts, root stores

certificate_ca_preference: the ordered list of preferred CAs (slot 1..n) that decides each
certificate's default chain. certificate_ca_reconciliation: one row per attempt of
/api/reconcile-cas to fetch a CA's issuer from its AIA caIssuers URI. root_store,
root_store_version, root_store_version_2_certificate_ca: trust stores, their versions and the
stored CAs each version trusts.

Revision ID: a14ch0000014
Revises: a14qd0000010
Create Date: 2026-12-07 22:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a14ch0000014'
down_revision = 'a14qd0000010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_ca_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.CheckConstraint('slot >= 1', name=op.f('ck_certificate_ca_preference_slot_positive')),
    sa.ForeignKeyConstraint(['certificate_ca_id'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_preference_certificate_ca_id_certificate_ca')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_ca_preference')),
    sa.UniqueConstraint('certificate_ca_id', name=op.f('uq_certificate_ca_preference_certificate_ca_id')),
    sa.UniqueConstraint('slot', name=op.f('uq_certificate_ca_preference_slot'))
    )
    op.create_table('certificate_ca_reconciliation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_operation', sa.DateTime(), nullable=False),
    sa.Column('certificate_ca_id', sa.Integer(), nullable=False),
    sa.Column('cert_issuer_uri', sa.Text(), nullable=False),
    sa.Column('result', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('certificate_ca_id__issuer__reconciled', sa.Integer(), nullable=True),
    sa.Column('operations_event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_ca_id'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_reconciliation_certificate_ca_id_certificate_ca')),
    sa.ForeignKeyConstraint(['certificate_ca_id__issuer__reconciled'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_reconciliation_certificate_ca_id__issuer__reconciled_certificate_ca')),
    sa.ForeignKeyConstraint(['operations_event_id'], ['operations_event.id'], name=op.f('fk_certificate_ca_reconciliation_operations_event_id_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_ca_reconciliation'))
    )
    with op.batch_alter_table('certificate_ca_reconciliation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_ca_reconciliation_certificate_ca_id'), ['certificate_ca_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_reconciliation_certificate_ca_id__issuer__reconciled'), ['certificate_ca_id__issuer__reconciled'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_reconciliation_operations_event_id'), ['operations_event_id'], unique=False)

    op.create_table('root_store',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_store')),
    sa.UniqueConstraint('name', name=op.f('uq_root_store_name'))
    )
    op.create_table('root_store_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('root_store_id', sa.Integer(), nullable=False),
    sa.Column('version_string', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['root_store_id'], ['root_store.id'], name=op.f('fk_root_store_version_root_store_id_root_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_store_version')),
    sa.UniqueConstraint('root_store_id', 'version_string', name=op.f('uq_root_store_version_root_store_id'))
    )
    op.create_table('root_store_version_2_certificate_ca',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('root_store_version_id', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_ca_id'], ['certificate_ca.id'], name=op.f('fk_root_store_version_2_certificate_ca_certificate_ca_id_certificate_ca')),
    sa.ForeignKeyConstraint(['root_store_version_id'], ['root_store_version.id'], name=op.f('fk_root_store_version_2_certificate_ca_root_store_version_id_root_store_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_root_store_version_2_certificate_ca')),
    sa.UniqueConstraint('root_store_version_id', 'certificate_ca_id', name=op.f('uq_root_store_version_2_certificate_ca_root_store_version_id'))
    )
    with op.batch_alter_table('root_store_version_2_certificate_ca', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_root_store_version_2_certificate_ca_certificate_ca_id'), ['certificate_ca_id'], unique=False)


def downgrade():
    with op.batch_alter_table('root_store_version_2_certificate_ca', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_root_store_version_2_certificate_ca_certificate_ca_id'))
    op.drop_table('root_store_version_2_certificate_ca')
    op.drop_table('root_store_version')
    op.drop_table('root_store')
    with op.batch_alter_table('certificate_ca_reconciliation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_ca_reconciliation_operations_event_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_reconciliation_certificate_ca_id__issuer__reconciled'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_reconciliation_certificate_ca_id'))
    op.drop_table('certificate_ca_reconciliation')
    op.drop_table('certificate_ca_preference')
