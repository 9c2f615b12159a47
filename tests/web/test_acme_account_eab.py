"""External Account Binding (RFC 8555 section 7.3.4) through the admin, against a pebble that
requires it (``externalAccountBindingRequired`` with its ``externalAccountMACKeys``).

One pebble for the module (always-valid, so the one order is cheap); each test starts from a freshly
seeded database. Gated by SSL_RUN_LETSENCRYPT_API_TESTS.
"""

import base64
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.lib import cert_utils
from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests.conftest import reset_database
from tests.pebble import PebbleFactory
from tests.pebble import require_switch
from tests.web.test_acme_accounts import ADMIN
from tests.web.test_acme_accounts import app_for
from tests.web.test_acme_accounts import client
from tests.web.test_acme_accounts import point_database_at
from tests.web.test_acme_accounts import providers
from tests.web.test_acme_accounts import rows
from tests.web.test_acme_accounts import upload

KID = "kid-1"
HMAC_KEY = bytes(range(100, 132))
HMAC_KEY_B64 = base64.urlsafe_b64encode(HMAC_KEY).rstrip(b"=").decode()
WRONG_KEY_B64 = base64.urlsafe_b64encode(b"not the key the CA issued, no...").rstrip(b"=").decode()
SECRETS = (HMAC_KEY_B64, WRONG_KEY_B64)


@pytest.fixture(scope="module")
def pebble_eab(tmp_path_factory):
    require_switch()
    factory = PebbleFactory(str(tmp_path_factory.mktemp("pebble-eab")))
    pebble = factory(
        config_extra={"externalAccountBindingRequired": True, "externalAccountMACKeys": {KID: HMAC_KEY_B64}}
    )
    yield pebble
    factory.close()


@pytest.fixture(scope="module")
def eab_app(pebble_eab, make_app, dbengine, app_settings):
    yield app_for(make_app, dbengine, app_settings, pebble_eab)
    reset_database(dbengine, app_settings)  # no account left on this pebble's directory


@pytest.fixture
def eabapp(eab_app, db):
    point_database_at(eab_app, db)
    return client(eab_app)


def new_account(app, status=200, json_=True, **fields):
    values = {"account__contact": "eab@example.com", "account_key_technology": "EC"}
    values.update(fields)
    return app.post(ADMIN + "/acme-account/new" + (".json" if json_ else ""), values, status=status)


def new_account_exchanges(db) -> list:
    """The newAccount rows of the event log: what was sent, and the answer."""
    event_id = model_utils.AcmeEvent.from_string("v2|newAccount")
    with Session(bind=db) as session:
        return [
            (e.request_payload, e.response_status, e.problem_type)
            for e in session.scalars(sa.select(m.AcmeEventLog).where(m.AcmeEventLog.acme_event_id == event_id))
        ]


def assert_no_secret_stored(db) -> None:
    """The HMAC keys are in no row: not in the event log, not in the operations events."""
    with Session(bind=db) as session:
        stored = [
            repr(tuple(row))
            for table in (m.AcmeEventLog, m.OperationsEvent, m.AcmeAccount)
            for row in session.execute(sa.select(table.__table__)).all()
        ]
    text = "\n".join(stored)
    for secret in SECRETS:
        assert secret not in text


