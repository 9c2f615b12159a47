"""Prometheus metrics of the datastore, read at each scrape (docs/Monitoring.md).

``HealthCollector`` turns a ``lib.db.health.HealthSnapshot`` into gauge families; it is given a
function that reads the snapshot, so it holds no database handle of its own and nothing global:
``render_metrics`` registers it in a fresh ``CollectorRegistry`` per call (two apps in one
process, as in the tests, never see each other's numbers, and no default process/platform
collectors join in).
"""

from typing import Callable
from typing import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .db.health import STATUSES
from .db.health import HealthSnapshot

# The classic text exposition format (what `generate_latest` writes). Spelled out rather than
# `prometheus_client.CONTENT_TYPE_LATEST`, which newer releases point at the 1.0.0 format that
# Prometheus servers before 3.0 do not know.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

PREFIX = "peter_sslers_"


class HealthCollector(Collector):
    """The gauges of one health snapshot, read when the registry collects."""

    def __init__(self, read_snapshot: Callable[[], HealthSnapshot]):
        self.read_snapshot = read_snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self.read_snapshot()

        def gauge(name: str, documentation: str, value) -> GaugeMetricFamily:
            return GaugeMetricFamily(PREFIX + name, documentation, value=value)

        yield gauge(
            "health_status",
            "The health status: 0 ok, 1 warning, 2 critical (the rule of /api/health.json).",
            STATUSES.index(snapshot.status),
        )
        yield gauge("health_expiring_days", "The horizon N (days) of the expiring gauges.", snapshot.days)
        yield gauge("certificates_active", "Active certificates.", snapshot.certificates_active)
        yield gauge(
            "certificates_latest",
            "Certificates that are the latest (longest-running) certificate of at least one active domain.",
            snapshot.certificates_latest,
        )
        yield gauge(
            "certificates_expiring",
            "Latest certificates that end within the horizon N (not yet expired).",
            snapshot.certificates_expiring,
        )
        yield gauge(
            "certificates_expiring_without_renewal",
            "Latest certificates that end within the horizon N with no renewal waiting or in flight.",
            snapshot.certificates_expiring_without_renewal,
        )
        yield gauge(
            "certificates_expired_latest",
            "Certificates already expired while still the latest of an active domain.",
            snapshot.certificates_expired_latest,
        )
        seconds = snapshot.seconds_until_earliest_not_after
        if seconds is not None:  # no latest certificate: no value (an alert on absent() can tell)
            yield gauge(
                "certificate_earliest_expiry_seconds",
                "Seconds until the earliest notAfter of the latest certificates (negative once expired).",
                seconds,
            )
        yield gauge(
            "renewals_failed",
            "Failed renewals not renewed since (the last outcome for their names was a failure).",
            snapshot.renewals_failed,
        )
        yield gauge(
            "renewals_failed_critical",
            "Failed renewals whose certificate ends within the horizon N (or is gone).",
            snapshot.renewals_failed_critical,
        )
        waiting = GaugeMetricFamily(PREFIX + "queue_waiting", "Items waiting in a queue.", labels=["queue"])
        oldest = GaugeMetricFamily(
            PREFIX + "queue_oldest_waiting_seconds",
            "Age in seconds of the oldest item waiting in a queue (0 when none waits).",
            labels=["queue"],
        )
        for label, stats in (("certificate", snapshot.queue_certificate), ("domain", snapshot.queue_domain)):
            waiting.add_metric([label], stats.waiting)
            oldest.add_metric([label], stats.oldest_waiting_seconds or 0)
        yield waiting
        yield oldest
        yield gauge("domains_active", "Active domains.", snapshot.domains_active)
        yield gauge(
            "domains_active_without_certificate",
            "Active domains with no active certificate at all.",
            snapshot.domains_active_without_certificate,
        )
        yield gauge("acme_accounts_active", "Active ACME accounts.", snapshot.acme_accounts_active)
        yield gauge(
            "coverage_events_unresolved",
            "Coverage-assurance events not resolved yet.",
            snapshot.coverage_events_unresolved,
        )


def render_metrics(read_snapshot: Callable[[], HealthSnapshot]) -> bytes:
    """The text exposition of one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(read_snapshot))
    return generate_latest(registry)
