"""lib.cert_utils: every public function, good and bad input, on both backends.

The autouse ``backend`` fixture runs each test once per backend (``[cryptography]`` and
``[openssl]`` in the test ids). ``TestBackendsAgree`` and ``TestWithoutCryptography`` override it:
they compare the backends, or import the module without ``cryptography``, and run once.

Expected facts come from ``tests/test_data/manifest.json``, written by
``tests/test_data/generate.py`` from its own knowledge, not through cert_utils.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import textwrap

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization

from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors
from tests.conftest import ROOT

DATA = os.path.join(ROOT, "tests", "test_data")
CA_CERTS = os.path.join(ROOT, "peter_sslers", "lib", "ca_certs")
with open(os.path.join(DATA, "manifest.json")) as _f:
    MANIFEST = json.load(_f)["files"]


def data(name: str) -> str:
    """A test-data file as text, line endings untouched."""
    with open(os.path.join(DATA, name), newline="") as f:
        return f.read()


def data_bytes(name: str) -> bytes:
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def files_of(kind: str) -> list:
    return sorted(name for name, facts in MANIFEST.items() if facts["kind"] == kind)


CERTS = files_of("CERTIFICATE")
KEYS = files_of("PRIVATE KEY")
CSRS = files_of("CERTIFICATE REQUEST")
CERTS_WITH_KEYS = [(name, MANIFEST[name]["key"]) for name in CERTS]
LEAVES = [name[: -len(".cert.pem")] for name in CERTS if name.startswith("leaf_")]
ISRG_ROOTS = [os.path.join(CA_CERTS, name) for name in sorted(os.listdir(CA_CERTS)) if name.endswith(".pem")]

# Input that is not a PEM object at all, with what the error must say.
NOT_PEM = [
    ("junk_random.bin", "Binary data"),
    ("junk_empty.txt", "Empty input"),
    ("junk_garbage.txt", "No PEM block found"),
    ("leaf_rsa_single.cert.der", "Binary data"),
]


@pytest.fixture(autouse=True, params=["cryptography", "openssl"])
def backend(request):
    """Run the test on one backend."""
    with cert_utils.use_backend(request.param):
        yield request.param


def read_input(name: str):
    """Binary test files as bytes (as an upload would give them), the rest as text."""
    return data_bytes(name) if name.endswith((".bin", ".der", ".p7b")) else data(name)


# --- backend selection


def test_backend_is_the_forced_one(backend):
    assert cert_utils.backend() == backend


def test_use_backend_refuses_unknown_names():
    with pytest.raises(ValueError, match="Unknown cert_utils backend"):
        with cert_utils.use_backend("gnutls"):
            pass


def test_use_backend_restores_the_previous_one(backend):
    other = "openssl" if backend == "cryptography" else "cryptography"
    with cert_utils.use_backend(other):
        assert cert_utils.backend() == other
    assert cert_utils.backend() == backend


def test_configure_with_a_missing_binary(backend, monkeypatch, tmp_path):
    """Only the openssl backend needs the binary; without it, it raises OpenSslError."""
    monkeypatch.setattr(cert_utils, "_openssl_backend", cert_utils._openssl_backend)  # restored afterwards
    cert_utils.configure(openssl_path=str(tmp_path / "no-openssl"))
    if backend == "openssl":
        with pytest.raises(errors.OpenSslError, match="Cannot run"):
            cert_utils.parse_cert(data("leaf_rsa_single.cert.pem"))
    else:
        assert cert_utils.parse_cert(data("leaf_rsa_single.cert.pem"))["domains"] == ["example.com"]


def test_configure_with_a_failing_binary(backend, monkeypatch):
    """A binary that fails on a call without input is the binary's fault: OpenSslError."""
    monkeypatch.setattr(cert_utils, "_openssl_backend", cert_utils._openssl_backend)
    cert_utils.configure(openssl_path="false")
    if backend == "openssl":
        with pytest.raises(errors.OpenSslError, match="failed"):
            cert_utils.new_account_key("EC")
    else:
        assert cert_utils.parse_key(cert_utils.new_account_key("EC"))["curve"] == "P-256"


def test_configure_sets_openssl_conf(backend, monkeypatch, tmp_path):
    """OPENSSL_CONF is set to openssl_path_conf when that file exists, and left alone when it does not."""
    monkeypatch.setattr(cert_utils, "_openssl_backend", cert_utils._openssl_backend)
    monkeypatch.delenv("OPENSSL_CONF", raising=False)
    seen = tmp_path / "seen"
    wrapper = tmp_path / "openssl"
    wrapper.write_text('#!/bin/sh\necho "${OPENSSL_CONF:-unset}" >> %s\nexec openssl "$@"\n' % seen)
    wrapper.chmod(0o755)
    conf = tmp_path / "openssl.cnf"
    conf.write_text("# empty\n")
    for conf_path in (conf, tmp_path / "missing.cnf"):
        cert_utils.configure(openssl_path=str(wrapper), openssl_path_conf=str(conf_path))
        assert cert_utils.validate_key(data("leaf_ec256_single.key.pem")) == "EC"
    if backend == "openssl":
        assert seen.read_text().split() == [str(conf), "unset"]
    else:
        assert not seen.exists()


