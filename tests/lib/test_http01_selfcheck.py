"""The http-01 self-check (lib.db.http01_selfcheck): probes answered by the public responder, and
orders that are placed only when every name answers through the public path.

The end-to-end tests run the app in a real server (waitress) on pebble_strict's validation port:
the self-check (``http01_selfcheck_address`` = that loopback port) and pebble's validation both
reach its public responder. A failing check points the address at a loopback server that answers
404 or the wrong body. Gated by SSL_RUN_LETSENCRYPT_API_TESTS for the pebble part.
"""

import datetime
import json

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from webtest.http import StopableWSGIServer

from peter_sslers.lib import acme_v2
from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import actions_acme
from peter_sslers.lib.db import http01_selfcheck
from peter_sslers.lib.db import queues
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from peter_sslers.model.meta import utcnow
from tests import factories as f
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.lib.test_actions_acme_pebble import acme_ctx_factory  # noqa: F401  (fixture)
from tests.lib.test_actions_acme_pebble import new_account
from tests.lib.test_http01_check import LoopbackHTTP
from tests.pebble import free_port
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account as new_account_admin
from tests.web.test_acme_accounts import point_database_at
from tests.web.test_acme_orders import freeform

TOKEN = "pr0be_-abcdefghijklmnopqrstuvwxyzABCDEFGH12"
NAME = "probe.example.com"


def get_path(testapp, token, host, status="*"):
    return testapp.get("/.well-known/acme-challenge/%s" % token, extra_environ={"HTTP_HOST": host}, status=status)


def add_probe(dbsession, token=TOKEN, name=NAME, expires_in=60):
    now = utcnow()
    dbProbe = m.AcmeChallengeProbe(
        token=token,
        domain_name=name,
        key_authorization=token + ".thumbprint",
        timestamp_created=now,
        timestamp_expires=now + datetime.timedelta(seconds=expires_in),
    )
    dbsession.add(dbProbe)
    dbsession.commit()
    return dbProbe


def selfcheck_events(session):
    """The payloads of the self-check's OperationsEvents, oldest first."""
    rows = session.scalars(
        sa.select(m.OperationsEvent.event_payload)
        .where(m.OperationsEvent.operations_event_type_id == model_utils.OperationsEventType.AcmeOrder__http01_selfcheck)
        .order_by(m.OperationsEvent.id)
    ).all()
    return [json.loads(row) for row in rows]


class ProbesAnswerer(dict):
    """``LoopbackHTTP.routes`` that answer the probes of the table, as the public responder
    would, but only for the probes of ``names`` (all when None); ``seen`` lists the
    ``(token, domain_name)`` asked for."""

    def __init__(self, engine, names=None):
        super().__init__()
        self.engine = engine
        self.names = names
        self.seen = []
        self.answered = {}

    def get(self, path, default=None):
        token = path.rsplit("/", 1)[-1]
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(m.AcmeChallengeProbe.domain_name, m.AcmeChallengeProbe.key_authorization).where(
                    m.AcmeChallengeProbe.token == token
                )
            ).first()
        self.seen.append((token, row[0] if row else None))
        if row is None or (self.names is not None and row[0] not in self.names):
            return default
        self.answered[token] = row[1]
        return (200, {}, row[1].encode())


# --- the public responder answers probes


def test_the_responder_answers_a_live_probe_like_a_challenge(testapp, dbsession, count_queries):
    dbProbe = add_probe(dbsession)
    with count_queries() as counter:
        res = get_path(testapp, TOKEN, NAME, status=200)
    assert res.content_type == "text/plain" and res.charset == "utf-8"
    assert res.text == dbProbe.key_authorization
    statements = [s.lstrip().upper() for s in counter.statements]
    # the challenge lookup (a miss), the probe lookup; nothing written (no poll row for a probe)
    assert len([s for s in statements if s.startswith("SELECT")]) == 2, counter.statements
    assert not [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))], counter.statements
    assert count_rows(dbsession.get_bind(), m.AcmeChallengePoll) == 0
    # for its own name only (any port, any case)
    assert get_path(testapp, TOKEN, "PROBE.example.com:8080", status=200).text == dbProbe.key_authorization
    get_path(testapp, TOKEN, "other.example.com", status=404)
    get_path(testapp, TOKEN[:-1], NAME, status=404)


def test_an_expired_probe_is_never_served(testapp, dbsession):
    add_probe(dbsession, expires_in=-1)
    get_path(testapp, TOKEN, NAME, status=404)


def test_the_sweep_removes_only_expired_probes(ctx, dbsession):
    add_probe(dbsession, token="old1", expires_in=-5)
    add_probe(dbsession, token="old2", expires_in=0)
    add_probe(dbsession, token="live", expires_in=60)
    assert http01_selfcheck.sweep_expired_probes(ctx) == 2
    dbsession.commit()
    assert dbsession.scalars(sa.select(m.AcmeChallengeProbe.token)).all() == ["live"]


# --- the check itself, without an ACME server


