"""The outermost tween: identify every response, protect the admin tree."""

import logging
import urllib.parse

from pyramid.response import Response

log = logging.getLogger(__name__)

HEADER_NAME = "X-Peter-SSLers"
HEADER_VALUE = "production"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _is_cross_site(request) -> bool:
    """A browser-sent request from another site.

    Pyramid's own origin check only runs on HTTPS, and the admin tree usually runs on
    plain HTTP inside a private network, so browsers' ``Sec-Fetch-Site`` and ``Origin``
    headers are checked here. Clients that are not browsers (curl, requests, prequest)
    send neither and are unaffected.
    """
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    return urllib.parse.urlsplit(origin).netloc.lower() != request.host.lower()


def peter_sslers_tween_factory(handler, registry):
    admin_prefix = registry.app_settings.admin_prefix

    def tween(request):
        is_admin = request.path == admin_prefix or request.path.startswith(admin_prefix + "/")
        if is_admin and request.method not in SAFE_METHODS and _is_cross_site(request):
            response = Response(
                "Cross-site requests to the admin views are refused.\n", status=403, content_type="text/plain"
            )
        else:
            try:
                response = handler(request)
            except Exception:
                # Exception views render nearly everything; this is the last resort
                # (a failure in the transaction commit itself, say).
                log.exception("unhandled error on %s %s", request.method, request.path)
                response = Response("Internal Server Error\n", status=500, content_type="text/plain")
        response.headers[HEADER_NAME] = HEADER_VALUE
        if response.content_type == "application/json" and not response.charset:
            # Say it: tools such as prequest print undeclared bodies as raw bytes.
            response.charset = "utf-8"
        if is_admin:
            # Admin pages carry private keys: never keep them in any cache or frame.
            response.headers["Cache-Control"] = "no-store"
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return tween
