"""Form schemas (colander). Each field's description is also its API documentation.

Schemas are bound to the request before use (``Handler.validate``), which gives the
upload type its size limit. A node may carry ``aliases``: older field names still read
(``private_key_file_pem``, the 2021 name of ``private_key_file``).
"""

import re
from typing import Optional

import colander

from ...lib.db.acme_dns import ACME_DNS_SERVER_ACCOUNT_MARK_ACTIONS
from ...lib.db.acme_dns import ACME_DNS_SERVER_MARK_ACTIONS
from ...lib.db.chains import PRIORITIES as PREFERENCE_PRIORITIES
from ...lib.db.dns_backends import MARK_ACTIONS as DNS_BACKEND_MARK_ACTIONS
from ...lib.db.getcreate import MAX_DOMAINS_PER_SET
from ...lib.db.update import CERTIFICATE_SIGNED_MARK_ACTIONS
from ...lib.db.update import DOMAIN_MARK_ACTIONS
from ...lib.db.update import PRIVATE_KEY_MARK_ACTIONS
from ...lib.dns01 import TSIG_ALGORITHMS
from ...model import objects as model

# --- ids and text: what any field or route placeholder may hold
#
# Every id column is an INTEGER (the model's primary keys): 32 bits on PostgreSQL, where a
# larger number is a DataError, and 64 on SQLite, where a larger one is an OverflowError. An id
# outside 0..ID_MAX names nothing that can exist: a placeholder answers 404, a form field 400.
ID_MAX = 2**31 - 1
_ID_DIGITS_MAX = len(str(ID_MAX))

# Single-line text fields hold no control characters: PostgreSQL refuses NUL in text, and
# the others (newlines, escapes) have no place in a name, an address or an option.
RE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def parse_id(text) -> Optional[int]:
    """The id in ``text`` (ASCII digits, 0 to ``ID_MAX``), or None when it cannot be one.

    ``str.isdigit`` alone is not enough: it accepts ``²`` (which ``int`` refuses) and other
    scripts' digits (which ``int`` reads), and no length.
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text or len(text) > _ID_DIGITS_MAX or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= ID_MAX else None


def column_length(column) -> int:
    """The length of a model's ``Unicode(n)`` column: the longest text a field for it may hold."""
    return column.property.columns[0].type.length


def text_problem(value: str, max_length: int) -> Optional[str]:
    """Why ``value`` cannot be stored as single-line text (too long, control characters), or None."""
    if len(value) > max_length:
        return "Longer than the %d characters allowed." % max_length
    if RE_CONTROL_CHARACTERS.search(value):
        return "Holds a control character (NUL, a newline...): not allowed here."
    return None


def _is_file(cstruct) -> bool:
    return hasattr(cstruct, "file") and hasattr(cstruct, "filename")


class Text(colander.String):
    """A single-line text field, at most ``max_length`` characters (its column's length), no
    control characters, and never a file part (``curl --form name=@file``)."""

    def __init__(self, max_length: int, choices=None, **kw):
        super().__init__(**kw)
        self.max_length = max_length
        self.choices = choices

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None:
            return colander.null
        if _is_file(cstruct) or not isinstance(cstruct, str):
            raise colander.Invalid(node, "A text field: send the text itself, not a file.")
        problem = text_problem(cstruct, self.max_length)
        if problem and self.choices:
            problem = _not_one_of(self.choices)
        if problem:
            raise colander.Invalid(node, problem)
        return super().deserialize(node, cstruct)


class Id(colander.SchemaType):
    """An id field (or any whole number that fits one): ASCII digits, 0 to ``ID_MAX``; empty is missing."""

    def __init__(self, what: str = "an id"):
        self.what = what

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None or cstruct == "":
            return colander.null
        if _is_file(cstruct) or not isinstance(cstruct, str):
            raise colander.Invalid(node, "A number field: send the number itself, not a file.")
        if not cstruct.strip():
            return colander.null
        value = parse_id(cstruct)
        if value is None:
            raise colander.Invalid(node, "Not %s: a whole number from 0 to %d." % (self.what, ID_MAX))
        return value

    def serialize(self, node, appstruct):
        return colander.null if appstruct in (colander.null, None) else str(appstruct)


