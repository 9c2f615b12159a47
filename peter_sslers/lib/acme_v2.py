"""An ACME v2 (RFC 8555) client. Pure: no database, no Pyramid.

Two layers, as certbot's ``acme`` package splits them:

* :class:`AcmeTransport` speaks HTTP: the directory (fetched once), the nonce pool, JWS signing,
  retries (``badNonce``; 503/429 with ``Retry-After``), timeouts and response checks. It reports
  every HTTP exchange to an optional ``on_exchange`` callback as an :class:`AcmeExchange`, which the
  caller stores (the AcmeEventLog).
* :class:`AcmeClient` is the protocol: one method per RFC 8555 operation, returning small
  dataclasses (:class:`AccountResource`, :class:`OrderResource`, ...). Each keeps the server's JSON
  in ``.raw`` for storage; nothing else should dig in it.

Account keys are :class:`AcmeKey`: RSA (RS256) or EC P-256 (ES256) / P-384 (ES384).

Errors (``lib.errors``): :class:`~peter_sslers.lib.errors.AcmeCommunicationError` (network, TLS, one
request timing out, a body that is not what RFC 8555 promises), ``AcmeServerError`` (an error
status; holds the problem document), its subclasses ``AcmeBadNonce`` and ``AcmeNotFound`` (404),
``AcmeTimeout`` (a poll's deadline), and ``InvalidPEM`` for keys and certificates that cannot be used.
"""

import base64
import collections
import copy
import datetime
import email.utils
import hashlib
import hmac
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Callable
from typing import Deque
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple
from urllib.parse import urljoin

import requests
import requests.certs
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from . import cert_utils
from . import errors

log = logging.getLogger(__name__)

__all__ = [
    "AcmeExchange",
    "AcmeResponse",
    "Directory",
    "AccountResource",
    "ChallengeResource",
    "AuthorizationResource",
    "OrderResource",
    "AcmeKey",
    "ExternalAccountKey",
    "decode_eab_hmac_key",
    "AcmeTransport",
    "AcmeClient",
    "RenewalInfo",
    "ari_cert_id",
    "jwk_thumbprint",
    "parse_links",
    "parse_retry_after",
]

CONTENT_TYPE_JOSE = "application/jose+json"
CONTENT_TYPE_PEM_CHAIN = "application/pem-certificate-chain"
ACME_ERROR_PREFIX = errors.ACME_ERROR_PREFIX

# RFC 8555 section 7.1.6: the statuses a poll waits through.
AUTHORIZATION_WAITING = ("pending",)
ORDER_WAITING = ("pending", "processing")

NONCE_POOL_SIZE = 16
# A poll without Retry-After: the first look is immediate, then 0.05, 0.1, 0.2 ... s, capped at
# POLL_MAX_WAIT. A server that settles in milliseconds (pebble, a CA's cached authorization) is not
# waited on for a whole second; a slow one is asked about as often as with 1, 2, 4 ... s after the
# first two seconds (a handful of extra POST-as-GETs in all). Retry-After, when given, rules.
POLL_FIRST_WAIT = 0.05
POLL_MAX_WAIT = 10.0
# 503/429: how many times a request is sent at most, the wait when no Retry-After is given, and the
# longest Retry-After we sit through (a rate limit saying "come back in an hour" is raised at once,
# with ``retry_after`` on the error, for the caller to record).
SERVER_BUSY_TRIES = 3
SERVER_BUSY_DEFAULT_WAIT = 1.0
SERVER_BUSY_MAX_WAIT = 30.0


# --- encoding helpers


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_to_b64url(value: int, length: Optional[int] = None) -> str:
    length = length or max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(length, "big"))


def _json_bytes(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


_RE_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(value) -> Optional[datetime.datetime]:
    """An RFC 3339 timestamp as an aware UTC datetime; None for None or anything unparsable
    (a server's odd date must not break an order)."""
    if not isinstance(value, str) or not value:
        return None
    text = _RE_FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


def parse_retry_after(value: Optional[str], date: Optional[str] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110 section 10.2.3): delay-seconds or an
    HTTP-date. An HTTP-date is measured from the response's own ``Date`` header when given (the
    server's clock), else from now. Never negative; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = None
    if date:
        try:
            now = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            now = None
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())


_RE_LINK = re.compile(r"<(?P<url>[^>]*)>(?P<params>(?:\s*;\s*[^;,\"=\s]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,\s]*))?)*)")
_RE_LINK_PARAM = re.compile(r";\s*(?P<name>[^=;,\s]+)\s*(?:=\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<token>[^;,\s]*)))?")


def parse_links(header_values: Iterable[str], base_url: str = "") -> List[Tuple[str, List[str]]]:
    """Every link of ``Link`` headers (RFC 8288): ``[(absolute url, [rel, ...]), ...]`` in order.

    Accepts several header values or one comma-joined value, quoted or unquoted ``rel`` and
    several space-separated relation types; relative URLs are resolved against ``base_url``.
    """
    links = []
    for header in header_values:
        for match in _RE_LINK.finditer(header or ""):
            rels = []
            for param in _RE_LINK_PARAM.finditer(match.group("params")):
                if param.group("name").lower() == "rel":
                    value = param.group("quoted") if param.group("quoted") is not None else param.group("token")
                    rels.extend((value or "").lower().split())
            links.append((urljoin(base_url, match.group("url").strip()), rels))
    return links


# --- the exchange record


def _network_cause(exc: BaseException) -> str:
    """The innermost operating-system cause of a network failure, in plain words (``connection
    refused``, ``Name or service not known``, ``timed out``), without urllib3's wrapping."""
    seen = set()
    found = None
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if getattr(current, "verify_message", None):  # ssl.SSLCertVerificationError
            found = "certificate verify failed: %s" % current.verify_message
        elif isinstance(current, OSError) and current.strerror:
            found = current.strerror
        if isinstance(current, TimeoutError) or "timed out" in type(current).__name__.lower():
            found = found or "timed out"
        stack.extend(
            candidate
            for candidate in (current.__cause__, current.__context__, getattr(current, "reason", None))
            if isinstance(candidate, BaseException)
        )
        stack.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
    if found:
        return found[:1].lower() + found[1:]
    return type(exc).__name__


