"""The certificate (renewal) queue: `update` finds what needs renewing and enqueues it once,
`process` renews ONE item per call (against pebble, gated by SSL_RUN_LETSENCRYPT_API_TESTS), a
failing item lands in the failures list while the rest still process; structured and freeform
enqueue, cancel, lists, the HTML page that refreshes itself, closing items when a certificate
arrives another way, and the concurrency guard of ``take_queued_certificate``."""

import base64
import collections
import dataclasses
import json
import os
import shutil
import datetime
import threading
import time
import types

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import certbot
from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import queues
from peter_sslers.model import meta
from peter_sslers.scripts import import_certbot
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f
from tests.certbot_trees import copy_real_tree
from tests.certbot_trees import manifest as certbot_manifest
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at
from tests.web.test_acme_accounts import register_on_pebble
from tests.web.test_queue_domains import event_types


@pytest.fixture(scope="module")
def renew_app(pebble_always_valid, make_app, dbengine, app_settings):
    """The pebble app with a renewal window of 4000 days: pebble's 5-year certificates are due."""
    yield app_for(make_app, dbengine, app_settings, pebble_always_valid, queue_certificates_renewal_days="4000")
    reset_database(dbengine, app_settings)


@pytest.fixture
def renewapp(renew_app, db):
    point_database_at(renew_app, db)
    return client(renew_app)


def issue(app, names, **fields) -> dict:
    values = {"domain_names_http01": names, "processing_strategy": "process_single"}
    values.update(fields)
    res = app.post(ADMIN + "/acme-order/new/freeform.json", values, status=200)
    assert res.json["result"] == "success", res.json
    order = res.json["AcmeOrder"]
    assert order["acme_status_order"] == "valid" and order["certificate_signed_id"]
    return order


def api(app, job, status=200):
    return app.post(ADMIN + "/api/queue-certificates/%s.json" % job, "", status=status).json


def listed(app, which) -> dict:
    return app.get(ADMIN + "/queue-certificates/%s.json" % which).json["QueueCertificates"]


def rows(engine) -> tuple:
    return (count_rows(engine, m.QueueCertificate), count_rows(engine, m.OperationsEvent))


# --- against pebble


def test_update_then_process_renews_each(renewapp, db):
    new_account(renewapp)
    first = issue(renewapp, "a.example.com,b.example.com")
    second = issue(renewapp, "c.example.com")
    docs = renewapp.get(ADMIN + "/api/queue-certificates/update.json").json
    assert docs["method"] == "POST" and docs["extra"]["queue.count"] == 0
    # update: both, once
    res = api(renewapp, "update")
    assert res["result"] == "success" and res["results"]["count_queued"] == 2, res
    res = api(renewapp, "update")
    assert res["results"]["count_queued"] == 0
    assert sorted(res["results"]["skipped"].values()) == ["already_queued"] * 2
    waiting = listed(renewapp, "unprocessed")
    assert len(waiting) == 2
    items = list(waiting.values())  # oldest first
    assert [i["source"]["certificate_signed_id"] for i in items] == [
        first["certificate_signed_id"],
        second["certificate_signed_id"],
    ]
    assert all(i["private_key_strategy__requested"] == "deferred-associate" and i["private_key_id"] == "0" for i in items)
    assert all(i["acme_account_id"] == first["acme_account_id"] for i in items)
    # process: ONE item a call
    res = api(renewapp, "process")
    assert res["queue_results"]["count_total"] == 1 and res["queue_results"]["count_success"] == 1, res
    assert res["queue_results"]["count_remaining"] == 1
    one = res["QueueCertificate"]
    assert one["id"] == items[0]["id"] and one["is_active"] is False and one["process_result"] is True
    assert one["generated"]["acme_order_id"] and one["generated"]["certificate_request_id"]
    assert one["generated"]["certificate_signed_id"] and one["timestamp_processed"] and one["timestamp_process_attempt"]
    res = api(renewapp, "process")
    two = res["QueueCertificate"]
    assert res["queue_results"]["count_success"] == 1 and res["queue_results"]["count_remaining"] == 0
    assert two["id"] == items[1]["id"]
    # empty: nothing to do, still an answer
    res = api(renewapp, "process")
    assert res["queue_results"]["count_total"] == 0 and res["QueueCertificate"] is None
    assert len(listed(renewapp, "successes")) == 2 and listed(renewapp, "failures") == {}
    assert listed(renewapp, "unprocessed") == {}
    renewapp.post(ADMIN + "/api/update-recents.json", "", status=200)
    with Session(bind=db) as session:
        for old, item in ((first, one), (second, two)):
            order = session.get(m.AcmeOrder, int(item["generated"]["acme_order_id"]))
            assert order.acme_order_type == "Queue - Certificate Renewal"
            assert order.certificate_signed_id__renewal_of == int(old["certificate_signed_id"])
            assert order.acme_order_id__renewal_of == int(old["id"])
            new_cert = session.get(m.CertificateSigned, int(item["generated"]["certificate_signed_id"]))
            old_cert = session.get(m.CertificateSigned, int(old["certificate_signed_id"]))
            # a new certificate for the same names; the old one stays active
            assert new_cert.id != old_cert.id and new_cert.unique_fqdn_set_id == old_cert.unique_fqdn_set_id
            assert old_cert.is_active and new_cert.is_active
            assert session.get(m.AcmeOrder, int(old["id"])).is_renewed is True
        # the domains' latest certificate is the new one
        domain = session.scalars(sa.select(m.Domain).where(m.Domain.domain_name == "c.example.com")).one()
        assert domain.certificate_signed_id__latest_single == int(two["generated"]["certificate_signed_id"])
        domain = session.scalars(sa.select(m.Domain).where(m.Domain.domain_name == "a.example.com")).one()
        assert domain.certificate_signed_id__latest_multi == int(one["generated"]["certificate_signed_id"])
        kinds = event_types(session)
        assert kinds.count("QueueCertificate__update") == 2
        assert kinds.count("QueueCertificate__process") >= 3
        assert kinds.count("QueueCertificate__process__success") == 2
        run = session.scalars(
            sa.select(m.OperationsEvent)
            .where(m.OperationsEvent.operations_event_type_id == model_utils.OperationsEventType.QueueCertificate__process)
            .order_by(m.OperationsEvent.id)
        ).all()
        assert '"count_success": 1' in run[0].event_payload and '"count_remaining": 1' in run[0].event_payload
    # the renewed certificates are not due again: only the new ones are (the window covers them too)
    res = api(renewapp, "update")
    again = [listed(renewapp, "unprocessed")[i]["source"]["certificate_signed_id"] for i in res["results"]["queue_certificate_ids"]]
    assert sorted(again) == sorted([one["generated"]["certificate_signed_id"], two["generated"]["certificate_signed_id"]])