def account_with_key(dbsession):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    dbAccount = f.make_account(dbsession)
    f.make_account_key(dbsession, account=dbAccount, key_pem=pem.decode(), key_technology_id=model_utils.KeyTechnology.EC)
    dbsession.commit()
    return dbAccount, acme_v2.AcmeKey(pem.decode())


@pytest.fixture(scope="module")
def loopback_web():
    server = LoopbackHTTP()
    yield server
    server.close()


def selfcheck_ctx(dbsession, raw_settings, **overrides) -> ApiContext:
    settings = dict(raw_settings, http01_selfcheck="true", http01_selfcheck_timeout="2")
    settings.update(overrides)
    from peter_sslers.config import ApplicationSettings

    return ApiContext(dbsession, ApplicationSettings.from_settings(settings))


def test_probes_carry_the_accounts_key_authorization_and_are_gone_after_the_check(
    dbsession, raw_settings, loopback_web
):
    """The loopback server answers every probe it is asked for from the probes table, as the
    public responder would: the check passes, and leaves no probe behind."""
    dbAccount, acme_key = account_with_key(dbsession)
    answerer = loopback_web.routes = ProbesAnswerer(dbsession.get_bind())
    try:
        ctx = selfcheck_ctx(dbsession, raw_settings, http01_selfcheck_address="127.0.0.1:%d" % loopback_web.port)
        payload = http01_selfcheck.check_before_order(ctx, dbAccount, ["a.example.com", "b.example.com"])
    finally:
        loopback_web.routes = {}
    assert payload["result"] == "pass" and payload["domain_names_failed"] == {}
    assert sorted(name for _, name in answerer.seen) == ["a.example.com", "b.example.com"]
    for token, _ in answerer.seen:
        assert len(token) == 43  # 32 random bytes, base64url: an ACME token's shape
    # the exact shape of a real key authorization (RFC 8555 8.1): token + the account's thumbprint
    assert answerer.answered == {t: acme_key.key_authorization(t) for t, _ in answerer.seen}
    assert count_rows(dbsession.get_bind(), m.AcmeChallengeProbe) == 0
    assert [e["result"] for e in selfcheck_events(dbsession)] == ["pass"]


def test_a_refused_name_raises_and_is_recorded(dbsession, raw_settings):
    dbAccount, _ = account_with_key(dbsession)
    port = free_port()
    ctx = selfcheck_ctx(dbsession, raw_settings, http01_selfcheck_address="127.0.0.1:%d" % port)
    with pytest.raises(errors.Http01SelfCheckFailed) as excinfo:
        http01_selfcheck.check_before_order(ctx, dbAccount, ["a.example.com", "b.example.com"])
    assert isinstance(excinfo.value, errors.InvalidRequest) and excinfo.value.field == "domain_names"
    assert excinfo.value.failures == {
        "a.example.com": "connection refused (127.0.0.1:%d)" % port,
        "b.example.com": "connection refused (127.0.0.1:%d)" % port,
    }
    assert "a.example.com: connection refused" in excinfo.value.message
    dbsession.rollback()  # the caller's rollback keeps the event: it was committed
    (event,) = selfcheck_events(dbsession)
    assert event["result"] == "fail" and sorted(event["domain_names_failed"]) == ["a.example.com", "b.example.com"]
    assert count_rows(dbsession.get_bind(), m.AcmeChallengeProbe) == 0


def test_the_check_is_off_by_default(ctx, dbsession):
    dbAccount, _ = account_with_key(dbsession)
    assert ctx.settings.http01_selfcheck is False
    assert http01_selfcheck.check_before_order(ctx, dbAccount, ["a.example.com"]) is None
    assert selfcheck_events(dbsession) == []


# --- end to end: the app in waitress on pebble's validation port


@pytest.fixture(scope="module")
def served_app(pebble_strict, app):
    """The app's public responder on the port pebble validates http-01 on (127.0.0.1)."""
    server = StopableWSGIServer.create(app, host="127.0.0.1", port=pebble_strict.http_port)
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def wrong_body_web():
    server = LoopbackHTTP(default=(200, {}, b"this is the default page of some other server"))
    yield server
    server.close()


def order_rows(ctx):
    return {
        "AcmeOrder": ctx.dbsession.scalar(sa.select(sa.func.count(m.AcmeOrder.id))),
        "newOrder": ctx.dbsession.scalar(
            sa.select(sa.func.count(m.AcmeEventLog.id)).where(
                m.AcmeEventLog.acme_event_id == model_utils.AcmeEvent.from_string("v2|newOrder")
            )
        ),
    }


