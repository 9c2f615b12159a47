"""The views operators use (issue 14 item 4): calendars, the domain search and the name lookup,
the expiring and challenged domains, the per-object lists, the order audit, the sync of every
active order, the object log. HTML and JSON, good and bad input; none of these views changes anything.

The sync of the active orders against pebble is at the end (gated by SSL_RUN_LETSENCRYPT_API_TESTS).
"""

import datetime

import pytest

from peter_sslers.lib.db import queues
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import factories as f
from tests.conftest import count_rows
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture: the app for the always-valid pebble)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_orders import freeform

ADMIN = "/.well-known/admin"
DAY = datetime.timedelta(days=1)


def certificate(s, fqdn_set, not_after_days, not_before_days=-10, **kw):
    now = meta.utcnow()
    return f.make_certificate_signed(
        s,
        fqdn_set=fqdn_set,
        timestamp_not_before=now + not_before_days * DAY,
        timestamp_not_after=now + not_after_days * DAY,
        **kw,
    )


@pytest.fixture
def world(dbsession):
    """Two sets: `example.com, www.example.com` (with an account's order, its certificate, a CSR,
    an authorization and challenge, a renewal item) and `other.example.net` (the same, elsewhere)."""
    w = {}
    for tag, names in (("main", ["example.com", "www.example.com"]), ("other", ["other.example.net"])):
        account = f.make_account(dbsession)
        key = f.make_private_key(dbsession)
        fqdn_set = f.make_fqdn_set(dbsession, names)
        cert = certificate(dbsession, fqdn_set, 60, private_key=key)
        csr = f.make_certificate_request(dbsession, fqdn_set=fqdn_set)
        order = f.make_acme_order(
            dbsession, account=account, fqdn_set=fqdn_set, private_key=key, certificate_signed=cert, certificate_request=csr
        )
        domain = fqdn_set.to_domains[0].domain
        authz = f.make_authorization(dbsession, order=order, domain=domain)
        challenge = f.make_challenge(dbsession, authorization=authz)
        queue_item = f._add(
            dbsession,
            f.make_queue_certificate(
                dbsession, unique_fqdn_set=fqdn_set, certificate_signed__source=cert, acme_account=account, private_key=key
            ),
        )
        w[tag] = dict(
            account=account, key=key, set=fqdn_set, cert=cert, csr=csr, order=order, domain=domain, authz=authz,
            challenge=challenge, queue=queue_item,
        )
    dbsession.commit()
    return w


def ids(listing) -> set:
    """The ids of a JSON list (a dict keyed by id, or a list of objects)."""
    if isinstance(listing, dict):
        return set(listing)
    return {item["id"] for item in listing}


# --- the focus route's identifier: an id or a name, as typed


@pytest.mark.parametrize(
    "identifier",
    ["b%C3%BCcher.example", "B%C3%9CCHER.example", "xn--bcher-kva.example", "XN--BCHER-KVA.EXAMPLE.", "b%C3%BCcher.example."],
)
def test_idn_and_trailing_dot_resolve(testapp, dbsession, identifier):
    dbDomain = f.make_domain(dbsession, "xn--bcher-kva.example")
    dbsession.commit()
    res = testapp.get(ADMIN + "/domain/%s.json" % identifier, status=200)
    assert res.json["Domain"]["id"] == str(dbDomain.id)
    assert "xn--bcher-kva.example" in testapp.get(ADMIN + "/domain/%s" % identifier, status=200).text
    config = testapp.get(ADMIN + "/domain/%s/config.json" % identifier, status=200).json
    assert config["domain"]["domain_name"] == "xn--bcher-kva.example"


def test_trailing_dot_on_an_ascii_name(testapp, dbsession):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    assert testapp.get(ADMIN + "/domain/example.com..json").json["Domain"]["id"] == str(dbDomain.id)
    testapp.get(ADMIN + "/domain/example.com.", status=200)
    testapp.get(ADMIN + "/domain/example.com./certificate-signeds.json", status=200)


