"""The blocklist (docs/Blocklist.md): list, add, focus, delete, HTML and JSON, good and bad input;
and every creation path refusing a blocklisted name with a clear 400 and nothing written."""

import pytest
import sqlalchemy as sa

from peter_sslers.lib import errors
from peter_sslers.lib.db import getcreate
from peter_sslers.lib.db import queues
from peter_sslers.lib.db import validate
from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import factories as f
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
SEED = "always-fail.example.com"
MESSAGE = "Blocklisted: %s. A blocklisted name is never certified."


def blocked_id(dbsession, name):
    return dbsession.scalars(sa.select(m.DomainBlocklisted.id).where(m.DomainBlocklisted.domain_name == name)).one()


def everything(db) -> tuple:
    """The rows a refused creation must leave as they were."""
    kinds = (
        m.Domain,
        m.UniqueFQDNSet,
        m.QueueDomain,
        m.QueueCertificate,
        m.AcmeOrder,
        m.CertificateSigned,
        m.PrivateKey,
        m.DomainBlocklisted,
        m.OperationsEvent,
    )
    return tuple(count_rows(db, kind) for kind in kinds)


def event_names(dbsession):
    return [
        utils.OperationsEventType.as_string(e.operations_event_type_id)
        for e in dbsession.scalars(sa.select(m.OperationsEvent).order_by(m.OperationsEvent.id))
    ]


# --- list


def test_list_html_and_json(testapp, dbsession):
    res = testapp.get(ADMIN + "/domains-blocklisted.json", status=200)
    (item,) = res.json["DomainsBlocklisted"]  # a list, as in 2021
    assert item["domain_name"] == SEED
    assert item["id"] == str(blocked_id(dbsession, SEED))  # ids are strings
    assert item["timestamp_created"]
    assert res.json["pagination"]["total_items"] == 1
    res = testapp.get(ADMIN + "/domains-blocklisted", status=200)
    assert SEED in res.text and "Blocklist a name" in res.text
    res = testapp.get(ADMIN + "/domains-blocklisted/1.json", status=200)
    assert res.json["pagination"]["page"] == 1


def test_list_is_paginated_by_name(testapp, dbsession):
    for i in range(55):
        dbsession.add(m.DomainBlocklisted(domain_name="b%03d.example.com" % i))
    dbsession.commit()
    res = testapp.get(ADMIN + "/domains-blocklisted.json", status=200)
    assert res.json["pagination"]["total_items"] == 56
    assert res.json["pagination"]["page_next"] == 2
    names = [item["domain_name"] for item in res.json["DomainsBlocklisted"]]
    assert len(names) == 50 and names == sorted(names)
    res = testapp.get(ADMIN + "/domains-blocklisted/2.json", status=200)
    assert len(res.json["DomainsBlocklisted"]) == 6
    testapp.get(ADMIN + "/domains-blocklisted/3", status=303)
    testapp.get(ADMIN + "/domains-blocklisted/0.json", status=303)


# --- add


@pytest.mark.parametrize(
    "raw, canonical",
    [
        (" Blocked.Example.COM. ", "blocked.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("*.Wild.example.com", "*.wild.example.com"),  # a wildcard is a name of its own
    ],
)
def test_add_json_normalises(testapp, db, dbsession, raw, canonical):
    res = testapp.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": raw}, status=200)
    assert res.json["result"] == "success" and res.json["operation"] == "add"
    assert res.json["DomainBlocklisted"]["domain_name"] == canonical
    assert res.json["Domain"] is None
    assert res.json["cancelled"] == {"QueueDomain": [], "QueueCertificate": []}
    row = dbsession.get(m.DomainBlocklisted, int(res.json["DomainBlocklisted"]["id"]))
    assert row.domain_name == canonical
    event = dbsession.get(m.OperationsEvent, row.operations_event_id__created)
    assert utils.OperationsEventType.as_string(event.operations_event_type_id) == "DomainBlocklisted__insert"
    assert canonical in event.event_payload


def test_add_html(testapp, dbsession):
    res = testapp.get(ADMIN + "/domains-blocklisted/add", status=200)
    assert "<form" in res.text and 'name="domain_name"' in res.text
    res = testapp.post(ADMIN + "/domains-blocklisted/add", {"domain_name": "html.example.com"}, status=303)
    assert "/domain-blocklisted/" in res.location and "result=success" in res.location
    assert "html.example.com" in res.follow().text


def test_get_on_add_json_documents_it(testapp, db):
    before = everything(db)
    res = testapp.get(ADMIN + "/domains-blocklisted/add.json?domain_name=x.example.com", status=200)
    assert res.json["method"] == "POST"
    assert "domain_name" in res.json["form_fields"]
    assert "curl" in res.json["example"]
    assert everything(db) == before


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Required"),
        ({"domain_name": ""}, "Required"),
        ({"domain_name": "not a name.example.com"}, "not a valid domain name"),
        ({"domain_name": "127.0.0.1"}, "IP address"),
        ({"domain_name": "localhost"}, "needs a dot"),
        ({"domain_name": SEED}, "blocklisted already"),
        ({"domain_name": "ALWAYS-FAIL.example.com."}, "blocklisted already"),  # the same name, normalised
        ({"domain_name": "x" * 300 + ".com"}, "Longer than"),
    ],
)
def test_add_bad_input_changes_nothing(testapp, db, fields, message):
    before = everything(db)
    res = testapp.post(ADMIN + "/domains-blocklisted/add.json", fields, status=400)
    assert res.json["result"] == "error"
    assert message in res.json["form_errors"]["domain_name"], res.json
    res = testapp.post(ADMIN + "/domains-blocklisted/add", fields, status=400)
    assert "Nothing was changed" in res.text
    assert everything(db) == before


