"""Coverage assurance: what endangers a name's valid certificate (issue 12, item 5).

A ``CoverageAssuranceEvent`` is raised where the danger appears:

* ``QueueCertificate_renewal_failed``: a renewal queue item failed (``queues._record_result``);
* ``CertificateSigned_no_usable_account``: ``update`` found a certificate to renew with no
  usable ACME account (``queues.queue_certificates__update``);
* ``CertificateSigned_expiring``: an active certificate, the latest of its set, expires soon
  and nothing renews it (``check_expiring``, run by ``update`` and by the ``coverage-check`` job);
* ``PrivateKey_compromised_mark`` / ``_acme``: a key marked compromised (by hand, or by a
  revocation with reason keyCompromise): a parent event for the key, one child per
  certificate of the key that was serving (``update.update_PrivateKey__mark``);
* ``CertificateSigned_revoked_mark`` / ``_acme``: a serving certificate revoked here or on the
  ACME server (``update.update_CertificateSigned__mark``, ``actions_acme.revoke_certificate``).

Once: an event names its *subject* (``subject_key``: the certificate, the key, or for a failed
renewal with no certificate the set of names). A partial unique index keeps one unresolved
event per type and subject, and no event is raised again for a subject whose event of that type
the operator resolved as ``abandoned`` (they said: leave it).

Resolved by itself when a valid replacement exists (``find_replacement``): an active, unexpired
certificate issued after the event's certificate (after the event, when it names no
certificate) whose names include every active name of the event's set. Checked whenever a
certificate is stored (``create.import__CertificateSigned``: issuance, upload, certbot import;
``resolve_replaced_by``) and by ``update`` (``resolve_replaced_all``). A key compromise's parent
is resolved (``PrivateKey_replaced``) when its last child is. By hand: ``mark_resolution``.

Each new top-level event writes its notifications (``notifications.enqueue_for_event``) in the
same transaction; a key compromise notifies once, for the parent, listing its children.
"""

import datetime
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import CertificateSigned
from ...model.objects import CoverageAssuranceEvent
from ...model.objects import PrivateKey
from ...model.objects import QueueCertificate
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors
from . import actions
from . import notifications
from .getcreate import insert_or_find
from .logger import log__OperationsEvent

T_TYPE = model_utils.CoverageAssuranceEventType
T_STATUS = model_utils.CoverageAssuranceEventStatus
T_RESOLUTION = model_utils.CoverageAssuranceResolution

RESOLUTIONS = tuple(T_RESOLUTION.options())
# the status that goes with each resolution (an unresolved event keeps the status it was raised with)
RESOLUTION_STATUS = {
    "abandoned": "resolved-ignored",
    "PrivateKey_replaced": "resolved-replaced",
    "CertificateSigned_replaced": "resolved-replaced",
}

# ``check_expiring``: a certificate is "expiring" within ``coverage_expiring_days`` of its end,
# or within this share of its lifetime when that is shorter, so a short certificate (6 days)
# is not reported at once: renewal starts when a third of the lifetime remains, the warning
# comes when half of that window has passed with nothing under way.
EXPIRING_LIFETIME_FRACTION = 1.0 / 6

# --- queries


def query__CoverageAssuranceEvent(which: str = "all"):
    """``all`` or ``unresolved``, newest first, with what ``as_json`` reads."""
    statement = sa.select(CoverageAssuranceEvent).options(
        selectinload(CoverageAssuranceEvent.unique_fqdn_set)
        .selectinload(UniqueFQDNSet.to_domains)
        .selectinload(UniqueFQDNSet2Domain.domain)
    )
    if which == "unresolved":
        statement = statement.where(CoverageAssuranceEvent.coverage_assurance_resolution_id == T_RESOLUTION.UNRESOLVED)
    elif which != "all":
        raise ValueError(which)
    return statement.order_by(CoverageAssuranceEvent.id.desc())


