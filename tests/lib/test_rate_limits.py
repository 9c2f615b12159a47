"""The CA's rate limits (lib/db/rate_limits.py) and the renewal queue's back-off (lib/db/queues.py).

No ACME server here: every count comes from rows the factories make, the clock is ``ctx.timestamp``,
and where an order would be sent ``actions_acme.new_order`` is replaced by a stand-in that fails.
The end-to-end test against pebble behind a rate-limiting proxy is in
tests/lib/test_rate_limits_pebble.py.
"""

import dataclasses
import datetime

import pytest
import sqlalchemy as sa

from peter_sslers.lib import errors
from peter_sslers.lib.db import actions_acme
from peter_sslers.lib.db import queues
from peter_sslers.lib.db import rate_limits
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_queue_certificates import _due

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def limited(ctx, app_settings, **options):
    """Every limit off unless given: each test sees only the one it is about."""
    values = dict(
        rate_limit_orders_per_account=0,
        rate_limit_certificates_per_domain=0,
        rate_limit_duplicate_certificates=0,
        rate_limit_failed_validations=0,
    )
    values.update(options)
    ctx.settings = dataclasses.replace(app_settings, **values)
    return ctx


def usable_account(s):
    account = f.make_account(s)
    f.make_account_key(s, account=account)
    return account


# --- registered domains


@pytest.mark.parametrize(
    "name, expected",
    [
        ("www.example.com", "example.com"),
        ("example.com", "example.com"),
        ("new.blog.example.co.uk", "example.co.uk"),
        ("*.shop.example.co.uk", "example.co.uk"),
        ("a.b.example.test", "example.test"),  # an unknown TLD is a public suffix
        ("Foo.Example.ORG.", "example.org"),
        ("com", "com"),  # a public suffix is its own registered domain
    ],
)
def test_registered_domain(name, expected):
    assert rate_limits.registered_domain(name) == expected


# --- each count and its next allowed time


def test_orders_per_account(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_orders_per_account=3)
    s = ctx.dbsession
    now = ctx.timestamp
    account, other = f.make_account(s), f.make_account(s)
    for ago in (2 * HOUR, HOUR):
        f.make_acme_order(s, account=account, timestamp_created=now - ago)
    f.make_acme_order(s, account=account, timestamp_created=now - 4 * HOUR)  # out of the window
    f.make_acme_order(s, account=account, timestamp_created=now, order_url=None)  # refused: never created
    f.make_acme_order(s, account=other, timestamp_created=now)
    state = rate_limits.orders_per_account(ctx, account.id)
    assert (state.count, state.maximum, state.is_exceeded) == (2, 3, False)
    f.make_acme_order(s, account=account, timestamp_created=now - datetime.timedelta(minutes=10))
    state = rate_limits.orders_per_account(ctx, account.id)
    # the third order fills the window: the next when the oldest of the three leaves it
    assert state.count == 3 and state.next_allowed == now - 2 * HOUR + 3 * HOUR
    assert state.message == (
        "rate limit: new orders for ACME account %s: 3 in the last 3 hours; next possible at %s"
        % (account.id, (now + HOUR).isoformat())
    )
    # a fourth (made by hand): the next is when the second-oldest leaves
    f.make_acme_order(s, account=account, timestamp_created=now - datetime.timedelta(minutes=30))
    assert rate_limits.orders_per_account(ctx, account.id).next_allowed == now + 2 * HOUR
    # the limit off: nothing counted
    limited(ctx, app_settings)
    assert rate_limits.orders_per_account(ctx, account.id) is None


