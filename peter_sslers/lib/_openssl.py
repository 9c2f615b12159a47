"""The ``openssl`` command-line backend of :mod:`peter_sslers.lib.cert_utils`.

Used when ``cryptography`` cannot be imported (or when a test forces it). Every call runs the
binary with ``subprocess.run``: list arguments, no shell, input on stdin or in files of a private
temporary directory, a timeout, and ``OPENSSL_CONF`` set from ``openssl_path_conf`` when that file
exists. The methods and what they return are described in ``cert_utils``' module docstring;
this module only turns ``openssl``'s output into those plain values.

Written for OpenSSL 3.0 (``openssl version``) and its output formats.
"""

import base64
import contextlib
import datetime
import os
import re
import subprocess
import tempfile
from typing import Dict
from typing import Iterator
from typing import List
from typing import Optional
from typing import Tuple

from . import errors

DEFAULT_TIMEOUT = 60  # seconds; generating an RSA 4096 key is the slowest call

# Names printed with every attribute as a dotted OID, values in UTF-8, RFC 2253 escapes plus
# control characters as \XX, RDNs in DER order separated by "," and multi-valued RDNs by "+":
# unambiguous to split, and cert_utils names and re-escapes the attributes itself.
NAME_OPTIONS = "esc_2253,esc_ctrl,utf8,sep_comma_plus,oid"
CERT_EXTENSIONS = "subjectAltName,authorityInfoAccess,authorityKeyIdentifier,subjectKeyIdentifier,basicConstraints"