def test_a_failing_item_does_not_stop_the_rest(renewapp, db):
    doomed = new_account(renewapp, contact="doomed@example.com")
    other = new_account(renewapp, contact="other@example.com")
    issue(renewapp, "fail.example.com", acme_account_id=doomed["id"])
    issue(renewapp, "ok.example.com", acme_account_id=other["id"])
    assert api(renewapp, "update")["results"]["count_queued"] == 2
    # the first item's account is deactivated on the ACME server
    key_pem = cert_utils.convert_private_key_to_pkcs8_pem(doomed["AcmeAccountKey"]["key_pem"])
    res = renewapp.post(
        ADMIN + "/acme-account/%s/acme-server/deactivate.json" % doomed["id"],
        upload_files=[("key_pem", "key.pem", key_pem.encode())],
        status=200,
    )
    assert res.json["result"] == "success"
    # the item failed: the job failed, so cron sees a non-2xx (it answered 200 `success` before issue 11)
    res = api(renewapp, "process", status=502)
    assert res["result"] == "error" and res["form_errors"] == {"Error_Main": res["error"]}
    assert "not active" in res["error"]
    assert res["queue_results"]["count_fail"] == 1 and res["queue_results"]["count_remaining"] == 1
    failed = res["QueueCertificate"]
    assert failed["process_result"] is False and failed["is_active"] is False and failed["timestamp_processed"]
    assert "not active" in res["queue_results"]["failures"][failed["id"]]
    # the next one still processes
    res = api(renewapp, "process")
    assert res["queue_results"]["count_success"] == 1 and res["QueueCertificate"]["generated"]["certificate_signed_id"]
    assert list(listed(renewapp, "failures")) == [failed["id"]]
    assert len(listed(renewapp, "successes")) == 1
    page = renewapp.get(ADMIN + "/queue-certificates/failures").text
    assert "failure" in page and "fail.example.com" in page
    focus = renewapp.get(ADMIN + "/queue-certificate/%s" % failed["id"]).text
    assert "fail.example.com" in focus and "Cancel" not in focus
    with Session(bind=db) as session:
        assert "QueueCertificate__process__fail" in event_types(session)
    # the failed renewal is a coverage assurance event (issue 12), about the item and its account
    (event,) = renewapp.get(ADMIN + "/coverage-assurance-events/unresolved.json").json["CoverageAssuranceEvents"]
    assert event["coverage_assurance_event_type"] == "QueueCertificate_renewal_failed"
    assert (event["queue_certificate_id"], event["acme_account_id"]) == (failed["id"], doomed["id"])
    assert event["domain_names"] == ["fail.example.com"] and "not active" in event["message"]


def test_a_renewal_carries_on_the_order_a_failed_attempt_left(renewapp, db, monkeypatch):
    """The CA answered a 500 after the renewal's order was created (found by `make simulate`): the
    order stays pending on the CA. The next attempt carries it on; before, every later attempt was
    refused ("still validating these names") and the certificate ran out."""
    new_account(renewapp)
    old = issue(renewapp, "stall.example.com")
    assert api(renewapp, "update")["results"]["count_queued"] == 1
    answer_challenge = acme_v2.AcmeClient.answer_challenge

    def server_error_once(client, url):
        monkeypatch.setattr(acme_v2.AcmeClient, "answer_challenge", answer_challenge)
        problem = {"type": "urn:ietf:params:acme:error:serverInternal", "detail": "the CA had a bad moment"}
        raise errors.AcmeServerError(500, problem)

    monkeypatch.setattr(acme_v2.AcmeClient, "answer_challenge", server_error_once)
    res = api(renewapp, "process", status=502)
    assert "bad moment" in res["error"] and res["queue_results"]["count_fail"] == 1
    with Session(bind=db) as session:
        stalled = session.scalars(
            sa.select(m.AcmeOrder).where(m.AcmeOrder.certificate_signed_id__renewal_of == int(old["certificate_signed_id"]))
        ).one()
        assert stalled.acme_status_order == "pending" and stalled.is_processing and stalled.order_url
    # the failed item backs off (Automation.md); once its wait has passed it is enqueued again, and
    # its renewal carries the same order through
    update = api(renewapp, "update")["results"]
    assert update["count_queued"] == 0 and update["skipped"][old["certificate_signed_id"]].startswith("backoff: until ")
    with Session(bind=db) as session:
        failed = session.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.process_result.is_(False))).one()
        failed.timestamp_retry_after = meta.utcnow() - datetime.timedelta(seconds=1)  # the wait is over
        session.commit()
    assert api(renewapp, "update")["results"]["count_queued"] == 1
    res = api(renewapp, "process")
    assert res["queue_results"]["count_success"] == 1, res
    assert res["QueueCertificate"]["generated"]["acme_order_id"] == str(stalled.id)
    with Session(bind=db) as session:
        renewals = session.scalars(
            sa.select(m.AcmeOrder).where(m.AcmeOrder.certificate_signed_id__renewal_of == int(old["certificate_signed_id"]))
        ).all()
        assert [o.id for o in renewals] == [stalled.id]  # no second order
        assert renewals[0].acme_status_order == "valid" and renewals[0].certificate_signed_id
        assert renewals[0].is_processing is not True


