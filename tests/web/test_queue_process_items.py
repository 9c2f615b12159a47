"""Several orders in one queue ``process`` (``max_items``; issue 16): the domain queue and the renewal
queue run up to ``queue_process_concurrency`` orders at once, each in a thread with its own session,
against pebble (gated by SSL_RUN_LETSENCRYPT_API_TESTS). N items give N certificates, one per item,
no item ordered twice; a failing order does not stop the others; a concurrency of 1 runs them one
after the other; bad values are refused (the form's ``max_items``, the ini's option)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.lib import cert_utils
from peter_sslers.lib.db import actions_acme
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at
from tests.web.test_queue_certificates import api
from tests.web.test_queue_certificates import issue
from tests.web.test_queue_domains import add


def _app(make_app, dbengine, app_settings, pebble, concurrency):
    return app_for(
        make_app, dbengine, app_settings, pebble, queue_certificates_renewal_days="4000",
        queue_process_concurrency=str(concurrency),
    )


@pytest.fixture(scope="module")
def items_app(pebble_always_valid, make_app, dbengine, app_settings):
    yield _app(make_app, dbengine, app_settings, pebble_always_valid, 4)
    reset_database(dbengine, app_settings)


@pytest.fixture(scope="module")
def serial_app(pebble_always_valid, make_app, dbengine, app_settings):
    yield _app(make_app, dbengine, app_settings, pebble_always_valid, 1)
    reset_database(dbengine, app_settings)


@pytest.fixture
def itemsapp(items_app, db):
    point_database_at(items_app, db)
    return client(items_app)


@pytest.fixture
def serialapp(serial_app, db):
    point_database_at(serial_app, db)
    return client(serial_app)


def process_domains(app, status=200, **fields):
    values = {"max_domains_per_certificate": "1", "processing_strategy": "process_single"}
    values.update(fields)
    return app.post(ADMIN + "/queue-domains/process.json", values, status=status).json


def _orders_by_item(session, order_type):
    return session.scalars(
        sa.select(m.AcmeOrder).where(m.AcmeOrder.acme_order_type_id == model_utils.AcmeOrderType.from_string(order_type))
    ).all()


@pytest.mark.parametrize("which", ["itemsapp", "serialapp"])
def test_domain_queue_items_one_order_each(which, request, db):
    app = request.getfixturevalue(which)
    new_account(app)
    names = ["item%02d.example.com" % i for i in range(7)]
    add(app, ",".join(names))
    # 3 orders of 2 names, then the 7th alone: one order a batch, no name twice
    res = process_domains(app, max_domains_per_certificate="2", max_items="3")
    assert res["result"] == "success", res
    results = res["queue_results"]
    assert (results["count_total"], results["count_success"], results["count_fail"], results["count_remaining"]) == (3, 3, 0, 1)
    items = results["items"]
    assert [i["domain_names"] for i in items] == [names[0:2], names[2:4], names[4:6]]  # in the queue's order
    assert all(i["result"] == "success" and i["acme_status_order"] == "valid" and i["certificate_signed_id"] for i in items)
    assert len({i["acme_order_id"] for i in items}) == 3 and len({i["certificate_signed_id"] for i in items}) == 3
    res = process_domains(app, max_items="10")
    assert [i["domain_names"] for i in res["queue_results"]["items"]] == [names[6:]]
    assert res["queue_results"]["count_remaining"] == 0
    with Session(bind=db) as session:
        orders = _orders_by_item(session, "Queue - Domains")
        assert len(orders) == 4 and all(o.certificate_signed_id for o in orders)
        ordered = sorted(n for o in orders for n in o.unique_fqdn_set.domains_as_list)
        assert ordered == sorted(names)  # every name once
        rows = session.scalars(sa.select(m.QueueDomain)).all()
        assert all(q.is_active is False and q.domain_id for q in rows)
    # nothing waiting: refused as for one order, nothing done
    res = process_domains(app, status=400, max_items="5")
    assert "0 domain name(s) are waiting" in res["error"]


def test_domain_queue_many_single_name_orders_at_once(itemsapp, db):
    new_account(itemsapp)
    names = ["many%02d.example.com" % i for i in range(12)]
    add(itemsapp, ",".join(names))
    res = process_domains(itemsapp, max_items="12")
    assert res["result"] == "success", res
    items = res["queue_results"]["items"]
    assert [i["domain_names"] for i in items] == [[n] for n in names]
    assert len({i["certificate_signed_id"] for i in items}) == 12
    with Session(bind=db) as session:
        assert len(_orders_by_item(session, "Queue - Domains")) == 12
        assert count_rows(db, m.CertificateSigned) >= 12


def test_domain_queue_a_refused_order_does_not_stop_the_others(itemsapp, db, monkeypatch):
    new_account(itemsapp)
    names = ["ok%d.example.com" % i for i in range(3)] + ["bad.example.com"] + ["ok%d.example.com" % i for i in range(3, 6)]
    add(itemsapp, ",".join(names))
    complete = actions_acme._complete_authorization

    def refuse_bad(ctx, client_, dbOrder, dbAuthz, logger):
        if dbAuthz.domain.domain_name == "bad.example.com":
            actions_acme._fail(ctx, client_, dbOrder, "Validation of bad.example.com failed: refused", None)
        return complete(ctx, client_, dbOrder, dbAuthz, logger)

    monkeypatch.setattr(actions_acme, "_complete_authorization", refuse_bad)
    res = process_domains(itemsapp, status=502, max_items="20")
    assert res["result"] == "error" and "bad.example.com" in res["error"], res
    results = res["queue_results"]
    assert (results["count_total"], results["count_success"], results["count_fail"]) == (7, 6, 1)
    (failed,) = [i for i in results["items"] if i["result"] == "error"]
    assert failed["domain_names"] == ["bad.example.com"] and failed["acme_order_id"] and not failed["certificate_signed_id"]
    assert "refused" in failed["error"]
    with Session(bind=db) as session:
        # the refused order's name stays processed (the server has the order), like one order a call
        row = session.scalars(sa.select(m.QueueDomain).where(m.QueueDomain.domain_name == "bad.example.com")).one()
        assert row.is_active is False
        assert len(_orders_by_item(session, "Queue - Domains")) == 7


@pytest.mark.parametrize("which", ["itemsapp", "serialapp"])
def test_renewal_queue_items(which, request, db):
    app = request.getfixturevalue(which)
    doomed = new_account(app, contact="doomed@example.com")
    other = new_account(app, contact="other@example.com")
    issue(app, "r-fail.example.com", acme_account_id=doomed["id"])
    for i in range(5):
        issue(app, "r%d.example.com" % i, acme_account_id=other["id"])
    assert api(app, "update")["results"]["count_queued"] == 6
    # the first item's account is gone on the ACME server: its item fails, the others renew
    key_pem = cert_utils.convert_private_key_to_pkcs8_pem(doomed["AcmeAccountKey"]["key_pem"])
    res = app.post(
        ADMIN + "/acme-account/%s/acme-server/deactivate.json" % doomed["id"],
        upload_files=[("key_pem", "key.pem", key_pem.encode())],
        status=200,
    )
    assert res.json["result"] == "success"
    res = app.post(ADMIN + "/api/queue-certificates/process.json", {"max_items": "50"}, status=502).json
    assert res["result"] == "error" and "not active" in res["error"]
    assert "QueueCertificate" not in res
    results = res["queue_results"]
    assert (results["count_total"], results["count_success"], results["count_fail"], results["count_remaining"]) == (6, 5, 1, 0)
    items = results["items"]
    ids = [int(i["queue_certificate_id"]) for i in items]
    assert ids == sorted(ids) and len(set(ids)) == 6  # in the queue's order, each once
    assert [i["result"] for i in items] == ["fail"] + ["success"] * 5
    assert list(results["failures"]) == [items[0]["queue_certificate_id"]]
    generated = [i["QueueCertificate"]["generated"]["certificate_signed_id"] for i in items[1:]]
    assert all(generated) and len(set(generated)) == 5
    with Session(bind=db) as session:
        orders = _orders_by_item(session, "Queue - Certificate Renewal")
        # one order an item that reached the server: no item was ordered twice
        assert len(orders) == 5 and len({o.unique_fqdn_set_id for o in orders}) == 5
        assert all(o.certificate_signed_id for o in orders)
        items_rows = session.scalars(sa.select(m.QueueCertificate)).all()
        assert all(q.is_active is False and q.process_result is not None for q in items_rows)
    # nothing left: an answer with no item
    res = app.post(ADMIN + "/api/queue-certificates/process.json", {"max_items": "5"}, status=200).json
    assert res["queue_results"]["count_total"] == 0 and res["queue_results"]["items"] == []


@pytest.mark.parametrize("value", ["0", "1001", "x", "-1"])
def test_bad_max_items_is_refused_and_changes_nothing(itemsapp, db, value):
    new_account(itemsapp)
    add(itemsapp, "waiting.example.com")
    before = (count_rows(db, m.AcmeOrder), count_rows(db, m.OperationsEvent))
    res = process_domains(itemsapp, status=400, max_items=value)
    assert "max_items" in res["form_errors"], res
    for url in ("/api/queue-certificates/process.json", "/queue-certificates/process.json", "/api/queue-domains/process.json"):
        res = itemsapp.post(ADMIN + url, {"max_items": value}, status=400).json
        assert "max_items" in res["form_errors"], res
    assert (count_rows(db, m.AcmeOrder), count_rows(db, m.OperationsEvent)) == before
    assert itemsapp.get(ADMIN + "/queue-domains.json").json["pagination"]["total_items"] == 1


@pytest.mark.parametrize("value", ["0", "33", "four", "-2"])
def test_bad_concurrency_is_refused_at_start(raw_settings, value):
    with pytest.raises(ConfigurationError) as caught:
        ApplicationSettings.from_settings(dict(raw_settings, queue_process_concurrency=value))
    assert "queue_process_concurrency" in str(caught.value)


def test_concurrency_default_and_bounds(raw_settings):
    settings = dict(raw_settings)
    settings.pop("queue_process_concurrency", None)
    assert ApplicationSettings.from_settings(settings).queue_process_concurrency == 4
    for value in ("1", "32"):
        assert ApplicationSettings.from_settings(dict(raw_settings, queue_process_concurrency=value)).queue_process_concurrency == int(value)


def test_html_forms(itemsapp, db):
    new_account(itemsapp)
    add(itemsapp, "html1.example.com,html2.example.com,html3.example.com")
    page = itemsapp.get(ADMIN + "/queue-domains/process").text
    assert 'name="max_items"' in page and "4 at once" in page
    res = itemsapp.post(
        ADMIN + "/queue-domains/process",
        {"max_domains_per_certificate": "1", "processing_strategy": "process_single", "max_items": "2"},
        status=303,
    )
    assert "/queue-domains/all" in res.location and "result=success" in res.location
    assert itemsapp.get(ADMIN + "/queue-domains.json").json["pagination"]["total_items"] == 1
    assert api(itemsapp, "update")["results"]["count_queued"] == 2
    page = itemsapp.get(ADMIN + "/queue-certificates/process").text
    assert 'name="max_items"' in page
    page = itemsapp.post(ADMIN + "/queue-certificates/process", {"max_items": "5"}, status=200).text
    assert "2 item(s) processed: 2 renewed, 0 failed" in page
    res = itemsapp.post(ADMIN + "/queue-certificates/process", {"max_items": "0"}, status=303)
    assert "result=error" in res.location