_MONTHS = {name: number for number, name in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_HEX_DIGITS = "0123456789ABCDEFabcdef"
_RE_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----\n", re.DOTALL)
_RE_PRIVATE_KEY = re.compile(r"-----BEGIN PRIVATE KEY-----.+?-----END PRIVATE KEY-----\n", re.DOTALL)
_RE_EXTENSION_HEADER = re.compile(
    r"^(?P<indent> *)(?P<name>X509v3 [A-Za-z ]+|Authority Information Access):(?: critical)? *$"
)
_RE_ERROR_QUEUE_LINE = re.compile(r"^[0-9A-F]+:error:[0-9A-F]+:([^:]*):[^:]*:([^:]*):")
# base64 / hex runs: no word of an openssl message is this long
_RE_ENCODED_DATA = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_RE_KEY_IDENTIFIER = re.compile(r"^(?:keyid:)?((?:[0-9A-F]{2}:)*[0-9A-F]{2})$")


class OpenSslBackend:
    """Runs the ``openssl`` binary at ``openssl_path`` with the configuration ``openssl_path_conf``."""

    name = "openssl"

    def __init__(
        self,
        openssl_path: str = "openssl",
        openssl_path_conf: str = "/etc/ssl/openssl.cnf",
        timeout: int = DEFAULT_TIMEOUT,
    ):
        self.openssl_path = openssl_path
        self.openssl_path_conf = openssl_path_conf
        self.timeout = timeout

    # --- running the binary

    def _execute(self, args: List[str], stdin: bytes) -> subprocess.CompletedProcess:
        """:raises errors.OpenSslError: the binary cannot be run or timed out."""
        env = dict(os.environ)
        if os.path.isfile(self.openssl_path_conf):
            env["OPENSSL_CONF"] = self.openssl_path_conf
        try:
            return subprocess.run(
                [self.openssl_path] + args, input=stdin, capture_output=True, timeout=self.timeout, env=env
            )
        except OSError as exc:
            raise errors.OpenSslError("Cannot run `%s`: %s" % (self.openssl_path, exc))
        except subprocess.TimeoutExpired:
            raise errors.OpenSslError("`openssl %s` did not finish in %s seconds." % (args[0], self.timeout))

    def _run(self, args: List[str], stdin=b"", refused: Optional[str] = None) -> str:
        """Run ``openssl args`` and return its output as text.

        ``refused`` names the input: a failure is then the input's fault.

        :raises errors.InvalidPEM: openssl refused the input (when ``refused`` is given).
        :raises errors.OpenSslError: the binary failed (or could not be run).
        """
        result = self._execute(args, stdin.encode("utf-8") if isinstance(stdin, str) else stdin)
        if result.returncode != 0:
            detail = _error_summary(result.stderr)
            if refused:
                raise errors.InvalidPEM("Not a valid %s (openssl: %s)." % (refused, detail))
            raise errors.OpenSslError("`openssl %s` failed: %s" % (args[0], detail))
        return result.stdout.decode("utf-8", errors="replace")

    @staticmethod
    @contextlib.contextmanager
    def _files(**contents) -> Iterator[Dict[str, str]]:
        """Write what openssl must read from files into a temporary directory only this user can read."""
        with tempfile.TemporaryDirectory(prefix="peter_sslers-") as directory:
            paths = {}
            for name, content in contents.items():
                paths[name] = os.path.join(directory, name)
                # 0600 from the start: these may be private keys.
                fd = os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(content.encode("utf-8") if isinstance(content, str) else content)
            yield paths

    # --- keys

    def private_key_spki(self, key_pem: str) -> bytes:
        # An empty -passin: an encrypted key fails instead of prompting on a terminal.
        out = self._run(["pkey", "-passin", "pass:", "-check", "-pubout"], key_pem, refused="private key")
        return _public_key_der(out)

    def private_key_pkcs8_der(self, key_pem: str) -> bytes:
        # Not `pkey -outform DER`: OpenSSL 3.0 writes PKCS#1/SEC1 there (the 2021 code's mistake).
        args = ["pkcs8", "-topk8", "-nocrypt", "-passin", "pass:", "-outform", "DER"]
        result = self._execute(args, key_pem.encode("ascii"))
        if result.returncode != 0:
            raise errors.InvalidPEM("Not a valid private key (openssl: %s)." % _error_summary(result.stderr))
        return result.stdout

    def generate_private_key(self, key_technology: str, bits: int, curve: str) -> str:
        if key_technology == "RSA":
            args = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits]
        else:
            args = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:%s" % curve]
            args += ["-pkeyopt", "ec_param_enc:named_curve"]
        return self._run(args)

    def _key_from_der(self, pkcs8_der: bytes) -> str:
        """Let openssl check (``-check``: consistency, point on curve) and re-encode a PKCS#8 key built here."""
        out = self._run(["pkey", "-inform", "DER", "-check"], pkcs8_der, refused="key made from the JWK")
        return _RE_PRIVATE_KEY.search(out).group(0)

    def rsa_private_key(self, n: int, e: int, d: int, p: int, q: int, dp: int, dq: int, qi: int) -> str:
        rsa_private_key = _der_sequence(*(_der_integer(value) for value in (0, n, e, d, p, q, dp, dq, qi)))
        return self._key_from_der(_pkcs8(_DER_RSA_ALGORITHM, rsa_private_key))

    def ec_private_key(self, curve: str, x: int, y: int, d: int) -> str:
        size = _CURVE_SIZES[curve]
        try:
            point = b"\x04" + x.to_bytes(size, "big") + y.to_bytes(size, "big")
            private_value = d.to_bytes(size, "big")
        except OverflowError:
            raise errors.InvalidPEM("The JWK's numbers are too large for %s." % curve)
        # RFC 5915 ECPrivateKey: version 1, the private value, [1] the public point.
        ec_private_key = _der_sequence(
            _der_integer(1), _der(0x04, private_value), _der(0xA1, _der(0x03, b"\x00" + point))
        )
        algorithm = _der_sequence(_DER_OID_EC_PUBLIC_KEY, _DER_CURVE_OIDS[curve])
        return self._key_from_der(_pkcs8(algorithm, ec_private_key))

    # --- certificates and CSRs

    def cert_facts(self, cert_pem: str) -> dict:
        args = ["x509", "-noout", "-nameopt", NAME_OPTIONS, "-subject", "-issuer", "-startdate", "-enddate"]
        args += ["-serial", "-ext", CERT_EXTENSIONS]
        out = self._run(args, cert_pem, refused="certificate")
        fields = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith(" "))
        extensions = _extension_blocks(out)
        return {
            "subject_rdns": _parse_name(fields["subject"]),
            "issuer_rdns": _parse_name(fields["issuer"]),
            "not_before": _parse_date(fields["notBefore"]),
            "not_after": _parse_date(fields["notAfter"]),
            "serial": int(fields["serial"], 16),
            "san_dns": _san_dns(extensions),
            "ca_issuers": [
                line[len("CA Issuers - URI:") :]
                for line in extensions.get("Authority Information Access", [])
                if line.startswith("CA Issuers - URI:")
            ],
            "authority_key_identifier": _key_identifier(extensions.get("X509v3 Authority Key Identifier", [])),
            "subject_key_identifier": _key_identifier(extensions.get("X509v3 Subject Key Identifier", [])),
            "is_ca": any(line.startswith("CA:TRUE") for line in extensions.get("X509v3 Basic Constraints", [])),
        }

    def csr_facts(self, csr_pem: str) -> dict:
        args = ["req", "-noout", "-nameopt", NAME_OPTIONS, "-subject", "-text"]
        args += ["-reqopt", "no_header,no_version,no_subject,no_pubkey,no_sigdump,no_signame"]
        out = self._run(args, csr_pem, refused="CSR")
        subject = next(line for line in out.splitlines() if line.startswith("subject="))
        return {"subject_rdns": _parse_name(subject[len("subject=") :]), "san_dns": _san_dns(_extension_blocks(out))}

    def make_csr(self, domain_names: List[str], key_pem: str) -> str:
        # A configuration of our own rather than openssl_path_conf: nothing from the system's [req]
        # section (default extensions, subject) may leak into the CSR. Names are checked by cert_utils.
        config = "[req]\ndistinguished_name = dn\nreq_extensions = san\n[dn]\n[san]\nsubjectAltName = %s\n" % ",".join(
            "DNS:%s" % name for name in domain_names
        )
        with self._files(key=key_pem, config=config) as paths:
            args = ["req", "-new", "-sha256", "-subj", "/", "-key", paths["key"], "-config", paths["config"]]
            return self._run(args)

    def verify_signature(self, spki_der: bytes, digest: str, signature: bytes, data: bytes) -> bool:
        with self._files(key=spki_der, signature=signature) as paths:
            args = ["dgst", "-" + digest, "-keyform", "DER", "-verify", paths["key"], "-signature", paths["signature"]]
            result = self._execute(args, data)
        if result.returncode == 0:
            return True
        if b"Verification failure" in result.stdout:
            return False
        raise errors.OpenSslError("`openssl dgst -verify` failed: %s" % _error_summary(result.stderr))

    def pkcs7_certificates(self, der: bytes) -> str:
        return self._run(["pkcs7", "-inform", "DER", "-print_certs"], der, refused="PKCS#7 bundle")