@pytest.mark.parametrize("identifier", ["nowhere.example.com", "n%C3%BCwhere.example.", "%E2%98%83", ".", "a%00b"])
def test_unknown_names_are_404(testapp, db, identifier):
    res = testapp.get(ADMIN + "/domain/%s.json" % identifier, status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + "/domain/%s/calendar.json" % identifier, status=404)


# --- calendar.json


def test_domain_calendar(testapp, dbsession, ctx):
    fqdn_set = f.make_fqdn_set(dbsession, ["example.com", "www.example.com"])
    now = meta.utcnow()
    active = certificate(dbsession, fqdn_set, 60, not_before_days=-30)
    old = certificate(dbsession, fqdn_set, -40, not_before_days=-130, is_active=False, is_deactivated=True)
    elsewhere = certificate(dbsession, f.make_fqdn_set(dbsession, ["example.org"]), 10)
    dbsession.commit()

    def day(ts):
        return ts.strftime("%Y-%m-%d")

    def week(ts):
        iso = ts.isocalendar()
        return "%04d.%02d" % (iso[0], iso[1])

    expected_issues = {}
    for cert in (active, old):
        expected_issues[week(cert.timestamp_not_before)] = expected_issues.get(week(cert.timestamp_not_before), 0) + 1
    example_com = fqdn_set.to_domains[0].domain
    for identifier, name in (("example.com", "example.com"), ("WWW.example.com.", "www.example.com"), (str(example_com.id), "example.com")):
        res = testapp.get(ADMIN + "/domain/%s/calendar.json" % identifier, status=200).json
        assert res["Domain"]["domain_name"] == name
        assert res["issues"] == dict(sorted(expected_issues.items()))
        assert res["issued"] == dict(
            sorted({day(active.timestamp_not_before): 1, day(old.timestamp_not_before): 1}.items())
        )
        # the active certificate only: when it ends, and when the renewal queue renews it
        assert res["expires"] == {day(active.timestamp_not_after): 1}
        renews_at = queues.renewal_point(ctx, active)
        assert res["renews"] == {day(renews_at): 1}
        assert active.timestamp_not_before < renews_at < active.timestamp_not_after
        assert now < renews_at
    assert day(elsewhere.timestamp_not_after) not in res["expires"]
    # a Domain without certificates has empty calendars
    f.make_domain(dbsession, "empty.example.com")
    dbsession.commit()
    res = testapp.get(ADMIN + "/domain/empty.example.com/calendar.json", status=200).json
    assert res["issues"] == res["issued"] == res["expires"] == res["renews"] == {}
    # JSON only: no HTML twin
    testapp.get(ADMIN + "/domain/example.com/calendar", status=404)


def test_unique_fqdn_set_calendar(testapp, dbsession):
    fqdn_set = f.make_fqdn_set(dbsession, ["a.example.com", "b.example.com"])
    cert = certificate(dbsession, fqdn_set, 30)
    certificate(dbsession, f.make_fqdn_set(dbsession, ["c.example.com"]), 5)
    dbsession.commit()
    res = testapp.get(ADMIN + "/unique-fqdn-set/%s/calendar.json" % fqdn_set.id, status=200).json
    assert res["UniqueFQDNSet"] == {"id": str(fqdn_set.id), "domains_as_list": ["a.example.com", "b.example.com"]}
    assert res["expires"] == {cert.timestamp_not_after.strftime("%Y-%m-%d"): 1}
    assert sum(res["issues"].values()) == 1
    res = testapp.get(ADMIN + "/unique-fqdn-set/999/calendar.json", status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + "/unique-fqdn-set/%s/calendar" % fqdn_set.id, status=404)


# --- /domains/search


def _search(testapp, text, status=200):
    return testapp.post(ADMIN + "/domains/search.json", {"domain": text}, status=status).json


