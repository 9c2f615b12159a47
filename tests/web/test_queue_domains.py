"""The domain queue: add (every result), cancel, lists, processing into ACME orders against pebble
(gated by SSL_RUN_LETSENCRYPT_API_TESTS, like test_acme_orders.py), and the concurrency guard of
``take_queued_domains``."""

import threading
import time
import types

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import queues
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f
from tests.conftest import count_rows
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import new_account


def add(app, names, status=200, json_=True):
    return app.post(
        ADMIN + "/queue-domains/add" + (".json" if json_ else ""), {"domain_names_http01": names}, status=status
    )


def event_types(session) -> list:
    return [
        model_utils.OperationsEventType.as_string(e.operations_event_type_id)
        for e in session.scalars(sa.select(m.OperationsEvent).order_by(m.OperationsEvent.id))
    ]


def object_event_types(session, **where) -> list:
    statement = sa.select(m.OperationsObjectEvent).order_by(m.OperationsObjectEvent.id)
    for column, value in where.items():
        statement = statement.where(getattr(m.OperationsObjectEvent, column) == value)
    return [model_utils.OperationsEventType.as_string(e.operations_object_event_status_id) for e in session.scalars(statement)]


def queue_names(ctx, names):
    results = queues.queue_domains__add(ctx, names)
    ctx.dbsession.commit()
    return results


# --- add


def test_add_every_result(testapp, db, dbsession):
    f.make_domain(dbsession, "active.example.com")
    f.make_domain(dbsession, "inactive.example.com", is_active=False)
    dbsession.commit()
    res = add(testapp, "New.Example.com, waiting.example.com new.example.com.")
    assert res.json == {
        "result": "success",
        "operation": "add",
        "domains": {"new.example.com": "queued", "waiting.example.com": "queued"},
    }
    res = add(testapp, "waiting.example.com,active.example.com,INACTIVE.example.com,always-fail.example.com,z.example.com")
    assert res.json["domains"] == {
        "waiting.example.com": "already_queued",
        "active.example.com": "exists",
        "inactive.example.com": "exists",
        "always-fail.example.com": "blocklisted",
        "z.example.com": "queued",
    }
    dbsession.expire_all()
    # rule 1: the inactive Domain is managed again
    assert dbsession.scalars(sa.select(m.Domain).where(m.Domain.domain_name == "inactive.example.com")).one().is_active
    waiting = dbsession.scalars(sa.select(m.QueueDomain).order_by(m.QueueDomain.id)).all()
    assert [q.domain_name for q in waiting] == ["new.example.com", "waiting.example.com", "z.example.com"]
    assert all(q.is_active is True and q.domain_id is None for q in waiting)
    # one QueueDomain__add event per request, one object event per name touched
    assert event_types(dbsession).count("QueueDomain__add") == 2
    statuses = object_event_types(dbsession)
    assert statuses.count("QueueDomain__add__success") == 3
    assert statuses.count("QueueDomain__add__already_queued") == 1
    assert statuses.count("QueueDomain__add__already_exists") == 1
    assert statuses.count("QueueDomain__add__already_exists_activate") == 1
    # the list shows them, oldest first
    listed = testapp.get(ADMIN + "/queue-domains.json").json
    assert [q["domain_name"] for q in listed["QueueDomains"].values()] == [q.domain_name for q in waiting]
    assert listed["pagination"]["total_items"] == 3


def test_add_html(testapp, db, dbsession):
    page = testapp.get(ADMIN + "/queue-domains/add", status=200)
    assert "domain_names_http01" in page.text
    res = add(testapp, "a.example.com,b.example.com", status=303, json_=False)
    assert "result=success" in res.location and "count_queued=2" in res.location
    page = res.follow()
    assert "a.example.com" in page.text and "b.example.com" in page.text
    assert "Queue</a>" in testapp.get(ADMIN + "/queue-domains").text  # the nav link


@pytest.mark.parametrize("names", ["", " , ", "ok.example.com,not a name", "nodot", "*.example.com"])
def test_add_bad_input_changes_nothing(testapp, db, names):
    before = (count_rows(db, m.QueueDomain), count_rows(db, m.OperationsEvent))
    res = add(testapp, names, status=400)
    assert res.json["result"] == "error"
    assert "domain_names_http01" in res.json["form_errors"]
    if names.startswith("ok."):
        assert res.json["domains"]["ok.example.com"] == "queued"
        assert res.json["domains"]["not"] == "invalid"
    res = add(testapp, names, status=400, json_=False)
    assert "Nothing was changed" in res.text
    assert (count_rows(db, m.QueueDomain), count_rows(db, m.OperationsEvent)) == before


