"""The public views: the only routes an ACME server (or anyone on the internet) reaches."""

from pyramid.response import Response
from pyramid.view import view_config

from ...lib import utils
from ...lib.db.get import get__AcmeChallenge__answerable
from ...lib.db.getcreate import getcreate__RemoteIpAddress
from ...model.objects import AcmeChallengePoll
from ...model.objects import AcmeChallengeUnknownPoll


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain", charset="utf-8")


@view_config(route_name="public_challenge")
def public_challenge(request):
    """Answer an http-01 validation (RFC 8555 section 8.3) from the shared datastore.

    The key authorization is returned only for a challenge of this token whose domain
    is the request's host and which is still in play. Every hit is logged; unknown ones
    too, so operators can see who probes for what.
    """
    token = request.matchdict["challenge"]
    if not utils.RE_ACME_TOKEN.match(token):
        # Junk is not logged: it would only let anyone fill the log table.
        return _text("invalid token\n", status=404)
    ctx = request.api_context
    domain_name = utils.normalize_host(request.host)
    dbChallenge = get__AcmeChallenge__answerable(ctx, token, domain_name)
    dbRemoteIp, _ = getcreate__RemoteIpAddress(ctx, request.remote_addr)
    if dbChallenge is None:
        dbPoll = AcmeChallengeUnknownPoll()
        dbPoll.domain = domain_name[:255]
        dbPoll.challenge = token
        dbPoll.timestamp_polled = ctx.timestamp
        dbPoll.remote_ip_address_id = dbRemoteIp.id
        ctx.dbsession.add(dbPoll)
        return _text("not found\n", status=404)
    dbPoll = AcmeChallengePoll()
    dbPoll.acme_challenge_id = dbChallenge.id
    dbPoll.timestamp_polled = ctx.timestamp
    dbPoll.remote_ip_address_id = dbRemoteIp.id
    ctx.dbsession.add(dbPoll)
    return _text(dbChallenge.keyauthorization)


@view_config(route_name="public_whoami")
def public_whoami(request):
    """The host this request was addressed to, without its port: a wiring check for proxies."""
    return _text(utils.normalize_host(request.host))
