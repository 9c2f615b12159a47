"""/domain/{DOMAIN|ID}/config.json, latest single/multi, update-recents and deactivate-expired."""

import datetime

import pytest
import sqlalchemy as sa

from peter_sslers.model import objects as m
from tests import data
from tests.web.test_certificate_signed import upload

ADMIN = "/.well-known/admin"


@pytest.fixture
def certs(testapp):
    """a.example.com is on the multi-domain RSA certificate; example.com on the single one."""
    return {
        "multi": upload(testapp, "leaf_rsa_multi").json["CertificateSigned"]["id"],
        "single": upload(testapp, "leaf_rsa_single").json["CertificateSigned"]["id"],
    }


def config(testapp, identifier, query="", status=200):
    return testapp.get(ADMIN + "/domain/%s/config.json%s" % (identifier, query), status=status)


def test_config_shape_exactly_as_the_spec(testapp, certs):
    res = config(testapp, "example.com")
    payload = res.json
    # the specification's three keys, plus `serve` (which of the two peter_sslers serves)
    assert set(payload) == {"domain", "certificate_signed__latest_single", "certificate_signed__latest_multi", "serve"}
    assert payload["serve"] == "certificate_signed__latest_single"
    assert payload["domain"]["domain_name"] == "example.com"
    assert isinstance(payload["domain"]["id"], str)
    single = payload["certificate_signed__latest_single"]
    # the specification's keys, plus the expiry (ISO 8601 UTC)
    assert set(single) == {"id", "timestamp_not_after", "private_key", "certificate", "chain", "fullchain"}
    assert single["timestamp_not_after"].endswith("+00:00")
    for part in ("private_key", "certificate", "chain", "fullchain"):
        assert set(single[part]) == {"id", "pem"}
        assert isinstance(single[part]["id"], str)
    assert single["id"] == certs["single"]
    assert single["certificate"]["pem"] == data.read("leaf_rsa_single.cert.pem")
    assert single["private_key"]["pem"] == data.read("leaf_rsa_single.key.pem")
    assert single["fullchain"]["pem"] == data.read("leaf_rsa_single.cert.pem") + data.read("intermediate_a.cert.pem")
    assert payload["certificate_signed__latest_multi"] is None


def test_config_by_id_name_and_case(testapp, certs):
    by_name = config(testapp, "a.example.com").json
    assert by_name["certificate_signed__latest_multi"]["id"] == certs["multi"]
    assert by_name["certificate_signed__latest_single"] is None
    assert config(testapp, by_name["domain"]["id"]).json == by_name
    assert config(testapp, "A.Example.COM").json == by_name


@pytest.mark.parametrize("flag", ["?idonly=1", "?id_only=1"])
def test_config_idonly(testapp, certs, flag):
    payload = config(testapp, "example.com", flag).json
    single = payload["certificate_signed__latest_single"]
    assert single["certificate"] == {"id": certs["single"]}
    for part in ("private_key", "certificate", "chain", "fullchain"):
        assert "pem" not in single[part]


def test_config_inactive_domain_gets_nulls(testapp, certs):
    testapp.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    payload = config(testapp, "example.com").json
    assert payload["domain"]["is_active"] is False
    assert payload["certificate_signed__latest_single"] is None
    assert payload["certificate_signed__latest_multi"] is None


def test_config_unknown_domain(testapp, certs):
    res = config(testapp, "unknown.example.com", status=404)
    assert res.content_type == "application/json"
    assert res.json["result"] == "error"
    assert "unknown.example.com" in res.json["message"]
    config(testapp, "99999", status=404)


def test_config_is_at_most_two_queries(testapp, certs, count_queries):
    for identifier in ("example.com", "a.example.com"):
        with count_queries() as counter:
            config(testapp, identifier)
        assert len(counter.statements) <= 2, counter.statements


def test_latest_prefers_the_certificate_that_expires_last(testapp, certs, dbsession):
    # make the multi certificate expire sooner than a second one for the same names
    later = upload(testapp, "leaf_ec384_multi").json["CertificateSigned"]["id"]
    names = data.facts("leaf_ec384_multi.cert.pem")["domains"]
    assert config(testapp, names[0]).json["certificate_signed__latest_multi"]["id"] == later


def _expire(dbsession, certificate_id):
    dbCertificate = dbsession.get(m.CertificateSigned, int(certificate_id))
    dbCertificate.timestamp_not_after = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    dbsession.commit()


def test_deactivate_expired_keeps_the_latest(testapp, certs, dbsession):
    """The FAQ: a certificate is not deactivated while it is the latest of any of its domains."""
    _expire(dbsession, certs["single"])
    res = testapp.post(ADMIN + "/api/deactivate-expired.json", status=200)
    assert res.json["result"] == "success"
    assert res.json["CertificateSigned"]["expired"] == 0
    dbsession.expire_all()
    assert dbsession.get(m.CertificateSigned, int(certs["single"])).is_active is True


