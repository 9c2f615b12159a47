"""Domains: list, focus by id or name, new, mark; HTML and JSON, good and bad input."""

import pytest

from peter_sslers.model import objects as m
from peter_sslers.model import utils
from tests import factories as f
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"


@pytest.fixture
def domain(dbsession):
    dbDomain = f.make_domain(dbsession, "example.com")
    dbsession.commit()
    return dbDomain


def test_list_html_and_json(testapp, domain):
    res = testapp.get(ADMIN + "/domains", status=200)
    assert "example.com" in res.text
    res = testapp.get(ADMIN + "/domains.json", status=200)
    assert res.json["Domains"] == {str(domain.id): res.json["Domains"][str(domain.id)]}
    item = res.json["Domains"][str(domain.id)]
    assert item["id"] == str(domain.id)  # ids are strings in JSON
    assert item["domain_name"] == "example.com"
    assert item["is_active"] is True


def test_list_is_sorted_by_name(testapp, dbsession):
    for name in ("b.example.com", "a.example.com", "c.example.com"):
        f.make_domain(dbsession, name)
    dbsession.commit()
    res = testapp.get(ADMIN + "/domains", status=200)
    positions = [res.text.index(">%s<" % name) for name in ("a.example.com", "b.example.com", "c.example.com")]
    assert positions == sorted(positions)


@pytest.mark.parametrize("identifier", ["example.com", "EXAMPLE.COM", "Example.Com", "{id}"])
def test_focus_by_id_or_name(testapp, domain, identifier):
    identifier = identifier.format(id=domain.id)
    res = testapp.get(ADMIN + "/domain/%s.json" % identifier, status=200)
    assert res.json["Domain"]["id"] == str(domain.id)
    res = testapp.get(ADMIN + "/domain/%s" % identifier, status=200)
    assert "example.com" in res.text


def test_focus_unknown(testapp, domain):
    res = testapp.get(ADMIN + "/domain/999.json", status=404)
    assert res.json["result"] == "error"
    testapp.get(ADMIN + "/domain/unknown.example.com", status=404)


def test_new_json(testapp, db, dbsession):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": " Example.COM. "}, status=200)
    assert res.json["result"] == "success"
    assert res.json["is_created"] is True
    assert res.json["Domain"]["domain_name"] == "example.com"
    # idempotent
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "example.com"}, status=200)
    assert res.json["is_created"] is False
    assert count_rows(db, m.Domain) == 1
    # the insert is in the operations log, with its object event
    events = dbsession.query(m.OperationsEvent).filter_by(
        operations_event_type_id=utils.OperationsEventType.from_string("Domain__insert")
    ).all()
    assert len(events) == 1
    assert events[0].object_events[0].domain_id == int(res.json["Domain"]["id"])


def test_new_idn(testapp):
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "bücher.example"}, status=200)
    assert res.json["Domain"]["domain_name"] == "xn--bcher-kva.example"


def test_new_html(testapp):
    res = testapp.get(ADMIN + "/domain/new", status=200)
    assert "<form" in res.text
    res = testapp.post(ADMIN + "/domain/new", {"domain_name": "example.com"}, status=303)
    assert "/domain/" in res.location and "result=success" in res.location
    assert "example.com" in res.follow().text


BAD_NAMES = [
    "",
    "   ",
    "localhost",
    "exa mple.com",
    "-example.com",
    "example-.com",
    "exa_mple.com",
    "example..com",
    "*.example.com",
    "127.0.0.1",
    "::1",
    "a" * 64 + ".com",
    ("a" * 60 + ".") * 5 + "com",
    "example.123",
    "http://example.com",
    "example.com/path",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_new_bad_names_change_nothing(testapp, db, name):
    before_events = count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": name}, status=400)
    assert res.json["result"] == "error"
    assert "domain_name" in res.json["form_errors"]
    res = testapp.post(ADMIN + "/domain/new", {"domain_name": name}, status=400)
    assert "domain_name" in res.text
    assert count_rows(db, m.Domain) == 0
    assert count_rows(db, m.OperationsEvent) == before_events


def test_new_missing_field(testapp, db):
    res = testapp.post(ADMIN + "/domain/new.json", {}, status=400)
    assert res.json["form_errors"]["domain_name"] == "Required"
    assert count_rows(db, m.Domain) == 0


def test_new_blocklisted(testapp, db):
    # seeded by initialisation
    res = testapp.post(ADMIN + "/domain/new.json", {"domain_name": "ALWAYS-FAIL.example.com"}, status=400)
    assert "blocklisted" in res.json["form_errors"]["domain_name"]
    assert count_rows(db, m.Domain) == 0


def test_mark_json(testapp, domain, dbsession):
    res = testapp.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    assert res.json["result"] == "success"
    assert res.json["Domain"]["is_active"] is False
    dbsession.expire_all()
    assert dbsession.get(m.Domain, domain.id).is_active is False
    res = testapp.post(ADMIN + "/domain/%s/mark.json" % domain.id, {"action": "active"}, status=200)
    assert res.json["Domain"]["is_active"] is True
    types = [
        utils.OperationsEventType.as_string(e.operations_event_type_id)
        for e in dbsession.query(m.OperationsEvent).order_by(m.OperationsEvent.id)
    ]
    assert types[-2:] == ["Domain__mark__inactive", "Domain__mark__active"]


def test_mark_html(testapp, domain):
    res = testapp.post(ADMIN + "/domain/example.com/mark", {"action": "inactive"}, status=303)
    assert "result=success" in res.location and "action=inactive" in res.location
    page = res.follow()
    assert "Mark active" in page.text


@pytest.mark.parametrize("action,message", [("", "Required"), ("destroy", "active"), ("active", "already")])
def test_mark_bad_actions_change_nothing(testapp, domain, db, dbsession, action, message):
    before = count_rows(db, m.OperationsEvent)
    res = testapp.post(ADMIN + "/domain/example.com/mark.json", {"action": action}, status=400)
    assert res.json["result"] == "error"
    assert message in res.json["form_errors"]["action"]
    res = testapp.post(ADMIN + "/domain/example.com/mark", {"action": action}, status=303)
    assert "result=error" in res.location
    assert count_rows(db, m.OperationsEvent) == before
    dbsession.expire_all()
    assert dbsession.get(m.Domain, domain.id).is_active is True


def test_mark_unknown_domain(testapp, db):
    res = testapp.post(ADMIN + "/domain/nowhere.example.com/mark.json", {"action": "inactive"}, status=404)
    assert res.json["result"] == "error"