def test_structured_freeform_cancel_and_the_html_loop(renewapp, db):
    account = new_account(renewapp)
    order = issue(renewapp, "s1.example.com")
    # structured: GET is a form (HTML) or the docs (JSON)
    docs = renewapp.get(ADMIN + "/queue-certificate/new/structured.json").json
    assert docs["method"] == "POST" and "queue_source" in docs["form_fields"]
    page = renewapp.get(ADMIN + "/queue-certificate/new/structured?queue_source=AcmeOrder&acme_order=%s" % order["id"])
    assert "s1.example.com" in page.text and 'name="acme_order"' in page.text
    res = renewapp.post(
        ADMIN + "/queue-certificate/new/structured.json", {"queue_source": "AcmeOrder", "acme_order": order["id"]}
    )
    item = res.json["QueueCertificate"]
    assert res.json["result"] == "success" and item["source"]["acme_order_id"] == str(order["id"])
    assert item["acme_account_id"] == str(account["id"]) and item["is_active"] is True
    # the same names again: refused, from any source
    before = rows(db)
    res = renewapp.post(
        ADMIN + "/queue-certificate/new/structured.json",
        {"queue_source": "CertificateSigned", "certificate_signed": order["certificate_signed_id"]},
        status=400,
    )
    assert "already waiting" in res.json["error"] and "certificate_signed" in res.json["form_errors"]
    assert rows(db) == before
    # cancel it, then the certificate and the set can be queued
    res = renewapp.post(ADMIN + "/queue-certificate/%s/mark.json" % item["id"], {"action": "cancel"})
    assert res.json["QueueCertificate"]["is_active"] is None
    res = renewapp.post(ADMIN + "/queue-certificate/%s/mark.json" % item["id"], {"action": "cancel"}, status=400)
    assert "cancelled already" in res.json["error"]
    assert renewapp.get(ADMIN + "/queue-certificate/%s/mark.json" % item["id"]).json["method"] == "POST"
    res = renewapp.post(
        ADMIN + "/queue-certificate/new/structured",
        {"queue_source": "CertificateSigned", "certificate_signed": order["certificate_signed_id"]},
        status=303,
    )
    assert "/queue-certificate/" in res.location and "result=success" in res.location
    by_cert = renewapp.get(res.location.split("?")[0].replace("http://localhost", "") + ".json").json["QueueCertificate"]
    assert by_cert["source"]["certificate_signed_id"] == str(order["certificate_signed_id"])
    renewapp.post(ADMIN + "/queue-certificate/%s/mark" % by_cert["id"], {"action": "cancel"}, status=303)
    with Session(bind=db) as session:
        set_id = session.get(m.AcmeOrder, order["id"]).unique_fqdn_set_id
    res = renewapp.post(
        ADMIN + "/queue-certificate/new/structured.json",
        {"queue_source": "UniqueFQDNSet", "unique_fqdn_set": set_id, "private_key_cycle__renewal": "single_certificate"},
    )
    by_set = res.json["QueueCertificate"]
    assert by_set["source"]["unique_fqdn_set_id"] == str(set_id)
    assert by_set["private_key_cycle__renewal"] == "single_certificate"
    # freeform
    assert "domain_names_http01" in renewapp.get(ADMIN + "/queue-certificate/new/freeform.json").json["form_fields"]
    assert "domain_names_http01" in renewapp.get(ADMIN + "/queue-certificate/new/freeform").text
    res = renewapp.post(ADMIN + "/queue-certificate/new/freeform.json", {"domain_names_http01": "f1.example.com,F2.example.com"})
    free = res.json["QueueCertificate"]
    assert res.json["result"] == "success" and free["source"]["unique_fqdn_set_id"]
    res = renewapp.post(ADMIN + "/queue-certificate/new/freeform", {"domain_names_http01": "f3.example.com"}, status=303)
    assert "result=success" in res.location
    assert len(listed(renewapp, "unprocessed")) == 3
    assert len(listed(renewapp, "all")) == 5
    # lists and pages
    assert "/queue-certificates/unprocessed" in renewapp.get(ADMIN + "/queue-certificates", status=303).location
    assert "unprocessed.json" in renewapp.get(ADMIN + "/queue-certificates.json", status=303).location
    page = renewapp.get(ADMIN + "/queue-certificates/all").text
    assert "cancelled" in page and "waiting" in page and "Renewals</a>" in page
    # HTML: a GET shows the progress and a button; each POST processes ONE item (before issue 11 the
    # page refreshed itself with GET ?continue=1, which processed: any cross-site <img> placed orders)
    def waiting(page):
        return page.html.find(id="queue-waiting").text.strip()

    page = renewapp.get(ADMIN + "/queue-certificates/process")
    assert waiting(page) == "3" and "http-equiv" not in page.text and "Refresh" not in page.headers
    assert "Process next item" in page.text
    page = renewapp.post(ADMIN + "/queue-certificates/process", {}, status=200)
    assert "renewed" in page.text and waiting(page) == "2"
    assert "http-equiv" not in page.text and "Refresh" not in page.headers
    assert page.html.find(id="queue-successes").text.strip() == "1"
    orders = count_rows(db, m.AcmeOrder)
    for _ in range(2):
        page = renewapp.get(ADMIN + "/queue-certificates/process?continue=1", status=200)
        assert waiting(page) == "2"
    assert count_rows(db, m.AcmeOrder) == orders  # a GET never processes
    page = renewapp.post(ADMIN + "/queue-certificates/process", {}, status=200)
    page = renewapp.post(ADMIN + "/queue-certificates/process", {}, status=200)
    assert waiting(page) == "0" and "Process next item" not in page.text
    assert listed(renewapp, "unprocessed") == {} and len(listed(renewapp, "successes")) == 3
    # JSON processing on an empty queue
    res = renewapp.post(ADMIN + "/queue-certificates/process.json", "", status=200).json
    assert res["queue_results"]["count_total"] == 0
    assert renewapp.get(ADMIN + "/queue-certificates/process.json").json["extra"]["queue.count"] == 0


