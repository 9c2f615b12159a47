"""ARI (RFC 9773) in the database layer: lib.db.ari.ari_window and ``replaces`` on renewal orders,
against pebble behind tests/ari_proxy.py (Debian's pebble 2.4 has no ARI).

Gated by SSL_RUN_LETSENCRYPT_API_TESTS (see tests/pebble.py).
"""

import datetime
import json
import random

import pytest
import sqlalchemy as sa

from peter_sslers.lib import acme_v2
from peter_sslers.lib.db import actions_acme
from peter_sslers.lib.db import ari
from peter_sslers.lib.db import queues
from peter_sslers.model import objects as m
from tests.ari_proxy import ari_proxy  # noqa: F401  (fixtures)
from tests.ari_proxy import no_ari_proxy  # noqa: F401
from tests.lib.test_actions_acme_pebble import acme_ctx_factory  # noqa: F401
from tests.lib.test_actions_acme_pebble import new_account


@pytest.fixture(autouse=True)
def _fresh_ari_cache():
    ari.clear_cache()
    yield
    ari.clear_cache()


def new_order_payloads(ctx, dbOrder):
    rows = ctx.dbsession.scalars(
        sa.select(m.AcmeEventLog)
        .where(m.AcmeEventLog.acme_order_id == dbOrder.id, m.AcmeEventLog.request_payload.is_not(None))
        .order_by(m.AcmeEventLog.id)
    ).all()
    return [json.loads(r.request_payload) for r in rows if r.acme_event == "v2|newOrder"]