# --- PEM text


def test_cleanup_pem_text():
    assert cert_utils.cleanup_pem_text(data("junk_crlf.csr.pem")) == data("csr_rsa.csr.pem")
    assert cert_utils.cleanup_pem_text(data("junk_crlf.key.pem")) == data("csr_rsa.key.pem")
    assert cert_utils.cleanup_pem_text("\r\n  a  \r\rb\n\n") == "a\nb\n"


def test_split_pem_chain():
    fullchain = data("leaf_rsa_multi.fullchain.pem")
    assert cert_utils.split_pem_chain(fullchain) == [data("leaf_rsa_multi.cert.pem"), data("intermediate_a.cert.pem")]
    noisy = "subject=CN=x\r\n" + fullchain.replace("\n", "  \r\n") + "trailing words\n"
    assert cert_utils.split_pem_chain(noisy) == cert_utils.split_pem_chain(fullchain)
    assert cert_utils.split_pem_chain(data("leaf_rsa_single.key.pem")) == []


EC_PARAMETERS = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("leaf_rsa_single.cert.pem", "CERTIFICATE"),
        ("leaf_rsa_single.fullchain.pem", "CERTIFICATE"),
        ("csr_rsa.csr.pem", "CERTIFICATE REQUEST"),
        ("junk_crlf.csr.pem", "CERTIFICATE REQUEST"),
        ("leaf_rsa_single.key.pem", "PRIVATE KEY"),  # PKCS#1
        ("leaf_ec256_single.key.pem", "PRIVATE KEY"),  # SEC1
        ("leaf_rsa_multi.key.pem", "PRIVATE KEY"),  # PKCS#8
        ("chain_a.p7b.pem", "PKCS7"),
    ],
)
def test_detect_pem_type(name, expected):
    assert cert_utils.detect_pem_type(data(name)) == expected


def test_detect_pem_type_skips_ec_parameters():
    """`openssl ecparam -genkey` writes the curve before the key."""
    assert cert_utils.detect_pem_type(EC_PARAMETERS + data("leaf_ec256_single.key.pem")) == "PRIVATE KEY"


