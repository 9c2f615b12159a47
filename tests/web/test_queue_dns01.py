"""The queues take dns-01 (issue 13, item 2), and the single-challenge trigger answers dns-01.

* The renewal queue's freeform form (``/queue-certificate/new/freeform``) and the domain queue
  (``/queue-domains/add``) take ``domain_names_dns01`` beside ``domain_names_http01`` with the
  new-order form's rules (``OrderSpec``): a name in one list only, a wildcard only with dns-01, a
  dns-01 name only with a DNS backend or an acme-dns account; bad input is HTTP 400 on the field
  and writes nothing. The renewal item records its dns-01 names, a queued name its type.
* Against pebble (real validation, ``-dnsserver`` at bind9, one pebble for the module) with an
  RFC 2136 backend for bind9's zone: a wildcard certificate (``*.x`` and ``x``) through each
  queue, processed to the certificate; a dns-01 challenge answered by its trigger (the authorization
  page's button). Needs ``SSL_RUN_LETSENCRYPT_API_TESTS`` and ``SSL_RUN_DNS_TESTS``; the rest of the
  module runs without them (nothing there talks to a server).
"""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import dns_backends
from peter_sslers.lib.db import queues
from peter_sslers.lib.db.order_spec import OrderSpec
from peter_sslers.model import objects as m
from tests import factories as f
from tests.conftest import count_rows
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_order_dns01 import dns_app  # noqa: F401  (fixture, module-scoped here)
from tests.web.test_acme_order_dns01 import dns_pebble  # noqa: F401  (fixture, module-scoped here)
from tests.web.test_acme_order_dns01 import dnsapp  # noqa: F401  (fixture)
from tests.web.test_acme_order_dns01 import event_names
from tests.web.test_acme_order_dns01 import new_backend
from tests.web.test_acme_order_dns01 import sans_of
from tests.web.test_acme_order_dns01 import txt

NO_BACKEND = "needs a DNS backend (RFC 2136) for an enclosing zone or an acme-dns account"
QUEUE_ROWS = (m.QueueCertificate, m.QueueDomain, m.UniqueFQDNSet, m.Domain, m.OperationsEvent)


def rows(db) -> tuple:
    return tuple(count_rows(db, model) for model in QUEUE_ROWS)


def usable_account_id(db) -> str:
    """An active account with a key, on an enabled server (nothing asks that server anything here)."""
    with Session(bind=db) as s:
        account = f.make_account(s, provider=f.make_provider(s, is_enabled=True))
        f.make_account_key(s, account=account)
        s.commit()
        return str(account.id)


def fake_backend(db, app_settings, zone="example.test") -> int:
    """An RFC 2136 backend nobody talks to: the forms only check that one encloses the name."""
    with Session(bind=db) as s:
        values = {"zone": zone, "server": "127.0.0.1", "port": "53", "tsig_key_name": "k", "tsig_secret": "c2VjcmV0"}
        dbBackend = dns_backends.create__DnsBackendRfc2136(ApiContext(s, app_settings), values)
        s.commit()
        return dbBackend.id


def queue_freeform(app, status=200, json_=True, **names):
    return app.post(ADMIN + "/queue-certificate/new/freeform" + (".json" if json_ else ""), names, status=status)


def queue_domains(app, status=200, json_=True, **names):
    return app.post(ADMIN + "/queue-domains/add" + (".json" if json_ else ""), names, status=status)


# --- the forms (no server)


def test_the_forms_and_docs_have_both_lists(testapp, db):
    for path in ("/queue-certificate/new/freeform", "/queue-domains/add"):
        page = testapp.get(ADMIN + path).text
        assert 'name="domain_names_dns01"' in page and 'name="domain_names_http01"' in page, path
        docs = testapp.get(ADMIN + path + ".json").json
        assert {"domain_names_http01", "domain_names_dns01"} <= set(docs["form_fields"]), path
        assert "wildcard" in str(docs["form_fields"]["domain_names_dns01"]).lower(), path


