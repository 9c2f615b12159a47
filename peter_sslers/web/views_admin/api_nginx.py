"""API routes for the nginx/OpenResty servers pool: flush every cache, read every status."""

from ...lib import errors
from ...lib.db import actions_nginx
from ..lib import forms
from ..lib.handler import Handler
from ..lib.nginx import STATUS_UPSTREAM_FAILED
from ..lib.viewconfig import admin_view

def _page(enabled: bool, result=None, error=None, operations_event_id=None) -> dict:
    """The values of the cache-flush page (the form, and the outcome after a POST)."""
    return {
        "enabled": enabled,
        "result": result,
        "error": error,
        "operations_event_id": operations_event_id,
    }


class ViewApiNginx(Handler):
    def _get_cache_flush(self):
        """The page a GET shows: the form."""
        return _page(self.settings.enable_nginx)

    @admin_view(
        "admin:api:nginx:cache_flush",
        renderer="/admin/api-nginx-cache-flush.mako",
        post=True,
        get="_get_cache_flush",
        schema=forms.ActionNoFields,
        about="Flush the certificate cache of every server of `nginx.servers_pool` "
        "(GET {server}{nginx.reset_path}/all on each). `result` is `success` only when every server "
        "succeeded; otherwise HTTP 502 with `partial` or `error` and each failed server's reason.",
        example="curl -X POST {ADMIN_URL}/api/nginx/cache-flush.json",
        notes=(
            "Logged as an `operations__nginx_cache_flush` OperationsEvent with each server's outcome.",
            'When nginx is not enabled: HTTP 400 {"result": "error", "error": "nginx is not enabled"}.',
        ),
    )
    def cache_flush(self):
        enabled = self.settings.enable_nginx
        try:
            dbOperationsEvent, result = actions_nginx.nginx_cache_flush(self.ctx)
        except errors.NginxNotEnabled as exc:
            self.request.tm.doom()
            self.request.response.status = 400
            if self.is_json:
                return {"result": "error", "error": exc.message, "form_errors": {"Error_Main": exc.message}}
            return _page(enabled, error=exc.message)
        payload = result.as_json()
        payload["operations_event"] = {"id": str(dbOperationsEvent.id)}
        payload["operation"] = "nginx-cache-flush"
        if not result.ok:
            self.request.response.status = STATUS_UPSTREAM_FAILED
            payload.update(error=result.summary(), form_errors={"Error_Main": result.summary()}, service="nginx")
        if self.is_json:
            return payload
        return _page(enabled, result=result, error=payload.get("error"), operations_event_id=dbOperationsEvent.id)

    @admin_view(
        "admin:api:nginx:status",
        json_only=True,
        about="The status answer of every server of `nginx.servers_pool` "
        "(GET {server}{nginx.status_path} on each). A read: GET (or POST) it; nothing is logged. "
        "`result` is `success` only when every server answered; otherwise HTTP 502.",
        example="curl {ADMIN_URL}/api/nginx/status.json",
        notes=('When nginx is not enabled: HTTP 400 {"result": "error", "error": "nginx is not enabled"}.',),
    )
    def status(self):
        try:
            result = actions_nginx.nginx_status(self.ctx)
        except errors.NginxNotEnabled as exc:
            self.request.response.status = 400
            return {"result": "error", "error": exc.message, "form_errors": {"Error_Main": exc.message}}
        payload = result.as_json()
        if not result.ok:
            self.request.response.status = STATUS_UPSTREAM_FAILED
            payload.update(error=result.summary(), form_errors={"Error_Main": result.summary()}, service="nginx")
        return payload