@pytest.mark.parametrize(
    "name, message",
    NOT_PEM
    + [
        ("junk_public.key.pem", "Unsupported PEM block: PUBLIC KEY"),
        ("junk_encrypted.key.pem", "encrypted private key"),
        ("junk_encrypted_pkcs1.key.pem", "encrypted private key"),
    ],
)
def test_detect_pem_type_refuses(name, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.detect_pem_type(read_input(name))


@pytest.mark.parametrize(
    "text, message",
    [
        (data_bytes("leaf_rsa_single.cert.der").decode("latin-1"), "Binary data"),
        ("   \n\n", "Empty input"),
        ("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "damaged base64"),
        ("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n", "DER"),
        (None, "Expected PEM text"),
    ],
    ids=["der-as-text", "blank", "bad-base64", "not-der", "none"],
)
def test_detect_pem_type_refuses_broken_text(text, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.detect_pem_type(text)


@pytest.mark.parametrize(
    "name, kind",
    [
        ("leaf_rsa_single.cert.pem", "CERTIFICATE"),
        ("csr_ec.csr.pem", "CERTIFICATE REQUEST"),
        ("leaf_rsa_single.key.pem", "PRIVATE KEY"),
        ("leaf_ec256_single.key.pem", "PRIVATE KEY"),
        ("leaf_rsa_multi.key.pem", "PRIVATE KEY"),
    ],
)
def test_pem_der_round_trip(name, kind):
    """PEM -> DER -> PEM gives the text back, a private key keeping its own label."""
    der = cert_utils.convert_pem_to_der(data(name))
    assert cert_utils.convert_der_to_pem(der, kind) == data(name)


def test_convert_pem_to_der_matches_the_der_file():
    assert cert_utils.convert_pem_to_der(data("leaf_rsa_single.cert.pem")) == data_bytes("leaf_rsa_single.cert.der")


@pytest.mark.parametrize("name", ["leaf_rsa_single.fullchain.pem", "junk_public.key.pem"] + [n for n, _m in NOT_PEM])
def test_convert_pem_to_der_refuses(name):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.convert_pem_to_der(read_input(name))


@pytest.mark.parametrize(
    "der, kind",
    [
        (b"", "CERTIFICATE"),
        (data_bytes("junk_random.bin"), "CERTIFICATE"),
        (data_bytes("leaf_rsa_single.cert.der")[:-10], "CERTIFICATE"),  # truncated
        (data_bytes("leaf_rsa_single.cert.der") + b"\x00", "CERTIFICATE"),  # trailing bytes
        (data_bytes("leaf_rsa_single.cert.der"), "PRIVATE KEY"),  # a certificate is no key
        ("MIIB", "CERTIFICATE"),  # text, not DER
    ],
)
def test_convert_der_to_pem_refuses(der, kind):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.convert_der_to_pem(der, kind)


def test_convert_der_to_pem_refuses_unknown_kinds():
    with pytest.raises(ValueError):
        cert_utils.convert_der_to_pem(data_bytes("leaf_rsa_single.cert.der"), "PUBLIC KEY")


@pytest.mark.parametrize("name", ["chain_a.p7b", "chain_a.p7b.pem"])
def test_convert_pkcs7_to_pems(name):
    expected = [data(cert) for cert in MANIFEST[name]["certificates"]]
    assert cert_utils.convert_pkcs7_to_pems(data_bytes(name)) == expected
    assert cert_utils.order_chain(cert_utils.convert_pkcs7_to_pems(data_bytes(name))) == [
        data("intermediate_a.cert.pem"),
        data("root_ca.cert.pem"),
    ]


@pytest.mark.parametrize(
    "raw", [data_bytes("junk_random.bin"), data_bytes("leaf_rsa_single.cert.der"), b"", data_bytes("csr_rsa.csr.pem")]
)
def test_convert_pkcs7_to_pems_refuses(raw):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.convert_pkcs7_to_pems(raw)


# --- keys


@pytest.mark.parametrize("name", KEYS)
def test_parse_key(name):
    facts = MANIFEST[name]
    expected = {key: facts[key] for key in ("key_technology", "bits", "curve", "spki_sha256", "modulus_md5")}
    assert cert_utils.parse_key(data(name)) == expected
    assert cert_utils.validate_key(data(name)) == facts["key_technology"]


def test_parse_key_cleans_crlf():
    assert cert_utils.parse_key(data("junk_crlf.key.pem")) == cert_utils.parse_key(data("csr_rsa.key.pem"))


def test_parse_key_after_ec_parameters():
    assert cert_utils.parse_key(EC_PARAMETERS + data("leaf_ec256_single.key.pem"))["curve"] == "P-256"


@pytest.mark.parametrize(
    "name, message",
    NOT_PEM
    + [
        ("leaf_rsa_single.cert.pem", "Expected one PRIVATE KEY, found: CERTIFICATE"),
        ("csr_rsa.csr.pem", "Expected one PRIVATE KEY, found: CERTIFICATE REQUEST"),
        ("junk_public.key.pem", "found: PUBLIC KEY"),
        ("junk_encrypted.key.pem", "encrypted private key"),
        ("junk_encrypted_pkcs1.key.pem", "encrypted private key"),
        ("junk_secp256k1.key.pem", "Unsupported elliptic curve secp256k1"),
        ("junk_secp521r1.key.pem", "Unsupported elliptic curve P-521"),
        ("junk_ed25519.key.pem", "Unsupported key type Ed25519"),
        ("junk_dsa.key.pem", "Unsupported key type DSA"),
    ],
)
def test_parse_key_refuses(name, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.parse_key(read_input(name))
    with pytest.raises(errors.InvalidPEM):
        cert_utils.validate_key(read_input(name))


def test_parse_key_refuses_two_keys():
    with pytest.raises(errors.InvalidPEM, match="Expected one PRIVATE KEY"):
        cert_utils.parse_key(data("leaf_rsa_single.key.pem") + data("leaf_rsa_multi.key.pem"))


def test_parse_key_refuses_an_inconsistent_key():
    """A well-formed PKCS#1 key whose modulus is not p*q."""
    der = cert_utils.convert_pem_to_der(data("leaf_rsa_single.key.pem"))
    broken = der[:20] + bytes([der[20] ^ 0x01]) + der[21:]  # a bit of the modulus
    with pytest.raises(errors.InvalidPEM):
        cert_utils.parse_key(cert_utils.convert_der_to_pem(broken, "PRIVATE KEY"))


@pytest.mark.parametrize("name", KEYS)
def test_convert_private_key_to_pkcs8(name):
    """Real PKCS#8 (not PKCS#1 under a PKCS#8 label): cryptography loads it back to the same key."""
    der = cert_utils.convert_private_key_to_pkcs8_der(data(name))
    key = serialization.load_der_private_key(der, password=None)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert cert_utils._sha256_hex(spki) == MANIFEST[name]["spki_sha256"]
    pem = cert_utils.convert_private_key_to_pkcs8_pem(data(name))
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert cert_utils.convert_pem_to_der(pem) == der
    assert cert_utils.parse_key(pem)["spki_sha256"] == MANIFEST[name]["spki_sha256"]


@pytest.mark.parametrize("name", ["junk_dsa.key.pem", "junk_encrypted.key.pem", "leaf_rsa_single.cert.pem"])
def test_convert_private_key_to_pkcs8_refuses(name):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.convert_private_key_to_pkcs8_der(data(name))


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), ("RSA", 4096, None)),
        (("RSA", 2048), ("RSA", 2048, None)),
        (("ec",), ("EC", 384, "P-384")),
        (("EC", None, "P-256"), ("EC", 256, "P-256")),
    ],
)
def test_new_private_key(args, expected):
    pem = cert_utils.new_private_key(*args)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n") and pem == cert_utils.cleanup_pem_text(pem)
    parsed = cert_utils.parse_key(pem)
    assert (parsed["key_technology"], parsed["bits"], parsed["curve"]) == expected