def query__CoverageAssuranceEvent__children(dbEvent: CoverageAssuranceEvent):
    return (
        sa.select(CoverageAssuranceEvent)
        .options(
            selectinload(CoverageAssuranceEvent.unique_fqdn_set)
            .selectinload(UniqueFQDNSet.to_domains)
            .selectinload(UniqueFQDNSet2Domain.domain)
        )
        .where(CoverageAssuranceEvent.coverage_assurance_event_id__parent == dbEvent.id)
        .order_by(CoverageAssuranceEvent.id.asc())
    )


def get__CoverageAssuranceEvent__by_id(ctx, event_id: int) -> Optional[CoverageAssuranceEvent]:
    return ctx.dbsession.get(CoverageAssuranceEvent, event_id)


def count_unresolved(ctx) -> int:
    """How many events are unresolved (children of a key compromise included): for the health route."""
    return ctx.dbsession.scalar(
        sa.select(sa.func.count())
        .select_from(CoverageAssuranceEvent)
        .where(CoverageAssuranceEvent.coverage_assurance_resolution_id == T_RESOLUTION.UNRESOLVED)
    )


# --- raising


def _find_blocking(ctx, type_id: int, subject_key: str) -> Optional[CoverageAssuranceEvent]:
    """The event that stops a new one of this type and subject: unresolved, or abandoned."""
    return ctx.dbsession.scalars(
        sa.select(CoverageAssuranceEvent)
        .where(
            CoverageAssuranceEvent.coverage_assurance_event_type_id == type_id,
            CoverageAssuranceEvent.subject_key == subject_key,
            CoverageAssuranceEvent.coverage_assurance_resolution_id.in_(
                (T_RESOLUTION.UNRESOLVED, T_RESOLUTION.from_string("abandoned"))
            ),
        )
        .order_by(CoverageAssuranceEvent.id.desc())
    ).first()


def raise_event(
    ctx,
    event_type: str,
    subject_key: str,
    message: str,
    dbPrivateKey: Optional[PrivateKey] = None,
    dbCertificate: Optional[CertificateSigned] = None,
    dbQueue: Optional[QueueCertificate] = None,
    dbSet: Optional[UniqueFQDNSet] = None,
    dbAccount: Optional[AcmeAccount] = None,
    dbParent: Optional[CoverageAssuranceEvent] = None,
    status: str = "reported",
    notify: bool = True,
) -> Optional[CoverageAssuranceEvent]:
    """Record a new event, once: None when an unresolved (or abandoned) event of the same type
    and subject exists (also when a parallel transaction inserted it first).

    A top-level event writes its notifications in this transaction (``notify``).
    """
    type_id = T_TYPE.from_string(event_type)
    if _find_blocking(ctx, type_id, subject_key) is not None:
        return None
    if dbSet is None and dbCertificate is not None:
        dbSet = dbCertificate.unique_fqdn_set

    def _insert() -> CoverageAssuranceEvent:
        dbEvent = CoverageAssuranceEvent()
        dbEvent.timestamp_created = ctx.timestamp
        dbEvent.coverage_assurance_event_type_id = type_id
        dbEvent.coverage_assurance_event_status_id = T_STATUS.from_string(status)
        dbEvent.coverage_assurance_resolution_id = T_RESOLUTION.UNRESOLVED
        dbEvent.subject_key = subject_key
        dbEvent.message = message
        dbEvent.private_key_id = dbPrivateKey.id if dbPrivateKey is not None else None
        dbEvent.certificate_signed_id = dbCertificate.id if dbCertificate is not None else None
        dbEvent.queue_certificate_id = dbQueue.id if dbQueue is not None else None
        dbEvent.unique_fqdn_set_id = dbSet.id if dbSet is not None else None
        dbEvent.acme_account_id = dbAccount.id if dbAccount is not None else None
        dbEvent.coverage_assurance_event_id__parent = dbParent.id if dbParent is not None else None
        ctx.dbsession.add(dbEvent)
        ctx.dbsession.flush(objects=[dbEvent])
        return dbEvent

    # the partial unique index is the rule; a parallel raise that won makes this one a no-op
    dbEvent, is_created = insert_or_find(ctx, _insert, lambda: _find_blocking(ctx, type_id, subject_key))
    if not is_created:
        return None
    log__OperationsEvent(
        ctx,
        "CoverageAssuranceEvent__insert",
        {
            "coverage_assurance_event_id": str(dbEvent.id),
            "coverage_assurance_event_type": event_type,
            "subject": subject_key,
        },
    )
    if notify and dbParent is None:
        notifications.enqueue_for_event(ctx, dbEvent)
    return dbEvent


