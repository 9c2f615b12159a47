"""Coverage assurance events (issue 12, item 5): each type raised by its real trigger, once; the
routes (lists, focus, children, mark) in HTML and JSON with their bad input; resolution by hand
and by itself when a valid replacement arrives (an upload here; an ACME download goes through
the same ``create.import__CertificateSigned``). The ACME cases (a revocation with keyCompromise,
a renewal failing against pebble) are asserted in test_key_compromise.py and
test_queue_certificates.py, next to the flows that trigger them."""

import datetime

import pytest
import sqlalchemy as sa

from peter_sslers.lib.db import coverage
from peter_sslers.lib.db import queues
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from peter_sslers.model.meta import utcnow
from peter_sslers.scripts import jobs
from tests import data
from tests import factories as f
from tests.lib.test_notify import WebhookReceiver
from tests.lib.test_notify import with_settings

ADMIN = "/.well-known/admin"


def cert_for(s, names, days_left=3, lifetime=90, fqdn_set=None, **kw):
    """A certificate for ``names`` (a new set) or for ``fqdn_set``, ending in ``days_left`` days."""
    not_after = utcnow() + datetime.timedelta(days=days_left)
    return f.make_certificate_signed(
        s,
        fqdn_set=fqdn_set or f.make_fqdn_set(s, names),
        timestamp_not_before=not_after - datetime.timedelta(days=lifetime),
        timestamp_not_after=not_after,
        **kw,
    )


def events(s, **where):
    statement = sa.select(m.CoverageAssuranceEvent).order_by(m.CoverageAssuranceEvent.id)
    for key, value in where.items():
        statement = statement.where(getattr(m.CoverageAssuranceEvent, key) == value)
    s.expire_all()
    return s.scalars(statement).all()


def type_of(event) -> str:
    return event.coverage_assurance_event_type


def upload(testapp, stem):
    files = data.leaf(stem)
    res = testapp.post(
        ADMIN + "/certificate-signed/upload.json",
        upload_files=[
            ("private_key_file", "k.pem", files["key"].encode()),
            ("certificate_file", "c.pem", files["cert"].encode()),
            ("chain_file", "ch.pem", files["chain"].encode()),
        ],
        status=200,
    )
    return dict(res.json["CertificateSigned"], private_key_id=res.json["PrivateKey"]["id"])


# --- expiring: raised once, listed, replaced by an upload of a superset


