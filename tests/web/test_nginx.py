"""The nginx cache routes: /api/nginx/cache-flush, /api/nginx/status.json, the domain and certificate
nginx-cache-expire actions and /operations/nginx, against real servers on loopback
(tools/fake_server.py).

The tests with nginx enabled are gated by SSL_RUN_NGINX_TESTS (tests/nginx_fake.py); the ones with
nginx disabled need no server and always run.
"""

import base64
import json
import time

import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

from peter_sslers.lib import utils_nginx
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import data
from tests import factories as f
from tests.browser import BrowserTestApp
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.nginx_fake import dead_server_url  # noqa: F401  (fixtures)
from tests.nginx_fake import fake_nginx  # noqa: F401
from tests.nginx_fake import fake_server
from tests.nginx_fake import self_signed_tls  # noqa: F401

ADMIN = "/.well-known/admin"
RESET = utils_nginx.DEFAULT_RESET_PATH
STATUS = utils_nginx.DEFAULT_STATUS_PATH
USERPASS = "peter:sslers"
BASIC = "Basic " + base64.b64encode(USERPASS.encode()).decode()
NOT_ENABLED = {
    "result": "error",
    "error": "nginx is not enabled",
    "form_errors": {"Error_Main": "nginx is not enabled"},
}


def nginx_app(make_app, *servers, **settings) -> webtest.TestApp:
    """The app with nginx enabled for these servers (``nginx__userpass=...`` sets ``nginx.userpass``)."""
    overrides = {"enable_nginx": "true", "nginx.servers_pool": ",".join(servers)}
    for key, value in settings.items():
        overrides[key.replace("__", ".")] = value
    return BrowserTestApp(make_app(**overrides), extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


def upload_certificate(app, stem="leaf_rsa_multi") -> str:
    files = data.leaf(stem)
    res = app.post(
        ADMIN + "/certificate-signed/upload.json",
        upload_files=[
            ("private_key_file", "privkey.pem", files["key"].encode()),
            ("certificate_file", "cert.pem", files["cert"].encode()),
            ("chain_file", "chain.pem", files["chain"].encode()),
        ],
        status=200,
    )
    return res.json["CertificateSigned"]["id"]


def nginx_events(db) -> list:
    """The nginx OperationsEvents, oldest first, as (type, payload)."""
    with Session(bind=db) as session:
        events = session.scalars(
            sa.select(m.OperationsEvent)
            .where(
                m.OperationsEvent.operations_event_type_id.in_(
                    [
                        model_utils.OperationsEventType.operations__nginx_cache_expire,
                        model_utils.OperationsEventType.operations__nginx_cache_flush,
                    ]
                )
            )
            .order_by(m.OperationsEvent.id)
        ).all()
        return [(e.operations_event_type, e.event_payload_json) for e in events]


def object_events(db, event_id) -> list:
    with Session(bind=db) as session:
        rows = session.scalars(
            sa.select(m.OperationsObjectEvent).where(m.OperationsObjectEvent.operations_event_id == int(event_id))
        ).all()
        return sorted(
            ("Domain", r.domain_id) if r.domain_id else ("CertificateSigned", r.certificate_signed_id) for r in rows
        )


# --- nginx not enabled: a clear error, nothing changes (no server needed)


def test_disabled_api_routes_answer_an_error(testapp, db):
    before = count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/api/nginx/cache-flush.json", status=400)
    assert res.json == NOT_ENABLED
    res = testapp.post(ADMIN + "/api/nginx/cache-flush", status=400)
    assert "nginx is not enabled" in res.text
    assert "<button" not in res.text.split("<main>")[1]
    res = testapp.get(ADMIN + "/api/nginx/cache-flush", status=200)
    assert "nginx is not enabled" in res.text
    res = testapp.get(ADMIN + "/api/nginx/status.json", status=400)
    assert res.json == NOT_ENABLED
    testapp.post(ADMIN + "/api/nginx/status.json", status=400)
    assert count_rows(db, m.OperationsEvent) == before


def test_disabled_expire_routes_answer_an_error(testapp, db, dbsession):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    cert_id = upload_certificate(testapp)
    before = count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=400)
    assert res.json == dict(NOT_ENABLED, operation="nginx-cache-expire")
    res = testapp.post(ADMIN + "/domain/example.com/nginx-cache-expire", status=303)
    assert "result=error" in res.location and "operation=nginx-cache-expire" in res.location
    assert "Nginx cache expire failed: nginx is not enabled" in res.follow().text
    res = testapp.post(ADMIN + "/certificate-signed/%s/nginx-cache-expire.json" % cert_id, status=400)
    assert res.json == dict(NOT_ENABLED, operation="nginx-cache-expire")
    res = testapp.post(ADMIN + "/certificate-signed/%s/nginx-cache-expire" % cert_id, status=303)
    assert "result=error" in res.location
    assert count_rows(db, m.OperationsEvent) == before
    # the pages say it instead of offering a button
    assert "nginx is not enabled" in testapp.get(ADMIN + "/domain/example.com").text
    assert "nginx is not enabled" in testapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text


