"""/acme-account/upload with certbot's files: any ACME server, EC keys, empty registration bodies.

No ACME server is contacted (an upload never talks to one), so these run without pebble.
"""

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.certbot_trees import jwk_of
from tests.certbot_trees import spki_sha256
from tests.certbot_trees import table_counts

ADMIN = "/.well-known/admin"


def certbot_files(key, uri, body=None) -> list:
    return [
        ("account_key_file_le_pkey", "private_key.json", json.dumps(jwk_of(key)).encode()),
        ("account_key_file_le_reg", "regr.json", json.dumps({"body": body if body is not None else {}, "uri": uri}).encode()),
        ("account_key_file_le_meta", "meta.json", b'{"creation_dt": "2024-01-01T00:00:00Z", "creation_host": "h"}'),
    ]


def upload(testapp, files, fields=None, status=200, json_=True):
    return testapp.post(
        ADMIN + "/acme-account/upload" + (".json" if json_ else ""), fields or {}, upload_files=files, status=status
    )


def test_an_account_of_an_unknown_server_adds_the_server(testapp, db):
    key = ec.generate_private_key(ec.SECP384R1())
    files = certbot_files(key, "https://ca.internal:9443/acme/acct/17")
    res = upload(testapp, files, {"acme_server_directory": "https://ca.internal:9443/acme/directory"})
    assert res.json["result"] == "success"
    assert res.json["is_created"] is True and res.json["is_created__acme_account_provider"] is True
    provider = res.json["AcmeAccountProvider"]
    assert (provider["name"], provider["server"], provider["directory"]) == (
        "ca.internal:9443", "ca.internal:9443", "https://ca.internal:9443/acme/directory",
    )  # fmt: skip
    assert provider["is_enabled"] is False and provider["is_default"] is False
    account = res.json["AcmeAccount"]
    assert account["acme_account_provider_name"] == "ca.internal:9443"
    assert account["contact"] is None  # certbot's empty body: no contact, still imported
    assert account["account_url"] == "https://ca.internal:9443/acme/acct/17"
    assert account["AcmeAccountKey"]["key_technology"] == "EC"
    assert account["AcmeAccountKey"]["spki_sha256"].lower() == spki_sha256(key)
    listed = testapp.get(ADMIN + "/acme-account-providers.json").json["AcmeAccountProviders"]
    assert "ca.internal:9443" in [p["name"] for p in listed.values()]

    # the same files again: nothing new, the server is known now (no directory needed)
    before = table_counts(db)
    res = upload(testapp, files)
    assert res.json["is_created"] is False and res.json["is_created__acme_account_provider"] is False
    assert table_counts(db) == before
    # a second account on that server finds it by the host of its URL
    res = upload(testapp, certbot_files(ec.generate_private_key(ec.SECP256R1()), "https://ca.internal:9443/acme/acct/18"))
    assert res.json["is_created"] is True and res.json["AcmeAccountProvider"]["id"] == provider["id"]
    # HTML
    res = upload(testapp, files, json_=False, status=303)
    assert "is_created=false" in res.location


def test_contacts_from_the_registration_body(testapp, db):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = {"contact": ["tel:+15555550100", "mailto:Ops@Example.COM"], "status": "valid"}
    res = upload(testapp, certbot_files(key, "https://acme-v02.api.letsencrypt.org/acme/acct/99", body))
    account = res.json["AcmeAccount"]
    assert account["contact"] == "Ops@example.com"
    assert account["acme_account_provider_name"] == "letsencrypt-v2"
    assert res.json["is_created__acme_account_provider"] is False


def test_unknown_servers_without_a_usable_directory_are_refused(testapp, db):
    before = table_counts(db)
    key = ec.generate_private_key(ec.SECP256R1())
    files = certbot_files(key, "https://ca.internal:9443/acme/acct/1")
    res = upload(testapp, files, status=400)
    message = res.json["form_errors"]["account_key_file_le_reg"]
    assert "`ca.internal:9443`, which is not a known ACME server" in message and "acme_server_directory" in message
    for directory in ("https://other.internal/acme/directory", "ftp://ca.internal:9443/dir", "not a url"):
        res = upload(testapp, files, {"acme_server_directory": directory}, status=400)
        assert "is not an ACME directory URL on the account's server `ca.internal:9443`" in res.json["form_errors"]["acme_server_directory"]
    res = upload(testapp, certbot_files(key, "urn:not-a-url"), status=400)
    assert "is not a URL" in res.json["form_errors"]["account_key_file_le_reg"]
    # an EC key on a curve peter_sslers does not use
    res = upload(testapp, certbot_files(ec.generate_private_key(ec.SECP521R1()), "https://acme-v02.api.letsencrypt.org/acme/acct/5"), status=400)
    assert "Unsupported JWK curve 'P-521'" in res.json["form_errors"]["account_key_file_le_pkey"]
    assert table_counts(db) == before