@pytest.mark.parametrize(
    "args, expected",
    [
        ((), ("RSA", 2048, None)),
        (("RSA", 3072), ("RSA", 3072, None)),
        (("EC",), ("EC", 256, "P-256")),
        (("EC", 2048, "P-384"), ("EC", 384, "P-384")),
    ],
)
def test_new_account_key(args, expected):
    pem = cert_utils.new_account_key(*args)
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    parsed = cert_utils.parse_key(pem)
    assert (parsed["key_technology"], parsed["bits"], parsed["curve"]) == expected


@pytest.mark.parametrize(
    "args",
    [("RSA", 1024), ("RSA", 4097), ("EC", None, "P-521"), ("EC", None, "secp256k1"), ("EC", None, "P256"), ("DSA",)],
)
def test_new_keys_refuse_other_choices(args):
    with pytest.raises(errors.InvalidRequest):
        cert_utils.new_private_key(*args)
    with pytest.raises(errors.InvalidRequest):
        cert_utils.new_account_key(*args)


# --- JWK (certbot account keys)


@pytest.mark.parametrize("name", ["account_rsa.json", "account_ec.json"])
def test_convert_jwk_to_pem(name):
    pem = cert_utils.convert_jwk_to_pem(json.loads(data(name)))
    assert pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert cert_utils.parse_key(pem)["spki_sha256"] == MANIFEST[name]["spki_sha256"]
    assert cert_utils.parse_key(pem) == cert_utils.parse_key(data(MANIFEST[name]["pem"]))


def test_convert_jwk_to_pem_computes_crt_values():
    jwk = json.loads(data("account_rsa.json"))
    for name in ("dp", "dq", "qi"):
        del jwk[name]
    assert (
        cert_utils.parse_key(cert_utils.convert_jwk_to_pem(jwk))["spki_sha256"]
        == MANIFEST["account_rsa.json"]["spki_sha256"]
    )


