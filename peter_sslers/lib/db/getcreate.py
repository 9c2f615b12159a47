"""Get-or-create helpers: each returns ``(dbObject, is_created)``.

PEM objects are found by the SHA-256 of their normalised PEM; keys also by their
SubjectPublicKeyInfo, so one key stored as PKCS#1 is found again when it comes back
as PKCS#8. Every PEM is parsed once per call.
"""

from typing import Callable
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...model import utils as model_utils
from ...model.objects import CertificateCA
from ...model.objects import CertificateCAChain
from ...model.objects import CertificateRequest
from ...model.objects import Domain
from ...model.objects import PrivateKey
from ...model.objects import RemoteIpAddress
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from .. import cert_utils
from .. import errors
from .. import utils
from . import get
from . import validate
from .logger import ONE_SAVEPOINT
from .logger import flush_object_events
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

MAX_DOMAINS_PER_SET = 100

T = TypeVar("T")


def begin_sqlite_transaction(ctx) -> None:
    """SQLite: make sure the driver's transaction is open before a SAVEPOINT.

    The sqlite3 driver opens its transaction (BEGIN) only before an INSERT/UPDATE/DELETE. A
    SAVEPOINT sent while none is open starts one of SQLite's own, and its RELEASE is then a
    COMMIT: the insert would outlive the request's rollback. So the transaction is opened here,
    as ``BEGIN IMMEDIATE``: it takes the write lock now (waiting for another writer up to the
    busy timeout), as the INSERT about to run would. A plain deferred BEGIN would let a read
    (an expired attribute refreshed) come first; a transaction that has read cannot wait for
    the write lock, and SQLite answers `database is locked` at once.
    """
    connection = ctx.dbsession.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_or_find(ctx, create: Callable[[], T], find: Callable[[], Optional[T]]) -> Tuple[T, bool]:
    """``create()`` in a SAVEPOINT; if another transaction committed the same row first (the
    unique index answers IntegrityError), roll back to the savepoint and ``find()`` the winner's.

    This is what makes a get-or-create survive a race: two requests that both looked and found
    nothing both insert; on PostgreSQL the second INSERT waits for the first transaction and then
    fails on the unique index, on SQLite the second writer waits for the lock and then fails the
    same way. Only this insert (and the events logged with it) is undone, never the request, and
    nothing here talks to an ACME server. The loser answers ``is_created = False``.

    :returns: ``(dbObject, is_created)``.
    :raises sa.exc.IntegrityError: when the conflict was not a twin row (``find()`` finds none).
    """
    if in_one_savepoint(ctx):
        return create(), True  # ``write_in_one_savepoint`` holds the savepoint and the retry
    dbOperationsEvent = ctx.dbOperationsEvent
    begin_sqlite_transaction(ctx)
    try:
        with ctx.dbsession.begin_nested():
            return create(), True
    except sa.exc.IntegrityError:
        # an event logged inside the savepoint is gone with it
        ctx.dbOperationsEvent = dbOperationsEvent
        dbObject = find()
        if dbObject is None:
            raise
        return dbObject, False



def in_one_savepoint(ctx) -> bool:
    return ctx.dbsession.info.get(ONE_SAVEPOINT) is not None


def write_in_one_savepoint(ctx, write: Callable[[], T], attempts: int = 2) -> T:
    """``write()``, a run of get-or-creates, in one SAVEPOINT instead of one per insert; the
    inserts' events and rows are flushed together at its end (a savepoint and a flush per row
    were most of an upload's statements).

    The race is handled as ``insert_or_find`` does, for the whole run: when a row it inserts
    was committed meanwhile by another transaction (the unique index answers IntegrityError),
    the savepoint is rolled back and ``write()`` runs again: its lookups then find the winner's
    rows. The last attempt runs the inserts each in a savepoint of its own (``insert_or_find``),
    so a run that keeps meeting new twins still ends, as it did before. ``write()`` must look
    everything up itself (an object it made in a rolled-back attempt is gone) and must not talk
    to anything but the database.
    """
    dbOperationsEvent = ctx.dbOperationsEvent
    begin_sqlite_transaction(ctx)
    # SQLite's write lock is taken even when the run finds everything and writes nothing (the same
    # upload again): the commit must end the transaction, and with it the lock
    ctx.mark_changed()
    if in_one_savepoint(ctx):
        return write()
    for _attempt in range(attempts - 1):
        ctx.dbsession.info[ONE_SAVEPOINT] = []  # the object events' rows (logger.flush_object_events)
        try:
            # no autoflush: each insert flushes its own rows (their ids are needed); the rows nothing
            # refers to (object events, counters) wait for the end
            with ctx.dbsession.begin_nested(), ctx.dbsession.no_autoflush:
                result = write()
                ctx.dbsession.flush()  # a conflict shows here, inside the savepoint
                flush_object_events(ctx)
            return result
        except sa.exc.IntegrityError:
            ctx.dbOperationsEvent = dbOperationsEvent
        finally:
            ctx.dbsession.info.pop(ONE_SAVEPOINT, None)
    return write()


