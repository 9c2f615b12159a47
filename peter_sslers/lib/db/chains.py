"""Chains you prefer (issue 14): the preferred-CA list, reconcile-cas and root stores.

* **The preferred-CA list** (``CertificateCAPreference``, slots 1..n): which chain of a
  certificate is served. :func:`chain_preference` reads it once, in the shape
  ``lib.exports.preferred_chain`` (the one function that chooses) takes; every place a chain
  is served (chain.pem, fullchain.pem, config.json, config.zip, Redis priming) calls it.
  Edits (:func:`preference_add`, :func:`preference_delete`, :func:`preference_prioritize`)
  name a CA by its SHA-1 fingerprint (the full 40 hex digits or the first 8) and, for an
  existing slot, both the slot and the fingerprint: an edit made from a stale page fails
  instead of moving the wrong CA.
* **reconcile-cas** (:func:`reconcile_cas`): for each CA with an AIA caIssuers URI that is not
  reconciled yet, download the issuer (DER, PEM or PKCS#7), check that it signed the CA, store
  it and link it (``CertificateCA.cert_issuer__certificate_ca_id``); each attempt is a
  ``CertificateCAReconciliation`` row.
* **Root stores**: queries for the read-only pages; the seed is in ``lib.db.bootstrap``.
"""

import logging
import re
import urllib.parse
from typing import List
from typing import Optional
from typing import Tuple

import requests
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from ...model.objects import CertificateCA
from ...model.objects import CertificateCAPreference
from ...model.objects import CertificateCAReconciliation
from ...model.objects import RootStore
from ...model.objects import RootStoreVersion
from ...model.objects import RootStoreVersion2CertificateCA
from .. import cert_utils
from .. import errors
from .getcreate import getcreate__CertificateCA__by_pem_text
from .logger import log__OperationsEvent

log = logging.getLogger(__name__)

# the longest preferred-CA list (the 2021 design's limit)
MAX_PREFERENCES = 10
PRIORITIES = ("increase", "decrease")
RE_FINGERPRINT = re.compile(r"^[0-9A-F]+$")
FINGERPRINT_PREFIX_LENGTH = 8
FINGERPRINT_LENGTH = 40

# reconcile-cas: what one download may take
RECONCILE_TIMEOUT_SECONDS = 10
RECONCILE_MAX_BYTES = 1024 * 1024
# the most issuer downloads of one run (each new issuer may have an issuer of its own)
RECONCILE_MAX_FETCHES = 100
USER_AGENT = "peter_sslers reconcile-cas"
# where chain_preference remembers the list for one unit of work
CACHE_ATTRIBUTE = "_peter_sslers_chain_preference"


# --- the preferred-CA list


def query__CertificateCAPreference():
    return (
        sa.select(CertificateCAPreference)
        .options(joinedload(CertificateCAPreference.certificate_ca))
        .order_by(CertificateCAPreference.slot.asc())
    )


def get__CertificateCAPreferences(ctx) -> List[CertificateCAPreference]:
    """The list, slot 1 first, each with its CA."""
    return list(ctx.dbsession.scalars(query__CertificateCAPreference()).all())


def get__CertificateCAPreference__slot(ctx, certificate_ca_id: int) -> Optional[int]:
    """The slot of this CA in the list, or None."""
    return ctx.dbsession.scalar(
        sa.select(CertificateCAPreference.slot).where(CertificateCAPreference.certificate_ca_id == certificate_ca_id)
    )


class ChainPreference:
    """The preferred-CA list as ``lib.exports.preferred_chain`` takes it: iterating gives one set
    of CA ids per slot, slot 1 first. A slot's set is its CA and every stored CA it is known to
    have issued (``cert_issuer__certificate_ca_id``: from a stored chain or reconcile-cas), so
    preferring a root selects the chains that lead to it even when they do not include it (as
    ACME servers send them).

    Read in one query on first use only: a certificate with one chain never needs it, so the
    common ``config.json`` costs no more than before the list existed. ``connection``: read it
    there instead of ``ctx.dbsession`` (the session-less reads of ``lib.db.reads``).
    """

    def __init__(self, ctx, connection=None):
        self._ctx = ctx
        self._connection = connection
        self._groups = None

    @property
    def groups(self) -> Tuple[frozenset, ...]:
        if self._groups is None:
            Issued = aliased(CertificateCA)
            executor = self._connection if self._connection is not None else self._ctx.dbsession
            rows = executor.execute(
                sa.select(CertificateCAPreference.certificate_ca_id, Issued.id)
                .outerjoin(Issued, Issued.cert_issuer__certificate_ca_id == CertificateCAPreference.certificate_ca_id)
                .order_by(CertificateCAPreference.slot.asc(), Issued.id.asc())
            ).all()
            groups = {}  # in slot order (dicts keep insertion order)
            for ca_id, issued_id in rows:
                group = groups.setdefault(ca_id, {ca_id})
                if issued_id is not None:
                    group.add(issued_id)
            self._groups = tuple(frozenset(group) for group in groups.values())
        return self._groups

    def __iter__(self):
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)


