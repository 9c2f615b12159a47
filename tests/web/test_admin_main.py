"""The admin index, settings, help and API pages; the admin tree on, off and moved."""

import re

import pytest
import webtest

from peter_sslers import config
from tests import factories as f

ADMIN = "/.well-known/admin"


def test_index(testapp):
    res = testapp.get(ADMIN, status=200)
    assert "peter_sslers" in res.text
    assert "pebble" in res.text  # the configured default ACME server
    res = testapp.get(ADMIN + "/", status=303)
    assert res.location.endswith(ADMIN)


def test_admin_whoami(testapp):
    res = testapp.get(ADMIN + "/whoami", extra_environ={"HTTP_HOST": "admin.example.com:7201"}, status=200)
    assert res.text == "admin.example.com"


def test_help(testapp):
    res = testapp.get(ADMIN + "/help", status=200)
    assert "private network" in res.text


def test_settings_lists_every_option_with_its_docs(testapp):
    res = testapp.get(ADMIN + "/settings", status=200)
    for option in config.OPTIONS:
        assert "<code>%s</code>" % option.name in res.text, option.name
    res = testapp.get(ADMIN + "/settings.json", status=200)
    assert set(res.json["settings"]) == {option.name for option in config.OPTIONS}
    assert res.json["settings"]["certificate_authority"] == "pebble"


def test_settings_mask_secrets(make_app, db):
    app = webtest.TestApp(make_app(**{"nginx.userpass": "peter:sslers"}))
    res = app.get(ADMIN + "/settings.json", status=200)
    assert res.json["settings"]["nginx.userpass"] == "peter:********"
    page = app.get(ADMIN + "/settings", status=200).text
    # the project's name and the tests' host name hold the secret's letters; nothing else may
    assert "sslers" not in page.replace("peter_sslers", "").replace("peter-sslers.example.com", "")


def _json_routes(app):
    from pyramid.interfaces import IRoutesMapper

    mapper = app.registry.getUtility(IRoutesMapper)
    return [r for r in mapper.get_routes() if r.name.endswith("|json")]


def test_api_documents_every_json_endpoint(testapp, app):
    res = testapp.get(ADMIN + "/api.json", status=200)
    documented = {e["endpoint"] for e in res.json["endpoints"]}
    for route in _json_routes(app):
        if route.name.endswith("_paginated|json"):
            continue  # documented with its first page
        assert "/" + route.pattern.lstrip("/") in documented, route.name
    page = testapp.get(ADMIN + "/api", status=200)
    assert ADMIN + "/domain/new.json" in page.text
    for endpoint in res.json["endpoints"]:
        assert endpoint["about"]
        if endpoint["method"] == "POST":
            assert "form_fields" in endpoint and "instructions" in endpoint, endpoint["endpoint"]


def test_api_examples_use_the_admin_url(testapp):
    res = testapp.get(ADMIN + "/domain/new.json", status=200)
    assert "http://peter-sslers.example.com%s/domain/new.json" % ADMIN in res.json["example"]


def test_admin_disabled_everything_404(make_app, db):
    """As with example_production.ini: nothing under the admin prefix answers."""
    app = webtest.TestApp(make_app(enable_views_admin="false"))
    for path in ("", "/", "/domains", "/domains.json", "/domain/new.json", "/settings", "/api", "/static/admin.css"):
        res = app.get(ADMIN + path, status=404)
        assert res.headers["X-Peter-SSLers"] == "production"
    app.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=404)
    # the public views still answer
    assert app.get("/.well-known/public/whoami", extra_environ={"HTTP_HOST": "127.0.0.1"}).text == "127.0.0.1"


def test_production_ini_disables_admin(db):
    import os

    from pyramid.paster import get_appsettings

    from peter_sslers import main

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    settings = dict(get_appsettings(os.path.join(root, "example_production.ini")))
    settings["dbengine"] = db
    app = webtest.TestApp(main({}, **settings))
    app.get(ADMIN, status=404)
    app.get(ADMIN + "/domains.json", status=404)
    assert app.get("/.well-known/public/whoami", extra_environ={"HTTP_HOST": "127.0.0.1"}).text == "127.0.0.1"


def test_custom_admin_prefix_is_honoured_everywhere(make_app, dbsession):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    app = webtest.TestApp(make_app(admin_prefix="/manage/ssl"), extra_environ={"HTTP_HOST": "admin.example.com"})
    app.get(ADMIN, status=404)
    res = app.get("/manage/ssl", status=200)
    hrefs = re.findall(r'(?:href|action)="([^"]+)"', res.text)
    assert hrefs and all(h.startswith("/manage/ssl") for h in hrefs), hrefs
    res = app.get("/manage/ssl/domains", status=200)
    assert "/manage/ssl/domain/" in res.text
    res = app.post("/manage/ssl/domain/new", {"domain_name": "example.org"}, status=303)
    assert res.location.startswith("http://admin.example.com/manage/ssl/domain/")
    res = app.get("/manage/ssl/domains/0.json", status=303)
    assert res.location.endswith("/manage/ssl/domains/1.json")
    res = app.get("/manage/ssl/domain/new.json", status=200)
    assert res.json["endpoint"] == "/manage/ssl/domain/new.json"
    assert "http://admin.example.com/manage/ssl/domain/new.json" in res.json["example"]
    # the header and the admin cache rules follow the prefix too
    assert res.headers["Cache-Control"] == "no-store"
    assert app.get("/manage/ssl/static/admin.css", status=200).content_type == "text/css"


def test_admin_url_setting_shows_in_instructions(make_app, db):
    app = webtest.TestApp(make_app(admin_url="https://ssl-admin.internal/.well-known/admin"))
    res = app.get(ADMIN + "/domain/new.json", status=200)
    assert "https://ssl-admin.internal/.well-known/admin/domain/new.json" in res.json["example"]
    assert "https://ssl-admin.internal/.well-known/admin" in app.get(ADMIN, status=200).text


@pytest.mark.parametrize("path", ["/operations", "/operations/log", "/operations/log.json"])
def test_operations_log(testapp, path):
    res = testapp.get(ADMIN + path)
    if path == "/operations":
        assert res.status_int == 303 and res.location.endswith(ADMIN + "/operations/log")
        return
    assert res.status_int == 200


def test_operations_log_focus(testapp, dbsession):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.org"}, status=200)
    log = testapp.get(ADMIN + "/operations/log.json?event_type=Domain__insert", status=200)
    event = log.json["OperationsEvents"][0]
    focus = testapp.get(ADMIN + "/operations/log/item/%s.json" % event["id"], status=200)
    assert focus.json["OperationsEvent"]["id"] == event["id"]
    assert focus.json["OperationsObjectEvents"][0]["domain_id"] == res.json["Domain"]["id"]
    page = testapp.get(ADMIN + "/operations/log/item/%s" % event["id"], status=200)
    assert "Domain %s" % res.json["Domain"]["id"] in page.text
    testapp.get(ADMIN + "/operations/log/item/999999.json", status=404)
    testapp.get(ADMIN + "/operations/log.json?event_type=NoSuchEvent", status=404)
    assert dbDomain.id
