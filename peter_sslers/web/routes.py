"""Every route of peter_sslers, in one place, grouped by object in URL order.

Patterns use two macros: ``{@id}`` and ``{@page}`` are digit-only placeholders. The
``|json`` and ``_paginated`` twins of a route come from ``add_route`` flags, never by
hand, and a JSON twin is always registered before its HTML route so that a pattern
like ``/domain/{domain_identifier}`` never swallows ``/domain/x.json``.
"""

import re

_MACROS = {"{@id}": r"{id:\d+}", "{@page}": r"{page:\d+}"}
_RE_MACRO = re.compile("|".join(re.escape(m) for m in _MACROS))


def expand_pattern(pattern: str) -> str:
    return _RE_MACRO.sub(lambda m: _MACROS[m.group(0)], pattern)


def add_route(config, name: str, pattern: str, jsonify: bool = False, paginate: bool = False, json_only: bool = False):
    """Register a route and its twins.

    * ``jsonify``: also ``name|json`` at ``pattern.json``.
    * ``paginate``: also ``name_paginated`` at ``pattern/{page}`` (and its ``.json`` twin).
    * ``json_only``: only ``name|json`` at ``pattern`` (which already ends in ``.json``).
    """
    pattern = expand_pattern(pattern)
    if json_only:
        config.add_route(name + "|json", pattern)
        return
    if paginate:
        if jsonify:
            config.add_route(name + "_paginated|json", pattern + r"/{page:\d+}.json")
        config.add_route(name + "_paginated", pattern + r"/{page:\d+}")
    if jsonify:
        config.add_route(name + "|json", pattern + ".json")
    config.add_route(name, pattern)


def includeme(config):
    settings = config.registry.app_settings
    if settings.enable_views_public:
        config.include(public_routes)
    if settings.enable_views_admin:
        config.include(admin_routes, route_prefix=settings.admin_prefix)


def public_routes(config):
    config.add_route("public_challenge", "/.well-known/acme-challenge/{challenge}")
    config.add_route("public_whoami", "/.well-known/public/whoami")


def admin_routes(config):
    # Main
    config.add_route("admin", "", inherit_slash=True)
    config.add_route("admin:index_slash", "/")
    config.add_static_view("static", "peter_sslers.web:static", cache_max_age=3600)
    add_route(config, "admin:api", "/api", jsonify=True)
    add_route(config, "admin:help", "/help")
    add_route(config, "admin:settings", "/settings", jsonify=True)
    add_route(config, "admin:whoami", "/whoami")

    # Domain
    add_route(config, "admin:domain:new", "/domain/new", jsonify=True)
    add_route(config, "admin:domain:focus", "/domain/{domain_identifier}", jsonify=True)
    add_route(config, "admin:domain:focus:mark", "/domain/{domain_identifier}/mark", jsonify=True)
    add_route(config, "admin:domains", "/domains", jsonify=True, paginate=True)

    # Operations log
    add_route(config, "admin:operations", "/operations")
    add_route(config, "admin:operations:log", "/operations/log", jsonify=True, paginate=True)
    add_route(config, "admin:operations:log:focus", "/operations/log/item/{@id}", jsonify=True)