def _subject(dbObject) -> str:
    return "%s:%s" % (type(dbObject).__name__, dbObject.id)


def _names(dbCertificate: Optional[CertificateSigned], dbSet: Optional[UniqueFQDNSet] = None) -> str:
    dbSet = dbSet or (dbCertificate.unique_fqdn_set if dbCertificate is not None else None)
    return ", ".join(dbSet.domains_as_list) if dbSet is not None else "?"


def _source_certificate(dbQueue: QueueCertificate) -> Optional[CertificateSigned]:
    if dbQueue.certificate_signed__source is not None:
        return dbQueue.certificate_signed__source
    if dbQueue.acme_order__source is not None:
        return dbQueue.acme_order__source.certificate_signed
    return None


def raise_renewal_failed(ctx, dbQueue: QueueCertificate, error: str) -> Optional[CoverageAssuranceEvent]:
    """A renewal queue item failed. Its subject is the certificate it renews (so a certificate
    failing run after run is reported once), else its set of names."""
    dbCertificate = _source_certificate(dbQueue)
    dbSet = dbQueue.unique_fqdn_set
    subject = _subject(dbCertificate) if dbCertificate is not None else _subject(dbSet)
    return raise_event(
        ctx,
        "QueueCertificate_renewal_failed",
        subject,
        "The renewal of %s failed (queue item %s, ACME account %s): %s"
        % (_names(None, dbSet), dbQueue.id, dbQueue.acme_account_id, error),
        dbCertificate=dbCertificate,
        dbQueue=dbQueue,
        dbSet=dbSet,
        dbAccount=dbQueue.acme_account,
    )


def raise_no_usable_account(
    ctx, dbCertificate: CertificateSigned, dbAccount: Optional[AcmeAccount], reason: str
) -> Optional[CoverageAssuranceEvent]:
    return raise_event(
        ctx,
        "CertificateSigned_no_usable_account",
        _subject(dbCertificate),
        "Certificate %s (%s) is due for renewal but cannot be renewed: %s"
        % (dbCertificate.id, _names(dbCertificate), reason),
        dbCertificate=dbCertificate,
        dbAccount=dbAccount,
    )


def raise_certificate_revoked(ctx, dbCertificate: CertificateSigned, via_acme: bool) -> Optional[CoverageAssuranceEvent]:
    """A serving certificate was revoked (the caller checks it was active). Not raised when a
    valid replacement exists already."""
    if find_replacement(ctx, dbCertificate) is not None:
        return None
    return raise_event(
        ctx,
        "CertificateSigned_revoked_acme" if via_acme else "CertificateSigned_revoked_mark",
        _subject(dbCertificate),
        "Certificate %s (%s) was revoked%s; its names need a new certificate"
        % (dbCertificate.id, _names(dbCertificate), " on the ACME server" if via_acme else " here"),
        dbCertificate=dbCertificate,
        status="reported+deactivated",
    )


