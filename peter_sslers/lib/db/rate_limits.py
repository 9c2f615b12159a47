"""The CA's rate limits, counted from the datastore, checked before any order is sent.

Let's Encrypt publishes its limits (https://letsencrypt.org/docs/rate-limits/); the defaults of the
``rate_limit_*`` options are those numbers, and each option set to 0 turns its limit off:

=============================  ===========  =======  ==========================================
limit                          default      window   counted from
=============================  ===========  =======  ==========================================
``orders_per_account``         300          3 hours  orders the server created (``order_url``)
``certificates_per_domain``    50           7 days   certificates with a name under the
                                                     registered domain (notBefore in the window)
``duplicate_certificates``     5            7 days   certificates for the same UniqueFQDNSet
``failed_validations``         5            1 hour   invalid authorizations of a name, on
                                                     orders of the account
=============================  ===========  =======  ==========================================

Let's Encrypt refills its buckets bit by bit (one order every 36 s, one certificate every
202 minutes...); this model is a sliding window instead: N events in the window allow no more
until the oldest of the newest N leaves it. It is never more generous than the CA, so an order
allowed here is one the CA allows (for what this datastore knows: certificates issued elsewhere
and never imported are unknown to it).

A certificate's issuance time is read from its notBefore; the CA may backdate notBefore (Let's
Encrypt: by one hour), so certificates count ``NOT_BEFORE_BACKDATE`` longer. Every certificate
counts, whatever its source or CA: over-counting only delays an order, under-counting spends the
CA's patience.

"Registered domain": the Public Suffix List's public suffix plus one label (``www.example.co.uk``
-> ``example.co.uk``), from the ``publicsuffixlist`` package's bundled snapshot (no network at
run time); an unknown TLD counts as a public suffix (``a.example.test`` -> ``example.test``).

Each count is one query on an index range (``ix_acme_order_acme_account_id_timestamp_created``,
``ix_certificate_signed_timestamp_not_before``, ``ix_certificate_signed_unique_fqdn_set_id``,
``ix_acme_authorization_domain_id``) that reads at most the limit's number of rows.
"""

import datetime
import threading
from dataclasses import dataclass
from typing import List
from typing import Optional
from typing import Sequence

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAuthorization
from ...model.objects import AcmeOrder
from ...model.objects import CertificateSigned
from ...model.objects import Domain
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors

WINDOW_ORDERS_PER_ACCOUNT = datetime.timedelta(hours=3)
WINDOW_CERTIFICATES_PER_DOMAIN = datetime.timedelta(days=7)
WINDOW_DUPLICATE_CERTIFICATES = datetime.timedelta(days=7)
WINDOW_FAILED_VALIDATIONS = datetime.timedelta(hours=1)
# how much earlier than its issuance a CA may date a certificate's notBefore (Let's Encrypt: 1 hour)
NOT_BEFORE_BACKDATE = datetime.timedelta(hours=1)

LIMITS = ("orders_per_account", "certificates_per_domain", "duplicate_certificates", "failed_validations")

_psl = None
_psl_lock = threading.Lock()


def registered_domain(name: str) -> str:
    """The registered domain of a name: its public suffix plus one label (``www.example.co.uk`` ->
    ``example.co.uk``). A wildcard counts as its base name; a name that is itself a public suffix
    is its own registered domain."""
    global _psl
    if _psl is None:
        with _psl_lock:
            if _psl is None:
                from publicsuffixlist import PublicSuffixList  # the bundled list: no network

                _psl = PublicSuffixList()
    name = name.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    return _psl.privatesuffix(name) or name


@dataclass(frozen=True)
class LimitState:
    """One limit as it stands for one subject: ``count`` events in the window (at most
    ``maximum`` are read: ``count == maximum`` means "at least"), ``next_allowed`` None when one
    more order is allowed now, else the first time it is."""

    limit: str
    subject: str
    count: int
    maximum: int
    window: datetime.timedelta
    next_allowed: Optional[datetime.datetime]

    @property
    def is_exceeded(self) -> bool:
        return self.next_allowed is not None

    @property
    def message(self) -> str:
        what = {
            "orders_per_account": "new orders for %s" % self.subject,
            "certificates_per_domain": "certificates for the registered domain %s" % self.subject,
            "duplicate_certificates": "duplicate certificates for this set (%s)" % self.subject,
            "failed_validations": "failed validations of %s" % self.subject,
        }[self.limit]
        text = "rate limit: %s: %s in the last %s" % (what, self.count, _window_text(self.window))
        if self.next_allowed is not None:
            text += "; next possible at %s" % self.next_allowed.isoformat()
        return text