def _jwk(name: str, **changes) -> dict:
    jwk = json.loads(data(name))
    jwk.update(changes)
    return {key: value for key, value in jwk.items() if value is not None}


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "jwk, message",
    [
        ("not a dict", "JSON object"),
        ({"kty": "oct", "k": "AAAA"}, "Unsupported JWK key type"),
        (_jwk("account_rsa.json", n=None), "'n' is missing"),
        (_jwk("account_rsa.json", e="not base64!"), "'e' is missing or not base64url"),
        (_jwk("account_rsa.json", p=_b64url(7)), "not the factors of n"),
        (_jwk("account_rsa.json", d=_b64url(12345), dp=None, dq=None), "key"),
        (_jwk("account_rsa.json", dp=_b64url(3)), "key"),
        (_jwk("account_ec.json", crv="P-521"), "Unsupported JWK curve"),
        (_jwk("account_ec.json", crv="secp256k1"), "Unsupported JWK curve"),
        (_jwk("account_ec.json", d=_b64url(5)), "key"),  # not the private value of x, y
        (_jwk("account_ec.json", y=_b64url(5)), "key"),  # not on the curve
        (_jwk("account_ec.json", x=None), "'x' is missing"),
        (_jwk("account_ec.json", d=_b64url(1 << 300)), "key|large"),
    ],
)
def test_convert_jwk_to_pem_refuses(jwk, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.convert_jwk_to_pem(jwk)


# --- CSRs


@pytest.mark.parametrize("name", CSRS)
def test_parse_csr(name):
    facts = MANIFEST[name]
    expected = {key: facts[key] for key in ("key_technology", "spki_sha256", "domains", "subject")}
    assert cert_utils.parse_csr(data(name)) == expected
    assert cert_utils.validate_csr(data(name)) is None
    assert cert_utils.csr_matches_key(data(name), data(facts["key"])) is True
    assert cert_utils.csr_matches_key(data(name), data("leaf_rsa_single.key.pem")) is False


def test_parse_csr_cleans_crlf():
    assert cert_utils.parse_csr(data("junk_crlf.csr.pem")) == cert_utils.parse_csr(data("csr_rsa.csr.pem"))


def _tampered_csr() -> str:
    """csr_rsa with one bit of its signature flipped."""
    der = bytearray(cert_utils.convert_pem_to_der(data("csr_rsa.csr.pem")))
    der[-5] ^= 0x01
    return cert_utils.convert_der_to_pem(bytes(der), "CERTIFICATE REQUEST")


@pytest.mark.parametrize(
    "text, message",
    [(read_input(name), message) for name, message in NOT_PEM]
    + [
        (data("leaf_rsa_single.cert.pem"), "Expected one CERTIFICATE REQUEST, found: CERTIFICATE"),
        (data("csr_rsa.key.pem"), "found: RSA PRIVATE KEY"),
        (_tampered_csr(), "signature is not valid"),
    ],
)
def test_parse_csr_refuses(text, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.parse_csr(text)
    with pytest.raises(errors.InvalidPEM):
        cert_utils.validate_csr(text)


@pytest.mark.parametrize("key_name", ["csr_rsa.key.pem", "leaf_ec384_multi.key.pem"])
def test_make_csr(key_name):
    key_pem = data(key_name)
    csr_pem = cert_utils.make_csr(["B.example.com", " a.example.com", "a.example.com", "*.c.example.com"], key_pem)
    parsed = cert_utils.parse_csr(csr_pem)
    assert parsed["domains"] == ["*.c.example.com", "a.example.com", "b.example.com"]
    assert parsed["subject"] == ""
    assert parsed["spki_sha256"] == MANIFEST[key_name]["spki_sha256"]
    assert cert_utils.csr_matches_key(csr_pem, key_pem)
    # An ACME-style CSR: empty subject, everything in a non-critical SAN, SHA-256.
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    assert list(csr.subject) == []
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert not san.critical and san.value.get_values_for_type(x509.DNSName) == parsed["domains"]
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.is_signature_valid


def test_make_csr_takes_100_names():
    names = ["n%d.example.com" % i for i in range(100)]
    assert cert_utils.parse_csr(cert_utils.make_csr(names, data("leaf_ec256_single.key.pem")))["domains"] == sorted(
        names
    )


@pytest.mark.parametrize(
    "names",
    [
        [],
        ["n%d.example.com" % i for i in range(101)],
        [""],
        ["a.example.com,DNS:evil.example.com"],
        ["a b.example.com"],
        ["a.example.com\n[req]"],
        "example.com",  # a string, not a list
    ],
)
def test_make_csr_refuses_names(names):
    with pytest.raises(errors.InvalidRequest):
        cert_utils.make_csr(names, data("leaf_ec256_single.key.pem"))


@pytest.mark.parametrize("name", ["junk_secp256k1.key.pem", "junk_encrypted.key.pem", "leaf_rsa_single.cert.pem"])
def test_make_csr_refuses_keys(name):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.make_csr(["example.com"], data(name))


# --- certificates

_CERT_FIELDS = (
    "subject",
    "issuer",
    "serial",
    "fingerprint_sha1",
    "spki_sha256",
    "key_technology",
    "key_bits",
    "domains",
    "issuer_uri",
    "authority_key_identifier",
    "subject_key_identifier",
    "is_ca",
    "is_self_signed",
)


@pytest.mark.parametrize("name", CERTS)
def test_parse_cert(name):
    facts = MANIFEST[name]
    parsed = cert_utils.parse_cert(data(name))
    assert {field: parsed[field] for field in _CERT_FIELDS} == {field: facts[field] for field in _CERT_FIELDS}
    for field in ("not_before", "not_after"):
        assert parsed[field].tzinfo is not None and parsed[field].utcoffset() == datetime.timedelta(0)
        assert parsed[field] == datetime.datetime.fromisoformat(facts[field])
    assert cert_utils.validate_cert(data(name)) is None


def test_parse_cert_expired_leaf():
    parsed = cert_utils.parse_cert(data("leaf_expired.cert.pem"))
    assert parsed["not_after"] == datetime.datetime(2020, 3, 31, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("path", ISRG_ROOTS, ids=os.path.basename)
def test_parse_cert_real_roots(path):
    with open(path) as f:
        parsed = cert_utils.parse_cert(f.read())
    name = "X1" if "x1" in path else "X2"
    assert parsed["subject"] == parsed["issuer"] == "CN=ISRG Root %s\nO=Internet Security Research Group\nC=US" % name
    assert parsed["is_ca"] and parsed["is_self_signed"]
    assert (parsed["key_technology"], parsed["key_bits"]) == (("RSA", 4096) if name == "X1" else ("EC", 384))


@pytest.mark.parametrize(
    "text, message",
    [(read_input(name), message) for name, message in NOT_PEM]
    + [
        (data("csr_rsa.csr.pem"), "Expected one CERTIFICATE, found: CERTIFICATE REQUEST"),
        (data("leaf_rsa_single.key.pem"), "found: RSA PRIVATE KEY"),
        (data("leaf_rsa_single.fullchain.pem"), "found: CERTIFICATE, CERTIFICATE"),
    ],
)
def test_parse_cert_refuses(text, message):
    with pytest.raises(errors.InvalidPEM, match=message):
        cert_utils.parse_cert(text)
    with pytest.raises(errors.InvalidPEM):
        cert_utils.validate_cert(text)


def test_parse_cert_refuses_a_damaged_certificate():
    """Valid PEM and DER framing around a body that is no certificate."""
    der = data_bytes("leaf_rsa_single.cert.der")
    damaged = der[:4] + b"\x05" + der[5:]  # the TBSCertificate's tag
    with pytest.raises(errors.InvalidPEM):
        cert_utils.parse_cert(cert_utils.convert_der_to_pem(damaged, "CERTIFICATE"))


@pytest.mark.parametrize("cert_name, key_name", CERTS_WITH_KEYS)
def test_cert_matches_key(cert_name, key_name):
    assert cert_utils.cert_matches_key(data(cert_name), data(key_name)) is True
    assert cert_utils.assert_cert_matches_key(data(cert_name), data(key_name)) is None


@pytest.mark.parametrize(
    "cert_name, key_name",
    [
        ("leaf_rsa_single.cert.pem", "leaf_rsa_multi.key.pem"),
        ("leaf_ec256_single.cert.pem", "csr_ec.key.pem"),
        ("impostor_intermediate_a.cert.pem", "intermediate_a.key.pem"),
    ],
)
def test_cert_does_not_match_key(cert_name, key_name):
    assert cert_utils.cert_matches_key(data(cert_name), data(key_name)) is False
    with pytest.raises(errors.KeyMismatch):
        cert_utils.assert_cert_matches_key(data(cert_name), data(key_name))


def test_cert_matches_key_refuses_bad_input():
    with pytest.raises(errors.InvalidPEM):
        cert_utils.cert_matches_key(data("leaf_rsa_single.cert.pem"), data("leaf_rsa_single.cert.pem"))
    with pytest.raises(errors.InvalidPEM):
        cert_utils.csr_matches_key(data("leaf_rsa_single.key.pem"), data("leaf_rsa_single.key.pem"))


# --- chains


@pytest.mark.parametrize("leaf", LEAVES)
def test_cert_and_chain_from_fullchain(leaf):
    fullchain = data("%s.fullchain.pem" % leaf).replace("\n", " \r\n")
    assert cert_utils.cert_and_chain_from_fullchain(fullchain) == (
        data("%s.cert.pem" % leaf),
        data("%s.chain.pem" % leaf),
    )


@pytest.mark.parametrize("name", ["leaf_rsa_single.cert.pem", "leaf_rsa_single.key.pem", "junk_random.bin"])
def test_cert_and_chain_from_fullchain_refuses(name):
    with pytest.raises(errors.InvalidPEM):
        cert_utils.cert_and_chain_from_fullchain(read_input(name))


def test_ensure_chain_order():
    cert_utils.ensure_chain_order([data("intermediate_a.cert.pem"), data("root_ca.cert.pem")])
    cert_utils.ensure_chain_order([data("intermediate_b.cert.pem"), data("root_ca.cert.pem")])
    cert_utils.ensure_chain_order(
        [data("leaf_by_b.cert.pem"), data("intermediate_b.cert.pem"), data("root_ca.cert.pem")]
    )
    cert_utils.ensure_chain_order([data("root_ca.cert.pem")])


@pytest.mark.parametrize(
    "names, message",
    [
        (["root_ca.cert.pem", "intermediate_a.cert.pem"], "certificate 1 was not signed by certificate 2"),
        (["leaf_rsa_single.cert.pem", "intermediate_b.cert.pem"], "certificate 1 was not signed by certificate 2"),
        # Same issuer name, another key: only a signature check catches it.
        (["leaf_rsa_single.cert.pem", "impostor_intermediate_a.cert.pem"], "certificate 1 was not signed"),
        (
            ["leaf_by_b.cert.pem", "intermediate_b.cert.pem", "intermediate_a.cert.pem"],
            "certificate 2 was not signed by certificate 3",
        ),
        ([], "empty"),
    ],
)
def test_ensure_chain_order_refuses(names, message):
    with pytest.raises(errors.ChainError, match=message):
        cert_utils.ensure_chain_order([data(name) for name in names])


def test_ensure_chain_order_refuses_non_certificates():
    with pytest.raises(errors.InvalidPEM):
        cert_utils.ensure_chain_order([data("intermediate_a.cert.pem"), data("root_ca.key.pem")])


@pytest.mark.parametrize("leaf", LEAVES)
def test_ensure_chain(leaf):
    facts = MANIFEST["%s.cert.pem" % leaf]
    cert = data("%s.cert.pem" % leaf)
    chain = cert_utils.split_pem_chain(data("%s.chain.pem" % leaf))
    assert chain == [data(facts["issuer_file"])]
    cert_utils.ensure_chain(cert, chain)
    cert_utils.ensure_chain(cert, chain, root_pem=data("root_ca.cert.pem"))
    cert_utils.ensure_chain(cert, chain + [data("root_ca.cert.pem")], root_pem=data("root_ca.cert.pem"))


@pytest.mark.parametrize(
    "leaf, chain, root, message",
    [
        ("leaf_by_b", ["intermediate_a.cert.pem"], None, "not signed by the first certificate"),
        ("leaf_rsa_single", ["impostor_intermediate_a.cert.pem"], None, "not signed by the first certificate"),
        ("leaf_rsa_single", ["root_ca.cert.pem"], None, "not signed by the first certificate"),
        ("leaf_rsa_single", ["intermediate_a.cert.pem", "intermediate_b.cert.pem"], None, "not in order"),
        ("leaf_rsa_single", ["intermediate_a.cert.pem"], "names_tricky.cert.pem", "not the root"),
        ("leaf_rsa_single", [], None, "empty"),
    ],
)
def test_ensure_chain_refuses(leaf, chain, root, message):
    with pytest.raises(errors.ChainError, match=message):
        cert_utils.ensure_chain(
            data("%s.cert.pem" % leaf), [data(name) for name in chain], root_pem=data(root) if root else None
        )


@pytest.mark.parametrize(
    "given, expected",
    [
        (["root_ca", "intermediate_a"], ["intermediate_a", "root_ca"]),
        (["intermediate_b", "root_ca"], ["intermediate_b", "root_ca"]),
        (["root_ca", "intermediate_b", "leaf_by_b"], ["leaf_by_b", "intermediate_b", "root_ca"]),
        (["intermediate_a"], ["intermediate_a"]),
        (["names_tricky"], ["names_tricky"]),
    ],
)
def test_order_chain(given, expected):
    messy = [data("%s.cert.pem" % name).replace("\n", "\r\n") for name in given]
    assert cert_utils.order_chain(messy) == [data("%s.cert.pem" % name) for name in expected]


@pytest.mark.parametrize(
    "given",
    [
        [],
        ["intermediate_a", "intermediate_b"],  # siblings
        ["root_ca", "intermediate_a", "intermediate_b"],  # a fork
        ["root_ca", "intermediate_a", "impostor_intermediate_a"],  # a fork under one name
        ["intermediate_a", "intermediate_a"],  # the same one twice
        ["leaf_rsa_single", "root_ca"],  # a gap
    ],
)
def test_order_chain_refuses(given):
    with pytest.raises(errors.ChainError):
        cert_utils.order_chain([data("%s.cert.pem" % name) for name in given])


# --- downloads


@pytest.mark.parametrize(
    "filename, is_ca, mime",
    [
        ("cert.pem", False, "application/x-pem-file"),
        ("cert.pem.txt", False, "text/plain"),
        ("cert.cer", False, "application/pkix-cert"),
        ("cert.cer", True, "application/pkix-cert"),
        ("cert.crt", False, "application/x-x509-server-cert"),
        ("cert.der", False, "application/x-x509-server-cert"),
        ("cert.crt", True, "application/x-x509-ca-cert"),
        ("cert.der", True, "application/x-x509-ca-cert"),
        ("chain.pem", False, "application/x-pem-file"),
        ("chain.pem.txt", False, "text/plain"),
        ("chain.cer", False, "application/pkix-cert"),
        ("chain.crt", False, "application/x-x509-ca-cert"),
        ("chain.der", False, "application/x-x509-ca-cert"),
        ("fullchain.pem", False, "application/x-pem-file"),
        ("fullchain.pem.txt", False, "text/plain"),
        ("privkey.pem", False, "application/x-pem-file"),
        ("privkey.pem.txt", False, "text/plain"),
        ("privkey.key", False, "application/pkcs8"),
        ("key.pem", False, "application/x-pem-file"),
        ("key.pem.txt", False, "text/plain"),
        ("key.key", False, "application/pkcs8"),
        ("csr.pem", False, "application/x-pem-file"),
        ("csr.pem.txt", False, "text/plain"),
        ("csr.csr", False, "application/x-pem-file"),
    ],
)
def test_mime_for(filename, is_ca, mime):
    assert cert_utils.mime_for(filename, is_ca=is_ca) == mime


@pytest.mark.parametrize(
    "filename", ["fullchain.der", "key.der", "csr.der", "cert.key", "cert", "cert.pem.gz", "x.pem"]
)
def test_mime_for_refuses(filename):
    with pytest.raises(errors.InvalidRequest):
        cert_utils.mime_for(filename)


# --- both backends, side by side


def _parse_all(name: str, text) -> dict:
    """Every parser's answer (or error class) for one input."""
    answers = {}
    for parser in (cert_utils.parse_cert, cert_utils.parse_key, cert_utils.parse_csr, cert_utils.detect_pem_type):
        try:
            answers[parser.__name__] = parser(text)
        except errors.PeterSSLersError as exc:
            answers[parser.__name__] = type(exc).__name__
    return answers


ALL_INPUTS = sorted(name for name in MANIFEST if MANIFEST[name]["kind"] not in ("JWK", "PKCS7"))


class TestBackendsAgree:
    """The two backends give identical answers (not merely both right ones)."""

    @pytest.fixture(autouse=True)
    def backend(self):
        """Overrides the module's per-backend fixture: these tests use both backends themselves."""
        yield None

    @staticmethod
    def both(function, *args):
        answers = []
        for name in ("cryptography", "openssl"):
            with cert_utils.use_backend(name):
                answers.append(function(*args))
        return answers

    def test_parsers_on_every_file(self):
        inputs = [(name, read_input(name)) for name in ALL_INPUTS]
        for path in ISRG_ROOTS:
            with open(path) as f:
                inputs.append((os.path.basename(path), f.read()))
        for name, text in inputs:
            by_cryptography, by_openssl = self.both(_parse_all, name, text)
            assert by_cryptography == by_openssl, name

    def test_pkcs8_der_is_byte_identical(self):
        for name in KEYS:
            by_cryptography, by_openssl = self.both(cert_utils.convert_private_key_to_pkcs8_der, data(name))
            assert by_cryptography == by_openssl, name

    def test_jwk_pem_is_identical(self):
        for name in ("account_rsa.json", "account_ec.json"):
            by_cryptography, by_openssl = self.both(cert_utils.convert_jwk_to_pem, json.loads(data(name)))
            assert by_cryptography == by_openssl == data(MANIFEST[name]["pem"])

    def test_rsa_csr_is_byte_identical(self):
        """PKCS#1 v1.5 signatures are deterministic, so the same request gives the same bytes."""
        by_cryptography, by_openssl = self.both(
            cert_utils.make_csr, ["b.example.com", "a.example.com"], data("csr_rsa.key.pem")
        )
        assert by_cryptography == by_openssl

    def test_pkcs7_is_identical(self):
        by_cryptography, by_openssl = self.both(cert_utils.convert_pkcs7_to_pems, data_bytes("chain_a.p7b"))
        assert by_cryptography == by_openssl


class TestWithoutCryptography:
    """When ``cryptography`` cannot be imported, the module still loads and uses openssl."""

    @pytest.fixture(autouse=True)
    def backend(self):
        """Overrides the module's per-backend fixture: the subprocess chooses its own backend."""
        yield None

    def test_import_falls_back_to_openssl(self):
        script = textwrap.dedent(
            """
            import json, sys
            sys.modules["cryptography"] = None  # makes `import cryptography` raise ImportError
            from peter_sslers.lib import cert_utils
            try:
                cert_utils.use_backend("cryptography").__enter__()
                refused = False
            except ValueError:
                refused = True
            with open(sys.argv[1]) as f:
                parsed = cert_utils.parse_cert(f.read())
            print(json.dumps({"backend": cert_utils.backend(), "refused": refused,
                              "spki_sha256": parsed["spki_sha256"], "domains": parsed["domains"],
                              "loaded": "cryptography.x509" in sys.modules}))
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", script, os.path.join(DATA, "leaf_rsa_multi.cert.pem")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        facts = MANIFEST["leaf_rsa_multi.cert.pem"]
        assert json.loads(result.stdout) == {
            "backend": "openssl",
            "refused": True,
            "spki_sha256": facts["spki_sha256"],
            "domains": facts["domains"],
            "loaded": False,
        }
