"""Lists an operator can work with (issue 15, item 2): the domains list with the serving
certificate and its days left, the certificate filters (good and bad values, kept across pages),
the order and renewal-queue filters, numbered pagination, the header search box, the current
section in the navigation, internationalised names in Unicode. HTML and JSON; factories only."""

import pytest
from peter_sslers.lib import utils
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from peter_sslers.web.lib import navigation
from peter_sslers.web.lib.handler import Pagination
from tests import factories as f
from tests.web.test_health import DAY
from tests.web.test_health import HOUR
from tests.web.test_health import _certificate
from tests.web.test_health import _failed
from tests.web.test_health import _on_set
from tests.web.test_health import _queue_item
from tests.web.test_health import _recents
from tests.web.test_routes import _routes

ADMIN = "/.well-known/admin"
CERTS = ADMIN + "/certificate-signeds"


def _ids(*objects) -> set:
    return {str(o.id) for o in objects}


def _listed(testapp, path, params=None, key="CertificateSigneds") -> set:
    res = testapp.get(path, params or {}, status=200)
    items = res.json[key]
    return set(items) if isinstance(items, dict) else {i["id"] for i in items}


# --- certificates


@pytest.fixture
def certificates(dbsession, ctx):
    s = dbsession
    now = meta.utcnow()
    ca_a = f.make_certificate_ca(s, display_name="Issuer A")
    ca_b = f.make_certificate_ca(s, display_name="Issuer B")
    chain_a = f.make_certificate_ca_chain(s, cas=[ca_a])
    chain_b = f.make_certificate_ca_chain(s, cas=[ca_b])
    w = {"ca_a": ca_a, "ca_b": ca_b}
    w["soon"] = _certificate(s, ["soon.example.com", "www.soon.example.com"], now + 3 * DAY)
    w["month"] = _certificate(s, ["month.example.org"], now + 20 * DAY)
    w["fine"] = _certificate(s, ["fine.example.com"], now + 60 * DAY)
    w["fine_old"] = _on_set(s, w["fine"].unique_fqdn_set, now + 2 * DAY)  # not the latest
    w["expired"] = _certificate(s, ["expired.example.com"], now - 2 * DAY)
    w["deactivated"] = _certificate(s, ["off.example.com"], now + 30 * DAY, is_active=False, is_deactivated=True)
    w["revoked"] = _certificate(s, ["revoked.example.com"], now - DAY, is_active=False, is_revoked=True)
    w["idn"] = _certificate(s, ["xn--bcher-kva.example"], now + 80 * DAY)
    for cert, chain in ((w["soon"], chain_a), (w["month"], chain_a), (w["fine"], chain_b)):
        f._add(s, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain, is_upstream_default=True))
    _recents(ctx)
    return w


@pytest.mark.parametrize(
    "state, expected",
    [
        ("active", ["soon", "month", "fine", "fine_old", "expired", "idn"]),
        ("inactive", ["deactivated", "revoked"]),
        ("deactivated", ["deactivated"]),
        ("revoked", ["revoked"]),
        ("valid", ["soon", "month", "fine", "fine_old", "idn"]),
        ("expired", ["expired", "revoked"]),
        ("expired-active", ["expired"]),
    ],
)
def test_state_filter(testapp, certificates, state, expected):
    ids = _ids(*(certificates[k] for k in expected))
    assert _listed(testapp, CERTS + "/all.json", {"state": state}) == ids
    page = testapp.get(CERTS + "/all", {"state": state}, status=200)
    shown = {a.string for a in page.html.select("table.list tbody tr td:first-child a")}
    assert shown == ids
    # the form shows the chosen state
    assert page.html.find("select", attrs={"name": "state"}).find("option", selected=True)["value"] == state