def _window_text(window: datetime.timedelta) -> str:
    hours = int(window.total_seconds() // 3600)
    if hours % 24 == 0:
        return "%s days" % (hours // 24)
    return "hour" if hours == 1 else "%s hours" % hours


def _state(limit, subject, maximum, window, newest_first: Sequence[datetime.datetime], margin=datetime.timedelta(0)):
    """``newest_first``: the times of the newest ``maximum`` events in the window. With fewer than
    ``maximum`` one more is allowed; else when the oldest of them leaves the window."""
    count = len(newest_first)
    next_allowed = None
    if count >= maximum:
        next_allowed = _aware(newest_first[maximum - 1]) + window + margin
    return LimitState(limit, subject, count, maximum, window, next_allowed)


def _aware(when: datetime.datetime) -> datetime.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=datetime.timezone.utc)


# --- the counts


def orders_per_account(ctx, acme_account_id: int) -> Optional[LimitState]:
    """New orders the server created for this account in the last 3 hours (an attempt it refused
    has no ``order_url`` and does not count). None when the limit is off."""
    maximum = ctx.settings.rate_limit_orders_per_account
    if not maximum:
        return None
    window = WINDOW_ORDERS_PER_ACCOUNT
    times = ctx.dbsession.scalars(
        sa.select(AcmeOrder.timestamp_created)
        .where(
            AcmeOrder.acme_account_id == acme_account_id,
            AcmeOrder.timestamp_created > ctx.timestamp - window,
            AcmeOrder.order_url.is_not(None),
        )
        .order_by(AcmeOrder.timestamp_created.desc())
        .limit(maximum)
    ).all()
    return _state("orders_per_account", "ACME account %s" % acme_account_id, maximum, window, times)


def certificates_per_domain(ctx, domain: str) -> Optional[LimitState]:
    """Certificates issued in the last 7 days with a name under this registered domain."""
    maximum = ctx.settings.rate_limit_certificates_per_domain
    if not maximum:
        return None
    window = WINDOW_CERTIFICATES_PER_DOMAIN
    statement = (
        sa.select(CertificateSigned.id, CertificateSigned.timestamp_not_before)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == CertificateSigned.unique_fqdn_set_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(
            CertificateSigned.timestamp_not_before > ctx.timestamp - window - NOT_BEFORE_BACKDATE,
            sa.or_(
                Domain.domain_name == domain,
                Domain.domain_name.endswith("." + domain, autoescape=True),
            ),
        )
        .distinct()
        .order_by(CertificateSigned.timestamp_not_before.desc())
        .limit(maximum)
    )
    times = [row.timestamp_not_before for row in ctx.dbsession.execute(statement)]
    return _state("certificates_per_domain", domain, maximum, window, times, NOT_BEFORE_BACKDATE)


def duplicate_certificates(ctx, dbSet: UniqueFQDNSet) -> Optional[LimitState]:
    """Certificates issued in the last 7 days for exactly this set of names."""
    maximum = ctx.settings.rate_limit_duplicate_certificates
    if not maximum:
        return None
    window = WINDOW_DUPLICATE_CERTIFICATES
    times = ctx.dbsession.scalars(
        sa.select(CertificateSigned.timestamp_not_before)
        .where(
            CertificateSigned.unique_fqdn_set_id == dbSet.id,
            CertificateSigned.timestamp_not_before > ctx.timestamp - window - NOT_BEFORE_BACKDATE,
        )
        .order_by(CertificateSigned.timestamp_not_before.desc())
        .limit(maximum)
    ).all()
    return _state(
        "duplicate_certificates", ", ".join(dbSet.domains_as_list), maximum, window, times, NOT_BEFORE_BACKDATE
    )


def failed_validations(ctx, acme_account_id: int, domain_id: int, domain_name: str) -> Optional[LimitState]:
    """Authorizations of this name that became invalid in the last hour, on orders of this account
    (``timestamp_updated`` is when this client last saw it: at or after the failure)."""
    maximum = ctx.settings.rate_limit_failed_validations
    if not maximum:
        return None
    window = WINDOW_FAILED_VALIDATIONS
    times = ctx.dbsession.scalars(
        sa.select(AcmeAuthorization.timestamp_updated)
        .join(AcmeOrder, AcmeOrder.id == AcmeAuthorization.acme_order_id__created)
        .where(
            AcmeAuthorization.domain_id == domain_id,
            AcmeAuthorization.acme_status_authorization_id == model_utils.Acme_Status_Authorization.INVALID,
            AcmeAuthorization.timestamp_updated > ctx.timestamp - window,
            AcmeOrder.acme_account_id == acme_account_id,
        )
        .order_by(AcmeAuthorization.timestamp_updated.desc())
        .limit(maximum)
    ).all()
    return _state("failed_validations", domain_name, maximum, window, times)


# --- the check


def order_limits(ctx, acme_account_id: int, dbSet: UniqueFQDNSet) -> List[LimitState]:
    """Every limit a new order for ``dbSet`` by this account is under, as it stands now."""
    states = [orders_per_account(ctx, acme_account_id), duplicate_certificates(ctx, dbSet)]
    domains = [link.domain for link in dbSet.to_domains]
    for domain in sorted({registered_domain(d.domain_name) for d in domains}):
        states.append(certificates_per_domain(ctx, domain))
    for dbDomain in sorted(domains, key=lambda d: d.domain_name):
        states.append(failed_validations(ctx, acme_account_id, dbDomain.id, dbDomain.domain_name))
    return [s for s in states if s is not None]


def check_new_order(ctx, acme_account_id: int, dbSet: UniqueFQDNSet) -> None:
    """Refuse an order that would go beyond one of the CA's limits: nothing is sent.

    :raises errors.RateLimitDeferred: the limit that allows the order last (its ``not_before`` is
        when every limit allows it again); the message names it, and the others exceeded.
    """
    exceeded = [s for s in order_limits(ctx, acme_account_id, dbSet) if s.is_exceeded]
    if not exceeded:
        return
    binding = max(exceeded, key=lambda s: s.next_allowed)
    message = binding.message
    others = [s.message for s in exceeded if s is not binding]
    if others:
        message += " (also %s)" % "; ".join(others)
    raise errors.RateLimitDeferred(
        message,
        limit=binding.limit,
        subject=binding.subject,
        count=binding.count,
        maximum=binding.maximum,
        window=binding.window,
        not_before=binding.next_allowed,
    )
