"""The dashboard (issue 15, item 1): the admin index and `/index.json`.

Each figure is checked against seeded data, and its link is followed: the list behind it holds
exactly the items counted (HTML and JSON). Redis and nginx: disabled, reachable, unreachable,
never a 500. Factories only; the Redis and nginx servers are gated by their switches.
"""

import time
import urllib.parse

import pytest

from peter_sslers.lib.db import health
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f
from tests.nginx_fake import dead_server_url  # noqa: F401  (fixtures)
from tests.nginx_fake import fake_nginx  # noqa: F401
from tests.web.test_health import DAY
from tests.web.test_health import HOUR
from tests.web.test_health import _certificate
from tests.web.test_health import _failed
from tests.web.test_health import _on_set
from tests.web.test_health import _queue_item
from tests.web.test_health import _recents
from tests.web.test_nginx import nginx_app

ADMIN = "/.well-known/admin"
ORDER = model_utils.Acme_Status_Order


@pytest.fixture
def world(dbsession, ctx):
    """What the figures count, and what they must leave out (each case named)."""
    s = dbsession
    now = meta.utcnow()
    w = {}
    # the latest certificates of active domains
    w["soon"] = _certificate(s, ["soon.example.com"], now + 3 * DAY)  # within 7 and 30 days
    w["month"] = _certificate(s, ["month.example.com", "www.month.example.com"], now + 20 * DAY)  # within 30
    w["fine"] = _certificate(s, ["fine.example.com"], now + 60 * DAY)  # neither
    w["expired"] = _certificate(s, ["expired.example.com"], now - 2 * DAY)  # expired, still active, latest
    # older certificates of fine's names, still active: not the latest, so not "expiring"...
    w["fine_old"] = _on_set(s, w["fine"].unique_fqdn_set, now + 2 * DAY)
    # ...but an expired one is "expired but still active"
    w["fine_expired"] = _on_set(s, w["fine"].unique_fqdn_set, now - 5 * DAY)
    # inactive: never counted
    w["off"] = _certificate(s, ["off.example.com"], now - 3 * DAY, is_active=False, is_deactivated=True)
    w["off_soon"] = _certificate(s, ["off-soon.example.com"], now + 2 * DAY, is_active=False, is_deactivated=True)

    # orders: failed within 7 days (invalid; deactivated, updated yesterday), and not
    w["order_invalid"] = f.make_acme_order(s, acme_status_order_id=ORDER.INVALID)
    w["order_deactivated"] = f.make_acme_order(
        s, acme_status_order_id=ORDER.DEACTIVATED, timestamp_created=now - 30 * DAY, timestamp_updated=now - DAY
    )
    w["order_invalid_old"] = f.make_acme_order(s, acme_status_order_id=ORDER.INVALID, timestamp_created=now - 30 * DAY)
    w["order_valid"] = f.make_acme_order(s, acme_status_order_id=ORDER.VALID)
    w["order_pending"] = f.make_acme_order(s, acme_status_order_id=ORDER.PENDING)

    # renewals: one failed and not renewed since; one failed then succeeded (a failure, not counted)
    w["renewal_failed"] = _failed(
        s, w["month"].unique_fqdn_set, now - HOUR, certificate_signed__source=w["month"], unique_fqdn_set__source=None
    )
    fixed = _certificate(s, ["fixed.example.com"], now + 50 * DAY)
    w["renewal_fixed"] = _failed(s, fixed.unique_fqdn_set, now - 2 * DAY)
    _queue_item(s, fixed.unique_fqdn_set, is_active=False, process_result=True, timestamp_processed=now - DAY)

    # the queues: two waiting renewals, two waiting names (and a processed one)
    w["queue_certificate_oldest"] = _queue_item(s, f.make_fqdn_set(s), timestamp_created=now - 3 * HOUR)
    _queue_item(s, f.make_fqdn_set(s), timestamp_created=now - HOUR)
    event = f.make_event(s)
    w["queue_domain_oldest"] = f._add(
        s, m.QueueDomain(domain_name="queued-1.example.com", operations_event__created=event, timestamp_created=now - 5 * HOUR)
    )
    f._add(s, m.QueueDomain(domain_name="queued-2.example.com", operations_event__created=event))
    f._add(s, m.QueueDomain(domain_name="queued-3.example.com", operations_event__created=event, is_active=False))
    _recents(ctx)
    return w


def _ids(*objects) -> set:
    return {str(o.id) for o in objects}


def _follow(testapp, url_json: str, key: str) -> set:
    """The ids the JSON list at ``url_json`` holds (one page: the seeded lists are short)."""
    res = testapp.get(url_json, status=200)
    assert res.json["pagination"]["page_last"] == 1
    items = res.json[key]
    return set(items.keys()) if isinstance(items, dict) else {i["id"] for i in items}