@pytest.mark.parametrize(
    "url, fields, field",
    [
        ("structured", {}, "queue_source"),
        ("structured", {"queue_source": "Domain", "acme_order": "1"}, "queue_source"),
        ("structured", {"queue_source": "AcmeOrder"}, "acme_order"),
        ("structured", {"queue_source": "AcmeOrder", "acme_order": "999"}, "acme_order"),
        ("structured", {"queue_source": "CertificateSigned", "certificate_signed": "x"}, "certificate_signed"),
        ("structured", {"queue_source": "UniqueFQDNSet", "unique_fqdn_set": "999"}, "unique_fqdn_set"),
        ("structured", {"queue_source": "AcmeOrder", "acme_order": "ORDER", "acme_account_id": "999"}, "acme_account_id"),
        ("structured", {"queue_source": "AcmeOrder", "acme_order": "ORDER", "private_key_cycle__renewal": "x"}, "private_key_cycle__renewal"),
        ("freeform", {}, "domain_names_http01"),
        ("freeform", {"domain_names_http01": "not a name"}, "domain_names_http01"),
        ("freeform", {"domain_names_http01": "always-fail.example.com"}, "domain_names_http01"),
        ("freeform", {"domain_names_http01": "q.example.com", "acme_account_id": "999"}, "acme_account_id"),
        ("freeform", {"domain_names_http01": "q.example.com", "private_key_option": "private_key_existing"}, "private_key_id"),
    ],
)
def test_bad_input_writes_nothing(renewapp, db, url, fields, field):
    new_account(renewapp)
    order = issue(renewapp, "bad.example.com")
    fields = {k: (str(order["id"]) if v == "ORDER" else v) for k, v in fields.items()}
    before = rows(db) + (count_rows(db, m.Domain), count_rows(db, m.UniqueFQDNSet))
    res = renewapp.post(ADMIN + "/queue-certificate/new/%s.json" % url, fields, status=400)
    assert res.json["result"] == "error" and field in res.json["form_errors"], res.json
    res = renewapp.post(ADMIN + "/queue-certificate/new/%s" % url, fields, status=400)
    assert "Nothing was changed" in res.text
    assert rows(db) + (count_rows(db, m.Domain), count_rows(db, m.UniqueFQDNSet)) == before


def test_a_certificate_from_another_path_closes_the_item(renewapp, db, app_settings):
    new_account(renewapp)
    res = renewapp.post(ADMIN + "/queue-certificate/new/freeform.json", {"domain_names_http01": "elsewhere.example.com"})
    item = res.json["QueueCertificate"]
    order = issue(renewapp, "elsewhere.example.com")  # a plain order for the same names
    with Session(bind=db) as session:
        ctx = ApiContext(session, renewapp.app.registry.app_settings)
        dbCertificate = session.get(m.CertificateSigned, order["certificate_signed_id"])
        # the order closed the item as it downloaded its certificate: nothing is left to close
        assert queues.close_items_for_certificate(ctx, dbCertificate) == []
        session.commit()
    closed = renewapp.get(ADMIN + "/queue-certificate/%s.json" % item["id"]).json["QueueCertificate"]
    assert closed["is_active"] is False and closed["process_result"] is True
    assert closed["generated"] == {
        "acme_order_id": str(order["id"]),
        "certificate_request_id": closed["generated"]["certificate_request_id"],
        "certificate_signed_id": str(order["certificate_signed_id"]),
    }
    assert closed["generated"]["certificate_request_id"]
    assert list(listed(renewapp, "successes")) == [item["id"]]


# --- the rules of `update`, without an ACME server


def _due(session, days_left=20, **cert_kw):
    """A 90-day certificate of an auto-renew order whose account is usable."""
    account = f.make_account(session)
    f.make_account_key(session, account=account)
    fqdn_set = f.make_fqdn_set(session)
    not_after = meta.utcnow() + datetime.timedelta(days=days_left)
    cert_kw.setdefault("timestamp_not_before", not_after - datetime.timedelta(days=90))  # a 90-day certificate
    cert = f.make_certificate_signed(session, fqdn_set=fqdn_set, timestamp_not_after=not_after, **cert_kw)
    order = f.make_acme_order(session, account=account, fqdn_set=fqdn_set, certificate_signed=cert)
    return cert, order


