"""The order lifecycle (lib.db.actions_acme, lib.db.acme_accounts) against a real pebble.

Gated by SSL_RUN_LETSENCRYPT_API_TESTS (see tests/pebble.py). The database is the test
database, reset before each test; its pebble provider is pointed at the pebble of the test.
"""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from webtest.http import StopableWSGIServer

from peter_sslers.config import ApplicationSettings
from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import acme_accounts
from peter_sslers.lib.db import actions_acme
from peter_sslers.lib.db import actions_redis
from peter_sslers.lib.db import get
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority
from peter_sslers.model import objects as m
from tests.pebble import validation_domains


def settings_for(raw_settings, pebble, **overrides) -> ApplicationSettings:
    values = dict(
        raw_settings,
        certificate_authority="pebble",
        certificate_authority_directory=pebble.directory_url,
        certificate_authority_ca_bundle=pebble.ca_bundle_path,
    )
    values.update(overrides)
    return ApplicationSettings.from_settings(values)


@pytest.fixture
def acme_ctx_factory(db, raw_settings):
    """``make(pebble, **settings)``: an ApiContext (with its own session) whose default ACME server is
    that pebble. Call it again for a 'new process' on the same database."""
    sessions = []

    def make(pebble, **overrides):
        session = Session(bind=db, expire_on_commit=False)
        sessions.append(session)
        ctx = ApiContext(session, settings_for(raw_settings, pebble, **overrides))
        reconcile_certificate_authority(ctx)
        session.commit()
        return ctx

    yield make
    for session in sessions:
        session.rollback()
        session.close()


def new_account(ctx, key_technology="RSA", contact="admin@example.com"):
    dbProvider = get.get__AcmeAccountProvider__default(ctx)
    dbAccount, _ = acme_accounts.getcreate__AcmeAccount(ctx, dbProvider, contact, key_technology=key_technology)
    acme_accounts.register(ctx, dbAccount)
    return dbAccount


def verify_chain_to_pebble_root(pebble, dbCertificate):
    chain = dbCertificate.certificate_signed_chains[0].certificate_ca_chain
    roots = pebble.roots()
    errors_seen = []
    for root in roots:
        try:
            cert_utils.ensure_chain(dbCertificate.cert_pem, cert_utils.split_pem_chain(chain.chain_pem), root_pem=root)
            return
        except errors.ChainError as exc:
            errors_seen.append(str(exc))
    pytest.fail("the chain verifies to no pebble root: %s" % errors_seen)


# --- accounts


@pytest.mark.parametrize("key_technology", ["RSA", "EC_P256", "EC_P384"])
def test_accounts_register_check_and_default(pebble_always_valid, acme_ctx_factory, key_technology):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx, key_technology)
    assert dbAccount.account_url.startswith("https://127.0.0.1:")
    assert dbAccount.is_global_default is True  # the first usable account on the default server
    assert dbAccount.acme_account_key.key_technology == ("RSA" if key_technology == "RSA" else "EC")
    assert acme_accounts.register(ctx, dbAccount, only_return_existing=True)["is_created"] is False
    events = ctx.dbsession.scalars(sa.select(m.AcmeEventLog).where(m.AcmeEventLog.acme_account_id == dbAccount.id)).all()
    assert any(e.acme_event == "v2|newAccount" for e in events)