def test_expiring_serving_ca_and_name_filters(testapp, certificates):
    w = certificates
    assert _listed(testapp, CERTS + "/all.json", {"expiring_days": "7"}) == _ids(w["soon"], w["fine_old"])
    assert _listed(testapp, CERTS + "/all.json", {"expiring_days": "7", "serving": "1"}) == _ids(w["soon"])
    assert _listed(testapp, CERTS + "/active.json", {"expiring_days": "30", "serving": "1"}) == _ids(w["soon"], w["month"])
    # soonest first with an expiry filter (inactive ones too on `all`)
    page = testapp.get(CERTS + "/all", {"expiring_days": "31"}, status=200)
    shown = [a.string for a in page.html.select("table.list tbody tr td:first-child a")]
    assert shown == [str(w[k].id) for k in ("fine_old", "soon", "month", "deactivated")]
    assert _listed(testapp, CERTS + "/all.json", {"serving": "1"}) == _ids(
        w["soon"], w["month"], w["fine"], w["expired"], w["idn"]
    )
    assert _listed(testapp, CERTS + "/all.json", {"serving": "0"}) == _ids(*w_certs(w))
    assert _listed(testapp, CERTS + "/all.json", {"ca": str(w["ca_a"].id)}) == _ids(w["soon"], w["month"])
    assert _listed(testapp, CERTS + "/all.json", {"ca": str(w["ca_b"].id)}) == _ids(w["fine"])
    # the name matches any SAN, any case; an internationalised name in Unicode or punycode
    assert _listed(testapp, CERTS + "/all.json", {"name": "WWW.soon"}) == _ids(w["soon"])
    assert _listed(testapp, CERTS + "/all.json", {"name": "example.org"}) == _ids(w["month"])
    assert _listed(testapp, CERTS + "/all.json", {"name": "bücher"}) == _ids(w["idn"])
    assert _listed(testapp, CERTS + "/all.json", {"name": "xn--bcher"}) == _ids(w["idn"])
    assert _listed(testapp, CERTS + "/all.json", {"name": "100%_"}) == set()
    # combined: AND
    assert _listed(testapp, CERTS + "/active.json", {"ca": str(w["ca_a"].id), "expiring_days": "7"}) == _ids(w["soon"])
    # unknown parameters are ignored; empty values are no filter
    assert _listed(testapp, CERTS + "/all.json", {"state": "", "name": " ", "foo": "bar"}) == _ids(*w_certs(w))
    # the form offers the issuers
    page = testapp.get(CERTS + "/all", status=200)
    options = [o.string for o in page.html.find("select", attrs={"name": "ca"}).find_all("option")]
    assert options == ["any", "Issuer A (#%d)" % w["ca_a"].id, "Issuer B (#%d)" % w["ca_b"].id]


def w_certs(w):
    return [v for k, v in w.items() if not k.startswith("ca_")]