@pytest.mark.parametrize("text", ["bücher.example", "BÜCHER.EXAMPLE.", "xn--bcher-kva.example", " Xn--Bcher-Kva.Example. "])
def test_search_idn_in_unicode_or_punycode(testapp, dbsession, text):
    dbDomain = f.make_domain(dbsession, "xn--bcher-kva.example")
    dbsession.commit()
    res = _search(testapp, text)
    assert res["result"] == "success"
    assert res["query"] == "xn--bcher-kva.example"
    assert res["search_results"]["Domain"]["id"] == str(dbDomain.id)
    assert ids(res["search_results"]["Domains"]) == {str(dbDomain.id)}


def test_search_matching_names_sans_and_queue(testapp, dbsession):
    www = f.make_fqdn_set(dbsession, ["www.example.com", "example.com"])
    wildcard = f.make_fqdn_set(dbsession, ["*.example.com"])
    deeper = f.make_fqdn_set(dbsession, ["a.www.example.com"])
    cert_www = certificate(dbsession, www, 30)
    cert_wildcard = certificate(dbsession, wildcard, 30)
    cert_deeper = certificate(dbsession, deeper, 30)
    event = f.make_event(dbsession)
    for is_active in (False, None, True):
        queued = f._add(dbsession, m.QueueDomain(domain_name="www.example.com", operations_event__created=event))
        queued.is_active = is_active  # after the insert: None there would take the column's default
        dbsession.flush()
    dbsession.commit()
    res = _search(testapp, "WWW.example.com.")
    found = res["search_results"]
    assert found["Domain"]["domain_name"] == "www.example.com"
    # the name, or a wildcard one label up: not a name below it
    assert ids(found["CertificateSigneds"]) == {str(cert_www.id), str(cert_wildcard.id)}
    assert str(cert_deeper.id) not in found["CertificateSigneds"]
    # names containing it
    assert {d["domain_name"] for d in found["Domains"].values()} == {"www.example.com", "a.www.example.com"}
    assert found["QueueDomainActive"]["is_active"] is True
    assert [q["is_active"] for q in found["QueueDomainsInactive"]] == [None, False]
    # the apex: no wildcard matches it, and a name not stored is no Domain
    found = _search(testapp, "example.com")["search_results"]
    assert ids(found["CertificateSigneds"]) == {str(cert_www.id)}
    found = _search(testapp, "nowhere.example.net")["search_results"]
    assert found["Domain"] is None and found["Domains"] == {} and found["CertificateSigneds"] == {}
    assert found["QueueDomainActive"] is None and found["QueueDomainsInactive"] == []
    # part of a name: LIKE's wildcards are text here
    assert {d["domain_name"] for d in _search(testapp, "ww.exa")["search_results"]["Domains"].values()} == {
        "www.example.com",
        "a.www.example.com",
    }
    assert _search(testapp, "w%w")["search_results"]["Domains"] == {}
    assert _search(testapp, "w_w")["search_results"]["Domains"] == {}


def test_search_html(testapp, dbsession):
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    page = testapp.get(ADMIN + "/domains/search", status=200)
    assert "<form" in page.text
    page = testapp.get(ADMIN + "/domains/search", params={"domain": "Example.com."}, status=200)
    assert "Domain <code>example.com</code>" in page.text and "/domain/" in page.text
    form = testapp.get(ADMIN + "/domains/search").forms[1]  # 0: the header's search box
    form["domain"] = "bücher.example"
    page = form.submit(status=200)
    assert "xn--bcher-kva.example" in page.text and "No Domain of this name" in page.text


@pytest.mark.parametrize(
    "text,message",
    [("", "Required"), ("   ", "Give a domain name"), (" . ", "Give a domain name"), ("a\x00b", "control"), ("a" * 300, "Longer")],
)
def test_search_bad_input(testapp, db, text, message):
    before = count_rows(db, m.OperationsEvent)
    res = _search(testapp, text, status=400)
    assert res["result"] == "error" and message in res["form_errors"]["domain"]
    res = testapp.post(ADMIN + "/domains/search", {"domain": text}, status=400)
    assert "Nothing was changed" in res.text
    assert count_rows(db, m.OperationsEvent) == before


