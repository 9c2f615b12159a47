"""The public views: the only routes an ACME server (or anyone on the internet) reaches."""

import logging

from pyramid.response import Response
from pyramid.view import view_config

from ...lib import utils
from ...lib.db import acme_orderless
from ...lib.db import reads
from ...lib.db.get import get__AcmeOrderlessChallenge__answerable
from ...lib.db.getcreate import getcreate__RemoteIpAddress
from ...model.meta import utcnow
from ...model.objects import AcmeChallengePoll
from ...model.objects import Domain
from ..database import read_connection
from ..lib.forms import column_length
from ..lib.forms import text_problem

log = logging.getLogger(__name__)

# how much of a miss's host and token the log line keeps
MISS_LOG_MAX = 100


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain", charset="utf-8")


@view_config(route_name="public_challenge")
def public_challenge(request):
    """Answer an http-01 validation (RFC 8555 section 8.3) from the shared datastore.

    The key authorization is returned only for a challenge of this token whose domain
    is the request's host and which is still in play (the rule of
    ``get__AcmeChallenge__answerable``, as one cached Core statement: ``lib/db/reads.py``). A hit
    is recorded (AcmeChallengePoll): off the request by a background thread when
    ``challenge_poll_flush_seconds`` is above 0 (``lib/db/challenge_polls.py``), else in the
    request's transaction. A miss
    writes nothing: anyone on the internet chooses its Host and token, so a row per miss
    would let them grow a table without bound (and, on SQLite, take the write lock the
    ACME flow needs). It is logged at INFO instead, for operators tracing a failed
    validation; the ACME server's own error is kept with the order's events.

    After a miss on the challenges, and only when ``enable_acme_flow`` is on, a challenge of the
    ACME-flow tool (``AcmeOrderlessChallenge`` of a processing AcmeOrderless, for this token and
    host) is answered the same way; its hit is counted on the row. Then a live probe of the http-01 self-check
    (``AcmeChallengeProbe``, not expired) for this token and host is answered the same way.
    """
    token = request.matchdict["challenge"]
    if not utils.RE_ACME_TOKEN.match(token):
        # Junk is not even logged.
        return _text("invalid token\n", status=404)
    domain_name = utils.normalize_host(request.host)
    if text_problem(domain_name, column_length(Domain.domain_name)):
        # a Host no Domain can have (NUL, which PostgreSQL refuses, or too long): not asked
        return _text("not found\n", status=404)
    recorder = request.registry.challenge_polls
    if recorder is None:
        # challenge_poll_flush_seconds = 0: the hit is written in this request's transaction
        ctx = request.api_context
        return _answer(request, ctx.dbsession.connection(), token, domain_name, ctx.timestamp, None)
    # a pooled connection, no ORM session: nothing is written here (the recorder's thread does)
    with read_connection(request) as connection:
        return _answer(request, connection, token, domain_name, utcnow(), recorder)


def _answer(request, connection, token: str, domain_name: str, now, recorder):
    """The lookups of ``public_challenge``, each one cached Core statement on ``connection``."""
    found = reads.challenge_answerable(connection, token, domain_name, now)
    if found is not None:
        if recorder is not None:
            recorder.record(found.id, now, request.remote_addr)
        else:
            ctx = request.api_context
            dbRemoteIp, _ = getcreate__RemoteIpAddress(ctx, request.remote_addr)
            dbPoll = AcmeChallengePoll()
            dbPoll.acme_challenge_id = found.id
            dbPoll.timestamp_polled = now
            dbPoll.remote_ip_address_id = dbRemoteIp.id
            ctx.dbsession.add(dbPoll)
        return _text(found.keyauthorization)
    if request.registry.app_settings.enable_acme_flow:
        # the ACME-flow tool's manual challenges (lib/db/acme_orderless.py), one query on their token index
        ctx = request.api_context
        dbManual = get__AcmeOrderlessChallenge__answerable(ctx, token, domain_name)
        if dbManual is not None:
            acme_orderless.record_poll(ctx, dbManual)
            return _text(dbManual.keyauthorization)
    # the http-01 self-check's probe (lib/db/http01_selfcheck.py): answered like a challenge,
    # never once expired; not recorded (the check's own OperationsEvent says what it saw)
    key_authorization = reads.probe_answerable(connection, token, domain_name, now)
    if key_authorization is not None:
        return _text(key_authorization)
    log.info(
        "acme-challenge miss: host=%r token=%r from %s",
        domain_name[:MISS_LOG_MAX],
        token[:MISS_LOG_MAX],
        request.remote_addr,
    )
    return _text("not found\n", status=404)


@view_config(route_name="public_whoami")
def public_whoami(request):
    """The host this request was addressed to, without its port: a wiring check for proxies."""
    return _text(utils.normalize_host(request.host))
