"""CertificateSigned: upload (good and bad), downloads, config.json, parse.json, mark, lists."""

import json
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from peter_sslers.model import objects as m
from tests import data
from tests.conftest import count_rows

ADMIN = "/.well-known/admin"
ROW_MODELS = (
    m.CertificateSigned,
    m.CertificateCA,
    m.CertificateCAChain,
    m.CertificateSignedChain,
    m.PrivateKey,
    m.Domain,
    m.UniqueFQDNSet,
    m.OperationsEvent,
)


def rows(db) -> dict:
    return {model.__name__: count_rows(db, model) for model in ROW_MODELS}


def upload(testapp, stem, status=200, json=True, key_field="private_key_file", **overrides):
    files = data.leaf(stem)
    upload_files = [
        (key_field, "privkey.pem", files["key"].encode()),
        ("certificate_file", "cert.pem", files["cert"].encode()),
        ("chain_file", "chain.pem", files["chain"].encode()),
    ]
    for field, content in overrides.items():
        upload_files = [f for f in upload_files if f[0] != field]
        if content is not None:
            upload_files.append((field, "file", content))
    return testapp.post(
        ADMIN + "/certificate-signed/upload" + (".json" if json else ""), upload_files=upload_files, status=status
    )


@pytest.fixture
def cert_id(testapp):
    return upload(testapp, "leaf_rsa_multi").json["CertificateSigned"]["id"]


# --- upload


@pytest.mark.parametrize("stem", data.LEAVES)
def test_upload_every_kind_of_leaf(testapp, db, stem):
    res = upload(testapp, stem)
    assert res.json["result"] == "success"
    assert res.json["is_created"] is True
    assert res.json["CertificateSigned"]["created"] is True
    assert res.json["CertificateSigned"]["url"].endswith("/certificate-signed/%s" % res.json["CertificateSigned"]["id"])
    facts = data.facts("%s.cert.pem" % stem)
    focus = testapp.get(ADMIN + "/certificate-signed/%s.json" % res.json["CertificateSigned"]["id"]).json
    cert = focus["CertificateSigned"]
    assert cert["domains_as_list"] == sorted(facts["domains"])
    assert cert["spki_sha256"] == facts["spki_sha256"]
    assert cert["key_technology"] == facts["key_technology"]
    assert cert["is_active"] is True
    assert cert["is_single_domain_cert"] is (len(facts["domains"]) == 1)
    assert cert["cert_serial"] == facts["serial"].lower()


def test_upload_is_idempotent(testapp, db):
    first = upload(testapp, "leaf_rsa_single").json
    before = rows(db)
    second = upload(testapp, "leaf_rsa_single").json
    assert second["result"] == "success"
    assert second["is_created"] is False
    assert second["CertificateSigned"] == dict(first["CertificateSigned"], created=False)
    assert second["PrivateKey"] == {"id": first["PrivateKey"]["id"], "created": False}
    assert second["CertificateCAChain"] == {"id": first["CertificateCAChain"]["id"], "created": False}
    after = rows(db)
    assert after == before


def test_upload_key_in_another_pem_form_is_the_same_key(testapp, db):
    from peter_sslers.lib import cert_utils

    first = upload(testapp, "leaf_rsa_single").json
    pkcs8 = cert_utils.convert_private_key_to_pkcs8_pem(data.leaf("leaf_rsa_single")["key"])
    second = upload(testapp, "leaf_rsa_single", private_key_file=pkcs8.encode()).json
    assert second["PrivateKey"]["id"] == first["PrivateKey"]["id"]
    assert count_rows(db, m.PrivateKey) == 2  # the placeholder and this key


def test_upload_with_the_2021_field_name(testapp):
    res = upload(testapp, "leaf_ec256_single", key_field="private_key_file_pem")
    assert res.json["result"] == "success"


def test_upload_html(testapp):
    assert "<form" in testapp.get(ADMIN + "/certificate-signed/upload").text
    res = upload(testapp, "leaf_rsa_single", json=False, status=303)
    assert "result=success" in res.location
    assert "example.com" in res.follow().text


