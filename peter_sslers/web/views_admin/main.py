"""The admin index and the pages about the tool itself: settings, help, API docs."""

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ...lib import errors
from ...lib.db import dashboard
from ...lib.db import get
from ...lib.db import health
from ..lib import docs as docs_registry
from ..lib import forms
from ..lib import list_filters
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view
from ...lib.utils import normalize_host


# the longest search value: an SPKI hash is 64 hex digits (95 with colons), a subject or issuer
# fragment longer than this finds nothing a shorter one would not
SEARCH_VALUE_MAX = 255


# the dashboard's expiry horizons (days) and how far back it counts failed orders
DASHBOARD_EXPIRY_DAYS = (7, 30)
DASHBOARD_FAILED_ORDERS_DAYS = 7


class ViewMain(Handler):
    def _figure(self, key: str, label: str, route: str, which: str, params: dict, statement) -> dict:
        """A count and the list that shows exactly those items: counted with the list's own
        statement (``list_filters``) and linked with the same query string."""
        count = get.count(self.ctx, statement(self.ctx, which, params))
        # the `{which}` lists name it in their path; the renewal queue's lists are routes of their own
        route_kw = {"which": which} if route.endswith(":list") else {}
        return {
            "key": key,
            "label": label,
            "count": count,
            "url": self.request.route_path(route, _query=params, **route_kw),
            "url_json": self.request.route_path(route + "|json", _query=params, **route_kw),
        }

    def _queue(self, stats, dbOldest, route: str, focus_route: str) -> dict:
        return {
            "waiting": stats.waiting,
            "url": self.request.route_path(route),
            "oldest_waiting": (
                {
                    "id": str(dbOldest.id),
                    "timestamp_created": stats.oldest_waiting.isoformat() if stats.oldest_waiting else None,
                    "seconds": stats.oldest_waiting_seconds,
                    "url": self.request.route_path(focus_route, id=dbOldest.id),
                }
                if dbOldest is not None
                else None
            ),
        }

    @admin_view(
        "admin",
        renderer="/admin/index.mako",
        section="main",
        about="The dashboard: certificates expiring within 7 and 30 days, expired but still active, failed "
        "orders and renewals, both queues' depth and oldest waiting item, unresolved coverage events, Redis "
        "and nginx (enabled, reachable); each figure with the list (`url`, `url_json`) holding exactly "
        "those items.",
        example="curl {ADMIN_URL}/index.json",
        notes=(
            "The health `status` and `reasons` are those of /api/health.json (its default `days`).",
            "Redis and the nginx servers are asked with a %s second time-out each; one that is down is "
            "`unreachable`, never an error." % dashboard.EDGE_TIMEOUT_SECONDS,
        ),
    )
    def index(self):
        """The dashboard: what is expiring or failing, the queues, the edge."""
        snapshot = health.health_snapshot(self.ctx, self.settings.health_expiring_days, items=0)
        oldest = dashboard.oldest_waiting(self.ctx)
        certificates = list_filters.certificate_signeds_statement
        figures = [
            self._figure(
                "certificates_expiring_%d_days" % days,
                "Certificates expiring within %d days" % days,
                "admin:certificate_signeds:list",
                "active",
                {"serving": "1", "expiring_days": str(days)},
                certificates,
            )
            for days in DASHBOARD_EXPIRY_DAYS
        ]
        figures += [
            self._figure(
                "certificates_expired_active",
                "Certificates expired but still active",
                "admin:certificate_signeds:list",
                "all",
                {"state": "expired-active"},
                certificates,
            ),
            self._figure(
                "certificates_expired_serving",
                "... of which an active domain's latest",
                "admin:certificate_signeds:list",
                "all",
                {"state": "expired-active", "serving": "1"},
                certificates,
            ),
            self._figure(
                "acme_orders_failed",
                "ACME orders failed in the last %d days" % DASHBOARD_FAILED_ORDERS_DAYS,
                "admin:acme_orders:list",
                "failed",
                {"days": str(DASHBOARD_FAILED_ORDERS_DAYS)},
                list_filters.acme_orders_statement,
            ),
            self._figure(
                "renewals_failed",
                "Renewals failed, not renewed since",
                "admin:queue_certificates:failures",
                "failures",
                {"unresolved": "1"},
                list_filters.queue_certificates_statement,
            ),
        ]
        queues = {
            "queue_certificate": self._queue(
                snapshot.queue_certificate,
                oldest["queue_certificate"],
                "admin:queue_certificates:unprocessed",
                "admin:queue_certificate:focus",
            ),
            "queue_domain": self._queue(
                snapshot.queue_domain,
                oldest["queue_domain"],
                "admin:queue_domains",
                "admin:queue_domain:focus",
            ),
        }
        coverage_events = {
            "count": snapshot.coverage_events_unresolved,
            "url": self.request.route_path("admin:coverage_assurance_events:unresolved"),
        }
        redis = dashboard.redis_state(self.settings)
        nginx = dashboard.nginx_state(self.settings)
        dbAccount = get.get__AcmeAccount__global_default(self.ctx)
        dbProvider = get.get__AcmeAccountProvider__default(self.ctx)
        count_domains = get.get__Domain__count(self.ctx)
        if self.is_json:
            return {
                "result": "success",
                "timestamp": snapshot.timestamp.isoformat(),
                "health": {"status": snapshot.status, "reasons": snapshot.reasons, "days": snapshot.days},
                "figures": {
                    figure["key"]: {k: v for k, v in figure.items() if k != "key"} for figure in figures
                },
                "queues": queues,
                "coverage_events_unresolved": coverage_events,
                "redis": redis.as_json(),
                "nginx": nginx.as_json(),
                "domains": {"count": count_domains},
                "AcmeAccount_GlobalDefault": {"id": str(dbAccount.id)} if dbAccount is not None else None,
                "AcmeAccountProvider_Default": (
                    {"id": str(dbProvider.id), "name": dbProvider.name} if dbProvider is not None else None
                ),
            }
        return {
            "snapshot": snapshot,
            "figures": figures,
            "queues": queues,
            "coverage_events": coverage_events,
            "redis": redis,
            "nginx": nginx,
            "AcmeAccount_GlobalDefault": dbAccount,
            "AcmeAccountProvider_Default": dbProvider,
            "count_domains": count_domains,
        }

    @view_config(route_name="admin:index_slash")
    def index_slash(self):
        return HTTPSeeOther(location=self.request.route_path("admin"))

    @view_config(route_name="admin:whoami")
    def whoami(self):
        return Response(normalize_host(self.request.host), content_type="text/plain", charset="utf-8")

    @admin_view("admin:help", renderer="/admin/help.mako", jsonify=False)
    def help(self):
        return {}

    @admin_view("admin:settings", renderer="/admin/settings.mako", section="main")
    def settings_page(self):
        """Every effective configuration option, with its documentation (secrets masked)."""
        rows = self.settings.effective()
        if self.is_json:
            return {
                "result": "success",
                "settings": {option.name: value for option, value in rows},
            }
        return {"rows": rows}

    @admin_view("admin:api", renderer="/admin/api.mako", section="main")
    def api_docs(self):
        """The self-documentation of every JSON endpoint."""
        endpoints = sorted(
            (docs_registry.as_json(self.request, entry) for entry in docs_registry.get_all(self.request.registry).values()),
            key=lambda item: (item["section"], item["endpoint"]),
        )
        if self.is_json:
            return {"result": "success", "endpoints": endpoints}
        return {"endpoints": endpoints}

    @admin_view("admin:search", renderer="/admin/search.mako", section="main")
    def search(self):
        """Find keys, CSRs, certificates, CAs and account keys by SPKI hash (`?spki=`), or certificates
        and CAs by subject (`?cert_subject=`) or issuer (`?cert_issuer=`) text."""
        query = {}
        results = None
        for field in ("spki", "cert_subject", "cert_issuer"):
            value = self.request.GET.get(field, "").strip()
            problem = value and forms.text_problem(value, SEARCH_VALUE_MAX)
            if problem:
                # SQLite refuses LIKE patterns over 50,000 bytes, PostgreSQL NUL: a 400, not a 500
                raise errors.InvalidRequest("`%s`: %s" % (field, problem), field=field)
            if value:
                query = {"field": field, "value": value}
                if field == "spki":
                    results = get.search__spki(self.ctx, value)
                else:
                    results = get.search__cert_text(self.ctx, field, value)
                break
        if self.is_json:
            return {
                "result": "success",
                "query": query,
                "results": {
                    name: {str(item.id): item.as_json for item in items} for name, items in (results or {}).items()
                },
            }
        return {"query": query, "results": results}
