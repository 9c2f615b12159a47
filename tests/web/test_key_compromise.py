"""Revoking with reason keyCompromise (RFC 5280 CRLReason 1) marks the key compromised, and no
order, renewal or queue item uses it again (issue 11, item 6), against pebble.

Before issue 11 the key stayed usable: a renewal of the order reused it.
"""

from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import rows
from tests.web.test_acme_orders import freeform
from tests.web.test_acme_orders import order_json
from tests.web.test_acme_orders import post


def coverage_events(app) -> list:
    return app.get(ADMIN + "/coverage-assurance-events/all.json").json["CoverageAssuranceEvents"]


def key_json(app, key_id) -> dict:
    return app.get(ADMIN + "/private-key/%s.json" % key_id).json["PrivateKey"]


def test_revoke_key_compromise_retires_the_key(acmeapp, db, pebble_always_valid):  # noqa: F811
    new_account(acmeapp)
    key_id = post(acmeapp, "/private-key/new.json", key_technology="RSA_2048")["PrivateKey"]["id"]
    order = freeform(
        acmeapp, ["kc.example.com"], private_key_option="private_key_existing", private_key_id=key_id
    ).json["AcmeOrder"]
    assert order["acme_status_order"] == "valid" and order["private_key_id"] == key_id
    # a second certificate with the same key (a quick renewal reuses the order's specified key)
    sibling = post(acmeapp, "/acme-order/%s/renew/quick.json" % order["id"], processing_strategy="process_single")
    sibling_cert_id = sibling["AcmeOrder"]["certificate_signed_id"]
    assert sibling["AcmeOrder"]["private_key_id"] == key_id
    assert key_json(acmeapp, key_id)["is_compromised"] is False

    res = acmeapp.post(
        ADMIN + "/certificate-signed/%s/acme-server/revoke.json" % order["certificate_signed_id"],
        {"reason": "1"},
        status=200,
    )
    assert res.json["result"] == "success"
    cert = res.json["CertificateSigned"]
    assert cert["is_revoked"] is True and cert["is_compromised_private_key"] is True
    assert res.json["PrivateKey"] == {"id": key_id, "is_compromised": True}
    assert pebble_always_valid.cert_status_by_serial(cert["cert_serial"])["Status"] == "Revoked"
    key = key_json(acmeapp, key_id)
    assert key["is_compromised"] is True and key["is_active"] is False
    # every other certificate of the key is withdrawn here too
    sibling_cert = acmeapp.get(ADMIN + "/certificate-signed/%s.json" % sibling_cert_id).json["CertificateSigned"]
    assert sibling_cert["is_revoked"] is True and sibling_cert["is_compromised_private_key"] is True

    # coverage assurance (issue 12): the revoked certificate, and the key with a child for the
    # other certificate it was serving
    events = coverage_events(acmeapp)
    by_type = [(e["coverage_assurance_event_type"], e["certificate_signed_id"], e["private_key_id"]) for e in events]
    assert len(by_type) == 3 and set(by_type) == {
        ("CertificateSigned_revoked_acme", order["certificate_signed_id"], None),
        ("PrivateKey_compromised_acme", None, key_id),
        ("PrivateKey_compromised_acme", sibling_cert_id, key_id),
    }
    assert all(e["coverage_assurance_resolution"] == "unresolved" for e in events)

    # a quick renewal of the order (its specified key) and a new order naming the key: a clear 400
    before = rows(db)
    res = acmeapp.post(ADMIN + "/acme-order/%s/renew/quick.json" % order["id"], status=400)
    assert "compromised" in res.json["error"] and "private_key_id" in res.json["form_errors"]
    res = freeform(
        acmeapp, ["kc2.example.com"], status=400, private_key_option="private_key_existing", private_key_id=key_id
    )
    assert "compromised" in res.json["error"]
    assert rows(db) == before

    # a custom renewal letting the account choose: a new key, never the compromised one
    res = post(
        acmeapp,
        "/acme-order/%s/renew/custom.json" % order["id"],
        private_key_option="private_key_for_account_key",
        processing_strategy="process_single",
    )
    renewed = order_json(acmeapp, res["AcmeOrder"]["id"])
    assert renewed["acme_status_order"] == "valid" and renewed["private_key_id"] not in (key_id, "0")
    # its certificate replaces both withdrawn ones: every event resolves by itself, the key's last
    resolutions = sorted((e["coverage_assurance_event_type"], e["coverage_assurance_resolution"]) for e in coverage_events(acmeapp))
    assert resolutions == [
        ("CertificateSigned_revoked_acme", "CertificateSigned_replaced"),
        ("PrivateKey_compromised_acme", "CertificateSigned_replaced"),
        ("PrivateKey_compromised_acme", "PrivateKey_replaced"),
    ]

    # the renewal queue: an item renewing the order does not carry the compromised key over; the
    # account's cycle chooses at finalize, and the certificate it makes has another key
    res = acmeapp.post(
        ADMIN + "/queue-certificate/new/structured.json", {"queue_source": "AcmeOrder", "acme_order": order["id"]}
    )
    item = res.json["QueueCertificate"]
    assert item["private_key_id"] == "0" and item["private_key_strategy__requested"] == "deferred-associate"
    queued = acmeapp.post(ADMIN + "/api/queue-certificates/process.json", "", status=200).json
    generated = queued["QueueCertificate"]["generated"]
    assert generated["certificate_signed_id"], queued
    new_cert = acmeapp.get(ADMIN + "/certificate-signed/%s.json" % generated["certificate_signed_id"]).json
    assert new_cert["CertificateSigned"]["private_key_id"] not in (key_id, "0")


def test_revoke_for_another_reason_keeps_the_key(acmeapp, db):  # noqa: F811
    new_account(acmeapp)
    order = freeform(acmeapp, ["superseded.example.com"]).json["AcmeOrder"]
    res = acmeapp.post(
        ADMIN + "/certificate-signed/%s/acme-server/revoke.json" % order["certificate_signed_id"],
        {"reason": "4"},
        status=200,
    )
    assert res.json["CertificateSigned"]["is_compromised_private_key"] is False
    assert key_json(acmeapp, order["private_key_id"])["is_compromised"] is False