def test_upload_get_json_documents_the_fields(testapp):
    res = testapp.get(ADMIN + "/certificate-signed/upload.json")
    assert set(res.json["form_fields"]) == {"private_key_file", "certificate_file", "chain_file"}
    assert "curl" in res.json["example"]


def test_upload_expired_is_accepted_and_shown_expired(testapp, db):
    res = upload(testapp, "leaf_expired")
    assert res.json["result"] == "success"
    assert res.json["CertificateSigned"]["is_active"] is False
    cert = testapp.get(ADMIN + "/certificate-signed/%s.json" % res.json["CertificateSigned"]["id"]).json
    assert cert["CertificateSigned"]["expiring_days"] < 0
    assert cert["CertificateSigned"]["is_deactivated"] is True
    page = testapp.get(ADMIN + "/certificate-signed/%s" % res.json["CertificateSigned"]["id"])
    assert "expired" in page.text
    # not served for its domain
    config = testapp.get(ADMIN + "/domain/expired.example.com/config.json").json
    assert config["certificate_signed__latest_single"] is None


BAD_UPLOADS = [
    # (what, field overrides, field at fault)
    ("garbage certificate", {"certificate_file": data.read_bytes("junk_garbage.txt")}, "certificate_file"),
    ("binary certificate", {"certificate_file": data.read_bytes("junk_random.bin")}, "certificate_file"),
    ("empty certificate", {"certificate_file": b""}, "certificate_file"),
    ("missing certificate", {"certificate_file": None}, "certificate_file"),
    ("DER certificate", {"certificate_file": data.read_bytes("leaf_rsa_single.cert.der")}, "certificate_file"),
    ("CSR as certificate", {"certificate_file": data.read("csr_rsa.csr.pem").encode()}, "certificate_file"),
    ("key as certificate", {"certificate_file": data.read("leaf_rsa_single.key.pem").encode()}, "certificate_file"),
    ("CA as certificate", {"certificate_file": data.read("intermediate_a.cert.pem").encode()}, "certificate_file"),
    ("fullchain as certificate", {"certificate_file": data.read("leaf_rsa_single.fullchain.pem").encode()}, "certificate_file"),
    ("key of another certificate", {"private_key_file": data.read("leaf_rsa_multi.key.pem").encode()}, "private_key_file"),
    ("garbage key", {"private_key_file": data.read_bytes("junk_garbage.txt")}, "private_key_file"),
    ("encrypted key", {"private_key_file": data.read("junk_encrypted.key.pem").encode()}, "private_key_file"),
    ("certificate as key", {"private_key_file": data.read("leaf_rsa_single.cert.pem").encode()}, "private_key_file"),
    ("missing key", {"private_key_file": None}, "private_key_file"),
    ("chain that did not sign it", {"chain_file": data.read("intermediate_b.cert.pem").encode()}, "chain_file"),
    ("garbage chain", {"chain_file": data.read_bytes("junk_garbage.txt")}, "chain_file"),
    ("empty chain", {"chain_file": b""}, "chain_file"),
    ("key as chain", {"chain_file": data.read("leaf_rsa_single.key.pem").encode()}, "chain_file"),
    (
        "chain out of order",
        {"chain_file": (data.read("root_ca.cert.pem") + data.read("intermediate_a.cert.pem")).encode()},
        "chain_file",
    ),
]


