"""dns_backend_rfc2136: the zones whose dns-01 TXT records are published by RFC 2136 updates

One row per zone: the server taking the updates, the TSIG key (name, algorithm, secret), the
servers the visibility wait asks (empty: the zone's NS), active or not.

Revision ID: a13d2136b006
Revises: a13acd000007
Create Date: 2026-12-06 20:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a13d2136b006'
down_revision = 'a13acd000007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dns_backend_rfc2136',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('zone', sa.Unicode(length=255), nullable=False),
    sa.Column('server', sa.Unicode(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('tsig_key_name', sa.Unicode(length=255), nullable=False),
    sa.Column('tsig_algorithm', sa.Unicode(length=32), nullable=False),
    sa.Column('tsig_secret', sa.Unicode(length=255), nullable=False),
    sa.Column('visibility_nameservers', sa.Unicode(length=1024), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('zone = lower(zone)', name=op.f('ck_dns_backend_rfc2136_zone_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dns_backend_rfc2136')),
    sa.UniqueConstraint('zone', name=op.f('uq_dns_backend_rfc2136_zone'))
    )


def downgrade():
    op.drop_table('dns_backend_rfc2136')
