"""The web layer: renderers, tweens, request helpers and the views of the enabled trees."""

import datetime

from pyramid.renderers import JSON
from pyramid.tweens import INGRESS


def _json_renderer() -> JSON:
    renderer = JSON(sort_keys=True)
    # Timestamps in JSON are ISO 8601; the data layer keeps them in aware UTC.
    renderer.add_adapter(datetime.datetime, lambda value, request: value.isoformat())
    renderer.add_adapter(datetime.date, lambda value, request: value.isoformat())
    return renderer


def _admin_url(request) -> str:
    """The admin tool's base URL, for instructions shown to people (curl examples and such)."""
    settings = request.registry.app_settings
    if settings.admin_url:
        return settings.admin_url
    return (settings.admin_server or request.host_url) + settings.admin_prefix


def _api_host(request) -> str:
    """Scheme and host of absolute URLs in JSON answers."""
    settings = request.registry.app_settings
    return settings.api_host or settings.admin_server or request.host_url


def _is_json(request) -> bool:
    """JSON mode: the matched route is a ``|json`` twin, or the path ends in ``.json``."""
    route = request.matched_route
    if route is not None:
        return route.name.endswith("|json")
    return request.path.endswith(".json")


def includeme(config):
    settings = config.registry.app_settings
    config.include("pyramid_mako")
    config.add_settings({"mako.directories": "peter_sslers.web:templates", "mako.strict_undefined": "true"})
    config.add_renderer("json", _json_renderer())
    config.include(".security")
    config.add_tween("peter_sslers.web.tweens.peter_sslers_tween_factory", under=INGRESS)
    # just outside pyramid_tm: sees the answer after the commit and the edge follow-up
    config.add_tween("peter_sslers.web.edge_report.edge_report_tween_factory", over="pyramid_tm.tm_tween_factory")
    config.add_request_method(_admin_url, "admin_url", reify=True)
    config.add_request_method(_api_host, "api_host", reify=True)
    config.add_request_method(_is_json, "is_json", reify=True)
    config.scan("peter_sslers.web.exceptions")
    if settings.enable_views_public:
        config.scan("peter_sslers.web.views_public")
    if settings.enable_views_admin:
        # the ACME-flow tool's views exist only with their routes (web/routes.py)
        ignore = [] if settings.enable_acme_flow else ["peter_sslers.web.views_admin.acme_orderless"]
        config.scan("peter_sslers.web.views_admin", ignore=ignore)
