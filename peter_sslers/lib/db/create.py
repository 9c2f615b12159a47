"""Creating objects that are more than a get-or-create: certificate imports, new keys."""

import dataclasses
import urllib.parse
from typing import Optional

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAccountProvider
from ...model.objects import CertificateCAChain
from ...model.objects import CertificateSigned
from ...model.objects import CertificateSignedChain
from ...model.objects import PrivateKey
from .. import cert_utils
from .. import errors
from .. import utils
from . import actions
from . import coverage
from . import get
from . import validate
from .getcreate import getcreate__CertificateCAChain__by_pem_text
from .getcreate import getcreate__PrivateKey__by_pem_text
from .getcreate import getcreate__UniqueFQDNSet__by_domain_names
from .getcreate import insert_or_find
from .getcreate import split_chain_pem
from .getcreate import write_in_one_savepoint
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent


@dataclasses.dataclass
class CertificateImport:
    """What an import found or created."""

    CertificateSigned: CertificateSigned
    is_created: bool
    CertificateCAChain: CertificateCAChain
    is_created__chain: bool
    PrivateKey: PrivateKey
    is_created__key: bool


def import__CertificateSigned(
    ctx,
    cert_pem: str,
    chain_pem: str,
    key_pem: str,
    certificate_request_id: Optional[int] = None,
    is_upstream_default: bool = True,
) -> CertificateImport:
    """Store a certificate with its chain and private key (an upload, a certbot import).

    Everything is checked before anything is written: the certificate is a leaf
    certificate, the key is its key, the chain signed it and is in order, and none of
    its names is blocklisted. Each PEM is parsed once. The same upload again changes
    nothing and answers ``is_created = False`` (a new chain for a known certificate is
    linked to it). A certificate that has already expired is stored deactivated, as
    ``deactivate-expired`` would leave it.

    :raises errors.InvalidPEM: on field ``certificate_file``, ``chain_file`` or
        ``private_key_file``: not the kind of PEM expected there.
    :raises errors.KeyMismatch: (``private_key_file``) not the certificate's key.
    :raises errors.ChainError: (``chain_file``) the chain did not sign it, or is out of order.
    :raises errors.InvalidRequest: (``certificate_file``) a blocklisted or invalid name.
    """
    cert_pem = _one_certificate(cert_pem)
    with errors.for_field("certificate_file"):
        parsed = cert_utils.parse_cert(cert_pem)
    if parsed.get("is_ca"):
        raise errors.InvalidPEM("This is a CA certificate; upload it as a CertificateCA.", field="certificate_file")
    if not parsed["domains"]:
        raise errors.InvalidPEM("The certificate names no domain.", field="certificate_file")
    with errors.for_field("certificate_file"):
        domain_names = utils.validate_domain_names(parsed["domains"], allow_wildcard=True)
    # before anything is written: a certificate naming a blocklisted name is not stored at all
    validate.refuse_blocklisted(ctx, domain_names, field="certificate_file")

    if not key_pem or not key_pem.strip():
        raise errors.InvalidPEM("The private key is empty.", field="private_key_file")
    key_pem = cert_utils.cleanup_pem_text(key_pem)
    # A key stored already as this very PEM needs no second parse (RSA parsing is the dear part).
    dbKnownKey = get.get__PrivateKey__by_pem_sha256(ctx, utils.sha256_hex(key_pem))
    parsed_key = None
    if dbKnownKey is not None:
        key_spki = dbKnownKey.spki_sha256
    else:
        with errors.for_field("private_key_file"):
            parsed_key = cert_utils.parse_key(key_pem)
        key_spki = parsed_key["spki_sha256"]
    if key_spki != parsed["spki_sha256"]:
        raise errors.KeyMismatch("This private key does not belong to the certificate.", field="private_key_file")

    chain_pems = split_chain_pem(chain_pem, field="chain_file")
    with errors.for_field("chain_file"):
        parsed_chain = [cert_utils.parse_cert(pem) for pem in chain_pems]
        cert_utils.ensure_chain(cert_pem, chain_pems)

    # checked: now write, in one savepoint (a parallel upload that stored the same chain, key or
    # names first makes this one look them up again: getcreate.write_in_one_savepoint)
    cert_pem_sha256 = utils.sha256_hex(cert_pem)

    def _find():
        return ctx.dbsession.scalars(
            sa.select(CertificateSigned).where(CertificateSigned.cert_pem_sha256 == cert_pem_sha256)
        ).first()

    def _write():
        dbChain, is_created__chain = getcreate__CertificateCAChain__by_pem_text(
            ctx, None, chain_pems=chain_pems, parsed_chain=parsed_chain, field="chain_file"
        )
        if dbKnownKey is not None:  # found above by its PEM digest: no second lookup
            dbPrivateKey, is_created__key = dbKnownKey, False
        else:  # its PEM digest was looked up above: by its SPKI only (the same key in another format)
            dbPrivateKey, is_created__key = getcreate__PrivateKey__by_pem_text(
                ctx, key_pem, field="private_key_file", parsed=parsed_key, pem_looked_up=True
            )
        dbCertificate = _find()
        is_created = dbCertificate is None
        if is_created:
            dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(
                ctx, domain_names, allow_wildcard=True, field="certificate_file", blocklist_checked=True
            )
            # race-safe: the same upload running in parallel makes one row (the others find it)
            dbCertificate, is_created = insert_or_find(
                ctx,
                lambda: _create_certificate(
                    ctx, cert_pem, cert_pem_sha256, parsed, dbSet, dbPrivateKey, certificate_request_id
                ),
                _find,
            )
        _link_chain(
            ctx, dbCertificate, dbChain, is_upstream_default=is_upstream_default and is_created, is_new=is_created
        )
        return CertificateImport(dbCertificate, is_created, dbChain, is_created__chain, dbPrivateKey, is_created__key)

    result = write_in_one_savepoint(ctx, _write)
    dbCertificate = result.CertificateSigned
    if result.is_created and dbCertificate.is_active:
        # only Domain rows change there: the objects of this import stay loaded
        actions.update_recents__domains(
            ctx, [d.domain_id for d in dbCertificate.unique_fqdn_set.to_domains], expire_only_domains=True
        )
        # the one place every certificate arrives (ACME download, upload, certbot import): the
        # coverage events it replaces are resolved
        coverage.resolve_replaced_by(ctx, dbCertificate)
    return result


