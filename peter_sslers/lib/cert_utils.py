"""Certificate, key and CSR utilities. Pure: no database, no Pyramid.

PEM is ``str`` (every PEM returned is normalised by :func:`cleanup_pem_text`), DER is ``bytes``.
Key technologies are ``"RSA"`` and ``"EC"`` (curves ``"P-256"`` and ``"P-384"``); SPKI hashes are
the upper-case hex SHA-256 of the DER SubjectPublicKeyInfo, which is how keys, CSRs and
certificates are matched.

Two backends do the cryptography:

* ``cryptography``, the normal one;
* the ``openssl`` command line (:mod:`peter_sslers.lib._openssl`), used when ``cryptography``
  cannot be imported, or when forced with :func:`use_backend`.

Both give the same answer from every public function (``tests/lib/test_cert_utils.py`` runs its
whole module once per backend). To keep them identical by construction a backend does only what
needs cryptography; the rest is plain Python here, shared: PEM framing, the few DER structures
that pair a signature with its signer and a key with its facts, name formatting and digests.

A backend provides, with PEM inputs already reduced to one normalised block of the right kind:

* ``private_key_spki(key_pem) -> bytes``: check an unencrypted private key, return its SPKI DER;
* ``private_key_pkcs8_der(key_pem) -> bytes``;
* ``generate_private_key(key_technology, bits, curve) -> str`` (PKCS#8 PEM);
* ``rsa_private_key(n, e, d, p, q, dp, dq, qi) -> str`` and ``ec_private_key(curve, x, y, d) -> str``
  (PKCS#8 PEM, checked for consistency);
* ``cert_facts(cert_pem) -> dict`` and ``csr_facts(csr_pem) -> dict`` (see :func:`parse_cert`);
* ``make_csr(domain_names, key_pem) -> str``;
* ``verify_signature(spki_der, digest, signature, data) -> bool``;
* ``pkcs7_certificates(der) -> str`` (the PEM text of every certificate of a PKCS#7 bundle).

Errors (``lib.errors``): ``InvalidPEM`` for input that is not what was asked for (garbage, binary,
the wrong kind of object, encrypted or unsupported keys), ``KeyMismatch``, ``ChainError``,
``InvalidRequest`` for bad choices (key sizes, curves, domain names), ``OpenSslError`` when the
``openssl`` binary itself fails.
"""

import base64
import binascii
import collections
import contextlib
import contextvars
import hashlib
import re
import threading
from typing import Any
from typing import Iterator
from typing import List
from typing import NamedTuple
from typing import Optional
from typing import Tuple

from . import _openssl
from . import errors

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.x509.oid import AuthorityInformationAccessOID
except ImportError:  # the openssl backend is then the only one
    x509 = None

# --- choices

ALLOWED_BITS_RSA = (2048, 3072, 4096)
ALLOWED_CURVES = ("P-256", "P-384")
CURVE_BITS = {"P-256": 256, "P-384": 384}
MAX_CSR_DOMAINS = 100

# Download formats (spec, "Certificate/Key Translations"): which names each object offers and
# the MIME type of each extension. DER certificates are served as "server" or "CA" certificates.
EXTENSION_TO_MIME = {
    "pem": "application/x-pem-file",
    "pem.txt": "text/plain",
    "cer": "application/pkix-cert",
    "crt": "application/x-x509-server-cert",
    "der": "application/x-x509-server-cert",
    "key": "application/pkcs8",
    # `.csr` is the PEM text (what `openssl req` reads and writes by default); `application/pkcs10`
    # names the DER encoding (RFC 5967), so the PEM is labelled as PEM
    "csr": "application/x-pem-file",
}
MIME_CA_CERT = "application/x-x509-ca-cert"
DOWNLOAD_FORMATS = {
    "cert": ("pem", "pem.txt", "cer", "crt", "der"),
    "chain": ("pem", "pem.txt", "cer", "crt", "der"),
    "fullchain": ("pem", "pem.txt"),
    "privkey": ("pem", "pem.txt", "key"),
    "key": ("pem", "pem.txt", "key"),
    "csr": ("pem", "pem.txt", "csr"),
}

# --- object identifiers

_OID_RSA = "1.2.840.113549.1.1.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_COMMON_NAME = "2.5.4.3"
_CURVE_OIDS = {"1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384"}
# Only for error messages: what an unsupported key is.
_UNSUPPORTED_KEY_NAMES = {
    "1.2.840.10040.4.1": "DSA",
    "1.2.840.113549.1.1.10": "RSA-PSS",
    "1.3.101.110": "X25519",
    "1.3.101.112": "Ed25519",
    "1.3.101.113": "Ed448",
    "1.3.132.0.10": "secp256k1",
    "1.3.132.0.35": "P-521",
}
# Signature algorithm -> (key technology, digest). RSA-PSS is not used by the WebPKI and is refused.
_SIGNATURE_ALGORITHMS = {
    "1.2.840.113549.1.1.5": ("RSA", "sha1"),
    "1.2.840.113549.1.1.11": ("RSA", "sha256"),
    "1.2.840.113549.1.1.12": ("RSA", "sha384"),
    "1.2.840.113549.1.1.13": ("RSA", "sha512"),
    "1.2.840.10045.4.3.2": ("EC", "sha256"),
    "1.2.840.10045.4.3.3": ("EC", "sha384"),
    "1.2.840.10045.4.3.4": ("EC", "sha512"),
}
# Attribute names in subjects and issuers: RFC 4514's nine, then OpenSSL's short names for the
# others commonly met; any other attribute is shown by its dotted OID.
_ATTRIBUTE_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    "1.2.840.113549.1.9.1": "emailAddress",
    "2.5.4.4": "SN",
    "2.5.4.5": "serialNumber",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.42": "GN",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}
_DN_SPECIALS = ',+"\\<>;'

# --- backend selection