def test_certificates_per_registered_domain(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_certificates_per_domain=2)
    s = ctx.dbsession
    now = ctx.timestamp
    f.make_certificate_signed(
        s, fqdn_set=f.make_fqdn_set(s, ["a.example.co.uk", "b.example.co.uk"]), timestamp_not_before=now - 2 * DAY
    )
    f.make_certificate_signed(s, fqdn_set=f.make_fqdn_set(s, ["example.co.uk"]), timestamp_not_before=now - DAY)
    # not under example.co.uk: another registered domain that ends with the same letters, an old one
    f.make_certificate_signed(s, fqdn_set=f.make_fqdn_set(s, ["xexample.co.uk"]), timestamp_not_before=now)
    f.make_certificate_signed(s, fqdn_set=f.make_fqdn_set(s, ["old.example.co.uk"]), timestamp_not_before=now - 9 * DAY)
    state = rate_limits.certificates_per_domain(ctx, "example.co.uk")
    # notBefore may be backdated by the CA: a certificate counts an hour longer
    assert state.count == 2 and state.next_allowed == now - 2 * DAY + 7 * DAY + HOUR
    assert state.message.startswith("rate limit: certificates for the registered domain example.co.uk: 2 in the last 7 days")
    assert rate_limits.certificates_per_domain(ctx, "xexample.co.uk").count == 1
    # LIKE's wildcards in a name are literal
    assert rate_limits.certificates_per_domain(ctx, "_xample.co.uk").count == 0


def test_duplicate_certificates(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_duplicate_certificates=2)
    s = ctx.dbsession
    now = ctx.timestamp
    fqdn_set = f.make_fqdn_set(s, ["dup-a.example.com", "dup-b.example.com"])
    f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=now - 3 * DAY)
    assert not rate_limits.duplicate_certificates(ctx, fqdn_set).is_exceeded
    f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=now - DAY)
    f.make_certificate_signed(s, fqdn_set=f.make_fqdn_set(s, ["dup-c.example.com"]), timestamp_not_before=now)
    state = rate_limits.duplicate_certificates(ctx, fqdn_set)
    assert state.count == 2 and state.next_allowed == now + 4 * DAY + HOUR
    assert state.message == (
        "rate limit: duplicate certificates for this set (dup-a.example.com, dup-b.example.com): 2 in the last "
        "7 days; next possible at %s" % (now + 4 * DAY + HOUR).isoformat()
    )


def test_failed_validations_per_name_and_account(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_failed_validations=2)
    s = ctx.dbsession
    now = ctx.timestamp
    account, other = f.make_account(s), f.make_account(s)
    domain = f.make_domain(s, "fails.example.com")
    invalid = model_utils.Acme_Status_Authorization.INVALID

    def authz(acct, minutes_ago, status=invalid):
        order = f.make_acme_order(s, account=acct)
        f.make_authorization(
            s,
            order=order,
            domain=domain,
            acme_status_authorization_id=status,
            timestamp_updated=now - datetime.timedelta(minutes=minutes_ago),
        )

    authz(account, 40)
    authz(account, 5, status=model_utils.Acme_Status_Authorization.VALID)
    authz(account, 90)  # out of the hour
    authz(other, 1)  # another account's
    assert rate_limits.failed_validations(ctx, account.id, domain.id, domain.domain_name).count == 1
    authz(account, 10)
    state = rate_limits.failed_validations(ctx, account.id, domain.id, domain.domain_name)
    assert state.count == 2 and state.next_allowed == now + datetime.timedelta(minutes=20)
    assert state.message.startswith("rate limit: failed validations of fails.example.com: 2 in the last hour")


# --- the check before any order


def test_new_order_beyond_a_limit_is_not_sent(db, ctx, app_settings):
    """``actions_acme.new_order`` refuses before making a row or calling the server (the account's
    server does not exist: a request would fail differently)."""
    limited(ctx, app_settings, rate_limit_duplicate_certificates=1, rate_limit_orders_per_account=1)
    s = ctx.dbsession
    now = ctx.timestamp
    account = usable_account(s)
    fqdn_set = f.make_fqdn_set(s, ["limited.example.com"])
    f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=now - DAY)
    f.make_acme_order(s, account=account, timestamp_created=now - HOUR)
    orders = s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder))
    with pytest.raises(errors.RateLimitDeferred) as caught:
        actions_acme.new_order(ctx, account, ["limited.example.com"])
    exc = caught.value
    # the limit that allows the order last is named, the other one too
    assert exc.limit == "duplicate_certificates" and exc.not_before == now + 6 * DAY + HOUR
    assert exc.message.startswith(
        "rate limit: duplicate certificates for this set (limited.example.com): 1 in the last 7 days; next possible at "
        + (now + 6 * DAY + HOUR).isoformat()
    )
    assert "(also rate limit: new orders for ACME account %s" % account.id in exc.message
    assert exc.field == "domain_names" and isinstance(exc, errors.InvalidRequest)
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == orders


