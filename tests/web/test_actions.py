"""The one action mechanism (docs/Architecture.md, "The web conventions"), over every action.

The list of actions is read from the app itself (the self-documentation registry filled by
``admin_view(..., post=True)``, and the route mapper), never written by hand: a new action is
covered the day it is declared.
"""

import re

import pytest
import sqlalchemy as sa
from pyramid.interfaces import IRoutesMapper
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from peter_sslers.model.meta import Base
from peter_sslers.web.lib import docs as docs_registry
from tests import factories as f

# what a careless link or a cross-site <img> might carry
HOSTILE_QUERY = "?continue=1&action=inactive&process=1&result=success&reason=keyCompromise"


def table_counts(engine) -> dict:
    with Session(bind=engine) as session:
        return {
            table.name: session.scalar(sa.select(sa.func.count()).select_from(table)) for table in Base.metadata.sorted_tables
        }


def registry_of(testapp):
    return testapp.app.registry


def action_routes(registry) -> list:
    """Every (route name, pattern) of every action, HTML and JSON twins, from the registries."""
    mapper = registry.getUtility(IRoutesMapper)
    found = []
    for name, endpoint in sorted(docs_registry.get_all(registry).items()):
        if not endpoint.is_post:
            continue
        for variant in (name, name + "|json"):
            route = mapper.get_route(variant)
            if route is not None:
                found.append((variant, "/" + route.pattern.lstrip("/")))
    return found


def fill(pattern: str) -> str:
    """A path for a pattern: every id 1 (the objects made below), names `example.com`."""
    path = re.sub(r"\{domain_identifier[^}]*\}", "example.com", pattern)
    path = re.sub(r"\{[a-z_]+(:[^}]*)?\}", "1", path)
    return path


@pytest.fixture
def populated(dbsession, db):
    """One object of each kind the action routes name (ids 1, the domain example.com)."""
    fqdn_set = f.make_fqdn_set(dbsession, ["example.com"])
    domain = fqdn_set.to_domains[0].domain
    key = f.make_private_key(dbsession)
    account = f.make_account(dbsession)
    cert = f.make_certificate_signed(dbsession, fqdn_set=fqdn_set, private_key=key)
    order = f.make_acme_order(dbsession, account=account, fqdn_set=fqdn_set, private_key=key)
    authz = f.make_authorization(dbsession, order=order, domain=domain)
    f.make_challenge(dbsession, authorization=authz, domain_name="example.com")
    dbsession.add(f.make_queue_certificate(dbsession, unique_fqdn_set__source=fqdn_set))
    dbsession.add(m.QueueDomain(domain_name="queued.example.com", operations_event__created=f.make_event(dbsession)))
    f.make_certificate_ca(dbsession)
    dbsession.commit()
    return cert


def test_the_action_list_comes_from_the_registry(testapp):
    routes = action_routes(registry_of(testapp))
    names = {name for name, _ in routes}
    # a sample of what must be there; the list itself is the registry's
    for expected in (
        "admin:queue_certificates:process",
        "admin:api:queue_certificates:process|json",
        "admin:domain:focus:mark",
        "admin:certificate_signed:focus:acme_server:revoke|json",
        "admin:api:redis:prime",
        "admin:api:update_recents|json",
    ):
        assert expected in names, expected
    assert len(routes) > 60


def test_every_action_answers_get_without_changing_anything(testapp, populated, db):
    """GET (and HEAD), with a hostile query string, on every action route: never a 5xx and never a
    new, changed or removed row anywhere (before issue 11, GET /queue-certificates/process?continue=1
    processed the queue)."""
    routes = action_routes(registry_of(testapp))
    before = table_counts(db)
    with Session(bind=db) as session:
        snapshot = {
            "domain": session.scalar(sa.select(m.Domain.is_active).where(m.Domain.id == 1)),
            "cert": session.scalar(sa.select(m.CertificateSigned.is_active).where(m.CertificateSigned.id == 1)),
        }
    for name, pattern in routes:
        path = fill(pattern)
        res = testapp.get(path + HOSTILE_QUERY, status="*")
        assert res.status_int < 500, (name, path, res.status)
        if name.endswith("|json") and res.status_int == 200:
            assert res.json["method"] == "POST", (name, res.json)
        elif res.status_int == 303:
            assert "result=error" in res.location or "result=" not in res.location, (name, res.location)
        testapp.head(path + HOSTILE_QUERY, status="*")
        assert table_counts(db) == before, (name, path)
    with Session(bind=db) as session:
        assert snapshot == {
            "domain": session.scalar(sa.select(m.Domain.is_active).where(m.Domain.id == 1)),
            "cert": session.scalar(sa.select(m.CertificateSigned.is_active).where(m.CertificateSigned.id == 1)),
        }


def test_other_methods_change_nothing_either(testapp, populated, db):
    before = table_counts(db)
    for name, pattern in action_routes(registry_of(testapp)):
        for method in ("PUT", "DELETE", "OPTIONS"):
            res = testapp.request(fill(pattern) + HOSTILE_QUERY, method=method, status="*")
            assert res.status_int < 500, (method, name, res.status)
    assert table_counts(db) == before


def test_a_one_click_action_get_goes_back_to_its_object(testapp, populated):
    res = testapp.get("/.well-known/admin/domain/example.com/mark?action=inactive", status=303)
    assert res.location.split("?")[0].endswith("/domain/example.com")
    assert "result=error" in res.location and "operation=mark" in res.location
    res = testapp.get("/.well-known/admin/acme-order/1/acme-server/sync", status=303)
    assert res.location.split("?")[0].endswith("/acme-order/1")
    assert "operation=acme-server-sync" in res.location


def test_no_admin_get_changes_a_row(testapp, populated, db):
    """Not only the actions: a GET (with the hostile query string) on every admin route, read from the
    route mapper, leaves every table as it was."""
    mapper = registry_of(testapp).getUtility(IRoutesMapper)
    before = table_counts(db)
    seen = 0
    for route in mapper.get_routes():
        pattern = "/" + route.pattern.lstrip("/")
        if not route.name.startswith("admin") or "*" in pattern:
            continue
        res = testapp.get(fill(pattern) + HOSTILE_QUERY, status="*")
        assert res.status_int < 500, (route.name, res.status)
        assert table_counts(db) == before, route.name
        seen += 1
    assert seen > 150
