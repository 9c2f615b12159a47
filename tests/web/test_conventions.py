"""The web conventions every admin route keeps: twins, pagination, envelopes, errors, headers."""

import webtest

from peter_sslers.model import objects as m
from tests import factories as f
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"


def add_domains(dbsession, count):
    for i in range(count):
        f.make_domain(dbsession, "d%03d.example.com" % i)
    dbsession.commit()


# --- pagination


def test_pagination_json_shape(testapp, dbsession):
    add_domains(dbsession, 51)
    res = testapp.get(ADMIN + "/domains.json", status=200)
    assert res.json["pagination"] == {
        "total_items": 51,
        "items_per_page": 50,
        "page": 1,
        "page_last": 2,
        "page_next": 2,
    }
    assert len(res.json["Domains"]) == 50
    res = testapp.get(ADMIN + "/domains/2.json", status=200)
    assert res.json["pagination"]["page"] == 2
    assert res.json["pagination"]["page_next"] is None
    assert list(d["domain_name"] for d in res.json["Domains"].values()) == ["d050.example.com"]


def test_pagination_exactly_one_page(testapp, dbsession):
    add_domains(dbsession, 50)
    res = testapp.get(ADMIN + "/domains.json", status=200)
    assert res.json["pagination"]["page_last"] == 1
    assert res.json["pagination"]["page_next"] is None
    testapp.get(ADMIN + "/domains/2.json", status=303)


def test_page_zero_goes_to_page_one(testapp):
    res = testapp.get(ADMIN + "/domains/0", status=303)
    assert res.location.endswith(ADMIN + "/domains/1")
    res = testapp.get(ADMIN + "/domains/0.json", status=303)
    assert res.location.endswith(ADMIN + "/domains/1.json")


def test_past_the_last_page_goes_to_the_last(testapp, dbsession):
    add_domains(dbsession, 120)
    res = testapp.get(ADMIN + "/domains/9", status=303)
    assert res.location.endswith(ADMIN + "/domains/3")
    res = testapp.get(ADMIN + "/domains/9.json", status=303)
    assert res.location.endswith(ADMIN + "/domains/3.json")
    # an empty list has one (empty) page
    res = testapp.get(ADMIN + "/operations/log/999?event_type=Domain__insert", status=303)
    assert res.location.endswith(ADMIN + "/operations/log/1?event_type=Domain__insert")


def test_pagination_keeps_the_query_string(testapp, ctx, dbsession):
    from peter_sslers.lib.db.getcreate import getcreate__Domain__by_domainName

    for i in range(60):  # 60 Domain__insert events
        getcreate__Domain__by_domainName(ctx, "d%03d.example.com" % i)
    dbsession.commit()
    res = testapp.get(ADMIN + "/operations/log.json?event_type=Domain__insert", status=200)
    assert res.json["pagination"]["total_items"] == 60
    res = testapp.get(ADMIN + "/operations/log", params={"event_type": "Domain__insert"}, status=200)
    assert "/operations/log/2?event_type=Domain__insert" in res.text


def test_non_numeric_page_is_not_found(testapp):
    res = testapp.get(ADMIN + "/domains/two.json", status=404)
    assert res.json["result"] == "error"


# --- 404 as JSON on .json paths


def test_404_json_on_json_paths(testapp):
    res = testapp.get(ADMIN + "/domain/nowhere.example.com.json", status=404)
    assert res.content_type == "application/json"
    assert res.json["result"] == "error"
    assert res.json["status"] == 404
    assert "nowhere.example.com" in res.json["message"]
    assert res.headers["X-Peter-SSLers"] == "production"
    res = testapp.get(ADMIN + "/no-such-route.json", status=404)
    assert res.json["result"] == "error"


def test_404_html_on_html_paths(testapp):
    res = testapp.get(ADMIN + "/domain/nowhere.example.com", status=404)
    assert res.content_type == "text/html"
    assert "nowhere.example.com" in res.text


# --- POST-only actions


def test_get_on_an_action_json_documents_it(testapp, db):
    res = testapp.get(ADMIN + "/domain/new.json", status=200)
    assert res.json["method"] == "POST"
    assert "HTTP POST required" in res.json["instructions"]
    assert "domain_name" in res.json["form_fields"]
    assert "curl" in res.json["example"]
    assert count_rows(db, m.Domain) == 0


def test_get_on_an_action_html_changes_nothing(testapp, dbsession, db):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    res = testapp.get(ADMIN + "/domain/example.com/mark?action=inactive", status=303)
    assert "result=error" in res.location
    assert "operation=mark" in res.location
    res = testapp.get(ADMIN + "/domain/example.com/mark.json?action=inactive", status=200)
    assert res.json["valid_options"] == {"action": ["active", "inactive"]}
    dbsession.expire_all()
    assert dbsession.query(m.Domain).one().is_active is True


# --- envelopes


