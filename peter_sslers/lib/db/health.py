"""Health at a glance: what `/api/health.json` and the Prometheus metrics report (docs/Monitoring.md).

One ``health_snapshot(ctx, days)`` reads everything with a handful of set-based queries (their
number does not grow with the number of certificates, queue items or domains) and judges the
result against ``ctx.timestamp``, so a test can hold the clock still.

Definitions (kept in step with docs/Monitoring.md):

* **latest certificate**: for each *active* Domain, of its cached latest single and latest multi
  certificate (``Domain.certificate_signed_id__latest_*``, kept by update-recents and by every
  new certificate), the one that ends later: the certificate that gives the name its coverage.
  A certificate is "latest" when it is that for at least one active domain. An older or
  shorter certificate that no active name depends on never makes the health worse.
* **expiring**: a latest certificate with ``now < notAfter <= now + days``.
* **expired latest**: a latest certificate with ``notAfter <= now``: a name is served an expired
  certificate (or nothing valid).
* **renewal under way** for a certificate: a renewal-queue item for it (its source) or for its
  set is waiting, or was claimed less than ``QueueCertificate.IN_FLIGHT_SECONDS`` ago and has no outcome.
* **failed renewal**: a renewal-queue item processed with ``process_result`` False that is still
  the last outcome for its set (no later item for the set was processed, with any outcome),
  whose set has no active certificate created after the failure (nothing renewed it since, by
  the queue, an order or an upload), and whose set still has an active domain. Its
  *certificate* is the set's latest-ending active certificate, else the one the item renewed.
* **status**: ``critical`` when a latest certificate has expired, or expires within ``days / 2``
  with no renewal under way, or a failed renewal's certificate expires within ``days`` (or there
  is none); else ``warning`` when a renewal failed, a latest certificate expires within ``days``
  with no renewal under way, or coverage events are unresolved; else ``ok``.
"""

import dataclasses
import datetime
from typing import Any
from typing import Dict
from typing import List
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ...model.objects import AcmeAccount
from ...model.objects import AcmeOrder
from ...model.objects import CertificateSigned
from ...model.objects import Domain
from ...model.objects import QueueCertificate
from ...model.objects import QueueDomain
from ...model.objects import UniqueFQDNSet2Domain

from . import coverage

STATUS_OK = "ok"
STATUS_WARNING = "warning"
STATUS_CRITICAL = "critical"
# severity order: `?fail_on=` compares against it; the Prometheus gauge exports the index
STATUSES = (STATUS_OK, STATUS_WARNING, STATUS_CRITICAL)

# the bounds of `days` (the option and the `?days=` of the routes)
DAYS_MIN = 1
DAYS_MAX = 3650
# how many items of each list the report shows (the counts are always complete)
ITEMS_SHOWN = 10


def count_coverage_events_unresolved(ctx) -> int:
    """The unresolved coverage-assurance events (Coverage_Assurance.md), key children included."""
    return coverage.count_unresolved(ctx)


@dataclasses.dataclass
class QueueStats:
    waiting: int
    oldest_waiting: Optional[datetime.datetime]
    oldest_waiting_seconds: Optional[int]

    def as_json(self) -> dict:
        return {
            "waiting": self.waiting,
            "oldest_waiting_timestamp": _iso(self.oldest_waiting),
            "oldest_waiting_seconds": self.oldest_waiting_seconds,
        }


