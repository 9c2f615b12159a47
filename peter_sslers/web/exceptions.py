"""Exception views: errors answer in the format the client asked for.

pyramid_tm aborts the transaction of any request that ended in an exception view,
so none of these responses leaves a write behind.

* ``.json`` paths get a JSON error envelope with the HTTP status.
* ``lib.errors.InvalidRequest`` that escapes a view is the client's fault: 400.
* Admin HTML paths get the error page in the admin layout (navigation, search); public
  paths keep plain text answers.
* Anything else is logged and answered 500; with ``exception_redirect`` an admin HTML
  page redirects to the admin index with the error (a flash message) instead.
"""

import html
import logging
import urllib.parse

from pyramid.httpexceptions import HTTPException
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import exception_view_config
from pyramid.view import notfound_view_config

from ..lib import errors
from .lib.handler import flash_result

log = logging.getLogger(__name__)


def _is_admin(request) -> bool:
    prefix = request.registry.app_settings.admin_prefix
    return (
        request.registry.app_settings.enable_views_admin
        and (request.path == prefix or request.path.startswith(prefix + "/"))
    )


def _error_response(request, status: int, title: str, message: str, layout: bool = True) -> Response:
    if request.is_json:
        response = request.response
        response.status = status
        # the one error envelope of the admin (``handler.error_envelope``: result, error, form_errors),
        # plus the HTTP status and the detail
        payload = {"result": "error", "status": status, "error": title, "message": message}
        payload["form_errors"] = {"Error_Main": message}
        return _render_json(request, payload)
    if _is_admin(request):
        # the admin's own layout, with its navigation: a wrong link is not a dead end (not before
        # routing, web/limits.py: a plain page there)
        response = _layout_page(request, status, title, message) if layout else None
        if response is not None:
            return response
        body = (
            "<!DOCTYPE html><html><head><title>%(status)s %(title)s</title></head>"
            "<body><h1>%(status)s %(title)s</h1><p>%(message)s</p>"
            '<p><a href="%(index)s">Admin index</a></p></body></html>'
        ) % {
            "status": status,
            "title": _html_escape(title),
            "message": _html_escape(message),
            "index": _html_escape(request.route_path("admin")),
        }
        return Response(body, status=status, content_type="text/html", charset="utf-8")
    return Response("%s %s\n" % (status, title), status=status, content_type="text/plain", charset="utf-8")


def _layout_page(request, status: int, title: str, message: str):
    try:
        response = render_to_response(
            "/admin/error.mako", {"status": status, "title": title, "message": message}, request=request
        )
    except Exception:
        log.exception("could not render the admin error page (%s %s)", status, title)
        return None
    response.status = status
    return response


def error_response(request, status: int, title: str, message: str) -> Response:
    """The answer made outside the exception views (web/limits.py, before routing and before the
    admin's host and credential checks): the JSON envelope, or a plain page without the layout."""
    return _error_response(request, status, title, message, layout=False)


def _render_json(request, payload: dict) -> Response:
    return render_to_response("json", payload, request=request, response=request.response)


def _html_escape(text: str) -> str:
    return html.escape(str(text), quote=True)


@notfound_view_config()
def notfound(exc, request):
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else "The resource was not found."
    return _error_response(request, 404, "Not Found", message)


@exception_view_config(HTTPException)
def http_exception(exc, request):
    # Redirects and other non-error answers pass through untouched.
    if exc.code < 400:
        return exc
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else exc.explanation
    return _error_response(request, exc.code, exc.title, message)


@exception_view_config(errors.InvalidRequest)
def invalid_request(exc, request):
    return _error_response(request, 400, "Bad Request", exc.message)


@exception_view_config(Exception)
def unexpected_error(exc, request):
    log.exception("unexpected error on %s %s", request.method, request.path)
    settings = request.registry.app_settings
    if settings.exception_redirect and _is_admin(request) and not request.is_json:
        # the sentence travels as a flash message, never in the query string
        try:
            flash_result(request, "error", "The request", error="An unexpected error occurred: %s" % exc)
        except Exception:
            log.exception("could not leave the error for the next page")
        return HTTPSeeOther(location=request.route_path("admin") + "?" + urllib.parse.urlencode({"result": "error"}))
    return _error_response(request, 500, "Internal Server Error", "An unexpected error occurred.")