# --- reading openssl's output


def _error_summary(stderr: bytes) -> str:
    """The first lines of openssl's complaint, short enough for a form error; an error-queue line
    (``80BB...:error:0680007B:asn1 encoding routines:ASN1_get_object:header too long:file:line:``)
    is reduced to its library and reason. Anything that looks like encoded data (a long run of
    base64 or hex) is masked: the input may be a private key, and openssl may echo some of it."""
    lines = []
    for line in stderr.decode("utf-8", errors="replace").splitlines():
        queued = _RE_ERROR_QUEUE_LINE.match(line)
        if queued:
            line = "%s: %s" % queued.groups()
        line = _RE_ENCODED_DATA.sub("[...]", line.strip())
        if line:
            lines.append(line)
    return "; ".join(lines[:2])[:300] or "no message"


def _public_key_der(out: str) -> bytes:
    """The DER of the PUBLIC KEY block in openssl's output."""
    body = _RE_PUBLIC_KEY.search(out).group(0).splitlines()[1:-1]
    return base64.b64decode("".join(body))


def _parse_name(text: str) -> List[List[Tuple[str, str]]]:
    """A name printed with NAME_OPTIONS, back to RDNs (in DER order) of (dotted OID, unescaped value)."""
    if not text:
        return []
    rdns = [[]]
    attribute = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1] in _HEX_DIGITS:  # \XX: an escaped control character
            attribute.append(chr(int(text[index + 1 : index + 3], 16)))
            index += 3
            continue
        if char == "\\":
            attribute.append(text[index + 1])
            index += 2
            continue
        if char in ",+":
            rdns[-1].append(_split_attribute(attribute))
            attribute = []
            if char == ",":
                rdns.append([])
        else:
            attribute.append(char)
        index += 1
    rdns[-1].append(_split_attribute(attribute))
    return rdns


