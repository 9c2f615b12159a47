"""The http-01 self-check: before an order is sent to the ACME server, every http-01 name must
answer a probe through the public path, or no order is placed (``http01_selfcheck``).

There is no real token before the order exists, so a short-lived probe
(:class:`~peter_sslers.model.objects.AcmeChallengeProbe`) stands in for each name: a random token
(base64url, like an ACME token) and the key authorization the ordering account would answer
(``token + "." + its key's JWK thumbprint``, RFC 8555 section 8.1). The probes are committed
before the fetch, because the fetch goes out through the public path and comes back to the
public responder of whichever instance the load balancer picks; it answers a live probe exactly
as it answers a real challenge. The probes are deleted when the check is done; a probe left by a
crash expires after the check's own time (at most a few minutes) and is swept by the next check.

Rule: if any name fails, :class:`~peter_sslers.lib.errors.Http01SelfCheckFailed` is raised and
nothing is sent to the ACME server, not even for the names that passed: a renewal that quietly
dropped a name would leave that name without a certificate and nobody would notice. Every check
writes an OperationsEvent ``AcmeOrder__http01_selfcheck`` (the names checked, the names failed
with their reasons).

Docs: docs/Http01_SelfCheck.md.
"""

import datetime
import logging
import math
import secrets
from typing import List
from typing import Optional

import sqlalchemy as sa

from ...model.meta import utcnow
from ...model.objects import AcmeAccount
from ...model.objects import AcmeChallengeProbe
from .. import acme_v2
from .. import errors
from .. import http01_check
from .logger import log__OperationsEvent

log = logging.getLogger(__name__)

EVENT = "AcmeOrder__http01_selfcheck"
# how long a probe outlives the longest the check can take (clock skew between instances)
PROBE_GRACE = datetime.timedelta(seconds=60)


def is_enabled(ctx) -> bool:
    return bool(ctx.settings.http01_selfcheck)


def _probe_lifetime(ctx, count: int) -> datetime.timedelta:
    """The longest the check of ``count`` names can take (``WORKERS`` at a time, each bounded by
    ``http01_selfcheck_timeout``), plus a grace."""
    rounds = math.ceil(count / http01_check.WORKERS)
    return datetime.timedelta(seconds=rounds * ctx.settings.http01_selfcheck_timeout) + PROBE_GRACE


def sweep_expired_probes(ctx, now: Optional[datetime.datetime] = None) -> int:
    """Delete the probes past their expiry (a crashed check's); returns how many."""
    result = ctx.dbsession.execute(
        sa.delete(AcmeChallengeProbe).where(AcmeChallengeProbe.timestamp_expires <= (now or utcnow()))
    )
    return result.rowcount or 0


def create_probes(ctx, dbAccount: AcmeAccount, domain_names: List[str]) -> List[AcmeChallengeProbe]:
    """One probe per name, answering the key authorization of ``dbAccount``'s active key.

    :raises errors.InvalidTransition: the account has no active key.
    """
    dbKey = dbAccount.acme_account_key
    if dbKey is None:
        raise errors.InvalidTransition("The ACME account %s has no active key." % dbAccount.id)
    acme_key = acme_v2.AcmeKey(dbKey.key_pem)
    now = utcnow()
    expires = now + _probe_lifetime(ctx, len(domain_names))
    dbProbes = []
    for name in domain_names:
        # 32 random bytes, base64url without padding: the shape of an ACME token (43 characters)
        token = secrets.token_urlsafe(32)
        dbProbe = AcmeChallengeProbe(
            token=token,
            domain_name=name,
            key_authorization=acme_key.key_authorization(token),
            timestamp_created=now,
            timestamp_expires=expires,
        )
        ctx.dbsession.add(dbProbe)
        dbProbes.append(dbProbe)
    ctx.dbsession.flush(objects=dbProbes)
    return dbProbes


def check_before_order(ctx, dbAccount: AcmeAccount, http01_names: List[str]) -> Optional[dict]:
    """Run the self-check on ``http01_names`` (validated names whose challenge is http-01; names
    validated otherwise, dns-01 from issue 13, are not passed here) when ``http01_selfcheck`` is on.

    Commits twice (``ctx.checkpoint()``): the probes before the fetch, so the public responder of
    any instance answers them; then their removal and the OperationsEvent, so the event stays
    even when the caller rolls its own work back (a rejected admin form).

    :returns: None when the check is off or there is nothing to check, else the event payload
        (``result`` "pass").
    :raises errors.Http01SelfCheckFailed: some names failed; nothing is to be sent to the CA.
    """
    if not is_enabled(ctx) or not http01_names:
        return None
    settings = ctx.settings
    address = http01_check.parse_address(settings.http01_selfcheck_address) if settings.http01_selfcheck_address else None
    resolver = (
        http01_check.parse_resolver(settings.http01_selfcheck_resolver) if settings.http01_selfcheck_resolver else None
    )
    sweep_expired_probes(ctx)
    dbProbes = create_probes(ctx, dbAccount, http01_names)
    probe_ids = [p.id for p in dbProbes]
    probes = [http01_check.Probe(p.domain_name, p.token, p.key_authorization) for p in dbProbes]
    # the probes must be visible to every instance's responder before anything is fetched
    ctx.checkpoint()
    try:
        results = http01_check.check_all(probes, address=address, resolver=resolver, timeout=settings.http01_selfcheck_timeout)
    finally:
        ctx.dbsession.execute(sa.delete(AcmeChallengeProbe).where(AcmeChallengeProbe.id.in_(probe_ids)))
    failures = {r.domain_name: r.reason for r in results if not r.ok}
    payload = {
        "result": "fail" if failures else "pass",
        "acme_account_id": str(dbAccount.id),
        "domain_names": list(http01_names),
        "domain_names_failed": failures,
        "address": settings.http01_selfcheck_address,
        "resolver": settings.http01_selfcheck_resolver,
    }
    log__OperationsEvent(ctx, EVENT, payload)
    ctx.checkpoint()
    if failures:
        log.warning("http-01 self-check failed, no order sent: %s", failures)
        raise errors.Http01SelfCheckFailed(failures, http01_names)
    return payload