def test_update_rules(db, ctx, app_settings):
    # the fixed-days rule (queue_certificates_renewal_days set): 30 days before the end
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_days=30)
    s = ctx.dbsession
    due, due_order = _due(s)  # inside the 30 days
    later, _ = _due(s, days_left=60)  # outside
    manual, manual_order = _due(s)
    manual_order.is_auto_renew = False
    renewed, renewed_order = _due(s)
    renewed_order.is_renewed = True
    deactivated, _ = _due(s, days_left=300, is_active=False)  # nothing else covers its names
    covered, covered_order = _due(s, days_left=300, is_active=False)
    f.make_certificate_signed(s, fqdn_set=covered.unique_fqdn_set)  # an active certificate covers it
    superseded, superseded_order = _due(s)
    superseding = f.make_certificate_signed(
        s, fqdn_set=superseded.unique_fqdn_set, timestamp_not_after=meta.utcnow() + datetime.timedelta(days=25)
    )
    no_account = f.make_certificate_signed(s, is_active=False)  # no order, no account
    s.commit()
    results = queues.queue_certificates__update(ctx)
    s.commit()
    sources = {q.certificate_signed_id__source for q in s.scalars(sa.select(m.QueueCertificate))}
    assert results["count_queued"] == 2
    assert sources == {due.id, deactivated.id}
    assert not sources & {later.id, manual.id, renewed.id, covered.id, superseded.id, no_account.id}
    # the superseding certificate came from no order (an upload): it is due too, and with no
    # global default account it is reported, not skipped in silence
    assert list(results["no_account"]) == [str(superseding.id)]
    assert results["skipped"][str(superseding.id)].startswith("no_account: no ACME account")
    item = s.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.certificate_signed_id__source == due.id)).one()
    assert item.acme_account_id == due_order.acme_account_id
    # the order's specified key is kept while it can sign
    assert item.private_key_strategy__requested == "specified" and item.private_key_id == due_order.private_key_id__requested
    assert item.private_key_cycle__renewal == due_order.private_key_cycle__renewal
    # once: the items wait
    assert queues.queue_certificates__update(ctx)["count_queued"] == 0
    # a wider window takes the later one; a cancelled renewal is not queued again
    for q in s.scalars(sa.select(m.QueueCertificate)):
        queues.queue_certificates__cancel(ctx, q)
    s.commit()
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_days=90)
    results = queues.queue_certificates__update(ctx)
    sources = {q.certificate_signed_id__source for q in s.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.is_active.is_(True)))}
    assert sources == {later.id} and results["count_queued"] == 1


def test_a_shorter_renewal_is_renewed_though_the_older_certificate_ends_later(db, ctx, app_settings):
    """Found by `make simulate`: a 90-day certificate renewed by a short-lived CA. The new 10-day
    certificate ends before the old one; it was taken for "replaced" by it (a later end) and not
    renewed, the old one counted as renewed already: nothing was renewed until the old one ran out."""
    s = ctx.dbsession
    now = meta.utcnow()
    old, old_order = _due(s, days_left=40)  # a 90-day certificate, not due yet (due with 30 days left)
    old_order.is_renewed = True  # its renewal below
    short = f.make_certificate_signed(
        s,
        fqdn_set=old.unique_fqdn_set,
        timestamp_not_before=now - datetime.timedelta(days=8),
        timestamp_not_after=now + datetime.timedelta(days=2),
    )
    f.make_acme_order(s, account=old_order.acme_account, fqdn_set=old.unique_fqdn_set, certificate_signed=short)
    s.commit()
    results = queues.queue_certificates__update(ctx)
    s.commit()
    assert results["count_queued"] == 1, results
    item = s.scalars(sa.select(m.QueueCertificate)).one()
    assert item.certificate_signed_id__source == short.id
    # the other way round (the newer certificate ends later, the usual case): the older one is replaced
    for q in s.scalars(sa.select(m.QueueCertificate)):
        queues.queue_certificates__cancel(ctx, q)
    older, _ = _due(s, days_left=5)
    f.make_certificate_signed(s, fqdn_set=older.unique_fqdn_set)  # issued a day ago, 89 days left
    s.commit()
    results = queues.queue_certificates__update(ctx)
    assert str(older.id) not in results["skipped"] and results["count_queued"] == 0


def test_update_enqueues_the_soonest_to_expire_first(db, ctx, app_settings):
    """The queue is processed in the order of its items: after an outage or a large import, the
    certificates with the least time left go first (not the oldest rows)."""
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_days=30)
    s = ctx.dbsession
    certs = [_due(s, days_left=days)[0] for days in (20, 3, 12)]
    s.commit()
    assert queues.queue_certificates__update(ctx)["count_queued"] == 3
    s.commit()
    waiting = s.scalars(queues.query__QueueCertificate("unprocessed")).all()
    assert [q.certificate_signed_id__source for q in waiting] == [certs[1].id, certs[2].id, certs[0].id]


def test_an_unusable_specified_key_falls_back_to_the_account_cycle(db, ctx):
    s = ctx.dbsession
    cert, order = _due(s)
    order.private_key__requested.is_compromised = True
    s.commit()
    queues.queue_certificates__update(ctx)
    item = s.scalars(sa.select(m.QueueCertificate)).one()
    assert item.private_key_strategy__requested == "deferred-associate" and item.private_key_id == 0


# --- process without an ACME server: failures are recorded, the rest go on


def _queue_items(s, n):
    items = []
    for _ in range(n):
        account = f.make_account(s)
        f.make_account_key(s, account=account)
        fqdn_set = f.make_fqdn_set(s)
        item = f.make_queue_certificate(s, acme_account=account, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set)
        s.add(item)
        items.append(item)
    s.commit()
    return items


@pytest.mark.parametrize("failure", [errors.AcmeCommunicationError("connection refused"), KeyError("bug")])
def test_process_records_failures(db, ctx, monkeypatch, failure):
    first, second = _queue_items(ctx.dbsession, 2)
    calls = []

    def fake_place_order(ctx, spec):
        assert spec.order_type == "Queue - Certificate Renewal" and spec.processing_strategy == "process_single"
        calls.append(spec.domain_names)
        if len(calls) == 1:
            raise failure
        return types.SimpleNamespace(id=None, certificate_signed_id=None, certificate_request_id=None, acme_status_order="pending")

    monkeypatch.setattr(queues.actions_acme, "place_order", fake_place_order)
    if isinstance(failure, errors.AcmeError):
        results = queues.queue_certificates__process(ctx)
        assert results["count_fail"] == 1 and "connection refused" in results["failures"][str(first.id)]
    else:
        with pytest.raises(KeyError):
            queues.queue_certificates__process(ctx)
        ctx.dbsession.rollback()
    with Session(bind=db) as session:
        row = session.get(m.QueueCertificate, first.id)
        assert (row.is_active, row.process_result) == (False, False) and row.timestamp_processed
        assert "QueueCertificate__process__fail" in event_types(session)
    # the next item is processed; an order that ends without a certificate is a failure too
    results = queues.queue_certificates__process(ctx)
    assert results["QueueCertificate"].id == second.id and results["count_fail"] == 1
    assert "without a certificate" in results["failures"][str(second.id)]
    assert queues.queue_certificates__process(ctx)["count_total"] == 0