class OneOf(colander.OneOf):
    """``colander.OneOf`` whose message lists the choices but never repeats the value sent
    (which may be a megabyte long, and ends up in a JSON answer or a redirect)."""

    def __call__(self, node, value):
        if value not in self.choices:
            raise colander.Invalid(node, _not_one_of(self.choices))


def _not_one_of(choices) -> str:
    return "Not one of: %s." % ", ".join(str(c) for c in choices)


def choice_length(choices) -> int:
    return max(len(str(choice)) for choice in choices)


def Choice(choices) -> Text:
    """The type of a field holding one of ``choices``: no longer than the longest of them."""
    return Text(choice_length(choices), choices=tuple(choices))


# a list of domain names, separated by commas: the most names a set holds, each at its column's length
DOMAIN_NAMES_MAX_LENGTH = MAX_DOMAINS_PER_SET * (column_length(model.Domain.domain_name) + 2)


class TextUpload(colander.SchemaType):
    """A file upload (or a plain form field) holding text: PEM or JSON.

    Refuses files over ``upload_max_bytes`` and binary data (DER where PEM was asked).
    """

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None or cstruct == "" or cstruct == b"":
            return colander.null
        limit = node.bindings["upload_max_bytes"] if node.bindings else 262144
        if _is_file(cstruct):
            data = cstruct.file.read(limit + 1)
        elif isinstance(cstruct, bytes):
            data = cstruct
        elif isinstance(cstruct, str):
            data = cstruct.encode("utf-8")
        else:
            raise colander.Invalid(node, "Expected a file.")
        if len(data) > limit:
            raise colander.Invalid(node, "The file is larger than the %s bytes allowed (`upload_max_bytes`)." % limit)
        if not data.strip():
            raise colander.Invalid(node, "The file is empty.")
        try:
            return data.decode("ascii")
        except UnicodeDecodeError:
            raise colander.Invalid(node, "The file is binary, not PEM text (DER? convert it to PEM).")

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else appstruct


def _upload(name: str, description: str, missing=colander.required, aliases=()) -> colander.SchemaNode:
    return colander.SchemaNode(TextUpload(), name=name, description=description, missing=missing, aliases=aliases)


def _action(choices) -> colander.SchemaNode:
    return colander.SchemaNode(
        Choice(choices), name="action", description="What to mark it", validator=OneOf(choices)
    )


def _domain_names(name: str, description: str, missing=colander.required) -> colander.SchemaNode:
    return colander.SchemaNode(Text(DOMAIN_NAMES_MAX_LENGTH), name=name, description=description, missing=missing)


class DomainNew(colander.Schema):
    domain_name = colander.SchemaNode(
        Text(column_length(model.Domain.domain_name)),
        name="domain_name",
        description="One fully qualified domain name, e.g. `example.com`",
    )


class DomainSearch(colander.Schema):
    domain = colander.SchemaNode(
        Text(column_length(model.Domain.domain_name)),
        name="domain",
        description="A domain name, or part of one: any case, a trailing dot, Unicode (`bücher.example`) or "
        "punycode (`xn--bcher-kva.example`)",
    )


class DomainBlocklistedAdd(colander.Schema):
    domain_name = colander.SchemaNode(
        Text(column_length(model.DomainBlocklisted.domain_name)),
        name="domain_name",
        description="One domain name to blocklist, e.g. `example.com`: normalised (lower case, IDN to punycode, "
        "no trailing dot); blocks exactly this name, not its subdomains (`*.example.com` is a name of its own)",
    )


class DomainMark(colander.Schema):
    action = _action(DOMAIN_MARK_ACTIONS)


