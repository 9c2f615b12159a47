"""lib.acme_v2 without a network: a fake ``requests`` session plays the server.

Real dataclasses and real JWS throughout; only HTTP is faked (``FakeSession``), and the clock and
``sleep`` are a ``FakeClock``, so polls and retries are deterministic and instant. Every JWS the
client sends is decoded and its signature verified with ``cryptography`` against the key the
header names.
"""

import base64
import datetime
import email.utils
import hashlib
import json

import pytest
import requests
import requests.certs
import urllib3
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from peter_sslers.lib import acme_v2
from peter_sslers.lib import cert_utils
from peter_sslers.lib import errors

BASE = "https://acme.test"
DIRECTORY_URL = BASE + "/dir"
DIRECTORY = {
    "newNonce": BASE + "/new-nonce",
    "newAccount": BASE + "/new-account",
    "newOrder": BASE + "/new-order",
    "revokeCert": BASE + "/revoke-cert",
    "keyChange": BASE + "/key-change",
    "meta": {"termsOfService": BASE + "/terms"},
}
ACCOUNT_URL = BASE + "/acct/1"
ORDER_URL = BASE + "/order/1"
AUTHZ_URL = BASE + "/authz/1"
CHALLENGE_URL = BASE + "/chall/1"
CERT_URL = BASE + "/cert/1"
PREFIX = "urn:ietf:params:acme:error:"

# RFC 7638 section 3.1: the example key and its thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiF"
    "V4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
    "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1"
    "jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64d_int(text: str) -> int:
    return int.from_bytes(b64d(text), "big")


# --- keys and certificates made once


@pytest.fixture(scope="module")
def keys() -> dict:
    return {
        "RS256": cert_utils.new_account_key("RSA", bits=2048),
        "ES256": cert_utils.new_account_key("EC", curve="P-256"),
        "ES384": cert_utils.new_account_key("EC", curve="P-384"),
    }


@pytest.fixture(scope="module")
def rsa_key(keys) -> acme_v2.AcmeKey:
    return acme_v2.AcmeKey(keys["RS256"])


def make_certificate(key_pem: str, name: str = "example.com") -> str:
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# --- verifying what the client sent


def public_key_from_jwk(jwk: dict):
    if jwk["kty"] == "RSA":
        return rsa.RSAPublicNumbers(b64d_int(jwk["e"]), b64d_int(jwk["n"])).public_key()
    curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[jwk["crv"]]
    return ec.EllipticCurvePublicNumbers(b64d_int(jwk["x"]), b64d_int(jwk["y"]), curve).public_key()


def verify_jws(jws: dict, jwk: dict) -> None:
    """Check a flattened JWS's signature with ``jwk`` as RFC 7515/7518 say (raises InvalidSignature)."""
    protected = json.loads(b64d(jws["protected"]))
    signing_input = ("%s.%s" % (jws["protected"], jws["payload"])).encode("ascii")
    signature = b64d(jws["signature"])
    key = public_key_from_jwk(jwk)
    if protected["alg"] == "RS256":
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        return
    size, digest = {"ES256": (32, hashes.SHA256()), "ES384": (48, hashes.SHA384())}[protected["alg"]]
    assert len(signature) == 2 * size, "ECDSA JWS signatures are raw r||s (RFC 7518 section 3.4)"
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(digest))


class Sent:
    """One request the fake session received, decoded."""

    def __init__(self, method, url, data, headers, verify, timeout):
        self.method = method
        self.url = url
        self.headers = headers or {}
        self.verify = verify
        self.timeout = timeout
        self.jws = json.loads(data) if data else None
        self.protected = json.loads(b64d(self.jws["protected"])) if self.jws else None
        payload = self.jws["payload"] if self.jws else None
        self.payload_b64 = payload
        self.payload = json.loads(b64d(payload)) if payload else None