_BACKEND_NAMES = ("cryptography", "openssl")
_forced_backend = contextvars.ContextVar("peter_sslers_cert_utils_backend", default=None)
_openssl_backend = _openssl.OpenSslBackend()


def configure(openssl_path: str = "openssl", openssl_path_conf: str = "/etc/ssl/openssl.cnf") -> None:
    """Set where the ``openssl`` backend finds its binary and configuration (called at start-up)."""
    global _openssl_backend
    _openssl_backend = _openssl.OpenSslBackend(openssl_path, openssl_path_conf)


def backend() -> str:
    """The backend in use: ``"cryptography"``, or ``"openssl"`` when forced or when ``cryptography`` is missing."""
    return _active().name


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[None]:
    """Force a backend inside a ``with`` block (for the current thread or task only).

    :raises ValueError: for an unknown name, or ``"cryptography"`` when it cannot be imported.
    """
    if name not in _BACKEND_NAMES:
        raise ValueError("Unknown cert_utils backend %r: use one of %s." % (name, ", ".join(_BACKEND_NAMES)))
    if name == "cryptography" and x509 is None:
        raise ValueError("The cryptography backend is not available: the package cannot be imported.")
    token = _forced_backend.set(name)
    try:
        yield
    finally:
        _forced_backend.reset(token)


def _active():
    name = _forced_backend.get() or ("cryptography" if x509 is not None else "openssl")
    return _CRYPTOGRAPHY_BACKEND if name == "cryptography" else _openssl_backend


# --- PEM text

_RE_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[ \t]*\r?\n.+?\r?\n-----END CERTIFICATE-----[ \t]*", re.DOTALL
)
_RE_PEM_BLOCK = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----(?P<body>.*?)-----END (?P=label)-----", re.DOTALL)
_RE_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The label of each PEM block peter_sslers reads -> the kind of object it holds.
_PEM_KINDS = {
    "CERTIFICATE": "CERTIFICATE",
    "CERTIFICATE REQUEST": "CERTIFICATE REQUEST",
    "NEW CERTIFICATE REQUEST": "CERTIFICATE REQUEST",
    "PRIVATE KEY": "PRIVATE KEY",
    "RSA PRIVATE KEY": "PRIVATE KEY",
    "EC PRIVATE KEY": "PRIVATE KEY",
    "PKCS7": "PKCS7",
}
# `openssl ecparam -genkey` writes the curve before the key: such blocks are skipped.
_IGNORED_LABELS = ("EC PARAMETERS",)


