"""ACME servers and accounts through the admin views, against pebble.

Gated by SSL_RUN_LETSENCRYPT_API_TESTS (the pebble fixtures skip without it). The app is built once
per module for the shared always-valid pebble; each test starts from a freshly seeded database that
``acmeapp`` points at that pebble again. Nothing here talks to anything but loopback: accounts on
other (disabled) ACME servers are refused before any request is made.

The fixtures and helpers here are shared with ``test_acme_orders.py``.
"""

import base64
import json

import pytest
import webtest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority
from peter_sslers.model import objects as m
from tests.browser import BrowserTestApp
from tests.conftest import TEST_HOST
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.pebble import free_port

ADMIN = "/.well-known/admin"
ROW_MODELS = (
    m.AcmeAccount,
    m.AcmeAccountKey,
    m.AcmeOrder,
    m.AcmeAuthorization,
    m.AcmeChallenge,
    m.AcmeEventLog,
    m.CertificateSigned,
    m.CertificateRequest,
    m.Domain,
    m.UniqueFQDNSet,
    m.PrivateKey,
    m.OperationsEvent,
)


def rows(db) -> dict:
    return {model.__name__: count_rows(db, model) for model in ROW_MODELS}


# --- fixtures


def pebble_settings(pebble, **overrides) -> dict:
    settings = dict(
        certificate_authority="pebble",
        certificate_authority_directory=pebble.directory_url,
        certificate_authority_ca_bundle=pebble.ca_bundle_path,
    )
    settings.update(overrides)
    return settings


def app_for(make_app, dbengine, app_settings, pebble, **overrides):
    """An app whose default ACME server is ``pebble``. The database is reset first: start-up
    refuses to move the pebble server's directory while accounts use the old one."""
    reset_database(dbengine, app_settings)
    return make_app(**pebble_settings(pebble, **overrides))


def point_database_at(app, engine) -> None:
    """The per-test reset configures the ini's pebble (port 14000): configure the app's again."""
    with Session(bind=engine) as session:
        reconcile_certificate_authority(ApiContext(session, app.registry.app_settings))
        session.commit()


def client(app) -> webtest.TestApp:
    return BrowserTestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


@pytest.fixture(scope="module")
def acme_app(pebble_always_valid, make_app, dbengine, app_settings):
    yield app_for(make_app, dbengine, app_settings, pebble_always_valid)
    # leave no account on this pebble's directory: an app built later for the ini's pebble
    # (the session's `app`) would refuse to start
    reset_database(dbengine, app_settings)


@pytest.fixture
def acmeapp(acme_app, db) -> webtest.TestApp:
    """WebTest on the pebble app, with a freshly seeded database."""
    point_database_at(acme_app, db)
    return client(acme_app)


# --- helpers


def new_account(app, key_technology="RSA", contact="admin@example.com", **fields) -> dict:
    values = {"account__contact": contact, "account_key_technology": key_technology}
    values.update(fields)
    res = app.post(ADMIN + "/acme-account/new.json", values, status=200)
    assert res.json["result"] == "success", res.json
    return res.json["AcmeAccount"]


def providers(app) -> dict:
    """name -> provider JSON."""
    listed = app.get(ADMIN + "/acme-account-providers.json").json["AcmeAccountProviders"]
    return {p["name"]: p for p in listed.values()}


def jwk_of(key_pem: str) -> dict:
    """certbot's private_key.json: the RSA key as a private JWK."""
    numbers = serialization.load_pem_private_key(key_pem.encode(), None).private_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    return {
        "kty": "RSA",
        "n": b64(numbers.public_numbers.n),
        "e": b64(numbers.public_numbers.e),
        "d": b64(numbers.d),
        "p": b64(numbers.p),
        "q": b64(numbers.q),
        "dp": b64(numbers.dmp1),
        "dq": b64(numbers.dmq1),
        "qi": b64(numbers.iqmp),
    }


