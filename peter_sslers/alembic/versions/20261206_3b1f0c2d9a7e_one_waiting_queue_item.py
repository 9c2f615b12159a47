"""one waiting queue item per set and per domain name

Partial unique indexes: at most one waiting (``is_active`` TRUE) ``queue_certificate`` row per
``unique_fqdn_set_id`` and one waiting ``queue_domain`` row per ``domain_name``. Duplicates a
race left behind are cancelled first (the oldest waiting item of each stays), as a user's
cancel would leave them (``is_active`` NULL, ``timestamp_processed`` set).

Revision ID: 3b1f0c2d9a7e
Revises: c9e62761370c
Create Date: 2026-12-06 15:50:00
"""

import datetime

from alembic import op
import sqlalchemy as sa

revision = "3b1f0c2d9a7e"
down_revision = "c9e62761370c"
branch_labels = None
depends_on = None

WAITING = sa.text("is_active IS TRUE")


def _cancel_duplicates(table: str, column: str) -> None:
    # timestamps are stored naive UTC (TZDateTime)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "UPDATE {t} SET is_active = NULL, timestamp_processed = :now "
            "WHERE is_active IS TRUE AND id NOT IN ("
            "SELECT MIN(id) FROM {t} WHERE is_active IS TRUE GROUP BY {c})".format(t=table, c=column)
        ),
        {"now": now},
    )


def upgrade():
    _cancel_duplicates("queue_certificate", "unique_fqdn_set_id")
    _cancel_duplicates("queue_domain", "domain_name")
    op.create_index(
        "uq_queue_certificate_waiting_unique_fqdn_set_id",
        "queue_certificate",
        ["unique_fqdn_set_id"],
        unique=True,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.create_index(
        "uq_queue_domain_waiting_domain_name",
        "queue_domain",
        ["domain_name"],
        unique=True,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )


def downgrade():
    op.drop_index("uq_queue_domain_waiting_domain_name", table_name="queue_domain")
    op.drop_index("uq_queue_certificate_waiting_unique_fqdn_set_id", table_name="queue_certificate")
