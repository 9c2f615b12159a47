"""The browser tests' own harness (tests/chromium.py), without a browser: the download checks
catch what a broken link would serve, the crawl's route keys normalise what they should and
nothing more, and a switched-on run without Chromium fails saying what is missing."""

import io
import zipfile

import pytest
from cryptography import x509

from tests import chromium
from tests import data

ADMIN = "/.well-known/admin"


def _der(name: str) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return x509.load_pem_x509_certificate(data.read_bytes(name)).public_bytes(serialization.Encoding.DER)


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "path, content_type, body, expected",
    [
        ("/x/cert.pem", "application/x-pem-file", data.read_bytes("leaf_rsa_single.cert.pem"), "PEM CERTIFICATE"),
        ("/x/fullchain.pem.txt", "text/plain; charset=utf-8", data.read_bytes("leaf_by_b.fullchain.pem"),
         "PEM CERTIFICATE, CERTIFICATE"),
        ("/x/key.pem", "application/x-pem-file", data.read_bytes("leaf_by_b.key.pem"), "PEM RSA PRIVATE KEY"),
        ("/x/csr.csr", "application/pkcs10", data.read_bytes("csr_rsa.csr.pem"), "PEM CERTIFICATE REQUEST"),
        ("/x/cert.der", "application/pkix-cert", data.read_bytes("leaf_rsa_single.cert.der"), "DER certificates"),
        ("/x/chain.crt", "application/x-x509-ca-cert",
         _der("intermediate_a.cert.pem") + _der("root_ca.cert.pem"), "DER certificates"),
        ("/x/y.json", "application/json", b'{"result": "success"}', "JSON"),
        ("/x/config.zip", "application/zip", _zip({"cert.pem": data.read("leaf_rsa_single.cert.pem"), "a.json": "{}"}),
         "ZIP of cert.pem, a.json"),
        ("/api/metrics", "text/plain; version=0.0.4", b"# HELP x\nx 1\n", "text"),
    ],
)
def test_good_downloads_parse(path, content_type, body, expected):
    assert chromium.check_download(path, content_type, body) == expected


def test_a_pkcs8_der_key_parses():
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(data.read_bytes("leaf_rsa_single.key.pem"), None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert chromium.check_download("/x/key.key", "application/pkcs8", der) == "PKCS#8 DER key"


def _cut(pem: bytes) -> bytes:
    lines = pem.splitlines()
    return b"\n".join(lines[:5] + lines[-1:]) + b"\n"


@pytest.mark.parametrize(
    "path, content_type, body",
    [
        ("/x/cert.pem", "application/x-pem-file", b""),
        ("/x/cert.pem", "application/x-pem-file", b"<html>an error page</html>"),
        # a PEM block with lines of its base64 missing: it decodes, to a DER that stops short
        ("/x/cert.pem", "application/x-pem-file", _cut(data.read_bytes("leaf_rsa_single.cert.pem"))),
        ("/x/cert.pem", "application/x-pem-file", b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
        ("/x/cert.der", "application/pkix-cert", data.read_bytes("leaf_rsa_single.cert.der")[:-10]),
        ("/x/cert.der", "application/pkix-cert", data.read_bytes("leaf_rsa_single.cert.pem")),
        ("/x/key.key", "application/pkcs8", b"\x30\x03\x02\x01\x00"),
        ("/x/y.json", "application/json", b"{not json"),
        ("/x/config.zip", "application/zip", b"PK\x03\x04 truncated"),
        ("/x/config.zip", "application/zip", _zip({"cert.pem": "garbage"})),
        ("/x/file.bin", "application/octet-stream", b"\x00\x01"),
    ],
)
def test_broken_downloads_are_caught(path, content_type, body):
    with pytest.raises(Exception):
        chromium.check_download(path, content_type, body)


def test_route_keys_normalise_ids_names_and_pages_only(app):
    key = chromium.route_key_function(app, ADMIN)
    base = "http://127.0.0.1:1" + ADMIN
    assert key(base + "/certificate-signed/1") == key(base + "/certificate-signed/22")
    assert key(base + "/certificate-signed/1") != key(base + "/certificate-signed/1.json")
    # each download format is other code
    assert key(base + "/certificate-signed/1/cert.pem") != key(base + "/certificate-signed/1/cert.der")
    assert key(base + "/certificate-signed/3/cert.pem") == key(base + "/certificate-signed/4/cert.pem")
    assert key(base + "/domain/a.example.com") == key(base + "/domain/7")
    assert key(base + "/domains/2") == key(base + "/domains/3") != key(base + "/domains")
    assert key(base + "/certificate-signeds/expiring") != key(base + "/certificate-signeds/active")
    # the query's fields count, not their values
    assert key(base + "/search?spki=ab") == key(base + "/search?spki=cd") != key(base + "/search?cert_subject=x")
    assert key(base + "/search") != key(base + "/search?spki=ab")
    assert key("http://127.0.0.1:1/.well-known/acme-challenge/x") is None
    assert key(base + "/no-such-page") is None


def test_off_skips_saying_so(monkeypatch):
    monkeypatch.setenv(chromium.SWITCH, "0")
    with pytest.raises(pytest.skip.Exception) as caught:
        chromium.require_switch()
    assert chromium.SWITCH in str(caught.value)


def test_on_without_chromium_fails_naming_what_is_missing(monkeypatch, tmp_path):
    missing = str(tmp_path / "no-chromium-here")
    monkeypatch.setenv(chromium.CHROMIUM_VARIABLE, missing)
    with pytest.raises(pytest.fail.Exception) as caught:
        chromium.launch_or_fail()
    message = str(caught.value)
    assert message.startswith("%s is on but the browser tests cannot run" % chromium.SWITCH)
    # without the package it names the package; with it, the missing binary and the Debian package
    assert ("playwright" in message) or (missing in message and "chromium" in message), message


def test_a_chromium_that_does_not_start_fails_with_its_words(monkeypatch, tmp_path):
    pytest.importorskip("playwright")
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'error while loading shared libraries: libnss3.so' >&2\nexit 127\n")
    fake.chmod(0o755)
    monkeypatch.setenv(chromium.CHROMIUM_VARIABLE, str(fake))
    with pytest.raises(pytest.fail.Exception) as caught:
        chromium.launch_or_fail()
    assert "did not start" in str(caught.value) and str(fake) in str(caught.value)