class CertificateSignedUpload(colander.Schema):
    private_key_file = _upload(
        "private_key_file",
        "The certificate's private key, PEM (PKCS#1, SEC1 or PKCS#8); `private_key_file_pem` is read too",
        aliases=("private_key_file_pem",),
    )
    certificate_file = _upload("certificate_file", "The certificate, PEM (one certificate)")
    chain_file = _upload("chain_file", "The intermediate certificate(s) that signed it, PEM, issuer first")


class CertificateSignedMark(colander.Schema):
    action = _action(CERTIFICATE_SIGNED_MARK_ACTIONS)


class CertificateCAUpload(colander.Schema):
    cert_file = _upload("cert_file", "A CA certificate (root or intermediate), PEM")
    cert_file_name = colander.SchemaNode(
        Text(column_length(model.CertificateCA.display_name)),
        name="cert_file_name", description="A display name (optional)", missing=None
    )


class CertificateCAChainUpload(colander.Schema):
    chain_file = _upload("chain_file", "One or more CA certificates, PEM, each signed by the next")
    chain_file_name = colander.SchemaNode(
        Text(column_length(model.CertificateCAChain.display_name)),
        name="chain_file_name", description="A display name (optional)", missing=None
    )


# --- the preferred-CA list (docs/Chains.md)

# 40 hex digits with a colon between each pair, the longest way to write a SHA-1 fingerprint
FINGERPRINT_SHA1_MAX_LENGTH = 59


def _fingerprint_sha1() -> colander.SchemaNode:
    return colander.SchemaNode(
        Text(FINGERPRINT_SHA1_MAX_LENGTH),
        name="fingerprint_sha1",
        description="The CA certificate's SHA-1 fingerprint: all 40 hex digits, or the first 8 "
        "(case and colons do not matter)",
    )


def _preference_slot() -> colander.SchemaNode:
    return colander.SchemaNode(
        Id("a slot"),
        name="slot",
        description="The slot the CA is in now (1 is the most preferred), as the list showed it: "
        "if the list changed since, nothing is done",
    )


class CertificateCAPreferenceAdd(colander.Schema):
    fingerprint_sha1 = _fingerprint_sha1()


class CertificateCAPreferenceDelete(colander.Schema):
    fingerprint_sha1 = _fingerprint_sha1()
    slot = _preference_slot()


CERTIFICATE_CA_PREFERENCE_PRIORITIES = PREFERENCE_PRIORITIES


class CertificateCAPreferencePrioritize(colander.Schema):
    fingerprint_sha1 = _fingerprint_sha1()
    slot = _preference_slot()
    priority = colander.SchemaNode(
        Choice(CERTIFICATE_CA_PREFERENCE_PRIORITIES),
        name="priority",
        description="`increase`: swap with the slot before (towards 1); `decrease`: with the slot after",
        validator=OneOf(CERTIFICATE_CA_PREFERENCE_PRIORITIES),
    )


class PrivateKeyUpload(colander.Schema):
    private_key_file = _upload(
        "private_key_file",
        "A private key, PEM (RSA or EC; PKCS#1, SEC1 or PKCS#8); `private_key_file_pem` is read too",
        aliases=("private_key_file_pem",),
    )


PRIVATE_KEY_NEW_OPTIONS = ("RSA_2048", "RSA_3072", "RSA_4096", "EC_P256", "EC_P384")


class PrivateKeyNew(colander.Schema):
    key_technology = colander.SchemaNode(
        Choice(PRIVATE_KEY_NEW_OPTIONS),
        name="key_technology",
        description="The kind of key to generate",
        validator=OneOf(PRIVATE_KEY_NEW_OPTIONS),
        missing="RSA_4096",
    )


class PrivateKeyMark(colander.Schema):
    action = _action(PRIVATE_KEY_MARK_ACTIONS)


class UniqueFQDNSetNew(colander.Schema):
    domain_names = _domain_names("domain_names", "Domain names, separated by commas (1 to 100)")