def raise_key_compromised(
    ctx, dbPrivateKey: PrivateKey, certificate_ids: Iterable[int], via_acme: bool
) -> Optional[CoverageAssuranceEvent]:
    """A key was marked compromised: a parent event for the key, and a child for each of
    ``certificate_ids`` (the certificates of the key that were serving) with no replacement
    yet. One notification, for the parent, lists the children."""
    event_type = "PrivateKey_compromised_acme" if via_acme else "PrivateKey_compromised_mark"
    certificates = [ctx.dbsession.get(CertificateSigned, i) for i in sorted(certificate_ids)]
    certificates = [c for c in certificates if find_replacement(ctx, c) is None]
    dbParent = raise_event(
        ctx,
        event_type,
        _subject(dbPrivateKey),
        "Private key %s is compromised: %s of its certificates were serving and were revoked"
        % (dbPrivateKey.id, len(certificates)),
        dbPrivateKey=dbPrivateKey,
        status="reported+deactivated",
        notify=False,
    )
    if dbParent is None:
        return None
    for dbCertificate in certificates:
        raise_event(
            ctx,
            event_type,
            _subject(dbCertificate),
            "Certificate %s (%s) was revoked: its private key %s is compromised"
            % (dbCertificate.id, _names(dbCertificate), dbPrivateKey.id),
            dbPrivateKey=dbPrivateKey,
            dbCertificate=dbCertificate,
            dbParent=dbParent,
            status="reported+deactivated",
        )
    notifications.enqueue_for_event(ctx, dbParent)
    return dbParent


# --- expiring


def expiring_window(ctx, dbCertificate: CertificateSigned) -> datetime.timedelta:
    """How long before its end a certificate counts as expiring (see EXPIRING_LIFETIME_FRACTION)."""
    days = datetime.timedelta(days=ctx.settings.coverage_expiring_days)
    lifetime = dbCertificate.timestamp_not_after - dbCertificate.timestamp_not_before
    if lifetime <= datetime.timedelta(0):
        return days
    return min(days, lifetime * EXPIRING_LIFETIME_FRACTION)


def _active_domain_names(dbSet: UniqueFQDNSet) -> List[str]:
    return sorted(to_d.domain.domain_name for to_d in dbSet.to_domains if to_d.domain.is_active)


def _has_renewal_under_way(ctx, dbCertificate: CertificateSigned) -> bool:
    """A renewal queue item for it (or its set) is waiting or being processed, or one succeeded."""
    in_flight = QueueCertificate.in_flight(ctx.timestamp)
    return bool(
        ctx.dbsession.scalar(
            sa.select(sa.func.count())
            .select_from(QueueCertificate)
            .where(
                sa.or_(
                    sa.and_(
                        sa.or_(
                            QueueCertificate.certificate_signed_id__source == dbCertificate.id,
                            QueueCertificate.unique_fqdn_set_id == dbCertificate.unique_fqdn_set_id,
                        ),
                        sa.or_(QueueCertificate.is_active.is_(True), in_flight),
                    ),
                    sa.and_(
                        QueueCertificate.certificate_signed_id__source == dbCertificate.id,
                        QueueCertificate.process_result.is_(True),
                    ),
                )
            )
        )
    )