# --- Domain


def getcreate__Domain__by_domainName(
    ctx, domain_name: str, is_from_queue_domain: bool = False, allow_wildcard: bool = False
) -> Tuple[Domain, bool]:
    """Find or create a Domain (``allow_wildcard``: a wildcard name too, as a dns-01 set has).

    :raises errors.InvalidRequest: (field ``domain_name``) the name is not a valid domain
        name, or (``errors.DomainBlocklisted``) a new name that is blocklisted.
    """
    with errors.for_field("domain_name"):
        domain_name = utils.validate_domain_name(domain_name, allow_wildcard=allow_wildcard)
    dbDomain = get.get__Domain__by_name(ctx, domain_name)
    if dbDomain is not None:
        # a Domain made before its name was blocklisted is found (an order's authorizations are
        # still synced); nothing new is made for it: every set it could join refuses it
        return dbDomain, False
    validate.refuse_blocklisted(ctx, [domain_name], field="domain_name")
    return _create_domain(ctx, domain_name, is_from_queue_domain)


def _create_domain(ctx, domain_name: str, is_from_queue_domain: bool = False) -> Tuple[Domain, bool]:
    """Race-safe (``insert_or_find``): a Domain another request made meanwhile is returned."""
    return insert_or_find(
        ctx,
        lambda: _insert_domain(ctx, domain_name, is_from_queue_domain),
        lambda: get.get__Domain__by_name(ctx, domain_name),
    )


def _insert_domain(ctx, domain_name: str, is_from_queue_domain: bool = False) -> Domain:
    dbOperationsEvent = log__OperationsEvent(ctx, "Domain__insert", {"domain_name": domain_name})
    dbDomain = Domain()
    dbDomain.domain_name = domain_name
    dbDomain.is_active = True
    dbDomain.is_from_queue_domain = is_from_queue_domain or None
    dbDomain.timestamp_created = ctx.timestamp
    dbDomain.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbDomain)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbDomain])
    log__OperationsObjectEvent(ctx, "Domain__insert", dbDomain, dbOperationsEvent)
    return dbDomain


# --- UniqueFQDNSet


def validate_set_names(
    ctx,
    domain_names: Iterable[str],
    allow_wildcard: bool = False,
    field: str = "domain_names",
    blocklist_checked: bool = False,
) -> List[str]:
    """The names a set of them can be made of: valid, normalised, sorted, deduplicated; reads
    the blocklist and writes nothing.

    :param blocklist_checked: the caller ran ``validate.refuse_blocklisted`` on these very
        (canonical) names in this transaction: the blocklist is not read a second time.
    :raises errors.InvalidRequest: (on ``field``) no names, more than 100, an invalid
        name, or (``errors.DomainBlocklisted``) a blocklisted one.
    """
    with errors.for_field(field):
        names = utils.validate_domain_names(domain_names, allow_wildcard=allow_wildcard)
    if not names:
        raise errors.InvalidRequest("At least one domain name is required.", field=field)
    if len(names) > MAX_DOMAINS_PER_SET:
        raise errors.InvalidRequest(
            "A set holds at most %s domain names; %s were given." % (MAX_DOMAINS_PER_SET, len(names)), field=field
        )
    if not blocklist_checked:
        validate.refuse_blocklisted(ctx, names, field=field)
    return names


