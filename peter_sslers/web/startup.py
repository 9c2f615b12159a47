"""Start-up work that must happen once per process, before the first request."""

import logging

import sqlalchemy.exc

from ..lib.db.bootstrap import reconcile_certificate_authority
from .database import new_script_context

log = logging.getLogger(__name__)


def includeme(config):
    """Apply the ini's ACME server choice to the database (see ``reconcile_certificate_authority``)."""
    # Several instances may start at once against one PostgreSQL: the loser of a
    # race on the one-default unique index simply tries again.
    for attempt in (1, 2):
        ctx = new_script_context(config.registry)
        try:
            changes = reconcile_certificate_authority(ctx)
            ctx.transaction_manager.commit()
            if changes:
                log.info("ACME server settings applied: %s", changes)
            return
        except sqlalchemy.exc.IntegrityError:
            ctx.transaction_manager.abort()
            if attempt == 2:
                raise
        except Exception:
            ctx.transaction_manager.abort()
            raise
        finally:
            ctx.dbsession.close()