def test_add_is_race_safe(ctx, dbsession):
    """A second add of the name (another request that inserted first) is the clear conflict."""
    from peter_sslers.lib.db import domain_blocklisted

    domain_blocklisted.add(ctx, "race.example.com")
    with pytest.raises(errors.ConflictingObject) as caught:
        domain_blocklisted.add(ctx, "Race.Example.com")
    assert caught.value.field == "domain_name"


def test_add_cancels_the_waiting_queue_items_and_keeps_the_domain(testapp, db, dbsession, ctx):
    dbDomain = f.make_domain(dbsession, "kept.example.com")
    dbSet = f.make_fqdn_set(dbsession, ["queued-cert.example.com", "other.example.com"])
    dbItem = f._add(
        dbsession, f.make_queue_certificate(dbsession, unique_fqdn_set=dbSet, unique_fqdn_set__source=dbSet, is_active=True)
    )
    dbOtherSet = f.make_fqdn_set(dbsession)  # another set: untouched
    dbOtherItem = f._add(
        dbsession,
        f.make_queue_certificate(dbsession, unique_fqdn_set=dbOtherSet, unique_fqdn_set__source=dbOtherSet, is_active=True),
    )
    dbsession.commit()
    results = queues.queue_domains__add(ctx, "queued.example.com")
    assert results == {"queued.example.com": "queued"}
    dbsession.commit()
    queued_id = dbsession.scalars(sa.select(m.QueueDomain.id)).one()

    res = testapp.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": "queued.example.com"}, status=200)
    assert res.json["cancelled"] == {"QueueDomain": [str(queued_id)], "QueueCertificate": []}
    res = testapp.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": "queued-cert.example.com"}, status=200)
    assert res.json["cancelled"] == {"QueueDomain": [], "QueueCertificate": [str(dbItem.id)]}
    res = testapp.post(ADMIN + "/domains-blocklisted/add.json", {"domain_name": "kept.example.com"}, status=200)
    assert res.json["Domain"]["id"] == str(dbDomain.id)
    dbsession.expire_all()
    assert dbsession.get(m.QueueDomain, queued_id).is_active is None
    assert dbsession.get(m.QueueCertificate, dbItem.id).is_active is None
    assert dbsession.get(m.QueueCertificate, dbOtherItem.id).is_active is True
    assert dbsession.get(m.Domain, dbDomain.id).is_active is True  # kept as it was
    # each cancellation is logged, under the blocklisting
    names = event_names(dbsession)
    assert names.count("DomainBlocklisted__insert") == 3
    assert "QueueDomain__mark" in names and "QueueCertificate__mark" in names
    # the focus page shows the Domain
    res = testapp.get(ADMIN + "/domain-blocklisted/%s.json" % blocked_id(dbsession, "kept.example.com"), status=200)
    assert res.json["Domain"]["domain_name"] == "kept.example.com"


# --- focus and delete


def test_focus(testapp, dbsession):
    seed_id = blocked_id(dbsession, SEED)
    res = testapp.get(ADMIN + "/domain-blocklisted/%s.json" % seed_id, status=200)
    assert res.json["DomainBlocklisted"]["domain_name"] == SEED
    assert res.json["Domain"] is None
    res = testapp.get(ADMIN + "/domain-blocklisted/%s" % seed_id, status=200)
    assert SEED in res.text and "Remove from the blocklist" in res.text