def make_response(url, status=200, json_body=None, text=None, headers=None, links=None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    if json_body is not None:
        text = json.dumps(json_body)
        headers = dict({"Content-Type": "application/json"}, **(headers or {}))
    response._content = (text or "").encode("utf-8")
    response.encoding = "utf-8"
    response.headers = requests.structures.CaseInsensitiveDict(headers or {})
    raw_headers = urllib3.HTTPHeaderDict(headers or {})
    for link in links or []:  # several Link headers, as a server may send them
        raw_headers.add("Link", link)
    if links:
        response.headers["Link"] = ", ".join(links)

    class Raw:
        pass

    response.raw = Raw()
    response.raw.headers = raw_headers
    return response


def problem(code: str, status: int = 400, **extra) -> dict:
    return dict({"type": PREFIX + code, "detail": "the %s detail" % code, "status": status}, **extra)


class FakeSession:
    """A ``requests.Session`` stand-in: answers from per-(method, url) queues of response specs.

    A spec is a dict: ``status``, ``json`` or ``text``, ``headers``, ``links``, ``nonce`` (False: no
    Replay-Nonce). A queue's last spec repeats forever. Every response carries a fresh Replay-Nonce
    unless told not to; the nonces handed out are in ``issued``.
    """

    def __init__(self):
        self.sent = []
        self.routes = {}
        self.issued = []
        self.trust_env = True
        self.raise_on = {}
        self.on("GET", DIRECTORY_URL, {"json": DIRECTORY, "nonce": False})  # as pebble: no nonce there
        self.on("HEAD", DIRECTORY["newNonce"], {"status": 200})

    def on(self, method: str, url: str, *specs) -> "FakeSession":
        self.routes[(method, url)] = list(specs)
        return self

    def request(self, method, url, data=None, headers=None, timeout=None, verify=None, allow_redirects=True):
        self.sent.append(Sent(method, url, data, headers, verify, timeout))
        if (method, url) in self.raise_on:
            raise self.raise_on[(method, url)]
        queue = self.routes.get((method, url))
        if not queue:
            spec = {"status": 404, "text": ""}
        else:
            spec = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(spec):
            spec = spec(self.sent[-1])
        headers = dict(spec.get("headers") or {})
        if spec.get("nonce", True):
            nonce = "nonce-%d" % (len(self.issued) + 1)
            self.issued.append(nonce)
            headers["Replay-Nonce"] = nonce
        return make_response(
            url, spec.get("status", 200), spec.get("json"), spec.get("text"), headers, spec.get("links")
        )

    def posts(self, url=None) -> list:
        return [s for s in self.sent if s.method == "POST" and (url is None or s.url == url)]


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def session() -> FakeSession:
    return FakeSession()


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchanges() -> list:
    return []


@pytest.fixture
def transport(session, fake_clock, exchanges) -> acme_v2.AcmeTransport:
    return acme_v2.AcmeTransport(
        DIRECTORY_URL,
        ca_bundle="/path/to/ca.pem",
        on_exchange=exchanges.append,
        clock=fake_clock.clock,
        sleep=fake_clock.sleep,
        session=session,
    )


@pytest.fixture
def client(transport, rsa_key) -> acme_v2.AcmeClient:
    return acme_v2.AcmeClient(transport, rsa_key, account_url=ACCOUNT_URL)


def account_json(**extra) -> dict:
    return dict({"status": "valid", "contact": ["mailto:a@example.com"], "orders": ACCOUNT_URL + "/orders"}, **extra)


def order_json(status="pending", **extra) -> dict:
    return dict(
        {
            "status": status,
            "expires": "2030-01-02T03:04:05Z",
            "identifiers": [{"type": "dns", "value": "a.example.com"}, {"type": "dns", "value": "b.example.com"}],
            "authorizations": [AUTHZ_URL, BASE + "/authz/2"],
            "finalize": ORDER_URL + "/finalize",
        },
        **extra,
    )


def authz_json(status="pending", **extra) -> dict:
    return dict(
        {
            "status": status,
            "expires": "2030-01-02T03:04:05.123456789Z",
            "identifier": {"type": "dns", "value": "a.example.com"},
            "challenges": [
                {"type": "http-01", "url": CHALLENGE_URL, "status": "pending", "token": "tok-http"},
                {"type": "dns-01", "url": BASE + "/chall/2", "status": "pending", "token": "tok-dns"},
                {"type": "x-unknown-99", "url": BASE + "/chall/3", "status": "pending"},
            ],
        },
        **extra,
    )


# --- keys, JWK, thumbprints


class TestAcmeKey:
    def test_rfc7638_example_thumbprint(self):
        assert acme_v2.jwk_thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT

    def test_thumbprint_ignores_optional_members_and_order(self):
        reordered = {"e": RFC7638_JWK["e"], "n": RFC7638_JWK["n"], "kty": "RSA", "use": "sig"}
        assert acme_v2.jwk_thumbprint(reordered) == RFC7638_THUMBPRINT

    def test_thumbprint_refuses_other_key_types(self):
        with pytest.raises(ValueError):
            acme_v2.jwk_thumbprint({"kty": "OKP", "crv": "Ed25519", "x": "AA"})

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "ES384"])
    def test_jwk_is_the_public_key_with_canonical_members_only(self, keys, alg):
        key = acme_v2.AcmeKey(keys[alg])
        assert key.alg == alg
        private = serialization.load_pem_private_key(keys[alg].encode(), None)
        numbers = private.public_key().public_numbers()
        if alg == "RS256":
            assert sorted(key.jwk) == ["e", "kty", "n"]
            assert (b64d_int(key.jwk["n"]), b64d_int(key.jwk["e"])) == (numbers.n, numbers.e)
        else:
            assert sorted(key.jwk) == ["crv", "kty", "x", "y"]
            assert key.jwk["crv"] == {"ES256": "P-256", "ES384": "P-384"}[alg]
            size = {"ES256": 32, "ES384": 48}[alg]
            # RFC 7518 section 6.2.1.2: coordinates are the full field size, leading zeros kept
            assert len(b64d(key.jwk["x"])) == len(b64d(key.jwk["y"])) == size
            assert (b64d_int(key.jwk["x"]), b64d_int(key.jwk["y"])) == (numbers.x, numbers.y)
        canonical = json.dumps(key.jwk, sort_keys=True, separators=(",", ":")).encode()
        expected = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
        assert key.thumbprint == expected

    @pytest.mark.parametrize("alg", ["RS256", "ES256", "ES384"])
    def test_sign_verifies(self, keys, alg):
        key = acme_v2.AcmeKey(keys[alg])
        jws = key.jws({"hello": "world"}, "https://acme.test/x", "n0nce", kid=None)
        verify_jws(jws, key.jwk)
        with pytest.raises(InvalidSignature):
            verify_jws(dict(jws, payload=jws["payload"] + "AA"), key.jwk)

    def test_key_formats_accepted(self, keys):
        """PKCS#1 and SEC1 PEM (not only PKCS#8) are the same key."""
        pkcs8 = keys["RS256"]
        private = serialization.load_pem_private_key(pkcs8.encode(), None)
        pkcs1 = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()
        assert "BEGIN RSA PRIVATE KEY" in pkcs1
        assert acme_v2.AcmeKey(pkcs1).thumbprint == acme_v2.AcmeKey(pkcs8).thumbprint

    @pytest.mark.parametrize(
        "make",
        [
            lambda: ec.generate_private_key(ec.SECP521R1()),
            lambda: ec.generate_private_key(ec.SECP256K1()),
            lambda: ed25519.Ed25519PrivateKey.generate(),
        ],
        ids=["P-521", "secp256k1", "Ed25519"],
    )
    def test_unsupported_keys_are_invalid_pem(self, make):
        pem = (
            make()
            .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            .decode()
        )
        with pytest.raises(errors.InvalidPEM):
            acme_v2.AcmeKey(pem)

    @pytest.mark.parametrize(
        "garbage", ["", "not a key", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
    )
    def test_garbage_is_invalid_pem(self, garbage):
        with pytest.raises(errors.InvalidPEM):
            acme_v2.AcmeKey(garbage)

    def test_public_key_is_invalid_pem(self, keys):
        private = serialization.load_pem_private_key(keys["ES256"].encode(), None)
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with pytest.raises(errors.InvalidPEM):
            acme_v2.AcmeKey(public.decode())

    def test_key_authorization_and_dns01_value(self, rsa_key):
        """RFC 8555 sections 8.1 and 8.4."""
        assert rsa_key.key_authorization("tok") == "tok." + rsa_key.thumbprint
        digest = hashlib.sha256(("tok." + rsa_key.thumbprint).encode()).digest()
        value = rsa_key.dns01_txt_value("tok")
        assert value == base64.urlsafe_b64encode(digest).decode().rstrip("=")
        assert "=" not in value and len(value) == 43

    def test_no_private_material_in_jwk_or_repr(self, rsa_key):
        assert "d" not in rsa_key.jwk and "p" not in rsa_key.jwk
        assert "PRIVATE" not in repr(rsa_key)


# --- JWS on the wire


class TestJwsOnTheWire:
    @pytest.mark.parametrize("alg", ["RS256", "ES256", "ES384"])
    def test_new_account_uses_jwk_and_later_requests_kid(self, keys, alg, session, transport):
        key = acme_v2.AcmeKey(keys[alg])
        session.on(
            "POST",
            DIRECTORY["newAccount"],
            {"status": 201, "json": account_json(), "headers": {"Location": ACCOUNT_URL}},
        )
        session.on("POST", ORDER_URL, {"json": order_json()})
        client = acme_v2.AcmeClient(transport, key)
        account, created = client.new_account(["mailto:a@example.com"])
        client.get_order(ORDER_URL)

        new_account, get_order = session.posts()
        assert sorted(new_account.jws) == ["payload", "protected", "signature"]  # flattened JSON serialization
        assert new_account.headers["Content-Type"] == "application/jose+json"
        assert new_account.protected == {
            "alg": alg,
            "jwk": key.jwk,
            "nonce": session.issued[0],
            "url": DIRECTORY["newAccount"],
        }
        assert new_account.payload == {"termsOfServiceAgreed": True, "contact": ["mailto:a@example.com"]}
        verify_jws(new_account.jws, key.jwk)

        assert get_order.protected == {"alg": alg, "kid": ACCOUNT_URL, "nonce": session.issued[1], "url": ORDER_URL}
        assert get_order.payload_b64 == ""  # POST-as-GET, RFC 8555 section 6.3
        verify_jws(get_order.jws, key.jwk)
        assert (account.url, created, client.account_url) == (ACCOUNT_URL, True, ACCOUNT_URL)

    def test_new_account_existing_and_only_return_existing(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"json": account_json(), "headers": {"Location": ACCOUNT_URL}})
        client = acme_v2.AcmeClient(transport, rsa_key)
        account, created = client.new_account(only_return_existing=True)
        assert created is False
        assert session.posts()[0].payload == {"onlyReturnExisting": True}
        assert account == acme_v2.AccountResource(
            ACCOUNT_URL, "valid", ["mailto:a@example.com"], ACCOUNT_URL + "/orders", account_json()
        )

    def test_new_account_without_location_is_a_communication_error(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"status": 201, "json": account_json()})
        with pytest.raises(errors.AcmeCommunicationError, match="Location"):
            acme_v2.AcmeClient(transport, rsa_key).new_account()

    def test_kid_needed(self, transport, rsa_key):
        with pytest.raises(errors.AcmeError, match="new_account"):
            acme_v2.AcmeClient(transport, rsa_key).get_order(ORDER_URL)

    def test_user_agent_timeout_and_verify_on_every_request(self, session, client):
        session.on("POST", ORDER_URL, {"json": order_json()})
        client.get_order(ORDER_URL)
        assert [s.method for s in session.sent] == ["GET", "HEAD", "POST"]
        for sent in session.sent:
            assert sent.headers["User-Agent"] == "peter_sslers"
            assert sent.verify == "/path/to/ca.pem"
            assert sent.timeout == 30

    def test_default_trust_is_requests_default_store_never_the_environment(self, monkeypatch):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/somewhere/else.pem")
        transport = acme_v2.AcmeTransport(DIRECTORY_URL)
        assert transport.session.trust_env is False
        assert transport._verify == requests.certs.where()
        # requests lets the environment replace only verify=True, never a path: a caller's own
        # session with trust_env on still trusts exactly what was configured
        merged = requests.Session().merge_environment_settings(DIRECTORY_URL, {}, None, transport._verify, None)
        assert merged["verify"] == requests.certs.where()

    def test_directory_is_fetched_once(self, session, client, exchanges):
        session.on("POST", ORDER_URL, {"json": order_json()})
        client.get_order(ORDER_URL)
        client.get_order(ORDER_URL)
        assert [s.method for s in session.sent].count("GET") == 1
        directory = client.transport.directory()
        assert directory.terms_of_service == BASE + "/terms"
        assert directory.key_change == DIRECTORY["keyChange"]
        assert [e.operation for e in exchanges] == ["directory", "newNonce", "order", "order"]

    def test_bad_directory(self, session, transport):
        session.on("GET", DIRECTORY_URL, {"json": {"newNonce": BASE + "/n"}})
        with pytest.raises(errors.AcmeCommunicationError, match="newAccount"):
            transport.directory()

    def test_directory_not_json(self, session, transport):
        session.on("GET", DIRECTORY_URL, {"text": "<html>hello</html>"})
        with pytest.raises(errors.AcmeCommunicationError, match="not a JSON object"):
            transport.directory()