def _split_attribute(chars: List[str]) -> Tuple[str, str]:
    oid, _equals, value = "".join(chars).partition("=")  # an OID holds no "="
    return oid, value


def _parse_date(text: str) -> datetime.datetime:
    """``Nov 28 11:33:12 2026 GMT`` (openssl's default date format, whatever the locale)."""
    month, day, clock, year, _zone = text.split()
    hour, minute, second = (int(part) for part in clock.split(":"))
    return datetime.datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=datetime.timezone.utc)


def _extension_blocks(out: str) -> Dict[str, List[str]]:
    """The extensions openssl printed: header (e.g. "X509v3 Subject Alternative Name") -> value lines."""
    blocks = {}
    current = None
    indent = 0
    for line in out.splitlines():
        header = _RE_EXTENSION_HEADER.match(line)
        if header:
            current = blocks.setdefault(header.group("name"), [])
            indent = len(header.group("indent"))
        elif current is not None and len(line) - len(line.lstrip(" ")) > indent and line.strip():
            current.append(line.strip())
        else:
            current = None
    return blocks


def _key_identifier(lines: List[str]) -> Optional[str]:
    """The key id of a printed AKI or SKI as upper-case hex (an AKI may instead name the issuer and serial)."""
    for line in lines:
        match = _RE_KEY_IDENTIFIER.match(line)
        if match:
            return match.group(1).replace(":", "")
    return None


def _san_dns(extensions: Dict[str, List[str]]) -> List[str]:
    """The DNS names of a printed subjectAltName (``DNS:a.example.com, DNS:b.example.com, IP Address:...``)."""
    entries = ", ".join(extensions.get("X509v3 Subject Alternative Name", [])).split(", ")
    return [entry[len("DNS:") :] for entry in entries if entry.startswith("DNS:")]


# --- the few DER structures the JWK conversion builds

_CURVE_SIZES = {"P-256": 32, "P-384": 48}
_DER_OID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
_DER_CURVE_OIDS = {
    "P-256": bytes.fromhex("06082a8648ce3d030107"),  # prime256v1, 1.2.840.10045.3.1.7
    "P-384": bytes.fromhex("06052b81040022"),  # secp384r1, 1.3.132.0.34
}
_DER_RSA_ALGORITHM = bytes.fromhex("300d06092a864886f70d0101010500")  # rsaEncryption, NULL parameters


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _der_integer(value: int) -> bytes:
    """A non-negative INTEGER (a leading zero byte keeps the sign bit clear)."""
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _der_sequence(*items: bytes) -> bytes:
    return _der(0x30, b"".join(items))


def _pkcs8(algorithm: bytes, private_key: bytes) -> bytes:
    """RFC 5208 PrivateKeyInfo: version 0, the algorithm, the key in an OCTET STRING."""
    return _der_sequence(_der_integer(0), algorithm, _der(0x04, private_key))