def test_the_figures_count_the_seeded_data(testapp, world):
    res = testapp.get(ADMIN + "/index.json", status=200)
    figures = res.json["figures"]
    counts = {key: figure["count"] for key, figure in figures.items()}
    assert counts == {
        "certificates_expiring_7_days": 1,  # soon (fine_old is not the latest; off_soon inactive)
        "certificates_expiring_30_days": 2,  # soon, month
        "certificates_expired_active": 2,  # expired, fine_expired (off is inactive)
        "certificates_expired_serving": 1,  # expired: the latest of its domain
        "acme_orders_failed": 2,  # invalid now, deactivated yesterday (not the one of 30 days ago)
        "renewals_failed": 1,  # month's (fixed's was followed by a success)
    }
    queues = res.json["queues"]
    assert queues["queue_certificate"]["waiting"] == 2
    assert queues["queue_certificate"]["oldest_waiting"]["id"] == str(world["queue_certificate_oldest"].id)
    assert 3 * 3600 <= queues["queue_certificate"]["oldest_waiting"]["seconds"] < 3 * 3600 + 120
    assert queues["queue_domain"]["waiting"] == 2
    assert queues["queue_domain"]["oldest_waiting"]["id"] == str(world["queue_domain_oldest"].id)
    testapp.get(queues["queue_domain"]["oldest_waiting"]["url"], status=200)
    testapp.get(queues["queue_certificate"]["oldest_waiting"]["url"], status=200)
    assert res.json["coverage_events_unresolved"]["count"] == 0
    # the health status is the one /api/health.json reports
    report = testapp.get(ADMIN + "/api/health.json", status=200).json
    assert res.json["health"] == {"status": report["status"], "reasons": report["reasons"], "days": report["days"]}
    assert res.json["redis"] == {"enabled": False, "reachable": None, "state": "disabled", "error": None}
    assert res.json["nginx"] == {"enabled": False, "reachable": None, "state": "disabled", "error": None}


def test_each_figure_links_to_exactly_its_items(testapp, world):
    w = world
    expected = {
        "certificates_expiring_7_days": ("CertificateSigneds", _ids(w["soon"])),
        "certificates_expiring_30_days": ("CertificateSigneds", _ids(w["soon"], w["month"])),
        "certificates_expired_active": ("CertificateSigneds", _ids(w["expired"], w["fine_expired"])),
        "certificates_expired_serving": ("CertificateSigneds", _ids(w["expired"])),
        "acme_orders_failed": ("AcmeOrders", _ids(w["order_invalid"], w["order_deactivated"])),
        "renewals_failed": ("QueueCertificates", _ids(w["renewal_failed"])),
    }
    figures = testapp.get(ADMIN + "/index.json", status=200).json["figures"]
    page = testapp.get(ADMIN, status=200)
    for key, (json_key, ids) in expected.items():
        figure = figures[key]
        assert figure["url_json"].startswith(ADMIN + "/") and ".json?" in figure["url_json"]
        assert _follow(testapp, figure["url_json"], json_key) == ids, key
        # the HTML figure links to the HTML list, which shows the same items
        link = page.html.find(id="figure-" + key)
        assert link["href"] == figure["url"] and link.find(class_="count").string == str(len(ids))
        listing = testapp.get(link["href"], status=200)
        shown = {a.string for a in listing.html.select("table.list tbody tr td:first-child a")}
        assert shown == ids, key


def test_the_index_html_shows_queues_edge_and_health(testapp, world):
    page = testapp.get(ADMIN, status=200)
    text = page.text
    assert "2 waiting" in text
    assert page.html.find("a", href=ADMIN + "/queue-domain/%d" % world["queue_domain_oldest"].id) is not None
    assert page.html.find("a", href=ADMIN + "/queue-certificate/%d" % world["queue_certificate_oldest"].id) is not None
    assert "disabled" in page.html.find("h2", string="Edge").find_next("table").text
    status = page.html.find(class_="health").string
    assert status in health.STATUSES and status != "ok"  # an expired latest certificate: critical
    # no coverage events: no figure for them
    assert page.html.find(id="figure-coverage_events_unresolved") is None
    # the JSON twin is linked
    assert page.html.find("a", href=ADMIN + "/index.json") is not None


def test_an_empty_database(testapp):
    res = testapp.get(ADMIN + "/index.json", status=200)
    assert set(f["count"] for f in res.json["figures"].values()) == {0}
    assert res.json["queues"]["queue_domain"] == {
        "waiting": 0,
        "url": ADMIN + "/queue-domains",
        "oldest_waiting": None,
    }
    testapp.get(ADMIN, status=200)