# --- the concurrency guard


def test_concurrent_takers_never_share_an_item(db, ctx, app_settings):
    items = _queue_items(ctx.dbsession, 3)
    barrier = threading.Barrier(2)
    taken = [None, None]
    failures = []

    def run(i):
        try:
            with Session(bind=db) as session:
                sctx = ApiContext(session, app_settings)
                barrier.wait()
                row = queues.take_queued_certificate(sctx)
                taken[i] = row.id if row is not None else None
                time.sleep(0.05)  # hold the claim a moment before committing
                sctx.checkpoint()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert None not in taken and taken[0] != taken[1]
    assert sorted(taken) == [items[0].id, items[1].id]  # the two oldest
    with Session(bind=db) as session:
        waiting = session.scalars(sa.select(m.QueueCertificate.id).where(m.QueueCertificate.is_active.is_(True))).all()
        assert waiting == [items[2].id]


def test_uncommitted_claims_are_skipped_on_postgresql(db, ctx, app_settings):
    if db.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL path; SQLite serialises writers (see the threaded test)")
    items = _queue_items(ctx.dbsession, 2)
    with Session(bind=db) as one, Session(bind=db) as two:
        first = queues.take_queued_certificate(ApiContext(one, app_settings))
        second = queues.take_queued_certificate(ApiContext(two, app_settings))
        assert first.id == items[0].id and second.id == items[1].id
        one.rollback()
        two.commit()
    with Session(bind=db) as session:
        assert session.scalars(sa.select(m.QueueCertificate.id).where(m.QueueCertificate.is_active.is_(True))).all() == [
            items[0].id
        ]


def test_lists_and_focus_without_acme(testapp, db, ctx):
    items = _queue_items(ctx.dbsession, 3)
    queues.queue_certificates__cancel(ctx, items[2])
    ctx.dbsession.commit()
    assert list(testapp.get(ADMIN + "/queue-certificates/unprocessed.json").json["QueueCertificates"]) == [
        str(items[0].id),
        str(items[1].id),
    ]
    assert testapp.get(ADMIN + "/queue-certificates/all.json").json["pagination"]["total_items"] == 3
    assert testapp.get(ADMIN + "/queue-certificates/all/1.json").status_int == 200
    testapp.get(ADMIN + "/queue-certificate/999.json", status=404)
    focus = testapp.get(ADMIN + "/queue-certificate/%s" % items[0].id).text
    assert "Cancel" in focus and "waiting" in focus
    res = testapp.post(ADMIN + "/queue-certificate/%s/mark.json" % items[0].id, {"action": "bogus"}, status=400)
    assert "action" in res.json["form_errors"]
    res = testapp.post(ADMIN + "/queue-certificate/%s/mark" % items[2].id, {"action": "cancel"}, status=303)
    assert "result=error" in res.location
    for which in ("unprocessed", "successes", "failures", "all"):
        assert testapp.get(ADMIN + "/queue-certificates/%s" % which).status_int == 200
    assert "Run now" in testapp.get(ADMIN + "/api/queue-certificates/process").text
    assert testapp.get(ADMIN + "/api/queue-certificates/process.json").json["extra"]["queue.count"] == 2


def test_an_item_being_processed_is_not_enqueued_again(db, ctx):
    """Another instance's ``update`` running while an item is processed must not enqueue the same
    certificate again (a second order); a claim with no outcome for an hour is taken as dead."""
    s = ctx.dbsession
    certificate = f.make_certificate_signed(s)
    item = f.make_queue_certificate(
        s, unique_fqdn_set=certificate.unique_fqdn_set, certificate_signed__source=certificate, is_active=False,
        process_result=None, timestamp_process_attempt=ctx.timestamp - datetime.timedelta(minutes=5),
    )  # fmt: skip
    s.add(item)
    s.flush()
    assert queues._is_renewed_already(ctx, certificate) is True
    item.timestamp_process_attempt = ctx.timestamp - datetime.timedelta(seconds=queues.IN_FLIGHT_SECONDS + 60)
    s.flush()
    assert queues._is_renewed_already(ctx, certificate) is False
    item.process_result = False  # a failed attempt may be tried again
    item.timestamp_process_attempt = ctx.timestamp
    s.flush()
    assert queues._is_renewed_already(ctx, certificate) is False


# --- what gets renewed (issue 12): every source, active names only, the right account


def _imported(session, names=None, days_left=20, **cert_kw):
    """A 90-day certificate of no order (an upload, a certbot import)."""
    not_after = meta.utcnow() + datetime.timedelta(days=days_left)
    return f.make_certificate_signed(
        session,
        fqdn_set=f.make_fqdn_set(session, names),
        timestamp_not_before=not_after - datetime.timedelta(days=90),
        timestamp_not_after=not_after,
        **cert_kw,
    )


def _usable_account(session, **kw):
    account = f.make_account(session, **kw)
    f.make_account_key(session, account=account)
    return account


def _waiting(s):
    return {
        q.certificate_signed_id__source: q
        for q in s.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.is_active.is_(True)))
    }