def test_search_documents_itself(testapp):
    res = testapp.get(ADMIN + "/domains/search.json", status=200).json
    assert res["method"] == "POST" and "domain" in res["form_fields"] and "curl" in res["example"]


# --- /domains/expiring and /domains/challenged


def test_domains_expiring(testapp, dbsession):
    def domain_with(name, days, kind="single", **kw):
        fqdn_set = f.make_fqdn_set(dbsession, [name])
        cert = certificate(dbsession, fqdn_set, days, **kw)
        dbDomain = fqdn_set.to_domains[0].domain
        setattr(dbDomain, "certificate_signed_id__latest_" + kind, cert.id)
        return dbDomain

    soon = domain_with("soon.example.com", 5, kind="multi")
    later = domain_with("later.example.com", 20)
    ended = domain_with("ended.example.com", -2)
    far = domain_with("far.example.com", 200)
    inactive = domain_with("inactive.example.com", 3, is_active=False, is_deactivated=True)
    f.make_domain(dbsession, "bare.example.com")
    dbsession.commit()
    res = testapp.get(ADMIN + "/domains/expiring.json", status=200).json
    assert ids(res["Domains"]) == {str(d.id) for d in (soon, later, ended)}
    assert str(far.id) not in res["Domains"] and str(inactive.id) not in res["Domains"]
    assert res["Domains"][str(soon.id)]["certificate_signed__latest_multi"]["expiring_days"] in (4, 5)
    assert res["pagination"]["total_items"] == 3
    # the soonest to end first
    page = testapp.get(ADMIN + "/domains/expiring", status=200).text
    positions = [page.index(">%s<" % name) for name in ("ended.example.com", "soon.example.com", "later.example.com")]
    assert positions == sorted(positions)
    assert "Domains expiring within 30 days" in page
    testapp.get(ADMIN + "/domains/expiring/1.json", status=200)
    assert testapp.get(ADMIN + "/domains/expiring/5.json", status=303).location.endswith("/domains/expiring/1.json")


def test_domains_challenged(testapp, dbsession):
    pending = f.make_challenge(dbsession, domain_name="pending.example.com")
    f.make_challenge(dbsession, domain_name="valid.example.com", status="valid")
    done = f.make_challenge(dbsession, domain_name="done.example.com")
    done.acme_authorization.acme_order_created.acme_status_order_id = utils.Acme_Status_Order.VALID
    orderless = f._add(dbsession, m.AcmeOrderless(domain_names="flow.example.com", is_processing=True))
    f._add(dbsession, m.AcmeOrderlessChallenge(acme_orderless=orderless, domain_name="flow.example.com"))
    stopped = f._add(dbsession, m.AcmeOrderless(domain_names="stopped.example.com", is_processing=False))
    f._add(dbsession, m.AcmeOrderlessChallenge(acme_orderless=stopped, domain_name="stopped.example.com"))
    flow = f.make_domain(dbsession, "flow.example.com")
    f.make_domain(dbsession, "stopped.example.com")
    dbsession.commit()
    res = testapp.get(ADMIN + "/domains/challenged.json", status=200).json
    assert ids(res["Domains"]) == {str(pending.domain_id), str(flow.id)}
    page = testapp.get(ADMIN + "/domains/challenged", status=200).text
    assert "pending.example.com" in page and "valid.example.com" not in page and "done.example.com" not in page


# --- the per-object lists


DOMAIN_LISTS = {
    "acme-orders": ("AcmeOrders", "order"),
    "acme-authorizations": ("AcmeAuthorizations", "authz"),
    "acme-challenges": ("AcmeChallenges", "challenge"),
    "queue-certificates": ("QueueCertificates", "queue"),
}