# --- nonces


class TestNonces:
    def test_pool_is_refilled_from_every_response(self, session, client):
        session.on("POST", ORDER_URL, {"json": order_json()})
        for _ in range(3):
            client.get_order(ORDER_URL)
        assert [s.method for s in session.sent] == ["GET", "HEAD", "POST", "POST", "POST"]  # one HEAD, first
        # each POST used the nonce of the response before it: HEAD (nonce-1), POST (nonce-2), ...
        assert [p.protected["nonce"] for p in session.posts()] == ["nonce-1", "nonce-2", "nonce-3"]

    def test_any_response_feeds_the_pool_and_the_newest_nonce_goes_first(self, session, client):
        session.on("GET", DIRECTORY_URL, {"json": DIRECTORY})
        session.on("POST", ORDER_URL, {"json": order_json()})
        client.get_order(ORDER_URL)
        client.transport.directory()  # cached: no request
        client.get_order(ORDER_URL)
        assert [s.method for s in session.sent] == ["GET", "POST", "POST"]  # the directory's nonce was enough
        assert [p.protected["nonce"] for p in session.posts()] == ["nonce-1", "nonce-2"]

    def test_head_new_nonce_when_the_pool_is_empty(self, session, client):
        session.on("POST", ORDER_URL, {"json": order_json(), "nonce": False})
        client.get_order(ORDER_URL)
        client.get_order(ORDER_URL)
        assert [s.method for s in session.sent] == ["GET", "HEAD", "POST", "HEAD", "POST"]

    def test_new_nonce_without_replay_nonce(self, session, client):
        session.on("HEAD", DIRECTORY["newNonce"], {"status": 200, "nonce": False})
        with pytest.raises(errors.AcmeCommunicationError, match="Replay-Nonce"):
            client.get_order(ORDER_URL)

    def test_bad_nonce_is_retried_with_a_fresh_nonce(self, session, client, exchanges):
        session.on(
            "POST",
            ORDER_URL,
            {"status": 400, "json": problem("badNonce")},
            {"status": 400, "json": problem("badNonce")},
            {"json": order_json()},
        )
        order = client.get_order(ORDER_URL)
        assert order.status == "pending"
        nonces = [p.protected["nonce"] for p in session.posts()]
        assert len(nonces) == 3 and len(set(nonces)) == 3
        assert [e.status for e in exchanges if e.operation == "order"] == [400, 400, 200]
        assert exchanges[-2].problem["type"] == PREFIX + "badNonce"

    def test_bad_nonce_gives_up(self, session, fake_clock, rsa_key):
        transport = acme_v2.AcmeTransport(
            DIRECTORY_URL, session=session, max_bad_nonce_retries=2, clock=fake_clock.clock, sleep=fake_clock.sleep
        )
        client = acme_v2.AcmeClient(transport, rsa_key, ACCOUNT_URL)
        session.on("POST", ORDER_URL, {"status": 400, "json": problem("badNonce")})
        with pytest.raises(errors.AcmeBadNonce) as caught:
            client.get_order(ORDER_URL)
        assert len(session.posts()) == 3  # the first try and two retries
        assert isinstance(caught.value, errors.AcmeServerError)
        assert (caught.value.status, caught.value.code) == (400, "badNonce")
        assert fake_clock.sleeps == []


