"""Every route, snapshotted: a route change shows up as a reviewed diff of this list."""

from pyramid.config import Configurator

from peter_sslers.config import ApplicationSettings
from peter_sslers.web import routes

EXPECTED = [
    ("public_challenge", "/.well-known/acme-challenge/{challenge}"),
    ("public_whoami", "/.well-known/public/whoami"),
    ("admin", "/.well-known/admin"),
    ("admin:index_slash", "/.well-known/admin/"),
    ("__.well-known/admin/static/", "/.well-known/admin/static/*subpath"),
    ("admin:api|json", "/.well-known/admin/api.json"),
    ("admin:api", "/.well-known/admin/api"),
    ("admin:help", "/.well-known/admin/help"),
    ("admin:settings|json", "/.well-known/admin/settings.json"),
    ("admin:settings", "/.well-known/admin/settings"),
    ("admin:whoami", "/.well-known/admin/whoami"),
    ("admin:domain:new|json", "/.well-known/admin/domain/new.json"),
    ("admin:domain:new", "/.well-known/admin/domain/new"),
    ("admin:domain:focus|json", "/.well-known/admin/domain/{domain_identifier}.json"),
    ("admin:domain:focus", "/.well-known/admin/domain/{domain_identifier}"),
    ("admin:domain:focus:mark|json", "/.well-known/admin/domain/{domain_identifier}/mark.json"),
    ("admin:domain:focus:mark", "/.well-known/admin/domain/{domain_identifier}/mark"),
    ("admin:domains_paginated|json", "/.well-known/admin/domains/{page:\\d+}.json"),
    ("admin:domains_paginated", "/.well-known/admin/domains/{page:\\d+}"),
    ("admin:domains|json", "/.well-known/admin/domains.json"),
    ("admin:domains", "/.well-known/admin/domains"),
    ("admin:operations", "/.well-known/admin/operations"),
    ("admin:operations:log_paginated|json", "/.well-known/admin/operations/log/{page:\\d+}.json"),
    ("admin:operations:log_paginated", "/.well-known/admin/operations/log/{page:\\d+}"),
    ("admin:operations:log|json", "/.well-known/admin/operations/log.json"),
    ("admin:operations:log", "/.well-known/admin/operations/log"),
    ("admin:operations:log:focus|json", "/.well-known/admin/operations/log/item/{id:\\d+}.json"),
    ("admin:operations:log:focus", "/.well-known/admin/operations/log/item/{id:\\d+}"),
]


def _routes(**settings):
    app_settings = ApplicationSettings.from_settings(
        dict({"enable_views_public": "true", "enable_views_admin": "true"}, **settings)
    )
    config = Configurator(settings={})
    config.registry.app_settings = app_settings
    config.include(routes)
    config.commit()
    from pyramid.interfaces import IRoutesMapper

    mapper = config.registry.getUtility(IRoutesMapper)
    # Pyramid keeps prefixed patterns without their leading slash; compare full paths.
    return [(route.name, "/" + route.pattern.lstrip("/")) for route in mapper.get_routes()]


def test_routes_snapshot():
    assert _routes() == EXPECTED


def test_json_twins_come_before_their_html_routes():
    names = [name for name, _ in _routes()]
    for name in names:
        if name.endswith("|json"):
            html = name[: -len("|json")]
            assert names.index(name) < names.index(html), name


def test_admin_prefix_moves_every_admin_route():
    moved = _routes(admin_prefix="/manage")
    for (name, pattern), (moved_name, moved_pattern) in zip(EXPECTED, moved):
        assert name.replace(".well-known/admin", "manage") == moved_name
        if pattern.startswith("/.well-known/admin"):
            assert moved_pattern == "/manage" + pattern[len("/.well-known/admin"):]
        else:
            assert moved_pattern == pattern


def test_trees_are_registered_only_when_enabled():
    names = [n for n, _ in _routes(enable_views_admin="false")]
    assert names == ["public_challenge", "public_whoami"]
    names = [n for n, _ in _routes(enable_views_public="false")]
    assert "public_challenge" not in names and "admin" in names


def test_expand_pattern():
    assert routes.expand_pattern("/x/{@id}/y/{@page}") == r"/x/{id:\d+}/y/{page:\d+}"