@dataclasses.dataclass
class HealthSnapshot:
    """What ``health_snapshot`` read, judged at ``timestamp``; ``items_*`` hold up to
    ``ITEMS_SHOWN`` rows each (none when asked for no items)."""

    timestamp: datetime.datetime
    days: int
    certificates_active: int
    certificates_latest: int
    certificates_expiring: int
    certificates_expiring_without_renewal: int
    certificates_expiring_critical: int
    certificates_expired_latest: int
    earliest_not_after: Optional[datetime.datetime]
    renewals_failed: int
    renewals_failed_critical: int
    queue_certificate: QueueStats
    queue_domain: QueueStats
    domains_active: int
    domains_active_without_certificate: int
    acme_accounts_active: int
    coverage_events_unresolved: int
    items_expiring: List[dict] = dataclasses.field(default_factory=list)
    items_expired_latest: List[dict] = dataclasses.field(default_factory=list)
    items_renewals_failed: List[dict] = dataclasses.field(default_factory=list)

    @property
    def seconds_until_earliest_not_after(self) -> Optional[int]:
        """Negative once the earliest latest certificate has expired; None without any."""
        if self.earliest_not_after is None:
            return None
        return int((self.earliest_not_after - self.timestamp).total_seconds())

    @property
    def reasons(self) -> List[str]:
        """Why the status is not ``ok``, most severe first (empty when it is ``ok``)."""
        reasons = []
        if self.certificates_expired_latest:
            reasons.append(
                "critical: %d certificate(s) expired while still the latest of an active domain"
                % self.certificates_expired_latest
            )
        if self.certificates_expiring_critical:
            reasons.append(
                "critical: %d certificate(s) expire within %s with no renewal under way"
                % (self.certificates_expiring_critical, _half_days_text(self.days))
            )
        if self.renewals_failed_critical:
            reasons.append(
                "critical: %d failed renewal(s) of a certificate that expires within %d days (or is gone)"
                % (self.renewals_failed_critical, self.days)
            )
        if self.renewals_failed:
            reasons.append("warning: %d renewal(s) failed and not renewed since" % self.renewals_failed)
        if self.certificates_expiring_without_renewal:
            reasons.append(
                "warning: %d certificate(s) expire within %d days with no renewal under way"
                % (self.certificates_expiring_without_renewal, self.days)
            )
        if self.coverage_events_unresolved:
            reasons.append("warning: %d coverage event(s) unresolved" % self.coverage_events_unresolved)
        return reasons

    @property
    def status(self) -> str:
        if self.certificates_expired_latest or self.certificates_expiring_critical or self.renewals_failed_critical:
            return STATUS_CRITICAL
        if self.renewals_failed or self.certificates_expiring_without_renewal or self.coverage_events_unresolved:
            return STATUS_WARNING
        return STATUS_OK

    def as_json(self) -> Dict[str, Any]:
        return {
            "status": self.status,
            "reasons": self.reasons,
            "timestamp": _iso(self.timestamp),
            "days": self.days,
            "certificates": {
                "active": self.certificates_active,
                "latest": self.certificates_latest,
                "earliest_not_after": _iso(self.earliest_not_after),
                "seconds_until_earliest_not_after": self.seconds_until_earliest_not_after,
                "expiring": {
                    "count": self.certificates_expiring,
                    "count_without_renewal": self.certificates_expiring_without_renewal,
                    "count_critical": self.certificates_expiring_critical,
                    "items": self.items_expiring,
                },
                "expired_latest": {"count": self.certificates_expired_latest, "items": self.items_expired_latest},
            },
            "renewals_failed": {
                "count": self.renewals_failed,
                "count_critical": self.renewals_failed_critical,
                "items": self.items_renewals_failed,
            },
            "queues": {
                "queue_certificate": self.queue_certificate.as_json(),
                "queue_domain": self.queue_domain.as_json(),
            },
            "domains": {
                "active": self.domains_active,
                "active_without_certificate": self.domains_active_without_certificate,
            },
            "acme_accounts": {"active": self.acme_accounts_active},
            "coverage_events_unresolved": self.coverage_events_unresolved,
        }


def status_at_least(status: str, threshold: str) -> bool:
    """``status`` is as severe as ``threshold`` or more (both in ``STATUSES``)."""
    return STATUSES.index(status) >= STATUSES.index(threshold)


