"""dns-01 orders through the admin route ``/acme-order/new/freeform.json``, end to end.

One pebble per module with real validation and ``-dnsserver`` at bind9 (tests/bind9.py); the app's
default ACME server is that pebble. Wildcard certificates (``*.<name>`` and ``<name>``, both
dns-01) are issued through an RFC 2136 backend (created through the admin route) and through an
acme-dns account (the stand-in of tests/acme_dns_standin.py writing into bind9, as in
tests/lib/test_dns01_publish.py); the records are withdrawn afterwards. A publishing failure (a
wrong TSIG secret) answers the 502 envelope and answers no challenge. A renewal of a wildcard
order keeps dns-01. Needs ``SSL_RUN_LETSENCRYPT_API_TESTS`` and ``SSL_RUN_DNS_TESTS``.
"""

import pytest
import sqlalchemy as sa
from cryptography import x509
from sqlalchemy.orm import Session

from peter_sslers.lib import cert_utils
from peter_sslers.lib import dns01
from peter_sslers.lib.context import ApiContext
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import pebble as pebble_fixtures
from tests.conftest import reset_database
from tests.lib.test_dns01_publish import _account
from tests.lib.test_dns01_publish import standin  # noqa: F401  (fixture)
from tests.lib.test_dns01_publish import wired  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at


@pytest.fixture(scope="module")
def dns_pebble(bind9, tmp_path_factory):
    pebble_fixtures.require_switch()
    factory = pebble_fixtures.PebbleFactory(str(tmp_path_factory.mktemp("pebble-order-dns01")))
    pebble = factory(dns_server=bind9.address, PEBBLE_VA_ALWAYS_VALID=None)
    yield pebble
    factory.close()


@pytest.fixture(scope="module")
def dns_app(dns_pebble, make_app, dbengine, app_settings):
    yield app_for(make_app, dbengine, app_settings, dns_pebble)
    reset_database(dbengine, app_settings)


@pytest.fixture
def dnsapp(dns_app, db):
    point_database_at(dns_app, db)
    testapp = client(dns_app)
    new_account(testapp, "EC")
    return testapp


def new_backend(testapp, bind9, **overrides) -> dict:
    values = {
        "zone": bind9.zone,
        "server": "127.0.0.1",
        "port": str(bind9.port),
        "tsig_key_name": bind9.tsig_name,
        "tsig_algorithm": bind9.tsig_algorithm,
        "tsig_secret": bind9.tsig_secret,
        "visibility_nameservers": "127.0.0.1:%d" % bind9.port,
    }
    values.update(overrides)
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new.json", values, status=200)
    assert res.json["result"] == "success", res.json
    return res.json["DnsBackendRfc2136"]


def order_dns01(testapp, names, status=200, http01=()):
    values = {"domain_names_dns01": ",".join(names), "domain_names_http01": ",".join(http01)}
    return testapp.post(ADMIN + "/acme-order/new/freeform.json", values, status=status).json


def sans_of(testapp, certificate_id):
    pem = testapp.get(ADMIN + "/certificate-signed/%s/cert.pem" % certificate_id).text
    leaf = x509.load_pem_x509_certificate(cert_utils.split_pem_chain(pem)[0].encode())
    ext = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sorted(ext.get_values_for_type(x509.DNSName))


def txt(bind9, name):
    return dns01.query_txt(name, ("127.0.0.1", bind9.port))[0]


def event_names(db, order_id):
    with Session(bind=db) as s:
        ids = s.scalars(
            sa.select(m.OperationsObjectEvent.operations_event_id).where(m.OperationsObjectEvent.acme_order_id == int(order_id))
        ).all()
        types = s.scalars(sa.select(m.OperationsEvent.operations_event_type_id).where(m.OperationsEvent.id.in_(ids))).all()
        return [model_utils.OperationsEventType.as_string(t) for t in types]


def test_form_and_docs_show_dns01(dnsapp):
    page = dnsapp.get(ADMIN + "/acme-order/new/freeform").text
    assert 'name="domain_names_dns01"' in page and 'name="domain_names_http01"' in page
    docs = dnsapp.get(ADMIN + "/acme-order/new/freeform.json").json
    assert "domain_names_dns01" in str(docs) and "wildcard" in str(docs).lower()


