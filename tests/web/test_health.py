"""Health at a glance (issue 12, item 7): `/api/health.json` and its HTML twin, the Prometheus
metrics at `/api/metrics`, the status rule, the definitions of docs/Monitoring.md, and that the
queries stay few whatever the data. Fast: factories only, no ACME server, a fixed clock for the
library-level checks."""

import datetime

import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import actions
from peter_sslers.lib.db import health
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.web import security
from tests import factories as f
from tests.conftest import TEST_HOST

import webtest

ADMIN = "/.well-known/admin"
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
# what `coverage_events_unresolved` is on an empty database
NO_EVENTS = 0


# --- arranging


def _certificate(s, names, not_after, **kw):
    """An active certificate for ``names`` (a new set, new domains unless given as Domain rows),
    issued (and stored) 90 days before its notAfter unless told."""
    domains = [n if isinstance(n, m.Domain) else f.make_domain(s, n) for n in names]
    fqdn_set = m.UniqueFQDNSet(
        domain_ids_string=",".join(str(d.id) for d in sorted(domains, key=lambda d: d.id)),
        count_domains=len(domains),
        operations_event__created=f.make_event(s),
    )
    fqdn_set.to_domains = [m.UniqueFQDNSet2Domain(domain=d) for d in domains]
    s.add(fqdn_set)
    s.flush()
    return _on_set(s, fqdn_set, not_after, **kw)


def _on_set(s, fqdn_set, not_after, **kw):
    """An active certificate for an existing set."""
    kw.setdefault("timestamp_created", not_after - 90 * DAY)
    return f.make_certificate_signed(
        s,
        fqdn_set=fqdn_set,
        is_single_domain_cert=fqdn_set.count_domains == 1,
        timestamp_not_before=not_after - 90 * DAY,
        timestamp_not_after=not_after,
        **kw,
    )


def _queue_item(s, fqdn_set, **kw):
    """A renewal-queue item for ``fqdn_set`` (source: the set unless told)."""
    if "certificate_signed__source" not in kw and "acme_order__source" not in kw:
        kw["unique_fqdn_set__source"] = fqdn_set
    # an account of its own, inactive: the active accounts a test counts are the ones it made
    kw.setdefault("acme_account", f.make_account(s, is_active=False))
    # None (cancelled) is set after the insert: the column's default would replace it
    cancelled = "is_active" in kw and kw["is_active"] is None
    if cancelled:
        del kw["is_active"]
    item = f.make_queue_certificate(s, unique_fqdn_set=fqdn_set, **kw)
    s.add(item)
    s.flush()
    if cancelled:
        item.is_active = None
        s.flush()
    return item


def _failed(s, fqdn_set, at, **kw):
    return _queue_item(
        s, fqdn_set, is_active=False, process_result=False, timestamp_process_attempt=at, timestamp_processed=at, **kw
    )


def _recents(ctx):
    actions.update_recents__global(ctx, log=False)
    ctx.dbsession.commit()


@pytest.fixture
def now():
    return meta.utcnow()


@pytest.fixture
def at_now(dbsession, app_settings, now):
    """An ApiContext whose clock is held at ``now``."""
    return ApiContext(dbsession, app_settings, timestamp=now)


# --- the library: definitions and the status rule, at a fixed clock


def test_empty_database_is_ok(at_now, now):
    snapshot = health.health_snapshot(at_now, 14)
    assert snapshot.status == "ok" and snapshot.reasons == []
    payload = snapshot.as_json()
    assert payload["timestamp"] == now.isoformat() and payload["days"] == 14
    assert payload["certificates"] == {
        "active": 0,
        "latest": 0,
        "earliest_not_after": None,
        "seconds_until_earliest_not_after": None,
        "expiring": {"count": 0, "count_without_renewal": 0, "count_critical": 0, "items": []},
        "expired_latest": {"count": 0, "items": []},
    }
    assert payload["renewals_failed"] == {"count": 0, "count_critical": 0, "items": []}
    empty = {"waiting": 0, "oldest_waiting_timestamp": None, "oldest_waiting_seconds": None}
    assert payload["queues"] == {"queue_certificate": empty, "queue_domain": empty}
    assert payload["domains"] == {"active": 0, "active_without_certificate": 0}
    assert payload["acme_accounts"] == {"active": 0}
    assert payload["coverage_events_unresolved"] == NO_EVENTS