@pytest.mark.parametrize("path", ["/domain-blocklisted/999", "/domain-blocklisted/999.json",
                                  "/domain-blocklisted/999/delete", "/domain-blocklisted/999/delete.json",
                                  "/domain-blocklisted/99999999999.json"])
def test_unknown_is_not_found(testapp, db, path):
    testapp.get(ADMIN + path, status=404)
    if path.endswith("delete.json"):
        res = testapp.post(ADMIN + path, status=404)
        assert res.json["result"] == "error"


def test_delete_json(testapp, db, dbsession):
    seed_id = blocked_id(dbsession, SEED)
    before = count_rows(db, m.DomainBlocklisted)
    res = testapp.post(ADMIN + "/domain-blocklisted/%s/delete.json" % seed_id, status=200)
    assert res.json["result"] == "success" and res.json["operation"] == "delete"
    assert res.json["DomainBlocklisted"]["domain_name"] == SEED
    assert count_rows(db, m.DomainBlocklisted) == before - 1
    assert "DomainBlocklisted__delete" in event_names(dbsession)
    # gone: a second delete is a 404, and the name can be certified again
    testapp.post(ADMIN + "/domain-blocklisted/%s/delete.json" % seed_id, status=404)
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": SEED}, status=200)
    assert res.json["is_created"] is True


def test_delete_html_and_get_changes_nothing(testapp, db, dbsession):
    seed_id = blocked_id(dbsession, SEED)
    before = everything(db)
    res = testapp.get(ADMIN + "/domain-blocklisted/%s/delete.json" % seed_id, status=200)
    assert res.json["method"] == "POST"
    res = testapp.get(ADMIN + "/domain-blocklisted/%s/delete" % seed_id, status=303)
    assert "result=error" in res.location and "operation=delete" in res.location
    assert everything(db) == before
    res = testapp.post(ADMIN + "/domain-blocklisted/%s/delete" % seed_id, status=303)
    assert res.location.endswith("/domains-blocklisted?result=success&operation=delete&domain_name=" + SEED)
    assert count_rows(db, m.DomainBlocklisted) == 0


# --- the rule: exact, case-insensitive, canonical


def test_the_match_is_exact(ctx, dbsession):
    dbsession.add(m.DomainBlocklisted(domain_name="example.com"))
    dbsession.commit()
    assert validate.blocklisted_names(ctx, ["example.com", "www.example.com", "*.example.com", "example.co"]) == [
        "example.com"
    ]
    # subdomains and the wildcard are not blocked
    getcreate.getcreate__UniqueFQDNSet__by_domain_names(ctx, ["www.example.com", "*.example.com"], allow_wildcard=True)
    with pytest.raises(errors.DomainBlocklisted) as caught:
        getcreate.getcreate__UniqueFQDNSet__by_domain_names(ctx, ["Example.COM.", "www.example.com"])
    assert caught.value.names == ["example.com"]
    assert caught.value.message == MESSAGE % "example.com"


# --- every creation path refuses, with a clear 400 and nothing written


@pytest.fixture
def blocked(dbsession):
    dbsession.add(m.DomainBlocklisted(domain_name="blocked.example.com"))
    dbsession.commit()
    return "blocked.example.com"


@pytest.mark.parametrize(
    "path, fields, field",
    [
        ("/domain/new.json", {"domain_name": "Blocked.Example.com"}, "domain_name"),
        ("/unique-fqdn-set/new.json", {"domain_names": "ok.example.com, blocked.example.com"}, "domain_names"),
        ("/queue-certificate/new/freeform.json", {"domain_names_http01": "ok.example.com,blocked.example.com"}, "domain_names_http01"),
        ("/acme-order/new/freeform.json", {"domain_names_http01": "ok.example.com,blocked.example.com"}, "domain_names_http01"),
    ],
)
def test_creation_forms_refuse(testapp, db, dbsession, blocked, path, fields, field):
    account = f.make_account(dbsession, provider=_default_provider(dbsession), is_global_default=True)
    f.make_account_key(dbsession, account=account)
    dbsession.commit()
    before = everything(db)
    res = testapp.post(ADMIN + path, fields, status=400)
    assert res.json["result"] == "error"
    assert res.json["form_errors"][field] == MESSAGE % blocked, res.json
    res = testapp.post(ADMIN + path[: -len(".json")], fields, status=400)
    assert "Nothing was changed" in res.text and "Blocklisted: blocked.example.com" in res.text
    assert everything(db) == before


