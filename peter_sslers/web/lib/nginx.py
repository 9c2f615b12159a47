"""What the nginx cache routes share: the answer to an expiry of some Domains.

Answers (see docs/Nginx.md):

* every server succeeded: JSON 200 ``{"result": "success", ...}``; HTML a 303 to the object with
  ``?result=success&operation=nginx-cache-expire``;
* any server failed: JSON **502** (an upstream server failed) with ``"result": "partial"`` (some
  succeeded) or ``"error"`` (none did), ``"error": <which servers failed and why>`` and the same
  per-server, per-domain detail; HTML a 303 carrying ``result=error`` and that sentence. The
  OperationsEvent is kept either way: what was done is recorded;
* nginx not enabled: JSON 400 ``{"result": "error", "error": "nginx is not enabled"}``; HTML a
  303 carrying the error. Nothing is called and nothing is logged.
"""

from ...lib import errors
from ...lib.db import actions_nginx

OPERATION_EXPIRE = "nginx-cache-expire"
# The answer when any server of the pool failed: the admin worked, an upstream server did not.
STATUS_UPSTREAM_FAILED = 502


def expire_action(handler, dbDomains, focus_url: str, subject: dict, dbCertificateSigned=None):
    """The POST of a ``.../nginx-cache-expire`` route.

    :param subject: what the JSON answer says the call was about (``{"Domain": {...}}``).
    """
    try:
        dbOperationsEvent, result = actions_nginx.nginx_cache_expire(
            handler.ctx, dbDomains, dbCertificateSigned=dbCertificateSigned
        )
    except errors.InvalidRequest as exc:
        return handler.action_error(exc, focus_url, OPERATION_EXPIRE)
    event_id = str(dbOperationsEvent.id)
    if handler.is_json:
        payload = result.as_json()
        payload.update(subject)
        payload["operation"] = OPERATION_EXPIRE
        payload["operations_event"] = {"id": event_id}
        payload["domain_ids"] = dbOperationsEvent.event_payload_json["domain_ids"]
        if not result.ok:
            handler.request.response.status = STATUS_UPSTREAM_FAILED
            payload.update(error=result.summary(), form_errors={"Error_Main": result.summary()}, service="nginx")
        return payload
    if result.ok:
        return handler.redirect_result(focus_url, "success", OPERATION_EXPIRE, operations_event=event_id)
    return handler.redirect_result(
        focus_url, "error", OPERATION_EXPIRE, error=result.summary(), operations_event=event_id
    )
