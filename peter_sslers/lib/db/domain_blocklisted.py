"""The blocklist: names that must never be certified (docs/Blocklist.md). The rule itself (exact
match of the canonical name) is ``validate.refuse_blocklisted``; here: list, add, delete."""

from typing import Optional

import sqlalchemy as sa

from ...model.objects import Domain
from ...model.objects import DomainBlocklisted
from ...model.objects import QueueCertificate
from ...model.objects import QueueDomain
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors
from .. import utils
from . import get
from . import queues
from .getcreate import insert_or_find
from .logger import log__OperationsEvent


def query__DomainBlocklisted():
    """Every blocklisted name, by name (a statement for ``get.count`` / ``get.page``)."""
    return sa.select(DomainBlocklisted).order_by(DomainBlocklisted.domain_name.asc())


def get__DomainBlocklisted__by_id(ctx, domain_blocklisted_id: int) -> Optional[DomainBlocklisted]:
    return ctx.dbsession.get(DomainBlocklisted, domain_blocklisted_id)


def _waiting_queue_items(ctx, domain_name: str):
    """The waiting QueueDomain of this name and the waiting QueueCertificates whose set holds it:
    none of them could ever be processed now."""
    dbQueueDomains = ctx.dbsession.scalars(
        sa.select(QueueDomain)
        .where(QueueDomain.domain_name == domain_name, QueueDomain.is_active.is_(True))
        .order_by(QueueDomain.id)
    ).all()
    dbQueueCertificates = ctx.dbsession.scalars(
        sa.select(QueueCertificate)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == QueueCertificate.unique_fqdn_set_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(Domain.domain_name == domain_name, QueueCertificate.is_active.is_(True))
        .order_by(QueueCertificate.id)
    ).all()
    return dbQueueDomains, dbQueueCertificates


def add(ctx, raw_domain_name: str, field: str = "domain_name") -> dict:
    """Blocklist a name: canonicalised as every name of the app (lower case, IDN to punycode,
    trailing dot removed; a wildcard ``*.name`` is a name of its own).

    From then on nothing is created for it (``validate.refuse_blocklisted``); the waiting queue
    items that need it are cancelled (they could never be processed), each with its own
    ``__mark__cancelled`` event under this one. A Domain of this name, and the certificates it
    has, are left as they are (reported in ``Domain``): its certificates are not renewed; mark
    it inactive to stop serving them.

    :returns: ``{"DomainBlocklisted", "Domain" (or None), "cancelled": {"QueueDomain": [ids],
        "QueueCertificate": [ids]}}`` (objects, not JSON).
    :raises errors.InvalidRequest: (on ``field``) not a domain name.
    :raises errors.ConflictingObject: (on ``field``) it is blocklisted already.
    """
    with errors.for_field(field):
        domain_name = utils.validate_domain_name(raw_domain_name, allow_wildcard=True)

    def _already(dbExisting: DomainBlocklisted) -> errors.ConflictingObject:
        return errors.ConflictingObject(
            "`%s` is blocklisted already (DomainBlocklisted %s)." % (domain_name, dbExisting.id), field=field
        )

    def _find():
        return get.get__DomainBlocklisted__by_name(ctx, domain_name)

    dbExisting = _find()
    if dbExisting is not None:
        raise _already(dbExisting)

    made = {}

    def _insert() -> DomainBlocklisted:
        dbEvent = made["event"] = log__OperationsEvent(ctx, "DomainBlocklisted__insert", {"domain_name": domain_name})
        dbBlocked = DomainBlocklisted()
        dbBlocked.domain_name = domain_name
        dbBlocked.timestamp_created = ctx.timestamp
        dbBlocked.operations_event_id__created = dbEvent.id
        ctx.dbsession.add(dbBlocked)
        ctx.dbsession.flush(objects=[dbBlocked])
        return dbBlocked

    # the unique index is the rule: a parallel add of the same name that inserted first wins
    dbBlocked, is_created = insert_or_find(ctx, _insert, _find)
    if not is_created:
        raise _already(dbBlocked)
    dbQueueDomains, dbQueueCertificates = _waiting_queue_items(ctx, domain_name)
    for dbQueueDomain in dbQueueDomains:
        queues.queue_domains__cancel(ctx, dbQueueDomain)
    for dbQueue in dbQueueCertificates:
        queues.queue_certificates__cancel(ctx, dbQueue)
    cancelled = {
        "QueueDomain": [str(q.id) for q in dbQueueDomains],
        "QueueCertificate": [str(q.id) for q in dbQueueCertificates],
    }
    dbEvent = made["event"]
    dbEvent.event_payload = utils.dumps_payload(
        utils.new_event_payload(domain_name=domain_name, domain_blocklisted_id=str(dbBlocked.id), cancelled=cancelled)
    )
    ctx.dbsession.flush(objects=[dbEvent])
    return {
        "DomainBlocklisted": dbBlocked,
        "Domain": get.get__Domain__by_name(ctx, domain_name),
        "cancelled": cancelled,
    }


def delete(ctx, dbBlocked: DomainBlocklisted) -> None:
    """Take a name off the blocklist: it can be certified again. Logged as a
    ``DomainBlocklisted__delete`` event holding the name and the row's id."""
    log__OperationsEvent(
        ctx,
        "DomainBlocklisted__delete",
        {"domain_name": dbBlocked.domain_name, "domain_blocklisted_id": str(dbBlocked.id)},
    )
    ctx.dbsession.delete(dbBlocked)
    ctx.dbsession.flush()