def check_expiring(ctx) -> Dict[str, str]:
    """Raise ``CertificateSigned_expiring`` for each active certificate, the latest of its set,
    with an active name, that ends within its ``expiring_window`` and has no renewal under way
    and no valid replacement.

    :returns: ``{certificate id: event id}`` of the events raised now.
    """
    horizon = ctx.timestamp + datetime.timedelta(days=ctx.settings.coverage_expiring_days)
    later = sa.orm.aliased(CertificateSigned)
    newer_exists = (
        sa.select(later.id)
        .where(
            later.unique_fqdn_set_id == CertificateSigned.unique_fqdn_set_id,
            later.id != CertificateSigned.id,
            later.is_active.is_(True),
            later.timestamp_not_after > CertificateSigned.timestamp_not_after,
        )
        .exists()
    )
    candidates = ctx.dbsession.scalars(
        sa.select(CertificateSigned)
        .where(
            CertificateSigned.is_active.is_(True),
            CertificateSigned.timestamp_not_after <= horizon,
            ~newer_exists,
        )
        .order_by(CertificateSigned.timestamp_not_after.asc(), CertificateSigned.id.asc())
    ).all()
    raised: Dict[str, str] = {}
    for dbCertificate in candidates:
        if dbCertificate.timestamp_not_after - expiring_window(ctx, dbCertificate) > ctx.timestamp:
            continue
        if not _active_domain_names(dbCertificate.unique_fqdn_set):
            continue  # no managed name left: nothing is meant to renew it
        if _has_renewal_under_way(ctx, dbCertificate) or find_replacement(ctx, dbCertificate) is not None:
            continue
        remaining = dbCertificate.timestamp_not_after - ctx.timestamp
        when = (
            "expired %s" % dbCertificate.timestamp_not_after.isoformat()
            if remaining <= datetime.timedelta(0)
            else "expires %s (in %s days)" % (dbCertificate.timestamp_not_after.isoformat(), remaining.days)
        )
        dbEvent = raise_event(
            ctx,
            "CertificateSigned_expiring",
            _subject(dbCertificate),
            "Certificate %s (%s) %s and no renewal is under way"
            % (dbCertificate.id, _names(dbCertificate), when),
            dbCertificate=dbCertificate,
        )
        if dbEvent is not None:
            raised[str(dbCertificate.id)] = str(dbEvent.id)
    return raised


# --- replacement


def _sets_covering(ctx, domain_ids: List[int]):
    """The ids of the sets holding every one of ``domain_ids`` (a sub-select)."""
    return (
        sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id)
        .where(UniqueFQDNSet2Domain.domain_id.in_(domain_ids))
        .group_by(UniqueFQDNSet2Domain.unique_fqdn_set_id)
        .having(sa.func.count(sa.distinct(UniqueFQDNSet2Domain.domain_id)) == len(domain_ids))
    )


def _needed_domain_ids(dbSet: UniqueFQDNSet) -> List[int]:
    """The names a replacement must cover: the set's active names, or all when none is active."""
    active = [to_d.domain_id for to_d in dbSet.to_domains if to_d.domain.is_active]
    return sorted(active or [to_d.domain_id for to_d in dbSet.to_domains])


def find_replacement(
    ctx,
    dbCertificate: Optional[CertificateSigned],
    dbSet: Optional[UniqueFQDNSet] = None,
    created_after: Optional[datetime.datetime] = None,
) -> Optional[CertificateSigned]:
    """A valid replacement: an active certificate, not expired, whose names include the active
    names of ``dbCertificate``'s set (or ``dbSet``), issued after ``dbCertificate`` (notBefore
    later; or, as notBefore counts whole seconds, the same notBefore and stored after it: a CA
    that answers in milliseconds issues a renewal within the second of the original), or stored
    after ``created_after`` when no certificate is given."""
    dbSet = dbSet or dbCertificate.unique_fqdn_set
    domain_ids = _needed_domain_ids(dbSet)
    if not domain_ids:
        return None
    statement = sa.select(CertificateSigned).where(
        CertificateSigned.unique_fqdn_set_id.in_(_sets_covering(ctx, domain_ids)),
        CertificateSigned.is_active.is_(True),
        CertificateSigned.timestamp_not_after > ctx.timestamp,
    )
    if dbCertificate is not None:
        statement = statement.where(
            CertificateSigned.id != dbCertificate.id,
            sa.or_(
                CertificateSigned.timestamp_not_before > dbCertificate.timestamp_not_before,
                sa.and_(
                    CertificateSigned.timestamp_not_before == dbCertificate.timestamp_not_before,
                    CertificateSigned.id > dbCertificate.id,
                ),
            ),
        )
    elif created_after is not None:
        statement = statement.where(CertificateSigned.timestamp_created >= created_after)
    return ctx.dbsession.scalars(statement.order_by(CertificateSigned.timestamp_not_after.desc())).first()