# --- the queue: a deferred item waits, then is taken


def test_a_deferred_item_waits_and_is_taken_when_its_time_comes(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_duplicate_certificates=1)
    s = ctx.dbsession
    now = ctx.timestamp
    certificate, order = _due(s)
    order.is_processing = None  # finished: it blocks no new order
    # issued yesterday, since deactivated (it replaces nothing, but the CA counted it)
    f.make_certificate_signed(s, fqdn_set=certificate.unique_fqdn_set, timestamp_not_before=now - DAY, is_active=False)
    s.commit()
    queued = queues.queue_certificates__update(ctx)
    assert queued["count_queued"] == 1, queued
    item_id = int(queued["queue_certificate_ids"][0])
    results = queues.queue_certificates__process(ctx)
    not_before = now + 6 * DAY + HOUR
    assert (results["count_total"], results["count_fail"], results["count_deferred"]) == (1, 0, 1), results
    assert results["deferred"][str(item_id)].endswith("next possible at %s" % not_before.isoformat())
    assert (results["count_remaining"], results["count_waiting_later"]) == (0, 1)
    s.expire_all()
    item = s.get(m.QueueCertificate, item_id)
    # not a failure: waiting again, not before the window allows it; nothing was ordered
    assert (item.is_active, item.process_result, item.timestamp_not_before) == (True, None, not_before)
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == 1
    assert "QueueCertificate__process__deferred" in {
        model_utils.OperationsEventType.as_string(e.operations_event_type_id) for e in s.scalars(sa.select(m.OperationsEvent))
    }
    # the next run skips it (nothing else is ready), and update does not enqueue the set again
    assert queues.queue_certificates__process(ctx)["count_total"] == 0
    assert queues.queue_certificates__update(ctx)["skipped"][str(certificate.id)] == "already_queued"
    assert queues.take_queued_certificate(ctx) is None
    # its time comes: the guarded claim takes it
    ctx.timestamp = not_before
    taken = queues.take_queued_certificate(ctx)
    assert taken is not None and taken.id == item_id and taken.is_active is False


def test_an_item_behind_a_deferred_one_is_taken(db, ctx, app_settings):
    s = ctx.dbsession
    items = []
    for not_before in (ctx.timestamp + HOUR, None):
        fqdn_set = f.make_fqdn_set(s)
        item = f.make_queue_certificate(
            s, acme_account=usable_account(s), unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set,
            timestamp_not_before=not_before,
        )  # fmt: skip
        s.add(item)
        s.flush()
        items.append(item)
    first, second = items
    s.commit()
    assert queues.get__QueueCertificate__count_ready(ctx) == 1
    assert queues.take_queued_certificate(ctx).id == second.id
    assert queues.take_queued_certificate(ctx) is None


# --- back-off


def test_backoff_wait_grows_is_capped_and_bounded_by_not_after():
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    far = now + 60 * DAY
    waits = [queues.backoff_wait(3600, 86400, n, far, now) for n in range(1, 8)]
    assert waits == [HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, DAY, DAY]
    # never more than a quarter of the time left
    assert queues.backoff_wait(3600, 86400, 5, now + 10 * HOUR, now) == 2.5 * HOUR
    # expired: the base pace
    assert queues.backoff_wait(3600, 86400, 9, now - HOUR, now) == HOUR
    assert queues.backoff_wait(3600, 86400, 100, None, now) == DAY  # no overflow


def _failing_new_order(monkeypatch, failures):
    def fake_place_order(ctx, spec):
        raise failures.pop(0) if failures else errors.AcmeCommunicationError("connection refused")

    monkeypatch.setattr(queues.actions_acme, "place_order", fake_place_order)