def test_add_lib_keeps_invalid_messages(ctx, dbsession):
    messages = {}
    results = queues.queue_domains__add(ctx, ["good.example.com", "bad name", "GOOD.example.com"], messages=messages)
    assert results == {"good.example.com": "queued", "bad name": "invalid"}
    assert set(messages) == {"bad name"} and messages["bad name"]


def test_add_documentation(testapp, db):
    docs = testapp.get(ADMIN + "/queue-domains/add.json").json
    assert docs["method"] == "POST" and "domain_names_http01" in docs["form_fields"]


# --- focus, cancel, lists


def test_focus_and_cancel(testapp, db, ctx, dbsession):
    queue_names(ctx, "one.example.com,two.example.com")
    one, two = dbsession.scalars(sa.select(m.QueueDomain).order_by(m.QueueDomain.id)).all()
    focus = testapp.get(ADMIN + "/queue-domain/%s.json" % one.id).json
    assert focus["result"] == "success" and focus["QueueDomain"]["domain_name"] == "one.example.com"
    assert focus["QueueDomain"]["is_active"] is True and focus["QueueDomain"]["id"] == str(one.id)
    page = testapp.get(ADMIN + "/queue-domain/%s" % one.id).text
    assert "one.example.com" in page and "waiting" in page and "Cancel" in page
    testapp.get(ADMIN + "/queue-domain/999.json", status=404)
    # GET on the action documents it (JSON), or redirects with an error (HTML)
    assert testapp.get(ADMIN + "/queue-domain/%s/mark.json" % one.id).json["method"] == "POST"
    res = testapp.post(ADMIN + "/queue-domain/%s/mark.json" % one.id, {"action": "cancel"}, status=200)
    assert res.json["result"] == "success" and res.json["QueueDomain"]["is_active"] is None
    assert res.json["QueueDomain"]["timestamp_processed"]
    # cancelled twice: refused
    res = testapp.post(ADMIN + "/queue-domain/%s/mark.json" % one.id, {"action": "cancel"}, status=400)
    assert "cancelled already" in res.json["error"]
    res = testapp.post(ADMIN + "/queue-domain/%s/mark.json" % one.id, {"action": "bogus"}, status=400)
    assert "action" in res.json["form_errors"]
    # HTML
    res = testapp.post(ADMIN + "/queue-domain/%s/mark" % two.id, {"action": "cancel"}, status=303)
    assert "result=success" in res.location
    res = testapp.post(ADMIN + "/queue-domain/%s/mark" % two.id, {"action": "cancel"}, status=303)
    assert "result=error" in res.location
    # a processed row cannot be cancelled
    dbsession.expire_all()
    three = queue_names(ctx, "three.example.com")
    row = dbsession.scalars(sa.select(m.QueueDomain).where(m.QueueDomain.domain_name == "three.example.com")).one()
    row.is_active = False
    dbsession.commit()
    res = testapp.post(ADMIN + "/queue-domain/%s/mark.json" % row.id, {"action": "cancel"}, status=400)
    assert "processed already" in res.json["error"]
    assert three == {"three.example.com": "queued"}
    assert object_event_types(dbsession, queue_domain_id=one.id).count("QueueDomain__mark__cancelled") == 1
    # lists: waiting is empty, all has the three
    assert testapp.get(ADMIN + "/queue-domains.json").json["QueueDomains"] == {}
    everything = testapp.get(ADMIN + "/queue-domains/all.json").json
    assert sorted(q["domain_name"] for q in everything["QueueDomains"].values()) == [
        "one.example.com",
        "three.example.com",
        "two.example.com",
    ]
    page = testapp.get(ADMIN + "/queue-domains/all").text
    assert "cancelled" in page and "processed" in page
    # an emptied name can be queued again
    assert queue_names(ctx, "one.example.com") == {"one.example.com": "queued"}


def test_lists_are_paged(testapp, db, ctx):
    queue_names(ctx, ",".join("n%03d.example.com" % i for i in range(55)))
    first = testapp.get(ADMIN + "/queue-domains.json").json
    assert len(first["QueueDomains"]) == 50 and first["pagination"]["page_next"] == 2
    second = testapp.get(ADMIN + "/queue-domains/2.json").json
    assert len(second["QueueDomains"]) == 5
    assert testapp.get(ADMIN + "/queue-domains/all/2").status_int == 200
    assert testapp.get(ADMIN + "/queue-domains/9").status_int == 303


# --- process: the bounds and the account (no ACME server needed)