@dataclass
class AcmeExchange:
    """One HTTP exchange with the server, as the caller's event log stores it.

    ``request_payload`` is the JWS payload before signing (None for GET/HEAD and POST-as-GET; for
    keyChange the inner JWS's payload ``{"account", "oldKey"}``); signatures and private keys are never
    in it. ``status`` is None when no response came (network or TLS failure). ``response_body`` is
    text (the PEM for a certificate); ``problem`` the RFC 7807 document of an error response.
    """

    operation: str
    method: str
    url: str
    request_payload: Optional[dict]
    status: Optional[int]
    response_headers: Dict[str, str]
    response_body: str
    problem: Optional[dict]
    elapsed_ms: float


@dataclass
class AcmeResponse:
    """A successful response, as the client layer reads it."""

    status: int
    headers: requests.structures.CaseInsensitiveDict
    text: str
    json: Optional[dict]
    url: str
    exchange: AcmeExchange
    links: List[Tuple[str, List[str]]] = field(default_factory=list)

    @property
    def location(self) -> Optional[str]:
        location = self.headers.get("Location")
        return urljoin(self.url, location) if location else None

    @property
    def retry_after(self) -> Optional[float]:
        return parse_retry_after(self.headers.get("Retry-After"), self.headers.get("Date"))

    def links_with_rel(self, rel: str) -> List[str]:
        return [url for url, rels in self.links if rel in rels]


# --- the resources (RFC 8555 section 7.1)


@dataclass
class Directory:
    """RFC 8555 section 7.1.1."""

    url: str
    new_nonce: str
    new_account: str
    new_order: str
    revoke_cert: str
    key_change: str
    terms_of_service: Optional[str]
    raw: dict
    # RFC 9773 (ARI): the renewalInfo resource, when the server offers it
    renewal_info: Optional[str] = None
    # RFC 8555 section 7.1.1 ``meta.externalAccountRequired``: newAccount needs External Account Binding
    external_account_required: bool = False

    @classmethod
    def from_json(cls, url: str, raw: dict) -> "Directory":
        missing = [
            name for name in ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange") if not raw.get(name)
        ]
        if missing:
            raise ValueError("the directory lacks %s" % ", ".join(missing))
        meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
        return cls(
            url=url,
            new_nonce=raw["newNonce"],
            new_account=raw["newAccount"],
            new_order=raw["newOrder"],
            revoke_cert=raw["revokeCert"],
            key_change=raw["keyChange"],
            terms_of_service=meta.get("termsOfService"),
            raw=raw,
            renewal_info=raw.get("renewalInfo") if isinstance(raw.get("renewalInfo"), str) else None,
            external_account_required=meta.get("externalAccountRequired") is True,
        )


@dataclass
class AccountResource:
    """RFC 8555 section 7.1.2. ``status``: valid, deactivated or revoked."""

    url: str
    status: str
    contact: List[str]
    orders_url: Optional[str]
    raw: dict

    @classmethod
    def from_json(cls, url: str, raw: dict) -> "AccountResource":
        return cls(
            url=url,
            status=raw.get("status") or "",
            contact=list(raw.get("contact") or []),
            orders_url=raw.get("orders"),
            raw=raw,
        )


@dataclass
class ChallengeResource:
    """RFC 8555 section 7.1.5 (and 8). Every type is kept, known or not; ``token`` is None for
    types without one. ``status``: pending, processing, valid or invalid."""

    url: str
    type: str
    status: str
    token: Optional[str]
    validated: Optional[datetime.datetime]
    error: Optional[dict]
    raw: dict

    @classmethod
    def from_json(cls, raw: dict, url: Optional[str] = None) -> "ChallengeResource":
        return cls(
            url=raw.get("url") or url or "",
            type=raw.get("type") or "",
            status=raw.get("status") or "",
            token=raw.get("token"),
            validated=parse_timestamp(raw.get("validated")),
            error=raw.get("error") if isinstance(raw.get("error"), dict) else None,
            raw=raw,
        )


@dataclass
class AuthorizationResource:
    """RFC 8555 section 7.1.4. ``identifier`` is the identifier's value (the domain name, without
    the ``*.`` of a wildcard, which ``wildcard`` says). ``status``: pending, valid, invalid,
    deactivated, expired or revoked."""

    url: str
    status: str
    identifier: str
    wildcard: bool
    expires: Optional[datetime.datetime]
    challenges: List[ChallengeResource]
    raw: dict

    @classmethod
    def from_json(cls, url: str, raw: dict) -> "AuthorizationResource":
        identifier = raw.get("identifier") if isinstance(raw.get("identifier"), dict) else {}
        return cls(
            url=url,
            status=raw.get("status") or "",
            identifier=identifier.get("value") or "",
            wildcard=bool(raw.get("wildcard", False)),
            expires=parse_timestamp(raw.get("expires")),
            challenges=[ChallengeResource.from_json(c) for c in raw.get("challenges") or [] if isinstance(c, dict)],
            raw=raw,
        )

    def challenge(self, type_: str) -> Optional[ChallengeResource]:
        """The challenge of this type ("http-01", "dns-01", ...), or None."""
        for challenge in self.challenges:
            if challenge.type == type_:
                return challenge
        return None


@dataclass
class OrderResource:
    """RFC 8555 section 7.1.3. ``identifiers`` are the values (domain names). ``status``: pending,
    ready, processing, valid or invalid; ``error`` the problem document of an invalid order."""

    url: str
    status: str
    identifiers: List[str]
    authorizations: List[str]
    finalize_url: str
    certificate_url: Optional[str]
    expires: Optional[datetime.datetime]
    error: Optional[dict]
    raw: dict

    @classmethod
    def from_json(cls, url: str, raw: dict) -> "OrderResource":
        return cls(
            url=url,
            status=raw.get("status") or "",
            identifiers=[i.get("value") for i in raw.get("identifiers") or [] if isinstance(i, dict)],
            authorizations=list(raw.get("authorizations") or []),
            finalize_url=raw.get("finalize") or "",
            certificate_url=raw.get("certificate"),
            expires=parse_timestamp(raw.get("expires")),
            error=raw.get("error") if isinstance(raw.get("error"), dict) else None,
            raw=raw,
        )


# --- keys and JWS