def test_a_failing_certificate_backs_off_across_update_runs(db, ctx, app_settings, monkeypatch):
    """A failed renewal is not enqueued by the next update: it waits 1 h, 2 h, 4 h... (the CA's
    Retry-After when later), up to the cap; a success starts the count again."""
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_retry_base=3600, queue_certificates_retry_max=4 * 3600)
    s = ctx.dbsession
    certificate, order = _due(s, days_left=20)
    s.commit()
    failures = [
        errors.AcmeCommunicationError("connection refused"),
        errors.AcmeServerError(503, None, retry_after=None, detail="down"),
        # the CA's Retry-After (5 h) is later than the 4 h of the third failure: it wins
        errors.AcmeServerError(429, {"type": "urn:ietf:params:acme:error:rateLimited", "detail": "slow"}, retry_after=5 * 3600),
    ]
    _failing_new_order(monkeypatch, failures)
    expected_waits = [HOUR, 2 * HOUR, 5 * HOUR, 4 * HOUR, 4 * HOUR]
    for attempt, wait in enumerate(expected_waits, start=1):
        queued = queues.queue_certificates__update(ctx)
        assert queued["count_queued"] == 1, (attempt, queued)
        results = queues.queue_certificates__process(ctx)
        assert results["count_fail"] == 1
        item = results["QueueCertificate"]
        assert (item.count_failures, item.timestamp_retry_after) == (attempt, ctx.timestamp + wait)
        # the next update runs skip it until its time
        for later in (datetime.timedelta(0), wait - datetime.timedelta(seconds=1)):
            ctx.timestamp = item.timestamp_processed + later
            skipped = queues.queue_certificates__update(ctx)
            assert skipped["count_queued"] == 0
            assert skipped["skipped"][str(certificate.id)] == "backoff: until %s (attempt %s)" % (
                item.timestamp_retry_after.isoformat(),
                attempt,
            )
        ctx.timestamp = item.timestamp_retry_after
    # a success for the set (a certificate issued another way closes a waiting item) resets the count
    queued = queues.queue_certificates__update(ctx)
    assert queued["count_queued"] == 1
    dbQueue = s.get(m.QueueCertificate, int(queued["queue_certificate_ids"][0]))
    dbQueue.is_active, dbQueue.process_result = False, True
    s.commit()
    dbQueue = f.make_queue_certificate(
        s, acme_account=order.acme_account, unique_fqdn_set=certificate.unique_fqdn_set, certificate_signed__source=certificate
    )
    s.add(dbQueue)
    s.commit()
    results = queues.queue_certificates__process(ctx)
    assert results["QueueCertificate"].id == dbQueue.id and results["QueueCertificate"].count_failures == 1


def test_backoff_never_outlives_the_certificate(db, ctx, app_settings, monkeypatch):
    """Close to notAfter the waits shrink to a quarter of the time left: retries keep coming."""
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_retry_base=3600, queue_certificates_retry_max=86400)
    s = ctx.dbsession
    certificate, _ = _due(s, days_left=0)
    certificate.timestamp_not_after = ctx.timestamp + 6 * HOUR
    s.commit()
    _failing_new_order(monkeypatch, [])
    seen = []
    for _ in range(4):
        assert queues.queue_certificates__update(ctx)["count_queued"] == 1
        item = queues.queue_certificates__process(ctx)["QueueCertificate"]
        seen.append(item.timestamp_retry_after - ctx.timestamp)
        assert item.timestamp_retry_after < certificate.timestamp_not_after
        ctx.timestamp = item.timestamp_retry_after
    # 1 h (base), then min(2 h, 5 h / 4), min(4 h, 3.75 h / 4), ...
    assert seen[0] == HOUR and seen[1] == 1.25 * HOUR and seen[2] == 0.9375 * HOUR
    assert seen[3] == (6 * HOUR - HOUR - 1.25 * HOUR - 0.9375 * HOUR) / 4


