"""Certificates on request (docs/Autocert.md): /api/domain/autocert, /api/domain/certificate-if-needed,
/api/domain/enable, /api/domain/disable, and the lists of attempts.

Against a real pebble (``pebble_always_valid``); the parallel cases against real HTTP servers (waitress)
on the run's database, two of them sharing it as two instances would.
"""

import concurrent.futures
import datetime
import threading

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session
from webtest.http import StopableWSGIServer

from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import pebble_settings
from tests.web.test_acme_accounts import point_database_at
from tests.conftest import reset_database

AUTOCERT = ADMIN + "/api/domain/autocert.json"
CIN = ADMIN + "/api/domain/certificate-if-needed.json"

POLICY = {"enable_autocert": "true", "autocert.allowed_suffixes": "auto.example.com"}


@pytest.fixture(scope="module")
def apps(pebble_always_valid, make_app, dbengine, app_settings):
    """``apps(**overrides)``: an app on the module's pebble with these settings (built once each)."""
    reset_database(dbengine, app_settings)
    built = {}

    def _app(**overrides):
        key = tuple(sorted(overrides.items()))
        if key not in built:
            built[key] = make_app(**pebble_settings(pebble_always_valid, **overrides))
        return built[key]

    yield _app
    # leave no account on this pebble's directory (tests/web/test_acme_accounts.acme_app)
    reset_database(dbengine, app_settings)


@pytest.fixture
def web(apps, db):
    """``web(**overrides)``: a WebTest client of that app on a freshly seeded database with an
    ACME account (the global default) on the pebble."""
    first = apps(**POLICY)
    point_database_at(first, db)
    new_account(client(first))

    def _web(**overrides):
        return client(apps(**overrides))

    return _web


def attempts(db) -> list:
    with Session(bind=db) as session:
        return [
            (a.domain_name, a.source, a.result, a.is_running)
            for a in session.scalars(sa.select(m.DomainAutocert).order_by(m.DomainAutocert.id))
        ]


def orders(db) -> int:
    return count_rows(db, m.AcmeOrder)