def _default_provider(dbsession):
    return dbsession.scalars(sa.select(m.AcmeAccountProvider).where(m.AcmeAccountProvider.is_default.is_(True))).one()


def test_set_modify_refuses(testapp, db, blocked):
    set_id = testapp.post(ADMIN + "/unique-fqdn-set/new.json", {"domain_names": "a.example.com"}).json["UniqueFQDNSet"]["id"]
    before = everything(db)
    res = testapp.post(
        ADMIN + "/unique-fqdn-set/%s/modify.json" % set_id, {"domain_names_add": "blocked.example.com"}, status=400
    )
    assert res.json["form_errors"]["domain_names_add"] == MESSAGE % blocked, res.json
    assert everything(db) == before


def test_queue_domains_add_answers_blocklisted(testapp, db, blocked):
    res = testapp.post(
        ADMIN + "/queue-domains/add.json", {"domain_names_http01": "BLOCKED.example.com,fine.example.com"}, status=200
    )
    assert res.json["domains"] == {"blocked.example.com": "blocklisted", "fine.example.com": "queued"}
    assert count_rows(db, m.QueueDomain) == 1


@pytest.mark.parametrize("source", ["UniqueFQDNSet", "CertificateSigned", "AcmeOrder"])
def test_structured_queue_item_refused_for_an_existing_set(testapp, db, dbsession, source):
    """A set made before its name was blocklisted: no queue item is made to order it."""
    account = f.make_account(dbsession, provider=_default_provider(dbsession), is_global_default=True)
    f.make_account_key(dbsession, account=account)
    dbSet = f.make_fqdn_set(dbsession, ["late.example.com", "fine.example.com"])
    sources = {
        "UniqueFQDNSet": ("unique_fqdn_set", lambda: dbSet),
        "CertificateSigned": ("certificate_signed", lambda: f.make_certificate_signed(dbsession, fqdn_set=dbSet)),
        "AcmeOrder": ("acme_order", lambda: f.make_acme_order(dbsession, account=account, fqdn_set=dbSet)),
    }
    field, make = sources[source]
    dbSource = make()
    dbsession.add(m.DomainBlocklisted(domain_name="late.example.com"))
    dbsession.commit()
    before = everything(db)
    res = testapp.post(
        ADMIN + "/queue-certificate/new/structured.json",
        {"queue_source": source, field: str(dbSource.id), "acme_account_id": str(account.id)},
        status=400,
    )
    assert res.json["form_errors"][field] == MESSAGE % "late.example.com", res.json
    assert everything(db) == before


def test_renewal_update_skips_and_reports_a_set_of_active_names(ctx, dbsession):
    """All names active, one blocklisted since: the certificate is skipped (`invalid_names`), the others queued."""
    import datetime

    from peter_sslers.model import meta

    account = f.make_account(dbsession, provider=_default_provider(dbsession), is_global_default=True)
    f.make_account_key(dbsession, account=account)
    not_after = meta.utcnow() + datetime.timedelta(days=5)
    window = dict(timestamp_not_before=not_after - datetime.timedelta(days=90), timestamp_not_after=not_after)
    blocked_cert = f.make_certificate_signed(dbsession, fqdn_set=f.make_fqdn_set(dbsession, ["x.example.com", "late.example.com"]), **window)
    fine_cert = f.make_certificate_signed(dbsession, fqdn_set=f.make_fqdn_set(dbsession, ["fine.example.com"]), **window)
    dbsession.add(m.DomainBlocklisted(domain_name="late.example.com"))
    dbsession.commit()
    results = queues.queue_certificates__update(ctx)
    dbsession.commit()
    assert results["skipped"][str(blocked_cert.id)] == "invalid_names: " + MESSAGE % "late.example.com"
    waiting = dbsession.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.is_active.is_(True))).all()
    assert [q.certificate_signed_id__source for q in waiting] == [fine_cert.id]


def test_api_context_paths_refuse(ctx, dbsession, blocked):
    """The library functions every route and job calls."""
    with pytest.raises(errors.DomainBlocklisted):
        getcreate.getcreate__Domain__by_domainName(ctx, "blocked.example.com.")
    with pytest.raises(errors.DomainBlocklisted):
        getcreate.validate_set_names(ctx, ["a.example.com", "blocked.example.com"])
    assert count_rows(dbsession.get_bind(), m.Domain) == 0