def test_certificates_expiring_expired_and_renewed(dbsession, at_now, now):
    s = dbsession
    soon = _certificate(s, ["soon.example.com"], now + 5 * DAY)  # within 14/2 days, nothing under way: critical
    queued = _certificate(s, ["queued.example.com"], now + 3 * DAY)  # as close, but a renewal waits
    _queue_item(s, queued.unique_fqdn_set, certificate_signed__source=queued, unique_fqdn_set__source=None)
    later = _certificate(s, ["later.example.com"], now + 10 * DAY)  # within 14 days, beyond 7: warning only
    expired = _certificate(s, ["expired.example.com", "www.expired.example.com"], now - DAY)
    _certificate(s, ["fine.example.com"], now + 60 * DAY)
    # renewed: the old certificate expires, a newer one for the same names runs 89 days
    renewed = _certificate(s, ["renewed.example.com"], now + 2 * DAY)
    _on_set(s, renewed.unique_fqdn_set, now + 89 * DAY)
    # covered otherwise: its single certificate expired, a multi certificate covers the name
    single = _certificate(s, ["covered.example.com"], now - 3 * DAY)
    _certificate(s, [single.unique_fqdn_set.to_domains[0].domain, "other.example.com"], now + 50 * DAY)
    # an inactive domain's expired certificate is nobody's problem
    _certificate(s, [f.make_domain(s, "gone.example.com", is_active=False)], now - 10 * DAY)
    # an inactive certificate (deactivated) is never "latest"
    _certificate(s, ["off.example.com"], now + DAY, is_active=False, is_deactivated=True)
    _recents(at_now)

    snapshot = health.health_snapshot(at_now, 14)
    assert snapshot.certificates_active == 10
    assert snapshot.certificates_latest == 7  # soon, queued, later, expired, fine, renewed's new, the multi
    assert snapshot.certificates_expiring == 3
    assert snapshot.certificates_expiring_without_renewal == 2  # soon, later
    assert snapshot.certificates_expiring_critical == 1  # soon
    assert snapshot.certificates_expired_latest == 1
    assert snapshot.earliest_not_after == now - DAY
    assert snapshot.seconds_until_earliest_not_after == -86400
    # soon, queued, later, expired (2), fine, renewed, covered, other, off; gone is inactive
    assert snapshot.domains_active == 10 and snapshot.domains_active_without_certificate == 1  # off.example.com
    assert snapshot.status == "critical"
    assert snapshot.reasons == [
        "critical: 1 certificate(s) expired while still the latest of an active domain",
        "critical: 1 certificate(s) expire within 7 days with no renewal under way",
        "warning: 2 certificate(s) expire within 14 days with no renewal under way",
    ]
    payload = snapshot.as_json()
    items = payload["certificates"]["expiring"]["items"]
    assert [i["certificate_signed_id"] for i in items] == [str(queued.id), str(soon.id), str(later.id)]
    assert items[0] == {
        "certificate_signed_id": str(queued.id),
        "domains": ["queued.example.com"],
        "timestamp_not_after": (now + 3 * DAY).isoformat(),
        "seconds_left": 3 * 86400,
        "renewal_under_way": True,
    }
    assert [i["renewal_under_way"] for i in items] == [True, False, False]
    (item,) = payload["certificates"]["expired_latest"]["items"]
    assert item["certificate_signed_id"] == str(expired.id)
    assert item["domains"] == ["expired.example.com", "www.expired.example.com"]
    assert item["seconds_left"] == -86400

    # the horizon moves what counts: 3 days sees two, with half of it (1.5 days) none is critical
    snapshot = health.health_snapshot(at_now, 3)
    assert (snapshot.certificates_expiring, snapshot.certificates_expiring_critical) == (1, 0)
    assert "1.5 days" not in " ".join(snapshot.reasons)
    assert snapshot.status == "critical"  # the expired one still