def test_process_documentation_and_form(testapp, db, ctx):
    queue_names(ctx, "a.example.com,b.example.com")
    docs = testapp.get(ADMIN + "/queue-domains/process.json").json
    assert docs["method"] == "POST" and "max_domains_per_certificate" in docs["form_fields"]
    assert docs["extra"]["queue.count"] == 2
    assert sorted(docs["extra"]["queue.items_100"].values()) == ["a.example.com", "b.example.com"]
    assert "process_single" in docs["valid_options"]["processing_strategy"]
    page = testapp.get(ADMIN + "/queue-domains/process").text
    assert "2 names waiting" in page
    api = testapp.get(ADMIN + "/api/queue-domains/process.json").json
    assert api["method"] == "POST" and api["extra"]["queue.count"] == 2


def test_process_without_default_account(testapp, db, ctx):
    queue_names(ctx, "a.example.com")
    res = testapp.post(ADMIN + "/queue-domains/process.json", {}, status=400)
    assert "global default" in res.json["error"] and "acme_account_id" in res.json["form_errors"]
    res = testapp.post(ADMIN + "/api/queue-domains/process.json", "", status=400)
    assert "global default" in res.json["error"]
    res = testapp.post(ADMIN + "/queue-domains/process", {}, status=400)
    assert "Nothing was changed" in res.text
    assert testapp.get(ADMIN + "/queue-domains.json").json["pagination"]["total_items"] == 1


def test_process_bounds(make_app, db, ctx):
    import webtest

    from tests.conftest import TEST_HOST

    app = webtest.TestApp(
        make_app(queue_domains_min_per_cert="3", queue_domains_max_per_cert="5"),
        extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"},
    )
    ctx.settings = app.app.registry.app_settings
    account = types.SimpleNamespace(id=1, is_usable=True)
    with pytest.raises(errors.InvalidRequest, match="from 3 to 5"):
        queues.queue_domains__process(ctx, account, max_domains_per_certificate=6)
    with pytest.raises(errors.InvalidRequest, match="from 3 to 5"):
        queues.queue_domains__process(ctx, account, max_domains_per_certificate=2)
    queue_names(ctx, "a.example.com,b.example.com")
    with pytest.raises(errors.InvalidRequest, match="2 domain name.s. are waiting.*at least 3"):
        queues.queue_domains__process(ctx, account)
    res = app.post(ADMIN + "/queue-domains/process.json", {"max_domains_per_certificate": "9"}, status=400)
    assert "max_domains_per_certificate" in res.json["form_errors"]
    ctx.dbsession.rollback()
    # nothing was taken
    assert count_rows(db, m.QueueDomain) == 2
    with Session(bind=db) as session:
        assert all(q.is_active is True for q in session.scalars(sa.select(m.QueueDomain)))


# --- the concurrency guard