def _resolve(ctx, dbEvent: CoverageAssuranceEvent, resolution: str) -> None:
    dbEvent.coverage_assurance_resolution_id = T_RESOLUTION.from_string(resolution)
    dbEvent.coverage_assurance_event_status_id = T_STATUS.from_string(RESOLUTION_STATUS[resolution])
    dbEvent.timestamp_resolved = ctx.timestamp


def _replacement_for_event(ctx, dbEvent: CoverageAssuranceEvent) -> Optional[CertificateSigned]:
    if dbEvent.unique_fqdn_set is None:
        return None  # a key's parent event: resolved through its children
    if dbEvent.certificate_signed is not None:
        return find_replacement(ctx, dbEvent.certificate_signed, dbSet=dbEvent.unique_fqdn_set)
    return find_replacement(ctx, None, dbSet=dbEvent.unique_fqdn_set, created_after=dbEvent.timestamp_created)


def _resolve_replaced(ctx, events: Iterable[CoverageAssuranceEvent], only_by: Optional[CertificateSigned] = None) -> List[str]:
    resolved: List[CoverageAssuranceEvent] = []
    for dbEvent in events:
        dbReplacement = _replacement_for_event(ctx, dbEvent)
        if dbReplacement is None:
            continue
        _resolve(ctx, dbEvent, "CertificateSigned_replaced")
        resolved.append(dbEvent)
    # a key compromise is over when each of its certificates is replaced
    parents = {e.coverage_assurance_event_id__parent for e in resolved if e.coverage_assurance_event_id__parent}
    ctx.dbsession.flush()
    for parent_id in sorted(parents):
        dbParent = ctx.dbsession.get(CoverageAssuranceEvent, parent_id)
        if dbParent.is_unresolved and not any(c.is_unresolved for c in dbParent.children):
            _resolve(ctx, dbParent, "PrivateKey_replaced")
            resolved.append(dbParent)
    ids = [str(e.id) for e in resolved]
    if ids:
        log__OperationsEvent(
            ctx,
            "CoverageAssuranceEvent__resolve_replaced",
            {
                "coverage_assurance_event_ids": ids,
                "certificate_signed_id": str(only_by.id) if only_by is not None else None,
            },
        )
        ctx.dbsession.flush()
    return ids


def resolve_replaced_by(ctx, dbCertificate: CertificateSigned) -> List[str]:
    """A certificate was stored: resolve the unresolved events it replaces (those whose set
    shares a name with it are checked). Called by ``create.import__CertificateSigned``.

    :returns: the ids of the events resolved.
    """
    if not dbCertificate.is_active or dbCertificate.timestamp_not_after <= ctx.timestamp:
        return []
    domain_ids = [to_d.domain_id for to_d in dbCertificate.unique_fqdn_set.to_domains]
    sharing = sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(UniqueFQDNSet2Domain.domain_id.in_(domain_ids))
    events = ctx.dbsession.scalars(
        sa.select(CoverageAssuranceEvent)
        .where(
            CoverageAssuranceEvent.coverage_assurance_resolution_id == T_RESOLUTION.UNRESOLVED,
            CoverageAssuranceEvent.unique_fqdn_set_id.in_(sharing),
        )
        .order_by(CoverageAssuranceEvent.id.asc())
    ).all()
    if not events:
        return []
    return _resolve_replaced(ctx, events, only_by=dbCertificate)


def resolve_replaced_all(ctx) -> List[str]:
    """Resolve every unresolved event a valid replacement exists for (run by ``update``)."""
    events = ctx.dbsession.scalars(
        sa.select(CoverageAssuranceEvent)
        .where(
            CoverageAssuranceEvent.coverage_assurance_resolution_id == T_RESOLUTION.UNRESOLVED,
            CoverageAssuranceEvent.unique_fqdn_set_id.is_not(None),
        )
        .order_by(CoverageAssuranceEvent.id.asc())
    ).all()
    return _resolve_replaced(ctx, events)