def test_update_renews_every_source_with_its_account_and_active_names(db, ctx):
    s = ctx.dbsession
    default = _usable_account(s, is_global_default=True)
    lineage_account = _usable_account(s)
    uploaded = _imported(s)
    certbot_import = _imported(s, acme_account_id__renewal=lineage_account.id)
    all_inactive = _imported(s, names=["gone.example.com"])
    partly = _imported(s, names=["keep-a.example.com", "keep-b.example.com", "drop.example.com"])
    not_yet = _imported(s, days_left=60)  # a 90-day certificate with 60 days left: not due (1/3 + 1/10)
    for domain in s.scalars(sa.select(m.Domain).where(m.Domain.domain_name.in_(["gone.example.com", "drop.example.com"]))):
        domain.is_active = False
    s.commit()
    results = queues.queue_certificates__update(ctx)
    s.commit()
    waiting = _waiting(s)
    assert set(waiting) == {uploaded.id, certbot_import.id, partly.id}, results
    assert results["count_queued"] == 3 and results["no_account"] == {}
    # an upload renews with the global default account; a certbot import with its lineage's
    assert waiting[uploaded.id].acme_account_id == default.id
    assert waiting[certbot_import.id].acme_account_id == lineage_account.id
    assert waiting[uploaded.id].unique_fqdn_set_id == uploaded.unique_fqdn_set_id
    # a set with an inactive name renews its active names only: a set of its own
    item = waiting[partly.id]
    assert item.unique_fqdn_set_id != partly.unique_fqdn_set_id
    assert item.unique_fqdn_set.domains_as_list == ["keep-a.example.com", "keep-b.example.com"]
    # no active name: not renewed, and said so
    assert results["skipped"][str(all_inactive.id)] == "no_active_domains: gone.example.com"
    assert str(not_yet.id) not in results["skipped"]
    # once: a second run queues nothing
    again = queues.queue_certificates__update(ctx)
    assert again["count_queued"] == 0
    assert again["skipped"][str(partly.id)] == "already_queued"
    # renewed (the item succeeded): not queued again, even though its old set has no newer certificate
    item.is_active, item.process_result = False, True
    s.commit()
    assert str(partly.id) not in queues.queue_certificates__update(ctx)["skipped"]
    assert partly.id not in _waiting(s)


def test_update_reports_a_certificate_with_no_usable_account(db, ctx):
    s = ctx.dbsession
    no_default = _imported(s)  # no order, no lineage account, no global default
    deactivated = _usable_account(s, is_active=False)
    lineage_gone = _imported(s, acme_account_id__renewal=deactivated.id)
    s.commit()
    results = queues.queue_certificates__update(ctx)
    s.commit()
    assert results["count_queued"] == 0
    assert set(results["no_account"]) == {str(no_default.id), str(lineage_gone.id)}
    assert "no global default account" in results["no_account"][str(no_default.id)]
    assert results["no_account"][str(lineage_gone.id)] == "the ACME account %s (certbot_lineage) is not usable" % deactivated.id
    assert results["skipped"][str(lineage_gone.id)].startswith("no_account: ")
    events = s.scalars(
        sa.select(m.OperationsEvent).where(
            m.OperationsEvent.operations_event_type_id == model_utils.OperationsEventType.QueueCertificate__update__no_account
        )
    ).all()
    assert sorted(str(e.event_payload_json["certificate_signed_id"]) for e in events) == sorted(
        [str(no_default.id), str(lineage_gone.id)]
    )
    assert all(e.operations_event_id__child_of is not None for e in events)
    # a usable global default account later: the upload is renewed with it; the lineage's
    # deactivated account is still reported (a lineage account is never silently replaced)
    _usable_account(s, is_global_default=True)
    s.commit()
    results = queues.queue_certificates__update(ctx)
    assert results["count_queued"] == 1 and list(results["no_account"]) == [str(lineage_gone.id)]


# --- when (issue 12): a third of the lifetime, the fixed-days override, the spread


def test_renewal_due_at_a_third_of_the_lifetime_spread_over_a_tenth(db, ctx, app_settings):
    s = ctx.dbsession
    not_before = datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc)
    not_after = not_before + datetime.timedelta(days=90)
    certs = [
        f.make_certificate_signed(s, timestamp_not_before=not_before, timestamp_not_after=not_after)
        for _ in range(1000)
    ]
    s.flush()
    base = not_after - datetime.timedelta(days=30)
    window = datetime.timedelta(days=9)  # 1/10 of 90 days
    points = [queues.renewal_due_at(ctx, c) for c in certs]
    assert all(base - window <= p <= base for p in points)
    # spread over the whole window: every ninth of it (one day) holds some, none holds a crowd
    per_day = collections.Counter(int((base - p) / datetime.timedelta(days=1)) for p in points)
    assert sorted(per_day) == list(range(9))
    assert max(per_day.values()) < 200 and min(per_day.values()) > 60
    assert len({p for p in points}) > 990  # not one minute: (nearly) all distinct
    # deterministic: the same certificate, the same point
    assert queues.renewal_due_at(ctx, certs[0]) == points[0]
    # no spread: exactly the third
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_spread=0.0)
    assert {queues.renewal_due_at(ctx, c) for c in certs[:50]} == {base}
    # the fixed-days option wins over the fraction; its spread is at most 10 days
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_days=20)
    points = [queues.renewal_due_at(ctx, c) for c in certs]
    fixed = not_after - datetime.timedelta(days=20)
    assert all(fixed - window <= p <= fixed for p in points) and min(points) < fixed - datetime.timedelta(days=8)
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_renewal_fraction=0.5, queue_certificates_renewal_spread=0.0)
    assert queues.renewal_due_at(ctx, certs[0]) == not_after - datetime.timedelta(days=45)


# --- a certbot import is renewed with its lineage's account, against pebble (issue 12)


