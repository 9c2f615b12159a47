"""Redis priming from the database: the full prime (``/api/redis/prime``), the one-domain
write-through (``/domain/{name}/config.json?openresty=1``), and the update of the domains a
revocation, a compromised key or a deactivation changed.

Which certificate a domain serves (the specification's "What happens if multiple Certificates
are available for a Domain?", applied to valid certificates first): ``lib.exports.served_field``
-- its latest multi-domain certificate if unexpired, else its latest single-domain one if
unexpired, else whichever of the two expires last -- with that certificate's key and preferred
chain (``lib.exports.preferred_chain``, with the preferred-CA list read once per call by
``lib.db.chains.chain_preference``). An inactive Domain, or one with no active certificate,
serves nothing. ``config.json`` names the same choice in its ``serve`` key.

The key layout and the Redis side are in ``lib.utils_redis``.
"""

import datetime
import logging
from typing import Iterable
from typing import Iterator
from typing import List
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm import selectinload

from ...model.objects import CertificateCAChain
from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import Domain
from ...model.objects import PrivateKey
from .. import errors
from .. import exports
from .. import utils_redis
from . import actions_nginx
from . import chains
from .logger import log__OperationsEvent

log = logging.getLogger(__name__)


def require_redis(ctx) -> None:
    """:raises errors.RedisNotEnabled: ``enable_redis`` is off."""
    if not ctx.settings.enable_redis:
        raise errors.RedisNotEnabled()


def redis_server(ctx) -> str:
    """The configured server, secrets masked (for messages and the operations log)."""
    return utils_redis.describe_server(ctx.settings.redis_url)


def _primer(settings, quick: bool = False) -> utils_redis.Primer:
    """A Primer on ``redis.url``; ``quick``: the client with short time-outs (see utils_redis)."""
    return utils_redis.Primer(
        utils_redis.client_for_url(settings.redis_url, quick=quick),
        settings.redis_prime_style,
        utils_redis.TimeToLive.from_settings(settings),
        server=utils_redis.describe_server(settings.redis_url),
    )


def served_certificate(dbDomain: Domain, now: Optional[datetime.datetime] = None) -> Optional[CertificateSigned]:
    """The certificate this Domain serves (``exports.served_field``), or None."""
    return exports.served_certificate(dbDomain, now)


def domain_certificate(
    dbDomain: Domain, preference, now: Optional[datetime.datetime] = None
) -> Optional[utils_redis.DomainCertificate]:
    """The plain value ``utils_redis`` writes for this Domain, or None if it serves nothing.

    :param preference: ``chains.chain_preference(ctx)``.
    """
    dbCertificate = served_certificate(dbDomain, now)
    if dbCertificate is None:
        return None
    dbChain = exports.preferred_chain(dbCertificate, preference)
    return utils_redis.DomainCertificate(
        domain_name=dbDomain.domain_name,
        certificate_id=str(dbCertificate.id),
        cert_pem=dbCertificate.cert_pem,
        private_key_id=str(dbCertificate.private_key_id),
        key_pem=dbCertificate.private_key.key_pem,
        chain_id=str(dbChain.id) if dbChain is not None else None,
        chain_pem=dbChain.chain_pem if dbChain is not None else None,
    )


_CERTIFICATE_OPTIONS = (
    selectinload(CertificateSigned.private_key),
    selectinload(CertificateSigned.certificate_signed_chains).selectinload(CertificateSignedChain.certificate_ca_chain),
)
# A Domain's two latest certificates with their keys and chains, in a few IN queries (no N+1).
_SERVED_CERTIFICATE_OPTIONS = (
    selectinload(Domain.certificate_signed__latest_multi).options(*_CERTIFICATE_OPTIONS),
    selectinload(Domain.certificate_signed__latest_single).options(*_CERTIFICATE_OPTIONS),
)


_Multi = aliased(CertificateSigned, name="latest_multi")
_Single = aliased(CertificateSigned, name="latest_single")


def _servable_rows(ctx, batch_size: int) -> Iterator[list]:
    """Active Domains with a latest certificate, by id, ``batch_size`` at a time (keyset paging):
    plain rows of ``(domain_name, multi id, multi is_active, multi timestamp_not_after, multi
    private_key_id, single ...)``, no PEM and no ORM object."""
    last_id = 0
    columns = (
        Domain.id,
        Domain.domain_name,
        _Multi.id,
        _Multi.is_active,
        _Multi.timestamp_not_after,
        _Multi.private_key_id,
        _Single.id,
        _Single.is_active,
        _Single.timestamp_not_after,
        _Single.private_key_id,
    )
    while True:
        rows = ctx.dbsession.execute(
            sa.select(*columns)
            .outerjoin(_Multi, _Multi.id == Domain.certificate_signed_id__latest_multi)
            .outerjoin(_Single, _Single.id == Domain.certificate_signed_id__latest_single)
            .where(
                Domain.id > last_id,
                Domain.is_active.is_(True),
                sa.or_(
                    Domain.certificate_signed_id__latest_multi.is_not(None),
                    Domain.certificate_signed_id__latest_single.is_not(None),
                ),
            )
            .order_by(Domain.id)
            .limit(batch_size)
        ).all()
        if not rows:
            return
        yield [row[1:] for row in rows]
        last_id = rows[-1][0]