def test_expiring_is_raised_once_listed_and_resolved_by_a_replacement(testapp, db, ctx):
    s = ctx.dbsession
    old = cert_for(s, ["a.example.com", "b.example.com"], days_left=3)
    fine = cert_for(s, ["fine.example.com"], days_left=60)  # outside the window
    short = cert_for(s, ["short.example.com"], days_left=2, lifetime=6)  # 6 days: a sixth is 1 day
    s.commit()
    results = coverage.check(ctx)
    assert list(results["expiring"]) == [str(old.id)]
    assert coverage.check(ctx)["expiring"] == {}  # once
    s.commit()
    (event,) = events(s)
    assert (type_of(event), event.certificate_signed_id, event.unique_fqdn_set_id) == (
        "CertificateSigned_expiring",
        old.id,
        old.unique_fqdn_set_id,
    )
    assert "no renewal is under way" in event.message and "a.example.com, b.example.com" in event.message
    assert coverage.count_unresolved(ctx) == 1
    assert fine.id != short.id  # neither raised

    # the routes
    res = testapp.get(ADMIN + "/coverage-assurance-events", status=303)
    assert res.location.endswith("/coverage-assurance-events/all")
    res = testapp.get(ADMIN + "/coverage-assurance-events.json", status=303)
    assert res.location.endswith("/coverage-assurance-events/all.json")
    for which in ("all", "unresolved"):
        res = testapp.get(ADMIN + "/coverage-assurance-events/%s.json" % which).json
        assert [e["id"] for e in res["CoverageAssuranceEvents"]] == [str(event.id)]
        assert res["pagination"]["total_items"] == 1
        assert res["CoverageAssuranceEvents"][0]["domain_names"] == ["a.example.com", "b.example.com"]
        assert testapp.get(ADMIN + "/coverage-assurance-events/%s/1.json" % which).status_int == 200
        page = testapp.get(ADMIN + "/coverage-assurance-events/%s" % which).text
        assert "CertificateSigned_expiring" in page and "a.example.com" in page
    focus = testapp.get(ADMIN + "/coverage-assurance-event/%s.json" % event.id).json
    assert focus["CoverageAssuranceEvent"]["coverage_assurance_resolution"] == "unresolved"
    assert focus["valid_resolutions"] == ["abandoned", "CertificateSigned_replaced"]
    page = testapp.get(ADMIN + "/coverage-assurance-event/%s" % event.id).text
    assert "Mark abandoned" in page and "Mark PrivateKey_replaced" not in page and "csrf_token" in page
    assert testapp.get(ADMIN + "/coverage-assurance-event/%s/children.json" % event.id).json["CoverageAssuranceEvents"] == []
    testapp.get(ADMIN + "/coverage-assurance-event/%s/children" % event.id, status=200)
    testapp.get(ADMIN + "/coverage-assurance-event/999999", status=404)
    res = testapp.get(ADMIN + "/coverage-assurance-event/999999.json", status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + "/coverage-assurance-event/999999/children.json", status=404)
    assert "Coverage assurance events" in testapp.get(ADMIN).text

    # a certificate for a superset of its names arrives (an upload): resolved by itself
    uploaded = upload(testapp, "leaf_rsa_multi")  # a, b and c.example.com
    (event,) = events(s)
    assert event.coverage_assurance_resolution == "CertificateSigned_replaced"
    assert event.coverage_assurance_event_status == "resolved-replaced" and event.timestamp_resolved is not None
    assert testapp.get(ADMIN + "/coverage-assurance-events/unresolved.json").json["CoverageAssuranceEvents"] == []
    assert coverage.count_unresolved(ctx) == 0
    # the replaced one is no longer the latest covering its names: not raised again
    assert coverage.check(ctx)["expiring"] == {}
    assert uploaded["id"]


def test_expiring_skips_a_certificate_being_renewed_and_inactive_names(db, ctx):
    s = ctx.dbsession
    queued = cert_for(s, ["queued.example.com"])
    item = f.make_queue_certificate(s, unique_fqdn_set=queued.unique_fqdn_set, certificate_signed__source=queued)
    s.add(item)
    inactive = cert_for(s, ["gone.example.com"])
    inactive.unique_fqdn_set.to_domains[0].domain.is_active = False
    older = cert_for(s, ["twice.example.com"], days_left=2)
    cert_for(s, None, days_left=40, fqdn_set=older.unique_fqdn_set)  # a later certificate for the same set
    s.commit()
    assert older.id and coverage.check_expiring(ctx) == {}
    # the queue item fails: nothing is renewing it any more
    item.is_active, item.process_result = False, False
    s.commit()
    assert list(coverage.check_expiring(ctx)) == [str(queued.id)]


def test_update_raises_expiring_and_no_usable_account_once(db, ctx):
    s = ctx.dbsession
    # an upload with no order and no global default account, due for renewal (20 of 90 days left)
    lonely = cert_for(s, ["lonely.example.com"], days_left=20)
    s.commit()
    results = queues.queue_certificates__update(ctx)
    assert list(results["no_account"]) == [str(lonely.id)]
    results = queues.queue_certificates__update(ctx)
    s.commit()
    (event,) = events(s)
    assert type_of(event) == "CertificateSigned_no_usable_account" and event.certificate_signed_id == lonely.id
    assert "no global default account" in event.message
    # later it expires soon: the expiring check of update reports that too, once
    ctx.timestamp += datetime.timedelta(days=18)
    assert list(queues.queue_certificates__update(ctx)["coverage_assurance"]["expiring"]) == [str(lonely.id)]
    assert queues.queue_certificates__update(ctx)["coverage_assurance"]["expiring"] == {}
    s.commit()
    assert sorted(type_of(e) for e in events(s)) == ["CertificateSigned_expiring", "CertificateSigned_no_usable_account"]
    # a renewed certificate arrives another way (a newer certificate, stored directly here): update resolves both
    cert_for(s, None, days_left=89, fqdn_set=lonely.unique_fqdn_set)
    s.commit()
    resolved = queues.queue_certificates__update(ctx)["coverage_assurance"]["resolved"]
    assert len(resolved) == 2 and coverage.count_unresolved(ctx) == 0