_JWK_REQUIRED_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}


def jwk_thumbprint(jwk: dict) -> str:
    """The RFC 7638 thumbprint of a public JWK: b64url(SHA-256) of its required members only,
    sorted, without whitespace (section 3).

    :raises ValueError: a key type other than RSA or EC, or a required member missing.
    """
    members = _JWK_REQUIRED_MEMBERS.get(jwk.get("kty"))
    if members is None or any(name not in jwk for name in members):
        raise ValueError("Not an RSA or EC public JWK: %r" % sorted(jwk))
    canonical = json.dumps({name: jwk[name] for name in members}, sort_keys=True, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


class AcmeKey:
    """An account key (or, for revocation, a certificate's key) that signs JWS.

    RSA keys sign RS256; EC keys ES256 (P-256) or ES384 (P-384), the signature as raw r||s
    (RFC 7518 section 3.4).

    :raises errors.InvalidPEM: not one unencrypted RSA or EC P-256/P-384 private key.
    """

    def __init__(self, key_pem: str):
        facts = cert_utils.parse_key(key_pem)  # raises InvalidPEM for anything else
        try:
            # parsed once per key (cert_utils keeps the key object by its exact PEM text): each
            # order's client loads the account key again
            self._key = cert_utils.load_private_key_object(cert_utils.convert_private_key_to_pkcs8_pem(key_pem))
        except errors.InvalidPEM as exc:
            raise errors.InvalidPEM("Not a usable account key: %s" % str(exc).replace("Not a usable private key: ", ""))
        self.key_technology = facts["key_technology"]
        public = self._key.public_key().public_numbers()
        if isinstance(self._key, rsa.RSAPrivateKey):
            self.alg = "RS256"
            self._hash = hashes.SHA256()
            self._coordinate_size = None
            self.jwk = {"e": _int_to_b64url(public.e), "kty": "RSA", "n": _int_to_b64url(public.n)}
        elif isinstance(self._key, ec.EllipticCurvePrivateKey) and facts["curve"] in ("P-256", "P-384"):
            self.alg = {"P-256": "ES256", "P-384": "ES384"}[facts["curve"]]
            self._hash = {"P-256": hashes.SHA256(), "P-384": hashes.SHA384()}[facts["curve"]]
            self._coordinate_size = {"P-256": 32, "P-384": 48}[facts["curve"]]
            self.jwk = {
                "crv": facts["curve"],
                "kty": "EC",
                "x": _int_to_b64url(public.x, self._coordinate_size),
                "y": _int_to_b64url(public.y, self._coordinate_size),
            }
        else:  # pragma: no cover - parse_key admits nothing else
            raise errors.InvalidPEM("Account keys are RSA or EC P-256/P-384.")
        self.thumbprint = jwk_thumbprint(self.jwk)

    def sign(self, data: bytes) -> bytes:
        """The JWS signature of ``data`` (the ASCII ``protected.payload``)."""
        if self._coordinate_size is None:
            return self._key.sign(data, padding.PKCS1v15(), self._hash)
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(self._hash)))
        return r.to_bytes(self._coordinate_size, "big") + s.to_bytes(self._coordinate_size, "big")

    def key_authorization(self, token: str) -> str:
        """RFC 8555 section 8.1: ``token.thumbprint``, what http-01 serves."""
        return "%s.%s" % (token, self.thumbprint)

    def dns01_txt_value(self, token: str) -> str:
        """RFC 8555 section 8.4: the TXT record of ``_acme-challenge.<domain>``."""
        return b64url(hashlib.sha256(self.key_authorization(token).encode("ascii")).digest())

    def jws(self, payload: Optional[dict], url: str, nonce: Optional[str], kid: Optional[str] = None) -> dict:
        """A flattened JWS (RFC 7515 section 7.2.2) of ``payload`` (None: POST-as-GET, an empty payload)
        with protected header ``{alg, nonce, url, kid|jwk}``: ``kid`` when given, else our ``jwk``.
        ``nonce`` None leaves it out (the inner JWS of keyChange)."""
        protected = {"alg": self.alg, "url": url}
        if nonce is not None:
            protected["nonce"] = nonce
        if kid:
            protected["kid"] = kid
        else:
            protected["jwk"] = self.jwk
        protected_b64 = b64url(_json_bytes(protected))
        payload_b64 = "" if payload is None else b64url(_json_bytes(payload))
        signature = self.sign(("%s.%s" % (protected_b64, payload_b64)).encode("ascii"))
        return {"protected": protected_b64, "payload": payload_b64, "signature": b64url(signature)}

    def __repr__(self) -> str:
        return "<AcmeKey %s %s>" % (self.alg, self.thumbprint)


# --- External Account Binding (RFC 8555 section 7.3.4)

# the MAC algorithms of RFC 7518 section 3.2 an EAB may use
EAB_ALGORITHMS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
EAB_HMAC_KEY_MAX_LENGTH = 1024
_RE_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def decode_eab_hmac_key(text: str) -> bytes:
    """The EAB HMAC key as the CA hands it out (base64url, RFC 4648 section 5; padding optional,
    surrounding whitespace ignored) -> its bytes.

    :raises ValueError: not base64url, or empty. The message never holds the key.
    """
    text = (text or "").strip()
    if not text:
        raise ValueError("The EAB HMAC key is empty.")
    if len(text) > EAB_HMAC_KEY_MAX_LENGTH:
        raise ValueError("The EAB HMAC key is longer than %d characters." % EAB_HMAC_KEY_MAX_LENGTH)
    # strict: base64.urlsafe_b64decode silently drops characters outside the alphabet, which would
    # turn a mistyped key into another key
    if not _RE_B64URL.match(text):
        raise ValueError("The EAB HMAC key is not base64url (only A-Z, a-z, 0-9, `-` and `_`, as the CA gives it).")
    unpadded = text.rstrip("=")
    if len(unpadded) % 4 == 1 or (text != unpadded and len(text) % 4):
        raise ValueError("The EAB HMAC key is not base64url: its length is impossible for base64.")
    return b64url_decode(unpadded)