def test_the_list_redirect_keeps_the_filters(testapp, certificates):
    res = testapp.get(CERTS, {"state": "expired"}, status=303)
    assert res.location.endswith(CERTS + "/all?state=expired")
    res = testapp.get(CERTS + ".json", {"expiring_days": "7"}, status=303)
    assert res.location.endswith(CERTS + "/active.json?expiring_days=7")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"state": "bogus"}, "state"),
        ({"state": "Active"}, "state"),
        ({"expiring_days": "0"}, "expiring_days"),
        ({"expiring_days": "3651"}, "expiring_days"),
        ({"expiring_days": "-1"}, "expiring_days"),
        ({"expiring_days": "seven"}, "expiring_days"),
        ({"expiring_days": "1.5"}, "expiring_days"),
        ({"expiring_days": "9" * 40}, "expiring_days"),
        ({"serving": "maybe"}, "serving"),
        ({"ca": "abc"}, "ca"),
        ({"ca": "99999"}, "ca"),
        ({"ca": "9" * 30}, "ca"),
        ({"name": "x" * 256}, "name"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_bad_certificate_filters_are_400(testapp, certificates, params, field):
    res = testapp.get(CERTS + "/all.json", params, status=400)
    assert res.json["result"] == "error" and res.json["status"] == 400
    assert res.json["message"].startswith("`%s`:" % field)
    res = testapp.get(CERTS + "/all", params, status=400)
    assert "`%s`" % field in res.text
    # the paginated twins too
    testapp.get(CERTS + "/all/1.json", params, status=400)


def test_filters_are_kept_across_pages(testapp, dbsession, ctx):
    s = dbsession
    now = meta.utcnow()
    fqdn_set = f.make_fqdn_set(s, ["paged.example.com"])
    for n in range(55):
        _on_set(s, fqdn_set, now + (10 + n) * HOUR)
    _certificate(s, ["other.example.com"], now + 2 * DAY)  # filtered out by name
    s.commit()
    res = testapp.get(CERTS + "/all.json", {"name": "paged", "expiring_days": "7"}, status=200)
    assert res.json["pagination"]["total_items"] == 55 and res.json["pagination"]["page_next"] == 2
    page = testapp.get(CERTS + "/all", {"name": "paged", "expiring_days": "7"}, status=200)
    links = page.html.find("nav", class_="pagination").find_all("a")
    page_2 = next(a for a in links if a.string == "2")
    assert page_2["href"] == CERTS + "/all/2?name=paged&expiring_days=7"
    second = testapp.get(page_2["href"], status=200)
    assert len(second.html.select("table.list tbody tr")) == 5
    res = testapp.get(CERTS + "/all/2.json", {"name": "paged", "expiring_days": "7"}, status=200)
    assert len(res.json["CertificateSigneds"]) == 5
    # past the last page: to the last, the filters kept
    res = testapp.get(CERTS + "/all/9", {"name": "paged"}, status=303)
    assert res.location.endswith(CERTS + "/all/2?name=paged")


# --- orders and the renewal queue


def test_failed_orders_and_days(testapp, dbsession):
    s = dbsession
    now = meta.utcnow()
    status = model_utils.Acme_Status_Order
    invalid = f.make_acme_order(s, acme_status_order_id=status.INVALID)
    deactivated = f.make_acme_order(s, acme_status_order_id=status.DEACTIVATED, timestamp_created=now - 40 * DAY)
    old = f.make_acme_order(s, acme_status_order_id=status.INVALID, timestamp_created=now - 40 * DAY)
    valid = f.make_acme_order(s, acme_status_order_id=status.VALID)
    s.commit()
    key = "AcmeOrders"
    assert _listed(testapp, ADMIN + "/acme-orders/failed.json", key=key) == _ids(invalid, deactivated, old)
    assert _listed(testapp, ADMIN + "/acme-orders/failed.json", {"days": "7"}, key=key) == _ids(invalid)
    assert _listed(testapp, ADMIN + "/acme-orders/all.json", {"days": "7"}, key=key) == _ids(invalid, valid)
    page = testapp.get(ADMIN + "/acme-orders/failed", status=200)
    assert page.html.find("a", href=ADMIN + "/acme-orders/failed") is not None  # the tab
    for bad in ("0", "x", "3651"):
        res = testapp.get(ADMIN + "/acme-orders/failed.json", {"days": bad}, status=400)
        assert res.json["message"].startswith("`days`:")
        testapp.get(ADMIN + "/acme-orders/failed", {"days": bad}, status=400)


def test_unresolved_renewal_failures(testapp, dbsession, ctx):
    s = dbsession
    now = meta.utcnow()
    cert = _certificate(s, ["renew.example.com"], now + 20 * DAY)
    current = _failed(s, cert.unique_fqdn_set, now - HOUR, certificate_signed__source=cert, unique_fqdn_set__source=None)
    fixed = _certificate(s, ["fixed.example.com"], now + 50 * DAY)
    old_failure = _failed(s, fixed.unique_fqdn_set, now - 2 * DAY)
    _queue_item(s, fixed.unique_fqdn_set, is_active=False, process_result=True, timestamp_processed=now - DAY)
    _recents(ctx)
    path = ADMIN + "/queue-certificates/failures.json"
    assert _listed(testapp, path, key="QueueCertificates") == _ids(current, old_failure)
    assert _listed(testapp, path, {"unresolved": "1"}, key="QueueCertificates") == _ids(current)
    testapp.get(ADMIN + "/queue-certificates/failures", {"unresolved": "1"}, status=200)
    res = testapp.get(path, {"unresolved": "perhaps"}, status=400)
    assert res.json["message"].startswith("`unresolved`:")
    res = testapp.get(ADMIN + "/queue-certificates/all.json", {"unresolved": "1"}, status=400)
    assert "failures" in res.json["message"]


# --- domains: the serving certificate, days left, colours, IDN


def test_domains_show_the_serving_certificate_and_days_left(testapp, dbsession, ctx):
    s = dbsession
    now = meta.utcnow()
    cases = {
        "a-soon.example.com": (now + 3 * DAY, "days-7"),
        "b-month.example.com": (now + 20 * DAY, "days-30"),
        "c-fine.example.com": (now + 60 * DAY, "days-ok"),
        "d-expired.example.com": (now - 2 * DAY, "days-expired"),
    }
    certs = {name: _certificate(s, [name], not_after) for name, (not_after, _css) in cases.items()}
    f.make_domain(s, "e-bare.example.com")
    f.make_domain(s, "xn--bcher-kva.example")
    _recents(ctx)
    page = testapp.get(ADMIN + "/domains", status=200)
    rows = {row.find_all("td")[1].get_text(" ", strip=True): row for row in page.html.select("table.list tbody tr")}
    for name, (_not_after, css) in cases.items():
        cells = rows[name].find_all("td")
        assert cells[3].find("a").string == str(certs[name].id)
        assert cells[4].find("span", class_="days")["class"] == ["days", css]
    assert "expired" in rows["d-expired.example.com"].find_all("td")[4].text
    assert "none" in rows["e-bare.example.com"].find_all("td")[3].text
    # an IDN: Unicode, the punycode beside; the link and the JSON keep the stored name
    idn = rows["bücher.example (xn--bcher-kva.example)"]
    assert idn.find("span", class_="idn").string == "bücher.example"
    assert idn.find("span", class_="punycode").string == "(xn--bcher-kva.example)"
    res = testapp.get(ADMIN + "/domains.json", status=200)
    assert "xn--bcher-kva.example" in {d["domain_name"] for d in res.json["Domains"].values()}
    # the expiring list uses the same table
    page = testapp.get(ADMIN + "/domains/expiring", status=200)
    assert page.html.find("span", class_="days-7") is not None


def test_domain_name_unicode():
    assert utils.domain_name_unicode("xn--bcher-kva.example") == "bücher.example"
    assert utils.domain_name_unicode("*.xn--bcher-kva.example") == "*.bücher.example"
    assert utils.domain_name_unicode("www.xn--fiqs8s.xn--fiqs8s") == "www.中国.中国"
    assert utils.domain_name_unicode("example.com") is None
    assert utils.domain_name_unicode("xn--broken-.example") is None  # not decodable: shown as stored
    assert utils.domain_name_unicode("") is None


def test_certificate_tables_show_idns(testapp, certificates):
    page = testapp.get(CERTS + "/all", status=200)
    assert page.html.find("span", class_="idn", string="bücher.example") is not None


# --- pagination


@pytest.mark.parametrize(
    "page, last, expected",
    [
        (1, 1, [1]),
        (1, 2, [1, 2]),
        (1, 10, [1, 2, 3, None, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
        (5, 10, [1, 2, 3, 4, 5, 6, 7, None, 10]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_page_numbers(page, last, expected):
    pagination = Pagination(page, 50, last * 50, "/x/{page}")
    assert pagination.page_numbers() == expected


def test_numbered_pagination_on_a_list(testapp, dbsession):
    s = dbsession
    event = f.make_event(s)
    for n in range(50 * 7 + 1):  # 8 pages
        s.add(m.Domain(domain_name="p%04d.example.com" % n, operations_event__created=event))
    s.commit()
    page = testapp.get(ADMIN + "/domains", status=200)
    nav = page.html.find("nav", class_="pagination")
    assert [a.string for a in nav.find_all("a")] == ["1", "2", "3", "8", "next \u2192"]
    assert nav.find("a", class_="current")["aria-current"] == "page"
    assert nav.find("a", class_="current").string == "1"
    assert len(nav.find_all("span", class_="gap")) == 1
    page = testapp.get(ADMIN + "/domains/6", status=200)
    nav = page.html.find("nav", class_="pagination")
    numbers = [a.string for a in nav.find_all("a") if a.string.isdigit()]
    assert numbers == ["1", "4", "5", "6", "7", "8"]
    assert nav.find("a", class_="current").string == "6"
    assert nav.find("a", rel="prev")["href"] == ADMIN + "/domains/5"
    assert nav.find("a", string="8")["href"] == ADMIN + "/domains/8"


# --- every page: the header search box, the current section


def test_search_box_in_every_header(testapp, dbsession):
    f.make_domain(dbsession, "findme.example.com")
    dbsession.commit()
    for path in ("", "/domains", "/certificate-signeds/active", "/settings", "/api/health"):
        page = testapp.get(ADMIN + path, status=200)
        form = page.html.find("header").find("form", role="search")
        assert form["action"] == ADMIN + "/domains/search" and form["method"] == "GET"
        assert form.find("input", attrs={"name": "domain"}) is not None
    res = testapp.get(ADMIN + "/domains/search", {"domain": "findme"}, status=200)
    assert res.html.find("a", string="findme.example.com") is not None


@pytest.mark.parametrize(
    "path, section",
    [
        ("/domains", "Domains"),
        ("/domains/expiring", "Domains"),
        ("/domains-blocklisted", "Domains"),
        ("/certificate-signeds/all", "Certificates"),
        ("/acme-orders/all", "Orders"),
        ("/queue-certificates/unprocessed", "Renewals"),
        ("/queue-domains", "Queue"),
        ("/coverage-assurance-events/all", "Coverage"),
        ("/settings", "Settings"),
        ("/api/health", "API"),
        ("/search", "Search"),
    ],
)
def test_the_current_section_is_marked(testapp, path, section):
    page = testapp.get(ADMIN + path, status=200)
    marked = page.html.find("header").find_all(attrs={"aria-current": "page"})
    assert [a.string for a in marked] == [section]
    assert "current" in marked[0]["class"]


def test_a_focus_page_is_under_its_object_and_the_index_marks_the_brand(testapp, dbsession):
    domain = f.make_domain(dbsession, "focus.example.com")
    dbsession.commit()
    page = testapp.get(ADMIN + "/domain/%d/acme-orders" % domain.id, status=200)
    assert [a.string for a in page.html.find("header").find_all(attrs={"aria-current": "page"})] == ["Domains"]
    page = testapp.get(ADMIN, status=200)
    marked = page.html.find("header").find_all(attrs={"aria-current": "page"})
    assert [a.string for a in marked] == ["peter_sslers"]


def test_every_admin_route_belongs_to_a_section():
    names = [name for name, _pattern in _routes(enable_acme_flow="true")]
    unplaced = {
        navigation.route_object(name)
        for name in names
        if name.startswith("admin:") and navigation.route_object(name) not in navigation._SECTION_OF_OBJECT
    }
    assert unplaced == {"index_slash", "whoami"}


def test_idns_show_in_unicode_on_the_object_pages(testapp, dbsession, ctx):
    """Every page that lists a certificate's, an order's or a set's names shows an IDN in Unicode with
    the punycode beside (the links keep the stored name)."""
    s = dbsession
    cert = _certificate(s, ["xn--bcher-kva.example", "www.xn--bcher-kva.example"], meta.utcnow() + 60 * DAY)
    s.add(m.DomainBlocklisted(domain_name="xn--mnchen-3ya.example"))
    s.commit()
    _recents(ctx)
    pages = [
        ADMIN + "/certificate-signed/%s" % cert.id,
        ADMIN + "/unique-fqdn-set/%s" % cert.unique_fqdn_set_id,
        ADMIN + "/certificate-signeds/all",
    ]
    for path in pages:
        page = testapp.get(path, status=200)
        shown = [span.string for span in page.html.select("span.idn")]
        assert "bücher.example" in shown and "www.bücher.example" in shown, path
        assert "(xn--bcher-kva.example)" in [span.string for span in page.html.select("span.punycode")], path
    page = testapp.get(ADMIN + "/domains-blocklisted", status=200)
    assert [span.string for span in page.html.select("span.idn")] == ["münchen.example"]