def certbot_files(key_pem: str, uri: str, contact="certbot@example.com") -> dict:
    return {
        "account_key_file_le_pkey": json.dumps(jwk_of(key_pem)).encode(),
        "account_key_file_le_reg": json.dumps({"body": {"contact": ["mailto:%s" % contact]}, "uri": uri}).encode(),
        "account_key_file_le_meta": json.dumps({"creation_host": "test", "creation_dt": "2024-01-01T00:00:00Z"}).encode(),
    }


def upload(app, files: dict, fields: dict = None, status=200, json_=True):
    return app.post(
        ADMIN + "/acme-account/upload" + (".json" if json_ else ""),
        fields or {},
        upload_files=[(name, name + ".txt", content) for name, content in files.items()],
        status=status,
    )


def register_on_pebble(pebble, key_pem: str) -> str:
    """Register a key straight with pebble (as certbot would have): its account URL."""
    transport = acme_v2.AcmeTransport(pebble.directory_url, ca_bundle=pebble.ca_bundle_path)
    resource, _created = acme_v2.AcmeClient(transport, acme_v2.AcmeKey(key_pem)).new_account(
        contact=["mailto:certbot@example.com"]
    )
    return resource.url


# --- ACME servers


def test_acme_account_providers(acmeapp, pebble_always_valid):
    listed = providers(acmeapp)
    pebble = listed["pebble"]
    assert pebble["is_default"] is True and pebble["is_enabled"] is True
    assert pebble["directory"] == pebble_always_valid.directory_url
    assert listed["letsencrypt-v2"]["is_enabled"] is False
    page = acmeapp.get(ADMIN + "/acme-account-providers", status=200)
    assert pebble_always_valid.directory_url in page.text


# --- new


@pytest.mark.parametrize("key_technology,expected", [("RSA", "RSA"), ("EC", "EC"), ("EC_P384", "EC")])
def test_account_new(acmeapp, db, key_technology, expected):
    account = new_account(acmeapp, key_technology)
    assert account["account_url"].startswith("https://127.0.0.1:")
    assert account["is_global_default"] is True  # the first usable account on the default server
    assert account["AcmeAccountKey"]["key_technology"] == expected
    assert account["acme_account_provider_name"] == "pebble"
    assert account["contact"] == "admin@example.com"
    focus = acmeapp.get(ADMIN + "/acme-account/%s.json" % account["id"]).json
    assert focus["AcmeAccount"]["id"] == account["id"]
    assert focus["raw"]["pem"].endswith("/acme-account/%s/key.pem" % account["id"])
    assert "admin@example.com" in acmeapp.get(ADMIN + "/acme-account/%s" % account["id"]).text
    listed = acmeapp.get(ADMIN + "/acme-accounts.json").json
    assert list(listed["AcmeAccounts"]) == [account["id"]]
    assert listed["pagination"]["total_items"] == 1
    assert "admin@example.com" in acmeapp.get(ADMIN + "/acme-accounts").text
    # the registration is logged
    events = acmeapp.get(ADMIN + "/acme-event-logs.json").json["AcmeEventLogs"]
    assert "v2|newAccount" in {e["acme_event"] for e in events.values()}
    # a second account is not the global default
    second = new_account(acmeapp, contact="second@example.com")
    assert second["is_global_default"] is False


@pytest.mark.parametrize("fmt,content_type", [("pem", "application/x-pem-file"), ("pem.txt", "text/plain"), ("key", "application/pkcs8")])
def test_account_key_downloads(acmeapp, fmt, content_type):
    account = new_account(acmeapp, "EC")
    res = acmeapp.get(ADMIN + "/acme-account/%s/key.%s" % (account["id"], fmt), status=200)
    assert res.content_type == content_type
    if fmt == "key":
        got = serialization.load_der_private_key(res.body, None)
    else:
        got = serialization.load_pem_private_key(res.body, None)
    expected = serialization.load_pem_private_key(account["AcmeAccountKey"]["key_pem"].encode(), None)
    assert got.private_numbers() == expected.private_numbers()


