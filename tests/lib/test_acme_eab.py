"""External Account Binding (RFC 8555 section 7.3.4) in lib.acme_v2, without a network.

The fake session of ``test_acme_v2`` plays the server. Every binding the client sends is decoded and
its MAC checked here with ``hmac`` against the HMAC key, independently of the client's code.
"""

import base64
import hashlib
import hmac
import json

import pytest

from peter_sslers.lib import acme_v2
from peter_sslers.lib import errors
from tests.lib.test_acme_v2 import ACCOUNT_URL
from tests.lib.test_acme_v2 import DIRECTORY
from tests.lib.test_acme_v2 import DIRECTORY_URL
from tests.lib.test_acme_v2 import account_json
from tests.lib.test_acme_v2 import b64d
from tests.lib.test_acme_v2 import exchanges  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import fake_clock  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import keys  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import problem
from tests.lib.test_acme_v2 import rsa_key  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import session  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import transport  # noqa: F401  (fixture)
from tests.lib.test_acme_v2 import verify_jws

HMAC_KEY = bytes(range(1, 33))  # 32 bytes, as CAs issue them
HMAC_KEY_B64 = base64.urlsafe_b64encode(HMAC_KEY).rstrip(b"=").decode()
DIGESTS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def check_binding(binding: dict, account_jwk: dict, kid: str, url: str, hmac_key: bytes, alg: str = "HS256") -> None:
    """RFC 8555 7.3.4 as a server checks it: a flattened JWS, protected {alg, kid, url} and nothing
    else (no nonce, no jwk), the account's public JWK as payload, a MAC over ``protected.payload``."""
    assert sorted(binding) == ["payload", "protected", "signature"]
    assert json.loads(b64d(binding["protected"])) == {"alg": alg, "kid": kid, "url": url}
    assert json.loads(b64d(binding["payload"])) == account_jwk
    expected = hmac.new(hmac_key, ("%s.%s" % (binding["protected"], binding["payload"])).encode("ascii"), DIGESTS[alg])
    assert hmac.compare_digest(b64d(binding["signature"]), expected.digest())
    assert "=" not in binding["signature"] + binding["protected"] + binding["payload"]  # base64url, no padding


def directory_requiring_eab(session) -> None:
    directory = dict(DIRECTORY, meta={"termsOfService": "t", "externalAccountRequired": True})
    session.on("GET", DIRECTORY_URL, {"json": directory, "nonce": False})


def created(session) -> None:
    session.on("POST", DIRECTORY["newAccount"], {"status": 201, "json": account_json(), "headers": {"Location": ACCOUNT_URL}})


class TestBindingStructure:
    @pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
    def test_binding_is_a_mac_of_the_account_jwk(self, rsa_key, alg):
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY, alg=alg)
        binding = eab.binding(rsa_key.jwk, DIRECTORY["newAccount"])
        check_binding(binding, rsa_key.jwk, "kid-1", DIRECTORY["newAccount"], HMAC_KEY, alg)
        # another key gives another MAC: the server's check would fail
        forged = acme_v2.ExternalAccountKey("kid-1", b"x" * 32, alg=alg).binding(rsa_key.jwk, DIRECTORY["newAccount"])
        with pytest.raises(AssertionError):
            check_binding(forged, rsa_key.jwk, "kid-1", DIRECTORY["newAccount"], HMAC_KEY, alg)

    def test_the_hmac_key_stays_out_of_repr(self):
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY)
        assert "kid-1" in repr(eab)
        assert repr(HMAC_KEY) not in repr(eab) and HMAC_KEY_B64 not in repr(eab)

    def test_bad_credentials(self):
        with pytest.raises(ValueError):
            acme_v2.ExternalAccountKey("kid-1", HMAC_KEY, alg="RS256")
        with pytest.raises(ValueError):
            acme_v2.ExternalAccountKey("", HMAC_KEY)
        with pytest.raises(ValueError):
            acme_v2.ExternalAccountKey("kid-1", b"")