# --- Retry-After and server busy


class TestRetryAfter:
    @pytest.mark.parametrize(
        "value, date, expected",
        [
            ("120", None, 120.0),
            (" 0 ", None, 0.0),
            ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:27:30 GMT", 30.0),
            ("Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:29:00 GMT", 0.0),  # in the past
            ("soon", None, None),
            (None, None, None),
            ("-5", None, None),
        ],
    )
    def test_parse(self, value, date, expected):
        assert acme_v2.parse_retry_after(value, date) == expected

    def test_http_date_without_date_header_is_from_now(self):
        when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=100)
        wait = acme_v2.parse_retry_after(email.utils.format_datetime(when, usegmt=True))
        assert 95 <= wait <= 100

    def test_503_retried_after_retry_after_seconds(self, session, client, fake_clock):
        session.on(
            "POST", ORDER_URL, {"status": 503, "text": "busy", "headers": {"Retry-After": "2"}}, {"json": order_json()}
        )
        assert client.get_order(ORDER_URL).status == "pending"
        assert fake_clock.sleeps == [2.0]
        assert len(session.posts()) == 2

    def test_503_on_new_nonce_is_retried(self, session, client, fake_clock):
        # found by `make simulate`: a 503 on HEAD newNonce failed the whole renewal
        session.on("POST", ORDER_URL, {"json": order_json(), "nonce": False})
        session.on(
            "HEAD", DIRECTORY["newNonce"], {"status": 503, "nonce": False, "headers": {"Retry-After": "0"}}, {"status": 200}
        )
        assert client.get_order(ORDER_URL).status == "pending"
        assert [s.method for s in session.sent] == ["GET", "HEAD", "HEAD", "POST"]
        assert fake_clock.sleeps == [0.0]
        session.on("HEAD", DIRECTORY["newNonce"], {"status": 503, "nonce": False})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.get_order(ORDER_URL)
        assert caught.value.status == 503 and fake_clock.sleeps == [0.0, 1.0, 1.0]  # three tries at most

    def test_429_retried_after_http_date(self, session, client, fake_clock):
        date = "Sun, 06 Nov 1994 08:49:37 GMT"
        later = "Sun, 06 Nov 1994 08:49:42 GMT"
        session.on(
            "POST",
            ORDER_URL,
            {"status": 429, "json": problem("rateLimited", 429), "headers": {"Retry-After": later, "Date": date}},
            {"json": order_json()},
        )
        client.get_order(ORDER_URL)
        assert fake_clock.sleeps == [5.0]

    def test_503_at_most_three_tries(self, session, client, fake_clock):
        session.on("POST", ORDER_URL, {"status": 503, "json": problem("serverInternal", 503)})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.get_order(ORDER_URL)
        assert len(session.posts()) == 3
        assert fake_clock.sleeps == [1.0, 1.0]  # no Retry-After: a default second
        assert caught.value.status == 503

    def test_long_retry_after_is_raised_at_once(self, session, client, fake_clock):
        session.on(
            "POST",
            DIRECTORY["newOrder"],
            {"status": 429, "json": problem("rateLimited", 429), "headers": {"Retry-After": "3600"}},
        )
        with pytest.raises(errors.AcmeServerError) as caught:
            client.new_order(["a.example.com"])
        assert (caught.value.code, caught.value.retry_after) == ("rateLimited", 3600.0)
        assert fake_clock.sleeps == [] and len(session.posts()) == 1

    def test_503_with_a_far_http_date_is_raised_with_it(self, session, client, fake_clock):
        """A 503 on any request whose Retry-After (an HTTP-date) is hours away: raised at once, the
        wait in seconds on the error, for the caller to record (issue 12: the renewal's next try)."""
        session.on(
            "POST",
            DIRECTORY["newOrder"],
            {
                "status": 503,
                "text": "down for maintenance",
                "headers": {"Retry-After": "Sun, 06 Nov 1994 10:49:37 GMT", "Date": "Sun, 06 Nov 1994 08:49:37 GMT"},
            },
        )
        with pytest.raises(errors.AcmeServerError) as caught:
            client.new_order(["a.example.com"])
        assert (caught.value.status, caught.value.retry_after, caught.value.is_rate_limited) == (503, 7200.0, True)
        assert fake_clock.sleeps == [] and len(session.posts()) == 1

    @pytest.mark.parametrize(
        "status, body, headers, expected",
        [
            (429, problem("rateLimited", 429), {}, True),  # rateLimited without Retry-After
            (400, problem("malformed"), {"Retry-After": "60"}, False),
            (503, problem("serverInternal", 503), {}, False),  # busy, no time given: not a rate limit
        ],
    )
    def test_is_rate_limited(self, session, client, status, body, headers, expected):
        session.on("POST", DIRECTORY["newOrder"], {"status": status, "json": body, "headers": headers})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.new_order(["a.example.com"])
        assert caught.value.is_rate_limited is expected

    def test_busy_retry_never_passes_a_poll_deadline(self, session, client, fake_clock):
        session.on(
            "POST",
            AUTHZ_URL,
            {"json": authz_json()},
            {"status": 503, "text": "busy", "headers": {"Retry-After": "20"}},
        )
        with pytest.raises(errors.AcmeServerError) as caught:
            client.poll_authorization(AUTHZ_URL, timeout=10)
        assert caught.value.status == 503
        assert sum(fake_clock.sleeps) <= 10