def test_a_renewal_in_flight_counts_as_under_way_until_it_is_stale(dbsession, at_now, now):
    s = dbsession
    cert = _certificate(s, ["flight.example.com"], now + 2 * DAY)
    _recents(at_now)
    assert health.health_snapshot(at_now, 14).status == "critical"
    # claimed 10 minutes ago, no outcome yet: being processed
    item = _queue_item(
        s,
        cert.unique_fqdn_set,
        certificate_signed__source=cert,
        unique_fqdn_set__source=None,
        is_active=False,
        timestamp_process_attempt=now - 10 * 60 * datetime.timedelta(seconds=1),
    )
    assert health.health_snapshot(at_now, 14).status == "ok"
    # claimed two hours ago (IN_FLIGHT_SECONDS is one): its processor died
    item.timestamp_process_attempt = now - 2 * HOUR
    s.flush()
    assert health.health_snapshot(at_now, 14).status == "critical"


def test_expiring_beyond_half_the_horizon_without_renewal_is_a_warning(dbsession, at_now, now):
    s = dbsession
    cert = _certificate(s, ["warn.example.com"], now + 9 * DAY)
    _recents(at_now)
    snapshot = health.health_snapshot(at_now, 14)
    assert snapshot.status == "warning" and snapshot.certificates_expiring_without_renewal == 1
    _queue_item(s, cert.unique_fqdn_set)  # a renewal of its names (source: the set) waits
    snapshot = health.health_snapshot(at_now, 14)
    assert (snapshot.status, snapshot.certificates_expiring, snapshot.certificates_expiring_without_renewal) == (
        "ok",
        1,
        0,
    )


def test_failed_renewals(dbsession, at_now, now):
    s = dbsession
    # a failure while the certificate runs 60 more days: a warning
    far = _certificate(s, ["far.example.com"], now + 60 * DAY)
    far_item = _failed(s, far.unique_fqdn_set, now - HOUR, certificate_signed__source=far, unique_fqdn_set__source=None)
    # a failure while it ends in 10 days: critical (within 14)
    near = _certificate(s, ["near.example.com"], now + 10 * DAY)
    _queue_item(s, near.unique_fqdn_set, certificate_signed__source=near, unique_fqdn_set__source=None)  # a retry waits
    near_item = _failed(s, near.unique_fqdn_set, now - 2 * HOUR, certificate_signed__source=near, unique_fqdn_set__source=None)
    # failed twice: one failed renewal, the last item
    twice = _certificate(s, ["twice.example.com"], now + 40 * DAY)
    _failed(s, twice.unique_fqdn_set, now - 3 * DAY)
    twice_item = _failed(s, twice.unique_fqdn_set, now - 2 * DAY)
    # names with no certificate at all (a freeform enqueue that failed): critical
    bare_set = f.make_fqdn_set(s, ["bare.example.com"])
    bare_item = _failed(s, bare_set, now - 5 * HOUR)
    # not counted: failed, then succeeded
    fixed = _certificate(s, ["fixed.example.com"], now + 50 * DAY)
    _failed(s, fixed.unique_fqdn_set, now - 2 * DAY)
    _queue_item(s, fixed.unique_fqdn_set, is_active=False, process_result=True, timestamp_processed=now - DAY)
    # not counted: failed, then a certificate came another way (an upload, an order)
    other = _certificate(s, ["other-way.example.com"], now + 5 * DAY)
    _failed(s, other.unique_fqdn_set, now - 2 * DAY)
    _on_set(s, other.unique_fqdn_set, now + 80 * DAY, timestamp_created=now - DAY)
    # not counted: its only name is no longer an active domain
    inactive = _certificate(s, [f.make_domain(s, "inactive.example.com", is_active=False)], now + 3 * DAY)
    _failed(s, inactive.unique_fqdn_set, now - DAY)
    # not counted: cancelled, or never tried
    _queue_item(s, f.make_fqdn_set(s), is_active=None)
    _recents(at_now)

    snapshot = health.health_snapshot(at_now, 14)
    assert (snapshot.renewals_failed, snapshot.renewals_failed_critical) == (4, 2)
    assert snapshot.status == "critical"
    assert "critical: 2 failed renewal(s) of a certificate that expires within 14 days (or is gone)" in snapshot.reasons
    assert "warning: 4 renewal(s) failed and not renewed since" in snapshot.reasons
    items = snapshot.as_json()["renewals_failed"]["items"]
    # the most urgent first: no certificate, then by notAfter
    assert [i["queue_certificate_id"] for i in items] == [
        str(bare_item.id),
        str(near_item.id),
        str(twice_item.id),
        str(far_item.id),
    ]
    assert items[0] == {
        "queue_certificate_id": str(bare_item.id),
        "unique_fqdn_set_id": str(bare_set.id),
        "domains": ["bare.example.com"],
        "certificate_signed_id__source": None,
        "timestamp_failed": (now - 5 * HOUR).isoformat(),
        "timestamp_not_after": None,
        "critical": True,
    }
    assert items[1]["certificate_signed_id__source"] == str(near.id)
    assert items[1]["timestamp_not_after"] == (now + 10 * DAY).isoformat() and items[1]["critical"] is True
    assert [i["critical"] for i in items[2:]] == [False, False]

    # only the far one left (the others: resolved by a success): a warning
    for dbItem in (near_item, twice_item, bare_item):
        _queue_item(s, dbItem.unique_fqdn_set, is_active=False, process_result=True, timestamp_processed=now)
    snapshot = health.health_snapshot(at_now, 14)
    assert (snapshot.renewals_failed, snapshot.renewals_failed_critical, snapshot.status) == (1, 0, "warning")