def test_check_unknown_account(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbProvider = get.get__AcmeAccountProvider__default(ctx)
    dbAccount, _ = acme_accounts.getcreate__AcmeAccount(ctx, dbProvider, "nobody@example.com")
    with pytest.raises(errors.AcmeServerError) as excinfo:
        acme_accounts.register(ctx, dbAccount, only_return_existing=True)
    assert excinfo.value.code == "accountDoesNotExist"
    assert dbAccount.account_url is None


# --- orders


def order(ctx, dbAccount, names, **kw):
    return actions_acme.new_order(ctx, dbAccount, names, **kw)


def test_order_three_names_to_a_certificate(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    names = ["a.example.com", "b.example.com", "c.example.com"]
    dbOrder = order(ctx, dbAccount, names)
    assert dbOrder.acme_status_order == "valid"
    assert dbOrder.acme_order_processing_status == "certificate_downloaded"
    assert dbOrder.is_processing is None
    dbCertificate = dbOrder.certificate_signed
    assert dbCertificate.domains_as_list == names
    assert dbCertificate.is_active
    verify_chain_to_pebble_root(pebble_always_valid, dbCertificate)
    # every alternate chain is stored, the server's first one is the default
    assert len(dbCertificate.certificate_signed_chains) == len(pebble_always_valid.roots())
    assert dbCertificate.certificate_signed_chains[0].is_upstream_default is True
    # the deferred key was generated for this certificate, owned by the account
    assert dbCertificate.private_key.private_key_type == "single_certificate"
    assert dbCertificate.private_key.acme_account_id__owner == dbAccount.id
    assert dbOrder.private_key_strategy__final == "deferred-associate"
    # the domains serve it
    dbDomain = get.get__Domain__for_config(ctx, "b.example.com")
    assert dbDomain.certificate_signed_id__latest_multi == dbCertificate.id
    # every exchange is logged against the order
    kinds = {e.acme_event for e in ctx.dbsession.scalars(sa.select(m.AcmeEventLog).where(m.AcmeEventLog.acme_order_id == dbOrder.id))}
    assert {"v2|newOrder", "v2|-authorization-request", "v2|-challenge-trigger", "v2|Order-finalize", "v2|Certificate-download"} <= kinds


def test_order_fifty_names(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx, "EC_P256")
    names = ["host%02d.example.net" % i for i in range(50)]
    dbOrder = order(ctx, dbAccount, names)
    assert dbOrder.acme_status_order == "valid"
    assert len(dbOrder.certificate_signed.domains_as_list) == 50
    assert len(dbOrder.to_acme_authorizations) == 50


@pytest.mark.parametrize("technology", ["RSA", "EC"])
def test_key_technology_and_cycles(pebble_always_valid, acme_ctx_factory, technology):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    acme_accounts.edit(ctx, dbAccount, "account_daily", technology)
    first = order(ctx, dbAccount, ["daily1.example.com"]).certificate_signed
    second = order(ctx, dbAccount, ["daily2.example.com"]).certificate_signed
    assert first.private_key_id == second.private_key_id  # the account's key of the day
    assert first.private_key.key_technology == technology
    assert first.private_key.private_key_type == "account_daily"
    third = order(ctx, dbAccount, ["gen.example.com"], private_key_strategy="deferred-generate").certificate_signed
    assert third.private_key_id != first.private_key_id


def test_specified_key(pebble_always_valid, acme_ctx_factory):
    from peter_sslers.lib.db import create

    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    dbKey = create.create__PrivateKey__generate(ctx, "EC", curve="P-384")
    dbOrder = order(ctx, dbAccount, ["specified.example.com"], private_key_strategy="specified", dbPrivateKey=dbKey)
    assert dbOrder.certificate_signed.private_key_id == dbKey.id
    assert dbOrder.private_key_strategy__final == "specified"


def test_process_multi_steps_and_create_order(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    dbOrder = order(ctx, dbAccount, ["m1.example.com", "m2.example.com"], processing_strategy="process_multi")
    assert dbOrder.acme_status_order == "pending"
    assert actions_acme.process_order(ctx, dbOrder, one_step=True) == "authorization"
    assert actions_acme.process_order(ctx, dbOrder, one_step=True) == "authorization"
    assert actions_acme.process_order(ctx, dbOrder, one_step=True) == "finalized"
    assert dbOrder.acme_status_order == "valid"
    assert dbOrder.certificate_signed_id is not None  # finalizing fetched it
    with pytest.raises(errors.InvalidTransition):
        actions_acme.process_order(ctx, dbOrder)


def test_competing_orders_are_blocked(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    order(ctx, dbAccount, ["busy.example.com"], processing_strategy="create_order")
    with pytest.raises(errors.ConflictingObject):
        order(ctx, dbAccount, ["busy.example.com", "other.example.com"])


def test_crash_mid_order_is_recovered_by_sync(pebble_always_valid, acme_ctx_factory):
    """A process that created the order and died: a new process finds it committed and finishes it."""
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    dbOrder = order(ctx, dbAccount, ["crash.example.com"], processing_strategy="create_order")
    order_id = dbOrder.id
    ctx.dbsession.rollback()  # whatever was not committed is lost, as in a crash
    ctx2 = acme_ctx_factory(pebble_always_valid)
    dbOrder2 = ctx2.dbsession.get(m.AcmeOrder, order_id)
    assert dbOrder2.order_url and len(dbOrder2.to_acme_authorizations) == 1
    assert actions_acme.sync_order(ctx2, dbOrder2) == "pending"
    actions_acme.process_order(ctx2, dbOrder2)
    assert dbOrder2.acme_status_order == "valid"


def test_key_change_then_new_order(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    old_key_id = dbAccount.acme_account_key.id
    dbNewKey = acme_accounts.key_change(ctx, dbAccount, "EC_P256")
    assert dbNewKey.id != old_key_id and dbNewKey.is_active
    assert ctx.dbsession.get(m.AcmeAccountKey, old_key_id).is_active is None
    dbOrder = order(ctx, dbAccount, ["after-rollover.example.com"])
    assert dbOrder.acme_status_order == "valid"


def test_revoke_with_account_key_and_with_certificate_key(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    dbCertificate = order(ctx, dbAccount, ["revoke.example.com"]).certificate_signed
    actions_acme.revoke_certificate(ctx, dbCertificate, reason=4)
    assert dbCertificate.is_revoked and not dbCertificate.is_active
    assert dbCertificate.timestamp_revoked_upstream is not None
    status = pebble_always_valid.cert_status_by_serial(dbCertificate.cert_serial)
    assert status["Status"] == "Revoked"
    with pytest.raises(errors.InvalidTransition):
        actions_acme.revoke_certificate(ctx, dbCertificate)


def test_revoke_takes_the_certificate_out_of_redis(pebble_always_valid, acme_ctx_factory, redis_url, redis_client):
    """Revoked on the ACME server: once committed, Redis no longer serves it (review finding 5)."""
    ctx = acme_ctx_factory(
        pebble_always_valid, enable_redis="true", **{"redis.url": redis_url, "redis.prime_style": "1"}
    )
    dbAccount = new_account(ctx)
    dbCertificate = order(ctx, dbAccount, ["revoke-redis.example.com"]).certificate_signed
    actions_redis.prime_redis__all(ctx)
    ctx.dbsession.commit()
    assert redis_client.hget("d1:revoke-redis.example.com", "c") == str(dbCertificate.id)
    actions_acme.revoke_certificate(ctx, dbCertificate, reason=1)
    assert not redis_client.exists("d1:revoke-redis.example.com")
    assert not redis_client.exists("c:%s" % dbCertificate.id)


def test_account_deactivation(pebble_always_valid, acme_ctx_factory):
    ctx = acme_ctx_factory(pebble_always_valid)
    dbAccount = new_account(ctx)
    acme_accounts.deactivate(ctx, dbAccount)
    assert dbAccount.is_active is False and dbAccount.timestamp_deactivated is not None
    with pytest.raises(errors.InvalidRequest):
        order(ctx, dbAccount, ["x.example.com"])


# --- faults


def test_nonce_rejections_are_retried(make_pebble, acme_ctx_factory, monkeypatch):
    """pebble rejects 40% of nonces; every rejected request is sent again and the order completes.

    With the default 5 retries, one request fails 0.4**6 = 0.4% of the time and a whole order
    (about 15 requests) a few percent: the test raises the retries so that it tests the retrying,
    not luck, and counts the rejections it saw so that it cannot pass without any.
    """
    rejections = []
    make_transport = acme_accounts.acme_transport

    def transport_with_more_retries(*args, **kwargs):
        transport = make_transport(*args, **kwargs)
        transport.max_bad_nonce_retries = 25
        send = transport._send

        def counting_send(*send_args, **send_kwargs):
            response, exchange = send(*send_args, **send_kwargs)
            if (exchange.problem or {}).get("type", "").endswith(":badNonce"):
                rejections.append(exchange)
            return response, exchange

        transport._send = counting_send
        return transport

    monkeypatch.setattr(acme_accounts, "acme_transport", transport_with_more_retries)
    pebble = make_pebble(PEBBLE_WFE_NONCEREJECT="40")
    ctx = acme_ctx_factory(pebble)
    dbAccount = new_account(ctx)
    assert order(ctx, dbAccount, ["nonce.example.com"]).acme_status_order == "valid"
    assert rejections, "pebble rejected no nonce: the retry path was not exercised"


def test_pebble_restarted_mid_order(make_pebble, acme_ctx_factory):
    pebble = make_pebble()
    ctx = acme_ctx_factory(pebble)
    dbAccount = new_account(ctx)
    dbOrder = order(ctx, dbAccount, ["restart.example.com"], processing_strategy="create_order")
    pebble.restart()
    assert actions_acme.sync_order(ctx, dbOrder) == "*404*"
    assert dbOrder.acme_status_order == "*404*"
    assert dbOrder.is_processing is None
    with pytest.raises(errors.InvalidTransition):
        actions_acme.process_order(ctx, dbOrder)
    # the account is gone too: pebble forgets everything
    with pytest.raises(errors.AcmeError):
        actions_acme.retry_order(ctx, dbOrder)


def serve_app(app, port):
    return StopableWSGIServer.create(app, host="127.0.0.1", port=port)


def test_real_validation_against_the_apps_public_responder(pebble_strict, acme_ctx_factory, make_app):
    """pebble resolves every name to 127.0.0.1 and fetches the token from the app's own public view.

    The names are ``SSL_TEST_DOMAINS`` when set (the specification's switch), the app listens on
    ``SSL_TEST_PORT`` when set (``pebble_strict.http_port``)."""
    names = validation_domains(["real1.example.com", "real2.example.com"])
    ctx = acme_ctx_factory(pebble_strict)
    dbAccount = new_account(ctx)
    app = make_app(
        certificate_authority_directory=pebble_strict.directory_url,
        certificate_authority_ca_bundle=pebble_strict.ca_bundle_path,
    )
    server = serve_app(app, pebble_strict.http_port)
    try:
        dbOrder = order(ctx, dbAccount, names)
    finally:
        server.shutdown()
    assert dbOrder.acme_status_order == "valid"
    assert sorted(dbOrder.domains_as_list) == sorted(names)
    polls = ctx.dbsession.scalars(sa.select(m.AcmeChallengePoll)).all()
    assert len(polls) >= len(names)  # pebble's validation requests reached the app


def test_token_not_served_fails_the_order_and_cleans_up(pebble_strict, acme_ctx_factory):
    """Nobody answers on the validation port: the order fails, the other authorization is deactivated."""
    ctx = acme_ctx_factory(pebble_strict, cleanup_pending_authorizations="true")
    dbAccount = new_account(ctx)
    with pytest.raises(actions_acme.AcmeOrderFailed) as excinfo:
        order(ctx, dbAccount, ["fail1.example.com", "fail2.example.com"])
    dbOrder = ctx.dbsession.get(m.AcmeOrder, excinfo.value.acme_order_id)
    assert dbOrder.acme_status_order == "invalid"
    assert dbOrder.acme_order_processing_status == "processing_completed_failure"
    assert excinfo.value.problem and "type" in excinfo.value.problem
    statuses = sorted(link.acme_authorization.acme_status_authorization for link in dbOrder.to_acme_authorizations)
    assert "invalid" in statuses
    assert all(s in ("invalid", "deactivated") for s in statuses), statuses
    # the domains are free again
    assert actions_acme.blocking_orders(ctx, [d.domain_id for d in dbOrder.unique_fqdn_set.to_domains]) == []
