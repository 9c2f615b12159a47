"""lib.cert_utils and lib._openssl: an error message never quotes the text it was given.

A private key file that lost its BEGIN line is still a private key: "No PEM block found (the text
starts 'MIGHAgEAMBMGByqGSM49...')" disclosed most of an EC private scalar, and such messages end
up in form errors, import summaries and logs. Checked on both backends.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from peter_sslers.lib import _openssl
from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors
from tests.certbot_trees import jwk_of
from tests.certbot_trees import key_pem

KEYS = {
    "ec": key_pem(ec.generate_private_key(ec.SECP256R1())),
    "rsa": key_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
}
FUNCTIONS = (
    cert_utils.parse_key,
    cert_utils.validate_key,
    cert_utils.convert_private_key_to_pkcs8_der,
    cert_utils.parse_cert,
    cert_utils.parse_csr,
    cert_utils.detect_pem_type,
    cert_utils.convert_pem_to_der,
)


@pytest.fixture(params=["cryptography", "openssl"])
def backend(request):
    with cert_utils.use_backend(request.param):
        yield request.param


def _body(pem: str) -> str:
    return "".join(pem.strip().splitlines()[1:-1])


def _damaged(pem: str) -> dict:
    """A key, damaged the ways a file gets damaged."""
    lines = pem.strip().splitlines()
    der = bytearray(base64.b64decode(_body(pem)))
    der[12] ^= 0xFF  # valid base64, broken DER
    flipped = base64.encodebytes(bytes(der)).decode()
    return {
        "no BEGIN line": "\n".join(lines[1:]) + "\n",
        "no END line": "\n".join(lines[:-1]) + "\n",
        "body only": "\n".join(lines[1:-1]) + "\n",
        "one long line": _body(pem),
        "broken DER": "%s\n%s%s\n" % (lines[0], flipped, lines[-1]),
        "another label": pem.replace("PRIVATE KEY", "CERTIFICATE"),
        "truncated": "\n".join(lines[: len(lines) // 2] + [lines[-1]]) + "\n",
    }


def _assert_no_key_material(message: str, pem: str) -> None:
    body = _body(pem)
    for start in range(0, len(body) - 16):
        assert body[start : start + 16] not in message, "the message quotes the key: %s" % message


@pytest.mark.parametrize("key", sorted(KEYS))
def test_damaged_keys_are_not_quoted(backend, key):
    pem = KEYS[key]
    for damage, text in _damaged(pem).items():
        for function in FUNCTIONS:
            try:
                function(text)
            except errors.PeterSSLersError as exc:
                _assert_no_key_material(str(exc), pem)
            else:
                assert function in (cert_utils.detect_pem_type, cert_utils.convert_pem_to_der), (damage, function)


def test_the_no_pem_message_says_what_it_was_given(backend):
    with pytest.raises(errors.InvalidPEM) as exc:
        cert_utils.parse_key("\n".join(KEYS["ec"].splitlines()[1:]))
    assert str(exc.value) == "No PEM block found in the %d characters given: not PEM." % len(
        "\n".join(KEYS["ec"].splitlines()[1:]).strip()
    )


def test_jwk_names_are_quoted_only_when_they_are_names(backend):
    jwk = jwk_of(ec.generate_private_key(ec.SECP256R1()))
    secret = jwk["d"]
    for bad, expected in (
        (dict(jwk, kty="oct"), "Unsupported JWK key type 'oct'"),
        (dict(jwk, kty=secret), "Unsupported JWK key type (not a name)"),
        (dict(jwk, kty={"d": secret}), "Unsupported JWK key type (missing or not a name)"),
        (dict(jwk, crv="P-521"), "Unsupported JWK curve 'P-521'"),
        (dict(jwk, crv=secret), "Unsupported JWK curve (not a name)"),
    ):
        with pytest.raises(errors.InvalidPEM) as exc:
            cert_utils.convert_jwk_to_pem(json.loads(json.dumps(bad)))
        assert str(exc.value).startswith(expected)
        assert secret not in str(exc.value)


def test_openssl_complaints_are_masked():
    """openssl's stderr goes into messages: a run of encoded data in it is masked."""
    body = _body(KEYS["rsa"])
    stderr = (
        "Could not read key from <stdin>\n"
        "40F7:error:1E08010C:DECODER routines::unsupported:No supported data to decode.\n"
        "offending data: %s\n" % body[:64]
    ).encode()
    summary = _openssl._error_summary(stderr)
    assert summary == "Could not read key from <stdin>; DECODER routines: unsupported"
    summary = _openssl._error_summary(("bad key %s\nmore" % body[:64]).encode())
    assert summary == "bad key [...]; more"