def test_orders_and_renewals_go_to_the_ca_only_when_every_name_answers(
    pebble_strict, served_app, acme_ctx_factory, loopback_web, wrong_body_web
):
    names = ["self1.example.com", "self2.example.com"]
    good = {"http01_selfcheck": "true", "http01_selfcheck_address": "127.0.0.1:%d" % pebble_strict.http_port}
    ctx = acme_ctx_factory(pebble_strict, **good)
    dbAccount = new_account(ctx)
    # a new order: the self-check passes through the served app, pebble validates and issues
    dbOrder = actions_acme.new_order(ctx, dbAccount, names)
    assert dbOrder.acme_status_order == "valid" and dbOrder.certificate_signed_id
    assert [e["result"] for e in selfcheck_events(ctx.dbsession)] == ["pass"]
    assert count_rows(ctx.dbsession.get_bind(), m.AcmeChallengeProbe) == 0
    before = order_rows(ctx)

    # a renewal whose names answer 404, then the wrong body: the queue item fails, nothing is sent
    for server, reason in ((loopback_web, "HTTP 404"), (wrong_body_web, "wrong body: 'this is the default page")):
        queues.queue_certificates__insert(ctx, dbOrder.certificate_signed)
        ctx.checkpoint()
        bad = acme_ctx_factory(
            pebble_strict, http01_selfcheck="true", http01_selfcheck_address="127.0.0.1:%d" % server.port
        )
        results = queues.queue_certificates__process(bad)
        assert results["count_fail"] == 1 and results["count_success"] == 0
        (message,) = results["failures"].values()
        assert "The http-01 self-check failed for 2 of 2 name(s)" in message
        for name in names:
            assert "%s: %s" % (name, reason) in message
        dbItem = results["QueueCertificate"]
        assert dbItem.process_result is False and dbItem.is_active is False
        assert dbItem.acme_order_id__generated is None
        assert order_rows(bad) == before  # no order here, and none asked of pebble
        event = selfcheck_events(bad.dbsession)[-1]
        assert event["result"] == "fail" and sorted(event["domain_names_failed"]) == names

    # the same renewal once the names answer: renewed by pebble
    queues.queue_certificates__insert(ctx, dbOrder.certificate_signed)
    ctx.checkpoint()
    results = queues.queue_certificates__process(acme_ctx_factory(pebble_strict, **good))
    assert results["count_success"] == 1, results["failures"]
    assert results["QueueCertificate"].certificate_signed_id__generated
    assert order_rows(ctx)["AcmeOrder"] == before["AcmeOrder"] + 1
    assert [e["result"] for e in selfcheck_events(ctx.dbsession)] == ["pass", "fail", "fail", "pass"]
    assert count_rows(ctx.dbsession.get_bind(), m.AcmeChallengeProbe) == 0


def test_one_failing_name_stops_the_whole_domain_queue_order(pebble_strict, acme_ctx_factory, loopback_web):
    """q1 answers its probe, q2 does not: neither is ordered, and both names wait again."""
    ctx = acme_ctx_factory(
        pebble_strict, http01_selfcheck="true", http01_selfcheck_address="127.0.0.1:%d" % loopback_web.port
    )
    answerer = loopback_web.routes = ProbesAnswerer(ctx.dbsession.get_bind(), names={"q1.example.com"})
    try:
        dbAccount = new_account(ctx)
        queues.queue_domains__add(ctx, ["q1.example.com", "q2.example.com"])
        ctx.checkpoint()
        before = order_rows(ctx)
        with pytest.raises(errors.Http01SelfCheckFailed) as excinfo:
            queues.queue_domains__process(ctx, dbAccount)
    finally:
        loopback_web.routes = {}
    assert excinfo.value.failures == {"q2.example.com": "HTTP 404"}
    assert excinfo.value.checked == ["q1.example.com", "q2.example.com"]
    assert len(answerer.answered) == 1  # q1's probe was answered, and still nothing was ordered
    assert order_rows(ctx) == before
    assert queues.get__QueueDomain__count_waiting(ctx) == 2


# --- the admin form


@pytest.fixture
def failing_admin(pebble_strict, make_app, dbengine, app_settings, db, loopback_web):
    app = app_for(
        make_app,
        dbengine,
        app_settings,
        pebble_strict,
        http01_selfcheck="true",
        http01_selfcheck_address="127.0.0.1:%d" % loopback_web.port,
        http01_selfcheck_timeout="2",
    )
    point_database_at(app, db)
    yield client(app)
    reset_database(dbengine, app_settings)


def test_the_admin_form_shows_the_failure_and_orders_nothing(failing_admin, db):
    new_account_admin(failing_admin)
    res = freeform(failing_admin, ["form1.example.com", "form2.example.com"], status=400)
    assert res.json["result"] == "error"
    assert "form1.example.com: HTTP 404" in res.json["error"] and "form2.example.com: HTTP 404" in res.json["error"]
    assert res.json["form_errors"] == {"domain_names_http01": res.json["error"]}
    assert count_rows(db, m.AcmeOrder) == 0
    res = freeform(failing_admin, ["form3.example.com"], json_=False, status=400)
    assert "form3.example.com: HTTP 404" in res.text
    assert count_rows(db, m.AcmeOrder) == 0
    with db.connect() as connection:
        kinds = connection.execute(
            sa.select(m.OperationsEvent.operations_event_type_id).where(
                m.OperationsEvent.operations_event_type_id == model_utils.OperationsEventType.AcmeOrder__http01_selfcheck
            )
        ).all()
    assert len(kinds) == 2  # both attempts recorded, though the form's transaction was rolled back