@pytest.mark.parametrize("path", sorted(DOMAIN_LISTS))
def test_domain_lists(testapp, world, path):
    key, what = DOMAIN_LISTS[path]
    main, other = world["main"], world["other"]
    for identifier in (main["domain"].domain_name, str(main["domain"].id)):
        res = testapp.get(ADMIN + "/domain/%s/%s.json" % (identifier, path), status=200).json
        assert ids(res[key]) == {str(main[what].id)}, res
        assert res["pagination"]["total_items"] == 1
    assert ids(testapp.get(ADMIN + "/domain/%s/%s.json" % (other["domain"].domain_name, path)).json[key]) == {
        str(other[what].id)
    }
    page = testapp.get(ADMIN + "/domain/%s/%s" % (main["domain"].domain_name, path), status=200)
    assert main["domain"].domain_name in page.text
    testapp.get(ADMIN + "/domain/%s/%s/1.json" % (main["domain"].id, path), status=200)
    testapp.get(ADMIN + "/domain/%s/%s/0" % (main["domain"].id, path), status=303)
    res = testapp.get(ADMIN + "/domain/nowhere.example.com/%s.json" % path, status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + "/domain/999/%s" % path, status=404)


def test_domain_orders_are_a_list_and_name_the_other_names_of_the_set(testapp, world):
    main = world["main"]
    # www.example.com is in the set too: its orders are the set's
    res = testapp.get(ADMIN + "/domain/www.example.com/acme-orders.json", status=200).json
    assert [o["id"] for o in res["AcmeOrders"]] == [str(main["order"].id)]
    # but the authorization is example.com's only
    assert testapp.get(ADMIN + "/domain/www.example.com/acme-authorizations.json").json["AcmeAuthorizations"] == {}


@pytest.mark.parametrize("path", ["acme-authorizations", "acme-challenges"])
def test_domain_status_filters(testapp, world, path):
    main = world["main"]
    key = DOMAIN_LISTS[path][0]
    res = testapp.get(ADMIN + "/domain/example.com/%s.json?status=active" % path, status=200).json
    assert ids(res[key]) == {str(main[DOMAIN_LISTS[path][1]].id)}
    res = testapp.get(ADMIN + "/domain/example.com/%s.json?status=bogus" % path, status=400).json
    assert res["result"] == "error" and "`status` must be one of" in res["message"]
    testapp.get(ADMIN + "/domain/example.com/%s?status=active" % path, status=200)


def test_domain_acme_dns_server_accounts(testapp, world, dbsession):
    res = testapp.get(ADMIN + "/domain/example.com/acme-dns-server-accounts.json", status=200).json
    assert res["AcmeDnsServerAccounts"] == {} and res["Domain"]["domain_name"] == "example.com"
    server = f._add(dbsession, m.AcmeDnsServer(root_url="http://127.0.0.1:8011", operations_event__created=f.make_event(dbsession)))
    account = f._add(
        dbsession,
        m.AcmeDnsServerAccount(
            acme_dns_server=server,
            domain=world["main"]["domain"],
            username="u",
            password="p",
            fulldomain="abc.acme-dns.example.net",
            subdomain="abc",
            operations_event__created=f.make_event(dbsession),
        ),
    )
    dbsession.commit()
    res = testapp.get(ADMIN + "/domain/example.com/acme-dns-server-accounts.json", status=200).json
    assert ids(res["AcmeDnsServerAccounts"]) == {str(account.id)}
    assert "password" not in res["AcmeDnsServerAccounts"][str(account.id)]
    assert "abc.acme-dns.example.net" in testapp.get(ADMIN + "/domain/example.com/acme-dns-server-accounts").text
    testapp.get(ADMIN + "/domain/nowhere.example.com/acme-dns-server-accounts.json", status=404)