def test_unresolved_coverage_events_are_shown_when_they_exist(testapp, dbsession, ctx):
    from peter_sslers.lib.db import coverage

    cert = _certificate(dbsession, ["covered.example.com"], meta.utcnow() + 40 * DAY)
    assert coverage.raise_certificate_revoked(ctx, cert, via_acme=False) is not None
    dbsession.commit()
    res = testapp.get(ADMIN + "/index.json", status=200)
    assert res.json["coverage_events_unresolved"]["count"] == 1
    page = testapp.get(ADMIN, status=200)
    link = page.html.find(id="figure-coverage_events_unresolved")
    assert link["href"] == ADMIN + "/coverage-assurance-events/unresolved"
    assert link.find(class_="count").string == "1"
    listing = testapp.get(ADMIN + "/coverage-assurance-events/unresolved.json", status=200)
    assert listing.json["pagination"]["total_items"] == 1


def test_redis_down_is_shown_not_a_500(make_app, db, closed_redis_url):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    app = BrowserTestApp(
        make_app(**{"enable_redis": "true", "redis.url": closed_redis_url, "redis.prime_style": "1"}),
        extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"},
    )
    res = app.get(ADMIN + "/index.json", status=200)
    assert res.json["redis"]["enabled"] is True and res.json["redis"]["reachable"] is False
    assert res.json["redis"]["state"] == "unreachable" and res.json["redis"]["error"]
    assert "unreachable" in app.get(ADMIN, status=200).text


def test_a_hung_redis_is_given_a_short_time(make_app, db, hung_redis):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    app = BrowserTestApp(
        make_app(**{"enable_redis": "true", "redis.url": hung_redis.url, "redis.prime_style": "1"}),
        extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"},
    )
    started = time.monotonic()
    res = app.get(ADMIN + "/index.json", status=200)
    assert time.monotonic() - started < 5
    assert res.json["redis"]["state"] == "unreachable"


def test_redis_up_is_reachable(make_redis_app):
    app = make_redis_app()
    res = app.get(ADMIN + "/index.json", status=200)
    assert res.json["redis"]["reachable"] is True and res.json["redis"]["state"] == "reachable"


def test_nginx_reachable_and_not(make_app, db, fake_nginx, dead_server_url):  # noqa: F811
    live = fake_nginx()
    app = nginx_app(make_app, live.url)
    res = app.get(ADMIN + "/index.json", status=200)
    assert res.json["nginx"]["reachable"] is True and res.json["nginx"]["servers"] == {live.url: None}
    app = nginx_app(make_app, dead_server_url, live.url)
    res = app.get(ADMIN + "/index.json", status=200)
    nginx = res.json["nginx"]
    assert nginx["enabled"] is True and nginx["reachable"] is False and nginx["state"] == "unreachable"
    assert nginx["servers"][live.url] is None and nginx["servers"][dead_server_url]
    assert dead_server_url in nginx["error"]
    page = app.get(ADMIN, status=200)
    assert "unreachable" in page.text


def test_the_index_documents_itself(testapp):
    res = testapp.get(ADMIN + "/api.json", status=200)
    assert any(e["endpoint"].endswith("/index.json") for e in res.json["endpoints"])


def test_figure_links_keep_their_filters_in_the_query_string(testapp, world):
    figures = testapp.get(ADMIN + "/index.json", status=200).json["figures"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(figures["certificates_expiring_7_days"]["url"]).query)
    assert query == {"serving": ["1"], "expiring_days": ["7"]}


def test_the_index_queries_do_not_grow_with_the_data(testapp, dbsession, ctx, count_queries):
    def seed(n, tag):
        now = meta.utcnow()
        for i in range(n):
            _certificate(dbsession, ["%s-soon-%d.example.com" % (tag, i)], now + 3 * DAY)
            _certificate(dbsession, ["%s-gone-%d.example.com" % (tag, i)], now - 3 * DAY)
            f.make_acme_order(dbsession, acme_status_order_id=ORDER.INVALID)
            _queue_item(dbsession, f.make_fqdn_set(dbsession))
        _recents(ctx)

    seed(1, "a")
    paths = (ADMIN + "/index.json", ADMIN, ADMIN + "/domains", ADMIN + "/certificate-signeds/all")
    for n, path in enumerate(paths):
        with count_queries() as small:
            testapp.get(path, status=200)
        seed(10, "b%d" % n)
        with count_queries() as large:
            testapp.get(path, status=200)
        assert large.count == small.count, path