class UniqueFQDNSetModify(colander.Schema):
    domain_names_add = _domain_names(
        "domain_names_add", "Domain names to add, separated by commas", missing=""
    )
    domain_names_del = _domain_names(
        "domain_names_del", "Domain names to remove, separated by commas", missing=""
    )


# --- acme-dns (docs/AcmeDns.md)


def _acme_dns_root_url() -> colander.SchemaNode:
    return colander.SchemaNode(
        Text(column_length(model.AcmeDnsServer.root_url)),
        name="root_url",
        description="The root URL of the acme-dns HTTP API, e.g. `https://auth.example.com` (http or https)",
    )


def _allowfrom() -> colander.SchemaNode:
    return colander.SchemaNode(
        Text(1000),
        name="allowfrom",
        description="CIDR ranges the account may update from, separated by commas (optional: any)",
        missing="",
    )


class AcmeDnsServerNew(colander.Schema):
    root_url = _acme_dns_root_url()
    is_global_default = colander.SchemaNode(
        Choice(("0", "1")),
        name="is_global_default",
        description="`1`: make it the global default acme-dns server",
        validator=OneOf(("0", "1")),
        missing="0",
    )


class AcmeDnsServerEdit(colander.Schema):
    root_url = _acme_dns_root_url()


class AcmeDnsServerMark(colander.Schema):
    action = _action(ACME_DNS_SERVER_MARK_ACTIONS)


class AcmeDnsServerEnsureDomains(colander.Schema):
    domain_names = _domain_names(
        "domain_names",
        "Domain names, separated by commas (1 to 100; a wildcard name stands for its base name)",
    )
    allowfrom = _allowfrom()


def _acme_dns_text(name: str, description: str, column) -> colander.SchemaNode:
    return colander.SchemaNode(Text(column_length(column)), name=name, description=description)


class AcmeDnsServerImportDomain(colander.Schema):
    domain_name = _acme_dns_text("domain_name", "The domain the credentials are for", model.Domain.domain_name)
    username = _acme_dns_text("username", "The acme-dns user name (a UUID)", model.AcmeDnsServerAccount.username)
    password = _acme_dns_text("password", "The acme-dns key (40 characters)", model.AcmeDnsServerAccount.password)
    fulldomain = _acme_dns_text(
        "fulldomain", "The account's full domain (`<subdomain>.<acme-dns zone>`)", model.AcmeDnsServerAccount.fulldomain
    )
    subdomain = _acme_dns_text("subdomain", "The account's subdomain", model.AcmeDnsServerAccount.subdomain)
    allowfrom = _allowfrom()


class AcmeDnsServerAccountMark(colander.Schema):
    action = _action(ACME_DNS_SERVER_ACCOUNT_MARK_ACTIONS)


class DomainAcmeDnsServerNew(colander.Schema):
    acme_dns_server_id = colander.SchemaNode(
        Id("an AcmeDnsServer id"),
        name="acme_dns_server_id",
        description="The acme-dns server to register the Domain with (an id from /acme-dns-servers)",
    )


class ActionNoFields(colander.Schema):
    """An action that needs no field: an HTTP POST is enough."""


# --- dns-01: DNS backends (RFC 2136), docs/Dns01.md

DNS_TSIG_ALGORITHMS = TSIG_ALGORITHMS


def _dns_text(name: str, column, description: str, missing=colander.required) -> colander.SchemaNode:
    return colander.SchemaNode(Text(column_length(column)), name=name, description=description, missing=missing)