OBJECT_LISTS = [
    # (path template, the world object named, JSON key, the world object listed)
    ("/unique-fqdn-set/{}/acme-orders", "set", "AcmeOrders", "order"),
    ("/unique-fqdn-set/{}/queue-certificates", "set", "QueueCertificates", "queue"),
    ("/certificate-signed/{}/queue-certificates", "cert", "QueueCertificates", "queue"),
    ("/private-key/{}/queue-certificates", "key", "QueueCertificates", "queue"),
    ("/acme-account/{}/queue-certificates", "account", "QueueCertificates", "queue"),
    ("/acme-account/{}/certificate-signeds", "account", "CertificateSigneds", "cert"),
    ("/certificate-request/{}/acme-orders", "csr", "AcmeOrders", "order"),
]


@pytest.mark.parametrize("path,owner,key,listed", OBJECT_LISTS)
def test_object_lists(testapp, world, path, owner, key, listed):
    for tag in ("main", "other"):
        w = world[tag]
        res = testapp.get(ADMIN + path.format(w[owner].id) + ".json", status=200).json
        assert ids(res[key]) == {str(w[listed].id)}, (tag, res)
        assert res["pagination"]["total_items"] == 1
    assert testapp.get(ADMIN + path.format(world["main"][owner].id), status=200).text
    testapp.get(ADMIN + path.format(world["main"][owner].id) + "/1", status=200)
    testapp.get(ADMIN + path.format(world["main"][owner].id) + "/9.json", status=303)
    res = testapp.get(ADMIN + path.format(999) + ".json", status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + path.format("99999999999999999999999"), status=404)


def test_queue_item_made_by_a_certificate_is_listed_for_it(testapp, world, dbsession):
    main = world["main"]
    renewal = certificate(dbsession, main["set"], 90)
    main["queue"].certificate_signed_id__generated = renewal.id
    dbsession.commit()
    res = testapp.get(ADMIN + "/certificate-signed/%s/queue-certificates.json" % renewal.id).json
    assert ids(res["QueueCertificates"]) == {str(main["queue"].id)}


def test_certificate_ca_alternate_chains(testapp, dbsession):
    ca_default = f.make_certificate_ca(dbsession)
    ca_alt = f.make_certificate_ca(dbsession)
    chain_default = f.make_certificate_ca_chain(dbsession, cas=[ca_default])
    chain_alt = f.make_certificate_ca_chain(dbsession, cas=[ca_alt])
    cert = certificate(dbsession, f.make_fqdn_set(dbsession, ["chains.example.com"]), 30)
    f._add(dbsession, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain_default, is_upstream_default=True))
    f._add(dbsession, m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain_alt))
    dbsession.commit()
    res = testapp.get(ADMIN + "/certificate-ca/%s/certificate-signeds-alt.json" % ca_alt.id, status=200).json
    assert ids(res["CertificateSigneds"]) == {str(cert.id)}
    res = testapp.get(ADMIN + "/certificate-ca/%s/certificate-signeds-alt.json" % ca_default.id, status=200).json
    assert res["CertificateSigneds"] == {}
    assert "chains.example.com" in testapp.get(ADMIN + "/certificate-ca/%s/certificate-signeds-alt" % ca_alt.id).text
    testapp.get(ADMIN + "/certificate-ca/999/certificate-signeds-alt.json", status=404)


def test_acme_account_parse(testapp, dbsession):
    from peter_sslers.lib import cert_utils

    pem = cert_utils.new_private_key("EC", curve="P-256")
    account = f.make_account(dbsession)
    f.make_account_key(dbsession, account=account, key_pem=pem, key_technology_id=utils.KeyTechnology.EC)
    bare = f.make_account(dbsession)
    dbsession.commit()
    res = testapp.get(ADMIN + "/acme-account/%s/parse.json" % account.id, status=200).json
    assert res["AcmeAccount"]["id"] == str(account.id)
    assert res["AcmeAccountKey"]["parsed"]["key_technology"] == "EC"
    assert res["AcmeAccountKey"]["parsed"]["spki_sha256"] == cert_utils.parse_key(pem)["spki_sha256"]
    assert testapp.get(ADMIN + "/acme-account/%s/parse.json" % bare.id).json["AcmeAccountKey"] is None
    testapp.get(ADMIN + "/acme-account/999/parse.json", status=404)