def test_new_account_with_eab_and_one_order(eabapp, db, pebble_eab):
    directory = pebble_eab._session.get(pebble_eab.directory_url, verify=pebble_eab.ca_bundle_path).json()
    assert directory["meta"]["externalAccountRequired"] is True
    res = new_account(eabapp, eab_kid=KID, eab_hmac_key=HMAC_KEY_B64)
    assert res.json["result"] == "success" and res.json["is_created__acme_server"] is True
    account = res.json["AcmeAccount"]
    assert account["eab_kid"] == KID and account["is_eab_bound"] is True
    assert account["account_url"].startswith("https://127.0.0.1:%d/" % pebble_eab.port)
    # the binding went out in newAccount (a MAC, never the key) and pebble took it
    ((payload, status, problem_type),) = new_account_exchanges(db)
    assert status == 201 and problem_type is None
    binding = json.loads(payload)["externalAccountBinding"]
    protected = json.loads(base64.urlsafe_b64decode(binding["protected"] + "=="))
    assert protected["kid"] == KID and protected["alg"] == "HS256" and protected["url"].endswith("/sign-me-up")
    assert_no_secret_stored(db)
    # the account is valid on pebble
    check = eabapp.post(ADMIN + "/acme-account/%s/acme-server/check.json" % account["id"], status=200).json
    assert check["acme_server_status"] == "valid"
    # its JSON and its page show the key id
    focus = eabapp.get(ADMIN + "/acme-account/%s.json" % account["id"]).json["AcmeAccount"]
    assert focus["eab_kid"] == KID and focus["is_eab_bound"] is True
    page = eabapp.get(ADMIN + "/acme-account/%s" % account["id"]).text
    assert "External Account Binding" in page and KID in page
    # an order with it issues a certificate
    order = eabapp.post(ADMIN + "/acme-order/new/freeform.json", {"domain_names_http01": "eab.example.com"}).json
    assert order["result"] == "success", order
    assert order["AcmeOrder"]["acme_account_id"] == account["id"]
    assert order["AcmeOrder"]["acme_status_order"] == "valid" and order["AcmeOrder"]["certificate_signed_id"]


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_new_account_with_each_eab_mac_algorithm(eabapp, db, pebble_eab, alg):
    """HS384 and HS512 (RFC 7518 section 3.2) as well as the default HS256: the binding is made with
    the algorithm asked for, and pebble verifies it."""
    res = new_account(eabapp, eab_kid=KID, eab_hmac_key=HMAC_KEY_B64, eab_mac_algorithm=alg)
    assert res.json["result"] == "success" and res.json["is_created__acme_server"] is True
    account = res.json["AcmeAccount"]
    assert account["eab_kid"] == KID and account["is_eab_bound"] is True
    ((payload, status, problem_type),) = new_account_exchanges(db)
    assert status == 201 and problem_type is None
    binding = json.loads(payload)["externalAccountBinding"]
    protected = json.loads(base64.urlsafe_b64decode(binding["protected"] + "=="))
    assert protected["alg"] == alg and protected["kid"] == KID
    digest = {"HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    expected = hmac.new(HMAC_KEY, ("%s.%s" % (binding["protected"], binding["payload"])).encode("ascii"), digest)
    assert base64.urlsafe_b64decode(binding["signature"] + "==") == expected.digest()
    check = eabapp.post(ADMIN + "/acme-account/%s/acme-server/check.json" % account["id"], status=200).json
    assert check["acme_server_status"] == "valid"
    with Session(bind=db) as session:
        payloads = [e.event_payload for e in session.scalars(sa.select(m.OperationsEvent))]
    assert any('"eab_mac_algorithm": "%s"' % alg in p for p in payloads)
    assert_no_secret_stored(db)
    # the HTML form offers the three
    form = eabapp.get(ADMIN + "/acme-account/new").text
    assert all('<option value="%s"' % a in form for a in ("HS256", "HS384", "HS512"))


def test_a_wrong_hmac_key_is_refused_and_nothing_is_half_written(eabapp, db):
    before = rows(db)
    res = new_account(eabapp, status=400, eab_kid=KID, eab_hmac_key=WRONG_KEY_B64)
    assert res.json["result"] == "error"
    assert "refused the External Account Binding" in res.json["form_errors"]["eab_hmac_key"]
    assert WRONG_KEY_B64 not in res.text
    # pebble was asked and said no; the exchange is kept, no account row
    ((payload, status, problem_type),) = new_account_exchanges(db)
    assert status >= 400 and problem_type
    after = rows(db)
    assert after["AcmeAccount"] == before["AcmeAccount"] and after["AcmeAccountKey"] == before["AcmeAccountKey"]
    assert after["OperationsEvent"] == before["OperationsEvent"]
    # an unknown key id too; the HTML form shows the error, the key id again, never the HMAC key
    res = new_account(eabapp, status=400, json_=False, eab_kid="kid-unknown", eab_hmac_key=WRONG_KEY_B64)
    assert "refused the External Account Binding" in res.text
    assert 'value="kid-unknown"' in res.text and WRONG_KEY_B64 not in res.text
    assert rows(db)["AcmeAccount"] == before["AcmeAccount"]
    assert_no_secret_stored(db)


def test_no_eab_is_refused_before_new_account(eabapp, db):
    before = rows(db)
    res = new_account(eabapp, status=400)
    assert res.json["result"] == "error"
    assert "requires External Account Binding" in res.json["form_errors"]["eab_kid"]
    assert "Nothing was sent" in res.json["error"]
    assert new_account_exchanges(db) == []
    assert rows(db)["AcmeAccount"] == before["AcmeAccount"]
    # an uploaded key: authenticate without EAB is refused the same way; with it, it registers
    pebble_id = providers(eabapp)["pebble"]["id"]
    key_pem = cert_utils.new_account_key("EC", curve="P-256")
    fields = {"acme_account_provider_id": pebble_id, "account__contact": "upload@example.com"}
    account = upload(eabapp, {"account_key_file_pem": key_pem.encode()}, fields).json["AcmeAccount"]
    base = ADMIN + "/acme-account/%s/acme-server/authenticate" % account["id"]
    page = eabapp.get(ADMIN + "/acme-account/%s" % account["id"]).text
    assert "Register with External Account Binding" in page
    res = eabapp.post(base + ".json", status=400).json
    assert "requires External Account Binding" in res["form_errors"]["eab_kid"]
    assert new_account_exchanges(db) == []
    res = eabapp.post(base, status=303)
    assert "result=error" in res.location
    assert "requires External Account Binding" in res.follow().text
    res = eabapp.post(base + ".json", {"eab_kid": KID, "eab_hmac_key": HMAC_KEY_B64}, status=200).json
    assert res["is_created__acme_server"] is True and res["AcmeAccount"]["eab_kid"] == KID
    # known now: authenticating again finds it without a binding
    res = eabapp.post(base + ".json", status=200).json
    assert res["is_created__acme_server"] is False and res["AcmeAccount"]["eab_kid"] == KID
    assert_no_secret_stored(db)


BAD_FIELDS = [
    ({"eab_kid": KID}, "eab_hmac_key", "Required with `eab_kid`"),
    ({"eab_hmac_key": HMAC_KEY_B64}, "eab_kid", "Required with `eab_hmac_key`"),
    ({"eab_kid": KID, "eab_hmac_key": "not+base64/url=="}, "eab_hmac_key", "not base64url"),
    ({"eab_kid": KID, "eab_hmac_key": "abcde"}, "eab_hmac_key", "not base64url"),
    ({"eab_kid": KID, "eab_hmac_key": "x" * 1025}, "eab_hmac_key", "Longer than"),
    ({"eab_kid": "k\x01", "eab_hmac_key": HMAC_KEY_B64}, "eab_kid", "control character"),
    ({"eab_kid": KID, "eab_hmac_key": HMAC_KEY_B64, "eab_mac_algorithm": "RS256"}, "eab_mac_algorithm", "Not one of"),
    ({"eab_kid": KID, "eab_hmac_key": HMAC_KEY_B64, "eab_mac_algorithm": "hs256"}, "eab_mac_algorithm", "Not one of"),
    ({"eab_kid": KID, "eab_hmac_key": HMAC_KEY_B64, "eab_mac_algorithm": "none"}, "eab_mac_algorithm", "Not one of"),
]


def test_bad_eab_inputs_change_nothing(eabapp, db):
    docs = eabapp.get(ADMIN + "/acme-account/new.json").json
    assert "eab_kid" in json.dumps(docs) and "eab_hmac_key" in json.dumps(docs)
    form = eabapp.get(ADMIN + "/acme-account/new").text
    assert 'name="eab_kid"' in form and 'type="password" id="eab_hmac_key"' in form
    before = rows(db)
    for fields, field, message in BAD_FIELDS:
        res = new_account(eabapp, status=400, **fields)
        assert res.json["result"] == "error" and message in res.json["form_errors"][field], (fields, res.json)
        html = new_account(eabapp, status=400, json_=False, **fields).text
        assert message in html
        if "eab_hmac_key" in fields and fields["eab_hmac_key"] != "x" * 1025:
            assert fields["eab_hmac_key"] not in html and fields["eab_hmac_key"] not in res.text
    # the authenticate route checks the same way
    pebble_id = providers(eabapp)["pebble"]["id"]
    fields = {"acme_account_provider_id": pebble_id, "account__contact": "upload@example.com"}
    key_pem = cert_utils.new_account_key("EC", curve="P-256")
    account = upload(eabapp, {"account_key_file_pem": key_pem.encode()}, fields).json["AcmeAccount"]
    before = rows(db)
    res = eabapp.post(
        ADMIN + "/acme-account/%s/acme-server/authenticate.json" % account["id"], {"eab_kid": KID}, status=400
    ).json
    assert "Required with `eab_kid`" in res["form_errors"]["eab_hmac_key"]
    assert rows(db) == before and new_account_exchanges(db) == []