# --- polls


class TestPolls:
    def test_backoff_then_done(self, session, client, fake_clock):
        session.on("POST", AUTHZ_URL, *([{"json": authz_json()}] * 6 + [{"json": authz_json("valid")}]))
        authorization = client.poll_authorization(AUTHZ_URL, timeout=90)
        assert authorization.status == "valid"
        # from 0.05 s, twice as long each time (a server done in milliseconds is not waited on for a second)
        assert fake_clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6])

    def test_backoff_is_capped(self, session, client, fake_clock):
        session.on("POST", AUTHZ_URL, *([{"json": authz_json()}] * 11 + [{"json": authz_json("valid")}]))
        client.poll_authorization(AUTHZ_URL, timeout=90)
        assert fake_clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10, 10, 10])

    def test_deadline_raises_timeout_with_the_last_resource(self, session, client, fake_clock):
        session.on("POST", ORDER_URL, {"json": order_json("processing")})
        with pytest.raises(errors.AcmeTimeout) as caught:
            client.poll_order(ORDER_URL, timeout=20)
        # the last wait stops at the deadline
        assert fake_clock.sleeps == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 7.25])
        assert sum(fake_clock.sleeps) == pytest.approx(20)
        assert len(session.posts()) == 10  # one last look at the deadline
        assert isinstance(caught.value.resource, acme_v2.OrderResource)
        assert caught.value.resource.status == "processing"

    def test_retry_after_sets_the_wait(self, session, client, fake_clock):
        session.on(
            "POST",
            ORDER_URL,
            {"json": order_json("processing"), "headers": {"Retry-After": "3"}},
            {"json": order_json("processing"), "headers": {"Retry-After": "30"}},
            {"json": order_json("valid", certificate=CERT_URL)},
        )
        order = client.poll_order(ORDER_URL, timeout=20)
        assert order.certificate_url == CERT_URL
        assert fake_clock.sleeps == [3, 17]  # the second Retry-After is capped by the deadline

    def test_poll_returns_invalid_with_its_error(self, session, client):
        error = problem("unauthorized", 403)
        session.on("POST", ORDER_URL, {"json": order_json("invalid", error=error)})
        order = client.poll_order(ORDER_URL)
        assert (order.status, order.error) == ("invalid", error)

    def test_until_not(self, session, client, fake_clock):
        session.on("POST", ORDER_URL, {"json": order_json("pending")}, {"json": order_json("ready")})
        assert client.poll_order(ORDER_URL, until_not=("pending",)).status == "ready"
        assert fake_clock.sleeps == [acme_v2.POLL_FIRST_WAIT]

    def test_zero_timeout_fetches_once(self, session, client, fake_clock):
        session.on("POST", AUTHZ_URL, {"json": authz_json()})
        with pytest.raises(errors.AcmeTimeout):
            client.poll_authorization(AUTHZ_URL, timeout=0)
        assert len(session.posts()) == 1 and fake_clock.sleeps == []


