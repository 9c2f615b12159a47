"""Redis priming from the database: the full prime (``/api/redis/prime``) and the one-domain
write-through (``/domain/{name}/config.json?openresty=1``).

Which certificate a domain serves (the specification's "What happens if multiple Certificates
are available for a Domain?"): its latest multi-domain certificate, else its latest single-domain
one (``Domain.certificate_signed__latest_multi`` / ``__latest_single``, kept by update-recents),
with that certificate's key and preferred chain (``lib.exports.preferred_chain``). An inactive
Domain, or one with no active certificate, serves nothing.

The key layout and the Redis side are in ``lib.utils_redis``.
"""

import logging
from typing import Iterator
from typing import List
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import Domain
from .. import errors
from .. import exports
from .. import utils_redis
from .logger import log__OperationsEvent

log = logging.getLogger(__name__)


def require_redis(ctx) -> None:
    """:raises errors.RedisNotEnabled: ``enable_redis`` is off."""
    if not ctx.settings.enable_redis:
        raise errors.RedisNotEnabled()


def redis_server(ctx) -> str:
    """The configured server, password masked (for messages and the operations log)."""
    return utils_redis.describe_server(ctx.settings.redis_url)


def _primer(ctx) -> utils_redis.Primer:
    settings = ctx.settings
    return utils_redis.Primer(
        utils_redis.client_for_url(settings.redis_url),
        settings.redis_prime_style,
        utils_redis.TimeToLive.from_settings(settings),
        server=redis_server(ctx),
    )


def served_certificate(dbDomain: Domain) -> Optional[CertificateSigned]:
    """The certificate this Domain serves: latest multi, else latest single; None if neither
    (or if the Domain is inactive). Only active certificates are served, even if a pointer is
    stale."""
    if not dbDomain.is_active:
        return None
    for dbCertificate in (dbDomain.certificate_signed__latest_multi, dbDomain.certificate_signed__latest_single):
        if dbCertificate is not None and dbCertificate.is_active:
            return dbCertificate
    return None


def domain_certificate(dbDomain: Domain) -> Optional[utils_redis.DomainCertificate]:
    """The plain value ``utils_redis`` writes for this Domain, or None if it serves nothing."""
    dbCertificate = served_certificate(dbDomain)
    if dbCertificate is None:
        return None
    dbChain = exports.preferred_chain(dbCertificate)
    return utils_redis.DomainCertificate(
        domain_name=dbDomain.domain_name,
        certificate_id=str(dbCertificate.id),
        cert_pem=dbCertificate.cert_pem,
        private_key_id=str(dbCertificate.private_key_id),
        key_pem=dbCertificate.private_key.key_pem,
        chain_id=str(dbChain.id) if dbChain is not None else None,
        chain_pem=dbChain.chain_pem if dbChain is not None else None,
    )


def _servable_domains(ctx, batch_size: int) -> Iterator[List[Domain]]:
    """Active Domains with a latest certificate, by id, ``batch_size`` at a time (keyset paging,
    each batch with its certificates, keys and chains in a few IN queries: no N+1)."""
    certificate_options = (
        selectinload(CertificateSigned.private_key),
        selectinload(CertificateSigned.certificate_signed_chains).selectinload(
            CertificateSignedChain.certificate_ca_chain
        ),
    )
    last_id = 0
    while True:
        batch = ctx.dbsession.scalars(
            sa.select(Domain)
            .where(
                Domain.id > last_id,
                Domain.is_active.is_(True),
                sa.or_(
                    Domain.certificate_signed_id__latest_multi.is_not(None),
                    Domain.certificate_signed_id__latest_single.is_not(None),
                ),
            )
            .options(
                selectinload(Domain.certificate_signed__latest_multi).options(*certificate_options),
                selectinload(Domain.certificate_signed__latest_single).options(*certificate_options),
            )
            .order_by(Domain.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def prime_redis__all(ctx, batch_size: int = utils_redis.DEFAULT_BATCH_SIZE, remove_stale: bool = True) -> dict:
    """Prime every Domain that serves a certificate, ``batch_size`` domains per Redis round trip;
    then (``remove_stale``) delete the domain hashes, and for style 1 the values, that the
    database no longer serves. Logs ``operations__redis_prime`` once Redis has taken it all.

    :returns: ``PrimeResult.as_json()`` plus ``redis_server`` and ``operations_event_id``.
    :raises errors.RedisNotEnabled: nothing was done.
    :raises errors.RedisUnavailable: no event is logged; batches already sent stay in Redis.
    """
    require_redis(ctx)
    primer = _primer(ctx)
    primer.ping()
    for batch in _servable_domains(ctx, batch_size):
        items = []
        for dbDomain in batch:
            item = domain_certificate(dbDomain)
            if item is not None:
                items.append(item)
        primer.prime(items)
    if remove_stale:
        primer.remove_stale()
    payload = dict(primer.result.as_json(), redis_server=primer.server)
    dbEvent = log__OperationsEvent(ctx, "operations__redis_prime", payload)
    return dict(payload, operations_event_id=dbEvent.id)


def prime_redis__domain(ctx, dbDomain: Domain) -> utils_redis.PrimeResult:
    """The write-through: prime this one Domain (with the rows already loaded on it), or delete
    its hash if it serves nothing now. Logs no OperationsEvent: it is a cache fill, run on a GET.

    :raises errors.RedisNotEnabled: nothing was done.
    :raises errors.RedisUnavailable:
    """
    require_redis(ctx)
    primer = _primer(ctx)
    item = domain_certificate(dbDomain)
    if item is None:
        primer.remove_domains([dbDomain.domain_name])
    else:
        primer.prime([item])
    return primer.result


def prime_redis__domain__quietly(ctx, dbDomain: Domain) -> Optional[utils_redis.PrimeResult]:
    """``prime_redis__domain`` that never fails its caller: config.json must answer whatever
    Redis does (OpenResty is falling back to it because Redis did not have the domain). A
    failure is logged and None returned; so is a disabled Redis (without a log line)."""
    if not ctx.settings.enable_redis:
        return None
    try:
        return prime_redis__domain(ctx, dbDomain)
    except errors.RedisUnavailable as exc:
        log.warning("redis write-through of %s failed: %s", dbDomain.domain_name, exc.message)
    except Exception:  # a cache fill must not take the fallback path down with it
        log.exception("redis write-through of %s failed", dbDomain.domain_name)
    return None
