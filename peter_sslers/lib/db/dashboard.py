"""What the admin index (the dashboard) shows besides the list figures: the health snapshot, the
oldest waiting item of each queue, and the state of the edge (Redis, the nginx pool).

The certificate, order and renewal figures are counted by the web layer with the statements of
the lists they link to (``web/lib/list_filters.py``), so a figure and its list always agree; the
health snapshot (``health.health_snapshot``) gives the status, its reasons, the queues' depth and
the unresolved coverage events, as ``/api/health.json`` reports them.

The edge checks talk to outside servers, so they are bounded (``EDGE_TIMEOUT_SECONDS``) and never
raise: a server that is down or misconfigured is a state to show, not an error page.
"""

import dataclasses
import logging
from typing import Dict
from typing import Optional

import sqlalchemy as sa

from ...model.objects import QueueCertificate
from ...model.objects import QueueDomain
from .. import errors
from .. import utils_nginx
from .. import utils_redis

log = logging.getLogger(__name__)

# the longest the index waits for Redis or for each nginx server
EDGE_TIMEOUT_SECONDS = 1.0


@dataclasses.dataclass
class EdgeState:
    """``enabled`` (the option), ``reachable`` (None when not enabled or not asked), what failed."""

    service: str
    enabled: bool
    reachable: Optional[bool] = None
    server: Optional[str] = None
    error: Optional[str] = None
    servers: Dict[str, Optional[str]] = dataclasses.field(default_factory=dict)

    @property
    def label(self) -> str:
        if not self.enabled:
            return "disabled"
        if self.reachable is None:
            return "enabled"
        return "reachable" if self.reachable else "unreachable"

    def as_json(self) -> dict:
        payload = {"enabled": self.enabled, "reachable": self.reachable, "state": self.label, "error": self.error}
        if self.server is not None:
            payload["server"] = self.server
        if self.servers:
            payload["servers"] = dict(self.servers)
        return payload


def redis_state(settings) -> EdgeState:
    """Is Redis enabled, and does it answer a PING within ``EDGE_TIMEOUT_SECONDS``? Never raises."""
    if not settings.enable_redis:
        return EdgeState("redis", enabled=False)
    server = utils_redis.describe_server(settings.redis_url)
    try:
        # the write-through's client: short time-outs, no retry
        utils_redis.Primer(
            utils_redis.client_for_url(settings.redis_url, quick=True),
            settings.redis_prime_style,
            utils_redis.TimeToLive.from_settings(settings),
            server=server,
        ).ping()
    except errors.RedisUnavailable as exc:
        return EdgeState("redis", enabled=True, reachable=False, server=server, error=exc.message)
    except Exception as exc:  # a bad URL, anything: the index still answers
        log.warning("the index's Redis check failed: %r", exc)
        return EdgeState("redis", enabled=True, reachable=False, server=server, error=str(exc) or exc.__class__.__name__)
    return EdgeState("redis", enabled=True, reachable=True, server=server)


def nginx_state(settings, pool_factory=utils_nginx.NginxPool) -> EdgeState:
    """Is the nginx pool enabled, and does every server answer its status route (each within
    ``EDGE_TIMEOUT_SECONDS``)? Nothing is logged as an OperationsEvent; never raises."""
    if not settings.enable_nginx:
        return EdgeState("nginx", enabled=False)
    try:
        config = utils_nginx.NginxConfig.from_settings(settings)
        timeout = min(config.timeout or EDGE_TIMEOUT_SECONDS, EDGE_TIMEOUT_SECONDS)
        config = dataclasses.replace(config, timeout=timeout)
        with pool_factory(config) as pool:
            result = pool.status()
    except Exception as exc:  # an empty pool, anything: the index still answers
        log.warning("the index's nginx check failed: %r", exc)
        return EdgeState("nginx", enabled=True, reachable=False, error=str(exc) or exc.__class__.__name__)
    servers = {s.server: (None if s.ok else s.reason) for s in result.servers}
    return EdgeState(
        "nginx",
        enabled=True,
        reachable=result.ok,
        error=None if result.ok else result.summary(),
        servers=servers,
    )


def oldest_waiting(ctx) -> dict:
    """``{"queue_certificate": item or None, "queue_domain": item or None}``: the waiting item of
    each queue queued first (the one whose age the health report gives)."""

    def oldest(model):
        return ctx.dbsession.scalars(
            sa.select(model)
            .where(model.is_active.is_(True))
            .order_by(model.timestamp_created.asc(), model.id.asc())
            .limit(1)
        ).first()

    return {"queue_certificate": oldest(QueueCertificate), "queue_domain": oldest(QueueDomain)}