# --- errors


class TestErrors:
    def test_problem_document_with_subproblems(self, session, client, exchanges):
        document = {
            "type": PREFIX + "malformed",
            "detail": "Some of the identifiers requested were rejected",
            "status": 400,
            "subproblems": [
                {
                    "type": PREFIX + "malformed",
                    "detail": "Invalid underscore in DNS name",
                    "identifier": {"type": "dns", "value": "_example.org"},
                },
                {
                    "type": PREFIX + "rejectedIdentifier",
                    "detail": "This CA will not issue for this name",
                    "identifier": {"type": "dns", "value": "example.net"},
                },
            ],
        }
        session.on(
            "POST",
            DIRECTORY["newOrder"],
            {"status": 400, "json": document, "headers": {"Content-Type": "application/problem+json"}},
        )
        with pytest.raises(errors.AcmeServerError) as caught:
            client.new_order(["_example.org", "example.net"])
        error = caught.value
        assert type(error) is errors.AcmeServerError
        assert error.status == 400
        assert error.problem == document
        assert error.type == PREFIX + "malformed"
        assert error.code == "malformed"
        assert error.detail == "Some of the identifiers requested were rejected"
        assert [s["identifier"]["value"] for s in error.subproblems] == ["_example.org", "example.net"]
        assert error.exchange is exchanges[-1]
        assert error.exchange.problem == document
        assert error.exchange.request_payload == {
            "identifiers": [{"type": "dns", "value": "_example.org"}, {"type": "dns", "value": "example.net"}]
        }

    def test_404_is_not_found(self, session, client):
        session.on("POST", ORDER_URL, {"status": 404, "text": ""})
        with pytest.raises(errors.AcmeNotFound) as caught:
            client.get_order(ORDER_URL)
        assert isinstance(caught.value, errors.AcmeServerError)
        assert (caught.value.status, caught.value.problem, caught.value.code) == (404, None, None)

    def test_404_with_problem(self, session, client):
        session.on("POST", AUTHZ_URL, {"status": 404, "json": problem("malformed", 404)})
        with pytest.raises(errors.AcmeNotFound) as caught:
            client.get_authorization(AUTHZ_URL)
        assert caught.value.code == "malformed"

    def test_non_json_error_body(self, session, client, exchanges):
        session.on("POST", ORDER_URL, {"status": 502, "text": "<html><body>Bad Gateway</body></html>"})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.get_order(ORDER_URL)
        error = caught.value
        assert (error.status, error.problem, error.type, error.code, error.subproblems) == (502, None, None, None, [])
        assert "Bad Gateway" in error.detail
        assert exchanges[-1].problem is None and "Bad Gateway" in exchanges[-1].response_body

    def test_non_json_success_is_a_communication_error(self, session, client):
        session.on("POST", ORDER_URL, {"status": 200, "text": "surprise"})
        with pytest.raises(errors.AcmeCommunicationError, match="not a JSON object"):
            client.get_order(ORDER_URL)

    def test_json_that_is_not_an_object(self, session, client):
        session.on("POST", ORDER_URL, {"status": 200, "text": "[1, 2]"})
        with pytest.raises(errors.AcmeCommunicationError):
            client.get_order(ORDER_URL)

    def test_other_problem_types_keep_their_type_as_code(self, session, client):
        session.on("POST", ORDER_URL, {"status": 400, "json": {"type": "about:blank", "detail": "nope"}})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.get_order(ORDER_URL)
        assert caught.value.code == "about:blank"

    @pytest.mark.parametrize(
        "exception, words",
        [
            (requests.exceptions.SSLError("certificate verify failed"), "TLS verification failed"),
            (requests.exceptions.ConnectTimeout("slow"), "no answer within"),
            (requests.exceptions.ConnectionError("refused"), "the request failed"),
        ],
    )
    def test_network_failures(self, session, transport, exchanges, exception, words):
        session.raise_on[("GET", DIRECTORY_URL)] = exception
        with pytest.raises(errors.AcmeCommunicationError, match=words) as caught:
            transport.directory()
        assert caught.value.exchange is exchanges[-1]
        assert (exchanges[-1].operation, exchanges[-1].status, exchanges[-1].response_body) == ("directory", None, "")

    def test_error_classes(self):
        assert issubclass(errors.AcmeError, errors.PeterSSLersError)
        for cls in (errors.AcmeCommunicationError, errors.AcmeServerError, errors.AcmeTimeout):
            assert issubclass(cls, errors.AcmeError)
        for cls in (errors.AcmeBadNonce, errors.AcmeNotFound):
            assert issubclass(cls, errors.AcmeServerError)


# --- the resources and the operations