def test_the_form_offers_the_directory_field(testapp):
    assert 'name="acme_server_directory"' in testapp.get(ADMIN + "/acme-account/upload").text
    fields = testapp.get(ADMIN + "/acme-account/upload.json").json["form_fields"]
    assert "acme_server_directory" in fields


def test_one_directory_per_host(testapp, db):
    """A known host with another directory: refused, naming both (it was attached to the known one)."""
    dv = upload(testapp, certbot_files(ec.generate_private_key(ec.SECP256R1()), "https://acme.ca.test/acct/1"),
                {"acme_server_directory": "https://acme.ca.test/v2/DV"})  # fmt: skip
    assert dv.json["AcmeAccountProvider"]["directory"] == "https://acme.ca.test/v2/DV"
    before = table_counts(db)
    files = certbot_files(ec.generate_private_key(ec.SECP256R1()), "https://acme.ca.test/acct/2")
    res = upload(testapp, files, {"acme_server_directory": "https://acme.ca.test/v2/OV"}, status=400)
    assert res.json["form_errors"]["acme_server_directory"] == (
        "The account's ACME directory is https://acme.ca.test/v2/OV, but the ACME server `acme.ca.test` known on the "
        "same host `acme.ca.test` has the directory https://acme.ca.test/v2/DV. peter_sslers keeps one directory per "
        "host: this account is not imported."
    )
    assert table_counts(db) == before
    # the known directory, spelt as certbot's path gives it (scheme guessed, trailing slash): the same server
    res = upload(testapp, files, {"acme_server_directory": "http://acme.ca.test/v2/DV/"})
    assert res.json["is_created"] is True and res.json["AcmeAccountProvider"]["id"] == dv.json["AcmeAccountProvider"]["id"]


def test_lets_encrypt_acme_v1_account_urls(testapp, db):
    """v1 account URLs belong to Let's Encrypt's v2 servers; no server of their own is added."""
    before = table_counts(db)
    cases = [
        ("https://acme-v01.api.letsencrypt.org/acme/reg/1", None, "letsencrypt-v2"),
        ("https://acme-v01.api.letsencrypt.org/acme/reg/2", "https://acme-v01.api.letsencrypt.org/directory", "letsencrypt-v2"),
        ("https://acme-v01.api.letsencrypt.org/acme/reg/3", "https://acme-v02.api.letsencrypt.org/directory", "letsencrypt-v2"),
        ("https://acme-staging.api.letsencrypt.org/acme/reg/4", None, "letsencrypt-v2-staging"),
    ]
    for uri, directory, name in cases:
        fields = {"acme_server_directory": directory} if directory else {}
        res = upload(testapp, certbot_files(ec.generate_private_key(ec.SECP256R1()), uri), fields)
        assert (res.json["AcmeAccountProvider"]["name"], res.json["is_created__acme_account_provider"]) == (name, False)
        assert res.json["AcmeAccount"]["account_url"] == uri
    assert table_counts(db)["acme_account_provider"] == before["acme_account_provider"]
    res = upload(testapp, certbot_files(ec.generate_private_key(ec.SECP256R1()), "https://acme-v01.api.letsencrypt.org/acme/reg/5"),
                 {"acme_server_directory": "https://acme-v01.api.letsencrypt.org/other"}, status=400)  # fmt: skip
    assert "is not the ACME directory of the account's server `acme-v01.api.letsencrypt.org`" in (
        res.json["form_errors"]["acme_server_directory"]
    )


def test_an_account_stored_without_its_url_gets_it(testapp, db):
    """Uploaded as a PEM (no account URL), then as certbot's files: found by its key, URL filled in."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    providers = testapp.get(ADMIN + "/acme-account-providers.json").json["AcmeAccountProviders"]
    enabled = [p for p in providers.values() if p["is_enabled"]][0]  # a PEM upload needs an enabled server
    res = testapp.post(
        ADMIN + "/acme-account/upload.json",
        {"acme_account_provider_id": enabled["id"], "account__contact": "ops@example.com"},
        upload_files=[("account_key_file_pem", "key.pem", pem)],
    )
    assert res.json["is_created"] is True and res.json["AcmeAccount"]["account_url"] is None
    uri = "https://%s/my-account/31" % enabled["server"]
    res = upload(testapp, certbot_files(key, uri))
    assert res.json["is_created"] is False
    assert res.json["AcmeAccount"]["account_url"] == uri