BAD_NAMES = [
    # a wildcard among the http-01 names
    ({"domain_names_http01": "*.w.example.test"}, "domain_names_http01", "can only be validated with dns-01"),
    # one name in both lists
    (
        {"domain_names_http01": "both.example.test", "domain_names_dns01": "both.example.test"},
        "domain_names_http01",
        "both.example.test is given for both http-01 and dns-01.",
    ),
    (
        {"domain_names_http01": "Both.Example.test", "domain_names_dns01": "both.example.test"},
        "domain_names_http01",
        "both.example.test is given for both http-01 and dns-01.",
    ),
    # a dns-01 name no backend or acme-dns account can publish (the backend is for example.test)
    ({"domain_names_dns01": "*.elsewhere.example.org"}, "domain_names_dns01", "dns-01 for *.elsewhere.example.org " + NO_BACKEND),
    (
        {"domain_names_http01": "ok.example.test", "domain_names_dns01": "nobackend.example.org"},
        "domain_names_dns01",
        "dns-01 for nobackend.example.org " + NO_BACKEND,
    ),
    ({"domain_names_dns01": "not a name"}, "domain_names_dns01", ""),
]


@pytest.mark.parametrize("names, field, text", BAD_NAMES)
def test_freeform_queue_refuses_bad_names_and_writes_nothing(testapp, db, app_settings, names, field, text):
    fake_backend(db, app_settings)
    names = dict(names, acme_account_id=usable_account_id(db))
    before = rows(db)
    res = queue_freeform(testapp, status=400, **names).json
    assert res["result"] == "error" and list(res["form_errors"]) == [field], res
    assert text in res["form_errors"][field], res
    page = queue_freeform(testapp, status=400, json_=False, **names).text
    assert "Nothing was changed" in page
    assert rows(db) == before


@pytest.mark.parametrize("names, field, text", BAD_NAMES)
def test_domain_queue_refuses_bad_names_and_writes_nothing(testapp, db, app_settings, names, field, text):
    fake_backend(db, app_settings)
    before = rows(db)
    res = queue_domains(testapp, status=400, **names).json
    assert res["result"] == "error" and list(res["form_errors"]) == [field], res
    assert text in res["form_errors"][field], res
    page = queue_domains(testapp, status=400, json_=False, **names).text
    assert "Nothing was changed" in page
    assert rows(db) == before


def test_the_new_order_form_refuses_a_name_in_both_lists(testapp, db, app_settings):
    """The rule the queues share with /acme-order/new/freeform (``order_spec.names_from_form``)."""
    fake_backend(db, app_settings)
    values = {
        "domain_names_http01": "same.example.test",
        "domain_names_dns01": "*.same.example.test,same.example.test",
        "acme_account_id": usable_account_id(db),
    }
    before = rows(db) + (count_rows(db, m.AcmeOrder),)
    res = testapp.post(ADMIN + "/acme-order/new/freeform.json", values, status=400).json
    assert res["form_errors"] == {"domain_names_http01": "same.example.test is given for both http-01 and dns-01."}
    assert rows(db) + (count_rows(db, m.AcmeOrder),) == before