def _jwk_to_pem(jwk: dict) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def num(name):
        raw = jwk[name]
        return int.from_bytes(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)), "big")

    numbers = rsa.RSAPrivateNumbers(
        num("p"), num("q"), num("d"), num("dp"), num("dq"), num("qi"), rsa.RSAPublicNumbers(num("e"), num("n"))
    )
    return numbers.private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _certbot_tree_on(pebble, tmp_path) -> tuple:
    """The real certbot tree moved onto the test pebble: server A's accounts and lineages now name
    ``pebble`` (each account key registered there, as certbot would have), server B's are removed
    (that pebble is gone). Returns (root, certbot account id -> account URL, lineage -> account id)."""
    root = copy_real_tree(tmp_path)
    info = certbot_manifest()
    servers = {s["label"]: s for s in info["servers"]}
    old_url, gone_url = servers["A"]["directory_url"], servers["B"]["directory_url"]
    shutil.rmtree(os.path.join(root, "accounts", servers["B"]["server_dir"].split("/")[0]))
    lineage_accounts = {}
    for lineage in info["lineages"]:
        name = lineage["name"]
        if lineage["renewal_server"] == gone_url:
            shutil.rmtree(os.path.join(root, "archive", name))
            shutil.rmtree(os.path.join(root, "live", name))
            os.unlink(os.path.join(root, "renewal", name + ".conf"))
            continue
        path = os.path.join(root, "renewal", name + ".conf")
        with open(path) as fh:
            text = fh.read()
        with open(path, "w") as fh:
            fh.write(text.replace(old_url, pebble.directory_url))
        lineage_accounts[name] = lineage["renewal_account"]
    new_host = pebble.directory_url.split("://", 1)[1].split("/")[0]
    os.rename(
        os.path.join(root, "accounts", servers["A"]["server_dir"].split("/")[0]), os.path.join(root, "accounts", new_host)
    )
    urls = {}
    for account_id in servers["A"]["accounts"]:
        account_dir = os.path.join(root, "accounts", new_host, "dir", account_id)
        with open(os.path.join(account_dir, "private_key.json")) as fh:
            key_pem = _jwk_to_pem(json.load(fh))
        urls[account_id] = register_on_pebble(pebble, key_pem)
        with open(os.path.join(account_dir, "regr.json"), "w") as fh:
            json.dump({"body": {}, "uri": urls[account_id]}, fh)
    return root, urls, lineage_accounts


def test_a_certbot_import_is_renewed_with_its_lineages_account(renewapp, renew_app, db, tmp_path, pebble_always_valid):
    root, urls, lineage_accounts = _certbot_tree_on(pebble_always_valid, tmp_path)
    importer = import_certbot.Importer(meta.get_session_factory(db), renew_app.registry.app_settings, echo=lambda t: None)
    summary_ = importer.import_tree(certbot.read_certbot_dir(root))
    assert summary_.failures == []
    with Session(bind=db) as session:
        account_of_url = {a.account_url: a.id for a in session.scalars(sa.select(m.AcmeAccount))}
        # each lineage's newest version, and the account its renewal conf names
        expected = {}  # certificate id -> account id
        for lineage, certbot_account in lineage_accounts.items():
            with open(os.path.join(root, "live", lineage, "cert.pem")) as fh:
                pem = cert_utils.cleanup_pem_text(fh.read())
            cert = session.scalars(sa.select(m.CertificateSigned).where(m.CertificateSigned.cert_pem == pem)).one()
            assert cert.acme_account_id__renewal == account_of_url[urls[certbot_account]]
            assert cert.acme_order is None
            expected[cert.id] = (cert.acme_account_id__renewal, cert.unique_fqdn_set_id)
        # every imported version (older ones too) knows its lineage's account
        assert session.scalar(
            sa.select(sa.func.count()).select_from(m.CertificateSigned).where(m.CertificateSigned.acme_account_id__renewal.is_(None))
        ) == 0
    # single.example.test and single.example.test-0001 are one set: one renewal, of the later certificate
    sets = {}
    for cert_id, (_, set_id) in sorted(expected.items()):
        sets[set_id] = cert_id
    res = api(renewapp, "update")
    assert res["results"]["count_queued"] == len(sets) == 3, res
    assert res["results"]["no_account"] == {}
    waiting = listed(renewapp, "unprocessed")
    assert sorted(int(i["source"]["certificate_signed_id"]) for i in waiting.values()) == sorted(sets.values())
    for item in waiting.values():
        account_id, _ = expected[int(item["source"]["certificate_signed_id"])]
        assert item["acme_account_id"] == str(account_id)
    # renewed through the queue against pebble, each with its lineage's account
    for _ in range(3):
        res = api(renewapp, "process")
        assert res["queue_results"]["count_success"] == 1, res
        item = res["QueueCertificate"]
        with Session(bind=db) as session:
            order = session.get(m.AcmeOrder, int(item["generated"]["acme_order_id"]))
            source_id = int(item["source"]["certificate_signed_id"])
            assert order.acme_account_id == expected[source_id][0]
            assert order.acme_account.account_url in urls.values()
            assert order.certificate_signed_id__renewal_of == source_id
            assert order.acme_order_type == "Queue - Certificate Renewal"
            new_cert = session.get(m.CertificateSigned, order.certificate_signed_id)
            assert new_cert.unique_fqdn_set_id == expected[source_id][1]
    assert listed(renewapp, "failures") == {}
    # renewed: the imports are not queued again (only the new certificates may be, being due in this window)
    res = api(renewapp, "update")
    assert not {int(listed(renewapp, "unprocessed")[i]["source"]["certificate_signed_id"]) for i in res["results"]["queue_certificate_ids"]} & set(expected)


def test_update_reports_a_set_of_active_names_it_cannot_make(db, ctx):
    """The active names of a partly inactive set form a new set: a name blocklisted since is
    reported (`invalid_names`), and the other certificates are still queued."""
    s = ctx.dbsession
    _usable_account(s, is_global_default=True)
    blocked = _imported(s, names=["blocked.example.com", "off.example.com"])
    fine = _imported(s)
    s.scalars(sa.select(m.Domain).where(m.Domain.domain_name == "off.example.com")).one().is_active = False
    s.add(m.DomainBlocklisted(domain_name="blocked.example.com"))
    s.commit()
    results = queues.queue_certificates__update(ctx)
    assert results["skipped"][str(blocked.id)].startswith("invalid_names: ")
    assert "blocked.example.com" in results["skipped"][str(blocked.id)]
    assert set(_waiting(s)) == {fine.id}