def test_wildcard_through_rfc_2136(dnsapp, db, bind9, dns_pebble):
    new_backend(dnsapp, bind9)
    names = ["*.wild2136.example.test", "wild2136.example.test"]
    res = order_dns01(dnsapp, names)
    assert res["result"] == "success", res
    order = res["AcmeOrder"]
    assert order["acme_status_order"] == "valid" and order["certificate_signed_id"]
    assert order["domains_challenged"] == {n: "dns-01" for n in names}
    assert sans_of(dnsapp, order["certificate_signed_id"]) == sorted(names)
    # the records were withdrawn
    assert txt(bind9, "_acme-challenge.wild2136.example.test") == []
    events = event_names(db, order["id"])
    assert "AcmeOrder__dns01_published" in events and "AcmeOrder__dns01_withdrawn" in events
    # both authorizations were validated by pebble through bind9, with dns-01
    with Session(bind=db) as s:
        challenges = s.scalars(
            sa.select(m.AcmeChallenge)
            .join(m.AcmeAuthorization, m.AcmeAuthorization.id == m.AcmeChallenge.acme_authorization_id)
            .join(m.AcmeOrder2AcmeAuthorization, m.AcmeOrder2AcmeAuthorization.acme_authorization_id == m.AcmeAuthorization.id)
            .where(
                m.AcmeOrder2AcmeAuthorization.acme_order_id == int(order["id"]),
                m.AcmeChallenge.acme_status_challenge_id == model_utils.Acme_Status_Challenge.VALID,
            )
        ).all()
        assert sorted(c.acme_challenge_type for c in challenges) == ["dns-01", "dns-01"]

    # a renewal (quick) of the wildcard order places a dns-01 order again
    res = dnsapp.post(ADMIN + "/acme-order/%s/renew/quick.json" % order["id"], {"processing_strategy": "process_single"})
    renewed = res.json["AcmeOrder"]
    assert res.json["result"] == "success", res.json
    assert renewed["id"] != order["id"] and renewed["acme_order_id__renewal_of"] == order["id"]
    assert renewed["domains_challenged"] == {n: "dns-01" for n in names}
    assert renewed["acme_status_order"] == "valid"
    assert sans_of(dnsapp, renewed["certificate_signed_id"]) == sorted(names)
    assert txt(bind9, "_acme-challenge.wild2136.example.test") == []


def test_wildcard_through_acme_dns(dnsapp, db, bind9, standin, wired, app_settings):  # noqa: F811
    # an RFC 2136 backend for the zone tells the visibility wait where the acme-dns zone is served
    # (as in tests/lib/test_dns01_publish.py); acme-dns is chosen for the name all the same
    new_backend(dnsapp, bind9)
    # the acme-dns account and its CNAME, as the operator makes them (db layer)
    with Session(bind=db) as s:
        dbAccount = _account(ApiContext(s, app_settings), standin, "*.viaacmedns.example.test")
        fulldomain = dbAccount.fulldomain
        s.commit()
    wired.cname("viaacmedns.example.test", fulldomain)
    names = ["*.viaacmedns.example.test", "viaacmedns.example.test"]
    res = order_dns01(dnsapp, names)
    assert res["result"] == "success", res
    order = res["AcmeOrder"]
    assert sans_of(dnsapp, order["certificate_signed_id"]) == sorted(names)
    assert [request[1] for request in standin.requests].count("/update") == 2
    assert len(standin.txt_values(fulldomain)) == 2


def test_a_deactivated_acme_dns_account_is_not_used(dnsapp, db, standin, app_settings):  # noqa: F811
    """An order for a name whose only acme-dns account is deactivated (admin mark) is refused
    before anything is sent to the ACME server; activated again, the name is accepted again."""
    standin.reset()
    with Session(bind=db) as s:
        dbAccount = _account(ApiContext(s, app_settings), standin, "offline.example.net")
        account_id = dbAccount.id
        s.commit()
    res = dnsapp.post(ADMIN + "/acme-dns-server-account/%s/mark.json" % account_id, {"action": "inactive"})
    assert res.json["AcmeDnsServerAccount"]["is_active"] is False
    with Session(bind=db) as s:
        orders_before = s.scalar(sa.select(sa.func.count(m.AcmeOrder.id)))
    res = order_dns01(dnsapp, ["*.offline.example.net", "offline.example.net"], status=400)
    assert res["result"] == "error"
    assert "offline.example.net" in res["error"] and "acme-dns account" in res["error"]
    with Session(bind=db) as s:
        assert s.scalar(sa.select(sa.func.count(m.AcmeOrder.id))) == orders_before
    assert [request[1] for request in standin.requests].count("/update") == 0
    # the order specification accepts the name again once the account is active
    dnsapp.post(ADMIN + "/acme-dns-server-account/%s/mark.json" % account_id, {"action": "active"})
    from peter_sslers.lib.db import order_spec

    with Session(bind=db) as s:
        assert order_spec._dns01_publisher(ApiContext(s, app_settings), "*.offline.example.net") is True


