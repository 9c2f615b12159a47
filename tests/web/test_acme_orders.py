"""ACME orders, authorizations, challenges, event logs and revocation through the admin views,
against pebble (gated by SSL_RUN_LETSENCRYPT_API_TESTS; see test_acme_accounts.py for the app)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from tests.conftest import reset_database
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import new_account
from tests.web.test_acme_accounts import point_database_at
from tests.web.test_acme_accounts import rows
from tests.web.test_certificate_signed import upload as upload_certificate

NAMES = ["a.example.com", "b.example.com", "c.example.com"]


def freeform(app, names, status=200, json_=True, **fields):
    values = {"domain_names_http01": ",".join(names)}
    values.update(fields)
    return app.post(ADMIN + "/acme-order/new/freeform" + (".json" if json_ else ""), values, status=status)


def order_json(app, order_id) -> dict:
    return app.get(ADMIN + "/acme-order/%s.json" % order_id).json["AcmeOrder"]


def post(app, path, status=200, **fields):
    return app.post(ADMIN + path, fields, status=status).json


# --- the whole way


def test_freeform_three_names_to_a_certificate(acmeapp, db, pebble_always_valid):
    account = new_account(acmeapp)
    res = freeform(acmeapp, ["C.example.com", "a.example.com", "b.example.com"])
    assert res.json["result"] == "success", res.json
    order = res.json["AcmeOrder"]
    assert order["acme_status_order"] == "valid"
    assert order["acme_order_processing_status"] == "certificate_downloaded"
    assert order["acme_account_id"] == account["id"]
    assert order["domains_as_list"] == NAMES
    assert order["private_key_strategy__final"] == "deferred-associate"
    cert_id = order["certificate_signed_id"]
    assert cert_id
    # the certificate is listed and served for each domain
    cert = acmeapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json["CertificateSigned"]
    assert cert["domains_as_list"] == NAMES and cert["is_active"] is True
    assert cert_id in acmeapp.get(ADMIN + "/certificate-signeds/all.json").json["CertificateSigneds"]
    # its chain, as downloaded, verifies up to a root of pebble's (its management API)
    from peter_sslers.lib import cert_utils
    from peter_sslers.lib import errors

    cert_pem = acmeapp.get(ADMIN + "/certificate-signed/%s/cert.pem" % cert_id).text
    chain_pems = cert_utils.split_pem_chain(acmeapp.get(ADMIN + "/certificate-signed/%s/chain.pem" % cert_id).text)
    verified = []
    for root in pebble_always_valid.roots():
        try:
            cert_utils.ensure_chain(cert_pem, chain_pems, root_pem=root)
            verified.append(root)
        except errors.ChainError:
            pass
    assert len(verified) == 1, "the default chain verifies to exactly one of pebble's roots"
    for name in NAMES:
        config = acmeapp.get(ADMIN + "/domain/%s/config.json" % name).json
        assert config["certificate_signed__latest_multi"]["id"] == cert_id
    page = acmeapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text
    assert "/acme-order/%s" % order["id"] in page and "Revoke on the ACME server" in page
    assert "/acme-order/new/freeform?domain_names_http01=a.example.com" in acmeapp.get(ADMIN + "/domain/a.example.com").text
    # the order's pages
    focus = acmeapp.get(ADMIN + "/acme-order/%s" % order["id"]).text
    assert "a.example.com" in focus and "certificate %s" % cert_id in focus
    assert acmeapp.get(ADMIN + "/acme-orders").location.endswith("/acme-orders/active")
    assert acmeapp.get(ADMIN + "/acme-orders.json").location.endswith("/acme-orders/active.json")
    finished = acmeapp.get(ADMIN + "/acme-orders/finished.json").json
    assert [o["id"] for o in finished["AcmeOrders"]] == [order["id"]]  # a list, as the specification has it
    assert acmeapp.get(ADMIN + "/acme-orders/active.json").json["AcmeOrders"] == []
    assert "a.example.com" in acmeapp.get(ADMIN + "/acme-orders/all").text
    mine = acmeapp.get(ADMIN + "/acme-account/%s/acme-orders.json" % account["id"]).json["AcmeOrders"]
    assert [o["id"] for o in mine] == [order["id"]]
    # the key the account's cycle made for it is the account's
    keys = acmeapp.get(ADMIN + "/acme-account/%s/private-keys.json" % account["id"]).json["PrivateKeys"]
    assert list(keys) == [order["private_key_id"]]
    assert acmeapp.get(ADMIN + "/acme-account/%s" % account["id"]).status_int == 200
    # every exchange is logged against the order
    logs = acmeapp.get(ADMIN + "/acme-order/%s/acme-event-logs.json" % order["id"]).json["AcmeEventLogs"]
    kinds = {e["acme_event"] for e in logs.values()}
    assert {"v2|newOrder", "v2|-authorization-request", "v2|-challenge-trigger", "v2|Order-finalize", "v2|Certificate-download"} <= kinds
    assert "v2|newOrder" in acmeapp.get(ADMIN + "/acme-order/%s/acme-event-logs" % order["id"]).text
    assert "v2|newOrder" in acmeapp.get(ADMIN + "/acme-event-logs").text
    event_id = min(logs, key=int)
    assert acmeapp.get(ADMIN + "/acme-event-log/%s.json" % event_id).json["AcmeEventLog"]["acme_order_id"] == order["id"]
    assert acmeapp.get(ADMIN + "/acme-event-log/%s" % event_id).status_int == 200
    # sync: the server agrees
    res = post(acmeapp, "/acme-order/%s/acme-server/sync.json" % order["id"])
    assert res["result"] == "success" and res["acme_status_order"] == "valid"
    res = post(acmeapp, "/acme-order/%s/acme-server/sync-authorizations.json" % order["id"])
    assert set(res["AcmeAuthorizations"].values()) == {"valid"} and len(res["AcmeAuthorizations"]) == 3
    # nothing more to do
    for action in ("acme-process", "acme-finalize", "acme-server/download-certificate", "retry"):
        res = acmeapp.post(ADMIN + "/acme-order/%s/%s.json" % (order["id"], action), status=400)
        assert res.json["result"] == "error", action


def test_authorization_and_challenge_pages(acmeapp):
    new_account(acmeapp)
    order = freeform(acmeapp, ["one.example.com"]).json["AcmeOrder"]
    (authz_id,) = order["acme_authorization_ids"]
    focus = acmeapp.get(ADMIN + "/acme-authorization/%s.json" % authz_id).json
    assert focus["AcmeAuthorization"]["domain"]["domain_name"] == "one.example.com"
    assert focus["AcmeAuthorization"]["acme_status_authorization"] == "valid"
    assert focus["AcmeAuthorization"]["acme_order_ids"] == [order["id"]]
    challenges = {c["acme_challenge_type"]: c for c in focus["AcmeChallenges"]}
    http01 = challenges["http-01"]
    assert http01["acme_status_challenge"] == "valid" and http01["keyauthorization"].startswith(http01["token"] + ".")
    assert "one.example.com" in acmeapp.get(ADMIN + "/acme-authorization/%s" % authz_id).text
    assert [o["id"] for o in acmeapp.get(ADMIN + "/acme-authorization/%s/acme-orders.json" % authz_id).json["AcmeOrders"]] == [order["id"]]
    listed = acmeapp.get(ADMIN + "/acme-authorization/%s/acme-challenges.json" % authz_id).json["AcmeChallenges"]
    assert http01["id"] in listed
    acmeapp.get(ADMIN + "/acme-authorization/%s/acme-challenges" % authz_id, status=200)
    acmeapp.get(ADMIN + "/acme-authorization/%s/acme-orders" % authz_id, status=200)
    # lists and their filters
    assert authz_id in acmeapp.get(ADMIN + "/acme-authorizations.json").json["AcmeAuthorizations"]
    assert acmeapp.get(ADMIN + "/acme-authorizations.json?status=active").json["AcmeAuthorizations"] == {}
    acmeapp.get(ADMIN + "/acme-authorizations.json?status=bogus", status=400)
    acmeapp.get(ADMIN + "/acme-authorizations?status=active", status=200)
    assert http01["id"] in acmeapp.get(ADMIN + "/acme-challenges.json?status=resolved").json["AcmeChallenges"]
    assert http01["id"] not in acmeapp.get(ADMIN + "/acme-challenges.json?status=processing").json["AcmeChallenges"]
    assert http01["id"] not in acmeapp.get(ADMIN + "/acme-challenges.json?status=active").json["AcmeChallenges"]
    acmeapp.get(ADMIN + "/acme-challenges.json?status=bogus", status=400)
    assert "one.example.com" in acmeapp.get(ADMIN + "/acme-challenges").text
    # the challenge
    challenge = acmeapp.get(ADMIN + "/acme-challenge/%s.json" % http01["id"]).json["AcmeChallenge"]
    assert challenge["token"] == http01["token"] and challenge["is_can_acme_server_trigger"] is False
    assert http01["token"] in acmeapp.get(ADMIN + "/acme-challenge/%s" % http01["id"]).text
    res = post(acmeapp, "/acme-challenge/%s/acme-server/sync.json" % http01["id"])
    assert res["result"] == "success" and res["acme_status"] == "valid"
    res = acmeapp.post(ADMIN + "/acme-challenge/%s/acme-server/trigger.json" % http01["id"], status=400)
    assert "pending" in res.json["error"]
    res = post(acmeapp, "/acme-authorization/%s/acme-server/sync.json" % authz_id)
    assert res["acme_status_authorization"] == "valid"
    res = acmeapp.post(ADMIN + "/acme-authorization/%s/acme-server/deactivate.json" % authz_id, status=400)
    assert "pending" in res.json["error"]
    assert "result=error" in acmeapp.get(ADMIN + "/acme-authorization/%s/acme-server/sync" % authz_id, status=303).location
    # the public responder's log: a finished challenge and an unknown token are misses, not stored
    acmeapp.get("/.well-known/acme-challenge/%s" % http01["token"], extra_environ={"HTTP_HOST": "one.example.com"}, status=404)
    acmeapp.get("/.well-known/acme-challenge/unknown-token", extra_environ={"HTTP_HOST": "x.example.com"}, status=404)
    assert acmeapp.get(ADMIN + "/acme-challenge-polls.json").json["pagination"]["page"] == 1
    acmeapp.get(ADMIN + "/acme-challenge-polls", status=200)
    acmeapp.get(ADMIN + "/acme-challenge-unknown-polls.json", status=404)


def test_trigger_a_pending_challenge(acmeapp):
    new_account(acmeapp)
    order = freeform(acmeapp, ["trigger.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    res = post(acmeapp, "/acme-order/%s/acme-server/sync-authorizations.json" % order["id"])
    assert list(res["AcmeAuthorizations"].values()) == ["pending"]
    pending = acmeapp.get(ADMIN + "/acme-challenges.json?status=active").json["AcmeChallenges"]
    (challenge_id,) = [i for i, c in pending.items() if c["acme_challenge_type"] == "http-01"]
    assert acmeapp.get(ADMIN + "/acme-challenge/%s.json" % challenge_id).json["AcmeChallenge"]["is_can_acme_server_trigger"]
    res = acmeapp.post(ADMIN + "/acme-challenge/%s/acme-server/trigger" % challenge_id, status=303)
    assert "result=success" in res.location
    assert acmeapp.get(ADMIN + "/acme-challenge/%s.json" % challenge_id).json["AcmeChallenge"]["acme_status_challenge"] == "valid"
    res = post(acmeapp, "/acme-order/%s/acme-finalize.json" % order["id"])
    assert res["AcmeOrder"]["acme_status_order"] == "valid" and res["AcmeOrder"]["certificate_signed_id"]


# --- processing step by step


def test_process_multi_one_step_at_a_time(acmeapp, db):
    new_account(acmeapp)
    order = freeform(acmeapp, ["m1.example.com", "m2.example.com"], processing_strategy="process_multi").json["AcmeOrder"]
    assert order["acme_status_order"] == "pending" and order["is_can_acme_process"] is True
    assert acmeapp.get(ADMIN + "/acme-orders/active.json").json["AcmeOrders"][0]["id"] == order["id"]
    steps = []
    for _ in range(5):
        res = post(acmeapp, "/acme-order/%s/acme-process.json" % order["id"])
        assert res["result"] == "success" and res["operation"] == "acme-process"
        steps.append(res["step"])
        if res["AcmeOrder"]["certificate_signed_id"]:
            break
    assert steps[:2] == ["authorization", "authorization"]
    assert "finalized" in steps
    final = order_json(acmeapp, order["id"])
    assert final["acme_status_order"] == "valid" and final["certificate_signed_id"]
    before = rows(db)
    res = acmeapp.post(ADMIN + "/acme-order/%s/acme-process.json" % order["id"], status=400)
    assert "cannot be processed" in res.json["error"]
    assert rows(db) == before
    # docs and the HTML twin
    docs = acmeapp.get(ADMIN + "/acme-order/%s/acme-process.json" % order["id"]).json
    assert docs["method"] == "POST" and "HTTP POST required" in docs["instructions"]
    assert "result=error" in acmeapp.get(ADMIN + "/acme-order/%s/acme-process" % order["id"], status=303).location


def test_process_multi_html(acmeapp):
    new_account(acmeapp)
    res = freeform(acmeapp, ["h1.example.com"], processing_strategy="process_multi", json_=False, status=303)
    assert "result=success" in res.location
    order_url = res.location.split("?")[0]
    res = acmeapp.post(order_url + "/acme-process", status=303)
    assert "result=success" in res.location and "step=authorization" in res.location
    assert "h1.example.com" in res.follow().text


def test_create_order_then_finalize(acmeapp):
    new_account(acmeapp)
    order = freeform(acmeapp, ["co1.example.com", "co2.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    assert order["acme_status_order"] == "pending"
    assert order["acme_order_processing_status"] == "created_acme"
    assert order["certificate_signed_id"] is None
    res = post(acmeapp, "/acme-order/%s/acme-server/sync.json" % order["id"])
    assert res["acme_status_order"] == "pending"
    res = post(acmeapp, "/acme-order/%s/acme-finalize.json" % order["id"])
    assert res["result"] == "success" and res["step"] in ("finalized", "downloaded")
    assert res["AcmeOrder"]["acme_status_order"] == "valid" and res["AcmeOrder"]["certificate_signed_id"]
    res = acmeapp.post(ADMIN + "/acme-order/%s/acme-server/download-certificate.json" % order["id"], status=400)
    assert "already" in res.json["error"]


# --- failures, retry, renewal, marks


def test_deactivated_order_is_retried(acmeapp, db):
    new_account(acmeapp)
    order = freeform(acmeapp, ["r1.example.com", "r2.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    res = post(acmeapp, "/acme-order/%s/acme-server/deactivate-authorizations.json" % order["id"])
    assert res["result"] == "success"
    assert set(res["AcmeAuthorizations"].values()) == {"deactivated"}
    failed = res["AcmeOrder"]
    # pebble says `deactivated` where RFC 8555 says `invalid` (letsencrypt/pebble#300): both are failed
    assert failed["acme_status_order"] in ("invalid", "deactivated") and failed["is_can_retry"] is True
    assert failed["acme_order_processing_status"] == "processing_deactivated"
    # a failed order cannot be processed or renewed
    before = rows(db)
    for action in ("acme-process", "renew/quick"):
        acmeapp.post(ADMIN + "/acme-order/%s/%s.json" % (order["id"], action), status=400)
    assert rows(db) == before
    res = post(acmeapp, "/acme-order/%s/retry.json" % order["id"])
    assert res["result"] == "success"
    retried = res["AcmeOrder"]
    assert retried["id"] != order["id"] and retried["acme_order_id__retry_of"] == order["id"]
    assert retried["acme_order_type"] == "ACME Automated (Retry)"
    assert retried["acme_order_processing_strategy"] == "create_order" and retried["acme_status_order"] == "pending"
    res = post(acmeapp, "/acme-order/%s/acme-finalize.json" % retried["id"])
    assert res["AcmeOrder"]["acme_status_order"] == "valid"
    # the HTML retry goes to the new order
    res = acmeapp.post(ADMIN + "/acme-order/%s/retry" % order["id"], status=303)
    assert "result=success" in res.location and "/acme-order/%s?" % order["id"] not in res.location


def test_renew_quick_and_custom(acmeapp, db):
    account = new_account(acmeapp)
    order = freeform(acmeapp, ["renew.example.com"]).json["AcmeOrder"]
    res = post(acmeapp, "/acme-order/%s/renew/quick.json" % order["id"], processing_strategy="process_single")
    assert res["result"] == "success"
    renewal = res["AcmeOrder"]
    assert renewal["acme_order_id__renewal_of"] == order["id"]
    assert renewal["certificate_signed_id__renewal_of"] == order["certificate_signed_id"]
    assert renewal["acme_order_type"] == "ACME Automated (Renew Quick)"
    assert renewal["acme_status_order"] == "valid" and renewal["certificate_signed_id"] != order["certificate_signed_id"]
    # custom: another account, a generated key
    other = new_account(acmeapp, "EC", contact="other@example.com")
    assert "<form" in acmeapp.get(ADMIN + "/acme-order/%s/renew/custom" % order["id"]).text
    before = rows(db)
    for fields, field in (
        ({"acme_account_id": "999"}, "acme_account_id"),
        ({"private_key_option": "private_key_existing"}, "private_key_id"),
        ({"private_key_option": "private_key_existing", "private_key_id": "999"}, "private_key_id"),
        ({"private_key_option": "private_key_file"}, "private_key_option"),
        ({"processing_strategy": "process_all"}, "processing_strategy"),
    ):
        res = acmeapp.post(ADMIN + "/acme-order/%s/renew/custom.json" % order["id"], fields, status=400)
        assert field in res.json["form_errors"], (fields, res.json)
        res = acmeapp.post(ADMIN + "/acme-order/%s/renew/custom" % order["id"], fields, status=400)
        assert "Nothing was changed" in res.text
    assert rows(db) == before
    res = post(
        acmeapp,
        "/acme-order/%s/renew/custom.json" % order["id"],
        acme_account_id=other["id"],
        private_key_option="private_key_generate",
    )
    custom = res["AcmeOrder"]
    assert custom["acme_account_id"] == other["id"] and custom["acme_order_type"] == "ACME Automated (Renew Custom)"
    assert custom["private_key_strategy__final"] == "deferred-generate" and custom["acme_status_order"] == "valid"
    assert account["id"] != other["id"]
    # a pending order is not renewable
    pending = freeform(acmeapp, ["pending.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    before = rows(db)
    res = acmeapp.post(ADMIN + "/acme-order/%s/renew/quick.json" % pending["id"], status=400)
    assert "renewed" in res.json["error"]
    assert rows(db) == before


def test_mark_order(acmeapp, db):
    new_account(acmeapp)
    order = freeform(acmeapp, ["mark.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    mark = ADMIN + "/acme-order/%s/mark.json" % order["id"]
    res = post(acmeapp, "/acme-order/%s/mark.json" % order["id"], action="renew_manual")
    assert res["AcmeOrder"]["is_auto_renew"] is False and res["action"] == "renew_manual"
    before = rows(db)
    for action in ("renew_manual", "bogus", ""):
        res = acmeapp.post(mark, {"action": action}, status=400)
        assert "action" in res.json["form_errors"]
    assert rows(db) == before
    res = post(acmeapp, "/acme-order/%s/mark.json" % order["id"], action="deactivate")
    assert res["AcmeOrder"]["is_processing"] is False
    res = post(acmeapp, "/acme-order/%s/mark.json" % order["id"], action="invalid")
    assert res["AcmeOrder"]["acme_status_order"] == "invalid"
    for action in ("invalid", "deactivate"):
        acmeapp.post(mark, {"action": action}, status=400)
    res = acmeapp.post(ADMIN + "/acme-order/%s/mark" % order["id"], {"action": "renew_auto"}, status=303)
    assert "result=success" in res.location and "action=renew_auto" in res.location
    res = acmeapp.post(ADMIN + "/acme-order/%s/mark" % order["id"], {"action": "renew_auto"}, status=303)
    assert "result=error" in res.location
    assert set(acmeapp.get(mark).json["valid_options"]["action"]) == {"invalid", "deactivate", "renew_auto", "renew_manual"}


def test_deactivate_pending_authorizations_of_an_account(acmeapp, db):
    account = new_account(acmeapp)
    order = freeform(acmeapp, ["p1.example.com", "p2.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    url = ADMIN + "/acme-account/%s/acme-server/deactivate-pending-authorizations.json" % account["id"]
    pending = acmeapp.get(ADMIN + "/acme-account/%s/acme-authorizations.json?status=active" % account["id"]).json
    assert sorted(pending["AcmeAuthorizations"]) == sorted(order["acme_authorization_ids"])
    assert "p1.example.com" in acmeapp.get(ADMIN + "/acme-account/%s" % account["id"]).text
    before = rows(db)
    for values in ([], [("acme_authorization_id", "")], [("acme_authorization_id", "x")]):
        res = acmeapp.post(url, values, status=400)
        assert "acme_authorization_id" in res.json["form_errors"]
    assert rows(db) == before
    values = [("acme_authorization_id", i) for i in order["acme_authorization_ids"]] + [("acme_authorization_id", "999")]
    # one of them did not work: not a 200 any more (issue 11); the bad id is the client's fault (400),
    # the others are done: `partial`
    res = acmeapp.post(url, values, status=400)
    assert res.json["result"] == "partial" and "999" in res.json["error"]
    results = res.json["results"]
    assert results["999"]["result"] == "error"
    for authz_id in order["acme_authorization_ids"]:
        assert results[authz_id] == {"result": "success", "acme_status_authorization": "deactivated"}
    assert order_json(acmeapp, order["id"])["acme_status_order"] in ("invalid", "deactivated")
    assert acmeapp.get(ADMIN + "/acme-account/%s/acme-authorizations.json?status=active" % account["id"]).json["AcmeAuthorizations"] == {}
    acmeapp.get(ADMIN + "/acme-account/%s/acme-authorizations" % account["id"], status=200)


def test_authorization_deactivate(acmeapp):
    new_account(acmeapp)
    order = freeform(acmeapp, ["d1.example.com"], processing_strategy="create_order").json["AcmeOrder"]
    (authz_id,) = order["acme_authorization_ids"]
    # the HTML button asks first (irreversible); nothing is sent until it is confirmed
    status_before = acmeapp.get(ADMIN + "/acme-authorization/%s.json" % authz_id).json["AcmeAuthorization"]["acme_status_authorization"]
    page = acmeapp.post(ADMIN + "/acme-authorization/%s/acme-server/deactivate" % authz_id, status=200)
    assert "Are you sure?" in page.text
    focus = acmeapp.get(ADMIN + "/acme-authorization/%s.json" % authz_id).json
    assert focus["AcmeAuthorization"]["acme_status_authorization"] == status_before != "deactivated"
    res = page.forms["confirm"].submit(status=303)
    assert "result=success" in res.location
    focus = acmeapp.get(ADMIN + "/acme-authorization/%s.json" % authz_id).json
    assert focus["AcmeAuthorization"]["acme_status_authorization"] == "deactivated"
    assert {c["acme_status_challenge"] for c in focus["AcmeChallenges"]} <= {"*410*"}
    assert order_json(acmeapp, order["id"])["acme_status_order"] in ("invalid", "deactivated")
    res = acmeapp.post(ADMIN + "/acme-authorization/%s/acme-server/deactivate.json" % authz_id, status=400)
    assert "pending" in res.json["error"]


# --- bad input


def _freeform_bad_cases(acmeapp):
    key_id = acmeapp.post(ADMIN + "/private-key/new.json", {"key_technology": "EC_P256"}).json["PrivateKey"]["id"]
    acmeapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "inactive"})
    return [
        ({"domain_names_http01": ""}, "domain_names_http01"),
        ({"domain_names_http01": "not a domain"}, "domain_names_http01"),
        ({"domain_names_http01": "127.0.0.1"}, "domain_names_http01"),
        ({"domain_names_http01": "*.wild.example.com"}, "domain_names_http01"),
        ({"domain_names_http01": "always-fail.example.com"}, "domain_names_http01"),  # blocklisted
        ({"domain_names_http01": ",".join("n%d.example.com" % i for i in range(101))}, "domain_names_http01"),
        ({"processing_strategy": "process_all"}, "processing_strategy"),
        ({"private_key_option": "private_key_file"}, "private_key_option"),
        ({"private_key_cycle__renewal": "hourly"}, "private_key_cycle__renewal"),
        ({"private_key_option": "private_key_existing"}, "private_key_id"),
        ({"private_key_option": "private_key_existing", "private_key_id": "999"}, "private_key_id"),
        ({"private_key_option": "private_key_existing", "private_key_id": "0"}, "private_key_id"),  # the placeholder
        ({"private_key_option": "private_key_existing", "private_key_id": key_id}, "private_key_id"),  # inactive
        ({"acme_account_id": "999"}, "acme_account_id"),
        ({"acme_account_id": "x"}, "acme_account_id"),
    ]


def test_freeform_bad_input_writes_nothing(acmeapp, db):
    account = new_account(acmeapp)
    cases = _freeform_bad_cases(acmeapp)
    before = rows(db)
    for fields, field in cases:
        fields = dict({"domain_names_http01": "ok.example.com"}, **fields)
        res = acmeapp.post(ADMIN + "/acme-order/new/freeform.json", fields, status=400)
        assert res.json["result"] == "error"
        assert field in res.json["form_errors"], (fields, res.json)
        res = acmeapp.post(ADMIN + "/acme-order/new/freeform", fields, status=400)
        assert "Nothing was changed" in res.text and field in res.text
        assert rows(db) == before, fields
    # an inactive account
    acmeapp.post(ADMIN + "/acme-account/%s/mark.json" % account["id"], {"action": "inactive"}, status=400)  # the default
    other = new_account(acmeapp, contact="other@example.com")
    acmeapp.post(ADMIN + "/acme-account/%s/mark.json" % other["id"], {"action": "inactive"})
    before = rows(db)
    res = freeform(acmeapp, ["ok.example.com"], status=400, acme_account_id=other["id"])
    assert "not active" in res.json["form_errors"]["acme_account_id"]
    assert rows(db) == before
    # a second order for names another order is still validating
    freeform(acmeapp, ["busy.example.com"], processing_strategy="create_order")
    before = rows(db)
    res = freeform(acmeapp, ["busy.example.com", "free.example.com"], status=400)
    assert "still validating" in res.json["form_errors"]["domain_names_http01"]
    assert rows(db) == before


def test_freeform_without_a_global_default_account(acmeapp, db):
    before = rows(db)
    res = freeform(acmeapp, ["ok.example.com"], status=400)
    assert "global default" in res.json["form_errors"]["acme_account_id"]
    assert rows(db) == before
    # the form and its docs
    page = acmeapp.get(ADMIN + "/acme-order/new/freeform?domain_names_http01=pre.example.com", status=200)
    assert 'value="pre.example.com"' in page.text
    docs = acmeapp.get(ADMIN + "/acme-order/new/freeform.json").json
    assert docs["valid_options"]["processing_strategy"] == ["create_order", "process_single", "process_multi"]
    assert "private_key_for_account_key" in docs["valid_options"]["private_key_option"]


def test_unknown_ids_are_404_json(acmeapp):
    for path in (
        "/acme-order/999.json",
        "/acme-order/999/acme-event-logs.json",
        "/acme-authorization/999.json",
        "/acme-authorization/999/acme-challenges.json",
        "/acme-challenge/999.json",
        "/acme-event-log/999.json",
    ):
        res = acmeapp.get(ADMIN + path, status=404)
        assert res.json["result"] == "error", path
    for path in (
        "/acme-order/999/acme-process.json",
        "/acme-order/999/retry.json",
        "/acme-authorization/999/acme-server/sync.json",
        "/acme-challenge/999/acme-server/trigger.json",
        "/certificate-signed/999/acme-server/revoke.json",
    ):
        assert acmeapp.post(ADMIN + path, status=404).json["result"] == "error", path
    acmeapp.get(ADMIN + "/acme-order/999", status=404)


# --- revocation


def test_revoke_through_the_acme_server(acmeapp, db, pebble_always_valid):
    new_account(acmeapp)
    order = freeform(acmeapp, ["revoke.example.com"]).json["AcmeOrder"]
    cert_id = order["certificate_signed_id"]
    url = ADMIN + "/certificate-signed/%s/acme-server/revoke" % cert_id
    assert "reason" in acmeapp.get(url + ".json").json["form_fields"]
    assert "result=error" in acmeapp.get(url, status=303).location
    before = rows(db)
    for reason in ("7", "x", "11"):
        res = acmeapp.post(url + ".json", {"reason": reason}, status=400)
        assert "reason" in res.json["form_errors"]
    assert rows(db) == before
    res = acmeapp.post(url + ".json", {"reason": "4"}, status=200)
    assert res.json["result"] == "success"
    cert = res.json["CertificateSigned"]
    assert cert["is_revoked"] is True and cert["is_active"] is False and cert["timestamp_revoked_upstream"]
    assert pebble_always_valid.cert_status_by_serial(cert["cert_serial"])["Status"] == "Revoked"
    assert acmeapp.get(ADMIN + "/domain/revoke.example.com/config.json").json["certificate_signed__latest_single"] is None
    res = acmeapp.post(url + ".json", status=400)
    assert "already revoked" in res.json["error"]
    assert "revoked on the ACME server" in acmeapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text


def test_revoke_of_a_certificate_pebble_never_issued(acmeapp, db):
    """The server's refusal is an error envelope with its problem document; the certificate is untouched."""
    cert_id = upload_certificate(acmeapp, "leaf_rsa_single").json["CertificateSigned"]["id"]
    # the server's refusal is a bad answer from the upstream: 502 (200 before issue 11)
    res = acmeapp.post(ADMIN + "/certificate-signed/%s/acme-server/revoke.json" % cert_id, status=502)
    assert res.json["result"] == "error" and res.json["service"] == "acme"
    assert res.json["problem"]["type"].startswith("urn:ietf:params:acme:error:")
    assert res.json["problem"]["detail"] in res.json["error"] and "ACME server" in res.json["error"]
    cert = acmeapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json["CertificateSigned"]
    assert cert["is_revoked"] is False and cert["timestamp_revoked_upstream"] is None
    # the HTML button asks first; confirmed, the refusal is told on the certificate's page
    page = acmeapp.post(ADMIN + "/certificate-signed/%s/acme-server/revoke" % cert_id, status=200)
    assert "Are you sure?" in page.text
    res = page.forms["confirm"].submit(status=303)
    assert "result=error" in res.location
    assert "The ACME server answered HTTP" in res.follow().text