def test_freeform_queue_records_the_dns01_names(testapp, db, dbsession, ctx, app_settings):
    fake_backend(db, app_settings)
    account_id = usable_account_id(db)
    res = queue_freeform(
        testapp,
        domain_names_http01="www.example.com",
        domain_names_dns01="*.Rec.example.test, rec.example.test",
        acme_account_id=account_id,
    ).json
    assert res["result"] == "success", res
    item = res["QueueCertificate"]
    assert item["domain_names_dns01"] == ["*.rec.example.test", "rec.example.test"]
    assert item["source"]["unique_fqdn_set_id"] == item["unique_fqdn_set_id"]
    focus = testapp.get(ADMIN + "/queue-certificate/%s" % item["id"]).text
    assert "*.rec.example.test: dns-01" in focus and "www.example.com: http-01" in focus
    again = testapp.get(ADMIN + "/queue-certificate/%s.json" % item["id"]).json["QueueCertificate"]
    assert again["domain_names_dns01"] == item["domain_names_dns01"]
    # processing orders each name with its recorded type (the item renews no order)
    dbQueue = dbsession.get(m.QueueCertificate, int(item["id"]))
    spec = OrderSpec.from_queue_certificate(ctx, dbQueue)
    assert dict(spec.domains_challenged) == {
        "*.rec.example.test": "dns-01",
        "rec.example.test": "dns-01",
        "www.example.com": "http-01",
    }
    assert spec.acme_order_id__renewal_of is None
    dbsession.rollback()
    # only http-01 names: nothing recorded; the HTML form redirects to the item
    res = queue_freeform(testapp, status=303, json_=False, domain_names_http01="h.example.com", acme_account_id=account_id)
    item_id = res.location.split("/queue-certificate/")[1].split("?")[0]
    assert testapp.get(ADMIN + "/queue-certificate/%s.json" % item_id).json["QueueCertificate"]["domain_names_dns01"] == []


def test_an_item_renewing_an_order_keeps_the_orders_types(db, dbsession, ctx):
    s = dbsession
    account = f.make_account(s, provider=f.make_provider(s, is_enabled=True))
    f.make_account_key(s, account=account)
    fqdn_set = f.make_fqdn_set(s, ["*.kept.example.test", "kept.example.test", "www.kept.example.test"])
    dbOrder = f.make_acme_order(s, account=account, fqdn_set=fqdn_set, domain_names_dns01="*.kept.example.test,kept.example.test")
    dbQueue = queues.queue_certificates__insert(ctx, dbOrder)
    # recorded when queued (its JSON says so) ...
    assert dbQueue.domains_dns01 == ["*.kept.example.test", "kept.example.test"]
    assert dbQueue.as_json["domain_names_dns01"] == ["*.kept.example.test", "kept.example.test"]
    # ... and at processing the order's types win over what the item recorded
    dbQueue.domain_names_dns01 = None
    spec = OrderSpec.from_queue_certificate(ctx, dbQueue)
    assert dict(spec.domains_challenged) == {
        "*.kept.example.test": "dns-01",
        "kept.example.test": "dns-01",
        "www.kept.example.test": "http-01",
    }
    assert spec.acme_order_id__renewal_of == dbOrder.id


def test_domain_queue_keeps_each_names_type(testapp, db, dbsession, ctx, app_settings):
    backend_id = fake_backend(db, app_settings)
    res = queue_domains(
        testapp, domain_names_http01="plain.example.test", domain_names_dns01="*.Dq.example.test,dq.example.test"
    ).json
    assert res["result"] == "success", res
    assert res["domains"] == {"plain.example.test": "queued", "*.dq.example.test": "queued", "dq.example.test": "queued"}
    listed = testapp.get(ADMIN + "/queue-domains.json").json["QueueDomains"]
    types = {q["domain_name"]: q["acme_challenge_type"] for q in listed.values()}
    assert types == {"plain.example.test": "http-01", "*.dq.example.test": "dns-01", "dq.example.test": "dns-01"}
    assert "dns-01" in testapp.get(ADMIN + "/queue-domains").text
    (wildcard_id,) = [i for i, q in listed.items() if q["domain_name"] == "*.dq.example.test"]
    assert "dns-01" in testapp.get(ADMIN + "/queue-domain/%s" % wildcard_id).text
    # queued again with the other type: it keeps the type it was queued with
    res = queue_domains(testapp, domain_names_dns01="plain.example.test").json
    assert res["domains"] == {"plain.example.test": "already_queued"}
    with Session(bind=db) as s:
        queued = {q.domain_name: q.acme_challenge_type for q in s.scalars(sa.select(m.QueueDomain))}
    assert queued["plain.example.test"] == "http-01"
    # the batch's order: each name with its queued type
    template = OrderSpec(None, {})
    spec = OrderSpec.from_queue_domains(ctx, queued, template)
    assert dict(spec.domains_challenged) == types

    # the backend goes away before processing: the batch is refused before anything is sent, the
    # names go back to waiting
    with Session(bind=db) as s:
        s.get(m.DnsBackendRfc2136, backend_id).is_active = False
        s.commit()
    res = testapp.post(
        ADMIN + "/queue-domains/process.json", {"acme_account_id": usable_account_id(db)}, status=400
    ).json
    assert "dns-01 for *.dq.example.test " + NO_BACKEND in res["error"], res
    with Session(bind=db) as s:
        assert all(q.is_active is True for q in s.scalars(sa.select(m.QueueDomain)))
        assert count_rows(db, m.AcmeOrder) == 0