def test_ari_window_is_asked_once_and_a_time_is_chosen_inside_it(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbCertificate = actions_acme.new_order(ctx, dbAccount, ["ari-db-window.example.test"]).certificate_signed
    cert_id = acme_v2.ari_cert_id(dbCertificate.cert_pem)
    info = ari.ari_window(ctx, dbCertificate)
    assert info is not None
    assert (info.start, info.end) == ari_proxy.window
    assert info.cert_id == cert_id
    # cached until Retry-After: asked once
    assert ari.ari_window(ctx, dbCertificate).start == info.start
    when = ari.ari_renewal_time(ctx, dbCertificate, rng=random.Random(7))
    assert info.start <= when <= info.end
    assert ari.ari_renewal_time(ctx, dbCertificate) == when  # chosen once per window
    assert ari_proxy.renewal_info_requests == [cert_id]
    # the exchange is in the ACME event log, linked to the certificate
    logged = ctx.dbsession.scalars(
        sa.select(m.AcmeEventLog).where(m.AcmeEventLog.certificate_signed_id == dbCertificate.id)
    ).all()
    assert "v2|renewalInfo" in {row.acme_event for row in logged}


def test_ari_window_is_none_on_a_server_error(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbCertificate = actions_acme.new_order(ctx, dbAccount, ["ari-db-error.example.test"]).certificate_signed
    ari_proxy.renewal_info_status = 503
    assert ari.ari_window(ctx, dbCertificate) is None
    assert ari.ari_renewal_time(ctx, dbCertificate) is None


def test_ari_window_is_none_without_renewal_info(no_ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(no_ari_proxy)
    dbAccount = new_account(ctx)
    dbCertificate = actions_acme.new_order(ctx, dbAccount, ["ari-db-none.example.test"]).certificate_signed
    assert ari.ari_window(ctx, dbCertificate) is None
    assert no_ari_proxy.renewal_info_requests == []


def test_renewal_order_sends_replaces(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbOrder = actions_acme.new_order(ctx, dbAccount, ["ari-db-renew.example.test"])
    cert_id = acme_v2.ari_cert_id(dbOrder.certificate_signed.cert_pem)
    dbRenewal = actions_acme.renew_order(ctx, dbOrder, "process_single")
    assert dbRenewal.acme_status_order == "valid"
    assert dbRenewal.certificate_signed_id__renewal_of == dbOrder.certificate_signed_id
    assert dbRenewal.certificate_signed.id != dbOrder.certificate_signed_id
    assert [p.get("replaces") for p in ari_proxy.new_orders] == [None, cert_id]
    assert [p.get("replaces") for p in new_order_payloads(ctx, dbRenewal)] == [cert_id]
    # an order that renews nothing sends no replaces
    actions_acme.new_order(ctx, dbAccount, ["ari-db-plain.example.test"])
    assert "replaces" not in ari_proxy.new_orders[-1]


def test_refused_replaces_is_dropped_and_the_order_sent_again(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbOrder = actions_acme.new_order(ctx, dbAccount, ["ari-db-refused.example.test"])
    cert_id = acme_v2.ari_cert_id(dbOrder.certificate_signed.cert_pem)
    ari_proxy.refuse_replaces = True
    dbRenewal = actions_acme.renew_order(ctx, dbOrder, "process_single")
    assert dbRenewal.acme_status_order == "valid"
    assert [p.get("replaces") for p in ari_proxy.new_orders] == [None, cert_id, None]
    # both attempts are logged on the renewal order; one order exists at the server
    assert [p.get("replaces") for p in new_order_payloads(ctx, dbRenewal)] == [cert_id, None]


def test_without_renewal_info_a_renewal_sends_no_replaces(no_ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(no_ari_proxy)
    dbAccount = new_account(ctx)
    dbOrder = actions_acme.new_order(ctx, dbAccount, ["ari-db-noari.example.test"])
    dbRenewal = actions_acme.renew_order(ctx, dbOrder, "process_single")
    assert dbRenewal.acme_status_order == "valid"
    assert len(no_ari_proxy.new_orders) == 2
    assert all("replaces" not in p for p in no_ari_proxy.new_orders)


def test_window_in_the_past_gives_a_past_time(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbCertificate = actions_acme.new_order(ctx, dbAccount, ["ari-db-past.example.test"]).certificate_signed
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ari_proxy.window = (now - datetime.timedelta(days=2), now - datetime.timedelta(days=1))
    assert ari.ari_renewal_time(ctx, dbCertificate) < now


def test_update_renews_inside_the_ari_window(ari_proxy, acme_ctx_factory):  # noqa: F811
    """The renewal `update` job follows the CA's window (queues.renewal_due_at): a fresh
    certificate (pebble's last years) is queued when the window has come, and one whose lifetime
    rule says 'due' is not while the window is still ahead."""
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    dbOrder = actions_acme.new_order(ctx, dbAccount, ["ari-update-now.example.test"])
    now = datetime.datetime.now(datetime.timezone.utc)
    ari_proxy.window = (now - datetime.timedelta(hours=2), now - datetime.timedelta(hours=1))
    results = queues.queue_certificates__update(ctx)
    ctx.dbsession.commit()
    assert results["count_queued"] == 1, results
    dbQueue = ctx.dbsession.get(m.QueueCertificate, int(results["queue_certificate_ids"][0]))
    assert dbQueue.certificate_signed_id__source == dbOrder.certificate_signed_id

    # the lifetime rule says due (a renewal window of 3,700 days); the CA's window is a week ahead
    ari.clear_cache()
    ctx_due = acme_ctx_factory(ari_proxy, queue_certificates_renewal_days="3700")
    actions_acme.new_order(ctx_due, new_account(ctx_due, contact="later@example.com"), ["ari-update-later.example.test"])
    ari_proxy.window = (now + datetime.timedelta(days=7), now + datetime.timedelta(days=8))
    results = queues.queue_certificates__update(ctx_due)
    assert results["count_queued"] == 0, results


def test_a_directory_without_renewal_info_is_asked_once_not_per_certificate(no_ari_proxy, acme_ctx_factory):  # noqa: F811
    """A CA without ARI (or down) costs one directory request per run of `update`, not one per
    certificate: 10,000 certificates must not mean 10,000 directory fetches."""
    ctx = acme_ctx_factory(no_ari_proxy)
    dbAccount = new_account(ctx)
    certificates = [
        actions_acme.new_order(ctx, dbAccount, ["ari-db-once-%d.example.test" % i]).certificate_signed for i in range(3)
    ]
    ari.clear_cache()
    # a run of `update` is a unit of work of its own (the orders' context keeps the directory its
    # orders fetched: asking it would cost no request at all)
    ctx = acme_ctx_factory(no_ari_proxy)
    certificates = [ctx.dbsession.get(m.CertificateSigned, c.id) for c in certificates]
    before = no_ari_proxy.directory_requests
    assert [ari.ari_window(ctx, c) for c in certificates] == [None, None, None]
    assert no_ari_proxy.directory_requests == before + 1
    assert no_ari_proxy.renewal_info_requests == []