class _PrimeLoader:
    """Turns batches of ``_servable_rows`` into :class:`utils_redis.DomainCertificate` values
    for one prime: the served certificate (``exports.served_index``) and its preferred chain
    (``exports.preferred_chain_id``) chosen on plain rows, then only the PEMs the primer has not
    written yet (style 1 writes each value once) loaded by id, a few IN queries a batch. Holds
    nothing across batches but the chains' PEMs (a fleet has a few chains)."""

    def __init__(self, ctx, primer: utils_redis.Primer, preference):
        self.ctx = ctx
        self.primer = primer
        self.preference = preference
        self._chain_pems: dict = {}

    def _pems(self, column, key_column, ids) -> dict:
        if not ids:
            return {}
        return dict(self.ctx.dbsession.execute(sa.select(key_column, column).where(key_column.in_(sorted(ids)))).all())

    def items(self, rows: list, now) -> List[utils_redis.DomainCertificate]:
        served = []  # (domain_name, certificate id, private key id)
        for name, m_id, m_active, m_after, m_key, s_id, s_active, s_after, s_key in rows:
            index = exports.served_index(
                ((m_active, m_after) if m_id is not None else None, (s_active, s_after) if s_id is not None else None),
                now,
            )
            if index is None:
                continue
            served.append((name, m_id, m_key) if index == 0 else (name, s_id, s_key))
        if not served:
            return []
        cert_ids = {cert_id for _name, cert_id, _key in served}
        links: dict = {}
        for cert_id, *link in self.ctx.dbsession.execute(
            sa.select(
                CertificateSignedChain.certificate_signed_id,
                CertificateSignedChain.is_upstream_default,
                CertificateSignedChain.id,
                CertificateSignedChain.certificate_ca_chain_id,
                CertificateCAChain.certificate_ca_ids_string,
            )
            .join(CertificateCAChain, CertificateCAChain.id == CertificateSignedChain.certificate_ca_chain_id)
            .where(CertificateSignedChain.certificate_signed_id.in_(sorted(cert_ids)))
        ):
            links.setdefault(cert_id, []).append(link)
        chain_of = {cert_id: exports.preferred_chain_id(links.get(cert_id, ()), self.preference) for cert_id in cert_ids}
        primer = self.primer
        every = primer.style != 1  # style 2 puts the PEMs in every domain's hash
        cert_pems = self._pems(
            CertificateSigned.cert_pem,
            CertificateSigned.id,
            {i for i in cert_ids if every or not primer.wrote("c", i)},
        )
        key_pems = self._pems(
            PrivateKey.key_pem,
            PrivateKey.id,
            {key for _name, _cert, key in served if every or not primer.wrote("p", key)},
        )
        missing = {i for i in chain_of.values() if i is not None and i not in self._chain_pems}
        self._chain_pems.update(self._pems(CertificateCAChain.chain_pem, CertificateCAChain.id, missing))
        items = []
        for name, cert_id, key_id in served:
            chain_id = chain_of[cert_id]
            items.append(
                utils_redis.DomainCertificate(
                    domain_name=name,
                    certificate_id=str(cert_id),
                    cert_pem=cert_pems.get(cert_id),
                    private_key_id=str(key_id),
                    key_pem=key_pems.get(key_id),
                    chain_id=str(chain_id) if chain_id is not None else None,
                    chain_pem=self._chain_pems.get(chain_id),
                )
            )
        return items