def test_queue_depth_and_oldest_age_at_a_fixed_clock(dbsession, at_now, now):
    s = dbsession
    event = f.make_event(s)
    for age, is_active in ((3600, True), (100, True), (90000, None), (80000, False)):
        _queue_item(s, f.make_fqdn_set(s), is_active=is_active, timestamp_created=now - datetime.timedelta(seconds=age))
    for name, age, is_active in (("a.example.com", 7200, True), ("b.example.com", 5, True), ("c.example.com", 99999, False)):
        s.add(
            m.QueueDomain(
                domain_name=name,
                is_active=is_active,
                timestamp_created=now - datetime.timedelta(seconds=age),
                operations_event__created=event,
            )
        )
    s.flush()
    payload = health.health_snapshot(at_now, 14).as_json()
    assert payload["queues"] == {
        "queue_certificate": {
            "waiting": 2,
            "oldest_waiting_timestamp": (now - datetime.timedelta(seconds=3600)).isoformat(),
            "oldest_waiting_seconds": 3600,
        },
        "queue_domain": {
            "waiting": 2,
            "oldest_waiting_timestamp": (now - datetime.timedelta(seconds=7200)).isoformat(),
            "oldest_waiting_seconds": 7200,
        },
    }
    # an hour later, by the clock of the context
    later = ApiContext(dbsession, at_now.settings, timestamp=now + HOUR)
    assert health.health_snapshot(later, 14).queue_certificate.oldest_waiting_seconds == 7200


def test_unresolved_coverage_events_make_a_warning(dbsession, at_now, testapp):
    """Unresolved coverage-assurance events (lib/db/coverage.py) count, and make a warning."""
    from peter_sslers.lib.db import coverage

    for n in range(3):
        dbCertificate = _certificate(dbsession, ["cae-%d.example.com" % n], meta.utcnow() + 80 * DAY)
        assert coverage.raise_certificate_revoked(at_now, dbCertificate, via_acme=False) is not None
    dbsession.commit()
    snapshot = health.health_snapshot(at_now, 14)
    assert (snapshot.status, snapshot.coverage_events_unresolved) == ("warning", 3)
    assert snapshot.reasons == ["warning: 3 coverage event(s) unresolved"]
    res = testapp.get(ADMIN + "/api/health.json", status=200)
    assert res.json["coverage_events_unresolved"] == 3 and res.json["status"] == "warning"
    values = _metrics(testapp.get(ADMIN + "/api/metrics", status=200))
    assert values[("peter_sslers_coverage_events_unresolved", ())] == 3
    assert values[("peter_sslers_health_status", ())] == 1


