"""baseline: the whole data model

Revision ID: c9e62761370c
Revises: 
Create Date: 2026-11-29 11:52:34.636038
"""

from alembic import op
import sqlalchemy as sa

revision = 'c9e62761370c'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acme_account_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('name', sa.Unicode(length=64), nullable=False),
    sa.Column('endpoint', sa.Unicode(length=255), nullable=True),
    sa.Column('directory', sa.Unicode(length=255), nullable=True),
    sa.Column('server', sa.Unicode(length=255), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=True),
    sa.Column('protocol', sa.Unicode(length=32), nullable=False),
    sa.CheckConstraint("protocol = 'acme-v2'", name=op.f('ck_acme_account_provider_check_protocol')),
    sa.CheckConstraint('(endpoint IS NOT NULL AND directory IS NULL) OR (endpoint IS NULL AND directory IS NOT NULL)', name=op.f('ck_acme_account_provider_check_endpoint_or_directory')),
    sa.CheckConstraint('is_default IS NULL OR is_default IS TRUE', name=op.f('ck_acme_account_provider_is_default_true_or_null')),
    sa.CheckConstraint('is_enabled IS NULL OR is_enabled IS TRUE', name=op.f('ck_acme_account_provider_is_enabled_true_or_null')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_account_provider')),
    sa.UniqueConstraint('directory', name=op.f('uq_acme_account_provider_directory')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_acme_account_provider_endpoint')),
    sa.UniqueConstraint('name', name=op.f('uq_acme_account_provider_name')),
    sa.UniqueConstraint('server', name=op.f('uq_acme_account_provider_server'))
    )
    with op.batch_alter_table('acme_account_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_account_provider_is_default'), ['is_default'], unique=True)

    op.create_table('domain_blocklisted',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
    sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_domain_blocklisted_domain_name_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_blocklisted')),
    sa.UniqueConstraint('domain_name', name=op.f('uq_domain_blocklisted_domain_name'))
    )
    op.create_table('operations_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operations_event_type_id', sa.Integer(), nullable=False),
    sa.Column('timestamp_event', sa.DateTime(), nullable=False),
    sa.Column('event_payload', sa.Text(), nullable=False),
    sa.Column('operations_event_id__child_of', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['operations_event_id__child_of'], ['operations_event.id'], name=op.f('fk_operations_event_operations_event_id__child_of_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations_event'))
    )
    with op.batch_alter_table('operations_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operations_event_operations_event_id__child_of'), ['operations_event_id__child_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_event_operations_event_type_id'), ['operations_event_type_id'], unique=False)

    op.create_table('remote_ip_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_ip_address', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_ip_address')),
    sa.UniqueConstraint('remote_ip_address', name=op.f('uq_remote_ip_address_remote_ip_address'))
    )
    op.create_table('acme_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('contact', sa.Unicode(length=255), nullable=True),
    sa.Column('terms_of_service', sa.Unicode(length=255), nullable=True),
    sa.Column('account_url', sa.Unicode(length=255), nullable=True),
    sa.Column('count_acme_orders', sa.Integer(), nullable=False),
    sa.Column('count_certificate_signeds', sa.Integer(), nullable=False),
    sa.Column('timestamp_last_certificate_request', sa.DateTime(), nullable=True),
    sa.Column('timestamp_last_certificate_issue', sa.DateTime(), nullable=True),
    sa.Column('timestamp_last_authenticated', sa.DateTime(), nullable=True),
    sa.Column('timestamp_deactivated', sa.DateTime(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_global_default', sa.Boolean(), nullable=True),
    sa.Column('acme_account_provider_id', sa.Integer(), nullable=False),
    sa.Column('private_key_cycle_id', sa.Integer(), nullable=False),
    sa.Column('private_key_technology_id', sa.Integer(), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('is_global_default IS NULL OR is_global_default IS TRUE', name=op.f('ck_acme_account_is_global_default_true_or_null')),
    sa.ForeignKeyConstraint(['acme_account_provider_id'], ['acme_account_provider.id'], name=op.f('fk_acme_account_acme_account_provider_id_acme_account_provider')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_acme_account_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_account')),
    sa.UniqueConstraint('account_url', name=op.f('uq_acme_account_account_url'))
    )
    with op.batch_alter_table('acme_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_account_acme_account_provider_id'), ['acme_account_provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_account_is_global_default'), ['is_global_default'], unique=True)
        batch_op.create_index(batch_op.f('ix_acme_account_operations_event_id__created'), ['operations_event_id__created'], unique=False)

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

    op.create_table('certificate_ca',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('display_name', sa.Unicode(length=255), nullable=False),
    sa.Column('is_trusted_root', sa.Boolean(), nullable=True),
    sa.Column('key_technology_id', sa.Integer(), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('cert_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('spki_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('fingerprint_sha1', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_not_before', sa.DateTime(), nullable=False),
    sa.Column('timestamp_not_after', sa.DateTime(), nullable=False),
    sa.Column('cert_subject', sa.Text(), nullable=False),
    sa.Column('cert_issuer', sa.Text(), nullable=False),
    sa.Column('cert_issuer_uri', sa.Text(), nullable=True),
    sa.Column('cert_authority_key_identifier', sa.Text(), nullable=True),
    sa.Column('cert_issuer__reconciled', sa.Boolean(), nullable=True),
    sa.Column('cert_issuer__certificate_ca_id', sa.Integer(), nullable=True),
    sa.Column('reconciled_uris', sa.Text(), nullable=True),
    sa.Column('count_active_certificates', sa.Integer(), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cert_issuer__certificate_ca_id'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_cert_issuer__certificate_ca_id_certificate_ca')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_certificate_ca_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_ca')),
    sa.UniqueConstraint('cert_pem_sha256', name=op.f('uq_certificate_ca_cert_pem_sha256'))
    )
    with op.batch_alter_table('certificate_ca', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_ca_cert_issuer__certificate_ca_id'), ['cert_issuer__certificate_ca_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_spki_sha256'), ['spki_sha256'], unique=False)

    op.create_table('unique_fqdn_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain_ids_string', sa.Text(), nullable=False),
    sa.Column('count_domains', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_unique_fqdn_set_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unique_fqdn_set')),
    sa.UniqueConstraint('domain_ids_string', name=op.f('uq_unique_fqdn_set_domain_ids_string'))
    )
    with op.batch_alter_table('unique_fqdn_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unique_fqdn_set_operations_event_id__created'), ['operations_event_id__created'], unique=False)

    op.create_table('acme_account_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acme_account_id', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=True),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_deactivated', sa.DateTime(), nullable=True),
    sa.Column('key_technology_id', sa.Integer(), nullable=False),
    sa.Column('key_pem', sa.Text(), nullable=False),
    sa.Column('key_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('spki_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('acme_account_key_source_id', sa.Integer(), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('is_active IS NULL OR is_active IS TRUE', name=op.f('ck_acme_account_key_is_active_true_or_null')),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_acme_account_key_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_acme_account_key_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_account_key')),
    sa.UniqueConstraint('key_pem_sha256', name=op.f('uq_acme_account_key_key_pem_sha256'))
    )
    with op.batch_alter_table('acme_account_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_account_key_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_account_key_spki_sha256'), ['spki_sha256'], unique=False)
        batch_op.create_index('uix_acme_account_key_active', ['acme_account_id', 'is_active'], unique=True)

    op.create_table('certificate_ca_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('display_name', sa.Unicode(length=255), nullable=False),
    sa.Column('chain_pem', sa.Text(), nullable=False),
    sa.Column('chain_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('chain_length', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_0_id', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_n_id', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_ids_string', sa.Unicode(length=255), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_ca_0_id'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_chain_certificate_ca_0_id_certificate_ca')),
    sa.ForeignKeyConstraint(['certificate_ca_n_id'], ['certificate_ca.id'], name=op.f('fk_certificate_ca_chain_certificate_ca_n_id_certificate_ca')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_certificate_ca_chain_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_ca_chain')),
    sa.UniqueConstraint('chain_pem_sha256', name=op.f('uq_certificate_ca_chain_chain_pem_sha256'))
    )
    with op.batch_alter_table('certificate_ca_chain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_ca_chain_certificate_ca_0_id'), ['certificate_ca_0_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_chain_certificate_ca_n_id'), ['certificate_ca_n_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_ca_chain_operations_event_id__created'), ['operations_event_id__created'], unique=False)

    op.create_table('private_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('key_technology_id', sa.Integer(), nullable=False),
    sa.Column('key_pem', sa.Text(), nullable=False),
    sa.Column('key_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('spki_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_compromised', sa.Boolean(), nullable=True),
    sa.Column('count_active_certificates', sa.Integer(), nullable=False),
    sa.Column('count_acme_orders', sa.Integer(), nullable=False),
    sa.Column('count_certificate_signeds', sa.Integer(), nullable=False),
    sa.Column('timestamp_last_certificate_request', sa.DateTime(), nullable=True),
    sa.Column('timestamp_last_certificate_issue', sa.DateTime(), nullable=True),
    sa.Column('private_key_source_id', sa.Integer(), nullable=False),
    sa.Column('private_key_type_id', sa.Integer(), nullable=False),
    sa.Column('acme_account_id__owner', sa.Integer(), nullable=True),
    sa.Column('private_key_id__replaces', sa.Integer(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acme_account_id__owner'], ['acme_account.id'], name=op.f('fk_private_key_acme_account_id__owner_acme_account')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_private_key_operations_event_id__created_operations_event')),
    sa.ForeignKeyConstraint(['private_key_id__replaces'], ['private_key.id'], name=op.f('fk_private_key_private_key_id__replaces_private_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_private_key')),
    sa.UniqueConstraint('key_pem_sha256', name=op.f('uq_private_key_key_pem_sha256'))
    )
    with op.batch_alter_table('private_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_private_key_acme_account_id__owner'), ['acme_account_id__owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_private_key_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_private_key_private_key_id__replaces'), ['private_key_id__replaces'], unique=False)
        batch_op.create_index(batch_op.f('ix_private_key_spki_sha256'), ['spki_sha256'], unique=False)

    op.create_table('certificate_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('certificate_request_source_id', sa.Integer(), nullable=False),
    sa.Column('csr_pem', sa.Text(), nullable=False),
    sa.Column('csr_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('spki_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('key_technology_id', sa.Integer(), nullable=False),
    sa.Column('private_key_id', sa.Integer(), nullable=True),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=False),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_certificate_request_operations_event_id__created_operations_event')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_certificate_request_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_certificate_request_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_request'))
    )
    with op.batch_alter_table('certificate_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_request_csr_pem_sha256'), ['csr_pem_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_request_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_request_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_request_spki_sha256'), ['spki_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_request_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)

    op.create_table('certificate_signed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_not_before', sa.DateTime(), nullable=False),
    sa.Column('timestamp_not_after', sa.DateTime(), nullable=False),
    sa.Column('timestamp_revoked_upstream', sa.DateTime(), nullable=True),
    sa.Column('is_single_domain_cert', sa.Boolean(), nullable=True),
    sa.Column('key_technology_id', sa.Integer(), nullable=False),
    sa.Column('cert_pem', sa.Text(), nullable=False),
    sa.Column('cert_pem_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('cert_serial', sa.Unicode(length=64), nullable=False),
    sa.Column('spki_sha256', sa.Unicode(length=64), nullable=False),
    sa.Column('fingerprint_sha1', sa.Unicode(length=255), nullable=False),
    sa.Column('cert_subject', sa.Text(), nullable=False),
    sa.Column('cert_issuer', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('is_deactivated', sa.Boolean(), nullable=True),
    sa.Column('is_revoked', sa.Boolean(), nullable=True),
    sa.Column('is_compromised_private_key', sa.Boolean(), nullable=True),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=False),
    sa.Column('private_key_id', sa.Integer(), nullable=False),
    sa.Column('certificate_request_id', sa.Integer(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_request_id'], ['certificate_request.id'], name=op.f('fk_certificate_signed_certificate_request_id_certificate_request')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_certificate_signed_operations_event_id__created_operations_event')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_certificate_signed_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_certificate_signed_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_signed')),
    sa.UniqueConstraint('cert_pem_sha256', name=op.f('uq_certificate_signed_cert_pem_sha256'))
    )
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_signed_cert_serial'), ['cert_serial'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_certificate_request_id'), ['certificate_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_spki_sha256'), ['spki_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_timestamp_not_after'), ['timestamp_not_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_signed_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)

    op.create_table('acme_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('is_processing', sa.Boolean(), nullable=True),
    sa.Column('is_auto_renew', sa.Boolean(), nullable=False),
    sa.Column('is_renewed', sa.Boolean(), nullable=True),
    sa.Column('is_save_alternate_chains', sa.Boolean(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('acme_order_type_id', sa.Integer(), nullable=False),
    sa.Column('acme_status_order_id', sa.Integer(), nullable=False),
    sa.Column('acme_order_processing_strategy_id', sa.Integer(), nullable=False),
    sa.Column('acme_order_processing_status_id', sa.Integer(), nullable=False),
    sa.Column('order_url', sa.Unicode(length=255), nullable=True),
    sa.Column('finalize_url', sa.Unicode(length=255), nullable=True),
    sa.Column('certificate_url', sa.Unicode(length=255), nullable=True),
    sa.Column('timestamp_expires', sa.DateTime(), nullable=True),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('timestamp_finalized', sa.DateTime(), nullable=True),
    sa.Column('private_key_cycle_id__renewal', sa.Integer(), nullable=False),
    sa.Column('private_key_strategy_id__requested', sa.Integer(), nullable=False),
    sa.Column('private_key_strategy_id__final', sa.Integer(), nullable=True),
    sa.Column('acme_account_id', sa.Integer(), nullable=False),
    sa.Column('certificate_request_id', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id', sa.Integer(), nullable=True),
    sa.Column('private_key_id__requested', sa.Integer(), nullable=False),
    sa.Column('private_key_id', sa.Integer(), nullable=False),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=False),
    sa.Column('acme_order_id__retry_of', sa.Integer(), nullable=True),
    sa.Column('acme_order_id__renewal_of', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id__renewal_of', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_acme_order_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['acme_order_id__renewal_of'], ['acme_order.id'], name=op.f('fk_acme_order_acme_order_id__renewal_of_acme_order')),
    sa.ForeignKeyConstraint(['acme_order_id__retry_of'], ['acme_order.id'], name=op.f('fk_acme_order_acme_order_id__retry_of_acme_order')),
    sa.ForeignKeyConstraint(['certificate_request_id'], ['certificate_request.id'], name=op.f('fk_acme_order_certificate_request_id_certificate_request')),
    sa.ForeignKeyConstraint(['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_acme_order_certificate_signed_id_certificate_signed')),
    sa.ForeignKeyConstraint(['certificate_signed_id__renewal_of'], ['certificate_signed.id'], name=op.f('fk_acme_order_certificate_signed_id__renewal_of_certificate_signed')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_acme_order_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['private_key_id__requested'], ['private_key.id'], name=op.f('fk_acme_order_private_key_id__requested_private_key')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_acme_order_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_order')),
    sa.UniqueConstraint('order_url', name=op.f('uq_acme_order_order_url'))
    )
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_order_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_acme_order_id__renewal_of'), ['acme_order_id__renewal_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_acme_order_id__retry_of'), ['acme_order_id__retry_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_acme_status_order_id'), ['acme_status_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_certificate_request_id'), ['certificate_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_certificate_signed_id'), ['certificate_signed_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_acme_order_certificate_signed_id__renewal_of'), ['certificate_signed_id__renewal_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_is_processing'), ['is_processing'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_private_key_id__requested'), ['private_key_id__requested'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_order_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)

    op.create_table('certificate_signed_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_signed_id', sa.Integer(), nullable=False),
    sa.Column('certificate_ca_chain_id', sa.Integer(), nullable=False),
    sa.Column('is_upstream_default', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_ca_chain_id'], ['certificate_ca_chain.id'], name=op.f('fk_certificate_signed_chain_certificate_ca_chain_id_certificate_ca_chain')),
    sa.ForeignKeyConstraint(['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_certificate_signed_chain_certificate_signed_id_certificate_signed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_signed_chain')),
    sa.UniqueConstraint('certificate_signed_id', 'certificate_ca_chain_id', name=op.f('uq_certificate_signed_chain_certificate_signed_id'))
    )
    with op.batch_alter_table('certificate_signed_chain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_signed_chain_certificate_ca_chain_id'), ['certificate_ca_chain_id'], unique=False)

    op.create_table('domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('is_from_queue_domain', sa.Boolean(), nullable=True),
    sa.Column('certificate_signed_id__latest_single', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id__latest_multi', sa.Integer(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_domain_domain_name_lowercase')),
    sa.ForeignKeyConstraint(['certificate_signed_id__latest_multi'], ['certificate_signed.id'], name=op.f('fk_domain_certificate_signed_id__latest_multi_certificate_signed')),
    sa.ForeignKeyConstraint(['certificate_signed_id__latest_single'], ['certificate_signed.id'], name=op.f('fk_domain_certificate_signed_id__latest_single_certificate_signed')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_domain_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain')),
    sa.UniqueConstraint('domain_name', name=op.f('uq_domain_domain_name'))
    )
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domain_certificate_signed_id__latest_multi'), ['certificate_signed_id__latest_multi'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_certificate_signed_id__latest_single'), ['certificate_signed_id__latest_single'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_operations_event_id__created'), ['operations_event_id__created'], unique=False)

    op.create_table('acme_authorization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authorization_url', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('acme_status_authorization_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('timestamp_expires', sa.DateTime(), nullable=True),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('wildcard', sa.Boolean(), nullable=True),
    sa.Column('acme_order_id__created', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acme_order_id__created'], ['acme_order.id'], name=op.f('fk_acme_authorization_acme_order_id__created_acme_order')),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_acme_authorization_domain_id_domain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_authorization')),
    sa.UniqueConstraint('authorization_url', name=op.f('uq_acme_authorization_authorization_url'))
    )
    with op.batch_alter_table('acme_authorization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_authorization_acme_order_id__created'), ['acme_order_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_authorization_acme_status_authorization_id'), ['acme_status_authorization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_authorization_domain_id'), ['domain_id'], unique=False)

    op.create_table('acme_order_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acme_order_id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acme_order_id'], ['acme_order.id'], name=op.f('fk_acme_order_submission_acme_order_id_acme_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_order_submission'))
    )
    with op.batch_alter_table('acme_order_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_order_submission_acme_order_id'), ['acme_order_id'], unique=False)

    op.create_table('queue_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_processed', sa.DateTime(), nullable=True),
    sa.Column('timestamp_process_attempt', sa.DateTime(), nullable=True),
    sa.Column('process_result', sa.Boolean(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=True),
    sa.Column('private_key_cycle_id__renewal', sa.Integer(), nullable=False),
    sa.Column('private_key_strategy_id__requested', sa.Integer(), nullable=False),
    sa.Column('acme_account_id', sa.Integer(), nullable=False),
    sa.Column('private_key_id', sa.Integer(), nullable=False),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=False),
    sa.Column('acme_order_id__source', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id__source', sa.Integer(), nullable=True),
    sa.Column('unique_fqdn_set_id__source', sa.Integer(), nullable=True),
    sa.Column('acme_order_id__generated', sa.Integer(), nullable=True),
    sa.Column('certificate_request_id__generated', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id__generated', sa.Integer(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('((CASE WHEN acme_order_id__source IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN certificate_signed_id__source IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN unique_fqdn_set_id__source IS NOT NULL THEN 1 ELSE 0 END)) = 1', name=op.f('ck_queue_certificate_check_queue_certificate_source')),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_queue_certificate_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['acme_order_id__generated'], ['acme_order.id'], name=op.f('fk_queue_certificate_acme_order_id__generated_acme_order')),
    sa.ForeignKeyConstraint(['acme_order_id__source'], ['acme_order.id'], name=op.f('fk_queue_certificate_acme_order_id__source_acme_order')),
    sa.ForeignKeyConstraint(['certificate_request_id__generated'], ['certificate_request.id'], name=op.f('fk_queue_certificate_certificate_request_id__generated_certificate_request')),
    sa.ForeignKeyConstraint(['certificate_signed_id__generated'], ['certificate_signed.id'], name=op.f('fk_queue_certificate_certificate_signed_id__generated_certificate_signed')),
    sa.ForeignKeyConstraint(['certificate_signed_id__source'], ['certificate_signed.id'], name=op.f('fk_queue_certificate_certificate_signed_id__source_certificate_signed')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_queue_certificate_operations_event_id__created_operations_event')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_queue_certificate_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_queue_certificate_unique_fqdn_set_id_unique_fqdn_set')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id__source'], ['unique_fqdn_set.id'], name=op.f('fk_queue_certificate_unique_fqdn_set_id__source_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_certificate'))
    )
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_certificate_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_acme_order_id__generated'), ['acme_order_id__generated'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_acme_order_id__source'), ['acme_order_id__source'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_certificate_request_id__generated'), ['certificate_request_id__generated'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_certificate_signed_id__generated'), ['certificate_signed_id__generated'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_certificate_signed_id__source'), ['certificate_signed_id__source'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_is_active'), ['is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_operations_event_id__created'), ['operations_event_id__created'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_certificate_unique_fqdn_set_id__source'), ['unique_fqdn_set_id__source'], unique=False)

    op.create_table('queue_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_processed', sa.DateTime(), nullable=True),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=True),
    sa.Column('operations_event_id__created', sa.Integer(), nullable=False),
    sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_queue_domain_domain_name_lowercase')),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_queue_domain_domain_id_domain')),
    sa.ForeignKeyConstraint(['operations_event_id__created'], ['operations_event.id'], name=op.f('fk_queue_domain_operations_event_id__created_operations_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_domain'))
    )
    with op.batch_alter_table('queue_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queue_domain_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_domain_domain_name'), ['domain_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_domain_is_active'), ['is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_queue_domain_operations_event_id__created'), ['operations_event_id__created'], unique=False)

    op.create_table('unique_fqdn_set_2_domain',
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_unique_fqdn_set_2_domain_domain_id_domain')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_unique_fqdn_set_2_domain_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('unique_fqdn_set_id', 'domain_id', name=op.f('pk_unique_fqdn_set_2_domain'))
    )
    with op.batch_alter_table('unique_fqdn_set_2_domain', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unique_fqdn_set_2_domain_domain_id'), ['domain_id'], unique=False)

    op.create_table('acme_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acme_authorization_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('acme_challenge_type_id', sa.Integer(), nullable=False),
    sa.Column('acme_status_challenge_id', sa.Integer(), nullable=False),
    sa.Column('challenge_url', sa.Unicode(length=255), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('token', sa.Unicode(length=255), nullable=False),
    sa.Column('keyauthorization', sa.Unicode(length=255), nullable=True),
    sa.ForeignKeyConstraint(['acme_authorization_id'], ['acme_authorization.id'], name=op.f('fk_acme_challenge_acme_authorization_id_acme_authorization')),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_acme_challenge_domain_id_domain')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_challenge')),
    sa.UniqueConstraint('challenge_url', name=op.f('uq_acme_challenge_challenge_url'))
    )
    with op.batch_alter_table('acme_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_challenge_acme_authorization_id'), ['acme_authorization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_challenge_acme_status_challenge_id'), ['acme_status_challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_challenge_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_challenge_token'), ['token'], unique=False)

    op.create_table('acme_order_2_acme_authorization',
    sa.Column('acme_order_id', sa.Integer(), nullable=False),
    sa.Column('acme_authorization_id', sa.Integer(), nullable=False),
    sa.Column('is_present_on_new_order', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['acme_authorization_id'], ['acme_authorization.id'], name=op.f('fk_acme_order_2_acme_authorization_acme_authorization_id_acme_authorization')),
    sa.ForeignKeyConstraint(['acme_order_id'], ['acme_order.id'], name=op.f('fk_acme_order_2_acme_authorization_acme_order_id_acme_order')),
    sa.PrimaryKeyConstraint('acme_order_id', 'acme_authorization_id', name=op.f('pk_acme_order_2_acme_authorization'))
    )
    with op.batch_alter_table('acme_order_2_acme_authorization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_order_2_acme_authorization_acme_authorization_id'), ['acme_authorization_id'], unique=False)

    op.create_table('operations_object_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operations_event_id', sa.Integer(), nullable=False),
    sa.Column('operations_object_event_status_id', sa.Integer(), nullable=False),
    sa.Column('acme_account_id', sa.Integer(), nullable=True),
    sa.Column('acme_account_key_id', sa.Integer(), nullable=True),
    sa.Column('acme_order_id', sa.Integer(), nullable=True),
    sa.Column('certificate_ca_id', sa.Integer(), nullable=True),
    sa.Column('certificate_ca_chain_id', sa.Integer(), nullable=True),
    sa.Column('certificate_request_id', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id', sa.Integer(), nullable=True),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('private_key_id', sa.Integer(), nullable=True),
    sa.Column('queue_certificate_id', sa.Integer(), nullable=True),
    sa.Column('queue_domain_id', sa.Integer(), nullable=True),
    sa.Column('unique_fqdn_set_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('((CASE WHEN acme_account_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN acme_account_key_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN acme_order_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN certificate_ca_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN certificate_ca_chain_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN certificate_request_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN certificate_signed_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN domain_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN private_key_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN queue_certificate_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN queue_domain_id IS NOT NULL THEN 1 ELSE 0 END) + (CASE WHEN unique_fqdn_set_id IS NOT NULL THEN 1 ELSE 0 END)) = 1', name=op.f('ck_operations_object_event_exactly_one_object')),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_operations_object_event_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['acme_account_key_id'], ['acme_account_key.id'], name=op.f('fk_operations_object_event_acme_account_key_id_acme_account_key')),
    sa.ForeignKeyConstraint(['acme_order_id'], ['acme_order.id'], name=op.f('fk_operations_object_event_acme_order_id_acme_order')),
    sa.ForeignKeyConstraint(['certificate_ca_chain_id'], ['certificate_ca_chain.id'], name=op.f('fk_operations_object_event_certificate_ca_chain_id_certificate_ca_chain')),
    sa.ForeignKeyConstraint(['certificate_ca_id'], ['certificate_ca.id'], name=op.f('fk_operations_object_event_certificate_ca_id_certificate_ca')),
    sa.ForeignKeyConstraint(['certificate_request_id'], ['certificate_request.id'], name=op.f('fk_operations_object_event_certificate_request_id_certificate_request')),
    sa.ForeignKeyConstraint(['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_operations_object_event_certificate_signed_id_certificate_signed')),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], name=op.f('fk_operations_object_event_domain_id_domain')),
    sa.ForeignKeyConstraint(['operations_event_id'], ['operations_event.id'], name=op.f('fk_operations_object_event_operations_event_id_operations_event')),
    sa.ForeignKeyConstraint(['private_key_id'], ['private_key.id'], name=op.f('fk_operations_object_event_private_key_id_private_key')),
    sa.ForeignKeyConstraint(['queue_certificate_id'], ['queue_certificate.id'], name=op.f('fk_operations_object_event_queue_certificate_id_queue_certificate')),
    sa.ForeignKeyConstraint(['queue_domain_id'], ['queue_domain.id'], name=op.f('fk_operations_object_event_queue_domain_id_queue_domain')),
    sa.ForeignKeyConstraint(['unique_fqdn_set_id'], ['unique_fqdn_set.id'], name=op.f('fk_operations_object_event_unique_fqdn_set_id_unique_fqdn_set')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operations_object_event'))
    )
    with op.batch_alter_table('operations_object_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_operations_object_event_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_acme_account_key_id'), ['acme_account_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_acme_order_id'), ['acme_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_certificate_ca_chain_id'), ['certificate_ca_chain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_certificate_ca_id'), ['certificate_ca_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_certificate_request_id'), ['certificate_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_certificate_signed_id'), ['certificate_signed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_operations_event_id'), ['operations_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_private_key_id'), ['private_key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_queue_certificate_id'), ['queue_certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_queue_domain_id'), ['queue_domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_operations_object_event_unique_fqdn_set_id'), ['unique_fqdn_set_id'], unique=False)

    op.create_table('acme_challenge_poll',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acme_challenge_id', sa.Integer(), nullable=False),
    sa.Column('timestamp_polled', sa.DateTime(), nullable=False),
    sa.Column('remote_ip_address_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acme_challenge_id'], ['acme_challenge.id'], name=op.f('fk_acme_challenge_poll_acme_challenge_id_acme_challenge')),
    sa.ForeignKeyConstraint(['remote_ip_address_id'], ['remote_ip_address.id'], name=op.f('fk_acme_challenge_poll_remote_ip_address_id_remote_ip_address')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_challenge_poll'))
    )
    with op.batch_alter_table('acme_challenge_poll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_challenge_poll_acme_challenge_id'), ['acme_challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_challenge_poll_remote_ip_address_id'), ['remote_ip_address_id'], unique=False)

    op.create_table('acme_event_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_event', sa.DateTime(), nullable=False),
    sa.Column('acme_event_id', sa.Integer(), nullable=False),
    sa.Column('request_method', sa.Unicode(length=16), nullable=True),
    sa.Column('request_url', sa.Text(), nullable=True),
    sa.Column('request_payload', sa.Text(), nullable=True),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_headers', sa.Text(), nullable=True),
    sa.Column('response_payload', sa.Text(), nullable=True),
    sa.Column('problem_type', sa.Unicode(length=255), nullable=True),
    sa.Column('problem_detail', sa.Text(), nullable=True),
    sa.Column('acme_account_id', sa.Integer(), nullable=True),
    sa.Column('acme_authorization_id', sa.Integer(), nullable=True),
    sa.Column('acme_challenge_id', sa.Integer(), nullable=True),
    sa.Column('acme_order_id', sa.Integer(), nullable=True),
    sa.Column('certificate_request_id', sa.Integer(), nullable=True),
    sa.Column('certificate_signed_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_acme_event_log_acme_account_id_acme_account')),
    sa.ForeignKeyConstraint(['acme_authorization_id'], ['acme_authorization.id'], name=op.f('fk_acme_event_log_acme_authorization_id_acme_authorization')),
    sa.ForeignKeyConstraint(['acme_challenge_id'], ['acme_challenge.id'], name=op.f('fk_acme_event_log_acme_challenge_id_acme_challenge')),
    sa.ForeignKeyConstraint(['acme_order_id'], ['acme_order.id'], name=op.f('fk_acme_event_log_acme_order_id_acme_order')),
    sa.ForeignKeyConstraint(['certificate_request_id'], ['certificate_request.id'], name=op.f('fk_acme_event_log_certificate_request_id_certificate_request')),
    sa.ForeignKeyConstraint(['certificate_signed_id'], ['certificate_signed.id'], name=op.f('fk_acme_event_log_certificate_signed_id_certificate_signed')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_event_log'))
    )
    with op.batch_alter_table('acme_event_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_event_log_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_event_log_acme_authorization_id'), ['acme_authorization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_event_log_acme_challenge_id'), ['acme_challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_event_log_acme_order_id'), ['acme_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_event_log_certificate_request_id'), ['certificate_request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_event_log_certificate_signed_id'), ['certificate_signed_id'], unique=False)