@dataclass(frozen=True)
class ExternalAccountKey:
    """An EAB credential from the CA: its key id and the HMAC key (bytes, already decoded).

    The HMAC key is a secret: it is left out of ``repr`` and never sent; only MACs made with it are.
    """

    kid: str
    hmac_key: bytes = field(repr=False)
    alg: str = "HS256"

    def __post_init__(self):
        if self.alg not in EAB_ALGORITHMS:
            raise ValueError("EAB algorithms are %s." % ", ".join(EAB_ALGORITHMS))
        if not self.kid:
            raise ValueError("The EAB key id is empty.")
        if not self.hmac_key:
            raise ValueError("The EAB HMAC key is empty.")

    def binding(self, account_jwk: dict, url: str) -> dict:
        """The ``externalAccountBinding`` of a newAccount request (RFC 8555 section 7.3.4): a
        flattened JWS whose protected header is ``{alg, kid, url}`` (no nonce, no jwk), whose
        payload is the account's public JWK, MACed with the HMAC key."""
        protected_b64 = b64url(_json_bytes({"alg": self.alg, "kid": self.kid, "url": url}))
        payload_b64 = b64url(_json_bytes(account_jwk))
        mac = self.mac(("%s.%s" % (protected_b64, payload_b64)).encode("ascii"))
        return {"protected": protected_b64, "payload": payload_b64, "signature": b64url(mac)}

    def mac(self, signing_input: bytes) -> bytes:
        """The JWS signature of ``signing_input`` (``protected.payload``, ASCII) under ``alg``:
        HMAC with SHA-256, -384 or -512 keyed with the HMAC key (RFC 7518 section 3.2)."""
        return hmac.new(self.hmac_key, signing_input, EAB_ALGORITHMS[self.alg]).digest()


# --- ACME Renewal Information (RFC 9773)


def ari_cert_id(cert_pem: str) -> str:
    """The RFC 9773 section 4.1 certificate identifier of a certificate (the first one of a chain):
    base64url(the keyIdentifier of its Authority Key Identifier) "." base64url(the content octets of
    its DER serial number INTEGER, a leading zero included when the high bit is set).

    :raises errors.InvalidPEM: not a certificate, or one without an AKI keyIdentifier.
    """
    certs = _split_certs(cert_pem)
    if not certs:
        raise errors.InvalidPEM("ari_cert_id needs a PEM certificate.")
    try:
        cert = x509.load_pem_x509_certificate(certs[0].encode("ascii"))
    except ValueError as exc:
        raise errors.InvalidPEM("Not a readable certificate: %s" % exc)
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        aki = None
    if aki is None or not aki.key_identifier:
        raise errors.InvalidPEM("The certificate has no Authority Key Identifier keyIdentifier: no ARI id.")
    serial = cert.serial_number
    # DER INTEGER content: minimal two's complement, so a positive number whose high bit is set
    # gets a leading zero octet; (bit_length + 8) // 8 is exactly that length
    serial_der = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
    return "%s.%s" % (b64url(aki.key_identifier), b64url(serial_der))


def _split_certs(cert_pem) -> List[str]:
    return cert_utils.split_pem_chain(cert_pem) if isinstance(cert_pem, str) else []


@dataclass
class RenewalInfo:
    """RFC 9773 section 4.2: the window in which the server suggests renewing a certificate.

    ``start`` and ``end`` are aware UTC datetimes; ``retry_after`` the seconds until the client should
    ask again (the Retry-After header; None when not given); ``raw`` the server's JSON.
    """

    cert_id: str
    start: datetime.datetime
    end: datetime.datetime
    explanation_url: Optional[str]
    retry_after: Optional[float]
    raw: dict

    def choose_time(self, rng: Optional[random.Random] = None) -> datetime.datetime:
        """A uniformly random time inside the window (RFC 9773 section 4.2: spreads renewals)."""
        fraction = (rng or random).random()
        return self.start + (self.end - self.start) * fraction

    @classmethod
    def from_json(cls, cert_id: str, raw: dict, retry_after: Optional[float]) -> "RenewalInfo":
        """:raises ValueError: no usable ``suggestedWindow``."""
        window = raw.get("suggestedWindow")
        if not isinstance(window, dict):
            raise ValueError("no suggestedWindow object")
        start = parse_timestamp(window.get("start"))
        end = parse_timestamp(window.get("end"))
        if start is None or end is None:
            raise ValueError("suggestedWindow start/end are not RFC 3339 timestamps")
        if end < start:
            raise ValueError("suggestedWindow ends before it starts")
        explanation = raw.get("explanationURL")
        return cls(
            cert_id=cert_id,
            start=start,
            end=end,
            explanation_url=explanation if isinstance(explanation, str) else None,
            retry_after=retry_after,
            raw=raw,
        )


# --- transport


