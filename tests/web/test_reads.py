"""lib/db/reads.py: config.json's session-less read gives the payload the ORM rows gave, byte for byte."""

import json

import pytest

from peter_sslers.lib import exports
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import chains
from peter_sslers.lib.db import get
from peter_sslers.lib.db import reads
from peter_sslers.model import objects as m
from peter_sslers.model.meta import utcnow
from tests import factories as f
from tests.web.test_certificate_signed import upload
from tests.web.test_chains import add
from tests.web.test_chains import cross  # noqa: F401  (a fixture)
from tests.web.test_chains import fingerprint
from tests.web.test_chains import two_chains

ADMIN = "/.well-known/admin"


def orm_payload(db, app_settings, identifier, id_only, now):
    """What config.json answered before: the ORM lookup and its eager loads."""
    from sqlalchemy.orm import Session

    with Session(bind=db) as session:
        ctx = ApiContext(session, app_settings, timestamp=now)
        dbDomain = get.get__Domain__for_config(ctx, identifier)
        if dbDomain is None:
            return None
        return exports.domain_config_payload(dbDomain, chains.chain_preference(ctx), id_only=id_only, now=now)


def core_payload(db, app_settings, identifier, id_only, now):
    with db.connect() as connection:
        return reads.domain_config_payload(connection, app_settings, now, identifier, id_only=id_only)


def dumped(payload) -> str:
    return json.dumps(payload, sort_keys=True)


def assert_same(testapp, db, app_settings, identifier):
    now = utcnow()
    for id_only in (False, True):
        expected = orm_payload(db, app_settings, identifier, id_only, now)
        assert expected is not None
        assert dumped(core_payload(db, app_settings, identifier, id_only, now)) == dumped(expected)
        # and what the view answers (its own clock: `serve` is the same unless one expires now)
        res = testapp.get(ADMIN + "/domain/%s/config.json%s" % (identifier, "?idonly=1" if id_only else ""))
        assert res.body == dumped(expected).encode()  # what the `json` renderer wrote, byte for byte
        assert res.headers["Content-Type"] == "application/json; charset=utf-8"
    return expected


@pytest.fixture
def certs(testapp):
    return {
        "multi": upload(testapp, "leaf_rsa_multi").json["CertificateSigned"]["id"],
        "single": upload(testapp, "leaf_rsa_single").json["CertificateSigned"]["id"],
    }


def test_single_multi_by_name_and_id(testapp, certs, db, app_settings):
    single = assert_same(testapp, db, app_settings, "example.com")
    assert single["certificate_signed__latest_single"]["id"] == certs["single"]
    multi = assert_same(testapp, db, app_settings, "a.example.com")
    assert multi["certificate_signed__latest_multi"]["id"] == certs["multi"]
    assert_same(testapp, db, app_settings, multi["domain"]["id"])
    assert_same(testapp, db, app_settings, " A.Example.COM ")


def test_inactive_domain(testapp, certs, db, app_settings):
    testapp.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    payload = assert_same(testapp, db, app_settings, "example.com")
    assert payload["certificate_signed__latest_single"] is None and payload["serve"] is None


def test_domain_without_certificate(testapp, dbsession, db, app_settings):
    f.make_domain(dbsession, name="bare.example.com")
    dbsession.commit()
    payload = assert_same(testapp, db, app_settings, "bare.example.com")
    assert payload["certificate_signed__latest_single"] is None
    assert payload["certificate_signed__latest_multi"] is None


def test_inactive_certificate_is_not_served(testapp, certs, db, app_settings, dbsession):
    """A latest pointer left on an inactive certificate: the payload shows it, `serve` does not."""
    dbCert = dbsession.get(m.CertificateSigned, int(certs["single"]))
    dbCert.is_active = False
    dbsession.commit()
    payload = assert_same(testapp, db, app_settings, "example.com")
    assert payload["serve"] is None


def test_several_chains_with_a_preference(testapp, cross, db, app_settings):  # noqa: F811
    cert_id, chain_a, chain_cross = two_chains(testapp, cross)
    payload = assert_same(testapp, db, app_settings, "example.com")
    assert payload["certificate_signed__latest_single"]["chain"]["id"] == chain_a  # the upstream default
    add(testapp, fingerprint(cross["alt_root"]))
    payload = assert_same(testapp, db, app_settings, "example.com")
    assert payload["certificate_signed__latest_single"]["chain"]["id"] == chain_cross
    assert payload["certificate_signed__latest_single"]["fullchain"]["id"] == "%s,%s" % (cert_id, chain_cross)


def test_unknown_and_one_cached_statement(testapp, certs, db, app_settings, count_queries):
    now = utcnow()
    assert core_payload(db, app_settings, "unknown.example.com", False, now) is None
    assert core_payload(db, app_settings, "99999", False, now) is None
    with count_queries() as counter:
        testapp.get(ADMIN + "/domain/example.com/config.json", status=200)
    selects = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, counter.statements


def test_the_paths_pyramid_tm_leaves_alone(app_settings):
    from peter_sslers.config import ApplicationSettings
    from peter_sslers.web.database import transactionless_paths

    pattern = transactionless_paths(app_settings, challenge_polls_buffered=True)
    assert pattern.match(ADMIN + "/domain/example.com/config.json")
    assert pattern.match(ADMIN + "/domain/12/config.json")
    for path in (
        ADMIN + "/domain/a/b/config.json",
        ADMIN + "/domain/example.com/config.jsonx",
        ADMIN + "/domain/example.com.json",
        ADMIN + "/domain/example.com/config.json/",
        ADMIN + "/domains.json",
        "/x" + ADMIN + "/domain/example.com/config.json",
    ):
        assert not pattern.match(path), path
    assert pattern.match("/.well-known/acme-challenge/tOk3n")
    assert not pattern.match("/.well-known/acme-challenge/a/b")
    assert pattern.match("/.well-known/public/whoami")
    assert not pattern.match("/.well-known/public/whoami/x")
    assert not pattern.match(ADMIN + "/whoami")  # only the public one is listed
    # the responder writes in its request (flush 0) or may answer the ACME-flow tool: it keeps its transaction
    assert not transactionless_paths(app_settings, challenge_polls_buffered=False).match("/.well-known/acme-challenge/t")
    flow = ApplicationSettings.from_settings(dict(enable_views_public="true", enable_views_admin="true", enable_acme_flow="true"))
    assert not transactionless_paths(flow, challenge_polls_buffered=True).match("/.well-known/acme-challenge/t")
    assert transactionless_paths(ApplicationSettings.from_settings({}), True) is None


def test_config_json_works_without_a_transaction_and_others_keep_theirs(testapp, certs, monkeypatch):
    """The hook really skips pyramid_tm on config.json: a view there asking for the session fails."""
    import transaction

    begun = []
    original = transaction.TransactionManager.begin

    def begin(self):
        begun.append(True)
        return original(self)

    monkeypatch.setattr(transaction.TransactionManager, "begin", begin)
    testapp.get(ADMIN + "/domain/example.com/config.json", status=200)
    testapp.get(ADMIN + "/domain/unknown.example.com/config.json", status=404)
    assert testapp.get("/.well-known/public/whoami", status=200).text
    assert begun == []
    testapp.get(ADMIN + "/domains.json", status=200)
    assert begun == [True]