def getcreate__UniqueFQDNSet__by_domain_names(
    ctx,
    domain_names: Iterable[str],
    allow_wildcard: bool = False,
    field: str = "domain_names",
    blocklist_checked: bool = False,
) -> Tuple[UniqueFQDNSet, bool]:
    """Find or create the set of these domains (creating the Domains that are missing).

    :raises errors.InvalidRequest: as ``validate_set_names`` (``blocklist_checked``: see there).
    """
    names = validate_set_names(
        ctx, domain_names, allow_wildcard=allow_wildcard, field=field, blocklist_checked=blocklist_checked
    )
    existing = {
        d.domain_name: d for d in ctx.dbsession.scalars(sa.select(Domain).where(Domain.domain_name.in_(names)))
    }
    # missing names are created in name order, so two requests never wait on each other crosswise
    for name in sorted(set(names) - set(existing)):
        existing[name] = _create_domain(ctx, name)[0]
    dbDomains = [existing[name] for name in names]
    domain_ids_string = ",".join(str(i) for i in sorted(d.id for d in dbDomains))

    def _find():
        return ctx.dbsession.scalars(
            sa.select(UniqueFQDNSet).where(UniqueFQDNSet.domain_ids_string == domain_ids_string)
        ).first()

    dbSet = _find()
    if dbSet is not None:
        return dbSet, False
    return insert_or_find(ctx, lambda: _insert_unique_fqdn_set(ctx, names, dbDomains, domain_ids_string), _find)


def _insert_unique_fqdn_set(ctx, names, dbDomains, domain_ids_string) -> UniqueFQDNSet:
    dbOperationsEvent = log__OperationsEvent(ctx, "UniqueFQDNSet__insert", {"domain_names": names})
    dbSet = UniqueFQDNSet()
    dbSet.domain_ids_string = domain_ids_string
    dbSet.count_domains = len(dbDomains)
    dbSet.timestamp_created = ctx.timestamp
    dbSet.operations_event__created = dbOperationsEvent
    dbSet.to_domains = [UniqueFQDNSet2Domain(domain=d) for d in dbDomains]
    ctx.dbsession.add(dbSet)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbSet, *dbSet.to_domains])
    log__OperationsObjectEvent(ctx, "UniqueFQDNSet__insert", dbSet, dbOperationsEvent)
    return dbSet


# --- PrivateKey


def getcreate__PrivateKey__by_pem_text(
    ctx,
    key_pem: str,
    private_key_source: str = "imported",
    private_key_type: str = "standard",
    acme_account_id__owner: Optional[int] = None,
    field: str = "private_key_file",
    parsed: Optional[dict] = None,
    pem_looked_up: bool = False,
) -> Tuple[PrivateKey, bool]:
    """Find (by PEM digest, then by SPKI) or create a PrivateKey.

    A key already stored as this very PEM is found without parsing it again (parsing an
    RSA key checks it, which is the dearest step of an import).

    :param parsed: ``cert_utils.parse_key`` of the PEM, when the caller has it already.
    :param pem_looked_up: the caller looked the PEM's digest up in this transaction and found
        none: only the SPKI is looked up.
    :raises errors.InvalidPEM: (on ``field``) not a usable RSA or EC private key.
    """
    key_pem = cert_utils.cleanup_pem_text(key_pem)
    key_pem_sha256 = utils.sha256_hex(key_pem)
    if not pem_looked_up:
        dbPrivateKey = get.get__PrivateKey__by_pem_sha256(ctx, key_pem_sha256)
        if dbPrivateKey is not None:
            return dbPrivateKey, False
    if parsed is None:
        with errors.for_field(field):
            parsed = cert_utils.parse_key(key_pem)
    dbPrivateKey = get.get__PrivateKey__by_spki(ctx, parsed["spki_sha256"])
    if dbPrivateKey is not None:
        return dbPrivateKey, False
    return insert_or_find(
        ctx,
        lambda: _insert_private_key(
            ctx, key_pem, key_pem_sha256, parsed, private_key_source, private_key_type, acme_account_id__owner
        ),
        lambda: get.get__PrivateKey__by_pem_sha256(ctx, key_pem_sha256)
        or get.get__PrivateKey__by_spki(ctx, parsed["spki_sha256"]),
    )