def test_actions_document_themselves_on_get(testapp, dbsession):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    for path in ("/api/nginx/cache-flush.json", "/domain/example.com/nginx-cache-expire.json"):
        res = testapp.get(ADMIN + path, status=200)
        assert res.json["method"] == "POST"
        assert "HTTP POST required" in res.json["instructions"]
        assert "curl -X POST" in res.json["example"]
    api = testapp.get(ADMIN + "/api.json").json["endpoints"]
    endpoints = {e["endpoint"]: e["method"] for e in api}
    assert endpoints[ADMIN + "/api/nginx/cache-flush.json"] == "POST"
    assert endpoints[ADMIN + "/api/nginx/status.json"] == "GET"
    assert endpoints[ADMIN + "/domain/{domain_identifier}/nginx-cache-expire.json"] == "POST"
    assert endpoints[ADMIN + "/certificate-signed/{id:\\d+}/nginx-cache-expire.json"] == "POST"
    assert endpoints[ADMIN + "/operations/nginx.json"] == "GET"
    # one-click action: a GET on the HTML route goes back with an error
    res = testapp.get(ADMIN + "/domain/example.com/nginx-cache-expire", status=303)
    assert "result=error" in res.location and "operation=nginx-cache-expire" in res.location


def test_disabled_links(testapp):
    assert ADMIN + "/operations/nginx" in testapp.get(ADMIN + "/api").text
    assert ADMIN + "/operations/nginx" in testapp.get(ADMIN + "/operations/log").text
    res = testapp.get(ADMIN + "/operations/nginx.json", status=200)
    assert res.json["OperationsEvents"] == []
    assert "nginx is not enabled" in testapp.get(ADMIN + "/operations/nginx").text


# --- flush


