"""The small context object every ``lib.db`` function takes instead of a request."""

import datetime
from typing import Optional

import zope.sqlalchemy

from ..config import ApplicationSettings
from ..model.meta import utcnow


class ApiContext:
    """What database code needs to do its work, wherever it runs (view, script, test).

    :ivar dbsession: the SQLAlchemy session.
    :ivar settings: the parsed ``ApplicationSettings``.
    :ivar timestamp: one clock reading for the whole unit of work (UTC).
    :ivar transaction_manager: the ``transaction`` manager the session is joined to, if any.
    :ivar request: the Pyramid request when there is one; ``lib`` code must not need it.
    :ivar dbOperationsEvent: the first OperationsEvent logged in this unit of work; later
        events become its children.
    """

    def __init__(
        self,
        dbsession,
        settings: ApplicationSettings,
        transaction_manager=None,
        timestamp: Optional[datetime.datetime] = None,
        request=None,
    ):
        self.dbsession = dbsession
        self.settings = settings
        self.transaction_manager = transaction_manager
        self.timestamp = timestamp or utcnow()
        self.request = request
        self.dbOperationsEvent = None
        # ``acme_accounts.acme_transport``'s per-server HTTP sessions, directories and nonce pools
        self.acme_transports: dict = {}
        # a lock shared by the threads of one queue ``process`` (``queues.run_items``): the checks
        # before a new order and its creation run under it (``actions_acme.place_order``); None: alone
        self.order_gate = None

    def mark_changed(self) -> None:
        """Make the next commit end the database transaction even if only raw SQL ran in it (a lock
        taken by ``BEGIN IMMEDIATE`` or ``pg_advisory_xact_lock``): zope.sqlalchemy leaves the
        transaction of a kept session that wrote nothing through the ORM open at commit."""
        if self.transaction_manager is not None:
            zope.sqlalchemy.mark_changed(self.dbsession, transaction_manager=self.transaction_manager, keep_session=True)

    def checkpoint(self) -> None:
        """Commit what is done so far and start a new transaction.

        Only for work whose remote side cannot be rolled back (an ACME server has
        already created an order): without the commit a crash would forget it.
        """
        if self.transaction_manager is None:
            self.dbsession.commit()
            return
        self.transaction_manager.commit()
        self.transaction_manager.begin()

    def abort(self) -> None:
        """Roll back what is not committed yet and start a new transaction (after a failure whose
        outcome must still be recorded: the record goes into the new one). Events logged in the
        rolled-back work are gone, so the next one starts a new unit of work."""
        self.dbOperationsEvent = None
        if self.transaction_manager is None:
            self.dbsession.rollback()
            return
        self.transaction_manager.abort()
        # zope.sqlalchemy's abort of a kept session (meta.get_tm_session) leaves the database
        # transaction open: end it here, or the new unit of work would see the old one's writes
        self.dbsession.rollback()
        self.transaction_manager.begin()