def test_process_retries_a_failed_renewal_when_its_backoff_ends(db, ctx, app_settings, monkeypatch):
    """No `update` between the attempts: the first `process` after the back-off enqueues the set
    again (`requeued`) and tries it; not before; not once a later item of the set exists; and a
    back-off that ended longer ago than the base is left to `update`."""
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_retry_base=3600, queue_certificates_retry_max=86400)
    s = ctx.dbsession
    certificate, _ = _due(s, days_left=20)
    s.commit()
    _failing_new_order(monkeypatch, [])
    assert queues.queue_certificates__update(ctx)["count_queued"] == 1
    first = queues.queue_certificates__process(ctx)
    assert first["count_fail"] == 1 and first["requeued"] == []
    item = first["QueueCertificate"]
    assert item.timestamp_retry_after == ctx.timestamp + HOUR
    # during the back-off: nothing is enqueued, nothing taken
    ctx.timestamp = item.timestamp_retry_after - datetime.timedelta(seconds=1)
    waiting = queues.queue_certificates__process(ctx)
    assert (waiting["count_total"], waiting["requeued"]) == (0, [])
    # its end: enqueued and tried by the same call, with the next back-off
    ctx.timestamp = item.timestamp_retry_after
    second = queues.queue_certificates__process(ctx)
    assert len(second["requeued"]) == 1 and second["count_fail"] == 1
    retried = second["QueueCertificate"]
    assert retried.id == int(second["requeued"][0]) and retried.certificate_signed_id__source == certificate.id
    assert (retried.count_failures, retried.timestamp_retry_after) == (2, ctx.timestamp + 2 * HOUR)
    # a user cancelling the next item stops the retries (a later item of the set exists)
    ctx.timestamp = retried.timestamp_retry_after
    third = queues.queue_certificates__process(ctx)
    assert len(third["requeued"]) == 1
    retried = third["QueueCertificate"]
    ctx.timestamp = retried.timestamp_retry_after
    cancel_me = queues.queue_certificates__update(ctx)
    assert cancel_me["count_queued"] == 1
    queues.queue_certificates__cancel(ctx, s.get(m.QueueCertificate, int(cancel_me["queue_certificate_ids"][0])))
    s.commit()
    assert queues.queue_certificates__process(ctx)["requeued"] == []
    # a back-off that ended more than the base ago is update's (process stays one small query)
    other, _ = _due(s, days_left=20)
    s.commit()
    queues.queue_certificates__update(ctx)
    failed = queues.queue_certificates__process(ctx)["QueueCertificate"]
    assert failed.certificate_signed_id__source == other.id and failed.process_result is False
    ctx.timestamp = failed.timestamp_retry_after + HOUR + datetime.timedelta(seconds=1)
    assert queues.queue_certificates__process(ctx)["requeued"] == []
    assert queues.queue_certificates__update(ctx)["count_queued"] == 1


def test_process_does_not_retry_what_update_would_not_renew(db, ctx, app_settings, monkeypatch):
    """The retry goes through update's rules: a certificate replaced meanwhile, or whose names were
    all deactivated, is not enqueued again; a failed set enqueued by hand (no certificate) is the
    user's to retry."""
    ctx.settings = dataclasses.replace(app_settings, queue_certificates_retry_base=3600, queue_certificates_retry_max=86400)
    s = ctx.dbsession
    replaced, _ = _due(s, days_left=20)
    deactivated, _ = _due(s, days_left=20)
    s.commit()
    _failing_new_order(monkeypatch, [])
    assert queues.queue_certificates__update(ctx)["count_queued"] == 2
    items = [queues.queue_certificates__process(ctx)["QueueCertificate"] for _ in range(2)]
    assert all(i.process_result is False for i in items)
    # a freeform item (a set, no certificate) fails too
    fqdn_set = f.make_fqdn_set(s)
    by_hand = f.make_queue_certificate(
        s, acme_account=usable_account(s), unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set, is_active=True
    )
    s.add(by_hand)
    s.commit()
    assert queues.queue_certificates__process(ctx)["QueueCertificate"].id == by_hand.id
    # meanwhile: a newer certificate for the first set, the second set's names deactivated
    f.make_certificate_signed(s, fqdn_set=replaced.unique_fqdn_set, timestamp_not_before=ctx.timestamp, timestamp_not_after=ctx.timestamp + 80 * DAY)
    for to_d in deactivated.unique_fqdn_set.to_domains:
        to_d.domain.is_active = False
    s.commit()
    ctx.timestamp = max(i.timestamp_retry_after for i in items + [by_hand])
    results = queues.queue_certificates__process(ctx)
    assert (results["requeued"], results["count_total"]) == ([], 0)