# --- a validation that fails for real


@pytest.fixture
def strict_app(pebble_strict, make_app, dbengine, app_settings, db):
    app = app_for(make_app, dbengine, app_settings, pebble_strict, cleanup_pending_authorizations="true")
    point_database_at(app, db)
    yield client(app)
    reset_database(dbengine, app_settings)


def test_failed_validation_answers_with_the_recorded_order(strict_app, db):
    """Nobody serves the token: pebble's validation fails; the answer carries the order as recorded."""
    new_account(strict_app)
    # a failed order is a bad answer from the upstream: 502 (200 before issue 11)
    res = freeform(strict_app, ["fail1.example.com", "fail2.example.com"], status=502)
    assert res.json["result"] == "error" and res.json["service"] == "acme"
    assert "fail" in res.json["error"]
    assert res.json["problem"]["type"].startswith("urn:ietf:params:acme:error:")
    failed = res.json["AcmeOrder"]
    assert failed["acme_status_order"] == "invalid"
    assert failed["acme_order_processing_status"] == "processing_completed_failure"
    assert failed["is_can_retry"] is True
    # it is committed, with its exchanges
    assert order_json(strict_app, failed["id"])["acme_status_order"] == "invalid"
    logs = strict_app.get(ADMIN + "/acme-order/%s/acme-event-logs.json" % failed["id"]).json["AcmeEventLogs"]
    assert "v2|newOrder" in {e["acme_event"] for e in logs.values()}
    with Session(bind=db) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(m.AcmeOrder)) == 1
    # HTML: to the failed order, with the error
    res = freeform(strict_app, ["fail3.example.com"], json_=False, status=303)
    assert "result=error" in res.location and "/acme-order/" in res.location
    assert "fail3.example.com" in res.follow().text
