"""Generate the certificate test data (see README.md beside this file).

Run from the project root::

    .venv/bin/python tests/test_data/generate.py

Every run rewrites every file. The structure is fixed (names, serials, validity, key types and
formats, extensions); only the key material, hence signatures and digests, changes. The facts the
tests check are written to ``manifest.json`` from this script's own knowledge, independently of
``peter_sslers.lib.cert_utils``, so the tests compare the library against an outside oracle.

This script uses ``cryptography`` directly: it is a developer tool, not part of the package.
"""

import base64
import datetime
import hashlib
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
# Checked-in data must not expire under the tests: live leaves are valid for 10 years, CAs for 20.
LIVE_FROM = NOW - datetime.timedelta(days=1)
LEAF_UNTIL = LIVE_FROM + datetime.timedelta(days=3650)
CA_UNTIL = LIVE_FROM + datetime.timedelta(days=7300)
EXPIRED_FROM = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
EXPIRED_UNTIL = datetime.datetime(2020, 3, 31, tzinfo=datetime.timezone.utc)

ORGANIZATION = "Peter SSLers Test"
CA_ISSUERS_URL = "http://ca.example.com/%s.der"

# PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") are cryptography's "traditional" format.
KEY_FORMATS = {
    "PKCS#1": serialization.PrivateFormat.TraditionalOpenSSL,
    "SEC1": serialization.PrivateFormat.TraditionalOpenSSL,
    "PKCS#8": serialization.PrivateFormat.PKCS8,
}

# name, key (technology, size or curve), key file format, issuer (None: self-signed), is CA, subject CN,
# SAN names, validity ("ca", "live" or "expired"), serial. CAs also get O=Peter SSLers Test.
# fmt: off
CERTIFICATES = [
    ("root_ca", ("RSA", 2048), "PKCS#8", None, True, "Peter SSLers Test Root CA", [], "ca", 0x1000),
    ("intermediate_a", ("RSA", 2048), "PKCS#1", "root_ca", True, "Peter SSLers Test Intermediate A", [], "ca", 0x1A),
    ("intermediate_b", ("EC", "P-384"), "SEC1", "root_ca", True, "Peter SSLers Test Intermediate B", [], "ca", 0x1B),
    # Same name as intermediate A, another key: it signed no leaf, so every chain check must refuse it.
    ("impostor_intermediate_a", ("RSA", 2048), "PKCS#8", "root_ca", True, "Peter SSLers Test Intermediate A", [],
     "ca", 0x1C),
    ("leaf_rsa_single", ("RSA", 2048), "PKCS#1", "intermediate_a", False, "example.com", ["example.com"],
     "live", 0x0A000001),
    ("leaf_rsa_multi", ("RSA", 2048), "PKCS#8", "intermediate_a", False, "a.example.com",
     ["a.example.com", "b.example.com", "c.example.com"], "live", 0x0A000002),
    ("leaf_ec256_single", ("EC", "P-256"), "SEC1", "intermediate_a", False, "ec256.example.com",
     ["ec256.example.com"], "live", 0x0A000003),
    ("leaf_ec384_multi", ("EC", "P-384"), "PKCS#8", "intermediate_a", False, "ec384-a.example.com",
     ["ec384-a.example.com", "ec384-b.example.com"], "live", 0x0A000004),
    ("leaf_by_b", ("RSA", 3072), "PKCS#1", "intermediate_b", False, "b-issued.example.com",
     ["b-issued.example.com", "www.b-issued.example.com"], "live", 0x0B000001),
    ("leaf_expired", ("RSA", 2048), "PKCS#8", "intermediate_a", False, "expired.example.com",
     ["expired.example.com"], "expired", 0x0A0000FF),
]
# fmt: on

# A self-signed certificate whose subject needs every kind of RFC 4514 escaping, non-ASCII text,
# attributes beyond the common nine and a multi-valued RDN: both backends must print it identically.
TRICKY_SUBJECT = x509.Name(
    [
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "FR")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Île-de-France")]),
        x509.RelativeDistinguishedName(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Example, Inc. "quoted" + more; semi <angle> a\\b =')]
        ),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "#hash first")]),
        x509.RelativeDistinguishedName(
            [
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, " spaced "),
                x509.NameAttribute(NameOID.LOCALITY_NAME, "Paris"),
            ]
        ),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.SERIAL_NUMBER, "12345")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.EMAIL_ADDRESS, "admin@tricky.example.com")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "tricky.example.com")]),
    ]
)


