"""The CA's "come back later", end to end: pebble behind tests/ari_proxy.py, whose newOrder answers
``rateLimited`` (429) or 503 with a ``Retry-After`` (seconds, or an HTTP-date). The renewal item is
recorded as failed with the CA's time, and ``update`` does not enqueue it before then.

Gated by SSL_RUN_LETSENCRYPT_API_TESTS (see tests/pebble.py).
"""

import datetime
import email.utils

import pytest

from peter_sslers.lib import errors
from peter_sslers.lib.db import actions_acme
from peter_sslers.lib.db import ari
from peter_sslers.lib.db import queues
from tests.ari_proxy import ari_proxy  # noqa: F401  (fixtures)
from tests.lib.test_actions_acme_pebble import acme_ctx_factory  # noqa: F401
from tests.lib.test_actions_acme_pebble import new_account

RATE_LIMITED = {
    "type": "urn:ietf:params:acme:error:rateLimited",
    "detail": "too many new orders (300) from this account in the last 3h0m0s",
    "status": 429,
}


@pytest.fixture(autouse=True)
def _fresh_ari_cache():
    ari.clear_cache()
    yield
    ari.clear_cache()


def test_rate_limited_and_503_answers_set_the_next_attempt(ari_proxy, acme_ctx_factory):  # noqa: F811
    ctx = acme_ctx_factory(ari_proxy, queue_certificates_retry_base="3600", queue_certificates_retry_max="86400")
    dbAccount = new_account(ctx)
    dbCertificate = actions_acme.new_order(ctx, dbAccount, ["rate-limited.example.test"]).certificate_signed
    assert dbCertificate is not None
    sent_before = len(ari_proxy.new_orders)

    # 1. 429 rateLimited, Retry-After in seconds (two hours: later than the first back-off, one hour)
    ari_proxy.new_order_answer = (429, RATE_LIMITED, {"Retry-After": "7200"})
    dbQueue = queues.queue_certificates__insert(ctx, dbCertificate)
    ctx.dbsession.commit()
    results = queues.queue_certificates__process(ctx)
    assert results["QueueCertificate"].id == dbQueue.id and results["count_fail"] == 1
    assert "rateLimited" in results["failures"][str(dbQueue.id)]
    assert len(ari_proxy.new_orders) == sent_before + 1  # asked once: a wait that long is not sat through
    ctx.dbsession.refresh(dbQueue)
    assert (dbQueue.process_result, dbQueue.count_failures) == (False, 1)
    assert dbQueue.timestamp_retry_after == ctx.timestamp + datetime.timedelta(seconds=7200)
    # update does not enqueue the certificate again before the CA's time, due as it is (the CA's
    # ARI window has come)
    now = datetime.datetime.now(datetime.timezone.utc)
    ari_proxy.window = (now - datetime.timedelta(hours=2), now - datetime.timedelta(hours=1))
    skipped = queues.queue_certificates__update(ctx)
    assert skipped["count_queued"] == 0
    assert skipped["skipped"][str(dbCertificate.id)] == "backoff: until %s (attempt 1)" % (
        dbQueue.timestamp_retry_after.isoformat()
    )

    # 2. 503 with an HTTP-date three hours from now (later than the 2 h of a second failure), measured
    # from the answer's own Date (the proxy's clock, a moment later)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ari_proxy.new_order_answer = (
        503,
        None,
        {"Retry-After": email.utils.format_datetime(now + datetime.timedelta(hours=3), usegmt=True)},
    )
    dbQueue2 = queues.queue_certificates__insert(ctx, dbCertificate)  # by hand: an operator's retry
    ctx.dbsession.commit()
    results = queues.queue_certificates__process(ctx)
    assert results["QueueCertificate"].id == dbQueue2.id and results["count_fail"] == 1
    assert "HTTP 503" in results["failures"][str(dbQueue2.id)]
    ctx.dbsession.refresh(dbQueue2)
    assert dbQueue2.count_failures == 2
    wait = dbQueue2.timestamp_retry_after - ctx.timestamp
    assert datetime.timedelta(hours=3) - datetime.timedelta(seconds=30) < wait <= datetime.timedelta(hours=3)

    # 3. the CA's time has come and it answers again: the renewal goes through
    ari_proxy.new_order_answer = None
    ctx.timestamp = dbQueue2.timestamp_retry_after
    assert queues.queue_certificates__update(ctx)["count_queued"] == 1
    results = queues.queue_certificates__process(ctx)
    assert results["count_success"] == 1, results


def test_the_client_error_carries_the_retry_after(ari_proxy, acme_ctx_factory):  # noqa: F811
    """An order placed by hand gets the CA's error as is, its Retry-After parsed."""
    ctx = acme_ctx_factory(ari_proxy)
    dbAccount = new_account(ctx)
    ari_proxy.new_order_answer = (429, RATE_LIMITED, {"Retry-After": "3600"})
    with pytest.raises(errors.AcmeServerError) as caught:
        actions_acme.new_order(ctx, dbAccount, ["rate-limited-form.example.test"])
    assert (caught.value.code, caught.value.retry_after, caught.value.is_rate_limited) == ("rateLimited", 3600.0, True)