# --- a renewal fails: an unusable account


def test_a_failed_renewal_is_raised_once_per_certificate(db, ctx):
    s = ctx.dbsession
    source = cert_for(s, ["renew.example.com"], days_left=20)
    account = f.make_account(s, is_active=False)
    for _ in range(2):
        item = f.make_queue_certificate(
            s, acme_account=account, unique_fqdn_set=source.unique_fqdn_set, certificate_signed__source=source
        )
        s.add(item)
        s.commit()
        results = queues.queue_certificates__process(ctx)
        assert results["count_fail"] == 1 and "not active" in results["failures"][str(item.id)]
    (event,) = events(s)  # the second failure of the same certificate is not a second event
    assert type_of(event) == "QueueCertificate_renewal_failed"
    assert (event.certificate_signed_id, event.acme_account_id) == (source.id, account.id)
    assert event.queue_certificate_id is not None and "not active" in event.message
    # an item of a set with no certificate: its subject is the set
    fqdn_set = f.make_fqdn_set(s, ["new.example.com"])
    item = f.make_queue_certificate(s, acme_account=account, unique_fqdn_set=fqdn_set, unique_fqdn_set__source=fqdn_set)
    s.add(item)
    s.commit()
    queues.queue_certificates__process(ctx)
    second = events(s, queue_certificate_id=item.id)[0]
    assert second.subject_key == "UniqueFQDNSet:%s" % fqdn_set.id and second.certificate_signed_id is None
    # a certificate for the set stored afterwards resolves it
    cert_for(s, None, days_left=80, fqdn_set=fqdn_set, timestamp_created=ctx.timestamp + datetime.timedelta(seconds=1))
    s.commit()
    assert str(second.id) in coverage.resolve_replaced_all(ctx)


# --- key compromised, certificate revoked: by the admin's mark routes


def test_key_compromised_by_the_mark_route(testapp, db, ctx):
    cert = upload(testapp, "leaf_rsa_single")
    res = testapp.post(ADMIN + "/private-key/%s/mark.json" % cert["private_key_id"], {"action": "compromised"}, status=200)
    assert res.json["CertificateSigned_revoked_ids"] == [cert["id"]]
    parent, child = events(ctx.dbsession)
    assert type_of(parent) == type_of(child) == "PrivateKey_compromised_mark"
    assert parent.private_key_id == int(cert["private_key_id"]) and parent.certificate_signed_id is None
    assert child.coverage_assurance_event_id__parent == parent.id and child.certificate_signed_id == int(cert["id"])
    assert parent.coverage_assurance_event_status == "reported+deactivated"
    res = testapp.get(ADMIN + "/coverage-assurance-event/%s/children.json" % parent.id).json
    assert [e["id"] for e in res["CoverageAssuranceEvents"]] == [str(child.id)]
    focus = testapp.get(ADMIN + "/coverage-assurance-event/%s.json" % parent.id).json
    assert focus["children_count"] == 1 and "PrivateKey_replaced" in focus["valid_resolutions"]
    assert "example.com" in testapp.get(ADMIN + "/coverage-assurance-event/%s" % parent.id).text
    # the operator replaced the key outside: the parent and its child are resolved
    res = testapp.post(
        ADMIN + "/coverage-assurance-event/%s/mark.json" % parent.id,
        {"action": "resolution", "resolution": "PrivateKey_replaced"},
        status=200,
    )
    assert res.json["CoverageAssuranceEvent"]["coverage_assurance_resolution"] == "PrivateKey_replaced"
    parent, child = events(ctx.dbsession)
    assert (parent.coverage_assurance_resolution, child.coverage_assurance_resolution) == (
        "PrivateKey_replaced",
        "CertificateSigned_replaced",
    )