# --- the other paths to an order: an admin form, the domain queue


def test_an_admin_order_beyond_a_limit_is_a_clear_form_error(testapp, db, dbsession):
    """test.ini keeps Let's Encrypt's limits: 5 certificates for one set in a week are the most."""
    s = dbsession
    provider = s.scalars(sa.select(m.AcmeAccountProvider).where(m.AcmeAccountProvider.is_default.is_(True))).one()
    account = f.make_account(s, provider=provider, is_global_default=True)
    f.make_account_key(s, account=account)
    fqdn_set = f.make_fqdn_set(s, ["five-times.example.com"])
    now = datetime.datetime.now(datetime.timezone.utc)
    for days in range(5):
        f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=now - days * DAY, is_active=False)
    s.commit()
    orders = s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder))
    values = {
        "domain_names_http01": "five-times.example.com",
        "processing_strategy": "process_single",
        "acme_account_id": str(account.id),
    }
    res = testapp.post(ADMIN + "/acme-order/new/freeform.json", values, status=400)
    assert res.json["result"] == "error"
    assert res.json["error"].startswith(
        "rate limit: duplicate certificates for this set (five-times.example.com): 5 in the last 7 days; next possible at "
    )
    assert res.json["form_errors"] == {"domain_names_http01": res.json["error"]}
    res = testapp.post(ADMIN + "/acme-order/new/freeform", values, status=400)
    assert "rate limit: duplicate certificates for this set" in res.text
    s.expire_all()
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == orders


def test_the_domain_queue_gives_its_names_back_when_a_limit_refuses(db, ctx, app_settings):
    limited(ctx, app_settings, rate_limit_orders_per_account=1)
    s = ctx.dbsession
    account = usable_account(s)
    f.make_acme_order(s, account=account, timestamp_created=ctx.timestamp - HOUR)
    s.commit()
    assert queues.queue_domains__add(ctx, ["queued-limited.example.com"]) == {"queued-limited.example.com": "queued"}
    s.commit()
    with pytest.raises(errors.RateLimitDeferred) as caught:
        queues.queue_domains__process(ctx, account)
    assert caught.value.limit == "orders_per_account" and caught.value.not_before == ctx.timestamp + 2 * HOUR
    s.expire_all()
    waiting = s.scalars(queues.query__QueueDomain("waiting")).all()
    assert [q.domain_name for q in waiting] == ["queued-limited.example.com"]
    assert s.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == 1


def test_the_renewal_queue_pages_show_a_deferred_item(testapp, db, dbsession):
    s = dbsession
    fqdn_set = f.make_fqdn_set(s, ["deferred-page.example.com"])
    now = datetime.datetime.now(datetime.timezone.utc)
    for days in range(5):  # test.ini: Let's Encrypt's 5 duplicate certificates a week
        f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=now - days * DAY, is_active=False)
    item = f.make_queue_certificate(
        s, acme_account=usable_account(s), unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set, is_active=True
    )
    s.add(item)
    s.commit()
    res = testapp.post(ADMIN + "/queue-certificates/process.json", "", status=200)
    assert res.json["result"] == "success"
    results = res.json["queue_results"]
    assert (results["count_deferred"], results["count_fail"], results["count_waiting_later"]) == (1, 0, 1)
    assert results["deferred"][str(item.id)].startswith("rate limit: duplicate certificates for this set")
    not_before = res.json["QueueCertificate"]["timestamp_not_before"]
    assert not_before and res.json["QueueCertificate"]["is_active"] is True
    # HTML: nothing ready now; the item's page says until when
    res = testapp.post(ADMIN + "/queue-certificates/process", "", status=200)
    assert "No item is ready: nothing was processed. 1 item(s) wait for the CA" in res.text
    res = testapp.get(ADMIN + "/queue-certificate/%s" % item.id, status=200)
    assert "not before (the CA&#39;s rate limits)" in res.text or "not before (the CA's rate limits)" in res.text
