"""Form schemas (colander). Each field's description is also its API documentation.

Schemas are bound to the request before use (``Handler.validate``), which gives the
upload type its size limit. A node may carry ``aliases``: older field names still read
(``private_key_file_pem``, the 2021 name of ``private_key_file``).
"""

import colander

from ...lib.db.update import CERTIFICATE_SIGNED_MARK_ACTIONS
from ...lib.db.update import DOMAIN_MARK_ACTIONS
from ...lib.db.update import PRIVATE_KEY_MARK_ACTIONS


class TextUpload(colander.SchemaType):
    """A file upload (or a plain form field) holding text: PEM or JSON.

    Refuses files over ``upload_max_bytes`` and binary data (DER where PEM was asked).
    """

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or cstruct is None or cstruct == "" or cstruct == b"":
            return colander.null
        limit = node.bindings["upload_max_bytes"] if node.bindings else 262144
        if hasattr(cstruct, "file"):
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
        colander.String(), name="action", description="What to mark it", validator=colander.OneOf(choices)
    )


def _domain_names(name: str, description: str, missing=colander.required) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), name=name, description=description, missing=missing)


class DomainNew(colander.Schema):
    domain_name = colander.SchemaNode(
        colander.String(),
        name="domain_name",
        description="One fully qualified domain name, e.g. `example.com`",
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
        colander.String(), name="cert_file_name", description="A display name (optional)", missing=None
    )


class CertificateCAChainUpload(colander.Schema):
    chain_file = _upload("chain_file", "One or more CA certificates, PEM, each signed by the next")
    chain_file_name = colander.SchemaNode(
        colander.String(), name="chain_file_name", description="A display name (optional)", missing=None
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
        colander.String(),
        name="key_technology",
        description="The kind of key to generate",
        validator=colander.OneOf(PRIVATE_KEY_NEW_OPTIONS),
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


class ActionNoFields(colander.Schema):
    """An action that needs no field: an HTTP POST is enough."""
