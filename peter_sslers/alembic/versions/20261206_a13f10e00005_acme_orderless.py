"""acme_orderless and acme_orderless_challenge: the ACME-flow tool (enable_acme_flow)

A manual challenge container (the 2021 "AcmeFlow") and its http-01 challenges, typed in by an
operator for an order another ACME client placed. A table of their own, not acme_challenge: the
public responder's lookup of real challenges stays one query on acme_challenge's token index, and
these are looked up by their own token index only after a miss there (and only when the option is on).

Revision ID: a13f10e00005
Revises: a13d2136b006
Create Date: 2026-12-06 20:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = 'a13f10e00005'
down_revision = 'a13d2136b006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acme_orderless',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('timestamp_finalized', sa.DateTime(), nullable=True),
    sa.Column('is_processing', sa.Boolean(), nullable=False),
    sa.Column('domain_names', sa.Text(), nullable=False),
    sa.Column('acme_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acme_account_id'], ['acme_account.id'], name=op.f('fk_acme_orderless_acme_account_id_acme_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_orderless'))
    )
    with op.batch_alter_table('acme_orderless', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_orderless_acme_account_id'), ['acme_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_orderless_is_processing'), ['is_processing'], unique=False)

    op.create_table('acme_orderless_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acme_orderless_id', sa.Integer(), nullable=False),
    sa.Column('domain_name', sa.Unicode(length=255), nullable=False),
    sa.Column('acme_challenge_type_id', sa.Integer(), nullable=False),
    sa.Column('timestamp_created', sa.DateTime(), nullable=False),
    sa.Column('timestamp_updated', sa.DateTime(), nullable=True),
    sa.Column('token', sa.Unicode(length=255), nullable=True),
    sa.Column('keyauthorization', sa.Unicode(length=255), nullable=True),
    sa.Column('count_polled', sa.Integer(), nullable=False),
    sa.Column('timestamp_polled_last', sa.DateTime(), nullable=True),
    sa.CheckConstraint('domain_name = lower(domain_name)', name=op.f('ck_acme_orderless_challenge_domain_name_lowercase')),
    sa.CheckConstraint('keyauthorization IS NULL OR token IS NOT NULL', name=op.f('ck_acme_orderless_challenge_keyauthorization_needs_token')),
    sa.ForeignKeyConstraint(['acme_orderless_id'], ['acme_orderless.id'], name=op.f('fk_acme_orderless_challenge_acme_orderless_id_acme_orderless')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acme_orderless_challenge'))
    )
    with op.batch_alter_table('acme_orderless_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acme_orderless_challenge_acme_orderless_id'), ['acme_orderless_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_acme_orderless_challenge_token'), ['token'], unique=False)


def downgrade():
    with op.batch_alter_table('acme_orderless_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_orderless_challenge_token'))
        batch_op.drop_index(batch_op.f('ix_acme_orderless_challenge_acme_orderless_id'))
    op.drop_table('acme_orderless_challenge')
    with op.batch_alter_table('acme_orderless', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acme_orderless_is_processing'))
        batch_op.drop_index(batch_op.f('ix_acme_orderless_acme_account_id'))
    op.drop_table('acme_orderless')