def test_revoked_by_the_mark_route(testapp, db, ctx):
    s = ctx.dbsession
    serving = cert_for(s, ["revoked.example.com"], days_left=60)
    resting = cert_for(s, ["resting.example.com"], days_left=60, is_active=False, is_deactivated=True)
    s.commit()
    for dbCertificate in (serving, resting):
        testapp.post(ADMIN + "/certificate-signed/%s/mark.json" % dbCertificate.id, {"action": "revoked"}, status=200)
    (event,) = events(s)  # the certificate that was not serving endangers nothing
    assert type_of(event) == "CertificateSigned_revoked_mark" and event.certificate_signed_id == serving.id


# --- mark: transitions and bad input


def test_mark_transitions_and_bad_input(testapp, db, ctx):
    s = ctx.dbsession
    dbCertificate = cert_for(s, ["mark.example.com"])
    s.commit()
    coverage.check_expiring(ctx)
    s.commit()
    (event,) = events(s)
    url = ADMIN + "/coverage-assurance-event/%s/mark" % event.id
    # GET documents (JSON) or goes back to the event (HTML); nothing changes
    doc = testapp.get(url + ".json").json
    assert doc["method"] == "POST" and "resolution" in doc["form_fields"]
    assert doc["valid_options"]["resolution"] == ["unresolved", "abandoned", "PrivateKey_replaced", "CertificateSigned_replaced"]
    assert "result=error" in testapp.get(url, status=303).location
    testapp.get(ADMIN + "/coverage-assurance-event/999999/mark.json", status=404)
    testapp.post(ADMIN + "/coverage-assurance-event/999999/mark.json", {"action": "resolution", "resolution": "abandoned"}, status=404)
    # bad values: 400 naming the field, nothing changed
    res = testapp.post(url + ".json", {"action": "resolution", "resolution": "fixed"}, status=400)
    assert res.json["result"] == "error" and "resolution" in res.json["form_errors"]
    res = testapp.post(url + ".json", {"action": "explode", "resolution": "abandoned"}, status=400)
    assert "action" in res.json["form_errors"]
    res = testapp.post(url + ".json", {"action": "resolution", "resolution": "PrivateKey_replaced"}, status=400)
    assert "can be marked: abandoned, CertificateSigned_replaced" in res.json["error"]
    res = testapp.post(url + ".json", {"action": "resolution", "resolution": "unresolved"}, status=400)
    assert events(s)[0].is_unresolved
    # abandon: resolved, and the daily check raises nothing new for it
    res = testapp.post(url + ".json", {"action": "resolution", "resolution": "abandoned"}, status=200).json
    assert res["CoverageAssuranceEvent"]["coverage_assurance_resolution"] == "abandoned"
    assert res["CoverageAssuranceEvent"]["timestamp_resolved"] is not None
    assert coverage.check_expiring(ctx) == {}
    testapp.post(url + ".json", {"action": "resolution", "resolution": "abandoned"}, status=400)
    # reopen (HTML): a redirect with the outcome
    res = testapp.post(url, {"action": "resolution", "resolution": "unresolved"}, status=303)
    assert "result=success" in res.location and "operation=mark" in res.location
    (event,) = events(s)
    assert event.is_unresolved and event.timestamp_resolved is None
    res = testapp.post(url, {"action": "resolution", "resolution": "PrivateKey_replaced"}, status=303)
    assert "result=error" in res.location
    with s.no_autoflush:
        marks = s.scalars(
            sa.select(m.OperationsEvent).where(
                m.OperationsEvent.operations_event_type_id
                == model_utils.OperationsEventType.CoverageAssuranceEvent__mark_resolution
            )
        ).all()
    assert len(marks) == 2 and dbCertificate.id


