"""nginx/OpenResty cache expiry with its audit trail.

``lib/utils_nginx.py`` talks to the servers; this module reads the settings from ``ctx`` and
records every flush and every expiry as an OperationsEvent holding each server's outcome
(and, for an expiry, each domain's), whatever that outcome was: a failed call is logged as
faithfully as a good one. The status call is a read and logs nothing.

The one exception is ``nginx_cache_expire__quietly``: the expiry that follows a revocation or a
deactivation runs after that action's transaction has committed, so it writes its outcome to
the application log instead of an OperationsEvent.
"""

import logging

from typing import Iterable
from typing import Optional
from typing import Tuple

from ...model import objects as model_objects
from .. import errors
from .. import utils_nginx
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

log = logging.getLogger(__name__)

EVENT_FLUSH = "operations__nginx_cache_flush"
EVENT_EXPIRE = "operations__nginx_cache_expire"


def nginx_config(ctx) -> utils_nginx.NginxConfig:
    """The pool to call, from the settings.

    :raises errors.NginxNotEnabled: ``enable_nginx`` is off.
    """
    if not ctx.settings.enable_nginx:
        raise errors.NginxNotEnabled()
    return utils_nginx.NginxConfig.from_settings(ctx.settings)


def nginx_cache_flush(
    ctx, pool_factory=utils_nginx.NginxPool
) -> Tuple["model_objects.OperationsEvent", utils_nginx.PoolResult]:
    """Flush every server's certificate cache (``{reset_path}/all``) and log the outcome.

    :raises errors.NginxNotEnabled: nothing was called and nothing logged.
    """
    config = nginx_config(ctx)
    with pool_factory(config) as pool:
        result = pool.flush_all()
    payload = result.as_log()
    payload["servers_success"] = result.servers_success
    payload["servers_failed"] = result.servers_failed
    dbOperationsEvent = log__OperationsEvent(ctx, EVENT_FLUSH, payload)
    return dbOperationsEvent, result


def nginx_cache_expire(
    ctx,
    dbDomains: Iterable["model_objects.Domain"],
    dbCertificateSigned: Optional["model_objects.CertificateSigned"] = None,
    pool_factory=utils_nginx.NginxPool,
) -> Tuple["model_objects.OperationsEvent", utils_nginx.ExpiryResult]:
    """Expire the cached certificates of these Domains on every server, and log the outcome.

    A Domain counts as expired only when every server expired it. The event's payload holds
    each domain's result per server, ``domain_ids: {success, failure}`` and the failed servers;
    each Domain (and the CertificateSigned the call came from, if any) gets an
    OperationsObjectEvent.

    :raises errors.NginxNotEnabled: nothing was called and nothing logged.
    :raises ValueError: no Domains.
    """
    config = nginx_config(ctx)
    dbDomains = list(dbDomains)
    if not dbDomains:
        raise ValueError("no Domains to expire")
    by_name = {dbDomain.domain_name: dbDomain for dbDomain in dbDomains}
    with pool_factory(config) as pool:
        result = pool.expire_domains(list(by_name))
    payload = {
        "result": result.result,
        "domains": {
            name: dict(pool_result.as_log(), domain_id=str(by_name[name].id))
            for name, pool_result in result.domains.items()
        },
        "domain_ids": {
            "success": [str(by_name[name].id) for name in result.domains_success],
            "failure": [str(by_name[name].id) for name in result.domains_failed],
        },
        "servers_failed": result.servers_failed,
    }
    if dbCertificateSigned is not None:
        payload["certificate_signed_id"] = str(dbCertificateSigned.id)
    dbOperationsEvent = log__OperationsEvent(ctx, EVENT_EXPIRE, payload)
    if dbCertificateSigned is not None:
        log__OperationsObjectEvent(ctx, EVENT_EXPIRE, dbCertificateSigned, dbOperationsEvent)
    for dbDomain in by_name.values():
        log__OperationsObjectEvent(ctx, EVENT_EXPIRE, dbDomain, dbOperationsEvent)
    return dbOperationsEvent, result


def nginx_status(ctx, pool_factory=utils_nginx.NginxPool) -> utils_nginx.PoolResult:
    """Every server's status answer. A read: nothing is logged.

    :raises errors.NginxNotEnabled: nothing was called.
    """
    config = nginx_config(ctx)
    with pool_factory(config) as pool:
        return pool.status()


def nginx_cache_expire__quietly(settings, domain_names, pool_factory=utils_nginx.NginxPool, failures=None) -> Optional[
    utils_nginx.ExpiryResult
]:
    """Expire these names on every server, outside any transaction, never raising.

    For the update after a revocation, a compromised key or a deactivation
    (``actions_redis.refresh_domains__after_commit``): the outcome goes to the application log
    (``peter_sslers.lib.db.actions_nginx``: INFO when every server expired every name, ERROR
    otherwise, naming the failed servers), not to an OperationsEvent.

    :param settings: the ``ApplicationSettings`` (nothing is done unless ``enable_nginx``).
    :param failures: a dict that receives ``{server: reason}`` for each server that failed (and
        ``{"pool": reason}`` when the call itself failed), for the caller's answer.
    :returns: the result, or None when nothing was called or the call itself failed.
    """
    if not settings.enable_nginx:
        return None
    names = list(domain_names)
    if not names:
        return None
    try:
        with pool_factory(utils_nginx.NginxConfig.from_settings(settings)) as pool:
            result = pool.expire_domains(names)
    except Exception as exc:
        log.exception("nginx expiry of %s failed", ", ".join(names))
        if failures is not None:
            failures["pool"] = str(exc) or type(exc).__name__
        return None
    if failures is not None and not result.ok:
        failures.update(result.servers_failed)
    if result.ok:
        log.info(result.summary())
    else:
        log.error("%s The servers that failed may serve the old certificates until their cache_ttl.", result.summary())
    return result