def test_validate_days():
    assert health.validate_days("1") == 1 and health.validate_days(" 3650 ") == 3650
    for bad in ("0", "3651", "-1", "1.5", "", "abc", "١٤", "00014", "1e3"):
        with pytest.raises(ValueError):
            health.validate_days(bad)
    with pytest.raises(ValueError):
        health.health_snapshot(None, 0)


def _populate(s, now, n: int):
    """``n`` of each: expiring, expired, failed, waiting in both queues."""
    event = f.make_event(s)
    for i in range(n):
        expiring = _certificate(s, ["exp%d-%d.example.com" % (n, i)], now + (i + 1) * DAY)
        _certificate(s, ["old%d-%d.example.com" % (n, i)], now - (i + 1) * DAY)
        _failed(s, expiring.unique_fqdn_set, now - HOUR, certificate_signed__source=expiring, unique_fqdn_set__source=None)
        _queue_item(s, f.make_fqdn_set(s), timestamp_created=now - (i + 1) * HOUR)
        s.add(m.QueueDomain(domain_name="q%d-%d.example.com" % (n, i), operations_event__created=event))
    s.flush()


def test_the_queries_do_not_grow_with_the_data(dbsession, at_now, now, count_queries):
    """A handful of set-based statements: the same number for 1 or 15 of everything."""
    s = dbsession
    _populate(s, now, 1)
    _recents(at_now)
    with count_queries() as small:
        assert health.health_snapshot(at_now, 14).renewals_failed == 1
    _populate(s, now, 14)
    _recents(at_now)
    with count_queries() as large:
        snapshot = health.health_snapshot(at_now, 30)
    assert snapshot.renewals_failed == 15 and snapshot.certificates_expired_latest == 15
    assert len(snapshot.items_expiring) == health.ITEMS_SHOWN
    assert small.count == large.count
    # totals, queues, latest, failed counts; expiring, expired, failed items; their names
    assert large.count <= 9, large.statements
    # the metrics read the counts only
    with count_queries() as counts_only:
        health.health_snapshot(at_now, 30, items=0)
    assert counts_only.count <= 5


# --- the routes


def test_health_json_and_html_on_an_empty_database(testapp):
    res = testapp.get(ADMIN + "/api/health.json", status=200)
    assert res.json["result"] == "success" and res.json["status"] == "ok" and res.json["days"] == 14
    assert res.json["reasons"] == [] and res.json["coverage_events_unresolved"] == NO_EVENTS
    assert res.headers["Cache-Control"] == "no-store"
    res = testapp.get(ADMIN + "/api/health", status=200)
    assert res.html.title.string.strip().startswith("Health")
    assert res.html.find(id="health-status").string == "ok"
    # the index links to it
    res = testapp.get(ADMIN, status=200)
    assert ADMIN + "/api/health" in res.text and ADMIN + "/api/metrics" in res.text


def test_health_documents_itself(testapp):
    res = testapp.get(ADMIN + "/api.json", status=200)
    (entry,) = [e for e in res.json["endpoints"] if e["endpoint"] == ADMIN + "/api/health.json"]
    assert "docs/Monitoring.md" in entry["about"]


def test_health_json_reports_what_the_database_holds(testapp, dbsession, ctx, make_app):
    s = dbsession
    now = meta.utcnow()
    expiring = _certificate(s, ["json-soon.example.com"], now + 20 * DAY)
    _failed(s, expiring.unique_fqdn_set, now - HOUR, certificate_signed__source=expiring, unique_fqdn_set__source=None)
    _queue_item(s, f.make_fqdn_set(s), timestamp_created=now - 2 * HOUR)
    f.make_account(s)
    _recents(ctx)

    res = testapp.get(ADMIN + "/api/health.json", status=200)
    assert res.json["status"] == "warning"  # a failed renewal; its certificate runs 20 days
    assert res.json["certificates"]["expiring"]["count"] == 0
    assert res.json["renewals_failed"]["count"] == 1 and res.json["renewals_failed"]["count_critical"] == 0
    assert res.json["acme_accounts"] == {"active": 1}
    waiting = res.json["queues"]["queue_certificate"]
    assert waiting["waiting"] == 1 and 7200 <= waiting["oldest_waiting_seconds"] < 7200 + 120
    # a longer horizon: the certificate is expiring and its failed renewal critical
    res = testapp.get(ADMIN + "/api/health.json", {"days": "30"}, status=200)
    assert res.json["days"] == 30 and res.json["status"] == "critical"
    (item,) = res.json["certificates"]["expiring"]["items"]
    assert item["certificate_signed_id"] == str(expiring.id) and item["domains"] == ["json-soon.example.com"]
    assert item["renewal_under_way"] is False
    res = testapp.get(ADMIN + "/api/health", {"days": "30"}, status=200)
    assert res.html.find(id="health-status").string == "critical"
    assert "json-soon.example.com" in res.text
    # the option sets the default
    client = webtest.TestApp(
        make_app(health_expiring_days="30"), extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"}
    )
    res = client.get(ADMIN + "/api/health.json", status=200)
    assert res.json["days"] == 30 and res.json["status"] == "critical"