def cleanup_pem_text(pem_text: str) -> str:
    """Normalise PEM text: LF line endings, each line stripped, no blank lines, one trailing newline."""
    lines = [line.strip() for line in pem_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def split_pem_chain(pem_text: str) -> List[str]:
    """Every certificate of a PEM bundle, each normalised, in the order given."""
    return [cleanup_pem_text(block) for block in _RE_PEM_CERTIFICATE.findall(pem_text)]


class _PemBlock(NamedTuple):
    label: str
    text: str  # the block, normalised
    der: bytes

    @property
    def kind(self) -> str:
        return _PEM_KINDS.get(self.label, self.label)


def _as_text(data) -> str:
    """PEM input as text.

    :raises errors.InvalidPEM: empty, binary or not text at all.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.InvalidPEM("Binary data (DER?), not PEM text.")
    if not isinstance(data, str):
        raise errors.InvalidPEM("Expected PEM text, got %s." % type(data).__name__)
    if not data.strip():
        raise errors.InvalidPEM("Empty input: there is no PEM data.")
    if _RE_BINARY.search(data):
        raise errors.InvalidPEM("Binary data (DER?), not PEM text.")
    return data


def _pem_blocks(data) -> List[_PemBlock]:
    """Every PEM block of the input apart from ``EC PARAMETERS``, decoded and normalised.

    :raises errors.InvalidPEM: no PEM block, an encrypted key, damaged base64 or a body that is not DER.
    """
    text = _as_text(data)
    blocks = []
    for match in _RE_PEM_BLOCK.finditer(text):
        label, body = match.group("label"), match.group("body")
        if label in _IGNORED_LABELS:
            continue
        if label == "ENCRYPTED PRIVATE KEY" or "Proc-Type:" in body:
            raise errors.InvalidPEM("An encrypted private key: decrypt it first (`openssl pkey -in KEY`).")
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except binascii.Error:
            raise errors.InvalidPEM("The %s PEM block has damaged base64." % label)
        _der_sequence(der, "%s PEM block" % label)
        blocks.append(_PemBlock(label, cleanup_pem_text(match.group(0)), der))
    if not blocks:
        # Never quote the input: a key whose BEGIN line was lost is still a key.
        raise errors.InvalidPEM("No PEM block found in the %d characters given: not PEM." % len(text.strip()))
    return blocks


def _one_block(data, kind: str) -> _PemBlock:
    """The single PEM block of ``kind`` the input must be.

    :raises errors.InvalidPEM: when the input is anything else, or holds several blocks.
    """
    blocks = _pem_blocks(data)
    if len(blocks) != 1 or blocks[0].kind != kind:
        raise errors.InvalidPEM("Expected one %s, found: %s." % (kind, ", ".join(b.label for b in blocks)))
    return blocks[0]


def detect_pem_type(pem_text: str) -> str:
    """What the (first) PEM block holds: "CERTIFICATE", "CERTIFICATE REQUEST", "PRIVATE KEY" or "PKCS7".

    "PRIVATE KEY" covers PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") and PKCS#8 PEM.

    :raises errors.InvalidPEM: empty, binary or garbage input, an encrypted key, or another kind of block
        (the message says what was found).
    """
    block = _pem_blocks(pem_text)[0]
    if block.label not in _PEM_KINDS:
        raise errors.InvalidPEM("Unsupported PEM block: %s." % block.label)
    return block.kind


def convert_pem_to_der(pem_text: str) -> bytes:
    """The DER inside one PEM block (a certificate, CSR, private key or PKCS#7 bundle).

    :raises errors.InvalidPEM: not exactly one such block.
    """
    blocks = _pem_blocks(pem_text)
    if len(blocks) != 1 or blocks[0].label not in _PEM_KINDS:
        raise errors.InvalidPEM("Expected one PEM block, found: %s." % ", ".join(b.label for b in blocks))
    return blocks[0].der


def convert_der_to_pem(der: bytes, kind: str) -> str:
    """Wrap DER as PEM. ``kind`` is "CERTIFICATE", "CERTIFICATE REQUEST" or "PRIVATE KEY".

    A private key keeps its own format's label: PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or
    SEC1 "EC PRIVATE KEY". Only the DER framing is checked; the ``parse_*`` functions check content.

    :raises errors.InvalidPEM: the bytes are not one DER structure (of a private key, for keys).
    :raises ValueError: an unknown ``kind``.
    """
    if kind not in ("CERTIFICATE", "CERTIFICATE REQUEST", "PRIVATE KEY"):
        raise ValueError("Cannot make PEM of kind %r." % kind)
    if not isinstance(der, bytes) or not der:
        raise errors.InvalidPEM("Expected DER bytes.")
    fields = _der_sequence(der, "DER input")
    label = _private_key_label(fields) if kind == "PRIVATE KEY" else kind
    return _pem(label, der)


def _private_key_label(fields: List["_Tlv"]) -> str:
    """The PEM label of a private key DER, from its shape.

    :raises errors.InvalidPEM: not a PKCS#8, PKCS#1 or SEC1 private key structure.
    """
    tags = [field.tag for field in fields]
    if tags[:3] == [_TAG_INTEGER, _TAG_SEQUENCE, _TAG_OCTET_STRING]:
        return "PRIVATE KEY"
    if tags[:9] == [_TAG_INTEGER] * 9:
        return "RSA PRIVATE KEY"
    if tags[:2] == [_TAG_INTEGER, _TAG_OCTET_STRING]:
        return "EC PRIVATE KEY"
    raise errors.InvalidPEM("The DER data is not a private key.")


def _pem(label: str, der: bytes) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


# --- DER: just the structures this module reads itself

_TAG_INTEGER = 0x02
_TAG_BIT_STRING = 0x03
_TAG_OCTET_STRING = 0x04
_TAG_OID = 0x06
_TAG_SEQUENCE = 0x30
_TAG_VERSION = 0xA0  # [0] EXPLICIT, the version of a TBSCertificate


class _Tlv(NamedTuple):
    tag: int
    content: bytes
    encoding: bytes  # the whole TLV


def _der_items(data: bytes, what: str) -> List[_Tlv]:
    """The consecutive TLVs ``data`` consists of (low tag numbers and definite lengths: all X.509 uses).

    :raises errors.InvalidPEM: malformed or truncated DER.
    """
    items = []
    offset = 0
    while offset < len(data):
        start = offset
        if len(data) - offset < 2 or data[offset] & 0x1F == 0x1F:
            raise errors.InvalidPEM("The %s is not well-formed DER." % what)
        tag, length = data[offset], data[offset + 1]
        offset += 2
        if length & 0x80:
            size = length & 0x7F
            if not 0 < size <= 4 or offset + size > len(data):
                raise errors.InvalidPEM("The %s is not well-formed DER." % what)
            length = int.from_bytes(data[offset : offset + size], "big")
            offset += size
        if offset + length > len(data):
            raise errors.InvalidPEM("The %s is truncated DER." % what)
        items.append(_Tlv(tag, data[offset : offset + length], data[start : offset + length]))
        offset += length
    return items


def _der_sequence(data: bytes, what: str) -> List[_Tlv]:
    """The fields of the one SEQUENCE ``data`` must be.

    :raises errors.InvalidPEM: anything else.
    """
    items = _der_items(data, what)
    if len(items) != 1 or items[0].tag != _TAG_SEQUENCE:
        raise errors.InvalidPEM("The %s is not one DER structure." % what)
    return _der_items(items[0].content, what)


def _oid_dotted(item: _Tlv) -> str:
    """An OBJECT IDENTIFIER in dotted form.

    :raises ValueError: not an OID.
    """
    if item.tag != _TAG_OID or not item.content or item.content[-1] & 0x80:
        raise ValueError("not an OBJECT IDENTIFIER")
    arcs = []
    value = 0
    for byte in item.content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first] + arcs[1:])


class _PublicKey(NamedTuple):
    key_technology: str
    bits: int
    curve: Optional[str]
    modulus: Optional[int]  # RSA only
    spki_sha256: str


def _public_key(spki: bytes) -> _PublicKey:
    """The facts of a SubjectPublicKeyInfo.

    :raises errors.InvalidPEM: malformed, or not an RSA or EC P-256/P-384 key.
    """
    try:
        algorithm, public_key = _der_sequence(spki, "public key")
        parameters = _der_items(algorithm.content, "public key")
        algorithm_oid = _oid_dotted(parameters[0])
        if public_key.tag != _TAG_BIT_STRING:
            raise ValueError("not a BIT STRING")
        if algorithm_oid == _OID_RSA:
            modulus = int.from_bytes(_der_sequence(public_key.content[1:], "RSA public key")[0].content, "big")
            return _PublicKey("RSA", modulus.bit_length(), None, modulus, _sha256_hex(spki))
        if algorithm_oid == _OID_EC:
            curve_oid = _oid_dotted(parameters[1]) if parameters[1].tag == _TAG_OID else "explicit parameters"
            curve = _CURVE_OIDS.get(curve_oid)
            if curve is None:
                raise errors.InvalidPEM(
                    "Unsupported elliptic curve %s: peter_sslers uses P-256 and P-384."
                    % _UNSUPPORTED_KEY_NAMES.get(curve_oid, curve_oid)
                )
            return _PublicKey("EC", CURVE_BITS[curve], curve, None, _sha256_hex(spki))
    except (ValueError, IndexError):
        raise errors.InvalidPEM("Malformed public key.")
    raise errors.InvalidPEM(
        "Unsupported key type %s: peter_sslers uses RSA and EC (P-256, P-384) keys."
        % _UNSUPPORTED_KEY_NAMES.get(algorithm_oid, algorithm_oid)
    )


class _Signed(NamedTuple):
    """A certificate or CSR cut into what a signature check needs."""

    der: bytes
    tbs: bytes  # the signed bytes: TBSCertificate or CertificationRequestInfo
    signature_oid: str
    signature: bytes
    issuer_name: bytes  # DER Name; a CSR is its own issuer
    subject_name: bytes
    spki: bytes


def _signed(der: bytes, kind: str) -> _Signed:
    """Cut a DER certificate or CSR (``kind``) into its signed parts.

    :raises errors.InvalidPEM: not the structure of ``kind``.
    """
    try:
        tbs, algorithm, signature = _der_sequence(der, kind)
        signature_oid = _oid_dotted(_der_items(algorithm.content, kind)[0])
        fields = [field.encoding for field in _der_sequence(tbs.encoding, kind)]
        if kind == "CERTIFICATE":
            if fields[0][0] == _TAG_VERSION:
                fields = fields[1:]
            issuer, subject, spki = fields[2], fields[4], fields[5]
        else:
            issuer = subject = fields[1]
            spki = fields[2]
        if signature.tag != _TAG_BIT_STRING or signature.content[:1] != b"\x00":
            raise ValueError("bad signature")
    except (ValueError, IndexError):
        raise errors.InvalidPEM("Not a well-formed %s." % kind)
    return _Signed(der, tbs.encoding, signature_oid, signature.content[1:], issuer, subject, spki)


def _signature_is_valid(signed: _Signed, signer_spki: bytes) -> bool:
    """Whether ``signer_spki``'s key made the signature of ``signed``.

    :raises errors.ChainError: a signature algorithm peter_sslers does not check (e.g. RSA-PSS).
    """
    algorithm = _SIGNATURE_ALGORITHMS.get(signed.signature_oid)
    if algorithm is None:
        raise errors.ChainError("Unsupported signature algorithm %s." % signed.signature_oid)
    key_technology, digest = algorithm
    if _public_key(signer_spki).key_technology != key_technology:
        return False
    return _active().verify_signature(signer_spki, digest, signed.signature, signed.tbs)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest().upper()


# --- names


def _format_name(rdns: List[List[Tuple[str, str]]]) -> str:
    """A distinguished name as text: one RDN per line, in RFC 4514 order (the last RDN of the DER
    first, so usually ``CN=...`` first and ``C=...`` last), ``K=V`` with RFC 4514 escapes; the
    attributes of a multi-valued RDN are joined by ``+``."""
    return "\n".join(
        "+".join("%s=%s" % (_ATTRIBUTE_NAMES.get(oid, oid), _escape_dn_value(value)) for oid, value in rdn)
        for rdn in reversed(rdns)
    )


def _escape_dn_value(value: str) -> str:
    """Escape an attribute value as OpenSSL's RFC 2253 printer does (``-nameopt esc_2253,esc_ctrl,utf8``):
    ``\\`` before ``,+"\\<>;``, before a leading ``#`` or space and a trailing space (a one-character value
    only gets the trailing rule), ``\\XX`` for control characters; non-ASCII is kept as is."""
    last = len(value) - 1
    escaped = []
    for index, char in enumerate(value):
        if char in _DN_SPECIALS or (index == last and char == " ") or (index == 0 < last and char in "# "):
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append("\\%02X" % ord(char))
        else:
            escaped.append(char)
    return "".join(escaped)


def _domains(subject_rdns: List[List[Tuple[str, str]]], san_dns: List[str]) -> List[str]:
    """The sorted, lower-case union of the subject's CN (when it looks like a host name) and the SAN DNS names."""
    names = {name.lower() for name in san_dns}
    for rdn in subject_rdns:
        names.update(value.lower() for oid, value in rdn if oid == _OID_COMMON_NAME and "." in value)
    return sorted(names)


# --- keys


def _key_choice(key_technology: str, bits: Optional[int], curve: Optional[str]) -> Tuple[str, int, str]:
    """Check a key technology with its RSA size or EC curve (the other one is ignored).

    :raises errors.InvalidRequest: an unknown technology, size or curve.
    """
    key_technology = str(key_technology).upper()
    if key_technology == "RSA":
        if bits not in ALLOWED_BITS_RSA:
            raise errors.InvalidRequest(
                "RSA keys are %s bits, not %r." % (", ".join(str(b) for b in ALLOWED_BITS_RSA), bits)
            )
        return key_technology, bits, None
    if key_technology == "EC":
        if curve not in ALLOWED_CURVES:
            raise errors.InvalidRequest("EC keys use the curve %s, not %r." % (" or ".join(ALLOWED_CURVES), curve))
        return key_technology, CURVE_BITS[curve], curve
    raise errors.InvalidRequest("The key technology is RSA or EC, not %r." % key_technology)


def new_private_key(key_technology: str = "RSA", bits: Optional[int] = None, curve: Optional[str] = None) -> str:
    """A new private key for certificates, as PKCS#8 PEM.

    RSA: ``bits`` 2048, 3072 or 4096 (default 4096). EC: ``curve`` "P-256" or "P-384" (default "P-384").

    :raises errors.InvalidRequest: another technology, size or curve.
    """
    key_technology, bits, curve = _key_choice(key_technology, bits or 4096, curve or "P-384")
    return cleanup_pem_text(_active().generate_private_key(key_technology, bits, curve))


def new_account_key(key_technology: str = "RSA", bits: int = 2048, curve: str = "P-256") -> str:
    """A new ACME account key, as PKCS#8 PEM: RSA 2048/3072/4096 or EC P-256/P-384.

    :raises errors.InvalidRequest: another technology, size or curve.
    """
    key_technology, bits, curve = _key_choice(key_technology, bits, curve)
    return cleanup_pem_text(_active().generate_private_key(key_technology, bits, curve))


def _private_key(key_pem: str) -> Tuple[_PemBlock, _PublicKey]:
    """The key's PEM block and public facts.

    :raises errors.InvalidPEM: not one unencrypted RSA or EC P-256/P-384 private key.
    """
    block = _one_block(key_pem, "PRIVATE KEY")
    return block, _public_key(_active().private_key_spki(block.text))


def parse_key(key_pem: str) -> dict:
    """Parse a private key (PKCS#1, SEC1 or PKCS#8 PEM, unencrypted).

    :returns: ``key_technology`` ("RSA"/"EC"), ``bits`` (modulus or curve size), ``curve`` (None,
        "P-256" or "P-384"), ``spki_sha256``, ``modulus_md5`` (RSA only: the MD5 hex of the modulus
        in upper-case hex, as legacy ``openssl rsa -modulus`` matching used).
    :raises errors.InvalidPEM: anything but one unencrypted RSA or EC P-256/P-384 private key
        (public keys, certificates, encrypted keys, DSA, Ed25519, other curves...).
    """
    _block, key = _private_key(key_pem)
    modulus_md5 = hashlib.md5(("%X" % key.modulus).encode("ascii")).hexdigest() if key.modulus else None
    return {
        "key_technology": key.key_technology,
        "bits": key.bits,
        "curve": key.curve,
        "spki_sha256": key.spki_sha256,
        "modulus_md5": modulus_md5,
    }


def validate_key(key_pem: str) -> str:
    """Check a private key; return its technology ("RSA" or "EC").

    :raises errors.InvalidPEM: as :func:`parse_key`.
    """
    return _private_key(key_pem)[1].key_technology


def convert_private_key_to_pkcs8_der(key_pem: str) -> bytes:
    """The PKCS#8 DER (PrivateKeyInfo) of any RSA or EC private key PEM.

    :raises errors.InvalidPEM: as :func:`parse_key`.
    """
    block, _key = _private_key(key_pem)
    return _active().private_key_pkcs8_der(block.text)


def convert_private_key_to_pkcs8_pem(key_pem: str) -> str:
    """The same key as PKCS#8 PEM ("BEGIN PRIVATE KEY").

    :raises errors.InvalidPEM: as :func:`parse_key`.
    """
    return _pem("PRIVATE KEY", convert_private_key_to_pkcs8_der(key_pem))


_RE_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_RE_JWK_NAME = re.compile(r"^[A-Za-z0-9._-]{1,16}$")


def _jwk_name(value) -> str:
    """A JWK's ``kty`` or ``crv`` for a message: quoted when it is a short name, else not at all
    (a damaged key file may hold anything there, key material included)."""
    if isinstance(value, str) and _RE_JWK_NAME.match(value):
        return repr(value)
    return "(missing or not a name)" if value is None or not isinstance(value, str) else "(not a name)"


def _jwk_int(jwk: dict, name: str, required: bool = True) -> Optional[int]:
    """A JWK integer member (base64url, RFC 7518 section 6).

    :raises errors.InvalidPEM: missing when required, or not base64url.
    """
    value = jwk.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _RE_BASE64URL.match(value):
        raise errors.InvalidPEM("The JWK member %r is missing or not base64url." % name)
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def convert_jwk_to_pem(jwk: dict) -> str:
    """A JWK private key (e.g. certbot's ``private_key.json``) as PKCS#8 PEM.

    RSA needs n, e, d, p and q; dp, dq and qi are computed when absent. EC needs crv (P-256 or
    P-384), x, y and d.

    :raises errors.InvalidPEM: not an RSA or EC private JWK, or numbers that do not make a valid key.
    """
    if not isinstance(jwk, dict):
        raise errors.InvalidPEM("A JWK is a JSON object.")
    if jwk.get("kty") == "RSA":
        n, e, d, p, q = (_jwk_int(jwk, name) for name in ("n", "e", "d", "p", "q"))
        if p < 2 or q < 2 or p * q != n:
            raise errors.InvalidPEM("The RSA JWK's p and q are not the factors of n.")
        dp = _jwk_int(jwk, "dp", required=False)
        dq = _jwk_int(jwk, "dq", required=False)
        qi = _jwk_int(jwk, "qi", required=False)
        try:
            qi = pow(q, -1, p) if qi is None else qi
        except ValueError:
            raise errors.InvalidPEM("The RSA JWK's q has no inverse modulo p.")
        dp = d % (p - 1) if dp is None else dp
        dq = d % (q - 1) if dq is None else dq
        pem = _active().rsa_private_key(n, e, d, p, q, dp, dq, qi)
    elif jwk.get("kty") == "EC":
        curve = jwk.get("crv")
        if curve not in ALLOWED_CURVES:
            raise errors.InvalidPEM("Unsupported JWK curve %s: peter_sslers uses P-256 and P-384." % _jwk_name(curve))
        x, y, d = (_jwk_int(jwk, name) for name in ("x", "y", "d"))
        pem = _active().ec_private_key(curve, x, y, d)
    else:
        raise errors.InvalidPEM("Unsupported JWK key type %s: RSA and EC private keys are." % _jwk_name(jwk.get("kty")))
    return cleanup_pem_text(pem)


# --- CSRs


def parse_csr(csr_pem: str) -> dict:
    """Parse a CSR and check its self-signature.

    :returns: ``key_technology``, ``spki_sha256``, ``domains`` (sorted lower-case union of the CN and
        the SAN DNS names), ``subject`` (as in :func:`parse_cert`).
    :raises errors.InvalidPEM: not one valid CSR with an RSA or EC P-256/P-384 key, or a bad signature.
    """
    block = _one_block(csr_pem, "CERTIFICATE REQUEST")
    facts = _active().csr_facts(block.text)
    signed = _signed(block.der, "CERTIFICATE REQUEST")
    key = _public_key(signed.spki)
    if not _signature_is_valid(signed, signed.spki):
        raise errors.InvalidPEM("The CSR's signature is not valid.")
    return {
        "key_technology": key.key_technology,
        "spki_sha256": key.spki_sha256,
        "domains": _domains(facts["subject_rdns"], facts["san_dns"]),
        "subject": _format_name(facts["subject_rdns"]),
    }


def validate_csr(csr_pem: str) -> None:
    """Check a CSR.

    :raises errors.InvalidPEM: as :func:`parse_csr`.
    """
    parse_csr(csr_pem)


_RE_SIMPLE_DOMAIN = re.compile(r"^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


def _csr_domain_names(domain_names) -> List[str]:
    """Lower-cased, de-duplicated, sorted names, checked only for shape (callers validate domains).

    :raises errors.InvalidRequest: no names, more than 100, or a name that is empty or holds other characters.
    """
    if isinstance(domain_names, str):
        raise errors.InvalidRequest("Domain names are given as a list.")
    names = sorted({str(name).strip().lower() for name in domain_names})
    if not names:
        raise errors.InvalidRequest("A CSR needs at least one domain name.")
    if len(names) > MAX_CSR_DOMAINS:
        raise errors.InvalidRequest("A CSR holds at most %d domain names, not %d." % (MAX_CSR_DOMAINS, len(names)))
    for name in names:
        if len(name) > 253 or not _RE_SIMPLE_DOMAIN.match(name):
            raise errors.InvalidRequest("Not a domain name: %r." % name)
    return names


def make_csr(domain_names: List[str], key_pem: str) -> str:
    """A CSR for ``domain_names`` signed by ``key_pem``: empty subject, every name in a
    (non-critical) subjectAltName, SHA-256 signature, as ACME servers expect.

    :raises errors.InvalidRequest: bad domain names (see :func:`_csr_domain_names`).
    :raises errors.InvalidPEM: as :func:`parse_key`.
    """
    names = _csr_domain_names(domain_names)
    block, _key = _private_key(key_pem)
    return cleanup_pem_text(_active().make_csr(names, block.text))


# --- certificates


def parse_cert(cert_pem: str) -> dict:
    """Parse one PEM certificate into the fields peter_sslers stores.

    :returns: ``subject``, ``issuer`` (see :func:`_format_name`), ``not_before``, ``not_after`` (aware UTC
        datetimes), ``serial`` (upper-case hex, no leading zeros), ``fingerprint_sha1`` (upper-case hex),
        ``spki_sha256``, ``key_technology``, ``key_bits``, ``domains`` (sorted lower-case CN and SAN DNS
        names), ``issuer_uri`` (the first AIA caIssuers URI or None), ``authority_key_identifier`` and
        ``subject_key_identifier`` (upper-case hex or None), ``is_ca`` (basicConstraints CA:TRUE),
        ``is_self_signed`` (issuer and subject are the same name).
    :raises errors.InvalidPEM: not one certificate, or one whose key is not RSA or EC P-256/P-384.
    """
    block = _one_block(cert_pem, "CERTIFICATE")
    facts = _active().cert_facts(block.text)
    signed = _signed(block.der, "CERTIFICATE")
    key = _public_key(signed.spki)
    return {
        "subject": _format_name(facts["subject_rdns"]),
        "issuer": _format_name(facts["issuer_rdns"]),
        "not_before": facts["not_before"],
        "not_after": facts["not_after"],
        "serial": "%X" % facts["serial"],
        "fingerprint_sha1": hashlib.sha1(block.der).hexdigest().upper(),
        "spki_sha256": key.spki_sha256,
        "key_technology": key.key_technology,
        "key_bits": key.bits,
        "domains": _domains(facts["subject_rdns"], facts["san_dns"]),
        "issuer_uri": facts["ca_issuers"][0] if facts["ca_issuers"] else None,
        "authority_key_identifier": facts["authority_key_identifier"],
        "subject_key_identifier": facts["subject_key_identifier"],
        "is_ca": facts["is_ca"],
        "is_self_signed": signed.issuer_name == signed.subject_name,
    }


def validate_cert(cert_pem: str) -> None:
    """Check a certificate.

    :raises errors.InvalidPEM: as :func:`parse_cert`.
    """
    parse_cert(cert_pem)


def cert_matches_key(cert_pem: str, key_pem: str) -> bool:
    """Whether the private key belongs to the certificate (same SubjectPublicKeyInfo).

    :raises errors.InvalidPEM: a bad certificate or key.
    """
    return parse_cert(cert_pem)["spki_sha256"] == parse_key(key_pem)["spki_sha256"]


def csr_matches_key(csr_pem: str, key_pem: str) -> bool:
    """Whether the private key belongs to the CSR (same SubjectPublicKeyInfo).

    :raises errors.InvalidPEM: a bad CSR or key.
    """
    return parse_csr(csr_pem)["spki_sha256"] == parse_key(key_pem)["spki_sha256"]


def assert_cert_matches_key(cert_pem: str, key_pem: str) -> None:
    """:raises errors.KeyMismatch: the private key does not belong to the certificate.
    :raises errors.InvalidPEM: a bad certificate or key."""
    if not cert_matches_key(cert_pem, key_pem):
        raise errors.KeyMismatch("The private key does not belong to the certificate.")


# --- chains


def cert_and_chain_from_fullchain(fullchain_pem: str) -> Tuple[str, str]:
    """Split a fullchain into the leaf and the chain (the rest, concatenated), both normalised.

    :raises errors.InvalidPEM: fewer than two certificates.
    """
    certs = split_pem_chain(_as_text(fullchain_pem))
    if len(certs) < 2:
        raise errors.InvalidPEM("A fullchain holds at least two certificates, this holds %d." % len(certs))
    return certs[0], "".join(certs[1:])


def convert_pkcs7_to_pems(data: bytes) -> List[str]:
    """The certificates of a PKCS#7 bundle (DER, or PEM "BEGIN PKCS7"), normalised, in the bundle's
    stored order (a DER SET: sorted by encoding, not by signing order; see :func:`order_chain`).

    :raises errors.InvalidPEM: not a PKCS#7 bundle, or one without certificates.
    """
    if isinstance(data, str) or data.lstrip()[:10] == b"-----BEGIN":
        der = _one_block(data, "PKCS7").der
    else:
        der = data
    certs = split_pem_chain(_active().pkcs7_certificates(der))
    if not certs:
        raise errors.InvalidPEM("The PKCS#7 bundle holds no certificate.")
    return certs


def _certificate(cert_pem: str) -> _Signed:
    return _signed(_one_block(cert_pem, "CERTIFICATE").der, "CERTIFICATE")


def _signed_by(cert: _Signed, issuer: _Signed) -> bool:
    """Whether ``issuer`` signed ``cert``: its subject is the cert's issuer (same DER) and its key
    verifies the cert's signature."""
    return cert.issuer_name == issuer.subject_name and _signature_is_valid(cert, issuer.spki)


def _ensure_order(chain: List[_Signed]) -> None:
    for position in range(len(chain) - 1):
        if not _signed_by(chain[position], chain[position + 1]):
            raise errors.ChainError(
                "The chain is not in order: certificate %d was not signed by certificate %d."
                % (position + 1, position + 2)
            )


def ensure_chain_order(chain_pems: List[str]) -> None:
    """Check that each certificate of the chain was signed by the next one.

    :raises errors.ChainError: an empty chain, or the first pair (1-based positions) that is not.
    :raises errors.InvalidPEM: an element that is not one certificate.
    """
    chain = [_certificate(pem) for pem in chain_pems]
    if not chain:
        raise errors.ChainError("The chain is empty.")
    _ensure_order(chain)


def ensure_chain(cert_pem: str, chain_pems: List[str], root_pem: Optional[str] = None) -> None:
    """Check that ``chain_pems[0]`` signed the certificate, that the chain is in order and, when
    ``root_pem`` is given, that the last chain element is the root or was signed by it.

    :raises errors.ChainError: any of those is not so, or the chain is empty.
    :raises errors.InvalidPEM: an input that is not one certificate.
    """
    cert = _certificate(cert_pem)
    chain = [_certificate(pem) for pem in chain_pems]
    if not chain:
        raise errors.ChainError("The chain is empty.")
    if not _signed_by(cert, chain[0]):
        raise errors.ChainError("The certificate was not signed by the first certificate of the chain.")
    _ensure_order(chain)
    if root_pem is not None:
        root = _certificate(root_pem)
        if chain[-1].der != root.der and not _signed_by(chain[-1], root):
            raise errors.ChainError("The last certificate of the chain is not the root and was not signed by it.")


def order_chain(cert_pems: List[str]) -> List[str]:
    """Put a leaf's intermediates, given in any order, in signing order (the leaf's issuer first).

    :raises errors.ChainError: no certificates, or certificates that do not form one signing path.
    :raises errors.InvalidPEM: an element that is not one certificate.
    """
    blocks = [_one_block(pem, "CERTIFICATE") for pem in cert_pems]
    certs = [_signed(block.der, "CERTIFICATE") for block in blocks]
    if not certs:
        raise errors.ChainError("There are no certificates to order.")
    issuer_of = {}
    for index, cert in enumerate(certs):
        issuers = [other for other, candidate in enumerate(certs) if other != index and _signed_by(cert, candidate)]
        if len(issuers) > 1:
            raise errors.ChainError("Certificate %d has several issuers among the certificates." % (index + 1))
        if issuers:
            issuer_of[index] = issuers[0]
    firsts = set(range(len(certs))) - set(issuer_of.values())
    order = list(firsts)[:1]
    while len(firsts) == 1 and order[-1] in issuer_of and len(order) <= len(certs):
        order.append(issuer_of[order[-1]])
    if len(firsts) != 1 or sorted(order) != list(range(len(certs))):
        raise errors.ChainError("The certificates do not form one chain.")
    return [blocks[index].text for index in order]


# --- downloads


def mime_for(filename: str, is_ca: bool = False) -> str:
    """The MIME type of a download (``cert.pem``, ``chain.der``, ``key.key``, ``csr.csr``...).

    DER certificates (``.crt``, ``.der``) are "server" certificates unless ``is_ca`` (chains always are CAs).

    :raises errors.InvalidRequest: a name that is not one of the download formats.
    """
    stem, _dot, extension = filename.partition(".")
    if extension not in DOWNLOAD_FORMATS.get(stem, ()):
        raise errors.InvalidRequest("There is no download format %r." % filename)
    if extension in ("crt", "der") and (is_ca or stem == "chain"):
        return MIME_CA_CERT
    return EXTENSION_TO_MIME[extension]


# --- the cryptography backend


def _rdns(name) -> List[List[Tuple[str, str]]]:
    return [[(attribute.oid.dotted_string, attribute.value) for attribute in rdn] for rdn in name.rdns]


def _extension(extensions, extension_class):
    try:
        return extensions.get_extension_for_class(extension_class).value
    except x509.ExtensionNotFound:
        return None


def _hex_or_none(data: Optional[bytes]) -> Optional[str]:
    return data.hex().upper() if data else None


class _KeyObjects:
    """The parsed key objects of the last PEM private keys used, by their exact PEM text (an LRU of
    ``size``). One order uses its key's PEM about ten times (the CSR, the SPKI of the key, the CSR and
    the certificate compared, the import), and loading an RSA key runs its consistency check (15-60
    ms). The object is a pure function of the PEM text, so it cannot go stale; key objects are
    immutable and safe to share between threads. A PEM that does not load is not kept."""

    def __init__(self, size: int = 64):
        self.size = size
        self._keys: "collections.OrderedDict[str, Any]" = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_pem: str):
        with self._lock:
            key = self._keys.get(key_pem)
            if key is not None:
                self._keys.move_to_end(key_pem)
            return key

    def put(self, key_pem: str, key) -> None:
        with self._lock:
            self._keys[key_pem] = key
            self._keys.move_to_end(key_pem)
            while len(self._keys) > self.size:
                self._keys.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


KEY_OBJECTS = _KeyObjects()


def load_private_key_object(key_pem: str):
    """The ``cryptography`` key object of a PEM private key: checked in full the first time, then
    taken from ``KEY_OBJECTS`` (a key this process generated is there from the start).

    :raises errors.InvalidPEM: not a usable private key.
    """
    key = KEY_OBJECTS.get(key_pem)
    if key is not None:
        return key
    try:
        key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise errors.InvalidPEM("Not a usable private key: %s" % exc)
    KEY_OBJECTS.put(key_pem, key)
    return key


class _CryptographyBackend:
    """The backend on the ``cryptography`` package."""

    name = "cryptography"

    @staticmethod
    def _curve(curve: str):
        return {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1}[curve]()

    @staticmethod
    def _load_private_key(key_pem: str):
        return load_private_key_object(key_pem)

    @staticmethod
    def _pkcs8_pem(key) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    def private_key_spki(self, key_pem: str) -> bytes:
        return (
            self._load_private_key(key_pem)
            .public_key()
            .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        )

    def private_key_pkcs8_der(self, key_pem: str) -> bytes:
        return self._load_private_key(key_pem).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def generate_private_key(self, key_technology: str, bits: int, curve: str) -> str:
        if key_technology == "RSA":
            key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        else:
            key = ec.generate_private_key(self._curve(curve))
        key_pem = cleanup_pem_text(self._pkcs8_pem(key))
        # the order that made it loads it next, about ten times: no consistency check of our own key
        KEY_OBJECTS.put(key_pem, key)
        return key_pem

    def _key_from_numbers(self, numbers) -> str:
        try:
            return self._pkcs8_pem(numbers.private_key())
        except ValueError as exc:
            raise errors.InvalidPEM("The JWK does not make a valid key: %s" % exc)

    def rsa_private_key(self, n: int, e: int, d: int, p: int, q: int, dp: int, dq: int, qi: int) -> str:
        return self._key_from_numbers(rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n)))

    def ec_private_key(self, curve: str, x: int, y: int, d: int) -> str:
        public_numbers = ec.EllipticCurvePublicNumbers(x, y, self._curve(curve))
        return self._key_from_numbers(ec.EllipticCurvePrivateNumbers(d, public_numbers))

    def cert_facts(self, cert_pem: str) -> dict:
        try:
            cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
            extensions = cert.extensions
        except ValueError as exc:
            raise errors.InvalidPEM("Not a valid certificate: %s" % exc)
        san = _extension(extensions, x509.SubjectAlternativeName)
        aia = _extension(extensions, x509.AuthorityInformationAccess) or []
        aki = _extension(extensions, x509.AuthorityKeyIdentifier)
        ski = _extension(extensions, x509.SubjectKeyIdentifier)
        basic_constraints = _extension(extensions, x509.BasicConstraints)
        return {
            "subject_rdns": _rdns(cert.subject),
            "issuer_rdns": _rdns(cert.issuer),
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
            "serial": cert.serial_number,
            "san_dns": san.get_values_for_type(x509.DNSName) if san else [],
            "ca_issuers": [
                description.access_location.value
                for description in aia
                if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS
                and isinstance(description.access_location, x509.UniformResourceIdentifier)
            ],
            "authority_key_identifier": _hex_or_none(aki.key_identifier if aki else None),
            "subject_key_identifier": _hex_or_none(ski.digest if ski else None),
            "is_ca": bool(basic_constraints and basic_constraints.ca),
        }

    def csr_facts(self, csr_pem: str) -> dict:
        try:
            csr = x509.load_pem_x509_csr(csr_pem.encode("ascii"))
            san = _extension(csr.extensions, x509.SubjectAlternativeName)
        except ValueError as exc:
            raise errors.InvalidPEM("Not a valid CSR: %s" % exc)
        return {"subject_rdns": _rdns(csr.subject), "san_dns": san.get_values_for_type(x509.DNSName) if san else []}

    def make_csr(self, domain_names: List[str], key_pem: str) -> str:
        san = x509.SubjectAlternativeName([x509.DNSName(name) for name in domain_names])
        builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).add_extension(san, critical=False)
        csr = builder.sign(self._load_private_key(key_pem), hashes.SHA256())
        return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def verify_signature(self, spki_der: bytes, digest: str, signature: bytes, data: bytes) -> bool:
        public_key = serialization.load_der_public_key(spki_der)
        algorithm = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}[
            digest
        ]()
        try:
            if isinstance(public_key, rsa.RSAPublicKey):
                public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
            else:
                public_key.verify(signature, data, ec.ECDSA(algorithm))
        except InvalidSignature:
            return False
        return True

    def pkcs7_certificates(self, der: bytes) -> str:
        try:
            certs = pkcs7.load_der_pkcs7_certificates(der)
        except ValueError as exc:
            raise errors.InvalidPEM("Not a PKCS#7 bundle: %s" % exc)
        return "".join(cert.public_bytes(serialization.Encoding.PEM).decode("ascii") for cert in certs)


_CRYPTOGRAPHY_BACKEND = _CryptographyBackend()