def _insert_private_key(
    ctx, key_pem, key_pem_sha256, parsed, private_key_source, private_key_type, acme_account_id__owner
) -> PrivateKey:
    event = "PrivateKey__generate" if private_key_source == "generated" else "PrivateKey__insert"
    dbOperationsEvent = log__OperationsEvent(ctx, event, {"spki_sha256": parsed["spki_sha256"]})
    dbPrivateKey = PrivateKey()
    dbPrivateKey.timestamp_created = ctx.timestamp
    dbPrivateKey.key_technology_id = model_utils.KeyTechnology.from_string(parsed["key_technology"])
    dbPrivateKey.key_pem = key_pem
    dbPrivateKey.key_pem_sha256 = key_pem_sha256
    dbPrivateKey.spki_sha256 = parsed["spki_sha256"]
    dbPrivateKey.is_active = True
    dbPrivateKey.private_key_source_id = model_utils.PrivateKeySource.from_string(private_key_source)
    dbPrivateKey.private_key_type_id = model_utils.PrivateKeyType.from_string(private_key_type)
    dbPrivateKey.acme_account_id__owner = acme_account_id__owner
    dbPrivateKey.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbPrivateKey)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbPrivateKey])
    log__OperationsObjectEvent(ctx, event, dbPrivateKey, dbOperationsEvent)
    return dbPrivateKey


# --- CertificateCA and CertificateCAChain


def getcreate__CertificateCA__by_pem_text(
    ctx,
    cert_pem: str,
    display_name: str = None,
    is_trusted_root: bool = None,
    parsed: Optional[dict] = None,
    field: str = "cert_file",
) -> Tuple[CertificateCA, bool]:
    """Find or create a CertificateCA, de-duplicated by the SHA-256 of its normalised PEM.

    :param parsed: ``cert_utils.parse_cert`` of the PEM, when the caller has it already.
    :raises errors.InvalidPEM: (on ``field``) not a PEM certificate, or not a CA certificate.
    """
    cert_pem = cert_utils.cleanup_pem_text(cert_pem)
    cert_pem_sha256 = utils.sha256_hex(cert_pem)

    def _find():
        return ctx.dbsession.scalars(
            sa.select(CertificateCA).where(CertificateCA.cert_pem_sha256 == cert_pem_sha256)
        ).first()

    dbCertificateCA = _find()
    if dbCertificateCA is not None:
        return dbCertificateCA, False
    if parsed is None:
        with errors.for_field(field):
            parsed = cert_utils.parse_cert(cert_pem)
    if not parsed.get("is_ca", True):
        raise errors.InvalidPEM("This is not a CA certificate (its basicConstraints say CA:FALSE).", field=field)
    return insert_or_find(
        ctx, lambda: _insert_certificate_ca(ctx, cert_pem, cert_pem_sha256, parsed, display_name, is_trusted_root), _find
    )


def _insert_certificate_ca(ctx, cert_pem, cert_pem_sha256, parsed, display_name, is_trusted_root) -> CertificateCA:
    dbOperationsEvent = log__OperationsEvent(ctx, "CertificateCA__insert", {"spki_sha256": parsed["spki_sha256"]})
    dbCertificateCA = CertificateCA()
    dbCertificateCA.display_name = display_name or parsed["subject"].split("\n")[0]
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
    dbCertificateCA.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbCertificateCA)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbCertificateCA])
    log__OperationsObjectEvent(ctx, "CertificateCA__insert", dbCertificateCA, dbOperationsEvent)
    return dbCertificateCA


def split_chain_pem(chain_pem: str, field: str = "chain_file") -> List[str]:
    """The certificates of a chain file, normalised, in file order.

    :raises errors.InvalidPEM: (on ``field``) no certificate in it, or something else than
        certificates (a key, a CSR).
    """
    if not chain_pem or not chain_pem.strip():
        raise errors.InvalidPEM("The chain is empty.", field=field)
    with errors.for_field(field):
        kind = cert_utils.detect_pem_type(chain_pem)
    if kind != "CERTIFICATE":
        raise errors.InvalidPEM("Expected PEM certificates, found a %s." % kind, field=field)
    pems = cert_utils.split_pem_chain(chain_pem)
    if not pems:
        raise errors.InvalidPEM("No PEM certificate found.", field=field)
    return pems


