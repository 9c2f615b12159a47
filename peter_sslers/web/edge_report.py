"""A withdrawal whose edge update failed says so in its answer.

Revoking, deactivating, marking a key compromised or a domain inactive commits first, then tells
Redis and the nginx servers (``lib.db.actions_redis.refresh_domains__after_commit``, after the
commit so nothing can put back what was withdrawn). When that follow-up fails, the withdrawal
itself stands (it is committed), but the edge may still serve what was withdrawn: the answer
must not say plain ``success``.

This tween sits just outside pyramid_tm, so it sees the answer after the commit and after the
follow-up ran. For each failed follow-up it:

* records an OperationsEvent ``operations__edge_update__fail`` (its own small transaction)
  naming the servers and what failed;
* JSON: adds ``"edge": {"redis": {"server", "error"}, "nginx": {server: reason}, ...}``, turns
  ``"result": "success"`` into ``"partial"`` with an ``error`` sentence, and answers **502**
  (an upstream server failed; the action itself was done: see docs/Architecture.md);
* HTML redirect: turns ``result=success`` into ``result=error`` and the flash message the page
  it lands on shows into that sentence.

It also records, in the same way, the detail of an outside service an admin HTML page could not
reach (``Handler.outside_error_friendly``: the page says so in a short sentence, the operations
log keeps the URL and the cause): an OperationsEvent ``operations__outside_service__fail``.
"""

import json
import logging
import urllib.parse

from ..lib.db import actions_redis
from ..lib.db.logger import log__OperationsEvent
from .lib.handler import OUTSIDE_FAILURE_KEY
from .lib.handler import flash_result
from .lib.handler import FLASH_QUEUE

log = logging.getLogger(__name__)

STATUS_EDGE_FAILED = 502


def edge_failure_sentence(reports: list) -> str:
    parts = []
    for report in reports:
        if "redis" in report:
            parts.append("Redis at %s: %s" % (report["redis"]["server"], report["redis"]["error"]))
        for server, reason in sorted(report.get("nginx", {}).items()):
            parts.append("nginx %s: %s" % (server, reason))
    return (
        "Done, but the edge was not updated (it may still serve what was withdrawn until a Redis prime "
        "or an nginx cache flush succeeds): " + "; ".join(parts)
    )


def merge_reports(reports: list) -> dict:
    edge = {}
    for report in reports:
        if "redis" in report:
            edge["redis"] = report["redis"]
        if "nginx" in report:
            edge.setdefault("nginx", {}).update(report["nginx"])
        for key in ("domains", "certificate_signed_ids", "private_key_ids"):
            values = edge.setdefault(key, [])
            values.extend(v for v in report.get(key, []) if v not in values)
    return edge


def _record(request, edge: dict, sentence: str) -> None:
    """The OperationsEvent of the failure, in a transaction of its own (the action's is over)."""
    _record_event(request, "operations__edge_update__fail", {"edge": edge, "error": sentence, "path": request.path})


def _record_event(request, event_type: str, payload: dict) -> None:
    try:
        request.tm.begin()
        ctx = request.api_context  # its event (the withdrawal's, committed) becomes the parent
        log__OperationsEvent(ctx, event_type, payload)
        request.tm.commit()
    except Exception:
        log.exception("could not record %s: %s", event_type, payload.get("error"))
        try:
            request.tm.abort()
        except Exception:
            pass


def _record_outside_failure(request, payload: dict) -> None:
    """The detail of an outside service an admin page could not reach, as an OperationsEvent
    ``operations__outside_service__fail``, in a session and transaction of their own: the
    request's were aborted, and nothing of them may come back with this record."""
    from .database import new_script_context

    ctx = None
    try:
        ctx = new_script_context(request.registry)
        log__OperationsEvent(ctx, "operations__outside_service__fail", payload)
        ctx.transaction_manager.commit()
    except Exception:
        log.exception("could not record the outside failure: %s", payload.get("error"))
        if ctx is not None:
            ctx.transaction_manager.abort()
    finally:
        if ctx is not None:
            ctx.dbsession.close()


def edge_report_tween_factory(handler, registry):
    def tween(request):
        response = handler(request)
        outside_failure = request.environ.pop(OUTSIDE_FAILURE_KEY, None)
        if outside_failure is not None:
            _record_outside_failure(request, outside_failure)
        dbsession = request.__dict__.get("dbsession")
        if dbsession is None:
            return response
        reports = actions_redis.edge_reports(dbsession)
        if not reports:
            return response
        reports_now = list(reports)
        del reports[:]
        edge = merge_reports(reports_now)
        sentence = edge_failure_sentence(reports_now)
        log.error("%s %s: %s", request.method, request.path, sentence)
        _record(request, edge, sentence)
        if response.content_type == "application/json":
            try:
                payload = json.loads(response.body)
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                if payload.get("result") == "success":
                    payload["result"] = "partial"
                payload.setdefault("error", sentence)
                payload["edge"] = edge
                response.body = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
                response.status = STATUS_EDGE_FAILED
        elif response.location and 300 <= response.status_code < 400:
            base, _, query = response.location.partition("?")
            params = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True) if k not in ("result", "error")]
            params = [("result", "error")] + params
            response.location = base + "?" + urllib.parse.urlencode(params)
            # the page it lands on says it: the action's message becomes the failure's
            operation = "the withdrawal"
            for message in request.session.pop_flash(FLASH_QUEUE):
                if isinstance(message, dict):
                    operation = message.get("operation") or operation
            flash_result(request, "error", operation, error=sentence)
        return response

    return tween