def check(ctx) -> dict:
    """The ``coverage-check`` job: resolve what was replaced, then report what is expiring."""
    resolved = resolve_replaced_all(ctx)
    raised = check_expiring(ctx)
    return {
        "resolved": resolved,
        "expiring": raised,
        "count_unresolved": count_unresolved(ctx),
    }


# --- by hand


def valid_resolutions(dbEvent: CoverageAssuranceEvent) -> List[str]:
    """The resolutions ``mark_resolution`` accepts for this event now (what the page offers)."""
    if not dbEvent.is_unresolved:
        return ["unresolved"]
    options = ["abandoned"]
    if dbEvent.private_key_id is not None and dbEvent.coverage_assurance_event_type_id in T_TYPE.IDS_PRIVATE_KEY_COMPROMISED:
        options.append("PrivateKey_replaced")
    if dbEvent.unique_fqdn_set_id is not None:
        options.append("CertificateSigned_replaced")
    return options


def mark_resolution(ctx, dbEvent: CoverageAssuranceEvent, resolution: str) -> str:
    """Resolve an event by hand (``abandoned``: leave it, and raise no new event of this type
    for its subject; ``*_replaced``: the operator replaced it outside), or reopen it
    (``unresolved``). Resolving a key's parent event resolves its unresolved children alike.

    :returns: the OperationsEvent name written.
    :raises errors.InvalidRequest: an unknown resolution.
    :raises errors.InvalidTransition: a resolution this event does not allow now.
    """
    if resolution not in RESOLUTIONS:
        raise errors.InvalidRequest("`resolution` must be one of: %s." % ", ".join(RESOLUTIONS), field="resolution")
    actions.lock_for_change(ctx, dbEvent)  # twenty marks at once: one resolves it
    allowed = valid_resolutions(dbEvent)
    if resolution not in allowed:
        raise errors.InvalidTransition(
            "This event is `%s`; it can be marked: %s." % (dbEvent.coverage_assurance_resolution, ", ".join(allowed)),
            field="resolution",
        )
    before = dbEvent.coverage_assurance_resolution
    changed = [dbEvent]
    if resolution == "unresolved":
        dbOther = ctx.dbsession.scalars(
            sa.select(CoverageAssuranceEvent).where(
                CoverageAssuranceEvent.coverage_assurance_event_type_id == dbEvent.coverage_assurance_event_type_id,
                CoverageAssuranceEvent.subject_key == dbEvent.subject_key,
                CoverageAssuranceEvent.coverage_assurance_resolution_id == T_RESOLUTION.UNRESOLVED,
                CoverageAssuranceEvent.id != dbEvent.id,
            )
        ).first()
        if dbOther is not None:
            raise errors.InvalidTransition(
                "Event %s is already unresolved for the same subject." % dbOther.id, field="resolution"
            )
        dbEvent.coverage_assurance_resolution_id = T_RESOLUTION.UNRESOLVED
        dbEvent.coverage_assurance_event_status_id = T_STATUS.from_string("reported")
        dbEvent.timestamp_resolved = None
    else:
        _resolve(ctx, dbEvent, resolution)
        for dbChild in dbEvent.children:
            if dbChild.is_unresolved:
                _resolve(ctx, dbChild, "abandoned" if resolution == "abandoned" else "CertificateSigned_replaced")
                changed.append(dbChild)
    ctx.dbsession.flush()
    log__OperationsEvent(
        ctx,
        "CoverageAssuranceEvent__mark_resolution",
        {
            "coverage_assurance_event_id": str(dbEvent.id),
            "resolution": resolution,
            "resolution_before": before,
            "coverage_assurance_event_ids": [str(e.id) for e in changed],
        },
    )
    return "CoverageAssuranceEvent__mark_resolution"
