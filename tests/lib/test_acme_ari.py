"""ACME Renewal Information (RFC 9773) in lib.acme_v2: the certificate id, the renewal window, and
``replaces`` on newOrder, against pebble behind tests/ari_proxy.py (pebble 2.4 has no ARI).

The pebble tests are gated by SSL_RUN_LETSENCRYPT_API_TESTS (see tests/pebble.py).
"""

import base64
import datetime
import glob
import os
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors
from tests.ari_proxy import ari_proxy  # noqa: F401  (fixtures)
from tests.ari_proxy import no_ari_proxy  # noqa: F401
from tests.lib.test_acme_v2_pebble import authorize
from tests.lib.test_acme_v2_pebble import issue
from tests.lib.test_acme_v2_pebble import new_client

TEST_DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test_data")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tlv(der: bytes, offset: int):
    """(tag, content start, content end) of the DER element at ``offset``: a reading of X.690
    independent of the code under test."""
    tag = der[offset]
    length = der[offset + 1]
    start = offset + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    return tag, start, start + length


def _serial_content_octets(cert_pem: str) -> bytes:
    der = cert_utils.convert_pem_to_der(cert_pem)
    _, cert_start, _ = _tlv(der, 0)  # Certificate SEQUENCE
    _, tbs_start, _ = _tlv(der, cert_start)  # TBSCertificate SEQUENCE
    tag, start, end = _tlv(der, tbs_start)
    if tag == 0xA0:  # [0] version
        tag, start, end = _tlv(der, end)
    assert tag == 0x02  # INTEGER serialNumber
    return der[start:end]


def _certificate(serial: int, key_identifier: bytes = None) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ari.example.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if key_identifier is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier(key_identifier, None, None), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# --- the certificate id (RFC 9773 section 4.1)


def test_cert_id_of_the_rfc_example():
    # RFC 9773 section 4.1: AKI keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4,
    # serial 0x87654321 (DER 00 87 65 43 21: a leading zero, the high bit being set)
    aki = bytes.fromhex("69885B6B87464041E1B37B847BA0AE2CDE01C8D4")
    pem = _certificate(0x87654321, aki)
    assert acme_v2.ari_cert_id(pem) == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"


def test_cert_id_of_the_test_certificates_matches_an_independent_reading():
    paths = sorted(glob.glob(os.path.join(TEST_DATA, "**", "cert*.pem"), recursive=True))
    assert paths
    for path in paths:
        with open(path) as f:
            pem = f.read()
        if "BEGIN CERTIFICATE" not in pem:
            continue
        cert = x509.load_pem_x509_certificate(cert_utils.split_pem_chain(pem)[0].encode())
        try:
            aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        except x509.ExtensionNotFound:
            aki = None
        if not aki:
            with pytest.raises(errors.InvalidPEM):
                acme_v2.ari_cert_id(pem)
            continue
        expected = "%s.%s" % (_b64url(aki), _b64url(_serial_content_octets(pem)))
        assert acme_v2.ari_cert_id(pem) == expected, path


def test_cert_id_needs_an_aki_and_a_certificate():
    with pytest.raises(errors.InvalidPEM):
        acme_v2.ari_cert_id(_certificate(12345))
    with pytest.raises(errors.InvalidPEM):
        acme_v2.ari_cert_id("not a certificate")
    with pytest.raises(errors.InvalidPEM):
        acme_v2.ari_cert_id(None)


# --- the renewal window


def test_renewal_info_parsing_and_choice():
    info = acme_v2.RenewalInfo.from_json(
        "a.b",
        {"suggestedWindow": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-03T00:00:00Z"}, "explanationURL": "x"},
        60.0,
    )
    assert info.start == datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    assert info.end == datetime.datetime(2026, 1, 3, tzinfo=datetime.timezone.utc)
    assert info.explanation_url == "x" and info.retry_after == 60.0
    rng = random.Random(1)
    for _ in range(100):
        assert info.start <= info.choose_time(rng) <= info.end
    for bad in (
        {},
        {"suggestedWindow": "soon"},
        {"suggestedWindow": {"start": "2026-01-01T00:00:00Z"}},
        {"suggestedWindow": {"start": "yesterday", "end": "2026-01-03T00:00:00Z"}},
        {"suggestedWindow": {"start": "2026-01-03T00:00:00Z", "end": "2026-01-01T00:00:00Z"}},
    ):
        with pytest.raises(ValueError):
            acme_v2.RenewalInfo.from_json("a.b", bad, None)


# --- against pebble behind the ARI proxy


def test_directory_and_renewal_info_through_the_proxy(ari_proxy):  # noqa: F811
    client = new_client(ari_proxy)
    directory = client.transport.directory()
    assert directory.renewal_info == ari_proxy.base_url + "/renewal-info"
    _, chains, _ = issue(client, ["ari-window.example.test"])
    cert_id = acme_v2.ari_cert_id(chains[0])
    info = client.get_renewal_info(cert_id)
    assert (info.start, info.end) == ari_proxy.window
    assert info.explanation_url == ari_proxy.explanation_url
    assert info.retry_after == ari_proxy.retry_after
    assert ari_proxy.renewal_info_requests == [cert_id]

    # bad answers raise the existing error classes
    ari_proxy.renewal_info_status = 500
    with pytest.raises(errors.AcmeServerError) as caught:
        client.get_renewal_info(cert_id)
    assert caught.value.status == 500
    ari_proxy.renewal_info_status = 200
    ari_proxy.window = (ari_proxy.window[1], ari_proxy.window[0])
    with pytest.raises(errors.AcmeCommunicationError):
        client.get_renewal_info(cert_id)


def test_renewal_order_sends_replaces_and_completes(ari_proxy):  # noqa: F811
    client = new_client(ari_proxy)
    names = ["ari-replaces.example.test"]
    _, chains, _ = issue(client, names)
    cert_id = acme_v2.ari_cert_id(chains[0])
    order = client.new_order(names, replaces=cert_id)
    authorize(client, order)
    order = client.poll_order(order.url, timeout=30, until_not=("pending",))
    key_pem = cert_utils.new_private_key("EC", curve="P-256")
    order = client.finalize_order(order, cert_utils.make_csr(names, key_pem))
    order = client.poll_order(order.url, timeout=30)
    assert order.status == "valid"
    renewed = client.download_certificate(order.certificate_url)[0]
    assert acme_v2.ari_cert_id(renewed) != cert_id
    # the first order had no `replaces`, the renewal had it
    assert [o.get("replaces") for o in ari_proxy.new_orders] == [None, cert_id]
    # pebble's own URLs stayed on the proxy
    assert order.url.startswith(ari_proxy.base_url)


def test_without_renewal_info_nothing_is_offered(no_ari_proxy):  # noqa: F811
    client = new_client(no_ari_proxy)
    assert client.transport.directory().renewal_info is None
    with pytest.raises(errors.AcmeError):
        client.get_renewal_info("a.b")
    client.new_order(["ari-none.example.test"])
    assert "replaces" not in no_ari_proxy.new_orders[0]