def test_triggering_a_dns01_challenge_without_a_backend_is_refused(testapp, db, dbsession):
    s = dbsession
    account = f.make_account(s, provider=f.make_provider(s, is_enabled=True))
    f.make_account_key(s, account=account)
    order = f.make_acme_order(s, account=account)
    authorization = f.make_authorization(s, order=order, domain=f.make_domain(s, "untriggered.example.org"))
    http01 = f.make_challenge(s, authorization=authorization, challenge_type="http-01")
    dns01 = f.make_challenge(s, authorization=authorization, challenge_type="dns-01")
    s.commit()
    challenge = testapp.get(ADMIN + "/acme-challenge/%s.json" % dns01.id).json["AcmeChallenge"]
    assert challenge["is_can_acme_server_trigger"] is False
    focus = testapp.get(ADMIN + "/acme-authorization/%s.json" % authorization.id).json
    can = {c["acme_challenge_type"]: c["is_can_acme_server_trigger"] for c in focus["AcmeChallenges"]}
    assert can == {"http-01": True, "dns-01": False}
    page = testapp.get(ADMIN + "/acme-authorization/%s" % authorization.id).text
    assert "Trigger http-01" in page and "Trigger dns-01" not in page
    before = (count_rows(db, m.OperationsEvent), count_rows(db, m.AcmeEventLog))
    res = testapp.post(ADMIN + "/acme-challenge/%s/acme-server/trigger.json" % dns01.id, status=400).json
    assert res["result"] == "error" and "No dns-01 method is configured for `untriggered.example.org`" in res["error"]
    assert "DNS backend (RFC 2136)" in res["error"]
    res = testapp.post(ADMIN + "/acme-challenge/%s/acme-server/trigger" % dns01.id, status=303)
    assert "result=error" in res.location
    assert (count_rows(db, m.OperationsEvent), count_rows(db, m.AcmeEventLog)) == before
    s.expire_all()
    assert s.get(m.AcmeChallenge, dns01.id).acme_status_challenge == "pending"
    assert s.get(m.AcmeChallenge, http01.id).acme_status_challenge == "pending"


# --- against pebble and bind9


def process_certificate_queue(app, status=200):
    return app.post(ADMIN + "/api/queue-certificates/process.json", "", status=status).json


def test_a_wildcard_certificate_through_the_renewal_queue(dnsapp, db, bind9):  # noqa: F811
    new_backend(dnsapp, bind9)
    names = ["*.qcert.example.test", "qcert.example.test"]
    res = queue_freeform(dnsapp, domain_names_dns01=",".join(names)).json
    assert res["result"] == "success", res
    item = res["QueueCertificate"]
    assert item["domain_names_dns01"] == names
    res = process_certificate_queue(dnsapp)
    assert res["queue_results"]["count_success"] == 1, res
    assert res["QueueCertificate"]["id"] == item["id"] and res["QueueCertificate"]["process_result"] is True
    order_id = res["QueueCertificate"]["generated"]["acme_order_id"]
    order = dnsapp.get(ADMIN + "/acme-order/%s.json" % order_id).json["AcmeOrder"]
    assert order["domains_challenged"] == {n: "dns-01" for n in names}
    assert order["acme_order_type"] == "Queue - Certificate Renewal"
    assert sans_of(dnsapp, order["certificate_signed_id"]) == sorted(names)
    assert res["QueueCertificate"]["generated"]["certificate_signed_id"] == order["certificate_signed_id"]
    events = event_names(db, order_id)
    assert "AcmeOrder__dns01_published" in events and "AcmeOrder__dns01_withdrawn" in events
    assert txt(bind9, "_acme-challenge.qcert.example.test") == []

    # an item renewing that order (the structured form) records and keeps its types
    res = dnsapp.post(ADMIN + "/queue-certificate/new/structured.json", {"queue_source": "AcmeOrder", "acme_order": order_id})
    assert res.json["QueueCertificate"]["domain_names_dns01"] == names