def prime_redis__all(ctx, batch_size: int = utils_redis.PRIME_BATCH_SIZE, remove_stale: bool = True) -> dict:
    """Prime every Domain that serves a certificate, ``batch_size`` domains per Redis round trip;
    then (``remove_stale``) delete the domain hashes (of both styles), and the values, that the
    database no longer serves. Logs ``operations__redis_prime`` once Redis has taken it all.

    The rows are read in keyset batches of plain columns (``_servable_rows``, ``_PrimeLoader``):
    no ORM object, and memory that does not grow with the fleet beyond the names and ids the
    stale sweep must keep.

    :returns: ``PrimeResult.as_json()`` plus ``redis_server`` and ``operations_event_id``.
    :raises errors.RedisNotEnabled: nothing was done.
    :raises errors.RedisUnavailable: no event is logged; batches already sent stay in Redis.
    """
    require_redis(ctx)
    primer = _primer(ctx.settings)
    primer.ping()
    loader = _PrimeLoader(ctx, primer, chains.chain_preference(ctx))
    for rows in _servable_rows(ctx, batch_size):
        items = loader.items(rows, ctx.timestamp)
        if items:
            primer.prime(items)
    if remove_stale:
        primer.remove_stale()
    # Redis answers again: the write-through need not wait for its back-off to run out
    utils_redis.WRITE_THROUGH_BACKOFF.succeeded(ctx.settings.redis_url)
    payload = dict(primer.result.as_json(), redis_server=primer.server)
    dbEvent = log__OperationsEvent(ctx, "operations__redis_prime", payload)
    return dict(payload, operations_event_id=dbEvent.id)


def prime_redis__domain(ctx, dbDomain: Domain) -> utils_redis.PrimeResult:
    """The write-through: prime this one Domain (with the rows already loaded on it), or delete
    its hashes if it serves nothing now. Logs no OperationsEvent: it is a cache fill, run on a
    GET. Uses the quick client (``utils_redis.QUICK_TIMEOUT_SECONDS``, no retry): OpenResty's
    fallback request is waiting for the answer.

    :raises errors.RedisNotEnabled: nothing was done.
    :raises errors.RedisUnavailable:
    """
    require_redis(ctx)
    primer = _primer(ctx.settings, quick=True)
    item = domain_certificate(dbDomain, chains.chain_preference(ctx), ctx.timestamp)
    if item is None:
        primer.remove_domains([dbDomain.domain_name])
    else:
        primer.prime([item])
    return primer.result


def prime_redis__domain__quietly(ctx, dbDomain: Domain) -> Optional[utils_redis.PrimeResult]:
    """``prime_redis__domain`` that never fails its caller: config.json must answer whatever
    Redis does (OpenResty is falling back to it because Redis did not have the domain). A
    failure is logged and None returned; so is a disabled Redis (without a log line).

    After a failure this process skips Redis for ``utils_redis.BACKOFF_SECONDS`` (a hung server
    costs one time-out per period, not one per request); a skipped write is logged at DEBUG.
    """
    if not ctx.settings.enable_redis:
        return None
    url = ctx.settings.redis_url
    backoff = utils_redis.WRITE_THROUGH_BACKOFF
    remaining = backoff.remaining(url)
    if remaining:
        log.debug(
            "redis write-through of %s skipped: %s failed recently (%.0f s of back-off left)",
            dbDomain.domain_name,
            redis_server(ctx),
            remaining,
        )
        return None
    try:
        result = prime_redis__domain(ctx, dbDomain)
    except errors.RedisUnavailable as exc:
        backoff.failed(url)
        log.warning(
            "redis write-through of %s failed: %s (Redis skipped by the write-through of this process for %s s)",
            dbDomain.domain_name,
            exc.message,
            backoff.seconds,
        )
    except Exception:  # a cache fill must not take the fallback path down with it
        backoff.failed(url)
        log.exception("redis write-through of %s failed", dbDomain.domain_name)
    else:
        backoff.succeeded(url)
        return result
    return None


# --- after a revocation, a compromised key, a deactivation