def test_account_new_form_and_docs(acmeapp):
    page = acmeapp.get(ADMIN + "/acme-account/new", status=200)
    assert "<form" in page.text and "account__contact" in page.text
    docs = acmeapp.get(ADMIN + "/acme-account/new.json").json
    assert docs["method"] == "POST"
    assert set(docs["form_fields"]) >= {"acme_account_provider_id", "account__contact", "account_key_technology"}
    assert "EC_P256" in docs["valid_options"]["account_key_technology"]
    res = acmeapp.post(ADMIN + "/acme-account/new", {"account__contact": "html@example.com"}, status=303)
    assert "result=success" in res.location
    assert "html@example.com" in res.follow().text


def _bad_new_cases(acmeapp):
    listed = providers(acmeapp)
    return [
        ({"account__contact": ""}, "account__contact"),
        ({"account__contact": "not an email"}, "account__contact"),
        ({"account__contact": "a@b@example.com"}, "account__contact"),
        ({"account__contact": "a@example.com", "account_key_technology": "DSA"}, "account_key_technology"),
        ({"account__contact": "a@example.com", "account__private_key_cycle": "hourly"}, "account__private_key_cycle"),
        ({"account__contact": "a@example.com", "account__private_key_technology": "ED25519"}, "account__private_key_technology"),
        ({"account__contact": "a@example.com", "acme_account_provider_id": "999"}, "acme_account_provider_id"),
        ({"account__contact": "a@example.com", "acme_account_provider_id": "x"}, "acme_account_provider_id"),
        # a known server that is not enabled: refused before any request is made
        ({"account__contact": "a@example.com", "acme_account_provider_id": listed["letsencrypt-v2"]["id"]}, "acme_account_provider_id"),
    ]


def test_account_new_bad_input_writes_nothing(acmeapp, db):
    before = rows(db)
    for fields, field in _bad_new_cases(acmeapp):
        res = acmeapp.post(ADMIN + "/acme-account/new.json", fields, status=400)
        assert res.json["result"] == "error"
        assert field in res.json["form_errors"], (fields, res.json)
        res = acmeapp.post(ADMIN + "/acme-account/new", fields, status=400)
        assert "Nothing was changed" in res.text and field in res.text
        assert rows(db) == before, fields


def test_account_new_unreachable_server(acme_app, make_app, db):
    """A server that does not answer: HTTP 503 with the error envelope naming the service (2021, and
    this project before issue 11, answered 200), and no account here (it exists here only once the
    server has it); the failed exchange itself is recorded."""
    app = make_app(
        certificate_authority="pebble",
        certificate_authority_directory="https://127.0.0.1:%d/dir" % free_port(),
    )
    point_database_at(app, db)
    before = rows(db)
    res = client(app).post(ADMIN + "/acme-account/new.json", {"account__contact": "a@example.com"}, status=503)
    assert res.json["result"] == "error" and res.json["service"] == "acme" and res.json["operation"] == "new"
    assert "could not be reached" in res.json["error"]
    assert res.json["form_errors"] == {"Error_Main": res.json["error"]}
    # the sentence names the server and the cause, not the HTTP library's internals
    assert "connection refused" in res.json["error"] and "HTTPSConnectionPool" not in res.json["error"]
    after = rows(db)
    assert after["AcmeAccount"] == before["AcmeAccount"]
    assert after["AcmeAccountKey"] == before["AcmeAccountKey"]
    assert after["AcmeEventLog"] == before["AcmeEventLog"] + 1  # the failed directory request
    event = client(app).get(ADMIN + "/acme-event-logs.json").json["AcmeEventLogs"].popitem()[1]
    assert event["acme_event"] == "v2|directory" and event["response_status"] is None
    browser = client(app)
    res = browser.post(ADMIN + "/acme-account/new", {"account__contact": "a@example.com"}, status=303)
    assert "result=error" in res.location and "error=" not in res.location
    assert rows(db)["AcmeAccount"] == before["AcmeAccount"]
    # the page says it in a sentence; the URL and the cause are in the operations log
    page = res.follow().text
    assert "The ACME server could not be reached or did not answer in time" in page
    assert "operations log" in page and "urllib3" not in page and "HTTPSConnectionPool" not in page
    events = browser.get(ADMIN + "/operations/log.json?event_type=operations__outside_service__fail").json
    events = events["OperationsEvents"]
    (failure,) = events.values() if isinstance(events, dict) else events
    assert failure["event_payload"]["service"] == "acme" and failure["event_payload"]["operation"] == "new"
    assert "could not be reached" in failure["event_payload"]["error"] and "/dir" in failure["event_payload"]["error"]