def assert_certificate_payload(answer: dict, name: str) -> None:
    assert answer["result"] == "success", answer
    assert answer["domain"]["domain_name"] == name and answer["domain"]["is_active"] is True
    served = answer[answer["serve"]]
    assert served["fullchain"]["pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY-----" in served["private_key"]["pem"]


# --- autocert: the policy


def test_autocert_issues_once_then_answers_from_the_datastore(web, db):
    app = web(**POLICY)
    before = orders(db)
    res = app.post(AUTOCERT, {"domain_name": "shop.auto.example.com"}, status=200)
    assert_certificate_payload(res.json, "shop.auto.example.com")
    assert res.json["autocert"]["status"] == "issued"
    assert res.json["autocert"]["DomainAutocert"]["result"] == "issued"
    order_id = res.json["autocert"]["AcmeOrder"]["id"]
    assert orders(db) == before + 1
    order = app.get(ADMIN + "/acme-order/%s.json" % order_id).json["AcmeOrder"]
    assert order["acme_order_type"] == "ACME Automated (New - Autocert)"
    assert order["acme_status_order"] == "valid"
    cert_id = res.json[res.json["serve"]]["id"]
    # the certificate is what config.json serves for the name
    config = app.get(ADMIN + "/domain/shop.auto.example.com/config.json").json
    assert config[config["serve"]]["id"] == cert_id
    # a second call (the edge restarted): the same certificate, no order, no new attempt
    res = app.post(AUTOCERT, {"domain_name": "SHOP.auto.example.com."}, status=200)
    assert res.json["autocert"] == {"status": "exists", "DomainAutocert": None, "AcmeOrder": None}
    assert res.json[res.json["serve"]]["id"] == cert_id
    assert orders(db) == before + 1
    assert attempts(db) == [("shop.auto.example.com", "autocert", "issued", None)]
    # listed, overall and for the Domain
    listed = app.get(ADMIN + "/domain-autocerts.json").json["DomainAutocerts"]
    assert [a["domain_name"] for a in listed] == ["shop.auto.example.com"]
    assert listed[0]["acme_order_id"] == order_id and listed[0]["certificate_signed_id"] == cert_id
    mine = app.get(ADMIN + "/domain/shop.auto.example.com/domain-autocerts.json").json["DomainAutocerts"]
    assert mine == listed
    assert "shop.auto.example.com" in app.get(ADMIN + "/domain-autocerts").text
    assert "issued" in app.get(ADMIN + "/domain/shop.auto.example.com/domain-autocerts").text


def test_autocert_takes_a_body_without_content_type(web, db):
    """The OpenResty module POSTs `domain_name=...` with no Content-Type header."""
    app = web(**POLICY)
    res = app.post(AUTOCERT + "?openresty=1", params=b"domain_name=bare.auto.example.com", content_type="", status=200)
    assert_certificate_payload(res.json, "bare.auto.example.com")


def test_autocert_answers_a_name_with_a_certificate_even_when_off(web, db):
    web(**POLICY).post(AUTOCERT, {"domain_name": "kept.auto.example.com"}, status=200)
    off = web()  # test.ini: enable_autocert = false
    before = orders(db)
    res = off.post(AUTOCERT, {"domain_name": "kept.auto.example.com"}, status=200)
    assert res.json["autocert"]["status"] == "exists"
    # ... and orders nothing for a name without one
    res = off.post(AUTOCERT, {"domain_name": "new.auto.example.com"}, status=403)
    assert res.json["result"] == "error" and res.json["reason"] == "disabled"
    assert "enable_autocert" in res.json["error"]
    assert orders(db) == before and len(attempts(db)) == 1


@pytest.mark.parametrize(
    "overrides,name,status,reason",
    [
        (POLICY, "shop.example.net", 403, "not_allowed"),
        (POLICY, "xauto.example.com", 403, "not_allowed"),  # a suffix is a whole label
        ({"enable_autocert": "true"}, "shop.auto.example.com", 403, "not_allowed"),  # no suffix: no name
        (POLICY, "*.auto.example.com", 400, "invalid"),
        (POLICY, "127.0.0.1", 400, "invalid"),
        (POLICY, "", 400, "invalid"),
        (POLICY, "bad name.auto.example.com", 400, "invalid"),
        (POLICY, "x" * 300, 400, "invalid"),
    ],
)
def test_autocert_refusals_order_nothing(web, db, overrides, name, status, reason):
    app = web(**overrides)
    before = (orders(db), count_rows(db, m.Domain))
    res = app.post(AUTOCERT, {"domain_name": name}, status=status)
    assert res.json["result"] == "error" and res.json["reason"] == reason, res.json
    assert res.json["form_errors"]
    assert (orders(db), count_rows(db, m.Domain)) == before
    assert attempts(db) == []
    # the HTML form says the same, with the status
    page = app.post(ADMIN + "/api/domain/autocert", {"domain_name": name}, status=status)
    assert "Nothing was changed" in page.text


def test_autocert_any_name_with_star(web, db):
    res = web(enable_autocert="true", **{"autocert.allowed_suffixes": "*"}).post(
        AUTOCERT, {"domain_name": "anything.example.org"}, status=200
    )
    assert_certificate_payload(res.json, "anything.example.org")


def test_autocert_refuses_blocklisted_and_inactive_names(web, db):
    app = web(**POLICY)
    res = app.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": "blocked.auto.example.com"}, status=200)
    assert res.json["result"] == "success"
    res = app.post(AUTOCERT, {"domain_name": "blocked.auto.example.com"}, status=403)
    assert res.json["reason"] == "blocklisted"
    # an inactive Domain: the operator switched it off; autocert does not switch it on
    assert app.post(ADMIN + "/domain/new.json", {"domain_name": "off.auto.example.com"}).json["result"] == "success"
    app.post(ADMIN + "/domain/off.auto.example.com/mark.json", {"action": "inactive"}, status=200)
    res = app.post(AUTOCERT, {"domain_name": "off.auto.example.com"}, status=409)
    assert res.json["reason"] == "inactive" and "/api/domain/enable" in res.json["error"]
    assert attempts(db) == [] and orders(db) == 0


def test_autocert_hourly_allowance_across_names(web, db):
    app = web(**dict(POLICY, **{"autocert.orders_per_hour": "1"}))
    app.post(AUTOCERT, {"domain_name": "one.auto.example.com"}, status=200)
    res = app.post(AUTOCERT, {"domain_name": "two.auto.example.com"}, status=429)
    assert res.json["reason"] == "rate_limited" and "autocert.orders_per_hour" in res.json["error"]
    assert 3500 <= int(res.headers["Retry-After"]) <= 3600 and res.json["retry_after"] == int(res.headers["Retry-After"])
    assert [a[0] for a in attempts(db)] == ["one.auto.example.com"]
    # a name that has its certificate is still answered
    app.post(AUTOCERT, {"domain_name": "one.auto.example.com"}, status=200)
    # ... and certificate-if-needed (the operator's call) is not counted nor limited
    res = app.post(CIN, {"domain_name": "two.auto.example.com"}, status=200)
    assert res.json["domain_results"]["two.auto.example.com"]["certificate_signed.status"] == "new"


def test_autocert_abandoned_attempt_frees_the_name(web, db):
    """An attempt left running by a dead instance holds its name only until the lock times out."""
    with Session(bind=db) as session:
        event = session.scalars(sa.select(m.OperationsEvent).limit(1)).one()
        session.add(
            m.DomainAutocert(
                domain_name="stuck.auto.example.com",
                source="autocert",
                timestamp_created=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
                is_running=True,
                result="running",
                operations_event_id__created=event.id,
            )
        )
        session.commit()
    res = web(**POLICY).post(AUTOCERT, {"domain_name": "stuck.auto.example.com"}, status=200)
    assert res.json["autocert"]["status"] == "issued"
    assert attempts(db) == [
        ("stuck.auto.example.com", "autocert", "abandoned", None),
        ("stuck.auto.example.com", "autocert", "issued", None),
    ]


def test_autocert_running_attempt_is_waited_for(web, db):
    """A running attempt (younger than the lock timeout) is waited for; when it does not finish in
    `autocert.wait_seconds`, 409 and nothing ordered."""
    with Session(bind=db) as session:
        event = session.scalars(sa.select(m.OperationsEvent).limit(1)).one()
        session.add(
            m.DomainAutocert(
                domain_name="busy.auto.example.com",
                source="autocert",
                timestamp_created=datetime.datetime.now(datetime.timezone.utc),
                is_running=True,
                result="running",
                operations_event_id__created=event.id,
            )
        )
        session.commit()
    app = web(**dict(POLICY, **{"autocert.wait_seconds": "1"}))
    res = app.post(AUTOCERT, {"domain_name": "busy.auto.example.com"}, status=409)
    assert res.json["reason"] == "in_progress" and res.headers["Retry-After"] == "5"
    assert orders(db) == 0 and len(attempts(db)) == 1


def test_autocert_failure_is_recorded_and_not_retried_at_once(apps, make_pebble, make_app, db):
    """The ACME server goes away: 503 with the attempt, which records the failure and frees the name;
    the next call for the name within `autocert.retry_after_seconds` is a 429, not another order."""
    pebble = make_pebble()
    app = make_app(**pebble_settings(pebble, **POLICY))
    point_database_at(app, db)
    web = client(app)
    new_account(web)
    pebble.close()
    res = web.post(AUTOCERT, {"domain_name": "down.auto.example.com"}, status=503)
    assert res.json["result"] == "error" and res.json["reason"] == "failed" and res.json["service"] == "acme"
    assert res.json["DomainAutocert"]["result"] == "failed" and res.json["DomainAutocert"]["error"]
    assert attempts(db) == [("down.auto.example.com", "autocert", "failed", None)]
    res = web.post(AUTOCERT, {"domain_name": "down.auto.example.com"}, status=429)
    assert res.json["reason"] == "recent_failure" and 590 <= int(res.headers["Retry-After"]) <= 600
    assert len(attempts(db)) == 1
    # the operator's call is not held back by autocert's retry delay, and records its own failure
    res = web.post(CIN, {"domain_name": "down.auto.example.com"}, status=503)
    result = res.json["domain_results"]["down.auto.example.com"]
    assert result["certificate_signed.status"] == "fail" and result["error"]
    assert [a[1:3] for a in attempts(db)] == [("autocert", "failed"), ("certificate-if-needed", "failed")]
    assert "failed" in web.get(ADMIN + "/domain-autocerts").text


# --- one order per name, across instances


def _served(app):
    return StopableWSGIServer.create(app, host="127.0.0.1", threads=12)


def _fire(urls: list, name: str) -> list:
    barrier = threading.Barrier(len(urls))

    def _one(url):
        barrier.wait()
        res = requests.post(url, data={"domain_name": name}, headers={"Host": TEST_HOST}, timeout=120)
        return res.status_code, res.json()

    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(_one, urls))