@pytest.mark.parametrize("what,overrides,field", BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_name_the_field_and_store_nothing(testapp, db, what, overrides, field):
    before = rows(db)
    res = upload(testapp, "leaf_rsa_single", status=400, **overrides)
    assert res.json["result"] == "error"
    assert field in res.json["form_errors"], res.json
    assert res.json["form_errors"][field]
    assert rows(db) == before
    res = upload(testapp, "leaf_rsa_single", status=400, json=False, **overrides)
    assert "Nothing was changed" in res.text and field in res.text
    assert rows(db) == before


def test_file_over_the_size_limit(make_app, db):
    import webtest

    app = webtest.TestApp(make_app(upload_max_bytes="2048"), extra_environ={"HTTP_HOST": "peter-sslers.example.com"})
    before = rows(db)
    res = upload(app, "leaf_rsa_single", status=400, chain_file=b"-" * 5000)
    assert "2048" in res.json["form_errors"]["chain_file"]
    assert rows(db) == before


def test_blocklisted_name_is_refused(testapp, db, dbsession):
    dbsession.add(m.DomainBlocklisted(domain_name="b.example.com"))
    dbsession.commit()
    before = rows(db)
    res = upload(testapp, "leaf_rsa_multi", status=400)
    assert "b.example.com" in res.json["form_errors"]["certificate_file"]
    assert res.json["form_errors"]["certificate_file"].startswith("Blocklisted: ")
    assert rows(db) == before


# --- downloads


def _openssl(args, data_in: bytes) -> bytes:
    return subprocess.run(["openssl"] + args, input=data_in, capture_output=True, check=True).stdout


CERT_DOWNLOADS = [
    ("cert.pem", "application/x-pem-file", "pem"),
    ("cert.pem.txt", "text/plain", "pem"),
    ("cert.cer", "application/pkix-cert", "der"),
    ("cert.crt", "application/x-x509-server-cert", "der"),
    ("cert.der", "application/x-x509-server-cert", "der"),
]


@pytest.mark.parametrize("name,content_type,encoding", CERT_DOWNLOADS)
def test_certificate_downloads(testapp, cert_id, name, content_type, encoding):
    res = testapp.get(ADMIN + "/certificate-signed/%s/%s" % (cert_id, name), status=200)
    assert res.content_type == content_type
    expected = x509.load_pem_x509_certificate(data.read("leaf_rsa_multi.cert.pem").encode())
    if encoding == "pem":
        got = x509.load_pem_x509_certificate(res.body)
        openssl_der = _openssl(["x509", "-outform", "DER"], res.body)
    else:
        got = x509.load_der_x509_certificate(res.body)
        openssl_der = _openssl(["x509", "-inform", "DER", "-outform", "DER"], res.body)
    assert got == expected
    assert openssl_der == expected.public_bytes(serialization.Encoding.DER)


CHAIN_DOWNLOADS = [
    ("chain.pem", "application/x-pem-file", "pem"),
    ("chain.pem.txt", "text/plain", "pem"),
    ("chain.cer", "application/pkix-cert", "der"),
    ("chain.crt", "application/x-x509-ca-cert", "der"),
    ("chain.der", "application/x-x509-ca-cert", "der"),
]


@pytest.mark.parametrize("name,content_type,encoding", CHAIN_DOWNLOADS)
def test_chain_downloads(testapp, cert_id, name, content_type, encoding):
    res = testapp.get(ADMIN + "/certificate-signed/%s/%s" % (cert_id, name), status=200)
    assert res.content_type == content_type
    intermediate = x509.load_pem_x509_certificate(data.read("intermediate_a.cert.pem").encode())
    if encoding == "pem":
        assert x509.load_pem_x509_certificates(res.body) == [intermediate]
    else:
        assert x509.load_der_x509_certificate(res.body) == intermediate
        assert _openssl(["x509", "-inform", "DER", "-outform", "DER"], res.body) == res.body


@pytest.mark.parametrize("name,content_type", [("fullchain.pem", "application/x-pem-file"), ("fullchain.pem.txt", "text/plain")])
def test_fullchain_downloads(testapp, cert_id, name, content_type):
    res = testapp.get(ADMIN + "/certificate-signed/%s/%s" % (cert_id, name), status=200)
    assert res.content_type == content_type
    certs = x509.load_pem_x509_certificates(res.body)
    assert certs == [
        x509.load_pem_x509_certificate(data.read("leaf_rsa_multi.cert.pem").encode()),
        x509.load_pem_x509_certificate(data.read("intermediate_a.cert.pem").encode()),
    ]
    assert res.text == data.read("leaf_rsa_multi.cert.pem") + data.read("intermediate_a.cert.pem")


@pytest.mark.parametrize(
    "name,content_type",
    [("privkey.pem", "application/x-pem-file"), ("privkey.pem.txt", "text/plain"), ("privkey.key", "application/pkcs8")],
)
def test_private_key_downloads(testapp, cert_id, name, content_type):
    res = testapp.get(ADMIN + "/certificate-signed/%s/%s" % (cert_id, name), status=200)
    assert res.content_type == content_type
    original = serialization.load_pem_private_key(data.read("leaf_rsa_multi.key.pem").encode(), None)
    if name.endswith(".key"):
        # real PKCS#8 DER: a PrivateKeyInfo (version, algorithm, key octets), not PKCS#1
        got = serialization.load_der_private_key(res.body, None)
        structure = _openssl(["asn1parse", "-inform", "DER"], res.body).decode().splitlines()
        assert "INTEGER           :00" in structure[1]
        assert "OBJECT            :rsaEncryption" in structure[3]
        assert "OCTET STRING" in structure[5]
        assert res.body == original.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    else:
        got = serialization.load_pem_private_key(res.body, None)
    assert got.private_numbers() == original.private_numbers()


def test_unknown_format_and_certificate(testapp, cert_id):
    testapp.get(ADMIN + "/certificate-signed/%s/cert.p12" % cert_id, status=404)
    testapp.get(ADMIN + "/certificate-signed/999/cert.pem", status=404)
    testapp.get(ADMIN + "/certificate-signed/999.json", status=404)


# --- config.json and parse.json


def test_certificate_config_json(testapp, cert_id):
    res = testapp.get(ADMIN + "/certificate-signed/%s/config.json" % cert_id, status=200)
    payload = res.json
    assert set(payload) == {"id", "timestamp_not_after", "private_key", "certificate", "chain", "fullchain"}
    assert payload["timestamp_not_after"] == testapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json[
        "CertificateSigned"
    ]["timestamp_not_after"]
    assert payload["id"] == cert_id
    assert payload["certificate"] == {"id": cert_id, "pem": data.read("leaf_rsa_multi.cert.pem")}
    assert payload["chain"]["pem"] == data.read("intermediate_a.cert.pem")
    assert payload["private_key"]["pem"] == data.read("leaf_rsa_multi.key.pem")
    assert payload["fullchain"] == {
        "id": "%s,%s" % (cert_id, payload["chain"]["id"]),
        "pem": data.read("leaf_rsa_multi.cert.pem") + data.read("intermediate_a.cert.pem"),
    }
    for part in payload.values():
        if isinstance(part, dict):
            assert isinstance(part["id"], str)
    idonly = testapp.get(ADMIN + "/certificate-signed/%s/config.json?idonly=1" % cert_id).json
    assert idonly["certificate"] == {"id": cert_id}
    assert all("pem" not in part for part in idonly.values() if isinstance(part, dict))
    assert testapp.get(ADMIN + "/certificate-signed/%s/config.json?id_only=1" % cert_id).json == idonly


def test_the_specifications_config_path_answers_the_same(testapp, cert_id):
    """`/certificate/{id}/config.json` (the specification's path) is the same view as
    `/certificate-signed/{id}/config.json`: the same body, headers and query flags."""
    for query in ("", "?idonly=1", "?id_only=1"):
        ours = testapp.get(ADMIN + "/certificate-signed/%s/config.json%s" % (cert_id, query), status=200)
        spec = testapp.get(ADMIN + "/certificate/%s/config.json%s" % (cert_id, query), status=200)
        assert spec.json == ours.json
        assert spec.content_type == ours.content_type == "application/json"
        assert spec.headers["X-Peter-SSLers"] == "production"
    for path in ("/certificate/999/config.json", "/certificate/99999999999/config.json"):
        res = testapp.get(ADMIN + path, status=404)
        assert res.json["result"] == "error"
    testapp.get(ADMIN + "/certificate/x/config.json", status=404)
    testapp.get(ADMIN + "/certificate/%s/config" % cert_id, status=404)  # JSON only, as the original
    # documented on /api beside the other path
    endpoints = {e["endpoint"]: e for e in testapp.get(ADMIN + "/api.json", status=200).json["endpoints"]}
    spec_docs = endpoints[ADMIN + "/certificate/{id:\\d+}/config.json"]
    assert "/certificate-signed/{id}/config.json" in spec_docs["about"]
    assert ADMIN + "/certificate-signed/{id:\\d+}/config.json" in endpoints


def test_parse_json(testapp, cert_id):
    parsed = testapp.get(ADMIN + "/certificate-signed/%s/parse.json" % cert_id).json["CertificateSigned"]["parsed"]
    facts = data.facts("leaf_rsa_multi.cert.pem")
    assert parsed["domains"] == facts["domains"]
    assert parsed["spki_sha256"] == facts["spki_sha256"]
    assert parsed["not_after"] == facts["not_after"]


# --- mark


def mark(testapp, cert_id, action, status=200):
    return testapp.post(ADMIN + "/certificate-signed/%s/mark.json" % cert_id, {"action": action}, status=status)


def test_mark_deactivate_is_reversible(testapp, cert_id):
    res = mark(testapp, cert_id, "inactive")
    assert res.json["CertificateSigned"]["is_active"] is False
    assert res.json["CertificateSigned"]["is_deactivated"] is True
    res = mark(testapp, cert_id, "active")
    assert res.json["CertificateSigned"]["is_active"] is True
    assert res.json["CertificateSigned"]["is_deactivated"] is False


def test_mark_revoked_is_final(testapp, cert_id):
    res = mark(testapp, cert_id, "revoked")
    cert = res.json["CertificateSigned"]
    assert (cert["is_active"], cert["is_revoked"], cert["is_deactivated"]) == (False, True, False)
    for action in ("active", "inactive", "revoked"):
        res = mark(testapp, cert_id, action, status=400)
        assert "final" in res.json["form_errors"]["action"]


@pytest.mark.parametrize("action", ["", "delete", "unrevoke"])
def test_mark_bad_actions(testapp, cert_id, db, action):
    before = count_rows(db, m.OperationsEvent)
    res = mark(testapp, cert_id, action, status=400)
    assert "action" in res.json["form_errors"]
    assert count_rows(db, m.OperationsEvent) == before
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": action}, status=303)
    assert "result=error" in res.location


def test_mark_html(testapp, cert_id):
    res = testapp.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    assert "result=success" in res.location
    assert "Activate" in res.follow().text


def test_mark_updates_only_its_domains(testapp, cert_id):
    other = upload(testapp, "leaf_ec256_single").json["CertificateSigned"]["id"]
    assert testapp.get(ADMIN + "/domain/a.example.com.json").json["Domain"]["certificate_signed__latest_multi"]["id"] == cert_id
    mark(testapp, cert_id, "inactive")
    assert testapp.get(ADMIN + "/domain/a.example.com.json").json["Domain"]["certificate_signed__latest_multi"] is None
    single = data.facts("leaf_ec256_single.cert.pem")["domains"][0]
    assert testapp.get(ADMIN + "/domain/%s.json" % single).json["Domain"]["certificate_signed__latest_single"]["id"] == other


# --- lists


@pytest.mark.parametrize("which", ["all", "active", "expiring", "inactive"])
def test_lists(testapp, cert_id, which):
    upload(testapp, "leaf_expired")
    res = testapp.get(ADMIN + "/certificate-signeds/%s.json" % which, status=200)
    ids = set(res.json["CertificateSigneds"])
    expected = {"all": 2, "active": 1, "expiring": 0, "inactive": 1}[which]
    assert len(ids) == expected
    testapp.get(ADMIN + "/certificate-signeds/%s" % which, status=200)
    testapp.get(ADMIN + "/certificate-signeds/%s/1.json" % which, status=200)


def test_expiring_list_follows_the_setting(make_app, db):
    import webtest

    app = webtest.TestApp(make_app(expiring_days="5000"), extra_environ={"HTTP_HOST": "peter-sslers.example.com"})
    upload(app, "leaf_rsa_single")
    assert len(app.get(ADMIN + "/certificate-signeds/expiring.json").json["CertificateSigneds"]) == 1


def test_index_redirects_to_active(testapp):
    assert testapp.get(ADMIN + "/certificate-signeds", status=303).location.endswith("/certificate-signeds/active")
    assert testapp.get(ADMIN + "/certificate-signeds.json", status=303).location.endswith("/certificate-signeds/active.json")
    testapp.get(ADMIN + "/certificate-signeds/bogus", status=404)


def test_focus_html(testapp, cert_id):
    page = testapp.get(ADMIN + "/certificate-signed/%s" % cert_id, status=200)
    for name in ("cert.pem", "chain.der", "fullchain.pem", "privkey.key", "config.json"):
        assert name in page.text


# --- cost


def test_query_counts_do_not_grow_with_the_fleet(testapp, count_queries):
    """Upload, mark and config.json cost the same with one certificate or with several."""

    def measure(stem):
        with count_queries() as counter:
            cert_id = upload(testapp, stem).json["CertificateSigned"]["id"]
        upload_queries = counter.count
        with count_queries() as counter:
            mark(testapp, cert_id, "inactive")
        mark_queries = counter.count
        mark(testapp, cert_id, "active")
        name = data.facts("%s.cert.pem" % stem)["domains"][0]
        with count_queries() as counter:
            testapp.get(ADMIN + "/domain/%s/config.json" % name)
        return upload_queries, mark_queries, counter.statements

    upload_1, mark_1, config_1 = measure("leaf_rsa_single")
    for stem in ("leaf_ec256_single", "leaf_ec384_multi", "leaf_by_b"):
        upload(testapp, stem)
    upload_2, mark_2, config_2 = measure("leaf_rsa_multi")
    # the multi-domain certificate has three names: its upload creates three Domains
    assert upload_2 <= upload_1 + 3 * 3, (upload_1, upload_2)
    assert mark_2 == mark_1, (mark_1, mark_2)
    assert len(config_1) == len(config_2) == 1, config_2


def test_the_specifications_curl_commands_verbatim(app, db, tmp_path):
    """The two upload commands of the specification, run by curl against a real HTTP server."""
    import shutil

    from webtest.http import StopableWSGIServer

    if shutil.which("curl") is None:
        pytest.fail("curl is needed for this test (apt-get install curl)")
    for n, stem in ((1, "leaf_rsa_multi"), (2, "leaf_ec256_single")):
        files = data.leaf(stem)
        (tmp_path / ("privkey%d.pem" % n)).write_text(files["key"])
        (tmp_path / ("cert%d.pem" % n)).write_text(files["cert"])
        (tmp_path / ("chain%d.pem" % n)).write_text(files["chain"])
    server = StopableWSGIServer.create(app, host="127.0.0.1")
    try:
        url = server.application_url.rstrip("/") + "/.well-known/admin/certificate-signed/upload.json"
        for n in (1, 2):
            command = [
                "curl", "--silent", "--show-error",
                "--form", "private_key_file=@privkey%d.pem" % n,
                "--form", "certificate_file=@cert%d.pem" % n,
                "--form", "chain_file=@chain%d.pem" % n,
                url,
            ]  # fmt: skip
            result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
            answer = json.loads(result.stdout)
            assert answer["result"] == "success", answer
            assert answer["CertificateSigned"]["created"] is True
    finally:
        server.shutdown()
    assert count_rows(db, m.CertificateSigned) == 2