class TestMacAgainstTheRfcs:
    """The MAC itself, against published vectors (not against this code's own output)."""

    def test_rfc7515_appendix_a1_hs256(self):
        # RFC 7515 appendix A.1: the JWS signing input and key of the example, and its signature
        key = acme_v2.b64url_decode(
            "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
        )
        signing_input = (
            b"eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            b".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        )
        mac = acme_v2.ExternalAccountKey("kid-1", key, alg="HS256").mac(signing_input)
        assert acme_v2.b64url(mac) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

    @pytest.mark.parametrize(
        "alg, expected",
        [
            ("HS256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                "HS384",
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                "HS512",
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ],
    )
    def test_rfc4231_test_case_2(self, alg, expected):
        # RFC 4231 section 4.3: HMAC-SHA-256/384/512, the algorithms of HS256/HS384/HS512 (RFC 7518 3.2)
        mac = acme_v2.ExternalAccountKey("kid-1", b"Jefe", alg=alg).mac(b"what do ya want for nothing?")
        assert mac.hex() == expected

    @pytest.mark.parametrize("alg, length", [("HS256", 32), ("HS384", 48), ("HS512", 64)])
    def test_the_binding_signature_is_the_mac_of_protected_dot_payload(self, rsa_key, alg, length):
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY, alg=alg)
        binding = eab.binding(rsa_key.jwk, DIRECTORY["newAccount"])
        signature = b64d(binding["signature"])
        assert len(signature) == length  # RFC 7518 3.2: the full HMAC output, not truncated
        assert signature == eab.mac(("%s.%s" % (binding["protected"], binding["payload"])).encode("ascii"))


class TestParseExternalAccount:
    """The account forms' reading of `eab_kid`, `eab_hmac_key` and `eab_mac_algorithm`."""

    @pytest.mark.parametrize("given, alg", [(None, "HS256"), ("", "HS256"), ("HS256", "HS256"), ("HS384", "HS384"),
                                            ("HS512", "HS512")])
    def test_algorithms(self, given, alg):
        from peter_sslers.lib.db.acme_accounts import parse_external_account

        eab = parse_external_account("kid-1", HMAC_KEY_B64, given)
        assert eab.alg == alg and eab.hmac_key == HMAC_KEY
        assert parse_external_account(None, None, "HS512") is None  # no binding: the algorithm is moot

    @pytest.mark.parametrize("given", ["RS256", "hs256", "none", "HS1024"])
    def test_other_algorithms_are_refused(self, given):
        from peter_sslers.lib.db.acme_accounts import parse_external_account

        with pytest.raises(errors.FormInvalid) as info:
            parse_external_account("kid-1", HMAC_KEY_B64, given)
        assert "eab_mac_algorithm" in info.value.errors


class TestDecodeHmacKey:
    @pytest.mark.parametrize(
        "text",
        [HMAC_KEY_B64, HMAC_KEY_B64 + "=", "  %s\n" % HMAC_KEY_B64, base64.urlsafe_b64encode(HMAC_KEY).decode()],
    )
    def test_base64url_with_or_without_padding(self, text):
        assert acme_v2.decode_eab_hmac_key(text) == HMAC_KEY

    def test_url_alphabet(self):
        raw = b"\xfb\xff\xbf" * 11  # base64 would spell it with + and /
        text = base64.urlsafe_b64encode(raw).decode()
        assert "-" in text and "_" in text
        assert acme_v2.decode_eab_hmac_key(text) == raw

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "   ",
            base64.b64encode(b"\xfb\xff\xbf" * 11).decode(),  # standard base64: + and /
            "abc!def",
            "abcde",  # 5 characters: no base64 has that length
            "ab=c",
            "abc==",  # padding where base64 has none
            "a" * 1025,
        ],
    )
    def test_not_base64url(self, text):
        with pytest.raises(ValueError) as info:
            acme_v2.decode_eab_hmac_key(text)
        if text.strip():
            assert text.strip() not in str(info.value), "the message never repeats the key"