def test_flush_every_server(make_app, db, fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    app = nginx_app(make_app, a.url, b.url, nginx__userpass=USERPASS)
    res = app.post(ADMIN + "/api/nginx/cache-flush.json", status=200)
    assert res.json["result"] == "success"
    assert "error" not in res.json
    assert res.json["servers_success"] == [a.url, b.url]
    assert res.json["servers_failed"] == {}
    assert res.json["servers"][a.url]["answer"]["expired"] == "all"
    for server in (a, b):
        assert [(r.method, r.path, r.authorization) for r in server.requests] == [("GET", RESET + "/all", BASIC)]
    [(event_type, payload)] = nginx_events(db)
    assert event_type == "operations__nginx_cache_flush"
    assert payload["result"] == "success"
    assert payload["servers"][a.url] == {"result": "success", "status_code": 200, "server_version": "1.0.0"}
    assert res.json["operations_event"]["id"]


def test_flush_with_a_dead_member(make_app, db, fake_nginx, dead_server_url):
    live = fake_nginx()
    app = nginx_app(make_app, dead_server_url, live.url)
    res = app.post(ADMIN + "/api/nginx/cache-flush.json", status=502)
    assert res.json["result"] == "partial"
    assert res.json["servers_success"] == [live.url]
    assert res.json["servers_failed"] == {dead_server_url: "connection refused"}
    assert dead_server_url in res.json["error"] and "connection refused" in res.json["error"]
    # the one envelope of an outside failure (issue 11)
    assert res.json["service"] == "nginx" and res.json["form_errors"] == {"Error_Main": res.json["error"]}
    assert res.json["servers"][dead_server_url]["result"] == "error"
    assert live.paths == [RESET + "/all"]
    # logged all the same, failure included
    [(_, payload)] = nginx_events(db)
    assert payload["result"] == "partial"
    assert payload["servers"][dead_server_url]["error"] == "connection_failed"
    assert payload["servers_failed"] == {dead_server_url: "connection refused"}


def test_flush_html(make_app, db, fake_nginx, dead_server_url):
    live = fake_nginx()
    app = nginx_app(make_app, live.url)
    page = app.get(ADMIN + "/api/nginx/cache-flush", status=200)
    assert live.url in page.text and "<button" in page.text
    assert live.requests == []  # a GET does nothing
    assert "<h1>nginx cache flush" in page.text and "&lt;function" not in page.text
    res = page.forms[1].submit(status=200)  # forms[0]: the header's search box
    assert "every server flushed its cache" in res.text
    assert "&#34;expired&#34;: &#34;all&#34;" in res.text
    assert live.paths == [RESET + "/all"]

    app = nginx_app(make_app, live.url, dead_server_url)
    res = app.post(ADMIN + "/api/nginx/cache-flush", status=502)
    assert "connection refused" in res.text and dead_server_url in res.text
    assert len(nginx_events(db)) == 2


# --- status


def test_status_is_a_read(make_app, db, fake_nginx, dead_server_url):
    a = fake_nginx(userpass=USERPASS)
    app = nginx_app(make_app, a.url, nginx__userpass=USERPASS)
    res = app.get(ADMIN + "/api/nginx/status.json", status=200)
    assert res.json["result"] == "success"
    assert res.json["servers"][a.url]["answer"]["server"] == "peter_sslers:fakeserver"
    assert res.json["servers"][a.url]["x_peter_sslers"] == "fakeserver"
    app.post(ADMIN + "/api/nginx/status.json", status=200)
    assert a.paths == [STATUS, STATUS]
    assert a.requests[0].authorization == BASIC
    assert nginx_events(db) == []

    app = nginx_app(make_app, a.url, dead_server_url, nginx__userpass="peter:wrong")
    res = app.get(ADMIN + "/api/nginx/status.json", status=502)
    assert res.json["result"] == "error"
    assert res.json["servers"][a.url]["status_code"] == 401
    assert "401" in res.json["servers_failed"][a.url]
    assert res.json["servers_failed"][dead_server_url] == "connection refused"


# --- expiry of one domain, of a certificate's domains


def test_expire_a_domain_by_name_and_by_id(make_app, db, dbsession, fake_nginx):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    app = nginx_app(make_app, a.url, b.url, nginx__userpass=USERPASS)
    res = app.post(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=200)
    assert res.json["result"] == "success"
    assert res.json["Domain"] == {"id": str(dbDomain.id), "domain_name": "example.com"}
    assert res.json["domains_success"] == ["example.com"]
    assert res.json["domain_ids"] == {"success": [str(dbDomain.id)], "failure": []}
    assert res.json["domains"]["example.com"]["servers"][b.url]["answer"]["domain"] == "example.com"
    res = app.post(ADMIN + "/domain/%s/nginx-cache-expire" % dbDomain.id, status=303)
    assert "result=success" in res.location and "operation=nginx-cache-expire" in res.location
    assert "operations_event=" in res.location
    for server in (a, b):
        assert server.paths == [RESET + "/domain/example.com"] * 2
        assert {r.authorization for r in server.requests} == {BASIC}
    events = nginx_events(db)
    assert [t for t, _ in events] == ["operations__nginx_cache_expire"] * 2
    payload = events[0][1]
    assert payload["domain_ids"] == {"success": [str(dbDomain.id)], "failure": []}
    assert payload["domains"]["example.com"]["servers"][a.url]["result"] == "success"
    assert object_events(db, res.location.split("operations_event=")[1].split("&")[0]) == [("Domain", dbDomain.id)]


def test_expire_a_domain_with_failures(make_app, db, dbsession, fake_nginx, dead_server_url):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    refusing = fake_nginx(userpass="peter:other")
    app = nginx_app(make_app, refusing.url, dead_server_url, nginx__userpass=USERPASS)
    res = app.post(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=502)
    assert res.json["result"] == "error"
    assert res.json["domains_failed"] == ["example.com"]
    assert res.json["domain_ids"]["success"] == []
    assert res.json["servers_failed"][dead_server_url] == "connection refused"
    assert "HTTP 401" in res.json["servers_failed"][refusing.url]
    assert res.json["domains"]["example.com"]["servers"][refusing.url]["error"] == "unauthorized"
    res = app.post(ADMIN + "/domain/example.com/nginx-cache-expire", status=303)
    assert "result=error" in res.location
    page = res.follow()
    assert "connection refused" in page.text and "HTTP 401" in page.text
    assert [p["result"] for _, p in nginx_events(db)] == ["error", "error"]


def test_expire_partial_never_claims_the_domain(make_app, db, dbsession, fake_nginx, dead_server_url):
    """2021 counted a domain as expired when any one server expired it; here every server must."""
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    live = fake_nginx()
    app = nginx_app(make_app, live.url, dead_server_url)
    res = app.post(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=502)
    assert res.json["result"] == "partial"
    assert res.json["domain_ids"] == {"success": [], "failure": [str(dbDomain.id)]}
    assert res.json["domains"]["example.com"]["servers"][live.url]["result"] == "success"
    assert live.paths == [RESET + "/domain/example.com"]


def test_expire_every_domain_of_a_certificate(make_app, db, fake_nginx):
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    app = nginx_app(make_app, a.url, b.url, nginx__userpass=USERPASS)
    cert_id = upload_certificate(app)
    names = data.facts("leaf_rsa_multi.cert.pem")["domains"]
    res = app.post(ADMIN + "/certificate-signed/%s/nginx-cache-expire.json" % cert_id, status=200)
    assert res.json["result"] == "success"
    assert res.json["CertificateSigned"] == {"id": cert_id, "domains": names}
    assert res.json["domains_success"] == names
    assert len(res.json["domain_ids"]["success"]) == len(names)
    for server in (a, b):
        assert server.paths == [RESET + "/domain/" + name for name in names]
        assert {r.authorization for r in server.requests} == {BASIC}
    event_id = res.json["operations_event"]["id"]
    touched = object_events(db, event_id)
    assert ("CertificateSigned", int(cert_id)) in touched
    assert len([t for t in touched if t[0] == "Domain"]) == len(names)
    [(_, payload)] = nginx_events(db)
    assert payload["certificate_signed_id"] == cert_id
    assert sorted(payload["domains"]) == names

    res = app.post(ADMIN + "/certificate-signed/%s/nginx-cache-expire" % cert_id, status=303)
    assert "result=success" in res.location
    assert "/certificate-signed/%s?" % cert_id in res.location


def test_expire_unknown_objects_are_not_found(make_app, db, fake_nginx):
    a = fake_nginx()
    app = nginx_app(make_app, a.url)
    app.post(ADMIN + "/domain/nowhere.example.com/nginx-cache-expire.json", status=404)
    app.post(ADMIN + "/certificate-signed/999/nginx-cache-expire.json", status=404)
    assert a.requests == []
    assert nginx_events(db) == []


def test_get_on_expire_calls_nothing(make_app, db, dbsession, fake_nginx):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    a = fake_nginx()
    app = nginx_app(make_app, a.url)
    app.get(ADMIN + "/domain/example.com/nginx-cache-expire", status=303)
    app.get(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=200)
    assert a.requests == []
    assert nginx_events(db) == []


# --- TLS and the time-out, through the settings


def test_tls_settings(make_app, db, fake_nginx, self_signed_tls):
    cert, key = self_signed_tls
    a = fake_nginx(tls=(cert, key))
    res = nginx_app(make_app, a.url).post(ADMIN + "/api/nginx/cache-flush.json", status=502)
    assert res.json["servers"][a.url]["error"] == "tls_failed"
    assert a.requests == []
    res = nginx_app(make_app, a.url, nginx__ca_bundle=cert).post(ADMIN + "/api/nginx/cache-flush.json", status=200)
    assert res.json["result"] == "success"
    app = nginx_app(make_app, a.url, nginx__servers_pool_allow_invalid="true", requests__disable_ssl_warning="true")
    assert app.post(ADMIN + "/api/nginx/cache-flush.json", status=200).json["result"] == "success"
    assert a.paths == [RESET + "/all", RESET + "/all"]


def test_timeout_setting(make_app, db, fake_nginx):
    hung = fake_nginx(mode=fake_server.MODE_HANG, hang_seconds=30)
    app = nginx_app(make_app, hung.url, nginx__timeout="0.5")
    started = time.monotonic()
    res = app.get(ADMIN + "/api/nginx/status.json", status=502)
    assert time.monotonic() - started < 5
    assert res.json["servers"][hung.url]["error"] == "timeout"
    assert "0.5 seconds" in res.json["error"]


# --- the pages


def test_pages_offer_the_actions(make_app, db, dbsession, fake_nginx):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    a = fake_nginx()
    app = nginx_app(make_app, a.url)
    cert_id = upload_certificate(app)
    page = app.get(ADMIN + "/domain/example.com")
    assert 'action="%s/domain/%s/nginx-cache-expire"' % (ADMIN, dbDomain.id) in page.text
    page = app.get(ADMIN + "/certificate-signed/%s" % cert_id)
    form = [f for f in page.forms.values() if f.action.endswith("/nginx-cache-expire")][0]
    res = form.submit(status=303)
    assert "result=success" in res.location
    page = app.get(ADMIN + "/api")
    assert ADMIN + "/api/nginx/cache-flush" in page.text and ADMIN + "/api/nginx/status.json" in page.text
    assert a.paths == [RESET + "/domain/" + name for name in data.facts("leaf_rsa_multi.cert.pem")["domains"]]


def test_operations_nginx_lists_the_events(make_app, db, dbsession, fake_nginx, dead_server_url):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    a = fake_nginx()
    app = nginx_app(make_app, a.url, dead_server_url)
    app.post(ADMIN + "/api/nginx/cache-flush.json", status=502)
    app.post(ADMIN + "/domain/example.com/nginx-cache-expire.json", status=502)
    app.post(ADMIN + "/domain/new.json", {"domain_name": "other.example.com"}, status=200)  # not an nginx event
    res = app.get(ADMIN + "/operations/nginx.json", status=200)
    events = res.json["OperationsEvents"]
    assert [e["operations_event_type"] for e in events] == [
        "operations__nginx_cache_expire",
        "operations__nginx_cache_flush",
    ]
    assert events[0]["event_payload"]["servers_failed"] == {dead_server_url: "connection refused"}
    assert res.json["pagination"]["total_items"] == 2
    page = app.get(ADMIN + "/operations/nginx", status=200)
    assert "example.com" in page.text and "connection refused" in page.text and "partial" in page.text
    app.get(ADMIN + "/operations/nginx/1.json", status=200)
    app.get(ADMIN + "/operations/nginx/9", status=303)


def test_operations_nginx_pages(testapp, ctx, dbsession):
    from peter_sslers.lib.db.logger import log__OperationsEvent

    for i in range(51):
        log__OperationsEvent(ctx, "operations__nginx_cache_flush", {"result": "success", "servers": {}}, child_of=None)
        ctx.dbOperationsEvent = None
    dbsession.commit()
    res = testapp.get(ADMIN + "/operations/nginx.json", status=200)
    assert res.json["pagination"]["page_last"] == 2
    res = testapp.get(ADMIN + "/operations/nginx/2.json", status=200)
    assert len(res.json["OperationsEvents"]) == 1
    assert json.dumps(res.json)  # plain JSON all the way down


# --- after a revocation, a compromised key, a deactivation (review finding 5)


def test_a_revocation_expires_its_domains_on_every_server(make_app, db, fake_nginx, caplog):
    a = fake_nginx(userpass=USERPASS)
    b = fake_nginx(userpass=USERPASS)
    app = nginx_app(make_app, a.url, b.url, nginx__userpass=USERPASS)
    certificate_id = upload_certificate(app)  # leaf_rsa_multi: a., b. and c.example.com
    events_before = len(nginx_events(db))
    with caplog.at_level("INFO", logger="peter_sslers.lib.db.actions_nginx"):
        res = app.post(ADMIN + "/certificate-signed/%s/mark.json" % certificate_id, {"action": "revoked"}, status=200)
    assert res.json["result"] == "success"
    expected = sorted(RESET + "/domain/%s.example.com" % name for name in "abc")
    for server in (a, b):
        assert sorted(server.paths) == expected
        assert {r.authorization for r in server.requests} == {BASIC}
    # after the commit: logged to the application log, not as an OperationsEvent
    assert len(nginx_events(db)) == events_before
    assert any("3 domain(s) expired on every server" in r.getMessage() for r in caplog.records)


def test_marking_a_domain_inactive_expires_it(make_app, db, dbsession, fake_nginx):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    a = fake_nginx()
    app = nginx_app(make_app, a.url)
    app.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    assert a.paths == [RESET + "/domain/example.com"]


def test_a_dead_nginx_never_fails_the_revocation(make_app, db, dbsession, dead_server_url, caplog):
    app = nginx_app(make_app, dead_server_url)
    certificate_id = upload_certificate(app)
    with caplog.at_level("INFO", logger="peter_sslers.lib.db.actions_nginx"):
        res = app.post(ADMIN + "/certificate-signed/%s/mark.json" % certificate_id, {"action": "revoked"}, status=502)
    # done (committed) but not at the edge: 502 `partial` naming the server (200 `success` before issue 11)
    assert res.json["result"] == "partial" and res.json["edge"]["nginx"] == {dead_server_url: "connection refused"}
    assert dbsession.get(m.CertificateSigned, int(certificate_id)).is_revoked
    errors_logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(dead_server_url in msg and "connection refused" in msg for msg in errors_logged), errors_logged


def test_a_failed_action_calls_no_server(make_app, db, fake_nginx):
    a = fake_nginx()
    app = nginx_app(make_app, a.url)
    certificate_id = upload_certificate(app)
    app.post(ADMIN + "/certificate-signed/%s/mark.json" % certificate_id, {"action": "active"}, status=400)
    assert a.paths == []