def _one_certificate(cert_pem: str) -> str:
    if not cert_pem or not cert_pem.strip():
        raise errors.InvalidPEM("The certificate is empty.", field="certificate_file")
    with errors.for_field("certificate_file"):
        kind = cert_utils.detect_pem_type(cert_pem)
    if kind != "CERTIFICATE":
        raise errors.InvalidPEM("Expected a PEM certificate, found a %s." % kind, field="certificate_file")
    pems = cert_utils.split_pem_chain(cert_pem)
    if len(pems) != 1:
        raise errors.InvalidPEM(
            "Expected one certificate, found %s (send the chain as `chain_file`)." % len(pems),
            field="certificate_file",
        )
    return pems[0]


def _create_certificate(ctx, cert_pem, cert_pem_sha256, parsed, dbSet, dbPrivateKey, certificate_request_id):
    is_expired = parsed["not_after"] <= ctx.timestamp
    dbOperationsEvent = log__OperationsEvent(
        ctx, "CertificateSigned__insert", {"spki_sha256": parsed["spki_sha256"], "is_expired": is_expired}
    )
    dbCertificate = CertificateSigned()
    dbCertificate.timestamp_created = ctx.timestamp
    dbCertificate.timestamp_not_before = parsed["not_before"]
    dbCertificate.timestamp_not_after = parsed["not_after"]
    dbCertificate.is_single_domain_cert = len(parsed["domains"]) == 1
    dbCertificate.key_technology_id = model_utils.KeyTechnology.from_string(parsed["key_technology"])
    dbCertificate.cert_pem = cert_pem
    dbCertificate.cert_pem_sha256 = cert_pem_sha256
    dbCertificate.cert_serial = parsed["serial"].lower()
    dbCertificate.spki_sha256 = parsed["spki_sha256"]
    dbCertificate.fingerprint_sha1 = parsed["fingerprint_sha1"]
    dbCertificate.cert_subject = parsed["subject"]
    dbCertificate.cert_issuer = parsed["issuer"]
    dbCertificate.is_active = not is_expired
    dbCertificate.is_deactivated = True if is_expired else None
    dbCertificate.unique_fqdn_set_id = dbSet.id
    dbCertificate.private_key_id = dbPrivateKey.id
    dbCertificate.certificate_request_id = certificate_request_id
    dbCertificate.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbCertificate)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbCertificate])
    log__OperationsObjectEvent(ctx, "CertificateSigned__insert", dbCertificate, dbOperationsEvent)
    dbPrivateKey.count_certificate_signeds = (dbPrivateKey.count_certificate_signeds or 0) + 1
    if dbCertificate.is_active:
        dbPrivateKey.count_active_certificates = (dbPrivateKey.count_active_certificates or 0) + 1
    if dbPrivateKey.timestamp_last_certificate_issue is None or dbPrivateKey.timestamp_last_certificate_issue < parsed["not_before"]:
        dbPrivateKey.timestamp_last_certificate_issue = parsed["not_before"]
    return dbCertificate