def _take_concurrently(engine, app_settings, limit, takers=2):
    """Each taker: its own session and ApiContext, started together, takes and commits."""
    barrier = threading.Barrier(takers)
    taken = [None] * takers
    failures = []

    def run(i):
        try:
            with Session(bind=engine) as session:
                ctx = ApiContext(session, app_settings)
                barrier.wait()
                rows = queues.take_queued_domains(ctx, limit)
                taken[i] = [q.id for q in rows]
                time.sleep(0.05)  # hold the claim a moment before committing
                ctx.checkpoint()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(takers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    return taken


def test_concurrent_takers_never_share_rows(db, ctx, app_settings):
    queue_names(ctx, ",".join("c%03d.example.com" % i for i in range(100)))
    all_ids = set(ctx.dbsession.scalars(sa.select(m.QueueDomain.id)))
    first, second = _take_concurrently(db, app_settings, 60)
    assert not set(first) & set(second)
    assert sorted(len(x) for x in (first, second)) == [40, 60]
    assert set(first) | set(second) == all_ids
    # the oldest went first to whichever taker ran first
    assert min(first + second) == min(all_ids)
    with Session(bind=db) as session:
        assert session.scalar(sa.select(sa.func.count()).where(m.QueueDomain.is_active.is_(True))) == 0


def test_uncommitted_claims_are_skipped_on_postgresql(db, ctx, app_settings):
    """PostgreSQL: a claim not yet committed holds its rows (FOR UPDATE): another taker skips them
    (SKIP LOCKED) instead of waiting or taking them again."""
    if db.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is the PostgreSQL path; SQLite serialises writers (see the threaded test)")
    queue_names(ctx, ",".join("p%02d.example.com" % i for i in range(10)))
    with Session(bind=db) as one, Session(bind=db) as two:
        first = [q.id for q in queues.take_queued_domains(ApiContext(one, app_settings), 6)]
        second = [q.id for q in queues.take_queued_domains(ApiContext(two, app_settings), 6)]
        assert len(first) == 6 and len(second) == 4 and not set(first) & set(second)
        one.rollback()  # the first process died: its rows are waiting again
        two.commit()
    with Session(bind=db) as session:
        assert session.scalar(sa.select(sa.func.count()).where(m.QueueDomain.is_active.is_(True))) == 6


def test_concurrent_process_takers_never_share_rows(db, ctx, app_settings, monkeypatch):
    """Two `queue_domains__process` at once (the ACME order replaced by a recorder): each order
    gets its own names."""
    queue_names(ctx, ",".join("q%02d.example.com" % i for i in range(10)))
    ordered = []
    lock = threading.Lock()

    def fake_place_order(ctx, spec):
        assert spec.order_type == "Queue - Domains"
        with lock:
            ordered.append(spec.domain_names)
        return types.SimpleNamespace(id=len(ordered), certificate_signed_id=None)

    monkeypatch.setattr(queues.actions_acme, "place_order", fake_place_order)
    barrier = threading.Barrier(2)
    failures = []

    def run():
        try:
            with Session(bind=db) as session:
                sctx = ApiContext(session, app_settings)
                barrier.wait()
                queues.queue_domains__process(sctx, types.SimpleNamespace(id=1, is_usable=True), 6)
                session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert sorted(len(names) for names in ordered) == [4, 6]
    assert not set(ordered[0]) & set(ordered[1])
    with Session(bind=db) as session:
        rows = session.scalars(sa.select(m.QueueDomain)).all()
        assert all(q.is_active is False and q.domain_id and q.timestamp_processed for q in rows)
        assert event_types(session).count("QueueDomain__process__success") == 2


@pytest.mark.parametrize(
    "failure", [errors.AcmeCommunicationError("connection refused"), errors.ConflictingObject("busy"), KeyError("bug")]
)
def test_nothing_is_marked_when_the_server_created_nothing(db, ctx, app_settings, monkeypatch, failure):
    queue_names(ctx, "x.example.com,y.example.com")

    def failing_place_order(ctx, spec):
        raise failure

    monkeypatch.setattr(queues.actions_acme, "place_order", failing_place_order)
    with pytest.raises(type(failure)):
        queues.queue_domains__process(ctx, types.SimpleNamespace(id=1, is_usable=True))
    with Session(bind=db) as session:
        rows = session.scalars(sa.select(m.QueueDomain)).all()
        assert [(q.is_active, q.domain_id, q.timestamp_processed) for q in rows] == [(True, None, None)] * 2
        assert "QueueDomain__process__fail" in event_types(session)


# --- process against pebble


def test_process_120_names_in_two_orders(acmeapp, db, pebble_always_valid):
    account = new_account(acmeapp)
    names = ["d%03d.example.com" % i for i in range(120)]
    res = add(acmeapp, ",".join(names))
    assert set(res.json["domains"].values()) == {"queued"}
    res = acmeapp.post(ADMIN + "/queue-domains/process.json", {"max_domains_per_certificate": "100"}, status=200)
    assert res.json["result"] == "success", res.json
    order = res.json["AcmeOrder"]
    assert order["acme_status_order"] == "valid" and order["certificate_signed_id"]
    assert order["acme_account_id"] == account["id"]
    assert order["acme_order_type"] == "Queue - Domains"
    assert order["domains_as_list"] == sorted(names[:100])  # the 100 oldest
    waiting = acmeapp.get(ADMIN + "/queue-domains.json").json
    assert waiting["pagination"]["total_items"] == 20
    # the rest: the API job, with every default, an empty POST
    res = acmeapp.post(ADMIN + "/api/queue-domains/process.json", "", status=200)
    assert res.json["result"] == "success", res.json
    second = res.json["AcmeOrder"]
    assert second["domains_as_list"] == sorted(names[100:]) and second["certificate_signed_id"]
    assert acmeapp.get(ADMIN + "/queue-domains.json").json["QueueDomains"] == {}
    with Session(bind=db) as session:
        rows = session.scalars(sa.select(m.QueueDomain)).all()
        assert len(rows) == 120 and all(q.is_active is False and q.domain_id and q.timestamp_processed for q in rows)
        domains = session.scalars(sa.select(m.Domain).where(m.Domain.domain_name.in_(names))).all()
        assert len(domains) == 120 and all(d.is_from_queue_domain for d in domains)
        kinds = event_types(session)
        assert kinds.count("QueueDomain__process") >= 2 and kinds.count("QueueDomain__process__success") == 2
    # the queue is empty: nothing more to do
    res = acmeapp.post(ADMIN + "/api/queue-domains/process.json", "", status=400)
    assert "0 domain name(s) are waiting" in res.json["error"]
    # HTML: the form, and a processing that lands on the order
    add(acmeapp, "h.example.com")
    assert "1 name waiting" in acmeapp.get(ADMIN + "/queue-domains/process").text
    res = acmeapp.post(ADMIN + "/queue-domains/process", {"processing_strategy": "create_order"}, status=303)
    assert "/acme-order/" in res.location and "result=success" in res.location