def getcreate__CertificateCAChain__by_pem_text(
    ctx,
    chain_pem: str,
    display_name: str = None,
    field: str = "chain_file",
    chain_pems: Optional[List[str]] = None,
    parsed_chain: Optional[List[dict]] = None,
) -> Tuple[CertificateCAChain, bool]:
    """Find or create a chain (item 0 signs the leaf; the last is closest to the root).

    Every certificate must be signed by the next one; each becomes a CertificateCA.

    :raises errors.InvalidPEM: (on ``field``) not PEM certificates.
    :raises errors.ChainError: (on ``field``) out of order, or not a chain.
    """
    if chain_pems is None:
        chain_pems = split_chain_pem(chain_pem, field=field)
    with errors.for_field(field):
        if parsed_chain is None:
            parsed_chain = [cert_utils.parse_cert(pem) for pem in chain_pems]
        cert_utils.ensure_chain_order(chain_pems)
    normalized = "".join(chain_pems)
    chain_pem_sha256 = utils.sha256_hex(normalized)

    def _find():
        return ctx.dbsession.scalars(
            sa.select(CertificateCAChain).where(CertificateCAChain.chain_pem_sha256 == chain_pem_sha256)
        ).first()

    dbChain = _find()
    if dbChain is not None:
        return dbChain, False
    dbCAs = [
        getcreate__CertificateCA__by_pem_text(ctx, pem, parsed=parsed, field=field)[0]
        for pem, parsed in zip(chain_pems, parsed_chain)
    ]
    _link_issuers(ctx, dbCAs)
    return insert_or_find(
        ctx, lambda: _insert_certificate_ca_chain(ctx, normalized, chain_pem_sha256, dbCAs, display_name), _find
    )


def _link_issuers(ctx, dbCAs: List[CertificateCA]) -> None:
    """Record who issued whom along a chain whose order was verified (each CA signed by the
    next), and the stored issuer of its last CA when one verifies, where it is not recorded yet:
    ``lib.db.chains.chain_preference`` reads these links (a preferred root selects the chains
    that lead to it, though ACME servers leave the root out)."""
    for dbCA, dbIssuer in zip(dbCAs, dbCAs[1:]):
        if dbCA.cert_issuer__certificate_ca_id is None and dbCA.id != dbIssuer.id:
            dbCA.cert_issuer__certificate_ca_id = dbIssuer.id
    dbLast = dbCAs[-1]
    if dbLast.cert_issuer__certificate_ca_id is not None or dbLast.cert_issuer == dbLast.cert_subject:
        return
    candidates = ctx.dbsession.scalars(
        sa.select(CertificateCA)
        .where(CertificateCA.cert_subject == dbLast.cert_issuer, CertificateCA.id != dbLast.id)
        .order_by(CertificateCA.id)
        .limit(10)
    ).all()
    for dbCandidate in candidates:
        try:
            cert_utils.ensure_chain(dbLast.cert_pem, [dbCandidate.cert_pem])
        except errors.InvalidRequest:
            continue
        dbLast.cert_issuer__certificate_ca_id = dbCandidate.id
        return


def _insert_certificate_ca_chain(ctx, normalized, chain_pem_sha256, dbCAs, display_name) -> CertificateCAChain:
    dbOperationsEvent = log__OperationsEvent(
        ctx, "CertificateCAChain__insert", {"certificate_ca_ids": [ca.id for ca in dbCAs]}
    )
    dbChain = CertificateCAChain()
    dbChain.display_name = display_name or " > ".join(ca.display_name for ca in dbCAs)
    dbChain.timestamp_created = ctx.timestamp
    dbChain.chain_pem = normalized
    dbChain.chain_pem_sha256 = chain_pem_sha256
    dbChain.chain_length = len(dbCAs)
    dbChain.certificate_ca_0_id = dbCAs[0].id
    dbChain.certificate_ca_n_id = dbCAs[-1].id
    dbChain.certificate_ca_ids_string = ",".join(str(ca.id) for ca in dbCAs)
    dbChain.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbChain)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbChain])
    log__OperationsObjectEvent(ctx, "CertificateCAChain__insert", dbChain, dbOperationsEvent)
    return dbChain