class AcmeTransport:
    """HTTP for one ACME server: directory, nonces, JWS, retries, timeouts, response checks.

    :param directory_url: the server's directory.
    :param ca_bundle: a PEM file of the CAs to trust for the server's TLS; None trusts the default
        store of ``requests`` (certifi). Exactly that is trusted, whatever ``REQUESTS_CA_BUNDLE`` says.
    :param timeout: seconds for one HTTP request.
    :param on_exchange: called with an :class:`AcmeExchange` after every HTTP exchange, failed ones too.
    :param max_bad_nonce_retries: how many times a request rejected with ``badNonce`` is sent again.
    :param clock: monotonic seconds (polls' deadlines); ``sleep``: waits. Both injectable for tests.
    :param session: a ``requests.Session`` (a fake in tests); one of ours by default.
    """

    def __init__(
        self,
        directory_url: str,
        ca_bundle: Optional[str] = None,
        timeout: float = 30,
        user_agent: str = "peter_sslers",
        on_exchange: Optional[Callable[[AcmeExchange], None]] = None,
        max_bad_nonce_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        session: Optional[requests.Session] = None,
    ):
        self.directory_url = directory_url
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.user_agent = user_agent
        self.on_exchange = on_exchange
        self.max_bad_nonce_retries = max_bad_nonce_retries
        self.clock = clock
        self.sleep = sleep
        if session is None:
            session = requests.Session()
            # No environment: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE would override our trust, and proxy
            # variables would send ACME traffic elsewhere.
            session.trust_env = False
        self.session = session
        # ``verify`` is passed on every request as a path: requests only lets the environment replace
        # ``verify=True``, never a path, so even a caller's session with trust_env on trusts exactly this.
        self._verify = ca_bundle or requests.certs.where()
        # a box, so that the transports made by :meth:`sharing` share the directory once fetched
        self._directory_box: List[Optional[Directory]] = [None]
        # Every response's Replay-Nonce goes in; the newest is used first (older ones may have expired).
        self._nonces: Deque[str] = collections.deque(maxlen=NONCE_POOL_SIZE)
        self._lock = threading.Lock()

    def sharing(self, on_exchange: Optional[Callable[[AcmeExchange], None]] = None) -> "AcmeTransport":
        """A transport to the same server that shares this one's HTTP session (its open
        connections), directory and nonce pool, reporting to ``on_exchange``: the second order of
        one unit of work fetches no directory, no nonce and opens no TLS connection again. Not for
        sharing across threads (a ``requests.Session`` is not thread-safe): one per thread."""
        other = copy.copy(self)
        other.on_exchange = on_exchange
        return other

    # -- low level

    def _report(self, exchange: AcmeExchange) -> None:
        if self.on_exchange is not None:
            self.on_exchange(exchange)

    def _send(
        self,
        operation: str,
        method: str,
        url: str,
        request_payload: Optional[dict] = None,
        body: Optional[bytes] = None,
        accept: Optional[str] = None,
    ) -> Tuple[requests.Response, AcmeExchange]:
        """Send one request and report it. Network and TLS failures become AcmeCommunicationError."""
        headers = {"User-Agent": self.user_agent}
        if body is not None:
            headers["Content-Type"] = CONTENT_TYPE_JOSE
        if accept:
            headers["Accept"] = accept
        started = time.perf_counter()
        try:
            response = self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                verify=self._verify,
                allow_redirects=False,
            )
            # ACME bodies are UTF-8 JSON (RFC 8259) or ASCII PEM: no charset sniffing
            text = response.content.decode("utf-8", "replace") if method != "HEAD" else ""
        except (requests.RequestException, OSError) as exc:
            exchange = AcmeExchange(
                operation, method, url, request_payload, None, {}, "", None, (time.perf_counter() - started) * 1000
            )
            self._report(exchange)
            if isinstance(exc, requests.exceptions.SSLError):
                reason = "TLS verification failed (trusting %s)" % (self.ca_bundle or "the default CA store")
            elif isinstance(exc, requests.Timeout):
                reason = "no answer within %s s" % self.timeout
            else:
                reason = "the request failed"
            # the operator reads the cause (refused, no such host, ...), not the HTTP library's internals;
            # the full text goes to the log
            log.info("ACME %s %s (%s) failed: %r", method, url, operation, exc)
            raise errors.AcmeCommunicationError(
                "%s %s (%s): %s: %s" % (method, url, operation, reason, _network_cause(exc)), exchange
            )
        problem = None
        if response.status_code >= 400:
            problem = _json_object(text)
        exchange = AcmeExchange(
            operation=operation,
            method=method,
            url=url,
            request_payload=request_payload,
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=text,
            problem=problem,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
        nonce = response.headers.get("Replay-Nonce")
        if nonce:
            with self._lock:
                self._nonces.append(nonce)
        self._report(exchange)
        return response, exchange

    def _success(self, response: requests.Response, exchange: AcmeExchange, expect_json: bool) -> AcmeResponse:
        body = None
        if expect_json:
            body = _json_object(exchange.response_body)
            if body is None:
                raise errors.AcmeCommunicationError(
                    "%s %s (%s): HTTP %s with a body that is not a JSON object: %r"
                    % (
                        exchange.method,
                        exchange.url,
                        exchange.operation,
                        exchange.status,
                        exchange.response_body[:200],
                    ),
                    exchange,
                )
        return AcmeResponse(
            status=response.status_code,
            headers=response.headers,
            text=exchange.response_body,
            json=body,
            url=exchange.url,
            exchange=exchange,
            links=parse_links(_header_values(response, "Link"), exchange.url),
        )

    def _error(self, response: requests.Response, exchange: AcmeExchange) -> errors.AcmeServerError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), response.headers.get("Date"))
        detail = None if exchange.problem else (exchange.response_body.strip()[:500] or None)
        error_class = errors.AcmeNotFound if response.status_code == 404 else errors.AcmeServerError
        return error_class(response.status_code, exchange.problem, exchange, retry_after, detail)

    def _busy_wait(self, response: requests.Response, tries: int, deadline: Optional[float]) -> Optional[float]:
        """How long to wait before sending a request again that got 503 or 429, or None to give up:
        after SERVER_BUSY_TRIES tries, when Retry-After is longer than SERVER_BUSY_MAX_WAIT, or when
        the wait would end past the caller's deadline."""
        if response.status_code not in (429, 503) or tries >= SERVER_BUSY_TRIES:
            return None
        wait = parse_retry_after(response.headers.get("Retry-After"), response.headers.get("Date"))
        wait = SERVER_BUSY_DEFAULT_WAIT if wait is None else wait
        if wait > SERVER_BUSY_MAX_WAIT:
            return None
        if deadline is not None and self.clock() + wait > deadline:
            return None
        return wait

    # -- directory and nonces

    def directory(self) -> Directory:
        """The server's directory (RFC 8555 section 7.1.1), fetched once and cached.

        :raises errors.AcmeCommunicationError: no answer, or not a directory.
        :raises errors.AcmeServerError: an error status.
        """
        if self._directory_box[0] is None:
            tries = 0
            while True:
                tries += 1
                response, exchange = self._send("directory", "GET", self.directory_url)
                if response.status_code == 200:
                    break
                wait = self._busy_wait(response, tries, None)
                if wait is None:
                    raise self._error(response, exchange)
                self.sleep(wait)
            body = self._success(response, exchange, expect_json=True).json
            try:
                self._directory_box[0] = Directory.from_json(self.directory_url, body)
            except ValueError as exc:
                raise errors.AcmeCommunicationError(
                    "%s is not an ACME directory: %s" % (self.directory_url, exc), exchange
                )
        return self._directory_box[0]

    def _take_nonce(self) -> str:
        """A fresh nonce: from the pool (the newest first), else by HEAD newNonce (RFC 8555 section 7.2)."""
        url = self.directory().new_nonce
        with self._lock:
            if self._nonces:
                return self._nonces.pop()
        tries = 0
        while True:  # a busy server (503/429) is asked again, as for the directory and every POST
            tries += 1
            response, exchange = self._send("newNonce", "HEAD", url)
            if response.status_code in (200, 204):
                break
            wait = self._busy_wait(response, tries, None)
            if wait is None:
                raise self._error(response, exchange)
            self.sleep(wait)
        with self._lock:
            if not self._nonces:
                raise errors.AcmeCommunicationError("HEAD %s answered without a Replay-Nonce." % url, exchange)
            return self._nonces.pop()

    # -- signed requests

    def post(
        self,
        operation: str,
        url: str,
        payload: Optional[dict],
        key: AcmeKey,
        kid: Optional[str] = None,
        deadline: Optional[float] = None,
        expect_json: bool = True,
        accept: Optional[str] = None,
        jws_payload=None,
        reported_payload: Optional[dict] = None,
    ) -> AcmeResponse:
        """POST a JWS (RFC 8555 section 6.2) signed by ``key``, identified by ``kid`` (the account URL)
        or, when None, by ``key``'s own ``jwk``. ``payload`` None is a POST-as-GET (section 6.3).

        A ``badNonce`` rejection is retried with a fresh nonce up to ``max_bad_nonce_retries`` times;
        503 and 429 are retried after their Retry-After (at most SERVER_BUSY_TRIES tries, never past
        ``deadline``, a :attr:`clock` value). ``jws_payload`` replaces ``payload`` on the wire when the
        payload is itself a JWS (keyChange); ``reported_payload`` is then what the exchange records.

        :raises errors.AcmeBadNonce: still badNonce after the retries.
        :raises errors.AcmeNotFound: 404.
        :raises errors.AcmeServerError: any other error status.
        :raises errors.AcmeCommunicationError: no answer, or a body that is not JSON where JSON was expected.
        """
        bad_nonces = 0
        busy_tries = 0
        wire_payload = jws_payload if jws_payload is not None else payload
        record = reported_payload if reported_payload is not None else payload
        while True:
            nonce = self._take_nonce()
            body = _json_bytes(key.jws(wire_payload, url, nonce, kid))
            response, exchange = self._send(operation, "POST", url, record, body, accept)
            if response.status_code < 400:
                return self._success(response, exchange, expect_json)
            problem_type = (exchange.problem or {}).get("type")
            if problem_type == ACME_ERROR_PREFIX + "badNonce":
                if bad_nonces < self.max_bad_nonce_retries:
                    bad_nonces += 1
                    continue
                raise errors.AcmeBadNonce(response.status_code, exchange.problem, exchange)
            busy_tries += 1
            wait = self._busy_wait(response, busy_tries, deadline)
            if wait is None:
                raise self._error(response, exchange)
            self.sleep(wait)


