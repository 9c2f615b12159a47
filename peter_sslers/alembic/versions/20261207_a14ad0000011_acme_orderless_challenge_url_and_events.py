"""acme_orderless_challenge.challenge_url, and operations_object_event.acme_orderless_id

* ``acme_orderless_challenge.challenge_url``: the URL of the CA's challenge object (the 2021
  field), optional, typed in by the operator beside the token; shown and editable, never fetched.
* ``operations_object_event.acme_orderless_id``: the ACME-flow tool's actions (create, add
  challenge, edit challenges, deactivate) record what they did to an AcmeOrderless, as the other
  objects' actions do; the "exactly one object" check counts the new column.

Revision ID: a14ad0000011
Revises: a13dw0000009
Create Date: 2026-12-07 22:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a14ad0000011'
down_revision = 'a13dw0000009'
branch_labels = None
depends_on = None

_OBJECT_COLUMNS_BEFORE = (
    "acme_account_id",
    "acme_account_key_id",
    "acme_order_id",
    "certificate_ca_id",
    "certificate_ca_chain_id",
    "certificate_request_id",
    "certificate_signed_id",
    "domain_id",
    "private_key_id",
    "queue_certificate_id",
    "queue_domain_id",
    "unique_fqdn_set_id",
)
_OBJECT_COLUMNS_AFTER = _OBJECT_COLUMNS_BEFORE + ("acme_orderless_id",)


def _exactly_one(columns) -> str:
    return "(%s) = 1" % " + ".join("(CASE WHEN %s IS NOT NULL THEN 1 ELSE 0 END)" % c for c in columns)


def upgrade():
    with op.batch_alter_table('acme_orderless_challenge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('challenge_url', sa.Unicode(length=255), nullable=True))

    with op.batch_alter_table('operations_object_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acme_orderless_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_operations_object_event_acme_orderless_id'), ['acme_orderless_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_operations_object_event_acme_orderless_id_acme_orderless'),
            'acme_orderless',
            ['acme_orderless_id'],
            ['id'],
        )
        batch_op.drop_constraint(batch_op.f('ck_operations_object_event_exactly_one_object'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_operations_object_event_exactly_one_object'), _exactly_one(_OBJECT_COLUMNS_AFTER)
        )


def downgrade():
    op.execute("DELETE FROM operations_object_event WHERE acme_orderless_id IS NOT NULL")
    with op.batch_alter_table('operations_object_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_operations_object_event_exactly_one_object'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_operations_object_event_exactly_one_object'), _exactly_one(_OBJECT_COLUMNS_BEFORE)
        )
        batch_op.drop_constraint(
            batch_op.f('fk_operations_object_event_acme_orderless_id_acme_orderless'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_operations_object_event_acme_orderless_id'))
        batch_op.drop_column('acme_orderless_id')

    with op.batch_alter_table('acme_orderless_challenge', schema=None) as batch_op:
        batch_op.drop_column('challenge_url')