class TestNewAccount:
    @pytest.mark.parametrize("alg", ["HS384", "HS512"])
    def test_the_binding_uses_the_algorithm_asked_for(self, session, transport, rsa_key, alg):
        created(session)
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY, alg=alg)
        acme_v2.AcmeClient(transport, rsa_key).new_account(contact=["mailto:a@example.com"], external_account=eab)
        (sent,) = session.posts(DIRECTORY["newAccount"])
        check_binding(
            sent.payload["externalAccountBinding"], rsa_key.jwk, "kid-1", DIRECTORY["newAccount"], HMAC_KEY, alg
        )

    def test_the_binding_goes_in_the_new_account_payload(self, session, transport, rsa_key, exchanges):
        created(session)
        client = acme_v2.AcmeClient(transport, rsa_key)
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY)
        account, is_created = client.new_account(contact=["mailto:a@example.com"], external_account=eab)
        assert is_created and account.url == ACCOUNT_URL
        (sent,) = session.posts(DIRECTORY["newAccount"])
        verify_jws(sent.jws, rsa_key.jwk)  # the outer JWS: the account key, as always
        assert sent.protected["jwk"] == rsa_key.jwk and "kid" not in sent.protected
        assert sent.payload["termsOfServiceAgreed"] is True
        check_binding(
            sent.payload["externalAccountBinding"], rsa_key.jwk, "kid-1", DIRECTORY["newAccount"], HMAC_KEY
        )
        # what the event log stores holds the MAC, never the key
        stored = json.dumps([e.request_payload for e in exchanges])
        assert "externalAccountBinding" in stored
        for secret in (HMAC_KEY_B64, HMAC_KEY.hex(), base64.b64encode(HMAC_KEY).decode()):
            assert secret not in stored and secret not in sent.jws["payload"]

    def test_required_and_missing_is_refused_before_new_account(self, session, transport, rsa_key):
        directory_requiring_eab(session)
        created(session)
        client = acme_v2.AcmeClient(transport, rsa_key)
        assert transport.directory().external_account_required is True
        with pytest.raises(errors.ExternalAccountBindingError) as info:
            client.new_account(contact=["mailto:a@example.com"])
        assert info.value.field == "eab_kid" and info.value.problem is None
        assert "requires External Account Binding" in info.value.message
        assert session.posts() == [] and not [s for s in session.sent if s.method == "HEAD"]
        assert client.account_url is None

    def test_required_but_not_for_a_known_account_or_only_return_existing(self, session, transport, rsa_key):
        directory_requiring_eab(session)
        session.on("POST", DIRECTORY["newAccount"], {"status": 200, "json": account_json(), "headers": {"Location": ACCOUNT_URL}})
        acme_v2.AcmeClient(transport, rsa_key).new_account(only_return_existing=True)
        acme_v2.AcmeClient(transport, rsa_key, account_url=ACCOUNT_URL).new_account()
        sent = session.posts(DIRECTORY["newAccount"])
        assert len(sent) == 2 and all("externalAccountBinding" not in s.payload for s in sent)

    def test_only_return_existing_sends_no_binding(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"status": 200, "json": account_json(), "headers": {"Location": ACCOUNT_URL}})
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY)
        acme_v2.AcmeClient(transport, rsa_key).new_account(only_return_existing=True, external_account=eab)
        (sent,) = session.posts(DIRECTORY["newAccount"])
        assert sent.payload == {"onlyReturnExisting": True}

    def test_the_servers_external_account_required(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"status": 400, "json": problem("externalAccountRequired")})
        with pytest.raises(errors.ExternalAccountBindingError) as info:
            acme_v2.AcmeClient(transport, rsa_key).new_account()
        assert info.value.field == "eab_kid"
        assert info.value.problem["type"].endswith(":externalAccountRequired")
        assert "the externalAccountRequired detail" in info.value.message
        assert isinstance(info.value.__cause__, errors.AcmeServerError)

    def test_a_refused_binding(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"status": 401, "json": problem("unauthorized", 401)})
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY)
        with pytest.raises(errors.ExternalAccountBindingError) as info:
            acme_v2.AcmeClient(transport, rsa_key).new_account(external_account=eab)
        assert info.value.field == "eab_hmac_key"
        assert "refused the External Account Binding" in info.value.message and "unauthorized" in info.value.message
        assert HMAC_KEY_B64 not in info.value.message

    def test_other_refusals_stay_server_errors(self, session, transport, rsa_key):
        session.on("POST", DIRECTORY["newAccount"], {"status": 400, "json": problem("invalidContact")})
        eab = acme_v2.ExternalAccountKey("kid-1", HMAC_KEY)
        with pytest.raises(errors.AcmeServerError) as info:
            acme_v2.AcmeClient(transport, rsa_key).new_account(external_account=eab)
        assert info.value.code == "invalidContact"
