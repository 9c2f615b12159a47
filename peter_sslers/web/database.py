"""Database wiring for the web app: engine, session factory, ``request.dbsession``.

Each request gets one session joined to ``request.tm`` (pyramid_tm): it commits
when the view succeeds and aborts on any error, so a failed request leaves nothing
half-written. Views never commit.
"""

import contextlib
import re

import transaction
import zope.sqlalchemy  # noqa: F401  (joins sessions to transactions)

from ..lib.context import ApiContext
from ..lib.db import challenge_polls
from ..model import meta


def _dbsession(request):
    # Test seam: a test may hand the app its own session.
    dbsession = request.environ.get("app.dbsession")
    if dbsession is None:
        dbsession = meta.get_tm_session(request.registry.dbsession_factory, request.tm, request=request)
        # keep_session (see get_tm_session) never closes the session, not even on abort:
        # close it when the request is done, or an aborted request holds its connection.
        request.add_finished_callback(lambda request: dbsession.close())
    return dbsession


@contextlib.contextmanager
def read_connection(request):
    """A pooled connection for a read-only view that needs no ORM session (``lib/db/reads.py``:
    config.json, the challenge responder): no session, no unit of work, nothing joined to the
    request's transaction. Its implicit transaction is rolled back when the block ends (it wrote
    nothing). Under the test seam (``app.dbsession``) it is that session's connection."""
    dbsession = request.environ.get("app.dbsession")
    if dbsession is not None:
        yield dbsession.connection()
        return
    with request.registry.dbengine.connect() as connection:
        yield connection


def _api_context(request):
    return ApiContext(
        request.dbsession,
        request.registry.app_settings,
        transaction_manager=request.tm,
        request=request,
    )


def transactionless_paths(app_settings, challenge_polls_buffered: bool):
    """The regular expression of the paths whose view needs no transaction (None: none do):
    ``config.json`` (``lib/db/reads.py``, one statement on a pooled connection), the public
    ``whoami`` (no database at all: what a load balancer's health check polls) and, when its
    hits are buffered and the ACME-flow tool is off, the challenge responder. Each is its route's
    own pattern (``{name}`` is one segment), and no other route matches those paths: a request
    pyramid_tm does not wrap costs no transaction begin, note and commit. A view there that still
    reached for ``request.dbsession`` would fail loudly (its explicit manager has not begun)."""
    patterns = []
    if app_settings.enable_views_admin:
        patterns.append(re.escape(app_settings.admin_prefix) + r"/domain/[^/]+/config\.json")
    if app_settings.enable_views_public:
        patterns.append(r"/\.well-known/public/whoami")
    if app_settings.enable_views_public and challenge_polls_buffered and not app_settings.enable_acme_flow:
        patterns.append(r"/\.well-known/acme-challenge/[^/]+")
    return re.compile("(?:%s)\\Z" % "|".join(patterns)) if patterns else None


def _activate_hook(pattern):
    def wants_transaction(request) -> bool:
        return pattern.match(request.path_info) is None

    return wants_transaction


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    app_settings = config.registry.app_settings
    buffered = app_settings.enable_views_public and app_settings.challenge_poll_flush_seconds > 0
    pattern = transactionless_paths(app_settings, buffered)
    if pattern is not None:
        settings["tm.activate_hook"] = _activate_hook(pattern)
    config.include("pyramid_tm")
    # No pyramid_retry: a request is never replayed, because an ACME action may already have
    # reached the server (and been committed) before a later database error.

    engine = settings.get("dbengine") or meta.get_engine(settings)
    config.registry.dbengine = engine
    config.registry.dbsession_factory = meta.get_session_factory(engine)

    config.registry.challenge_polls = None
    if buffered:
        # the challenge responder's hit records, written off the request thread
        config.registry.challenge_polls = challenge_polls.PollRecorder(
            engine, app_settings.challenge_poll_flush_seconds
        )

    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_request_method(_api_context, "api_context", reify=True)


def new_script_context(registry):
    """An ApiContext outside any request (start-up, console scripts), on its own transaction manager."""
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    dbsession = meta.get_tm_session(registry.dbsession_factory, manager)
    return ApiContext(dbsession, registry.app_settings, transaction_manager=manager)
