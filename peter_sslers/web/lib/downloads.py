"""File downloads in the formats servers want: PEM, DER, text, with the specification's content types."""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from ...lib import cert_utils

# (suffix) -> (encoding, content type); "der-ca" marks the CA variant of .crt/.der.
_PEM = "application/x-pem-file"
_TEXT = "text/plain"


def _response(body, content_type: str, filename: str) -> Response:
    response = Response(body=body if isinstance(body, bytes) else body.encode("ascii"), content_type=content_type)
    if content_type == _TEXT:
        response.charset = "utf-8"
        response.content_disposition = 'inline; filename="%s"' % filename
    else:
        response.content_disposition = 'attachment; filename="%s"' % filename
    return response


def certificate(pem: str, fmt: str, basename: str, is_ca: bool = False) -> Response:
    """One certificate: ``pem``, ``pem.txt``, or DER as ``cer``/``crt``/``der``."""
    filename = "%s.%s" % (basename, fmt)
    if fmt == "pem":
        return _response(pem, _PEM, filename)
    if fmt == "pem.txt":
        return _response(pem, _TEXT, filename)
    if fmt in ("cer", "crt", "der"):
        return _response(cert_utils.convert_pem_to_der(pem), cert_utils.mime_for(filename, is_ca=is_ca), filename)
    raise HTTPNotFound("Unknown format `%s`." % fmt)


def chain(pems: list, fmt: str, basename: str = "chain") -> Response:
    """Several certificates: ``pem``/``pem.txt`` as one PEM bundle; ``cer``/``crt``/``der`` as the DER
    certificates one after the other, issuer of the leaf first (a one-certificate chain is plain DER)."""
    filename = "%s.%s" % (basename, fmt)
    if fmt == "pem":
        return _response("".join(pems), _PEM, filename)
    if fmt == "pem.txt":
        return _response("".join(pems), _TEXT, filename)
    if fmt in ("cer", "crt", "der"):
        body = b"".join(cert_utils.convert_pem_to_der(pem) for pem in pems)
        return _response(body, cert_utils.mime_for(filename, is_ca=True), filename)
    raise HTTPNotFound("Unknown format `%s`." % fmt)


def private_key(pem: str, fmt: str, basename: str) -> Response:
    """``pem``/``pem.txt`` as stored; ``key`` as real PKCS#8 DER (``application/pkcs8``)."""
    filename = "%s.%s" % (basename, fmt)
    if fmt == "pem":
        return _response(pem, _PEM, filename)
    if fmt == "pem.txt":
        return _response(pem, _TEXT, filename)
    if fmt == "key":
        return _response(cert_utils.convert_private_key_to_pkcs8_der(pem), "application/pkcs8", filename)
    raise HTTPNotFound("Unknown format `%s`." % fmt)


def csr(pem: str, fmt: str, basename: str = "csr") -> Response:
    """``pem``/``pem.txt``; ``csr`` is the PEM text too (the specification's ``.csr``), labelled as PEM:
    ``application/pkcs10`` is the DER encoding (RFC 5967), which this is not."""
    filename = "%s.%s" % (basename, fmt)
    if fmt == "pem":
        return _response(pem, _PEM, filename)
    if fmt == "pem.txt":
        return _response(pem, _TEXT, filename)
    if fmt == "csr":
        return _response(pem, cert_utils.EXTENSION_TO_MIME["csr"], filename)
    raise HTTPNotFound("Unknown format `%s`." % fmt)


def config_zip(body: bytes, certificate_id) -> Response:
    """``config.zip`` (``lib.exports.certificate_config_zip``), saved as ``config{ID}.zip``."""
    return _response(body, "application/zip", "config%s.zip" % certificate_id)
