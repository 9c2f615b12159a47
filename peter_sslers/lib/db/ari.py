"""ACME Renewal Information (RFC 9773) for certificates in the database.

:func:`ari_window` asks the CA that issued a certificate (the ACME server of its order's account,
else the configured default server) for its suggested renewal window, and :func:`replaces_id` gives
the certificate id a renewal order sends as ``replaces``.

The answer is cached in memory, per process, until the server's Retry-After (RFC 9773 section 4.3:
clients poll again after it; without one, after :data:`DEFAULT_RETRY_AFTER`), so a renewal run over
thousands of certificates asks once per certificate and per Retry-After. A failure is cached for
:data:`ERROR_RETRY_AFTER`. A directory without ``renewalInfo`` (or that does not answer) is
remembered per directory, so a CA without ARI costs one request, not one per certificate. No column stores it: the window is advice that changes (a CA may move it
forward for a mass revocation), and a restart only costs one request per certificate.
"""

import datetime
import logging
import random
import threading
import time
from typing import Dict
from typing import Optional
from typing import Tuple

from ...model.objects import AcmeAccountProvider
from ...model.objects import CertificateSigned
from .. import acme_v2
from .. import errors
from . import get
from .acme_accounts import acme_transport
from .acme_logger import AcmeEventLogger

log = logging.getLogger(__name__)

# RFC 9773 section 4.3: absent a Retry-After, poll again after some hours; bounds on what a server says
DEFAULT_RETRY_AFTER = 6 * 3600.0
MIN_RETRY_AFTER = 60.0
MAX_RETRY_AFTER = 24 * 3600.0
# a server error or a bad answer: no window, asked again after this
ERROR_RETRY_AFTER = 300.0

_lock = threading.Lock()
# (directory URL, certificate id) -> (RenewalInfo or None, monotonic expiry)
_cache: Dict[Tuple[str, str], Tuple[Optional[acme_v2.RenewalInfo], float]] = {}
# directory URL -> monotonic expiry: a directory that offers no renewalInfo (or did not answer) is
# not asked again per certificate until then, so a CA without ARI, or down, costs one request a
# run, not one per certificate
_no_ari: Dict[str, float] = {}
# the time chosen inside each window, stable for as long as the window does not change
_chosen: Dict[Tuple[str, str], Tuple[datetime.datetime, datetime.datetime, datetime.datetime]] = {}


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _no_ari.clear()
        _chosen.clear()


def provider_for(ctx, dbCertificateSigned: CertificateSigned) -> Optional[AcmeAccountProvider]:
    """The ACME server that issued the certificate: its order's account's, else the default one."""
    dbOrder = dbCertificateSigned.acme_order
    if dbOrder is not None and dbOrder.acme_account is not None:
        return dbOrder.acme_account.acme_account_provider
    return get.get__AcmeAccountProvider__default(ctx)


def replaces_id(dbCertificateSigned: CertificateSigned) -> Optional[str]:
    """The certificate's RFC 9773 id, or None when it has none (no Authority Key Identifier)."""
    try:
        return acme_v2.ari_cert_id(dbCertificateSigned.cert_pem)
    except errors.InvalidPEM as exc:
        log.info("CertificateSigned %s has no ARI id: %s", dbCertificateSigned.id, exc)
        return None


def ari_window(ctx, dbCertificateSigned: CertificateSigned) -> Optional[acme_v2.RenewalInfo]:
    """The CA's suggested renewal window for the certificate (RFC 9773), or None: the CA's directory
    offers no ``renewalInfo``, the certificate has no id (no AKI), the server failed or answered
    nonsense (logged). Cached in memory until the server's Retry-After."""
    dbProvider = provider_for(ctx, dbCertificateSigned)
    if dbProvider is None or not dbProvider.directory:
        return None
    cert_id = replaces_id(dbCertificateSigned)
    if cert_id is None:
        return None
    key = (dbProvider.directory, cert_id)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
        no_ari_until = _no_ari.get(dbProvider.directory)
    if cached is not None and cached[1] > now:
        return cached[0]
    if no_ari_until is not None and no_ari_until > now:
        return None
    dbOrder = dbCertificateSigned.acme_order
    logger = AcmeEventLogger(
        ctx,
        acme_account_id=dbOrder.acme_account_id if dbOrder is not None else None,
        certificate_signed_id=dbCertificateSigned.id,
    )
    transport = acme_transport(ctx, dbProvider, logger)
    info: Optional[acme_v2.RenewalInfo] = None
    ttl = ERROR_RETRY_AFTER
    try:
        renewal_info_url = transport.directory().renewal_info
    except errors.AcmeError as exc:
        log.warning("ARI: the directory %s did not answer: %s", dbProvider.directory, exc)
        with _lock:
            _no_ari[dbProvider.directory] = now + ERROR_RETRY_AFTER
        return None
    if not renewal_info_url:
        with _lock:
            _no_ari[dbProvider.directory] = now + DEFAULT_RETRY_AFTER
        return None
    try:
        # renewalInfo is an unauthenticated GET: no account key is needed
        info = acme_v2.AcmeClient(transport, account_key=None).get_renewal_info(cert_id)
        retry_after = info.retry_after if info.retry_after is not None else DEFAULT_RETRY_AFTER
        ttl = min(max(retry_after, MIN_RETRY_AFTER), MAX_RETRY_AFTER)
    except errors.AcmeError as exc:
        log.warning("ARI for CertificateSigned %s (%s) failed: %s", dbCertificateSigned.id, cert_id, exc)
        info = None
    with _lock:
        _cache[key] = (info, now + ttl)
    return info


def ari_renewal_time(
    ctx, dbCertificateSigned: CertificateSigned, rng: Optional[random.Random] = None
) -> Optional[datetime.datetime]:
    """When to renew by ARI: a random time inside the suggested window, chosen once per window (so
    repeated runs do not re-draw it), or None when :func:`ari_window` gives no window. A window that
    has already ended means "now" to the caller (the time returned is in the past)."""
    info = ari_window(ctx, dbCertificateSigned)
    if info is None:
        return None
    dbProvider = provider_for(ctx, dbCertificateSigned)
    key = (dbProvider.directory, info.cert_id)
    with _lock:
        chosen = _chosen.get(key)
        if chosen is None or (chosen[0], chosen[1]) != (info.start, info.end):
            chosen = (info.start, info.end, info.choose_time(rng))
            _chosen[key] = chosen
    return chosen[2]
