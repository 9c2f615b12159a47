"""Certificate, key and CSR utilities. Pure: no database, no Pyramid.

This first cut holds what database initialisation needs (PEM normalisation and
certificate parsing, on ``cryptography``); the full set of conversions and the
``openssl`` fallback grow here.
"""

import hashlib
import re
from typing import List

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.oid import ExtensionOID

_RE_PEM_CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----[ \t]*\r?\n.+?\r?\n-----END CERTIFICATE-----[ \t]*", re.DOTALL
)


def cleanup_pem_text(pem_text: str) -> str:
    """Normalise PEM text: LF line endings, each line stripped, no blank lines, one trailing newline."""
    lines = [line.strip() for line in pem_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line) + "\n"


def split_pem_chain(pem_text: str) -> List[str]:
    """Every certificate of a PEM bundle, each normalised, in the order given."""
    return [cleanup_pem_text(block) for block in _RE_PEM_CERTIFICATE.findall(pem_text)]


def _key_technology(public_key) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC"
    raise ValueError("unsupported key type: %s" % type(public_key).__name__)


def spki_sha256(public_key) -> str:
    """Upper-case hex SHA-256 of the DER SubjectPublicKeyInfo: how keys, CSRs and certificates are matched."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest().upper()


def _name_as_text(name: x509.Name) -> str:
    """A distinguished name as ``K=V`` lines, most significant first (as ``openssl -nameopt RFC2253`` reversed)."""
    return "\n".join(attribute.rfc4514_string() for attribute in reversed(list(name)))


def parse_cert(cert_pem: str) -> dict:
    """Parse one PEM certificate into the fields peter_sslers stores.

    :raises ValueError: when the text is not a PEM certificate.
    """
    cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    public_key = cert.public_key()
    domains = set()
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        domains.update(name.lower() for name in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        pass
    for attribute in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME):
        if "." in attribute.value:
            domains.add(attribute.value.lower())
    issuer_uri = None
    try:
        aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
        for description in aia:
            if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
                issuer_uri = description.access_location.value
                break
    except x509.ExtensionNotFound:
        pass
    authority_key_identifier = None
    try:
        aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
        if aki.key_identifier:
            authority_key_identifier = aki.key_identifier.hex().upper()
    except x509.ExtensionNotFound:
        pass
    return {
        "subject": _name_as_text(cert.subject),
        "issuer": _name_as_text(cert.issuer),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "serial": "%X" % cert.serial_number,
        "fingerprint_sha1": cert.fingerprint(hashes.SHA1()).hex().upper(),
        "spki_sha256": spki_sha256(public_key),
        "key_technology": _key_technology(public_key),
        "domains": sorted(domains),
        "issuer_uri": issuer_uri,
        "authority_key_identifier": authority_key_identifier,
        "is_self_signed": cert.subject == cert.issuer,
    }