class TestOperations:
    def test_order_flow_shapes(self, session, client, rsa_key, keys):
        session.on(
            "POST", DIRECTORY["newOrder"], {"status": 201, "json": order_json(), "headers": {"Location": ORDER_URL}}
        )
        session.on("POST", AUTHZ_URL, {"json": authz_json()})
        session.on("POST", CHALLENGE_URL, {"json": {"type": "http-01", "url": CHALLENGE_URL, "status": "processing"}})
        session.on("POST", ORDER_URL + "/finalize", {"json": order_json("processing")})
        order = client.new_order(["a.example.com", "b.example.com"])
        assert order == acme_v2.OrderResource(
            url=ORDER_URL,
            status="pending",
            identifiers=["a.example.com", "b.example.com"],
            authorizations=[AUTHZ_URL, BASE + "/authz/2"],
            finalize_url=ORDER_URL + "/finalize",
            certificate_url=None,
            expires=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            error=None,
            raw=order_json(),
        )
        authorization = client.get_authorization(AUTHZ_URL)
        assert authorization.identifier == "a.example.com" and authorization.wildcard is False
        assert authorization.expires == datetime.datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone.utc)
        assert [c.type for c in authorization.challenges] == ["http-01", "dns-01", "x-unknown-99"]  # unknown kept
        assert authorization.challenges[2].token is None
        http01 = authorization.challenge("http-01")
        assert (http01.url, http01.token, http01.status) == (CHALLENGE_URL, "tok-http", "pending")
        assert authorization.challenge("tls-alpn-01") is None

        challenge = client.answer_challenge(http01.url)
        assert challenge.status == "processing"
        csr = cert_utils.make_csr(["a.example.com", "b.example.com"], keys["ES256"])
        finalized = client.finalize_order(order, csr)
        assert (finalized.url, finalized.status) == (ORDER_URL, "processing")

        new_order, get_authz, answer, finalize = session.posts()
        assert new_order.payload == {
            "identifiers": [{"type": "dns", "value": "a.example.com"}, {"type": "dns", "value": "b.example.com"}]
        }
        assert get_authz.payload_b64 == ""
        assert answer.payload == {} and answer.payload_b64 == b64d_text("{}")
        assert b64d(finalize.payload["csr"]) == cert_utils.convert_pem_to_der(csr)

    def test_finalize_needs_a_csr(self, client, keys):
        order = acme_v2.OrderResource.from_json(ORDER_URL, order_json("ready"))
        with pytest.raises(errors.InvalidPEM):
            client.finalize_order(order, keys["ES256"])

    def test_challenge_validated_and_error(self, session, client):
        raw = {
            "type": "http-01",
            "url": CHALLENGE_URL,
            "status": "invalid",
            "token": "t",
            "validated": "2030-01-01T00:00:00Z",
            "error": problem("connection"),
        }
        session.on("POST", CHALLENGE_URL, {"json": raw})
        challenge = client.get_challenge(CHALLENGE_URL)
        assert challenge.validated == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
        assert challenge.error["type"] == PREFIX + "connection"
        assert session.posts()[0].payload_b64 == ""

    def test_wildcard_authorization(self, session, client):
        session.on("POST", AUTHZ_URL, {"json": authz_json(wildcard=True)})
        assert client.get_authorization(AUTHZ_URL).wildcard is True

    def test_deactivations_and_updates(self, session, client, exchanges):
        session.on("POST", AUTHZ_URL, {"json": authz_json("deactivated")})
        session.on("POST", ACCOUNT_URL, {"json": account_json(contact=[])})
        assert client.deactivate_authorization(AUTHZ_URL).status == "deactivated"
        assert client.update_account([]).contact == []
        client.deactivate_account()
        payloads = [p.payload for p in session.posts()]
        assert payloads == [{"status": "deactivated"}, {"contact": []}, {"status": "deactivated"}]
        operations = [e.operation for e in exchanges if e.method == "POST"]
        assert operations == ["authorization-deactivate", "account-update", "account-deactivate"]

    def test_key_change(self, session, client, keys, rsa_key, exchanges):
        session.on("POST", DIRECTORY["keyChange"], {"json": account_json()})
        new_key = acme_v2.AcmeKey(keys["ES256"])
        client.key_change(new_key)
        assert client.account_key is new_key
        (outer,) = session.posts()
        assert outer.protected == {
            "alg": "RS256",
            "kid": ACCOUNT_URL,
            "nonce": "nonce-1",
            "url": DIRECTORY["keyChange"],
        }
        verify_jws(outer.jws, rsa_key.jwk)
        inner = outer.payload
        inner_protected = json.loads(b64d(inner["protected"]))
        assert inner_protected == {"alg": "ES256", "jwk": new_key.jwk, "url": DIRECTORY["keyChange"]}  # no nonce
        assert json.loads(b64d(inner["payload"])) == {"account": ACCOUNT_URL, "oldKey": rsa_key.jwk}
        verify_jws(inner, new_key.jwk)
        # the exchange records the inner payload, never a signature
        assert exchanges[-1].request_payload == {"account": ACCOUNT_URL, "oldKey": rsa_key.jwk}
        assert "signature" not in json.dumps(exchanges[-1].request_payload)

    def test_key_change_conflict_keeps_the_old_key(self, session, client, keys, rsa_key):
        session.on(
            "POST",
            DIRECTORY["keyChange"],
            {"status": 409, "json": problem("malformed", 409), "headers": {"Location": BASE + "/acct/2"}},
        )
        with pytest.raises(errors.AcmeServerError) as caught:
            client.key_change(acme_v2.AcmeKey(keys["ES384"]))
        assert caught.value.status == 409
        assert caught.value.exchange.response_headers["Location"] == BASE + "/acct/2"
        assert client.account_key is rsa_key

    def test_exchange_records(self, session, client, exchanges):
        session.on("POST", ORDER_URL, {"json": order_json()})
        client.get_order(ORDER_URL)
        directory, nonce, order = exchanges
        assert (directory.operation, directory.method, directory.url, directory.status) == (
            "directory",
            "GET",
            DIRECTORY_URL,
            200,
        )
        assert (nonce.operation, nonce.method, nonce.response_body) == ("newNonce", "HEAD", "")
        assert order.request_payload is None and order.problem is None
        assert json.loads(order.response_body) == order_json()
        assert order.response_headers["Replay-Nonce"] == "nonce-2"
        assert order.elapsed_ms >= 0