def refresh_domains__after_commit(
    ctx,
    domain_ids: Iterable[int],
    revoked_certificate_ids: Iterable[int] = (),
    compromised_private_key_ids: Iterable[int] = (),
) -> None:
    """Make the edge stop serving what an action just withdrew, once the action has committed.

    Called by the actions that change what a Domain serves (``update.update_*__mark``,
    ``actions_acme.revoke_certificate``) after their database change (flushed, latest
    certificates recomputed). Now, from the rows in the session, it works out what each of
    these Domains serves; after the commit (never if the transaction is rolled back) it:

    1. when ``enable_redis``: rewrites each Domain's hash to what it serves now, or deletes its
       hashes (both styles) when it serves nothing, and deletes the ``c:{id}`` values of the
       withdrawn certificates and the ``p:{id}`` values of the compromised keys;
    2. when ``enable_nginx``: expires those Domains on every nginx server (after Redis, so that a
       server refetching finds the new state).

    Best effort: a failure of either is logged (``peter_sslers.lib.db.actions_redis``, level
    ERROR: the edge may still serve the withdrawn certificate until a full prime / a flush) and
    never undoes the action (it has committed). It is also reported: each failure is appended
    to ``edge_reports(dbsession)`` as ``{"redis": {"server", "error"}, "nginx": {server:
    reason}}``, for the caller to answer with it (the web layer's ``edge_report`` tween: HTTP
    502 ``result: partial`` and an OperationsEvent ``operations__edge_update__fail``;
    ``peter_sslers_job``: exit 1). The
    Redis calls use the quick client but ignore the write-through's back-off: a revocation is
    worth a try. Work is done after the commit so that a request reading the database meanwhile
    (OpenResty's fallback, which writes Redis too) cannot put back what was withdrawn.

    :param domain_ids: the Domains whose served certificate may have changed.
    :param revoked_certificate_ids: certificates no longer to be served (revoked, deactivated).
    :param compromised_private_key_ids: keys no longer to be served.
    """
    settings = ctx.settings
    if not (settings.enable_redis or settings.enable_nginx):
        return
    domain_ids = sorted(set(domain_ids))
    dbDomains = []
    if domain_ids:
        dbDomains = ctx.dbsession.scalars(
            sa.select(Domain).where(Domain.id.in_(domain_ids)).options(*_SERVED_CERTIFICATE_OPTIONS)
        ).all()
    items, names_to_remove = [], []
    preference = chains.chain_preference(ctx)
    for dbDomain in dbDomains:
        item = domain_certificate(dbDomain, preference, ctx.timestamp)
        if item is None:
            names_to_remove.append(dbDomain.domain_name)
        else:
            items.append(item)
    served_certificates = {item.certificate_id for item in items}
    served_keys = {item.private_key_id for item in items}
    # never delete a value this very update writes (a certificate marked active again)
    cert_ids = sorted({str(i) for i in revoked_certificate_ids} - served_certificates)
    pkey_ids = sorted({str(i) for i in compromised_private_key_ids} - served_keys)
    names = sorted(dbDomain.domain_name for dbDomain in dbDomains)

    reports = edge_reports(ctx.dbsession)

    def update_the_edge() -> None:
        report = {}
        if settings.enable_redis:
            error = _refresh_redis(settings, items, names_to_remove, cert_ids, pkey_ids)
            if error is not None:
                report["redis"] = {"server": utils_redis.describe_server(settings.redis_url), "error": error}
        if settings.enable_nginx and names:
            failures = {}
            actions_nginx.nginx_cache_expire__quietly(settings, names, failures=failures)
            if failures:
                report["nginx"] = failures
        if report:
            report["domains"] = names
            report["certificate_signed_ids"] = cert_ids
            report["private_key_ids"] = pkey_ids
            reports.append(report)

    _call_after_commit(ctx.dbsession, update_the_edge)


EDGE_REPORTS_KEY = "peter_sslers.edge_reports"


def edge_reports(dbsession) -> list:
    """The failed edge updates of this session's withdrawals (see ``refresh_domains__after_commit``);
    the caller empties it once answered."""
    return dbsession.info.setdefault(EDGE_REPORTS_KEY, [])


def _refresh_redis(settings, items, names_to_remove, cert_ids, pkey_ids) -> Optional[str]:
    """The Redis part of the edge update; returns None, or what failed."""
    server = utils_redis.describe_server(settings.redis_url)
    names = sorted([item.domain_name for item in items] + list(names_to_remove))
    try:
        primer = _primer(settings, quick=True)
        if items:
            primer.prime(items)
        if names_to_remove:
            primer.remove_domains(names_to_remove)
        primer.remove_values(cert_ids=cert_ids, pkey_ids=pkey_ids)
    except Exception as exc:  # never fail the action: it has committed already
        message = exc.message if isinstance(exc, errors.RedisUnavailable) else repr(exc)
        log.error(
            "redis update after a revocation or deactivation failed: %s. Redis may still serve the withdrawn "
            "certificates %s / keys %s for %s until a full prime (/api/redis/prime) succeeds.",
            message,
            cert_ids or "-",
            pkey_ids or "-",
            ", ".join(names) or "-",
        )
        return message
    log.info(
        "redis updated on %s: %s domain(s) re-primed, %s removed, certificates %s and keys %s deleted",
        server,
        len(items),
        len(names_to_remove),
        cert_ids or "-",
        pkey_ids or "-",
    )
    return None


def _call_after_commit(dbsession, callback) -> None:
    """Run ``callback()`` once, after the session's transaction commits; never if it rolls back.

    A SQLAlchemy session event, so it works alike in a request (the session joined to
    pyramid_tm by zope.sqlalchemy) and in a script or a test (a plain session). The session
    cannot be used in the callback (its transaction is over): the callback works on plain
    values. Its exceptions are logged, never raised into the commit.
    """
    state = {"done": False}

    def after_commit(session) -> None:
        if state["done"]:
            return
        state["done"] = True
        try:
            callback()
        except Exception:
            log.exception("the update after a commit failed")

    def after_rollback(session) -> None:
        state["done"] = True

    sa.event.listen(dbsession, "after_commit", after_commit)
    sa.event.listen(dbsession, "after_rollback", after_rollback)