# --- upload


def test_account_upload_pem_then_authenticate_and_check(acmeapp, db):
    key_pem = cert_utils.new_account_key("RSA")
    pebble_id = providers(acmeapp)["pebble"]["id"]
    fields = {"acme_account_provider_id": pebble_id, "account__contact": "upload@example.com"}
    res = upload(acmeapp, {"account_key_file_pem": key_pem.encode()}, fields)
    assert res.json["result"] == "success" and res.json["is_created"] is True
    account = res.json["AcmeAccount"]
    assert account["account_url"] is None and account["AcmeAccountKey"]["acme_account_key_source"] == "imported"
    # the same key again (as PKCS#8) finds the same account
    again = upload(acmeapp, {"account_key_file_pem": cert_utils.convert_private_key_to_pkcs8_pem(key_pem).encode()}, fields)
    assert again.json["is_created"] is False and again.json["AcmeAccount"]["id"] == account["id"]
    # pebble does not know it yet
    base = ADMIN + "/acme-account/%s/acme-server" % account["id"]
    events_before = count_rows(db, m.AcmeEventLog)
    # the server answered with an error: 502 (it was 200 before issue 11)
    res = acmeapp.post(base + "/check.json", status=502)
    assert res.json["result"] == "error" and res.json["is_checked"] is True and res.json["service"] == "acme"
    assert res.json["problem_code"] == "accountDoesNotExist"
    assert res.json["problem"]["type"] == "urn:ietf:params:acme:error:accountDoesNotExist"
    assert count_rows(db, m.AcmeEventLog) > events_before  # the failed exchange is kept, readable
    logged = acmeapp.get(ADMIN + "/acme-event-logs.json").json["AcmeEventLogs"]
    problem_event = [e for e in logged.values() if e["problem_type"]][0]
    focus = acmeapp.get(ADMIN + "/acme-event-log/%s.json" % problem_event["id"]).json["AcmeEventLog"]
    assert focus["problem_type"].endswith("accountDoesNotExist") and focus["request_payload"]["onlyReturnExisting"] is True
    assert "accountDoesNotExist" in acmeapp.get(ADMIN + "/acme-event-log/%s" % problem_event["id"]).text
    # authenticate registers it; check finds it then
    res = acmeapp.post(base + "/authenticate.json", status=200)
    assert res.json["result"] == "success" and res.json["is_created__acme_server"] is True
    assert res.json["AcmeAccount"]["account_url"].startswith("https://127.0.0.1:")
    res = acmeapp.post(base + "/check.json", status=200)
    assert res.json["result"] == "success" and res.json["is_checked"] is True
    assert res.json["acme_server_status"] == "valid"
    res = acmeapp.post(ADMIN + "/acme-account/%s/acme-server/check" % account["id"], status=303)
    assert "result=success" in res.location