def test_parallel_calls_on_two_instances_make_one_order(web, apps, db):
    """Twelve calls for one name, six on each of two servers sharing the datastore: one order; the
    others wait for it and answer with its certificate."""
    web(**POLICY)
    first, second = _served(apps(**POLICY)), _served(apps(**dict(POLICY, **{"autocert.orders_per_hour": "11"})))
    try:
        urls = [s.application_url.rstrip("/") + AUTOCERT for s in (first, second) for _ in range(6)]
        answers = _fire(urls, "race.auto.example.com")
    finally:
        first.shutdown()
        second.shutdown()
    assert all(status == 200 and body["result"] == "success" for status, body in answers), answers
    statuses = sorted(body["autocert"]["status"] for _, body in answers)
    assert statuses.count("issued") == 1, statuses
    assert set(statuses) <= {"issued", "issued_by_other", "exists"}
    assert len({body[body["serve"]]["id"] for _, body in answers}) == 1
    assert orders(db) == 1
    assert attempts(db) == [("race.auto.example.com", "autocert", "issued", None)]


# --- certificate-if-needed


def test_certificate_if_needed_new_then_exists(web, db):
    app = web()  # the autocert policy is off: the operator's call does not need it
    res = app.post(CIN, {"domain_name": "cin.example.org", "private_key_option": "private_key_generate"}, status=200)
    result = res.json["domain_results"]["cin.example.org"]
    assert result["domain.status"] == "new" and result["certificate_signed.status"] == "new"
    order = app.get(ADMIN + "/acme-order/%s.json" % result["acme_order.id"]).json["AcmeOrder"]
    assert order["acme_order_type"] == "ACME Automated (New - Certificate if Needed)"
    assert res.json["config"]["domain"]["domain_name"] == "cin.example.org"
    cert_id = result["certificate_signed.id"]
    res = app.post(CIN, {"domain_name": "cin.example.org"}, status=200)
    again = res.json["domain_results"]["cin.example.org"]
    assert again["certificate_signed.status"] == "exists" and again["certificate_signed.id"] == cert_id
    assert again["domain.status"] == "existing" and again["acme_order.id"] is None
    assert attempts(db) == [("cin.example.org", "certificate-if-needed", "issued", None)]
    # the HTML form
    page = app.get(ADMIN + "/api/domain/certificate-if-needed")
    assert 'name="domain_name"' in page.text and 'name="private_key_option"' in page.text
    page = app.post(ADMIN + "/api/domain/certificate-if-needed", {"domain_name": "cin.example.org"}, status=200)
    assert "certificate %s" % cert_id in page.text


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"domain_name": "cin.example.org", "acme_account_id": "999"}, "acme_account_id"),
        ({"domain_name": "cin.example.org", "private_key_option": "private_key_existing"}, "private_key_id"),
        ({"domain_name": "cin.example.org", "processing_strategy": "create_order"}, "processing_strategy"),
        ({"domain_name": "*.example.org"}, "domain_name"),
        ({}, "domain_name"),
    ],
)
def test_certificate_if_needed_bad_input_writes_nothing(web, db, fields, field):
    app = web()
    before = (orders(db), count_rows(db, m.Domain))
    res = app.post(CIN, fields, status=400)
    assert res.json["result"] == "error" and field in res.json["form_errors"], res.json
    assert (orders(db), count_rows(db, m.Domain)) == before and attempts(db) == []