class DnsBackendRfc2136New(colander.Schema):
    zone = _dns_text("zone", model.DnsBackendRfc2136.zone, "The zone, e.g. `example.com` (lower-cased, no trailing dot)")
    server = _dns_text(
        "server", model.DnsBackendRfc2136.server, "The server taking the updates (its primary): an IP address or host name"
    )
    port = colander.SchemaNode(Text(5), name="port", description="Its port (default 53)", missing="")
    tsig_key_name = _dns_text(
        "tsig_key_name", model.DnsBackendRfc2136.tsig_key_name, "The TSIG key's name, as in the server's `key` statement"
    )
    tsig_algorithm = colander.SchemaNode(
        Choice(DNS_TSIG_ALGORITHMS),
        name="tsig_algorithm",
        description="The TSIG algorithm",
        validator=OneOf(DNS_TSIG_ALGORITHMS),
        missing="hmac-sha256",
    )
    tsig_secret = _dns_text(
        "tsig_secret", model.DnsBackendRfc2136.tsig_secret, "The TSIG secret, base64 (`tsig-keygen` prints it)"
    )
    visibility_nameservers = _dns_text(
        "visibility_nameservers",
        model.DnsBackendRfc2136.visibility_nameservers,
        "The servers the visibility wait asks, `host[:port]` separated by commas (optional; empty: the zone's NS "
        "records, port 53)",
        missing="",
    )


class DnsBackendRfc2136Edit(DnsBackendRfc2136New):
    tsig_secret = _dns_text(
        "tsig_secret", model.DnsBackendRfc2136.tsig_secret, "A new TSIG secret, base64 (empty: keep the current one)",
        missing="",
    )


class DnsBackendRfc2136Mark(colander.Schema):
    action = _action(DNS_BACKEND_MARK_ACTIONS)


# --- the ACME-flow tool (AcmeOrderless)


class AcmeOrderlessNew(colander.Schema):
    domain_names_http01 = colander.SchemaNode(
        Text(DOMAIN_NAMES_MAX_LENGTH),
        name="domain_names_http01",
        description="The names of the other client's order, separated by commas (http-01 only: no wildcards); "
        "`domain_names` is read too",
        aliases=("domain_names",),
    )
    acme_account_id = colander.SchemaNode(
        Id("an AcmeAccount id"),
        name="acme_account_id",
        description="Optional: the AcmeAccount whose key the other client uses; key authorizations must then "
        "carry its thumbprint, and may be left out to be computed",
        missing=None,
    )


class AcmeOrderlessAddChallenge(colander.Schema):
    domain = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.domain_name)),
        name="domain",
        description="One of the AcmeOrderless's names",
    )
    acme_challenge_type = colander.SchemaNode(
        Choice(("http-01",)),
        name="acme_challenge_type",
        description="The challenge type (default http-01, the only one served)",
        validator=OneOf(("http-01",)),
        missing="http-01",
    )
    token = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.token)),
        name="token",
        description="Optional: the challenge's token (base64url, 22 to 128 characters); without it a "
        "placeholder to fill in with `update`",
        missing="",
    )
    keyauthorization = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.keyauthorization)),
        name="keyauthorization",
        description="The key authorization, `token.thumbprint` (computed when left out and an AcmeAccount is "
        "attached)",
        missing="",
    )
    challenge_url = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.challenge_url)),
        name="challenge_url",
        description="Optional: the URL of the CA's challenge, as the other client shows it (an https:// or "
        "http:// URL; kept for reference, never fetched)",
        missing="",
    )


class AcmeOrderlessUpdate(colander.Schema):
    """Free-form fields ``<challenge id>_token``, ``<challenge id>_keyauthorization`` and
    ``<challenge id>_url`` (2021); the schema only documents them
    (``lib.db.acme_orderless.update_challenges`` reads the form)."""

    challenge_token = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.token)),
        name="{challenge_id}_token",
        description="The new token of challenge {challenge_id} (empty: cleared, no longer served)",
        missing="",
    )
    challenge_keyauthorization = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.keyauthorization)),
        name="{challenge_id}_keyauthorization",
        description="Its key authorization, `token.thumbprint` (computed when left out and an AcmeAccount is "
        "attached)",
        missing="",
    )
    challenge_url = colander.SchemaNode(
        Text(column_length(model.AcmeOrderlessChallenge.challenge_url)),
        name="{challenge_id}_url",
        description="The URL of the CA's challenge (an https:// or http:// URL; empty: none). Sent alone, it "
        "leaves the token and key authorization as they are",
        missing="",
    )