# --- the order audit


def test_acme_order_audit(testapp, world, dbsession):
    main = world["main"]
    order = main["order"]
    res = testapp.get(ADMIN + "/acme-order/%s/audit.json" % order.id, status=200).json
    assert res["result"] == "success"
    report = res["AuditReport"]
    assert report["AcmeOrder"]["id"] == str(order.id)
    assert report["AcmeAccount"]["id"] == str(main["account"].id)
    assert report["PrivateKey"]["id"] == str(main["key"].id)
    assert report["UniqueFQDNSet"]["domains_challenged"] == {"example.com": "http-01", "www.example.com": "http-01"}
    (authz,) = report["AcmeAuthorizations"]
    assert authz["id"] == str(main["authz"].id) and authz["domain_name"] == "example.com"
    assert authz["http-01"]["id"] == str(main["challenge"].id)
    # a pending challenge of a pending authorization of a pending order: the responder answers it
    assert authz["http-01"]["is_answered_by_responder"] is True
    problems = " ".join(report["problems"])
    assert "is not enabled here" in problems  # the factory's ACME server
    assert "1 of the order's 2 names have no authorization known here" in problems
    page = testapp.get(ADMIN + "/acme-order/%s/audit" % order.id, status=200).text
    assert "is not enabled here" in page and "answered by the responder now" in page
    # once the challenge is valid, the responder stops answering
    main["challenge"].acme_status_challenge_id = utils.Acme_Status_Challenge.VALID
    dbsession.commit()
    report = testapp.get(ADMIN + "/acme-order/%s/audit.json" % order.id).json["AuditReport"]
    assert report["AcmeAuthorizations"][0]["http-01"]["is_answered_by_responder"] is False
    res = testapp.get(ADMIN + "/acme-order/999/audit.json", status=404)
    assert res.json["result"] == "error"


# --- the sync of every active order (no pebble: the refusals)


def test_sync_active_orders_without_orders(testapp, db):
    before = count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/acme-orders/active/acme-server/sync.json", status=200).json
    assert res["result"] == "success"
    assert res["AcmeOrderIds.success"] == [] and res["AcmeOrderIds.error"] == []
    res = testapp.post(ADMIN + "/acme-orders/active/acme-server/sync", status=303)
    assert res.location.endswith("/acme-orders/active?result=success&operation=acme-server-sync&synced=0")
    assert count_rows(db, m.OperationsEvent) == before


def test_sync_active_orders_refuses_disabled_servers(testapp, world, db, dbsession):
    main = world["main"]
    finished = world["other"]["order"]
    finished.acme_status_order_id = utils.Acme_Status_Order.VALID
    dbsession.commit()
    before = count_rows(db, m.AcmeEventLog), count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/acme-orders/active/acme-server/sync.json", status=400).json
    assert res["result"] == "error"
    assert res["AcmeOrderIds.error"] == [str(main["order"].id)] and res["AcmeOrderIds.success"] == []
    assert "is not enabled" in res["results"][str(main["order"].id)]["error"]
    assert str(finished.id) not in res["results"]
    res = testapp.post(ADMIN + "/acme-orders/active/acme-server/sync", status=303)
    assert "result=error" in res.location
    assert "is not enabled" in res.follow().text
    assert (count_rows(db, m.AcmeEventLog), count_rows(db, m.OperationsEvent)) == before


def test_sync_active_orders_needs_a_post(testapp, world, db):
    res = testapp.get(ADMIN + "/acme-orders/active/acme-server/sync.json", status=200).json
    assert res["method"] == "POST" and "curl" in res["example"]
    res = testapp.get(ADMIN + "/acme-orders/active/acme-server/sync", status=303)
    assert "/acme-orders/active?result=error" in res.location
    assert "Sync every active order" in testapp.get(ADMIN + "/acme-orders/active").text