# --- enable, disable


def test_enable_and_disable(web, db):
    app = web()
    app.post(ADMIN + "/domain/new.json", {"domain_name": "known.example.org"}, status=200)
    app.post(ADMIN + "/domain/known.example.org/mark.json", {"action": "inactive"}, status=200)
    app.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": "blocked.example.org"}, status=200)
    res = app.post(
        ADMIN + "/api/domain/enable.json",
        {"domain_names": "known.example.org, Fresh.example.org, blocked.example.org, fresh.example.org."},
        status=200,
    )
    assert res.json["domain_results"] == {
        "known.example.org": "exists",
        "fresh.example.org": "queued",
        "blocked.example.org": "blocklisted",
    }
    assert app.get(ADMIN + "/domain/known.example.org.json").json["Domain"]["is_active"] is True
    res = app.post(ADMIN + "/api/domain/enable.json", {"domain_names": "fresh.example.org"}, status=200)
    assert res.json["domain_results"] == {"fresh.example.org": "already_queued"}

    res = app.post(
        ADMIN + "/api/domain/disable.json",
        {"domain_names": "known.example.org,fresh.example.org,nowhere.example.org"},
        status=200,
    )
    assert res.json["domain_results"] == {
        "known.example.org": "deactivated",
        "fresh.example.org": "dequeued",
        "nowhere.example.org": "not_found",
    }
    assert app.get(ADMIN + "/domain/known.example.org.json").json["Domain"]["is_active"] is False
    res = app.post(ADMIN + "/api/domain/disable.json", {"domain_names": "known.example.org"}, status=200)
    assert res.json["domain_results"] == {"known.example.org": "already_deactivated"}
    with Session(bind=db) as session:
        waiting = session.scalars(sa.select(m.QueueDomain).where(m.QueueDomain.is_active.is_(True))).all()
        assert waiting == []
    # the HTML pages
    assert "dequeued" not in app.get(ADMIN + "/api/domain/disable").text
    page = app.post(ADMIN + "/api/domain/disable", {"domain_names": "known.example.org"}, status=200)
    assert "already deactivated" in page.text


