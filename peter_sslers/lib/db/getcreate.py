"""Get-or-create helpers: each returns ``(dbObject, is_created)``."""

from typing import Tuple

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import CertificateCA
from ...model.objects import Domain
from ...model.objects import RemoteIpAddress
from .. import cert_utils
from .. import errors
from .. import utils
from . import get
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent


def getcreate__Domain__by_domainName(ctx, domain_name: str, is_from_queue_domain: bool = False) -> Tuple[Domain, bool]:
    """Find or create a Domain.

    :raises errors.InvalidRequest: (field ``domain_name``) the name is not a valid domain
        name, or it is blocklisted.
    """
    try:
        domain_name = utils.validate_domain_name(domain_name)
    except errors.InvalidRequest as exc:
        exc.field = "domain_name"
        raise
    dbDomain = get.get__Domain__by_name(ctx, domain_name)
    if dbDomain is not None:
        return dbDomain, False
    if get.get__DomainBlocklisted__by_name(ctx, domain_name) is not None:
        raise errors.InvalidRequest("`%s` is blocklisted." % domain_name, field="domain_name")
    dbOperationsEvent = log__OperationsEvent(ctx, "Domain__insert", {"domain_name": domain_name})
    dbDomain = Domain()
    dbDomain.domain_name = domain_name
    dbDomain.is_active = True
    dbDomain.is_from_queue_domain = is_from_queue_domain or None
    dbDomain.timestamp_created = ctx.timestamp
    dbDomain.operations_event_id__created = dbOperationsEvent.id
    ctx.dbsession.add(dbDomain)
    ctx.dbsession.flush(objects=[dbDomain])
    log__OperationsObjectEvent(ctx, "Domain__insert", dbDomain, dbOperationsEvent)
    return dbDomain, True


def getcreate__RemoteIpAddress(ctx, remote_ip_address: str) -> Tuple[RemoteIpAddress, bool]:
    remote_ip_address = (remote_ip_address or "unknown")[:255]
    dbRemoteIp = ctx.dbsession.scalars(
        sa.select(RemoteIpAddress).where(RemoteIpAddress.remote_ip_address == remote_ip_address)
    ).first()
    if dbRemoteIp is not None:
        return dbRemoteIp, False
    dbRemoteIp = RemoteIpAddress()
    dbRemoteIp.remote_ip_address = remote_ip_address
    dbRemoteIp.timestamp_created = ctx.timestamp
    ctx.dbsession.add(dbRemoteIp)
    ctx.dbsession.flush(objects=[dbRemoteIp])
    return dbRemoteIp, True


def getcreate__CertificateCA__by_pem_text(
    ctx, cert_pem: str, display_name: str = None, is_trusted_root: bool = None
) -> Tuple["CertificateCA", bool]:
    """Find or create a CertificateCA, de-duplicated by the SHA-256 of its normalised PEM.

    :raises errors.InvalidRequest: the text is not a PEM certificate.
    """
    cert_pem = cert_utils.cleanup_pem_text(cert_pem)
    cert_pem_sha256 = utils.sha256_hex(cert_pem)
    dbCertificateCA = ctx.dbsession.scalars(
        sa.select(CertificateCA).where(CertificateCA.cert_pem_sha256 == cert_pem_sha256)
    ).first()
    if dbCertificateCA is not None:
        return dbCertificateCA, False
    try:
        parsed = cert_utils.parse_cert(cert_pem)
    except ValueError as exc:
        raise errors.InvalidRequest("Not a PEM certificate: %s" % exc, field="cert_file")
    dbOperationsEvent = log__OperationsEvent(ctx, "CertificateCA__insert", {"spki_sha256": parsed["spki_sha256"]})
    dbCertificateCA = CertificateCA()
    dbCertificateCA.display_name = display_name or parsed["subject"].split("\n")[-1]
    dbCertificateCA.is_trusted_root = is_trusted_root
    dbCertificateCA.key_technology_id = model_utils.KeyTechnology.from_string(parsed["key_technology"])
    dbCertificateCA.cert_pem = cert_pem
    dbCertificateCA.cert_pem_sha256 = cert_pem_sha256
    dbCertificateCA.spki_sha256 = parsed["spki_sha256"]
    dbCertificateCA.fingerprint_sha1 = parsed["fingerprint_sha1"]
    dbCertificateCA.timestamp_not_before = parsed["not_before"]
    dbCertificateCA.timestamp_not_after = parsed["not_after"]
    dbCertificateCA.cert_subject = parsed["subject"]
    dbCertificateCA.cert_issuer = parsed["issuer"]
    dbCertificateCA.cert_issuer_uri = parsed["issuer_uri"]
    dbCertificateCA.cert_authority_key_identifier = parsed["authority_key_identifier"]
    dbCertificateCA.timestamp_created = ctx.timestamp
    dbCertificateCA.operations_event_id__created = dbOperationsEvent.id
    ctx.dbsession.add(dbCertificateCA)
    ctx.dbsession.flush(objects=[dbCertificateCA])
    log__OperationsObjectEvent(ctx, "CertificateCA__insert", dbCertificateCA, dbOperationsEvent)
    return dbCertificateCA, True