# --- certificates: download with alternates, revocation


class TestCertificates:
    @pytest.mark.parametrize(
        "headers, expected",
        [
            (['<https://a.test/cert/1/alt/1>;rel="alternate"'], [("https://a.test/cert/1/alt/1", ["alternate"])]),
            (["</cert/1/alt/1>; rel=alternate"], [("https://acme.test/cert/1/alt/1", ["alternate"])]),
            (
                [
                    '<https://a.test/dir>;rel="index", <https://a.test/c/2>;rel="alternate", <https://a.test/c/3>; rel=alternate'
                ],
                [
                    ("https://a.test/dir", ["index"]),
                    ("https://a.test/c/2", ["alternate"]),
                    ("https://a.test/c/3", ["alternate"]),
                ],
            ),
            (
                ['<https://a.test/c/2>; title="a, b; c"; rel="up alternate"', "<c/3>;REL=Alternate"],
                [("https://a.test/c/2", ["up", "alternate"]), ("https://acme.test/cert/c/3", ["alternate"])],
            ),
            ([], []),
            (["garbage"], []),
        ],
    )
    def test_parse_links(self, headers, expected):
        assert acme_v2.parse_links(headers, "https://acme.test/cert/1") == expected

    def chain(self, keys, name):
        return make_certificate(keys["ES256"], name) + make_certificate(keys["ES384"], "issuer.test")

    def test_download_with_alternates(self, session, client, keys):
        default, alt1, alt2 = (
            self.chain(keys, "default.test"),
            self.chain(keys, "alt1.test"),
            self.chain(keys, "alt2.test"),
        )
        pem = "application/pem-certificate-chain"
        session.on(
            "POST",
            CERT_URL,
            {
                "text": default.replace("\n", "\r\n"),
                "headers": {"Content-Type": pem},
                "links": [
                    '<%s/dir>;rel="index"' % BASE,
                    '<%s/alt/1>;rel="alternate"' % CERT_URL,
                    "<%s/alt/2>; rel=alternate" % CERT_URL,
                    '<%s>;rel="alternate"' % CERT_URL,  # a link to itself is not downloaded again
                ],
            },
        )
        session.on("POST", CERT_URL + "/alt/1", {"text": alt1, "headers": {"Content-Type": pem}})
        session.on("POST", CERT_URL + "/alt/2", {"text": alt2, "headers": {"Content-Type": pem}})
        chains = client.download_certificate(CERT_URL)
        assert chains == [cert_utils.cleanup_pem_text(default), alt1, alt2]
        for sent in session.posts():
            assert sent.headers["Accept"] == pem and sent.payload_b64 == ""
        assert client.download_certificate(CERT_URL, alternates=False) == chains[:1]

    def test_download_that_is_not_pem(self, session, client):
        session.on("POST", CERT_URL, {"json": {"status": "valid"}})
        with pytest.raises(errors.AcmeCommunicationError, match="without a PEM certificate"):
            client.download_certificate(CERT_URL)

    def test_revoke_with_the_account_key(self, session, client, keys, rsa_key, exchanges):
        session.on("POST", DIRECTORY["revokeCert"], {"status": 200, "text": ""})
        cert_pem = self.chain(keys, "revoke.test")  # a fullchain: its leaf is revoked
        client.revoke_certificate(cert_pem, reason=4)
        (sent,) = session.posts()
        assert sent.protected == {
            "alg": "RS256",
            "kid": ACCOUNT_URL,
            "nonce": "nonce-1",
            "url": DIRECTORY["revokeCert"],
        }
        leaf = cert_utils.split_pem_chain(cert_pem)[0]
        assert sent.payload == {"certificate": b64d_text_der(leaf), "reason": 4}
        verify_jws(sent.jws, rsa_key.jwk)
        assert exchanges[-1].operation == "revokeCert"

    def test_revoke_with_the_certificate_key(self, session, client, keys):
        session.on("POST", DIRECTORY["revokeCert"], {"status": 200, "text": ""})
        cert_pem = make_certificate(keys["ES384"], "revoke.test")
        client.revoke_certificate(cert_pem, cert_key_pem=keys["ES384"])
        (sent,) = session.posts()
        cert_key = acme_v2.AcmeKey(keys["ES384"])
        assert sent.protected == {
            "alg": "ES384",
            "jwk": cert_key.jwk,
            "nonce": "nonce-1",
            "url": DIRECTORY["revokeCert"],
        }
        assert sent.payload == {"certificate": b64d_text_der(cert_pem)}  # no reason given, none sent
        verify_jws(sent.jws, cert_key.jwk)

    def test_revoke_errors(self, session, client, keys):
        session.on("POST", DIRECTORY["revokeCert"], {"status": 400, "json": problem("alreadyRevoked")})
        with pytest.raises(errors.AcmeServerError) as caught:
            client.revoke_certificate(make_certificate(keys["ES256"]))
        assert caught.value.code == "alreadyRevoked"
        with pytest.raises(errors.InvalidPEM):
            client.revoke_certificate("no certificate here")


def b64d_text(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def b64d_text_der(pem: str) -> str:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(der).decode().rstrip("=")