# --- delivery: the job runner and the admin route


@pytest.fixture(scope="module")
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


def test_the_jobs_raise_and_deliver_after_their_commit(db, ctx, raw_settings, receiver):
    receiver.reset()
    s = ctx.dbsession
    dbCertificate = cert_for(s, ["job.example.com"])
    s.commit()
    answer = jobs.run_job(dict(raw_settings, notify_webhook_url=receiver.url), "coverage-check")
    assert answer["result"] == "success"
    assert list(answer["details"]["expiring"]) == [str(dbCertificate.id)]
    assert answer["details"]["notifications"]["count_sent"] == 1
    ((headers, body),) = receiver.requests
    assert b"job.example.com" in body
    assert jobs.run_job(dict(raw_settings, notify_webhook_url=receiver.url), "notify")["details"]["count_sent"] == 0
    assert len(receiver.requests) == 1


def test_the_deliver_route_and_the_notifications_page(make_app, db, ctx, receiver):
    from tests.browser import BrowserTestApp
    from tests.conftest import TEST_HOST

    receiver.reset()
    receiver.answers[:] = [500]
    app = BrowserTestApp(
        make_app(notify_webhook_url=receiver.url), extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"}
    )
    with_settings(ctx, notify_webhook_url=receiver.url)
    cert_for(ctx.dbsession, ["route.example.com"])
    ctx.dbsession.commit()
    coverage.check_expiring(ctx)
    ctx.dbsession.commit()
    doc = app.get(ADMIN + "/api/notifications/deliver.json").json
    assert doc["method"] == "POST" and doc["extra"] == {"channels": ["webhook"], "count_pending": 1}
    assert receiver.requests == []  # a GET sends nothing
    res = app.post(ADMIN + "/api/notifications/deliver.json", "", status=200).json
    assert res["results"]["count_retry"] == 1 and "HTTP 500" in list(res["results"]["errors"].values())[0]
    listed = app.get(ADMIN + "/notifications.json").json["Notifications"]
    (row,) = listed.values()
    assert (row["notification_status"], row["attempts"], row["notification_channel"]) == ("pending", 1, "webhook")
    page = app.get(ADMIN + "/notifications").text
    assert "HTTP 500" in page and "webhook" in page
    assert "Run now" in app.get(ADMIN + "/api/notifications/deliver").text
    res = app.post(ADMIN + "/api/notifications/deliver", "", status=200)
    assert "Done." in res.text  # not due yet (the back-off): nothing sent
    assert len(receiver.requests) == 1


# --- a replacement issued within the second of the original


def test_a_replacement_in_the_same_second_counts_an_older_one_does_not(db, ctx):
    """notBefore counts whole seconds, and a quick CA (pebble, issue 16's faster polls) renews within
    the second of the original: the same notBefore counts as a replacement when it was stored after
    the original, never when it was stored before (or is the original itself)."""
    s = ctx.dbsession
    not_after = utcnow() + datetime.timedelta(days=60)
    not_before = (not_after - datetime.timedelta(days=90)).replace(microsecond=0)
    fqdn_set = f.make_fqdn_set(s, ["same-second.example.com"])
    earlier_twin = f.make_certificate_signed(
        s, fqdn_set=fqdn_set, timestamp_not_before=not_before, timestamp_not_after=not_after
    )
    original = f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=not_before, timestamp_not_after=not_after)
    s.flush()
    earlier_twin.is_active = False  # stored before the original: not a replacement even when active
    s.flush()
    assert coverage.find_replacement(ctx, original) is None
    later_twin = f.make_certificate_signed(s, fqdn_set=fqdn_set, timestamp_not_before=not_before, timestamp_not_after=not_after)
    s.flush()
    assert coverage.find_replacement(ctx, original) is later_twin
    earlier_twin.is_active = True
    later_twin.is_active = False
    s.flush()
    assert coverage.find_replacement(ctx, original) is None  # the twin stored before it does not count