def test_a_wildcard_certificate_through_the_domain_queue(dnsapp, db, bind9):  # noqa: F811
    new_backend(dnsapp, bind9)
    names = ["*.qdom.example.test", "qdom.example.test"]
    res = queue_domains(dnsapp, domain_names_dns01=",".join(names)).json
    assert res["domains"] == {n: "queued" for n in names}, res
    res = dnsapp.post(ADMIN + "/queue-domains/process.json", {"processing_strategy": "process_single"}, status=200).json
    assert res["result"] == "success", res
    order = res["AcmeOrder"]
    assert order["acme_order_type"] == "Queue - Domains"
    assert order["domains_challenged"] == {n: "dns-01" for n in names}
    assert order["acme_status_order"] == "valid" and order["certificate_signed_id"]
    assert sans_of(dnsapp, order["certificate_signed_id"]) == sorted(names)
    assert txt(bind9, "_acme-challenge.qdom.example.test") == []
    listed = dnsapp.get(ADMIN + "/queue-domains/all.json").json["QueueDomains"]
    assert sorted((q["domain_name"], q["acme_challenge_type"], q["is_active"]) for q in listed.values()) == [
        (n, "dns-01", False) for n in names
    ]


def test_trigger_a_dns01_challenge(dnsapp, db, bind9):  # noqa: F811
    new_backend(dnsapp, bind9)
    res = dnsapp.post(
        ADMIN + "/acme-order/new/freeform.json",
        {"domain_names_dns01": "trig.example.test", "processing_strategy": "create_order"},
    ).json
    assert res["result"] == "success", res
    order = res["AcmeOrder"]
    (authz_id,) = order["acme_authorization_ids"]
    res = dnsapp.post(ADMIN + "/acme-authorization/%s/acme-server/sync.json" % authz_id, {}).json
    assert res["acme_status_authorization"] == "pending"
    challenges = {c["acme_challenge_type"]: c for c in res["AcmeChallenges"]}
    dns01 = challenges["dns-01"]
    assert dns01["is_can_acme_server_trigger"] is True
    page = dnsapp.get(ADMIN + "/acme-authorization/%s" % authz_id).text
    assert "Trigger dns-01" in page
    # the button: publish, wait until visible, answer, withdraw
    res = dnsapp.post(ADMIN + "/acme-challenge/%s/acme-server/trigger.json" % dns01["id"], {}).json
    assert res["result"] == "success" and res["acme_status"] == "valid", res
    assert res["AcmeChallenge"]["acme_status_challenge"] == "valid"
    assert txt(bind9, "_acme-challenge.trig.example.test") == []
    events = event_names(db, order["id"])
    assert events.count("AcmeOrder__dns01_published") == 1 and events.count("AcmeOrder__dns01_withdrawn") == 1
    assert "AcmeChallenge__acme_server__trigger" in events
    # the order goes on to its certificate
    res = dnsapp.post(ADMIN + "/acme-order/%s/acme-finalize.json" % order["id"], {}).json
    assert res["AcmeOrder"]["acme_status_order"] == "valid" and res["AcmeOrder"]["certificate_signed_id"]