def test_deactivate_expired_once_replaced(testapp, certs, dbsession):
    # an expired certificate that is no longer anybody's latest is deactivated
    old = dbsession.get(m.CertificateSigned, int(certs["single"]))
    _expire(dbsession, certs["single"])
    # a newer active certificate for the same domain (a copy with another id, valid until 2036)
    replacement = m.CertificateSigned(
        timestamp_not_before=old.timestamp_not_before,
        timestamp_not_after=datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc),
        is_single_domain_cert=True,
        key_technology_id=old.key_technology_id,
        cert_pem=old.cert_pem,
        cert_pem_sha256="0" * 64,
        cert_serial="ff",
        spki_sha256=old.spki_sha256,
        fingerprint_sha1=old.fingerprint_sha1,
        cert_subject=old.cert_subject,
        cert_issuer=old.cert_issuer,
        unique_fqdn_set_id=old.unique_fqdn_set_id,
        private_key_id=old.private_key_id,
        operations_event_id__created=old.operations_event_id__created,
    )
    dbsession.add(replacement)
    dbsession.commit()
    res = testapp.post(ADMIN + "/api/deactivate-expired.json", status=200)
    assert res.json["CertificateSigned"]["expired"] == 1
    assert res.json["CertificateSigned"]["ids"] == [certs["single"]]
    dbsession.expire_all()
    assert dbsession.get(m.CertificateSigned, int(certs["single"])).is_active is False
    assert dbsession.get(m.CertificateSigned, int(certs["single"])).is_deactivated is True
    assert config(testapp, "example.com").json["certificate_signed__latest_single"]["id"] == str(replacement.id)
    event = dbsession.get(m.OperationsEvent, int(res.json["operations_event"]))
    assert event.operations_event_type == "CertificateSigned__deactivate_expired"


def test_api_jobs_document_themselves_on_get(testapp):
    for path in ("/api/deactivate-expired.json", "/api/update-recents.json"):
        res = testapp.get(ADMIN + path, status=200)
        assert res.json["method"] == "POST"
    assert "Run now" in testapp.get(ADMIN + "/api/update-recents").text


def test_update_recents_global(testapp, certs, dbsession):
    # break the cache by hand, then repair it
    dbsession.execute(sa.update(m.Domain).values(certificate_signed_id__latest_single=None, certificate_signed_id__latest_multi=None))
    dbsession.commit()
    assert config(testapp, "example.com").json["certificate_signed__latest_single"] is None
    res = testapp.post(ADMIN + "/api/update-recents.json", status=200)
    assert res.json["result"] == "success"
    assert config(testapp, "example.com").json["certificate_signed__latest_single"]["id"] == certs["single"]
    assert config(testapp, "b.example.com").json["certificate_signed__latest_multi"]["id"] == certs["multi"]
    key = dbsession.get(m.PrivateKey, int(testapp.get(ADMIN + "/certificate-signed/%s.json" % certs["single"]).json["CertificateSigned"]["private_key_id"]))
    assert key.count_active_certificates == 1
    assert key.count_certificate_signeds == 1
    res = testapp.post(ADMIN + "/api/update-recents", status=200)
    assert "Done" in res.text


def test_update_recents_domain_and_set(testapp, certs, dbsession):
    dbsession.execute(sa.update(m.Domain).values(certificate_signed_id__latest_multi=None))
    dbsession.commit()
    res = testapp.post(ADMIN + "/domain/a.example.com/update-recents.json", status=200)
    assert res.json["Domain"]["certificate_signed__latest_multi"]["id"] == certs["multi"]
    assert config(testapp, "b.example.com").json["certificate_signed__latest_multi"] is None  # only that domain
    set_id = testapp.get(ADMIN + "/certificate-signed/%s.json" % certs["multi"]).json["CertificateSigned"]["unique_fqdn_set_id"]
    testapp.post(ADMIN + "/unique-fqdn-set/%s/update-recents.json" % set_id, status=200)
    assert config(testapp, "b.example.com").json["certificate_signed__latest_multi"]["id"] == certs["multi"]
    res = testapp.post(ADMIN + "/domain/a.example.com/update-recents", status=303)
    assert "result=success" in res.location


def test_domain_focus_lists(testapp, certs):
    page = testapp.get(ADMIN + "/domain/a.example.com", status=200)
    assert "/certificate-signed/%s" % certs["multi"] in page.text
    for sub in ("certificate-signeds", "certificate-requests", "unique-fqdn-sets"):
        testapp.get(ADMIN + "/domain/a.example.com/%s" % sub, status=200)
        res = testapp.get(ADMIN + "/domain/a.example.com/%s.json" % sub, status=200)
        assert "pagination" in res.json
    res = testapp.get(ADMIN + "/domain/a.example.com/certificate-signeds.json")
    assert list(res.json["CertificateSigneds"]) == [certs["multi"]]