@pytest.mark.parametrize("days", ["0", "3651", "-3", "1.5", "", "two", "14 days", "9" * 40])
def test_bad_days_is_a_400_envelope_and_changes_nothing(testapp, days):
    res = testapp.get(ADMIN + "/api/health.json", {"days": days}, status=400)
    assert res.json["result"] == "error" and res.json["status"] == 400
    assert "`days`: expected a whole number of days from 1 to 3650" in res.json["form_errors"]["Error_Main"]
    res = testapp.get(ADMIN + "/api/health", {"days": days}, status=400)
    assert "expected a whole number of days from 1 to 3650" in res.text
    res = testapp.get(ADMIN + "/api/metrics", {"days": days}, status=400)


def test_fail_on_turns_the_status_into_503(testapp, dbsession, ctx):
    res = testapp.get(ADMIN + "/api/health.json", {"fail_on": "critical"}, status=200)
    assert res.json["status"] == "ok"
    testapp.get(ADMIN + "/api/health.json", {"fail_on": "warning"}, status=200)
    res = testapp.get(ADMIN + "/api/health.json", {"fail_on": "sometimes"}, status=400)
    assert "`fail_on`: expected one of `warning`, `critical`" in res.json["form_errors"]["Error_Main"]

    now = meta.utcnow()
    _certificate(dbsession, ["lapsed.example.com"], now - DAY)
    _recents(ctx)
    res = testapp.get(ADMIN + "/api/health.json", status=200)  # by default, always 200
    assert res.json["status"] == "critical"
    res = testapp.get(ADMIN + "/api/health.json", {"fail_on": "critical"}, status=503)
    assert res.json["status"] == "critical" and res.json["result"] == "success"
    testapp.get(ADMIN + "/api/health.json", {"fail_on": "warning"}, status=503)
    testapp.get(ADMIN + "/api/health", {"fail_on": "critical"}, status=503)


def test_the_route_queries_do_not_grow_with_the_data(testapp, dbsession, ctx, count_queries):
    now = meta.utcnow()
    _populate(dbsession, now, 1)
    _recents(ctx)
    with count_queries() as small:
        testapp.get(ADMIN + "/api/health.json", status=200)
    with count_queries() as small_metrics:
        testapp.get(ADMIN + "/api/metrics", status=200)
    _populate(dbsession, now, 12)
    _recents(ctx)
    with count_queries() as large:
        testapp.get(ADMIN + "/api/health.json", status=200)
    with count_queries() as large_metrics:
        testapp.get(ADMIN + "/api/metrics", status=200)
    assert small.count == large.count and small_metrics.count == large_metrics.count
    assert large.count <= 10 and large_metrics.count <= 6, (large.statements, large_metrics.statements)


# --- Prometheus


