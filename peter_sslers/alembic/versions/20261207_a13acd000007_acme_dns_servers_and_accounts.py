"""acme-dns servers and their per-domain accounts (dns-01 through acme-dns)

acme_dns_server: the root URL of an acme-dns HTTP API (unique), active or not, at most one global
default, the zone its fulldomains live under, the last time its health check passed. acme_dns_server_account: the
credentials of one domain on one server; at most one active account per (server, domain), kept
by a partial unique index (the 2021 table's unique (server, domain, is_active) allowed only one
inactive account per pair too).

Revision ID: a13acd000007
Revises: a13eab000004
Create Date: 2026-12-07 10:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a13acd000007'
down_revision = 'a13eab000004'
branch_labels = None
depends_on = None

ACTIVE = sa.text("is_active IS TRUE")


def upgrade():
    op.create_table('acme_dns_server',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('root_url', sa.Unicode(length=255), nullable=False),
    sa.Column('domain', sa.Unicode(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_global_default', sa.Boolean(), nullable=True),
    sa.Column('timestamp_last_healthy', sa.DateTime(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('is_global_default IS NULL OR is_global_default IS TRUE', name=op.f('ck_acme_dns_server_is_global_default_true_or_null')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_acme_dns_server_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_dns_server')),
    sa.UniqueConstraint('root_url', name=op.f('uq_acme_dns_server_root_url'))
    )
    with op.batch_alter_table('acme_dns_server', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_dns_server_is_global_default'), ['is_global_default'], unique=True)
        batch_op.create_index(batch_op.f('ix_acme_dns_server_operations_event_id__created'), ['operations_event_id__created'], unique=False)

    op.create_table('acme_dns_server_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('acme_dns_server_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_imported', sa.Boolean(), nullable=False),
    sa.Column('username', sa.Unicode(length=255), nullable=False),
    sa.Column('password', sa.Unicode(length=255), nullable=False),
    sa.Column('fulldomain', sa.Unicode(length=255), nullable=False),
    sa.Column('subdomain', sa.Unicode(length=255), nullable=False),
    sa.Column('allowfrom', sa.Unicode(length=1024), nullable=False),
    sa.Column('timestamp_last_update', sa.DateTime(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acme_dns_server_id'], ['acme_dns_server.id'], name=op.f('fk_acme_dns_server_account_acme_dns_server_id_acme_dns_server')),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_acme_dns_server_account_domain_id_domain')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_acme_dns_server_account_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_dns_server_account'))
    )
    with op.batch_alter_table('acme_dns_server_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_dns_server_account_acme_dns_server_id'), ['acme_dns_server_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_dns_server_account_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_dns_server_account_operations_event_id__created'), ['operations_event_id__created'], unique=False)
    op.create_index(
        'uq_acme_dns_server_account_active_domain',
        'acme_dns_server_account',
        ['acme_dns_server_id', 'domain_id'],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade():
    op.drop_index('uq_acme_dns_server_account_active_domain', table_name='acme_dns_server_account')
    with op.batch_alter_table('acme_dns_server_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_dns_server_account_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_acme_dns_server_account_domain_id'))
        batch_op.drop_index(batch_op.f('ix_acme_dns_server_account_acme_dns_server_id'))
    op.drop_table('acme_dns_server_account')
    with op.batch_alter_table('acme_dns_server', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_dns_server_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_acme_dns_server_is_global_default'))
    op.drop_table('acme_dns_server')