def test_account_upload_certbot_files(acmeapp, pebble_always_valid):
    key_pem = cert_utils.new_account_key("RSA")
    url = register_on_pebble(pebble_always_valid, key_pem)
    res = upload(acmeapp, certbot_files(key_pem, url))
    assert res.json["result"] == "success" and res.json["is_created"] is True
    account = res.json["AcmeAccount"]
    assert account["account_url"] == url
    assert account["acme_account_provider_name"] == "pebble"
    assert account["contact"] == "certbot@example.com"
    assert account["AcmeAccountKey"]["spki_sha256"] == cert_utils.parse_key(key_pem)["spki_sha256"]
    res = acmeapp.post(ADMIN + "/acme-account/%s/acme-server/check.json" % account["id"], status=200)
    assert res.json["result"] == "success"
    assert res.json["AcmeAccount"]["account_url"] == url
    # HTML
    assert "<form" in acmeapp.get(ADMIN + "/acme-account/upload").text
    res = upload(acmeapp, certbot_files(key_pem, url), json_=False, status=303)
    assert "is_created=false" in res.location


def test_account_of_a_disabled_server_is_imported_but_never_contacted(acmeapp, db):
    """certbot files of a Let's Encrypt account: imported (no request), and the server actions refuse."""
    key_pem = cert_utils.new_account_key("RSA")
    res = upload(acmeapp, certbot_files(key_pem, "https://acme-v02.api.letsencrypt.org/acme/acct/123456"))
    account = res.json["AcmeAccount"]
    assert account["acme_account_provider_name"] == "letsencrypt-v2"
    before = rows(db)
    for action in ("check", "authenticate", "key-change"):
        res = acmeapp.post(ADMIN + "/acme-account/%s/acme-server/%s.json" % (account["id"], action), status=400)
        assert "not enabled" in res.json["error"]
    assert rows(db) == before


def _bad_upload_cases(pebble_id, pebble_url):
    key_pem = cert_utils.new_account_key("RSA")
    good = certbot_files(key_pem, pebble_url + "/my-account/1")
    pem_fields = {"acme_account_provider_id": pebble_id, "account__contact": "a@example.com"}
    return [
        ("nothing", {}, {}, "Error_Main"),
        ("garbage PEM", {"account_key_file_pem": b"garbage"}, pem_fields, "account_key_file_pem"),
        ("certificate as key", {"account_key_file_pem": open("tests/test_data/leaf_rsa_single.cert.pem", "rb").read()}, pem_fields, "account_key_file_pem"),
        ("binary PEM", {"account_key_file_pem": b"\x00\x01\xff"}, pem_fields, "account_key_file_pem"),
        ("PEM without server", {"account_key_file_pem": key_pem.encode()}, {"account__contact": "a@example.com"}, "acme_account_provider_id"),
        ("PEM without contact", {"account_key_file_pem": key_pem.encode()}, {"acme_account_provider_id": pebble_id}, "account__contact"),
        ("PEM and certbot", dict(good, account_key_file_pem=key_pem.encode()), pem_fields, "account_key_file_pem"),
        ("certbot without meta", {k: v for k, v in good.items() if k != "account_key_file_le_meta"}, {}, "account_key_file_le_meta"),
        ("certbot pkey not JSON", dict(good, account_key_file_le_pkey=b"{nope"), {}, "account_key_file_le_pkey"),
        ("certbot pkey not a JWK", dict(good, account_key_file_le_pkey=b'{"kty": "oct", "k": "AAAA"}'), {}, "account_key_file_le_pkey"),
        ("certbot reg not JSON", dict(good, account_key_file_le_reg=b"nope"), {}, "account_key_file_le_reg"),
        ("certbot reg without uri", dict(good, account_key_file_le_reg=b'{"body": {}}'), {}, "account_key_file_le_reg"),
        ("certbot meta not JSON", dict(good, account_key_file_le_meta=b"nope"), {}, "account_key_file_le_meta"),
        (
            "certbot account of an unknown server",
            dict(good, account_key_file_le_reg=json.dumps({"uri": "https://acme.example.org/acct/1"}).encode()),
            {},
            "account_key_file_le_reg",
        ),
    ]