def _iso(value: Optional[datetime.datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _half_days_text(days: int) -> str:
    return "%d days" % (days // 2) if days % 2 == 0 else "%.1f days" % (days / 2.0)


# --- the queries


def latest_certificate_ids():
    """The ids of the latest certificates (see the module docstring): one per active domain at
    most, distinct. The certificate lists' `serving` filter (``get.query__CertificateSigned``)
    selects with it, so the dashboard's figures and the lists behind them agree."""
    single = aliased(CertificateSigned)
    multi = aliased(CertificateSigned)
    serving = sa.case(
        (
            sa.or_(
                multi.id.is_(None),
                sa.and_(single.id.is_not(None), single.timestamp_not_after >= multi.timestamp_not_after),
            ),
            single.id,
        ),
        else_=multi.id,
    ).label("certificate_signed_id")
    per_domain = (
        sa.select(serving)
        .select_from(Domain)
        .outerjoin(single, single.id == Domain.certificate_signed_id__latest_single)
        .outerjoin(multi, multi.id == Domain.certificate_signed_id__latest_multi)
        .where(Domain.is_active.is_(True))
        .subquery("health_per_domain")
    )
    return sa.select(per_domain.c.certificate_signed_id).where(per_domain.c.certificate_signed_id.is_not(None)).distinct()


def _renewal_under_way(ctx, certificate):
    """EXISTS: a renewal-queue item for ``certificate`` (a CertificateSigned alias or the class)
    is waiting or in flight."""
    return (
        sa.select(QueueCertificate.id)
        .where(
            sa.or_(
                QueueCertificate.certificate_signed_id__source == certificate.id,
                QueueCertificate.unique_fqdn_set_id == certificate.unique_fqdn_set_id,
            ),
            sa.or_(QueueCertificate.is_active.is_(True), QueueCertificate.in_flight(ctx.timestamp)),
        )
        .correlate(certificate)
        .exists()
    )


def _totals(ctx) -> sa.Row:
    """Certificates active, domains active (and those with no active certificate at all), ACME
    accounts active: one statement."""

    def count(model, *where):
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    return ctx.dbsession.execute(
        sa.select(
            count(CertificateSigned, CertificateSigned.is_active.is_(True)).label("certificates_active"),
            count(Domain, Domain.is_active.is_(True)).label("domains_active"),
            count(
                Domain,
                Domain.is_active.is_(True),
                Domain.certificate_signed_id__latest_single.is_(None),
                Domain.certificate_signed_id__latest_multi.is_(None),
            ).label("domains_active_without_certificate"),
            count(AcmeAccount, AcmeAccount.is_active.is_(True)).label("acme_accounts_active"),
        )
    ).one()


def _queue_stats(ctx) -> tuple:
    """(QueueStats of the renewal queue, QueueStats of the domain queue): one statement."""

    def waiting(model, column):
        return sa.select(column).select_from(model).where(model.is_active.is_(True)).scalar_subquery()

    row = ctx.dbsession.execute(
        sa.select(
            waiting(QueueCertificate, sa.func.count()).label("qc_waiting"),
            waiting(QueueCertificate, sa.func.min(QueueCertificate.timestamp_created)).label("qc_oldest"),
            waiting(QueueDomain, sa.func.count()).label("qd_waiting"),
            waiting(QueueDomain, sa.func.min(QueueDomain.timestamp_created)).label("qd_oldest"),
        )
    ).one()
    return (
        QueueStats(row.qc_waiting, row.qc_oldest, _age_seconds(ctx, row.qc_oldest)),
        QueueStats(row.qd_waiting, row.qd_oldest, _age_seconds(ctx, row.qd_oldest)),
    )


def _age_seconds(ctx, since: Optional[datetime.datetime]) -> Optional[int]:
    if since is None:
        return None
    return max(0, int((ctx.timestamp - since).total_seconds()))


def _failed_renewals(ctx):
    """The failed renewals (see the module docstring) as a subquery: the item's ``id``,
    ``unique_fqdn_set_id``, ``certificate_signed_id__source``, ``failed_at`` and its certificate's
    ``not_after``."""
    failed = aliased(QueueCertificate)
    later = aliased(QueueCertificate)
    failed_at = sa.func.coalesce(failed.timestamp_processed, failed.timestamp_process_attempt, failed.timestamp_created)
    set_not_after = (
        sa.select(sa.func.max(CertificateSigned.timestamp_not_after))
        .where(CertificateSigned.unique_fqdn_set_id == failed.unique_fqdn_set_id, CertificateSigned.is_active.is_(True))
        .correlate(failed)
        .scalar_subquery()
    )
    source_not_after = (
        sa.select(CertificateSigned.timestamp_not_after)
        .where(CertificateSigned.id == failed.certificate_signed_id__source)
        .correlate(failed)
        .scalar_subquery()
    )
    order_not_after = (
        sa.select(CertificateSigned.timestamp_not_after)
        .join(AcmeOrder, AcmeOrder.certificate_signed_id == CertificateSigned.id)
        .where(AcmeOrder.id == failed.acme_order_id__source)
        .correlate(failed)
        .scalar_subquery()
    )
    not_after = sa.func.coalesce(set_not_after, source_not_after, order_not_after).label("not_after")
    superseded = (
        sa.select(later.id)
        .where(
            later.unique_fqdn_set_id == failed.unique_fqdn_set_id,
            later.id > failed.id,
            later.is_active.is_(False),
            later.process_result.is_not(None),
        )
        .correlate(failed)
        .exists()
    )
    renewed_since = (
        sa.select(CertificateSigned.id)
        .where(
            CertificateSigned.unique_fqdn_set_id == failed.unique_fqdn_set_id,
            CertificateSigned.is_active.is_(True),
            CertificateSigned.timestamp_created > failed_at,
        )
        .correlate(failed)
        .exists()
    )
    has_active_domain = (
        sa.select(UniqueFQDNSet2Domain.domain_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(UniqueFQDNSet2Domain.unique_fqdn_set_id == failed.unique_fqdn_set_id, Domain.is_active.is_(True))
        .correlate(failed)
        .exists()
    )
    return (
        sa.select(
            failed.id,
            failed.unique_fqdn_set_id,
            failed.certificate_signed_id__source,
            failed_at.label("failed_at"),
            not_after,
        )
        .where(
            failed.is_active.is_(False),
            failed.process_result.is_(False),
            ~superseded,
            ~renewed_since,
            has_active_domain,
        )
        .subquery("health_failed")
    )


def failed_renewal_ids(ctx):
    """The ids of the failed renewals (see the module docstring) as a subquery: the renewal
    queue's `unresolved` filter (``queues.query__QueueCertificate``) selects with it."""
    return sa.select(_failed_renewals(ctx).c.id)


def _names_of_sets(ctx, set_ids) -> Dict[int, List[str]]:
    set_ids = sorted(set(set_ids))
    if not set_ids:
        return {}
    names: Dict[int, List[str]] = {}
    rows = ctx.dbsession.execute(
        sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id, Domain.domain_name)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(UniqueFQDNSet2Domain.unique_fqdn_set_id.in_(set_ids))
    ).all()
    for set_id, name in rows:
        names.setdefault(set_id, []).append(name)
    return {set_id: sorted(values) for set_id, values in names.items()}


def validate_days(value: Any) -> int:
    """``days`` as a whole number from ``DAYS_MIN`` to ``DAYS_MAX``.

    :raises ValueError: with the sentence to show.
    """
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4 or not DAYS_MIN <= int(text) <= DAYS_MAX:
        raise ValueError("expected a whole number of days from %d to %d" % (DAYS_MIN, DAYS_MAX))
    return int(text)


def health_snapshot(ctx, days: int, items: int = ITEMS_SHOWN) -> HealthSnapshot:
    """Read the health of the datastore at ``ctx.timestamp`` (see the module docstring).

    :param days: the expiry horizon, ``DAYS_MIN`` to ``DAYS_MAX``.
    :param items: how many rows of each list to load (0: the counts only, as the metrics need).
    :raises ValueError: ``days`` out of range.
    """
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise ValueError("days: expected a whole number from %d to %d" % (DAYS_MIN, DAYS_MAX))
    now = ctx.timestamp
    horizon = now + datetime.timedelta(days=days)
    half_horizon = now + datetime.timedelta(days=days) / 2

    totals = _totals(ctx)
    queue_certificate, queue_domain = _queue_stats(ctx)

    # the latest certificates: counts and the earliest notAfter in one statement
    latest_ids = latest_certificate_ids()
    under_way = _renewal_under_way(ctx, CertificateSigned)
    not_after = CertificateSigned.timestamp_not_after
    is_expiring = sa.and_(not_after > now, not_after <= horizon)

    def count_if(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    latest = ctx.dbsession.execute(
        sa.select(
            sa.func.count().label("latest"),
            sa.func.min(not_after).label("earliest_not_after"),
            count_if(not_after <= now).label("expired"),
            count_if(is_expiring).label("expiring"),
            count_if(sa.and_(is_expiring, ~under_way)).label("expiring_without_renewal"),
            count_if(sa.and_(not_after > now, not_after <= half_horizon, ~under_way)).label("expiring_critical"),
        ).where(CertificateSigned.id.in_(latest_ids), CertificateSigned.is_active.is_(True))
    ).one()

    failed_rows = _failed_renewals(ctx)
    failed_counts = ctx.dbsession.execute(
        sa.select(
            sa.func.count().label("failed"),
            count_if(sa.or_(failed_rows.c.not_after.is_(None), failed_rows.c.not_after <= horizon)).label("critical"),
        ).select_from(failed_rows)
    ).one()

    snapshot = HealthSnapshot(
        timestamp=now,
        days=days,
        certificates_active=totals.certificates_active,
        certificates_latest=latest.latest,
        certificates_expiring=int(latest.expiring),
        certificates_expiring_without_renewal=int(latest.expiring_without_renewal),
        certificates_expiring_critical=int(latest.expiring_critical),
        certificates_expired_latest=int(latest.expired),
        earliest_not_after=latest.earliest_not_after,
        renewals_failed=failed_counts.failed,
        renewals_failed_critical=int(failed_counts.critical),
        queue_certificate=queue_certificate,
        queue_domain=queue_domain,
        domains_active=totals.domains_active,
        domains_active_without_certificate=totals.domains_active_without_certificate,
        acme_accounts_active=totals.acme_accounts_active,
        coverage_events_unresolved=count_coverage_events_unresolved(ctx),
    )
    if items <= 0:
        return snapshot

    def certificate_rows(condition, count_):
        if not count_:
            return []
        return ctx.dbsession.execute(
            sa.select(
                CertificateSigned.id,
                CertificateSigned.unique_fqdn_set_id,
                not_after,
                under_way.label("renewal_under_way"),
            )
            .where(CertificateSigned.id.in_(latest_ids), CertificateSigned.is_active.is_(True), condition)
            .order_by(not_after.asc(), CertificateSigned.id.asc())
            .limit(items)
        ).all()

    expiring_rows = certificate_rows(is_expiring, snapshot.certificates_expiring)
    expired_rows = certificate_rows(not_after <= now, snapshot.certificates_expired_latest)
    failed_items = []
    if snapshot.renewals_failed:
        # the most urgent first: no certificate left, then the earliest notAfter
        failed_items = ctx.dbsession.execute(
            sa.select(failed_rows)
            .order_by(
                sa.case((failed_rows.c.not_after.is_(None), 0), else_=1),
                failed_rows.c.not_after.asc(),
                failed_rows.c.id.asc(),
            )
            .limit(items)
        ).all()
    names = _names_of_sets(
        ctx,
        [r.unique_fqdn_set_id for r in expiring_rows]
        + [r.unique_fqdn_set_id for r in expired_rows]
        + [r.unique_fqdn_set_id for r in failed_items],
    )

    def certificate_item(row) -> dict:
        return {
            "certificate_signed_id": str(row.id),
            "domains": names.get(row.unique_fqdn_set_id, []),
            "timestamp_not_after": _iso(row.timestamp_not_after),
            "seconds_left": int((row.timestamp_not_after - now).total_seconds()),
            "renewal_under_way": bool(row.renewal_under_way),
        }

    snapshot.items_expiring = [certificate_item(r) for r in expiring_rows]
    snapshot.items_expired_latest = [certificate_item(r) for r in expired_rows]
    snapshot.items_renewals_failed = [
        {
            "queue_certificate_id": str(row.id),
            "unique_fqdn_set_id": str(row.unique_fqdn_set_id),
            "domains": names.get(row.unique_fqdn_set_id, []),
            "certificate_signed_id__source": (
                str(row.certificate_signed_id__source) if row.certificate_signed_id__source else None
            ),
            "timestamp_failed": _iso(row.failed_at),
            "timestamp_not_after": _iso(row.not_after),
            "critical": row.not_after is None or row.not_after <= horizon,
        }
        for row in failed_items
    ]
    return snapshot