def test_success_envelope_and_redirect(testapp):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=200)
    assert res.headers["Content-Type"] == "application/json; charset=utf-8"
    assert res.json["result"] == "success"
    assert res.json["is_created"] is True
    res = testapp.post(ADMIN + "/domain/new", {"domain_name": "example.org"}, status=303)
    assert "result=success" in res.location and "operation=new" in res.location
    # the result is shown on the page it lands on
    page = res.follow()
    assert "Done" in page.text


def test_error_envelope(testapp, db):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "not a domain"}, status=400)
    assert res.json["result"] == "error"
    assert "domain_name" in res.json["form_errors"]
    assert res.json["error"]
    res = testapp.post(ADMIN + "/domain/new", {"domain_name": "not a domain"}, status=400)
    assert "Nothing was changed" in res.text
    assert count_rows(db, m.Domain) == 0


# --- headers and cross-site protection


def test_admin_headers(testapp):
    res = testapp.get(ADMIN + "/domains", status=200)
    assert res.headers["X-Peter-SSLers"] == "production"
    assert res.headers["Cache-Control"] == "no-store"
    assert res.headers["X-Frame-Options"] == "DENY"


def test_cross_site_posts_are_refused(testapp, db):
    testapp.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com"},
        headers={"Origin": "http://evil.example.net"},
        status=403,
    )
    testapp.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com"},
        headers={"Sec-Fetch-Site": "cross-site"},
        status=403,
    )
    # same origin without the page's CSRF token: refused too (issue 11)
    testapp.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com"},
        headers={"Origin": "http://peter-sslers.example.com"},
        status=403,
    )
    assert count_rows(db, m.Domain) == 0
    # same origin with the token (a browser on the admin page) and no markers (curl) both work
    form = testapp.get(ADMIN + "/domain/new", status=200).forms[1]  # 0: the header's search box
    testapp.post(
        ADMIN + "/domain/new.json",
        {"domain_name": "example.com", "csrf_token": form["csrf_token"].value},
        headers={"Origin": "http://peter-sslers.example.com"},
        status=200,
    )
    testapp.reset()  # forget the CSRF cookie: curl sends none
    testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.org"}, status=200)


def test_unexpected_errors_answer_500_json_with_header(make_app, db, monkeypatch):
    from peter_sslers.lib.db import get

    def boom(*args, **kw):
        raise RuntimeError("boom")

    app = webtest.TestApp(make_app())
    monkeypatch.setattr(get, "get__Domain__count", boom)
    res = app.get(ADMIN + "/domains.json", status=500)
    assert res.json == {
        "result": "error",
        "status": 500,
        "error": "Internal Server Error",
        "message": "An unexpected error occurred.",
        "form_errors": {"Error_Main": "An unexpected error occurred."},  # the one envelope (issue 11)
    }
    assert res.headers["X-Peter-SSLers"] == "production"
    res = app.get(ADMIN + "/domains", status=500)
    assert res.headers["X-Peter-SSLers"] == "production"


def test_exception_redirect(make_app, db, monkeypatch):
    from peter_sslers.lib.db import get

    def boom(*args, **kw):
        raise RuntimeError("boom")

    app = webtest.TestApp(make_app(exception_redirect="true"))
    monkeypatch.setattr(get, "get__Domain__count", boom)
    res = app.get(ADMIN + "/domains", status=303)
    assert "result=error" in res.location
    # JSON answers are never redirected
    app.get(ADMIN + "/domains.json", status=500)


def test_failed_requests_return_their_connection(testapp, dbengine):
    """A request that ends in an error gives its database connection back to the pool."""
    before = dbengine.pool.checkedout()
    for _ in range(5):
        testapp.get(ADMIN + "/private-key/999.json", status=404)
        testapp.post(ADMIN + "/domain/new.json", {"domain_name": "not a name"}, status=400)
        testapp.get(ADMIN + "/domains.json", status=200)
    assert dbengine.pool.checkedout() == before


# --- every page without placeholders renders its own title


def test_every_plain_admin_page_renders_its_title(testapp, db):
    """GET every admin HTML route without placeholders: each answers and shows a real title.

    A Mako block named ``title`` shadows a template variable of the same name; pages that did
    this printed ``<function render_body.<locals>.title ...>`` as their heading.
    """
    from tests.web.test_routes import EXPECTED

    seen = 0
    for name, pattern in EXPECTED:
        if "|json" in name or "{" in pattern or not name.startswith("admin") or "static" in pattern:
            continue
        res = testapp.get(pattern, status="*")
        assert res.status_int in (200, 301, 302, 303), (pattern, res.status)
        if res.status_int == 200 and res.content_type == "text/html":
            seen += 1
            assert "function render_" not in res.text, pattern
            title = res.html.title.string if res.html.title else ""
            assert title.strip() and "function" not in title, (pattern, title)
    assert seen > 30