def test_account_upload_bad_files_write_nothing(acmeapp, db, pebble_always_valid):
    pebble_id = providers(acmeapp)["pebble"]["id"]
    server = pebble_always_valid.directory_url.rsplit("/", 1)[0]
    before = rows(db)
    for what, files, fields, field in _bad_upload_cases(pebble_id, server):
        res = upload(acmeapp, files, fields, status=400)
        assert res.json["result"] == "error"
        assert field in res.json["form_errors"], (what, res.json)
        if what == "certbot account of an unknown server":
            message = res.json["form_errors"][field]
            assert "acme.example.org" in message and "pebble" in message and "letsencrypt-v2" in message
        res = upload(acmeapp, files, fields, status=400, json_=False)
        assert "Nothing was changed" in res.text
        assert rows(db) == before, what


# --- the ACME server: key change, deactivation


def test_key_change(acmeapp, db):
    account = new_account(acmeapp)
    old_key = account["AcmeAccountKey"]
    base = ADMIN + "/acme-account/%s" % account["id"]
    res = acmeapp.post(base + "/acme-server/key-change.json", {"account_key_technology": "EC_P256"}, status=200)
    assert res.json["result"] == "success"
    new_key = res.json["AcmeAccountKey"]
    assert new_key["key_technology"] == "EC" and new_key["is_active"] is True
    assert res.json["AcmeAccountKey_retired_id"] == old_key["id"]
    assert res.json["AcmeAccount"]["AcmeAccountKey"]["id"] == new_key["id"]
    keys = acmeapp.get(base + "/acme-account-keys.json").json["AcmeAccountKeys"]
    assert keys[old_key["id"]]["is_active"] is False and keys[old_key["id"]]["timestamp_deactivated"]
    assert keys[new_key["id"]]["is_active"] is True
    assert "EC" in acmeapp.get(base + "/acme-account-keys").text
    # the server knows the account by its new key
    assert acmeapp.post(base + "/acme-server/check.json").json["result"] == "success"
    # a bad technology changes nothing
    before = rows(db)
    res = acmeapp.post(base + "/acme-server/key-change.json", {"account_key_technology": "DSA"}, status=400)
    assert "account_key_technology" in res.json["form_errors"]
    assert rows(db) == before
    # no technology: the same kind as the current key; the HTML form asks first (irreversible)
    key_before = acmeapp.get(base + ".json").json["AcmeAccount"]["AcmeAccountKey"]["id"]
    before = rows(db)
    page = acmeapp.post(base + "/acme-server/key-change", status=200)
    assert "Are you sure?" in page.text and "new key" in page.text
    assert rows(db) == before
    assert acmeapp.get(base + ".json").json["AcmeAccount"]["AcmeAccountKey"]["id"] == key_before
    res = page.forms["confirm"].submit(status=303)
    assert "result=success" in res.location
    assert acmeapp.get(base + ".json").json["AcmeAccount"]["AcmeAccountKey"]["id"] != key_before
    assert acmeapp.get(base + ".json").json["AcmeAccount"]["AcmeAccountKey"]["key_technology"] == "EC"