def _metrics(res) -> dict:
    """{(name, labels as a sorted tuple): value} of a text exposition."""
    values = {}
    for family in text_string_to_metric_families(res.text):
        assert family.type == "gauge", family.name
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_metrics_parse_back(testapp, dbsession, ctx):
    res = testapp.get(ADMIN + "/api/metrics", status=200)
    assert res.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    values = _metrics(res)
    assert values[("peter_sslers_health_status", ())] == 0
    assert values[("peter_sslers_certificates_active", ())] == 0
    assert ("peter_sslers_certificate_earliest_expiry_seconds", ()) not in values  # no certificate: no value
    assert values[("peter_sslers_queue_oldest_waiting_seconds", (("queue", "domain"),))] == 0
    assert values[("peter_sslers_coverage_events_unresolved", ())] == 0

    s = dbsession
    now = meta.utcnow()
    soon = _certificate(s, ["m-soon.example.com"], now + 3 * DAY)
    _certificate(s, ["m-expired.example.com"], now - 2 * DAY)
    _certificate(s, ["m-fine.example.com"], now + 80 * DAY)
    _failed(s, soon.unique_fqdn_set, now - HOUR, certificate_signed__source=soon, unique_fqdn_set__source=None)
    _queue_item(s, f.make_fqdn_set(s), timestamp_created=now - 600 * datetime.timedelta(seconds=1))
    s.add(m.QueueDomain(domain_name="m-q.example.com", operations_event__created=f.make_event(s)))
    f.make_account(s)
    f.make_account(s, is_active=False)
    _recents(ctx)

    values = _metrics(testapp.get(ADMIN + "/api/metrics", status=200))
    assert values[("peter_sslers_health_status", ())] == 2
    assert values[("peter_sslers_health_expiring_days", ())] == 14
    assert values[("peter_sslers_certificates_active", ())] == 3
    assert values[("peter_sslers_certificates_latest", ())] == 3
    assert values[("peter_sslers_certificates_expiring", ())] == 1
    assert values[("peter_sslers_certificates_expiring_without_renewal", ())] == 1
    assert values[("peter_sslers_certificates_expired_latest", ())] == 1
    earliest = values[("peter_sslers_certificate_earliest_expiry_seconds", ())]
    assert -2 * 86400 - 120 < earliest <= -2 * 86400
    assert values[("peter_sslers_renewals_failed", ())] == 1
    assert values[("peter_sslers_renewals_failed_critical", ())] == 1
    assert values[("peter_sslers_queue_waiting", (("queue", "certificate"),))] == 1
    assert values[("peter_sslers_queue_waiting", (("queue", "domain"),))] == 1
    assert 600 <= values[("peter_sslers_queue_oldest_waiting_seconds", (("queue", "certificate"),))] < 720
    assert values[("peter_sslers_domains_active", ())] == 4
    assert values[("peter_sslers_domains_active_without_certificate", ())] == 1
    assert values[("peter_sslers_acme_accounts_active", ())] == 1
    # ?days= moves the horizon of the metrics too
    values = _metrics(testapp.get(ADMIN + "/api/metrics", {"days": "100"}, status=200))
    assert values[("peter_sslers_health_expiring_days", ())] == 100
    assert values[("peter_sslers_certificates_expiring", ())] == 2
    # nothing was registered in prometheus_client's global registry
    assert b"peter_sslers_" not in prometheus_client.generate_latest(prometheus_client.REGISTRY)


# --- the admin protections apply


def test_the_routes_are_admin_routes(make_app, db, tmp_path):
    tokens = tmp_path / "admin.tokens"
    token = security.new_token()
    tokens.write_text("prometheus:%s\n" % security.token_digest(token))
    tokens.chmod(0o600)
    app = make_app(admin_tokens_file=str(tokens))
    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})
    for path in ("/api/health.json", "/api/health", "/api/metrics"):
        client.get(ADMIN + path, status=401)
    bearer = {"Authorization": "Bearer " + token}
    client.get(ADMIN + "/api/health.json", headers=bearer, status=200)
    res = client.get(ADMIN + "/api/metrics", headers=bearer, status=200)  # a scraper's bearer token
    assert "peter_sslers_health_status" in res.text
    client.get(ADMIN + "/api/health", headers=bearer, status=401)  # a page: Basic only, as every page
    client.get(ADMIN + "/api/metrics", headers={"Authorization": "Bearer " + token + "x"}, status=401)
    # a foreign Host (DNS rebinding) is refused before any view
    foreign = webtest.TestApp(app, extra_environ={"HTTP_HOST": "evil.example.net", "REMOTE_ADDR": "127.0.0.1"})
    for path in ("/api/health.json", "/api/metrics"):
        foreign.get(ADMIN + path, headers=bearer, status=403)