def _json_object(text: str) -> Optional[dict]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _header_values(response: requests.Response, name: str) -> List[str]:
    """Every value of a header, even when it was sent several times (requests joins them with ", ",
    which :func:`parse_links` handles too)."""
    raw = getattr(response, "raw", None)
    headers = getattr(raw, "headers", None)
    if headers is not None and hasattr(headers, "getlist"):
        values = headers.getlist(name)
        if values:
            return list(values)
    value = response.headers.get(name)
    return [value] if value else []


# --- the client

# the problem codes with which a server refuses a newAccount's External Account Binding (a bad MAC,
# an unknown or used key id, an algorithm it does not take)
EAB_REFUSALS = ("unauthorized", "malformed", "badSignatureAlgorithm")


class AcmeClient:
    """The RFC 8555 operations, for one account (``account_key``, and ``account_url`` once known).

    :param transport: the server's :class:`AcmeTransport`.
    :param account_key: the account's :class:`AcmeKey`.
    :param account_url: the account URL (the JWS ``kid``) when already registered; :meth:`new_account`
        sets it.
    """

    def __init__(self, transport: AcmeTransport, account_key: AcmeKey, account_url: Optional[str] = None):
        self.transport = transport
        self.account_key = account_key
        self.account_url = account_url

    # -- helpers

    def _kid(self) -> str:
        if not self.account_url:
            raise errors.AcmeError("No account URL: call new_account() first (or give account_url).")
        return self.account_url

    def _post(self, operation: str, url: str, payload: Optional[dict], **kwargs) -> AcmeResponse:
        return self.transport.post(operation, url, payload, self.account_key, self._kid(), **kwargs)

    @staticmethod
    def _location(response: AcmeResponse, what: str) -> str:
        location = response.location
        if not location:
            raise errors.AcmeCommunicationError(
                "The server created the %s without saying where (no Location header)." % what, response.exchange
            )
        return location

    def _deadline(self, timeout: float) -> float:
        return self.transport.clock() + timeout

    def _poll(self, fetch: Callable[[Optional[float]], Tuple[object, Optional[float]]], waiting, timeout, what):
        """Fetch until the resource's status is not in ``waiting``. Waits the server's Retry-After
        when it gives one, else POLL_FIRST_WAIT, then twice as long each time, capped at POLL_MAX_WAIT; never past the deadline,
        where one last fetch is made before raising AcmeTimeout with it."""
        deadline = self._deadline(timeout)
        backoff = POLL_FIRST_WAIT
        while True:
            resource, retry_after = fetch(deadline)
            if resource.status not in waiting:
                return resource
            remaining = deadline - self.transport.clock()
            if remaining <= 0:
                raise errors.AcmeTimeout(
                    "%s %s is still %r after %s s." % (what, resource.url, resource.status, timeout), resource
                )
            wait = retry_after if retry_after is not None else backoff
            self.transport.sleep(max(0.0, min(wait, remaining)))
            backoff = min(backoff * 2, POLL_MAX_WAIT)

    # -- accounts (RFC 8555 section 7.3)

    def new_account(
        self,
        contact: Optional[List[str]] = None,
        terms_of_service_agreed: bool = True,
        only_return_existing: bool = False,
        external_account: Optional[ExternalAccountKey] = None,
    ) -> Tuple[AccountResource, bool]:
        """Register the account key, or find its account (RFC 8555 sections 7.3, 7.3.1).

        ``only_return_existing`` asks for an existing account only (a missing one raises
        AcmeServerError with code ``accountDoesNotExist``). Sets :attr:`account_url`.

        ``external_account`` binds the new account to the CA's external account (section 7.3.4).
        When the directory says ``externalAccountRequired`` and none is given, nothing is sent
        (unless :attr:`account_url` is already known: the server finds an existing account
        without a binding), and ExternalAccountBindingError is raised.

        :returns: ``(account, created)``: created is True for 201, False for 200 (it existed).
        :raises errors.ExternalAccountBindingError: the binding is required and missing (before
            newAccount, or the server's ``externalAccountRequired``), or the server refused the one given.
        :raises errors.AcmeServerError: e.g. ``accountDoesNotExist``, ``invalidContact``,
            ``unsupportedContact``.
        """
        payload = {}
        if only_return_existing:
            payload["onlyReturnExisting"] = True
        else:
            payload["termsOfServiceAgreed"] = bool(terms_of_service_agreed)
        if contact:
            payload["contact"] = list(contact)
        directory = self.transport.directory()
        binding = external_account is not None and not only_return_existing
        if binding:
            payload["externalAccountBinding"] = external_account.binding(self.account_key.jwk, directory.new_account)
        elif directory.external_account_required and not only_return_existing and not self.account_url:
            raise errors.ExternalAccountBindingError(
                "The ACME server %s requires External Account Binding (its directory says externalAccountRequired): "
                "give the EAB key id and HMAC key the CA issued (`eab_kid`, `eab_hmac_key`). Nothing was sent."
                % self.transport.directory_url
            )
        try:
            response = self.transport.post("newAccount", directory.new_account, payload, self.account_key, kid=None)
        except errors.AcmeServerError as exc:
            if exc.code == "externalAccountRequired":
                raise errors.ExternalAccountBindingError(
                    "The ACME server requires External Account Binding (externalAccountRequired): give the EAB key "
                    "id and HMAC key the CA issued (`eab_kid`, `eab_hmac_key`). It said: %s"
                    % (exc.detail or "no detail"),
                    problem=exc.problem,
                ) from exc
            if binding and exc.code in EAB_REFUSALS:
                raise errors.ExternalAccountBindingError(
                    "The ACME server refused the External Account Binding (HTTP %s %s): %s. Check the EAB key id "
                    "and HMAC key." % (exc.status, exc.code, exc.detail or "no detail"),
                    field="eab_hmac_key",
                    problem=exc.problem,
                ) from exc
            raise
        url = self._location(response, "account")
        self.account_url = url
        return AccountResource.from_json(url, response.json), response.status == 201

    def update_account(self, contact: List[str]) -> AccountResource:
        """Replace the account's contacts (RFC 8555 section 7.3.2); ``[]`` removes them all."""
        response = self._post("account-update", self._kid(), {"contact": list(contact)})
        return AccountResource.from_json(self._kid(), response.json)

    def deactivate_account(self) -> AccountResource:
        """Deactivate the account, for good (RFC 8555 section 7.3.6)."""
        response = self._post("account-deactivate", self._kid(), {"status": "deactivated"})
        return AccountResource.from_json(self._kid(), response.json)

    def key_change(self, new_key: AcmeKey) -> None:
        """Roll the account over to ``new_key`` (RFC 8555 section 7.3.5): an inner JWS signed by the
        new key (``jwk``, no nonce) of ``{account, oldKey}``, sent inside a JWS signed by the old key.
        On success :attr:`account_key` becomes ``new_key``.

        :raises errors.AcmeServerError: e.g. status 409 when ``new_key`` already belongs to an account
            (its URL is in the exchange's Location header).
        """
        url = self.transport.directory().key_change
        inner_payload = {"account": self._kid(), "oldKey": self.account_key.jwk}
        inner = new_key.jws(inner_payload, url, nonce=None, kid=None)
        # the body of a success is not specified (pebble sends none): it is not read
        self._post("keyChange", url, None, jws_payload=inner, reported_payload=inner_payload, expect_json=False)
        self.account_key = new_key

    # -- orders (RFC 8555 section 7.4)

    def new_order(self, domain_names: List[str], replaces: Optional[str] = None) -> OrderResource:
        """Apply for a certificate for these DNS names (RFC 8555 section 7.4). ``replaces``: the
        RFC 9773 certificate id (:func:`ari_cert_id`) of the certificate this order replaces; sent
        only when given.

        :raises errors.AcmeServerError: e.g. ``rejectedIdentifier``, ``malformed``, ``rateLimited``,
            ``alreadyReplaced`` (RFC 9773: ``replaces`` was refused).
        """
        payload = {"identifiers": [{"type": "dns", "value": name} for name in domain_names]}
        if replaces:
            payload["replaces"] = replaces
        response = self._post("newOrder", self.transport.directory().new_order, payload)
        return OrderResource.from_json(self._location(response, "order"), response.json)

    # -- renewal information (RFC 9773)

    def get_renewal_info(self, cert_id: str) -> RenewalInfo:
        """The server's suggested renewal window for a certificate (RFC 9773 section 4.2): an
        unauthenticated GET of ``{renewalInfo}/{cert_id}``.

        :raises errors.AcmeError: the directory offers no ``renewalInfo``.
        :raises errors.AcmeNotFound: the server does not know the certificate.
        :raises errors.AcmeServerError: any other error status.
        :raises errors.AcmeCommunicationError: no answer, or a body without a usable window.
        """
        base = self.transport.directory().renewal_info
        if not base:
            raise errors.AcmeError("The ACME server's directory offers no renewalInfo (RFC 9773).")
        url = base.rstrip("/") + "/" + cert_id
        response, exchange = self.transport._send("renewalInfo", "GET", url)
        if response.status_code != 200:
            raise self.transport._error(response, exchange)
        success = self.transport._success(response, exchange, expect_json=True)
        try:
            return RenewalInfo.from_json(cert_id, success.json, success.retry_after)
        except ValueError as exc:
            raise errors.AcmeCommunicationError("GET %s (renewalInfo): not a renewal window: %s" % (url, exc), exchange)

    def get_order(self, order_url: str) -> OrderResource:
        """The order (RFC 8555 section 7.1.3, POST-as-GET).

        :raises errors.AcmeNotFound: the server does not know it (any more).
        """
        return self._get_order(order_url)[0]

    def _get_order(self, order_url: str, deadline: Optional[float] = None) -> Tuple[OrderResource, Optional[float]]:
        response = self._post("order", order_url, None, deadline=deadline)
        return OrderResource.from_json(order_url, response.json), response.retry_after

    def finalize_order(self, order: OrderResource, csr_pem: str) -> OrderResource:
        """Send the CSR (RFC 8555 section 7.4): the order must be ``ready``; it becomes
        ``processing`` or ``valid`` (see :meth:`poll_order`).

        :raises errors.InvalidPEM: ``csr_pem`` is not one CSR.
        :raises errors.AcmeServerError: e.g. ``orderNotReady``, ``badCSR``.
        """
        if cert_utils.detect_pem_type(csr_pem) != "CERTIFICATE REQUEST":
            raise errors.InvalidPEM("finalize_order needs a CSR.")
        csr_der = cert_utils.convert_pem_to_der(csr_pem)
        response = self._post("finalize", order.finalize_url, {"csr": b64url(csr_der)})
        return OrderResource.from_json(order.url, response.json)

    def poll_order(self, order_url: str, timeout: float = 90, until_not=ORDER_WAITING) -> OrderResource:
        """Fetch the order until its status is not in ``until_not`` (RFC 8555 section 7.4: after
        finalization ``processing`` turns ``valid`` or ``invalid``). Returns that order whatever its
        status, ``invalid`` included (its ``error`` holds the server's reason).

        :raises errors.AcmeTimeout: still waiting at the deadline (``.resource`` is the last order).
        """
        return self._poll(lambda deadline: self._get_order(order_url, deadline), tuple(until_not), timeout, "Order")

    # -- authorizations and challenges (RFC 8555 sections 7.5, 8)

    def get_authorization(self, url: str) -> AuthorizationResource:
        """The authorization (RFC 8555 section 7.5, POST-as-GET).

        :raises errors.AcmeNotFound: the server does not know it (any more).
        """
        return self._get_authorization(url)[0]

    def _get_authorization(self, url: str, deadline: Optional[float] = None):
        response = self._post("authorization", url, None, deadline=deadline)
        return AuthorizationResource.from_json(url, response.json), response.retry_after

    def deactivate_authorization(self, url: str) -> AuthorizationResource:
        """Give up an authorization (RFC 8555 section 7.5.2); orders using it become invalid."""
        response = self._post("authorization-deactivate", url, {"status": "deactivated"})
        return AuthorizationResource.from_json(url, response.json)

    def get_challenge(self, url: str) -> ChallengeResource:
        """The challenge (RFC 8555 section 7.5.1, POST-as-GET)."""
        response = self._post("challenge", url, None)
        return ChallengeResource.from_json(response.json, url)

    def answer_challenge(self, url: str) -> ChallengeResource:
        """Tell the server the challenge is ready to be validated (RFC 8555 section 7.5.1: POST ``{}``).
        The result shows in the authorization: see :meth:`poll_authorization`."""
        response = self._post("challenge-answer", url, {})
        return ChallengeResource.from_json(response.json, url)

    def poll_authorization(self, url: str, timeout: float = 90) -> AuthorizationResource:
        """Fetch the authorization until it is no longer ``pending`` (RFC 8555 section 7.5.1) and
        return it: ``valid``, or ``invalid`` with the failed challenge's ``error``.

        :raises errors.AcmeTimeout: still pending at the deadline (``.resource`` is the last one).
        """
        return self._poll(
            lambda deadline: self._get_authorization(url, deadline), AUTHORIZATION_WAITING, timeout, "Authorization"
        )

    # -- certificates (RFC 8555 sections 7.4.2, 7.6)

    def download_certificate(self, certificate_url: str, alternates: bool = True) -> List[str]:
        """Download the certificate chain (RFC 8555 section 7.4.2) and, with ``alternates``, every chain
        offered by a ``Link: <...>;rel="alternate"`` header. Each is a normalised PEM fullchain (leaf
        first); the server's default comes first.

        :raises errors.AcmeCommunicationError: a body without a certificate.
        """
        response = self._download_chain(certificate_url)
        chains = [response.text]
        if alternates:
            seen = {certificate_url}
            for url in response.links_with_rel("alternate"):
                if url not in seen:  # pebble's alternates link back to the default and to each other
                    seen.add(url)
                    chains.append(self._download_chain(url).text)
        return chains

    def _download_chain(self, url: str) -> AcmeResponse:
        response = self._post("certificate", url, None, expect_json=False, accept=CONTENT_TYPE_PEM_CHAIN)
        if not cert_utils.split_pem_chain(response.text):
            raise errors.AcmeCommunicationError(
                "%s answered without a PEM certificate (Content-Type %s)."
                % (url, response.headers.get("Content-Type")),
                response.exchange,
            )
        response.text = cert_utils.cleanup_pem_text(response.text)
        return response

    def revoke_certificate(
        self, cert_pem: str, reason: Optional[int] = None, cert_key_pem: Optional[str] = None
    ) -> None:
        """Revoke a certificate (RFC 8555 section 7.6). With ``cert_key_pem`` the request is signed by
        the certificate's own key (``jwk``), else by the account key (``kid``). ``reason`` is an RFC 5280
        CRLReason code. Given a fullchain, the first certificate (the leaf) is revoked.

        :raises errors.InvalidPEM: no certificate, or a key that cannot sign.
        :raises errors.AcmeServerError: e.g. ``alreadyRevoked``, ``badRevocationReason``, ``unauthorized``.
        """
        certs = cert_utils.split_pem_chain(cert_pem) if isinstance(cert_pem, str) else []
        if not certs:
            raise errors.InvalidPEM("revoke_certificate needs a PEM certificate.")
        payload = {"certificate": b64url(cert_utils.convert_pem_to_der(certs[0]))}
        if reason is not None:
            payload["reason"] = int(reason)
        url = self.transport.directory().revoke_cert
        if cert_key_pem is not None:
            self.transport.post("revokeCert", url, payload, AcmeKey(cert_key_pem), kid=None, expect_json=False)
        else:
            self._post("revokeCert", url, payload, expect_json=False)