# --- /operations/object-log


def test_object_log(testapp, db):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "logged.example.com"}, status=200).json
    domain_id = res["Domain"]["id"]
    listing = testapp.get(ADMIN + "/operations/object-log.json", status=200).json
    assert isinstance(listing["OperationsObjectEvents"], list)
    newest = listing["OperationsObjectEvents"][0]
    assert newest["domain_id"] == domain_id
    assert newest["operations_object_event_status"] == "Domain__insert"
    assert listing["pagination"]["total_items"] == count_rows(db, m.OperationsObjectEvent)
    page = testapp.get(ADMIN + "/operations/object-log", status=200).text
    assert "Domain %s" % domain_id in page and "/domain/%s" % domain_id in page
    focus = testapp.get(ADMIN + "/operations/object-log/item/%s.json" % newest["id"], status=200).json
    assert focus["OperationsObjectEvent"] == newest
    assert focus["OperationsEvent"]["id"] == newest["operations_event_id"]
    assert "Domain__insert" in testapp.get(ADMIN + "/operations/object-log/item/%s" % newest["id"]).text
    testapp.get(ADMIN + "/operations/object-log/item/999999.json", status=404)
    testapp.get(ADMIN + "/operations/object-log/item/99999999999999999999999", status=404)
    testapp.get(ADMIN + "/operations/object-log/999", status=303)
    assert "/operations/object-log" in testapp.get(ADMIN + "/operations/log").text


# --- against pebble: the sync of every active order


def test_sync_active_orders_against_pebble(acmeapp, db):
    new_account(acmeapp)
    pending = freeform(acmeapp, ["sync1.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    done = freeform(acmeapp, ["sync2.example.com"]).json["AcmeOrder"]
    assert pending["acme_status_order"] == "pending" and done["acme_status_order"] == "valid"
    sync_events = ADMIN + "/operations/log.json?event_type=AcmeOrder__acme_server__sync"
    before = acmeapp.get(sync_events).json["pagination"]["total_items"]
    res = acmeapp.post(ADMIN + "/acme-orders/active/acme-server/sync.json", status=200).json
    assert res["result"] == "success", res
    assert res["AcmeOrderIds.success"] == [pending["id"]] and res["AcmeOrderIds.error"] == []
    assert res["results"][pending["id"]] == {"result": "success", "acme_status_order": "pending"}
    # the sync is logged against its order
    logs = acmeapp.get(sync_events).json
    assert logs["pagination"]["total_items"] == before + 1
    assert logs["OperationsEvents"][0]["event_payload"]["acme_order_id"] == int(pending["id"])
    # the audit of the pending order: its authorization is known, nothing missing
    report = acmeapp.get(ADMIN + "/acme-order/%s/audit.json" % pending["id"]).json["AuditReport"]
    assert report["AcmeAuthorizations"] and not any("no authorization" in p for p in report["problems"])
    assert report["AcmeAccountProvider"]["is_enabled"] is True
    # the HTML button does the same
    res = acmeapp.post(ADMIN + "/acme-orders/active/acme-server/sync", status=303)
    assert "result=success" in res.location and "synced=1" in res.location



@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Example.COM.", "example.com"),
        (" bücher.example ", "xn--bcher-kva.example"),
        ("BÜCHER.EXAMPLE.", "xn--bcher-kva.example"),
        ("*.Bücher.example", "*.xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        (".", ""),
        ("", ""),
        ("b\u00fccher" + "a" * 70 + ".example", "b\u00fccher" + "a" * 70 + ".example"),  # IDNA refuses: as typed
    ],
)
def test_domain_name_for_lookup(raw, expected):
    from peter_sslers.lib import utils as lib_utils

    assert lib_utils.domain_name_for_lookup(raw) == expected