@pytest.mark.parametrize("path", ["/api/domain/enable.json", "/api/domain/disable.json"])
@pytest.mark.parametrize("names", ["", "good.example.org, bad name.example.org", "*.example.org", ",".join("n%d.example.org" % i for i in range(101))])
def test_enable_disable_bad_input_changes_nothing(web, db, path, names):
    app = web()
    app.post(ADMIN + "/domain/new.json", {"domain_name": "good.example.org"}, status=200)
    before = (count_rows(db, m.Domain), count_rows(db, m.QueueDomain), count_rows(db, m.OperationsEvent))
    res = app.post(ADMIN + path, {"domain_names": names}, status=400)
    assert res.json["result"] == "error" and "domain_names" in res.json["form_errors"]
    assert (count_rows(db, m.Domain), count_rows(db, m.QueueDomain), count_rows(db, m.OperationsEvent)) == before
    assert app.get(ADMIN + "/domain/good.example.org.json").json["Domain"]["is_active"] is True


def test_self_documentation_and_get_changes_nothing(web, db):
    app = web(**POLICY)
    for path in ("/api/domain/autocert", "/api/domain/certificate-if-needed", "/api/domain/enable", "/api/domain/disable"):
        docs = app.get(ADMIN + path + ".json").json
        assert docs["form_fields"], path
        assert app.get(ADMIN + path).status_int == 200
    page = app.get(ADMIN + "/api/domain/autocert")
    assert "auto.example.com" in page.text and "10 order(s) an hour" in page.text
    assert orders(db) == 0 and attempts(db) == []
    assert app.get(ADMIN + "/domain/nowhere.example.org/domain-autocerts.json", status=404).json["result"] == "error"
    assert model_utils.AcmeOrderType.from_string("ACME Automated (New - Autocert)") == 6
