"""PrivateKey, CertificateCA, CertificateCAChain, CertificateRequest, UniqueFQDNSet and search."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import getcreate
from peter_sslers.model import objects as m
from tests import data
from tests.conftest import count_rows
from tests.web.test_certificate_signed import rows
from tests.web.test_certificate_signed import upload

ADMIN = "/.well-known/admin"


# --- PrivateKey


@pytest.mark.parametrize("name", ["leaf_rsa_single.key.pem", "csr_ec.key.pem", "account_ec.key.pem"])
def test_private_key_upload(testapp, db, name):
    res = testapp.post(ADMIN + "/private-key/upload.json", upload_files=[("private_key_file", "k.pem", data.read(name).encode())])
    assert res.json["result"] == "success" and res.json["is_created"] is True
    key = res.json["PrivateKey"]
    assert key["spki_sha256"] == data.facts(name)["spki_sha256"]
    assert key["private_key_source"] == "imported"
    again = testapp.post(ADMIN + "/private-key/upload.json", upload_files=[("private_key_file", "k.pem", data.read(name).encode())])
    assert again.json["is_created"] is False
    assert count_rows(db, m.PrivateKey) == 2


@pytest.mark.parametrize(
    "name", ["junk_garbage.txt", "junk_random.bin", "junk_encrypted.key.pem", "junk_public.key.pem", "leaf_rsa_single.cert.pem", "junk_secp256k1.key.pem", "junk_empty.txt"]
)
def test_private_key_upload_bad(testapp, db, name):
    before = rows(db)
    res = testapp.post(
        ADMIN + "/private-key/upload.json", upload_files=[("private_key_file", "k.pem", data.read_bytes(name))], status=400
    )
    assert "private_key_file" in res.json["form_errors"]
    assert rows(db) == before


@pytest.mark.parametrize("option,technology", [("RSA_2048", "RSA"), ("EC_P256", "EC"), ("EC_P384", "EC")])
def test_private_key_new(testapp, option, technology):
    res = testapp.post(ADMIN + "/private-key/new.json", {"key_technology": option}, status=200)
    key = res.json["PrivateKey"]
    assert key["key_technology"] == technology
    assert key["private_key_source"] == "generated"
    parsed = testapp.get(ADMIN + "/private-key/%s/parse.json" % key["id"]).json["PrivateKey"]["parsed"]
    assert parsed["bits"] == {"RSA_2048": 2048, "EC_P256": 256, "EC_P384": 384}[option]


def test_private_key_new_bad(testapp, db):
    before = rows(db)
    res = testapp.post(ADMIN + "/private-key/new.json", {"key_technology": "DSA_1024"}, status=400)
    assert "key_technology" in res.json["form_errors"]
    assert rows(db) == before
    assert testapp.get(ADMIN + "/private-key/new.json").json["valid_options"]["key_technology"]


@pytest.mark.parametrize("fmt,content_type", [("pem", "application/x-pem-file"), ("pem.txt", "text/plain"), ("key", "application/pkcs8")])
def test_private_key_downloads(testapp, fmt, content_type):
    res = testapp.post(ADMIN + "/private-key/upload.json", upload_files=[("private_key_file", "k.pem", data.read("csr_ec.key.pem").encode())])
    key_id = res.json["PrivateKey"]["id"]
    res = testapp.get(ADMIN + "/private-key/%s/key.%s" % (key_id, fmt), status=200)
    assert res.content_type == content_type
    original = serialization.load_pem_private_key(data.read("csr_ec.key.pem").encode(), None)
    if fmt == "key":
        assert res.body[:1] == b"\x30"
        got = serialization.load_der_private_key(res.body, None)
    else:
        got = serialization.load_pem_private_key(res.body, None)
    assert got.private_numbers() == original.private_numbers()


def test_private_key_compromised_revokes_its_certificates(testapp, db, dbsession):
    cert = upload(testapp, "leaf_rsa_multi").json
    key_id = cert["PrivateKey"]["id"]
    assert testapp.get(ADMIN + "/domain/a.example.com/config.json").json["certificate_signed__latest_multi"] is not None
    res = testapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "compromised"}, status=200)
    assert res.json["PrivateKey"]["is_compromised"] is True
    assert res.json["PrivateKey"]["is_active"] is False
    assert res.json["CertificateSigned_revoked_ids"] == [cert["CertificateSigned"]["id"]]
    focus = testapp.get(ADMIN + "/certificate-signed/%s.json" % cert["CertificateSigned"]["id"]).json["CertificateSigned"]
    assert (focus["is_active"], focus["is_revoked"], focus["is_compromised_private_key"]) == (False, True, True)
    assert testapp.get(ADMIN + "/domain/a.example.com/config.json").json["certificate_signed__latest_multi"] is None
    # final
    for action in ("active", "inactive", "compromised"):
        res = testapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": action}, status=400)
        assert "final" in res.json["form_errors"]["action"]
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark.json" % cert["CertificateSigned"]["id"], {"action": "active"}, status=400)


def test_private_key_mark_active_inactive(testapp):
    key_id = testapp.post(ADMIN + "/private-key/new.json", {"key_technology": "EC_P256"}).json["PrivateKey"]["id"]
    assert testapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "inactive"}).json["PrivateKey"]["is_active"] is False
    testapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "inactive"}, status=400)
    assert testapp.post(ADMIN + "/private-key/%s/mark.json" % key_id, {"action": "active"}).json["PrivateKey"]["is_active"] is True
    res = testapp.post(ADMIN + "/private-key/%s/mark" % key_id, {"action": "bogus"}, status=303)
    assert "result=error" in res.location


def test_placeholder_key(testapp):
    page = testapp.get(ADMIN + "/private-key/0", status=200)
    assert "placeholder" in page.text
    testapp.get(ADMIN + "/private-key/0/key.pem", status=400)
    res = testapp.post(ADMIN + "/private-key/0/mark.json", {"action": "inactive"}, status=400)
    assert "placeholder" in res.json["form_errors"]["action"]


def test_private_key_pages(testapp):
    cert = upload(testapp, "leaf_rsa_single").json
    key_id = cert["PrivateKey"]["id"]
    for path in ("/private-keys", "/private-keys.json", "/private-key/%s" % key_id, "/private-key/%s.json" % key_id,
                 "/private-key/%s/certificate-signeds" % key_id, "/private-key/%s/certificate-signeds.json" % key_id,
                 "/private-key/%s/certificate-requests.json" % key_id, "/private-key/new", "/private-key/upload"):
        testapp.get(ADMIN + path, status=200)
    listed = testapp.get(ADMIN + "/private-key/%s/certificate-signeds.json" % key_id).json["CertificateSigneds"]
    assert list(listed) == [cert["CertificateSigned"]["id"]]


# --- CertificateCA and chains


def test_certificate_ca_upload_and_downloads(testapp, db):
    res = testapp.post(ADMIN + "/certificate-ca/upload-cert.json", upload_files=[("cert_file", "ca.pem", data.read("root_ca.cert.pem").encode())])
    assert res.json["result"] == "success" and res.json["is_created"] is True
    ca_id = res.json["CertificateCA"]["id"]
    again = testapp.post(ADMIN + "/certificate-ca/upload-cert.json", upload_files=[("cert_file", "ca.pem", data.read("root_ca.cert.pem").encode())])
    assert again.json["is_created"] is False and again.json["CertificateCA"]["id"] == ca_id
    expected = x509.load_pem_x509_certificate(data.read("root_ca.cert.pem").encode())
    for fmt, content_type in (("pem", "application/x-pem-file"), ("pem.txt", "text/plain"), ("cer", "application/pkix-cert"), ("crt", "application/x-x509-ca-cert"), ("der", "application/x-x509-ca-cert")):
        res = testapp.get(ADMIN + "/certificate-ca/%s/cert.%s" % (ca_id, fmt), status=200)
        assert res.content_type == content_type
        got = x509.load_pem_x509_certificate(res.body) if fmt.startswith("pem") else x509.load_der_x509_certificate(res.body)
        assert got == expected
    parsed = testapp.get(ADMIN + "/certificate-ca/%s/parse.json" % ca_id).json["CertificateCA"]["parsed"]
    assert parsed["is_ca"] is True


@pytest.mark.parametrize(
    "content",
    [data.read("leaf_rsa_single.cert.pem"), data.read("csr_rsa.csr.pem"), "garbage", data.read("leaf_rsa_single.fullchain.pem")],
    ids=["leaf", "csr", "garbage", "two certificates"],
)
def test_certificate_ca_upload_bad(testapp, db, content):
    before = rows(db)
    res = testapp.post(ADMIN + "/certificate-ca/upload-cert.json", upload_files=[("cert_file", "x.pem", content.encode())], status=400)
    assert "cert_file" in res.json["form_errors"]
    assert rows(db) == before


def test_certificate_ca_chain_upload(testapp, db):
    chain = data.read("intermediate_a.cert.pem") + data.read("root_ca.cert.pem")
    res = testapp.post(ADMIN + "/certificate-ca-chain/upload-chain.json", upload_files=[("chain_file", "c.pem", chain.encode())])
    assert res.json["is_created"] is True
    chain_id = res.json["CertificateCAChain"]["id"]
    focus = testapp.get(ADMIN + "/certificate-ca-chain/%s.json" % chain_id).json["CertificateCAChain"]
    assert focus["chain_length"] == 2
    assert testapp.get(ADMIN + "/certificate-ca-chain/%s/chain.pem" % chain_id).text == chain
    assert testapp.get(ADMIN + "/certificate-ca-chain/%s/chain.pem.txt" % chain_id).content_type == "text/plain"
    assert count_rows(db, m.CertificateCA) == 4  # the two ISRG roots and these two
    again = testapp.post(ADMIN + "/certificate-ca-chain/upload-chain.json", upload_files=[("chain_file", "c.pem", chain.encode())])
    assert again.json["is_created"] is False


@pytest.mark.parametrize(
    "content",
    [
        data.read("root_ca.cert.pem") + data.read("intermediate_a.cert.pem"),
        data.read("intermediate_a.cert.pem") + data.read("intermediate_b.cert.pem"),
        data.read("leaf_rsa_single.key.pem"),
        "",
    ],
    ids=["reversed", "not a chain", "a key", "empty"],
)
def test_certificate_ca_chain_upload_bad(testapp, db, content):
    before = rows(db)
    res = testapp.post(ADMIN + "/certificate-ca-chain/upload-chain.json", upload_files=[("chain_file", "c.pem", content.encode())], status=400)
    assert "chain_file" in res.json["form_errors"]
    assert rows(db) == before


def test_ca_and_chain_pages(testapp):
    cert = upload(testapp, "leaf_rsa_single").json
    chain_id = cert["CertificateCAChain"]["id"]
    chain = testapp.get(ADMIN + "/certificate-ca-chain/%s.json" % chain_id).json["CertificateCAChain"]
    ca_id = chain["certificate_ca_0_id"]
    for path in (
        "/certificate-cas", "/certificate-cas.json", "/certificate-ca/%s" % ca_id, "/certificate-ca/%s.json" % ca_id,
        "/certificate-ca/%s/certificate-ca-chains-0.json" % ca_id, "/certificate-ca/%s/certificate-ca-chains-n" % ca_id,
        "/certificate-ca/%s/certificate-signeds" % ca_id, "/certificate-ca-chains", "/certificate-ca-chains.json",
        "/certificate-ca-chain/%s" % chain_id, "/certificate-ca-chain/%s/certificate-signeds.json" % chain_id,
        "/certificate-ca/upload-cert", "/certificate-ca-chain/upload-chain",
    ):
        testapp.get(ADMIN + path, status=200)
    issued = testapp.get(ADMIN + "/certificate-ca/%s/certificate-signeds.json" % ca_id).json["CertificateSigneds"]
    assert list(issued) == [cert["CertificateSigned"]["id"]]
    testapp.get(ADMIN + "/certificate-ca/999.json", status=404)


# --- CertificateRequest


def test_certificate_request_pages_and_downloads(testapp, dbsession, app_settings):
    ctx = ApiContext(dbsession, app_settings)
    dbCSR, _ = getcreate.getcreate__CertificateRequest__by_pem_text(ctx, data.read("csr_rsa.csr.pem"), "imported")
    dbsession.commit()
    res = testapp.get(ADMIN + "/certificate-request/%s.json" % dbCSR.id, status=200)
    assert res.json["CertificateRequest"]["spki_sha256"] == data.facts("csr_rsa.csr.pem")["spki_sha256"]
    for fmt, content_type in (("pem", "application/x-pem-file"), ("pem.txt", "text/plain"), ("csr", "application/x-pem-file")):
        res = testapp.get(ADMIN + "/certificate-request/%s/csr.%s" % (dbCSR.id, fmt), status=200)
        assert res.content_type == content_type
        assert x509.load_pem_x509_csr(res.body).public_key().public_numbers() == x509.load_pem_x509_csr(data.read("csr_rsa.csr.pem").encode()).public_key().public_numbers()
    for path in ("/certificate-requests", "/certificate-requests.json", "/certificate-request/%s" % dbCSR.id):
        testapp.get(ADMIN + path, status=200)
    domain = data.facts("csr_rsa.csr.pem")["domains"][0]
    listed = testapp.get(ADMIN + "/domain/%s/certificate-requests.json" % domain).json["CertificateRequests"]
    assert list(listed) == [str(dbCSR.id)]


# --- UniqueFQDNSet


def test_unique_fqdn_set_new_and_modify(testapp, db):
    res = testapp.post(ADMIN + "/unique-fqdn-set/new.json", {"domain_names": "b.example.com, A.example.com"}, status=200)
    assert res.json["is_created"] is True
    set_id = res.json["UniqueFQDNSet"]["id"]
    assert res.json["UniqueFQDNSet"]["domains_as_list"] == ["a.example.com", "b.example.com"]
    again = testapp.post(ADMIN + "/unique-fqdn-set/new.json", {"domain_names": "a.example.com,b.example.com"}).json
    assert again["is_created"] is False and again["UniqueFQDNSet"]["id"] == set_id
    res = testapp.post(ADMIN + "/unique-fqdn-set/%s/modify.json" % set_id, {"domain_names_add": "c.example.com", "domain_names_del": "a.example.com"})
    assert res.json["is_created"] is True
    assert res.json["UniqueFQDNSet"]["domains_as_list"] == ["b.example.com", "c.example.com"]
    for path in ("/unique-fqdn-sets", "/unique-fqdn-sets.json", "/unique-fqdn-set/%s" % set_id, "/unique-fqdn-set/%s/modify" % set_id,
                 "/unique-fqdn-set/%s/certificate-signeds.json" % set_id, "/unique-fqdn-set/%s/certificate-requests" % set_id):
        testapp.get(ADMIN + path, status=200)


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"domain_names": ""}, "domain_names"),
        ({"domain_names": "not a name"}, "domain_names"),
        ({"domain_names": "always-fail.example.com"}, "domain_names"),
        ({"domain_names": ",".join("d%d.example.com" % i for i in range(101))}, "domain_names"),
    ],
)
def test_unique_fqdn_set_new_bad(testapp, db, fields, field):
    before = rows(db)
    res = testapp.post(ADMIN + "/unique-fqdn-set/new.json", fields, status=400)
    assert field in res.json["form_errors"]
    assert rows(db) == before


@pytest.mark.parametrize(
    "fields,field",
    [
        ({}, "domain_names_add"),
        ({"domain_names_add": "x.example.com", "domain_names_del": "x.example.com"}, "domain_names_add"),
        ({"domain_names_del": "nothere.example.com"}, "domain_names_del"),
        ({"domain_names_del": "a.example.com"}, "domain_names_del"),
        ({"domain_names_add": "bad name"}, "domain_names_add"),
    ],
)
def test_unique_fqdn_set_modify_bad(testapp, db, fields, field):
    set_id = testapp.post(ADMIN + "/unique-fqdn-set/new.json", {"domain_names": "a.example.com"}).json["UniqueFQDNSet"]["id"]
    before = rows(db)
    res = testapp.post(ADMIN + "/unique-fqdn-set/%s/modify.json" % set_id, fields, status=400)
    assert field in res.json["form_errors"], res.json
    assert rows(db) == before


# --- search


def test_search(testapp):
    cert = upload(testapp, "leaf_rsa_multi").json
    spki = data.facts("leaf_rsa_multi.cert.pem")["spki_sha256"]
    res = testapp.get(ADMIN + "/search.json", {"spki": spki.lower()}, status=200)
    assert list(res.json["results"]["CertificateSigned"]) == [cert["CertificateSigned"]["id"]]
    assert list(res.json["results"]["PrivateKey"]) == [cert["PrivateKey"]["id"]]
    res = testapp.get(ADMIN + "/search.json", {"cert_subject": "A.EXAMPLE"}, status=200)
    assert list(res.json["results"]["CertificateSigned"]) == [cert["CertificateSigned"]["id"]]
    res = testapp.get(ADMIN + "/search.json", {"cert_issuer": "Test Root"}, status=200)
    assert len(res.json["results"]["CertificateCA"]) == 1  # the intermediate, issued by the test root
    res = testapp.get(ADMIN + "/search.json", {"cert_issuer": "100%_"}, status=200)
    assert res.json["results"]["CertificateSigned"] == {}
    page = testapp.get(ADMIN + "/search", {"spki": spki}, status=200)
    assert "CertificateSigned %s" % cert["CertificateSigned"]["id"] in page.text
    assert testapp.get(ADMIN + "/search.json").json["results"] == {}