def test_deactivate_needs_the_key_as_confirmation(acmeapp, db):
    account = new_account(acmeapp)
    base = ADMIN + "/acme-account/%s" % account["id"]
    url = base + "/acme-server/deactivate"
    other_key = cert_utils.new_account_key("RSA")
    before = rows(db)
    for fields, files in (
        ({}, []),
        ({"key_pem": ""}, []),
        ({"key_pem": "garbage"}, []),
        ({"key_pem": other_key}, []),
        ({}, [("key_pem", "key.pem", other_key.encode())]),
    ):
        res = acmeapp.post(url + ".json", fields, upload_files=files, status=400)
        assert "key_pem" in res.json["form_errors"], fields
        res = acmeapp.post(url, fields, upload_files=files, status=303)
        assert "result=error" in res.location
    assert rows(db) == before
    assert acmeapp.get(base + ".json").json["AcmeAccount"]["timestamp_deactivated"] is None
    # GET: the docs, or back to the account
    assert "key_pem" in acmeapp.get(url + ".json").json["form_fields"]
    assert "result=error" in acmeapp.get(url, status=303).location
    # the right key, as PKCS#8 (any PEM form of it)
    key_pem = cert_utils.convert_private_key_to_pkcs8_pem(account["AcmeAccountKey"]["key_pem"])
    res = acmeapp.post(url + ".json", upload_files=[("key_pem", "key.pem", key_pem.encode())], status=200)
    assert res.json["result"] == "success"
    deactivated = res.json["AcmeAccount"]
    assert deactivated["is_active"] is False and deactivated["timestamp_deactivated"]
    assert deactivated["is_global_default"] is False
    # final
    res = acmeapp.post(base + "/mark.json", {"action": "active"}, status=400)
    assert "final" in res.json["form_errors"]["action"]
    res = acmeapp.post(url + ".json", {"key_pem": key_pem}, status=400)
    assert "already deactivated" in res.json["error"]


# --- local: mark and edit


def test_mark_and_edit(acmeapp, db):
    first = new_account(acmeapp)
    second = new_account(acmeapp, contact="second@example.com")
    mark = ADMIN + "/acme-account/%s/mark.json"
    res = acmeapp.post(mark % second["id"], {"action": "global_default"}, status=200)
    assert res.json["AcmeAccount"]["is_global_default"] is True
    assert acmeapp.get(ADMIN + "/acme-account/%s.json" % first["id"]).json["AcmeAccount"]["is_global_default"] is False
    before = rows(db)
    for account_id, action, field in (
        (second["id"], "inactive", "action"),  # the global default
        (second["id"], "global_default", "action"),  # already
        (first["id"], "active", "action"),  # already
        (first["id"], "bogus", "action"),
        (first["id"], "", "action"),
    ):
        res = acmeapp.post(mark % account_id, {"action": action}, status=400)
        assert field in res.json["form_errors"], (action, res.json)
    assert rows(db) == before
    res = acmeapp.post(mark % first["id"], {"action": "inactive"}, status=200)
    assert res.json["AcmeAccount"]["is_active"] is False
    res = acmeapp.post(ADMIN + "/acme-account/%s/mark" % first["id"], {"action": "active"}, status=303)
    assert "result=success" in res.location and "action=active" in res.location
    res = acmeapp.post(ADMIN + "/acme-account/%s/mark" % first["id"], {"action": "bogus"}, status=303)
    assert "result=error" in res.location
    # edit
    edit = ADMIN + "/acme-account/%s/edit.json" % first["id"]
    before = rows(db)
    for fields in (
        {"account__private_key_cycle": "hourly", "account__private_key_technology": "EC"},
        {"account__private_key_cycle": "account_daily"},
        {"account__private_key_cycle": "account_key_default", "account__private_key_technology": "EC"},
    ):
        res = acmeapp.post(edit, fields, status=400)
        assert res.json["result"] == "error"
    assert rows(db) == before
    res = acmeapp.post(edit, {"account__private_key_cycle": "account_weekly", "account__private_key_technology": "EC"})
    assert res.json["AcmeAccount"]["private_key_cycle"] == "account_weekly"
    assert res.json["AcmeAccount"]["private_key_technology"] == "EC"
    assert "form_fields" in acmeapp.get(edit).json


def test_unknown_account_is_404(acmeapp):
    for path in ("/acme-account/999.json", "/acme-account/999/acme-orders.json", "/acme-account/999/key.pem"):
        acmeapp.get(ADMIN + path, status=404)
    res = acmeapp.post(ADMIN + "/acme-account/999/mark.json", {"action": "active"}, status=404)
    assert res.json["result"] == "error"
    acmeapp.post(ADMIN + "/acme-account/999/acme-server/check.json", status=404)
