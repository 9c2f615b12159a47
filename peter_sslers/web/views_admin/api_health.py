"""Health at a glance (`/api/health`, `/api/health.json`) and the Prometheus metrics
(`/api/metrics`): reads only, registered like every admin route, so the admin protections
(allowed hosts, authentication) apply to them as to the rest (docs/Monitoring.md)."""

from pyramid.response import Response

from ...lib import errors
from ...lib import metrics
from ...lib.db import health
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view

# `?fail_on=`: the least severe status answered with HTTP 503 (absent: always 200)
FAIL_ON_CHOICES = (health.STATUS_WARNING, health.STATUS_CRITICAL)
STATUS_FAILING = 503


class ViewApiHealth(Handler):
    def _days(self) -> int:
        """``?days=`` (validated), else the ``health_expiring_days`` option.

        :raises errors.InvalidRequest: not a whole number from 1 to 3650 (HTTP 400).
        """
        raw = self.request.GET.get("days")
        if raw is None:
            return self.settings.health_expiring_days
        try:
            return health.validate_days(raw)
        except ValueError as exc:
            raise errors.InvalidRequest("`days`: %s" % exc, field="days")

    def _fail_on(self):
        raw = self.request.GET.get("fail_on")
        if raw is None or raw == "":
            return None
        if raw not in FAIL_ON_CHOICES:
            raise errors.InvalidRequest(
                "`fail_on`: expected one of %s" % ", ".join("`%s`" % c for c in FAIL_ON_CHOICES), field="fail_on"
            )
        return raw

    @admin_view(
        "admin:api:health",
        renderer="/admin/api-health.mako",
        about="Health at a glance: `status` (ok, warning, critical) with its `reasons`; the latest "
        "certificates expiring within `days` or already expired; failed renewals; both queues' depth "
        "and the age of their oldest waiting item; unresolved coverage events. A read: nothing is "
        "logged. The fields and the status rule: docs/Monitoring.md.",
        example="curl {ADMIN_URL}/api/health.json?days=14",
        notes=(
            "`?days=N`: the expiry horizon, a whole number from 1 to 3650 (default: the option "
            "`health_expiring_days`); another value answers HTTP 400 with the error envelope.",
            "HTTP 200 whatever the status, by default. `?fail_on=critical` (or `warning`) answers "
            "HTTP 503 when the status is that or worse, for checkers that only read the status code.",
            "Lists show up to %d items each, the most urgent first; the counts are complete." % health.ITEMS_SHOWN,
        ),
    )
    def health(self):
        days = self._days()
        fail_on = self._fail_on()
        snapshot = health.health_snapshot(self.ctx, days)
        if fail_on is not None and health.status_at_least(snapshot.status, fail_on):
            self.request.response.status = STATUS_FAILING
        payload = snapshot.as_json()
        payload["result"] = "success"
        if self.is_json:
            return payload
        return {"page_title": "Health", "health": payload, "fail_on": fail_on}

    @admin_view(
        "admin:api:metrics",
        jsonify=False,
        section="api",
    )
    def metrics(self):
        """Prometheus metrics of the datastore, read at each scrape (text exposition format 0.0.4);
        `?days=N` as for /api/health.json."""
        days = self._days()
        body = metrics.render_metrics(lambda: health.health_snapshot(self.ctx, days, items=0))
        response = Response(body=body)
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response
