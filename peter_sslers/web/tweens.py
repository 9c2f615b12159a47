"""The outermost tween: identify every response, protect the admin tree.

The body limit (``web/limits.py``) and then the admin checks (``web/security.py``) run here,
before routing: a refused request never
reaches a view, so no admin content can leak through a view that forgot a check.
"""

import json
import logging

from pyramid.response import Response

from . import limits
from . import security

log = logging.getLogger(__name__)

HEADER_NAME = "X-Peter-SSLers"
HEADER_VALUE = "production"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# on every response, and on every admin response (tween below)
COMMON_HEADERS = ((HEADER_NAME, HEADER_VALUE), ("X-Content-Type-Options", "nosniff"))
ADMIN_HEADERS = COMMON_HEADERS + (
    ("Cache-Control", "no-store"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", security.ADMIN_CSP),
    ("Referrer-Policy", security.REFERRER_POLICY),
)


def _set_headers(response, pairs) -> None:
    """``response.headers[name] = value`` for each pair, in one pass over the header list
    (each ``headers[...] =`` of webob scans the whole list to drop the name first)."""
    names = {name.lower() for name, _value in pairs}
    headerlist = response.headerlist
    headerlist[:] = [item for item in headerlist if item[0].lower() not in names] + list(pairs)


def _refusal(request, status: int, title: str, message: str, headers=None) -> Response:
    """A plain answer with no admin content: JSON envelope on ``.json`` paths, text otherwise."""
    if request.path.endswith(".json"):
        body = json.dumps({"result": "error", "status": status, "error": title, "message": message}, sort_keys=True)
        response = Response(body, status=status, content_type="application/json", charset="utf-8")
    else:
        response = Response("%s %s\n%s\n" % (status, title, message), status=status, content_type="text/plain", charset="utf-8")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _admin_guard(request, registry):
    """The refusal for an admin request that must not be served, or None."""
    hosts = registry.admin_allowed_hosts
    if not security.host_is_allowed(request.host, hosts):
        # DNS rebinding: the attacker's name resolves to this server; its Host is not ours.
        return _refusal(
            request, 403, "Forbidden", "This host name is not allowed for the admin views (see `admin_allowed_hosts`)."
        )
    policy = registry.admin_security_policy
    if policy.enabled and request.identity is None:
        return _refusal(
            request,
            401,
            "Unauthorized",
            "The admin views need credentials: HTTP Basic, or a bearer token on `.json` paths.",
            headers={"WWW-Authenticate": 'Basic realm="%s", charset="UTF-8"' % security.REALM},
        )
    if request.method not in SAFE_METHODS and security.has_browser_markers(request):
        if security.is_cross_site(request, hosts):
            return _refusal(request, 403, "Forbidden", "Cross-site requests to the admin views are refused.")
        if not security.csrf_token_is_valid(request):
            return _refusal(
                request,
                403,
                "Forbidden",
                "A browser's request must carry the CSRF token of an admin page (reload the page and try again).",
            )
    return None


def peter_sslers_tween_factory(handler, registry):
    admin_prefix = registry.app_settings.admin_prefix
    guard = registry.app_settings.enable_views_admin  # off: the admin paths are plain 404s
    body_limit = registry.app_settings.request_max_bytes

    def tween(request):
        path = request.path  # webob rebuilds (and quotes) it on every read: once
        is_admin = path == admin_prefix or path.startswith(admin_prefix + "/")
        # the body limit first: the admin guard's CSRF check may read the form
        response = limits.refuse_body(request, body_limit)
        if response is None and is_admin and guard:
            response = _admin_guard(request, registry)
        if response is None:
            try:
                response = handler(request)
            except Exception:
                # Exception views render nearly everything; this is the last resort
                # (a failure in the transaction commit itself, say).
                log.exception("unhandled error on %s %s", request.method, request.path)
                response = Response("Internal Server Error\n", status=500, content_type="text/plain")
        if response.content_type == "application/json" and not response.charset:
            # Say it: tools such as prequest print undeclared bodies as raw bytes.
            response.charset = "utf-8"
        # Admin pages carry private keys: never keep them in any cache or frame, never send
        # their URLs to another site, run no script from anywhere else.
        _set_headers(response, ADMIN_HEADERS if is_admin else COMMON_HEADERS)
        return response

    return tween