def downgrade():
    with op.batch_alter_table('acme_event_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_event_log_certificate_signed_id'))
        batch_op.drop_index(batch_op.f('ix_acme_event_log_certificate_request_id'))
        batch_op.drop_index(batch_op.f('ix_acme_event_log_acme_order_id'))
        batch_op.drop_index(batch_op.f('ix_acme_event_log_acme_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_acme_event_log_acme_authorization_id'))
        batch_op.drop_index(batch_op.f('ix_acme_event_log_acme_account_id'))

    op.drop_table('acme_event_log')
    with op.batch_alter_table('acme_challenge_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_challenge_poll_remote_ip_address_id'))
        batch_op.drop_index(batch_op.f('ix_acme_challenge_poll_acme_challenge_id'))

    op.drop_table('acme_challenge_poll')
    with op.batch_alter_table('operations_object_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operations_object_event_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_queue_domain_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_queue_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_operations_event_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_domain_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_certificate_signed_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_certificate_request_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_certificate_ca_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_certificate_ca_chain_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_acme_order_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_acme_account_key_id'))
        batch_op.drop_index(batch_op.f('ix_operations_object_event_acme_account_id'))

    op.drop_table('operations_object_event')
    with op.batch_alter_table('acme_order_2_acme_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_order_2_acme_authorization_acme_authorization_id'))

    op.drop_table('acme_order_2_acme_authorization')
    with op.batch_alter_table('acme_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_challenge_token'))
        batch_op.drop_index(batch_op.f('ix_acme_challenge_domain_id'))
        batch_op.drop_index(batch_op.f('ix_acme_challenge_acme_status_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_acme_challenge_acme_authorization_id'))

    op.drop_table('acme_challenge')
    with op.batch_alter_table('unique_fqdn_set_2_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unique_fqdn_set_2_domain_domain_id'))

    op.drop_table('unique_fqdn_set_2_domain')
    with op.batch_alter_table('queue_domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_domain_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_queue_domain_is_active'))
        batch_op.drop_index(batch_op.f('ix_queue_domain_domain_name'))
        batch_op.drop_index(batch_op.f('ix_queue_domain_domain_id'))

    op.drop_table('queue_domain')
    with op.batch_alter_table('queue_certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_certificate_unique_fqdn_set_id__source'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_is_active'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_certificate_signed_id__source'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_certificate_signed_id__generated'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_certificate_request_id__generated'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_acme_order_id__source'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_acme_order_id__generated'))
        batch_op.drop_index(batch_op.f('ix_queue_certificate_acme_account_id'))

    op.drop_table('queue_certificate')
    with op.batch_alter_table('acme_order_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_order_submission_acme_order_id'))

    op.drop_table('acme_order_submission')
    with op.batch_alter_table('acme_authorization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_authorization_domain_id'))
        batch_op.drop_index(batch_op.f('ix_acme_authorization_acme_status_authorization_id'))
        batch_op.drop_index(batch_op.f('ix_acme_authorization_acme_order_id__created'))

    op.drop_table('acme_authorization')
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_domain_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_domain_certificate_signed_id__latest_single'))
        batch_op.drop_index(batch_op.f('ix_domain_certificate_signed_id__latest_multi'))

    op.drop_table('domain')
    with op.batch_alter_table('certificate_signed_chain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_signed_chain_certificate_ca_chain_id'))

    op.drop_table('certificate_signed_chain')
    with op.batch_alter_table('acme_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_order_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_acme_order_private_key_id__requested'))
        batch_op.drop_index(batch_op.f('ix_acme_order_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_acme_order_is_processing'))
        batch_op.drop_index(batch_op.f('ix_acme_order_certificate_signed_id__renewal_of'))
        batch_op.drop_index(batch_op.f('ix_acme_order_certificate_signed_id'))
        batch_op.drop_index(batch_op.f('ix_acme_order_certificate_request_id'))
        batch_op.drop_index(batch_op.f('ix_acme_order_acme_status_order_id'))
        batch_op.drop_index(batch_op.f('ix_acme_order_acme_order_id__retry_of'))
        batch_op.drop_index(batch_op.f('ix_acme_order_acme_order_id__renewal_of'))
        batch_op.drop_index(batch_op.f('ix_acme_order_acme_account_id'))

    op.drop_table('acme_order')
    with op.batch_alter_table('certificate_signed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_signed_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_timestamp_not_after'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_spki_sha256'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_certificate_request_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_signed_cert_serial'))

    op.drop_table('certificate_signed')
    with op.batch_alter_table('certificate_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_request_unique_fqdn_set_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_request_spki_sha256'))
        batch_op.drop_index(batch_op.f('ix_certificate_request_private_key_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_request_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_certificate_request_csr_pem_sha256'))

    op.drop_table('certificate_request')
    with op.batch_alter_table('private_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_private_key_spki_sha256'))
        batch_op.drop_index(batch_op.f('ix_private_key_private_key_id__replaces'))
        batch_op.drop_index(batch_op.f('ix_private_key_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_private_key_acme_account_id__owner'))

    op.drop_table('private_key')
    with op.batch_alter_table('certificate_ca_chain', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_ca_chain_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_chain_certificate_ca_n_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_chain_certificate_ca_0_id'))

    op.drop_table('certificate_ca_chain')
    with op.batch_alter_table('acme_account_key', schema=None) as batch_op:
        batch_op.drop_index('uix_acme_account_key_active')
        batch_op.drop_index(batch_op.f('ix_acme_account_key_spki_sha256'))
        batch_op.drop_index(batch_op.f('ix_acme_account_key_operations_event_id__created'))

    op.drop_table('acme_account_key')
    with op.batch_alter_table('unique_fqdn_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unique_fqdn_set_operations_event_id__created'))

    op.drop_table('unique_fqdn_set')
    with op.batch_alter_table('certificate_ca', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_ca_spki_sha256'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_certificate_ca_cert_issuer__certificate_ca_id'))

    op.drop_table('certificate_ca')
    with op.batch_alter_table('acme_challenge_unknown_poll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_challenge_unknown_poll_remote_ip_address_id'))

    op.drop_table('acme_challenge_unknown_poll')
    with op.batch_alter_table('acme_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_account_operations_event_id__created'))
        batch_op.drop_index(batch_op.f('ix_acme_account_is_global_default'))
        batch_op.drop_index(batch_op.f('ix_acme_account_acme_account_provider_id'))

    op.drop_table('acme_account')
    op.drop_table('remote_ip_address')
    with op.batch_alter_table('operations_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_operations_event_operations_event_type_id'))
        batch_op.drop_index(batch_op.f('ix_operations_event_operations_event_id__child_of'))

    op.drop_table('operations_event')
    op.drop_table('domain_blocklisted')
    with op.batch_alter_table('acme_account_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_account_provider_is_default'))

    op.drop_table('acme_account_provider')