def chain_preference(ctx) -> ChainPreference:
    """The preferred-CA list for ``lib.exports.preferred_chain`` (:class:`ChainPreference`),
    remembered on ``ctx``: one unit of work reads it once at most (the config.json fallback primes
    Redis and answers with the same list); an edit of the list through ``ctx`` forgets it."""
    cached = getattr(ctx, CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = ChainPreference(ctx)
        setattr(ctx, CACHE_ATTRIBUTE, cached)
    return cached


def normalize_fingerprint(text) -> str:
    """Upper-case hex without separators (``AB:CD`` and ``abcd`` both read).

    :raises errors.InvalidRequest: (``fingerprint_sha1``) not 8 or 40 hex digits.
    """
    value = (text or "").strip().replace(":", "").upper() if isinstance(text, str) else ""
    if len(value) not in (FINGERPRINT_PREFIX_LENGTH, FINGERPRINT_LENGTH) or not RE_FINGERPRINT.match(value):
        raise errors.InvalidRequest(
            "Not a SHA-1 fingerprint: give its 40 hex digits, or its first 8.", field="fingerprint_sha1"
        )
    return value


def get__CertificateCA__by_fingerprint(ctx, fingerprint_sha1: str) -> CertificateCA:
    """The one CA whose SHA-1 fingerprint is, or starts with (8 digits), ``fingerprint_sha1``.

    :raises errors.InvalidRequest: (``fingerprint_sha1``) malformed, no such CA, or a prefix
        that several CAs share.
    """
    value = normalize_fingerprint(fingerprint_sha1)
    if len(value) == FINGERPRINT_LENGTH:
        condition = CertificateCA.fingerprint_sha1 == value
    else:
        condition = CertificateCA.fingerprint_sha1.startswith(value, autoescape=True)
    found = ctx.dbsession.scalars(sa.select(CertificateCA).where(condition).order_by(CertificateCA.id).limit(2)).all()
    if not found:
        raise errors.InvalidRequest("No CA certificate has the fingerprint %s." % value, field="fingerprint_sha1")
    if len(found) > 1:
        raise errors.InvalidRequest(
            "Several CA certificates have fingerprints starting with %s: give all 40 digits." % value,
            field="fingerprint_sha1",
        )
    return found[0]


def _lock_preferences(ctx) -> None:
    """PostgreSQL: one edit of the list at a time (readers go on). SQLite serialises writers."""
    if ctx.dbsession.get_bind().dialect.name == "postgresql":
        ctx.dbsession.execute(sa.text("LOCK TABLE certificate_ca_preference IN SHARE ROW EXCLUSIVE MODE"))


def _store_preferences(ctx, ca_ids: List[int]) -> None:
    """Rewrite the list: ``ca_ids`` in slots 1..n."""
    ctx.dbsession.execute(sa.delete(CertificateCAPreference))
    ctx.dbsession.flush()
    for slot, ca_id in enumerate(ca_ids, start=1):
        dbPreference = CertificateCAPreference()
        dbPreference.slot = slot
        dbPreference.certificate_ca_id = ca_id
        dbPreference.timestamp_created = ctx.timestamp
        ctx.dbsession.add(dbPreference)
    ctx.dbsession.flush()
    ctx.dbsession.expire_all()
    if hasattr(ctx, CACHE_ATTRIBUTE):
        delattr(ctx, CACHE_ATTRIBUTE)


def _current_ca_ids(ctx) -> List[int]:
    _lock_preferences(ctx)
    return list(
        ctx.dbsession.scalars(
            sa.select(CertificateCAPreference.certificate_ca_id).order_by(CertificateCAPreference.slot.asc())
        ).all()
    )


def _slot_of(ca_ids: List[int], dbCA: CertificateCA, slot: int) -> int:
    """The index of ``slot`` in the list, checked to hold ``dbCA``.

    :raises errors.InvalidRequest: the slot is not in the list, or holds another CA (a stale page).
    """
    if slot is None or not 1 <= slot <= len(ca_ids):
        raise errors.InvalidRequest(
            "There is no slot %s in the preferred-CA list (it has %d)." % (slot, len(ca_ids)), field="slot"
        )
    if ca_ids[slot - 1] != dbCA.id:
        raise errors.InvalidRequest(
            "Slot %d does not hold the CA %s: the list changed since it was read; reload it." % (slot, dbCA.fingerprint_sha1),
            field="slot",
        )
    return slot - 1


def _log(ctx, operation: str, dbCA: CertificateCA, ca_ids: List[int]) -> None:
    log__OperationsEvent(
        ctx,
        "CertificateCAPreference__%s" % operation,
        {"certificate_ca_id": dbCA.id, "fingerprint_sha1": dbCA.fingerprint_sha1, "certificate_ca_ids": ca_ids},
    )


def preference_add(ctx, fingerprint_sha1: str) -> CertificateCAPreference:
    """Append the CA to the list.

    :raises errors.InvalidRequest: no such CA, already listed, or the list is full.
    """
    dbCA = get__CertificateCA__by_fingerprint(ctx, fingerprint_sha1)
    ca_ids = _current_ca_ids(ctx)
    if dbCA.id in ca_ids:
        raise errors.InvalidRequest(
            "The CA %s is in the list already (slot %d)." % (dbCA.fingerprint_sha1, ca_ids.index(dbCA.id) + 1),
            field="fingerprint_sha1",
        )
    if len(ca_ids) >= MAX_PREFERENCES:
        raise errors.InvalidRequest(
            "The list holds %d CAs, the most it may: delete one first." % MAX_PREFERENCES, field="fingerprint_sha1"
        )
    ca_ids.append(dbCA.id)
    _store_preferences(ctx, ca_ids)
    _log(ctx, "add", dbCA, ca_ids)
    return ctx.dbsession.scalars(
        sa.select(CertificateCAPreference).where(CertificateCAPreference.certificate_ca_id == dbCA.id)
    ).one()


def preference_delete(ctx, fingerprint_sha1: str, slot: int) -> CertificateCA:
    """Remove the CA at ``slot`` (which must hold it); the slots after it move up.

    :raises errors.InvalidRequest: no such CA, or the slot does not hold it.
    """
    dbCA = get__CertificateCA__by_fingerprint(ctx, fingerprint_sha1)
    ca_ids = _current_ca_ids(ctx)
    index = _slot_of(ca_ids, dbCA, slot)
    del ca_ids[index]
    _store_preferences(ctx, ca_ids)
    _log(ctx, "delete", dbCA, ca_ids)
    return dbCA


def preference_prioritize(ctx, fingerprint_sha1: str, slot: int, priority: str) -> CertificateCAPreference:
    """Swap the CA at ``slot`` with its neighbour: ``increase`` towards slot 1, ``decrease`` away.

    :raises errors.InvalidRequest: no such CA, the slot does not hold it, or it cannot move
        that way (first or last already).
    """
    if priority not in PRIORITIES:
        raise errors.InvalidRequest("Not one of: %s." % ", ".join(PRIORITIES), field="priority")
    dbCA = get__CertificateCA__by_fingerprint(ctx, fingerprint_sha1)
    ca_ids = _current_ca_ids(ctx)
    index = _slot_of(ca_ids, dbCA, slot)
    other = index - 1 if priority == "increase" else index + 1
    if not 0 <= other < len(ca_ids):
        raise errors.InvalidRequest(
            "The CA is %s already." % ("first" if priority == "increase" else "last"), field="priority"
        )
    ca_ids[index], ca_ids[other] = ca_ids[other], ca_ids[index]
    _store_preferences(ctx, ca_ids)
    _log(ctx, "prioritize", dbCA, ca_ids)
    return ctx.dbsession.scalars(
        sa.select(CertificateCAPreference).where(CertificateCAPreference.certificate_ca_id == dbCA.id)
    ).one()


# --- reconcile-cas


def _candidates(ctx, exclude: set) -> List[CertificateCA]:
    statement = (
        sa.select(CertificateCA)
        .where(
            CertificateCA.cert_issuer_uri.is_not(None),
            CertificateCA.cert_issuer__reconciled.is_not(True),
        )
        .order_by(CertificateCA.id)
    )
    if exclude:
        statement = statement.where(CertificateCA.id.not_in(sorted(exclude)))
    return list(ctx.dbsession.scalars(statement).all())


def fetch_issuer(uri: str, session: Optional[requests.Session] = None) -> bytes:
    """Download an AIA caIssuers URI: ``http``/``https`` only, at most ``RECONCILE_MAX_BYTES``,
    ``RECONCILE_TIMEOUT_SECONDS`` to connect and between reads.

    :raises errors.InvalidRequest: the URI is not http(s), or the download failed (the message
        says how).
    """
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.InvalidRequest("Not an http:// or https:// URI: %s" % uri)
    session = session or requests.Session()
    try:
        with session.get(
            uri, timeout=RECONCILE_TIMEOUT_SECONDS, stream=True, headers={"User-Agent": USER_AGENT}
        ) as response:
            if response.status_code != 200:
                raise errors.InvalidRequest("%s answered HTTP %s." % (uri, response.status_code))
            body = b""
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > RECONCILE_MAX_BYTES:
                    raise errors.InvalidRequest("%s sent more than %d bytes." % (uri, RECONCILE_MAX_BYTES))
            return body
    except requests.RequestException as exc:
        raise errors.InvalidRequest("%s could not be fetched: %s" % (uri, exc.__class__.__name__))


def certificates_in(body: bytes) -> List[str]:
    """The PEM certificates of a caIssuers answer: a DER certificate (RFC 5280 says
    ``application/pkix-cert``), a DER or PEM PKCS#7 bundle (``application/pkcs7-mime``), or PEM.

    :raises errors.InvalidPEM: none of those.
    """
    if body.lstrip()[:10] == b"-----BEGIN":
        text = body.decode("ascii", "replace")
        if cert_utils.detect_pem_type(text) == "PKCS7":
            return cert_utils.convert_pkcs7_to_pems(body)
        pems = cert_utils.split_pem_chain(text)
        if not pems:
            raise errors.InvalidPEM("The answer holds no certificate.")
        return pems
    try:
        pem = cert_utils.convert_der_to_pem(body, "CERTIFICATE")
        cert_utils.parse_cert(pem)
        return [pem]
    except errors.InvalidRequest:
        pass
    try:
        return cert_utils.convert_pkcs7_to_pems(body)
    except errors.InvalidRequest:
        raise errors.InvalidPEM("The answer is neither a DER or PEM certificate nor a PKCS#7 bundle.")


def _issuer_among(dbCA: CertificateCA, pems: List[str]) -> str:
    """The certificate of ``pems`` that signed the CA.

    :raises errors.ChainError: none did.
    """
    for pem in pems:
        try:
            cert_utils.ensure_chain(dbCA.cert_pem, [pem])
            return pem
        except errors.InvalidRequest:
            continue
    raise errors.ChainError("No certificate of the answer signed this CA.")


def _reconcile_one(ctx, dbCA: CertificateCA, dbEvent, session) -> CertificateCAReconciliation:
    dbAttempt = CertificateCAReconciliation()
    dbAttempt.timestamp_operation = ctx.timestamp
    dbAttempt.certificate_ca_id = dbCA.id
    dbAttempt.cert_issuer_uri = dbCA.cert_issuer_uri
    dbAttempt.operations_event_id = dbEvent.id
    uris = (dbCA.reconciled_uris or "").split()
    if dbCA.cert_issuer_uri not in uris:
        uris.append(dbCA.cert_issuer_uri)
    dbCA.reconciled_uris = " ".join(uris)
    try:
        body = fetch_issuer(dbCA.cert_issuer_uri, session=session)
        try:
            pems = certificates_in(body)
        except errors.InvalidRequest:
            raise
        except Exception:  # whatever a server sends must not end the run: it is that CA's failure
            log.warning("reconcile-cas: the answer of %s could not be read", dbCA.cert_issuer_uri, exc_info=True)
            raise errors.InvalidPEM("The answer could not be read as a certificate or a PKCS#7 bundle.")
        issuer_pem = _issuer_among(dbCA, pems)
        dbIssuer, _is_created = getcreate__CertificateCA__by_pem_text(ctx, issuer_pem)
    except errors.InvalidRequest as exc:
        dbAttempt.result = False
        dbAttempt.error = exc.message
    else:
        dbAttempt.result = True
        dbAttempt.certificate_ca_id__issuer__reconciled = dbIssuer.id
        if dbIssuer.id != dbCA.id:  # a self-signed CA whose caIssuers URI serves itself links nowhere
            dbCA.cert_issuer__certificate_ca_id = dbIssuer.id
        dbCA.cert_issuer__reconciled = True
    ctx.dbsession.add(dbAttempt)
    ctx.dbsession.flush()
    return dbAttempt


def reconcile_cas(ctx, session: Optional[requests.Session] = None) -> dict:
    """Fetch the issuer of every CA with a caIssuers URI that is not reconciled yet (and then of
    the issuers found, at most ``RECONCILE_MAX_FETCHES`` downloads a run). A failed attempt is
    recorded and tried again by the next run.

    :returns: ``{"operations_event_id", "CertificateCAReconciliations": [rows], "count_success",
        "count_fail", "count_remaining"}``.
    """
    dbEvent = log__OperationsEvent(ctx, "operations__reconcile_cas", {})
    attempts = []
    tried = set()
    own_session = session is None
    session = session or requests.Session()
    try:
        while len(attempts) < RECONCILE_MAX_FETCHES:
            candidates = _candidates(ctx, tried)
            if not candidates:
                break
            for dbCA in candidates[: RECONCILE_MAX_FETCHES - len(attempts)]:
                tried.add(dbCA.id)
                attempts.append(_reconcile_one(ctx, dbCA, dbEvent, session))
    finally:
        if own_session:
            session.close()
    if hasattr(ctx, CACHE_ATTRIBUTE):  # new issuer links change what a preferred root selects
        delattr(ctx, CACHE_ATTRIBUTE)
    remaining = len(_candidates(ctx, tried))
    summary = {
        "count_success": sum(1 for a in attempts if a.result),
        "count_fail": sum(1 for a in attempts if not a.result),
        "count_remaining": remaining,
    }
    dbEvent.set_event_payload(
        dict(summary, certificate_ca_reconciliation_ids=[a.id for a in attempts])
    )
    return dict(summary, operations_event_id=dbEvent.id, CertificateCAReconciliations=attempts)


def query__CertificateCAReconciliation(certificate_ca_id: Optional[int] = None):
    statement = sa.select(CertificateCAReconciliation).order_by(CertificateCAReconciliation.id.desc())
    if certificate_ca_id is not None:
        statement = statement.where(CertificateCAReconciliation.certificate_ca_id == certificate_ca_id)
    return statement


# --- root stores


def query__RootStore():
    return sa.select(RootStore).options(selectinload(RootStore.root_store_versions)).order_by(RootStore.id.asc())


def get__RootStore__by_id(ctx, root_store_id: int) -> Optional[RootStore]:
    return ctx.dbsession.scalars(
        sa.select(RootStore).where(RootStore.id == root_store_id).options(selectinload(RootStore.root_store_versions))
    ).first()


def get__RootStoreVersion__by_id(ctx, root_store_version_id: int) -> Optional[RootStoreVersion]:
    return ctx.dbsession.scalars(
        sa.select(RootStoreVersion)
        .where(RootStoreVersion.id == root_store_version_id)
        .options(
            joinedload(RootStoreVersion.root_store),
            selectinload(RootStoreVersion.to_certificate_cas).joinedload(RootStoreVersion2CertificateCA.certificate_ca),
        )
    ).first()


def get__RootStoreVersions__by_certificate_ca(ctx, certificate_ca_id: int) -> List[RootStoreVersion]:
    """The root store versions that trust this CA."""
    return list(
        ctx.dbsession.scalars(
            sa.select(RootStoreVersion)
            .join(RootStoreVersion2CertificateCA)
            .where(RootStoreVersion2CertificateCA.certificate_ca_id == certificate_ca_id)
            .options(joinedload(RootStoreVersion.root_store))
            .order_by(RootStoreVersion.id)
        ).all()
    )