def b64url(number: int) -> str:
    """A JWK integer: big-endian bytes, base64url without padding (RFC 7518 section 6)."""
    raw = number.to_bytes((number.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_fixed(number: int, size: int) -> str:
    """A JWK EC coordinate: exactly the curve's byte size (RFC 7518 section 6.2.1.2)."""
    return base64.urlsafe_b64encode(number.to_bytes(size, "big")).rstrip(b"=").decode("ascii")


def new_key(spec):
    technology, size = spec
    if technology == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    return ec.generate_private_key({"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[size])


def key_facts(key, key_format: str) -> dict:
    public_key = key.public_key()
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    facts = {
        "kind": "PRIVATE KEY",
        "format": key_format,
        "spki_sha256": hashlib.sha256(spki).hexdigest().upper(),
        "key_technology": "RSA" if isinstance(key, rsa.RSAPrivateKey) else "EC",
        "bits": key.key_size,
        "curve": None,
        "modulus_md5": None,
    }
    if facts["key_technology"] == "RSA":
        modulus_hex = "%X" % public_key.public_numbers().n
        facts["modulus_md5"] = hashlib.md5(modulus_hex.encode("ascii")).hexdigest()
    else:
        facts["curve"] = {"secp256r1": "P-256", "secp384r1": "P-384"}[key.curve.name]
    return facts


def key_pem(key, key_format: str) -> str:
    return key.private_bytes(serialization.Encoding.PEM, KEY_FORMATS[key_format], serialization.NoEncryption()).decode()


def ca_issuers_url(issuer_name: str) -> str:
    return CA_ISSUERS_URL % issuer_name.replace("_", "-")


def build_certificate(key, issuer, is_ca, common_name, san, validity, serial):
    """One certificate; ``issuer`` is (certificate, key, name) or None for a self-signed root."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
        if is_ca
        else [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )
    issuer_cert, issuer_key, issuer_name = issuer if issuer else (None, key, None)
    not_before, not_after = {
        "ca": (LIVE_FROM, CA_UNTIL),
        "live": (LIVE_FROM, LEAF_UNTIL),
        "expired": (EXPIRED_FROM, EXPIRED_UNTIL),
    }[validity]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if is_ca:
        usage = dict(digital_signature=True, key_cert_sign=True, crl_sign=True, key_encipherment=False)
    else:
        usage = dict(
            digital_signature=True,
            key_cert_sign=False,
            crl_sign=False,
            key_encipherment=isinstance(key, rsa.RSAPrivateKey),
        )
    builder = builder.add_extension(
        x509.KeyUsage(
            content_commitment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False
        ).add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(ca_issuers_url(issuer_name)),
                    )
                ]
            ),
            critical=False,
        )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in san]), critical=False)
    digest = (
        hashes.SHA384()
        if isinstance(issuer_key, ec.EllipticCurvePrivateKey) and issuer_key.key_size == 384
        else hashes.SHA256()
    )
    return builder.sign(issuer_key, digest)


def cert_pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def cert_facts(cert, key_file, issuer, subject_text, issuer_text, san, common_name) -> dict:
    """What parse_cert must report. ``issuer`` is (certificate, file name, name) or None when self-signed."""
    public_key = cert.public_key()
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    domains = set(san) | ({common_name} if "." in common_name else set())
    return {
        "kind": "CERTIFICATE",
        "subject": subject_text,
        "issuer": issuer_text,
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "serial": "%X" % cert.serial_number,
        "fingerprint_sha1": cert.fingerprint(hashes.SHA1()).hex().upper(),
        "spki_sha256": hashlib.sha256(spki).hexdigest().upper(),
        "key_technology": "RSA" if isinstance(public_key, rsa.RSAPublicKey) else "EC",
        "key_bits": public_key.key_size,
        "domains": sorted(d.lower() for d in domains),
        "is_self_signed": issuer is None,
        "key": key_file,
        "issuer_file": issuer[1] if issuer else None,
        "issuer_uri": ca_issuers_url(issuer[2]) if issuer else None,
        "authority_key_identifier": (
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[0].public_key()).key_identifier.hex().upper()
            if issuer
            else None
        ),
    }


def write(filename: str, data, manifest: dict = None, facts: dict = None) -> None:
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(HERE, filename), mode, newline="" if mode == "w" else None) as f:
        f.write(data)
    if manifest is not None:
        manifest[filename] = facts


def generate_hierarchy(manifest: dict) -> dict:
    """Root, intermediates and leaves with their keys, chains and fullchains; returns name -> (cert, key)."""
    made = {}
    for name, spec, key_format, issuer_name, is_ca, common_name, san, validity, serial in CERTIFICATES:
        key = new_key(spec)
        issuer = made[issuer_name] + (issuer_name,) if issuer_name else None
        cert = build_certificate(key, issuer, is_ca, common_name, san, validity, serial)
        made[name] = (cert, key)
        write("%s.key.pem" % name, key_pem(key, key_format), manifest, key_facts(key, key_format))
        issuer_cert = made[issuer_name][0] if issuer_name else cert
        issuer_cn = issuer_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        facts = cert_facts(
            cert,
            "%s.key.pem" % name,
            (issuer_cert, "%s.cert.pem" % issuer_name, issuer_name) if issuer_name else None,
            "CN=%s\nO=%s" % (common_name, ORGANIZATION) if is_ca else "CN=%s" % common_name,
            "CN=%s\nO=%s" % (issuer_cn, ORGANIZATION),
            san,
            common_name,
        )
        facts["is_ca"] = is_ca
        facts["subject_key_identifier"] = (
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest.hex().upper()
        )
        write("%s.cert.pem" % name, cert_pem(cert), manifest, facts)
        if not is_ca:
            chain_files = ["%s.cert.pem" % issuer_name]
            write(
                "%s.chain.pem" % name, cert_pem(issuer_cert), manifest, {"kind": "CHAIN", "certificates": chain_files}
            )
            write(
                "%s.fullchain.pem" % name,
                cert_pem(cert) + cert_pem(issuer_cert),
                manifest,
                {"kind": "FULLCHAIN", "certificates": ["%s.cert.pem" % name] + chain_files},
            )
    return made


def generate_pkcs7(manifest: dict, made: dict) -> None:
    """Intermediate A and the root as PKCS#7, DER and PEM. The certificates are a DER SET, stored
    sorted by their encoding: the manifest lists them in that stored order."""
    certs = [made["intermediate_a"][0], made["root_ca"][0]]
    der = pkcs7.serialize_certificates(certs, serialization.Encoding.DER)
    names = {made[name][0]: "%s.cert.pem" % name for name in ("intermediate_a", "root_ca")}
    facts = {"kind": "PKCS7", "certificates": [names[cert] for cert in pkcs7.load_der_pkcs7_certificates(der)]}
    write("chain_a.p7b", der, manifest, facts)
    write("chain_a.p7b.pem", pkcs7.serialize_certificates(certs, serialization.Encoding.PEM).decode(), manifest, facts)


def generate_tricky(manifest: dict) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(TRICKY_SUBJECT)
        .issuer_name(TRICKY_SUBJECT)
        .public_key(key.public_key())
        .serial_number(0x00C0FFEE)
        .not_valid_before(LIVE_FROM)
        .not_valid_after(LEAF_UNTIL)
        .sign(key, hashes.SHA256())
    )
    write("names_tricky.key.pem", key_pem(key, "PKCS#8"), manifest, key_facts(key, "PKCS#8"))
    subject_text = "\n".join(
        [
            "CN=tricky.example.com",
            "emailAddress=admin@tricky.example.com",
            "serialNumber=12345",
            "L=Paris+OU=\\ spaced\\ ",  # DER sorts the attributes of an RDN by their encoding
            "OU=\\#hash first",
            'O=Example\\, Inc. \\"quoted\\" \\+ more\\; semi \\<angle\\> a\\\\b =',
            "ST=Île-de-France",
            "C=FR",
        ]
    )
    facts = cert_facts(cert, "names_tricky.key.pem", None, subject_text, subject_text, [], "tricky.example.com")
    facts.update(is_ca=False, subject_key_identifier=None)  # no extensions at all
    write("names_tricky.cert.pem", cert_pem(cert), manifest, facts)


def generate_csrs(manifest: dict) -> None:
    """One CSR per key technology: RSA with a CN also in the SAN, EC with an empty subject (as ACME clients send)."""
    for name, spec, key_format, subject_cn, san in (
        ("csr_rsa", ("RSA", 2048), "PKCS#1", "csr-rsa.example.com", ["csr-rsa.example.com", "www.csr-rsa.example.com"]),
        ("csr_ec", ("EC", "P-256"), "SEC1", None, ["csr-ec.example.com", "csr-ec2.example.com"]),
    ):
        key = new_key(spec)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)] if subject_cn else [])
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(subject)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in san]), critical=False)
            .sign(key, hashes.SHA256())
        )
        write("%s.key.pem" % name, key_pem(key, key_format), manifest, key_facts(key, key_format))
        facts = {
            "kind": "CERTIFICATE REQUEST",
            "key": "%s.key.pem" % name,
            "key_technology": spec[0],
            "spki_sha256": key_facts(key, key_format)["spki_sha256"],
            "domains": sorted(set(san) | ({subject_cn} if subject_cn else set())),
            "subject": "CN=%s" % subject_cn if subject_cn else "",
        }
        write("%s.csr.pem" % name, csr.public_bytes(serialization.Encoding.PEM).decode(), manifest, facts)


def generate_accounts(manifest: dict) -> None:
    """Certbot ``private_key.json`` files (JWK) and the PKCS#8 PEM of the same keys."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = rsa_key.private_numbers()
    rsa_jwk = {
        "kty": "RSA",
        "n": b64url(numbers.public_numbers.n),
        "e": b64url(numbers.public_numbers.e),
        "d": b64url(numbers.d),
        "p": b64url(numbers.p),
        "q": b64url(numbers.q),
        "dp": b64url(numbers.dmp1),
        "dq": b64url(numbers.dmq1),
        "qi": b64url(numbers.iqmp),
    }
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_numbers = ec_key.private_numbers()
    ec_jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_fixed(ec_numbers.public_numbers.x, 32),
        "y": b64url_fixed(ec_numbers.public_numbers.y, 32),
        "d": b64url_fixed(ec_numbers.private_value, 32),
    }
    for name, key, jwk in (("account_rsa", rsa_key, rsa_jwk), ("account_ec", ec_key, ec_jwk)):
        facts = key_facts(key, "PKCS#8")
        write("%s.key.pem" % name, key_pem(key, "PKCS#8"), manifest, facts)
        write(
            "%s.json" % name,
            json.dumps(jwk, indent=1, sort_keys=True) + "\n",
            manifest,
            {"kind": "JWK", "pem": "%s.key.pem" % name, "spki_sha256": facts["spki_sha256"]},
        )


def generate_junk(manifest: dict, made: dict) -> None:
    """Inputs every parser must refuse (or, for the CRLF files, clean up)."""
    write("junk_random.bin", os.urandom(512), manifest, {"kind": "JUNK", "why": "random binary"})
    write("junk_empty.txt", "", manifest, {"kind": "JUNK", "why": "empty"})
    write(
        "junk_garbage.txt",
        "This is not PEM.\n-----BEGIN NOTHING-----\nzz\n",
        manifest,
        {"kind": "JUNK", "why": "text that is not PEM"},
    )
    write(
        "leaf_rsa_single.cert.der",
        made["leaf_rsa_single"][0].public_bytes(serialization.Encoding.DER),
        manifest,
        {"kind": "DER", "pem": "leaf_rsa_single.cert.pem"},
    )
    for source, target in (("csr_rsa.csr.pem", "junk_crlf.csr.pem"), ("csr_rsa.key.pem", "junk_crlf.key.pem")):
        with open(os.path.join(HERE, source)) as f:
            lines = f.read().splitlines()
        write(
            target, "\r\n".join(line + "  " for line in lines) + "\r\n\r\n", manifest, {"kind": "CRLF", "clean": source}
        )
    leaf_key = made["leaf_rsa_single"][1]
    write(
        "junk_encrypted.key.pem",
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"peter"),
        ).decode(),
        manifest,
        {"kind": "JUNK", "why": "encrypted PKCS#8 key (password: peter)"},
    )
    write(
        "junk_encrypted_pkcs1.key.pem",
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.BestAvailableEncryption(b"peter"),
        ).decode(),
        manifest,
        {"kind": "JUNK", "why": "encrypted PKCS#1 key (password: peter)"},
    )
    write(
        "junk_public.key.pem",
        leaf_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        manifest,
        {"kind": "JUNK", "why": "a public key, not a private key"},
    )
    others = (
        ("junk_secp256k1.key.pem", ec.generate_private_key(ec.SECP256K1()), "EC key on secp256k1 (not P-256/P-384)"),
        ("junk_secp521r1.key.pem", ec.generate_private_key(ec.SECP521R1()), "EC key on P-521 (not supported)"),
        ("junk_ed25519.key.pem", ed25519.Ed25519PrivateKey.generate(), "Ed25519 key (not supported)"),
        ("junk_dsa.key.pem", dsa.generate_private_key(key_size=2048), "DSA key (not supported)"),
    )
    for filename, key, why in others:
        write(
            filename,
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode(),
            manifest,
            {"kind": "JUNK", "why": why},
        )


def main() -> None:
    manifest = {}
    made = generate_hierarchy(manifest)
    generate_pkcs7(manifest, made)
    generate_tricky(manifest)
    generate_csrs(manifest)
    generate_accounts(manifest)
    generate_junk(manifest, made)
    document = {"generated": NOW.isoformat(), "files": dict(sorted(manifest.items()))}
    write("manifest.json", json.dumps(document, indent=1, sort_keys=True) + "\n")
    print("wrote %d files to %s" % (len(manifest) + 1, HERE))


if __name__ == "__main__":
    main()