# --- CertificateRequest


def getcreate__CertificateRequest__by_pem_text(
    ctx,
    csr_pem: str,
    certificate_request_source: str,
    dbPrivateKey: Optional[PrivateKey] = None,
    field: str = "csr_file",
) -> Tuple[CertificateRequest, bool]:
    """Find or create a CertificateRequest (CSR) and the set of its names.

    :raises errors.InvalidPEM: (on ``field``) not a CSR.
    :raises errors.KeyMismatch: the CSR was not made with ``dbPrivateKey``.
    """
    csr_pem = cert_utils.cleanup_pem_text(csr_pem)
    csr_pem_sha256 = utils.sha256_hex(csr_pem)

    def _find():
        return ctx.dbsession.scalars(
            sa.select(CertificateRequest).where(CertificateRequest.csr_pem_sha256 == csr_pem_sha256)
        ).first()

    dbCSR = _find()
    if dbCSR is not None:
        return dbCSR, False
    with errors.for_field(field):
        parsed = cert_utils.parse_csr(csr_pem)
    if dbPrivateKey is not None and dbPrivateKey.spki_sha256 != parsed["spki_sha256"]:
        raise errors.KeyMismatch("The CSR was not made with this private key.", field=field)
    dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(ctx, parsed["domains"], allow_wildcard=True, field=field)
    return insert_or_find(
        ctx,
        lambda: _insert_certificate_request(
            ctx, csr_pem, csr_pem_sha256, parsed, certificate_request_source, dbPrivateKey, dbSet
        ),
        _find,
    )


def _insert_certificate_request(
    ctx, csr_pem, csr_pem_sha256, parsed, certificate_request_source, dbPrivateKey, dbSet
) -> CertificateRequest:
    event = "CertificateRequest__new__%s" % certificate_request_source
    dbOperationsEvent = log__OperationsEvent(ctx, event, {"spki_sha256": parsed["spki_sha256"]})
    dbCSR = CertificateRequest()
    dbCSR.timestamp_created = ctx.timestamp
    dbCSR.certificate_request_source_id = model_utils.CertificateRequestSource.from_string(certificate_request_source)
    dbCSR.csr_pem = csr_pem
    dbCSR.csr_pem_sha256 = csr_pem_sha256
    dbCSR.spki_sha256 = parsed["spki_sha256"]
    dbCSR.key_technology_id = model_utils.KeyTechnology.from_string(parsed["key_technology"])
    dbCSR.private_key_id = dbPrivateKey.id if dbPrivateKey is not None else None
    dbCSR.unique_fqdn_set_id = dbSet.id
    dbCSR.operations_event__created = dbOperationsEvent
    ctx.dbsession.add(dbCSR)
    ctx.dbsession.flush(objects=[dbOperationsEvent, dbCSR])
    log__OperationsObjectEvent(ctx, "CertificateRequest__insert", dbCSR, dbOperationsEvent)
    return dbCSR


# --- RemoteIpAddress


def getcreate__RemoteIpAddress(ctx, remote_ip_address: str) -> Tuple[RemoteIpAddress, bool]:
    """Find or create the row of a client address.

    Race-safe: an ACME server validates from several vantage points at once, so several
    requests may bring a new address together; the insert ignores a row another one made.
    """
    remote_ip_address = (remote_ip_address or "unknown")[:255]
    statement = sa.select(RemoteIpAddress).where(RemoteIpAddress.remote_ip_address == remote_ip_address)
    dbRemoteIp = ctx.dbsession.scalars(statement).first()
    if dbRemoteIp is not None:
        return dbRemoteIp, False
    dialect = ctx.dbsession.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = ctx.dbsession.execute(
        insert(RemoteIpAddress)
        .values(remote_ip_address=remote_ip_address, timestamp_created=ctx.timestamp)
        .on_conflict_do_nothing(index_elements=["remote_ip_address"])
    )
    return ctx.dbsession.scalars(statement).one(), bool(result.rowcount)
