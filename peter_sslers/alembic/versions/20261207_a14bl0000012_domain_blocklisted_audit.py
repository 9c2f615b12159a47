"""domain_blocklisted: when and by which OperationsEvent a name was blocklisted

The blocklist is now edited from the admin (`/domains-blocklisted/add`, `/domain-blocklisted/{id}/delete`):
each entry records its time and its `DomainBlocklisted__insert` event, like every other row. Rows
that exist already (the seed's `always-fail.example.com`) get the migration's time and no event.

Revision ID: a14bl0000012
Revises: a14ch0000014
Create Date: 2026-12-07 22:30:00
"""

import datetime

from alembic import op
import sqlalchemy as sa

revision = 'a14bl0000012'
down_revision = 'a14ch0000014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('domain_blocklisted', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timestamp_created', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('operations_event_id__created', sa.Integer(), nullable=True))
    # timestamps are stored naive UTC (TZDateTime)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    op.get_bind().execute(
        sa.text("UPDATE domain_blocklisted SET timestamp_created = :now WHERE timestamp_created IS NULL"),
        {"now": now},
    )
    with op.batch_alter_table('domain_blocklisted', schema=None) as batch_op:
        batch_op.alter_column('timestamp_created', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(
            batch_op.f('ix_domain_blocklisted_operations_event_id__created'), ['operations_event_id__created'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_domain_blocklisted_operations_event_id__created_operations_event'),
            'operations_event',
            ['operations_event_id__created'],
            ['id'],
        )


def downgrade():
    with op.batch_alter_table('domain_blocklisted', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_domain_blocklisted_operations_event_id__created_operations_event'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_domain_blocklisted_operations_event_id__created'))
        batch_op.drop_column('operations_event_id__created')
        batch_op.drop_column('timestamp_created')