def _link_chain(ctx, dbCertificate, dbChain, is_upstream_default: bool, is_new: bool = False) -> None:
    """Link the certificate to the chain unless it is already; ``is_new``: the certificate was
    inserted in this transaction, so no link to it can exist yet, nor be made by another one."""
    def _find():
        return ctx.dbsession.scalars(
            sa.select(CertificateSignedChain).where(
                CertificateSignedChain.certificate_signed_id == dbCertificate.id,
                CertificateSignedChain.certificate_ca_chain_id == dbChain.id,
            )
        ).first()

    def _insert():
        dbLink = CertificateSignedChain()
        dbLink.certificate_signed_id = dbCertificate.id
        dbLink.certificate_ca_chain_id = dbChain.id
        dbLink.is_upstream_default = True if is_upstream_default else None
        ctx.dbsession.add(dbLink)
        ctx.dbsession.flush(objects=[dbLink])
        return dbLink

    if is_new:
        _insert()
    elif _find() is None:
        insert_or_find(ctx, _insert, _find)  # race-safe: a parallel upload of the same pair


def create__PrivateKey__generate(ctx, key_technology: str = "RSA", bits: int = None, curve: str = None) -> PrivateKey:
    """A new private key made here.

    :raises errors.InvalidRequest: an RSA size or EC curve that is not offered.
    """
    key_pem = cert_utils.new_private_key(key_technology=key_technology, bits=bits, curve=curve)
    dbPrivateKey, _ = getcreate__PrivateKey__by_pem_text(
        ctx, key_pem, private_key_source="generated", private_key_type="standard"
    )
    return dbPrivateKey


def create__AcmeAccountProvider(ctx, name: str, directory_url: str) -> AcmeAccountProvider:
    """A new ACME server row: neither default nor enabled; its server is the directory's host[:port]."""
    dbProvider = AcmeAccountProvider()
    dbProvider.name = name
    dbProvider.directory = directory_url
    dbProvider.server = urllib.parse.urlsplit(directory_url).netloc.lower()
    dbProvider.protocol = "acme-v2"
    dbProvider.is_default = None
    dbProvider.is_enabled = None
    dbProvider.timestamp_created = ctx.timestamp
    ctx.dbsession.add(dbProvider)
    ctx.dbsession.flush(objects=[dbProvider])
    return dbProvider