def test_mixed_http01_and_dns01(dnsapp, bind9):
    """One http-01 name beside a dns-01 name: pebble's VA resolves the http-01 name through bind9
    too, and nothing serves it here: the dns-01 authorization is validated, the http-01 one fails
    (a real validation of each type, each answered with its own challenge)."""
    new_backend(dnsapp, bind9)
    res = order_dns01(dnsapp, ["dnspart.example.test"], status=502, http01=["httppart.example.test"])
    assert res["result"] == "error"
    order = res["AcmeOrder"]
    assert order["domains_challenged"] == {"dnspart.example.test": "dns-01", "httppart.example.test": "http-01"}
    assert "httppart.example.test" in res["error"]
    authorizations = [
        dnsapp.get(ADMIN + "/acme-authorization/%s.json" % i).json["AcmeAuthorization"]
        for i in order["acme_authorization_ids"]
    ]
    status = {a["domain_name"] if "domain_name" in a else a["domain"]["domain_name"]: a["acme_status_authorization"]
              for a in authorizations}  # fmt: skip
    assert status["dnspart.example.test"] == "valid"
    assert txt(bind9, "_acme-challenge.dnspart.example.test") == []


def test_a_publishing_failure_is_a_502_and_answers_nothing(dnsapp, db, bind9):
    wrong = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZy0="
    new_backend(dnsapp, bind9, tsig_secret=wrong)
    res = order_dns01(dnsapp, ["*.refused.example.test"], status=502)
    assert res["result"] == "error" and res["operation"] == "new-freeform" and res["service"] == "dns"
    assert "refused the TSIG signature" in res["error"] and "(BADSIG)" in res["error"]
    order_id = int(res["acme_order_id"])
    with Session(bind=db) as s:
        dbOrder = s.get(m.AcmeOrder, order_id)
        assert dbOrder.acme_order_processing_status == "processing_completed_failure"
        assert dbOrder.domains_dns01 == ["*.refused.example.test"]
        challenges = s.scalars(
            sa.select(m.AcmeChallenge)
            .join(m.AcmeOrder2AcmeAuthorization,
                  m.AcmeOrder2AcmeAuthorization.acme_authorization_id == m.AcmeChallenge.acme_authorization_id)
            .where(m.AcmeOrder2AcmeAuthorization.acme_order_id == order_id)
        ).all()  # fmt: skip
        assert challenges and all(c.acme_status_challenge_id == model_utils.Acme_Status_Challenge.PENDING for c in challenges)
    assert "AcmeOrder__failure" in event_names(db, order_id)
    assert "AcmeChallenge__acme_server__trigger" not in event_names(db, order_id)
    assert txt(bind9, "_acme-challenge.refused.example.test") == []


def process_queue(testapp, status=200):
    return testapp.post(ADMIN + "/api/queue-certificates/process.json", "", status=status).json


def test_the_renewal_queue_keeps_dns01_and_fails_an_item_that_cannot_publish(dnsapp, bind9):
    backend = new_backend(dnsapp, bind9)
    names = ["*.queued.example.test", "queued.example.test"]
    order = order_dns01(dnsapp, names)["AcmeOrder"]

    def queue(order_id):
        res = dnsapp.post(
            ADMIN + "/queue-certificate/new/structured.json", {"queue_source": "AcmeOrder", "acme_order": order_id}
        )
        assert res.json["result"] == "success", res.json
        return res.json["QueueCertificate"]

    # the renewal of the wildcard order is a dns-01 order again
    queue(order["id"])
    res = process_queue(dnsapp)
    assert res["queue_results"]["count_success"] == 1, res
    renewed_id = res["QueueCertificate"]["generated"]["acme_order_id"]
    renewed = dnsapp.get(ADMIN + "/acme-order/%s.json" % renewed_id).json["AcmeOrder"]
    assert renewed["domains_challenged"] == {n: "dns-01" for n in names}
    assert sans_of(dnsapp, renewed["certificate_signed_id"]) == sorted(names)

    # the backend's secret goes wrong: the next renewal is a failed item, the processor answers
    edit = {
        "zone": bind9.zone,
        "server": "127.0.0.1",
        "port": str(bind9.port),
        "tsig_key_name": bind9.tsig_name,
        "tsig_algorithm": bind9.tsig_algorithm,
        "tsig_secret": "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZy0=",
        "visibility_nameservers": "127.0.0.1:%d" % bind9.port,
    }
    dnsapp.post(ADMIN + "/dns-backend-rfc2136/%s/edit.json" % backend["id"], edit, status=200)
    item = queue(renewed_id)
    res = process_queue(dnsapp, status=502)
    assert res["result"] == "error"
    assert res["queue_results"]["count_fail"] == 1
    failed = res["QueueCertificate"]
    assert failed["id"] == item["id"] and failed["process_result"] is False and failed["is_active"] is False
    assert "refused the TSIG signature" in res["queue_results"]["failures"][failed["id"]]
    assert "(BADSIG)" in res["error"]
    assert txt(bind9, "_acme-challenge.queued.example.test") == []
