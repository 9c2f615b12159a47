"""The domain queue: names tossed in now, certified later in batches (Implementation_Details,
"Domain Queue"; reference inventory 7.1).

A ``QueueDomain`` row is tri-state: ``is_active`` True = waiting, False = processed, NULL = cancelled.

Concurrency: two processors (a cron job and a click in the admin) must never take the same
rows. ``take_queued_domains`` claims them with ONE guarded statement::

    UPDATE queue_domain SET is_active = false, timestamp_processed = :now
    WHERE is_active IS TRUE AND id IN (
        SELECT id FROM queue_domain WHERE is_active IS TRUE ORDER BY id LIMIT :n
        FOR UPDATE SKIP LOCKED)            -- PostgreSQL only; SQLite renders no FOR UPDATE
    RETURNING id

and commits the claim before any ACME call. On PostgreSQL the sub-select locks the rows it
picks and skips those another transaction holds, so concurrent takers get disjoint rows;
the outer ``is_active IS TRUE`` re-check covers a row that was committed meanwhile. SQLite
has a single writer: the UPDATE takes the database's write lock, so a second taker waits
until the first has committed and then only sees the rows still waiting.
"""

from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Union

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeOrder
from ...model.objects import PrivateKey
from ...model.objects import QueueDomain
from .. import errors
from .. import utils
from . import actions_acme
from . import get
from .getcreate import getcreate__Domain__by_domainName
from .getcreate import getcreate__UniqueFQDNSet__by_domain_names
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

# the per-name results of `queue_domains__add`
ADD_RESULTS = ("queued", "exists", "already_queued", "blocklisted", "invalid")


# --- queries


def query__QueueDomain(which: str = "waiting"):
    """``waiting`` (oldest first: the processing order) or ``all`` (newest first)."""
    statement = sa.select(QueueDomain)
    if which == "waiting":
        return statement.where(QueueDomain.is_active.is_(True)).order_by(QueueDomain.id.asc())
    return statement.order_by(QueueDomain.id.desc())


def get__QueueDomain__by_id(ctx, queue_domain_id: int) -> Optional[QueueDomain]:
    return ctx.dbsession.get(QueueDomain, queue_domain_id)


def get__QueueDomain__count_waiting(ctx) -> int:
    return ctx.dbsession.scalar(
        sa.select(sa.func.count()).select_from(QueueDomain).where(QueueDomain.is_active.is_(True))
    )


def get__QueueDomain__waiting_by_name(ctx, domain_name: str) -> Optional[QueueDomain]:
    return ctx.dbsession.scalars(
        sa.select(QueueDomain).where(QueueDomain.domain_name == domain_name, QueueDomain.is_active.is_(True))
    ).first()


# --- add


def queue_domains__add(
    ctx, names: Union[str, Iterable[str]], messages: Optional[Dict[str, str]] = None
) -> Dict[str, str]:
    """Queue domain names: the specification's three rules, a result per name.

    Names (text split on commas/whitespace, or a list) are canonicalised and de-duplicated;
    the result is keyed by the canonical name (an invalid one by the name as given):

    * ``blocklisted``: a blocklisted name; nothing is done;
    * ``exists``: a managed Domain; an inactive one is re-activated (rule 1);
    * ``already_queued``: waiting in the queue already (rule 3);
    * ``queued``: a new waiting QueueDomain (rule 2);
    * ``invalid``: not a domain name; its message goes into ``messages`` when given.

    One ``QueueDomain__add`` OperationsEvent records every name (the blocklisted and invalid
    ones in its payload); each Domain or QueueDomain touched gets an OperationsObjectEvent.
    """
    if isinstance(names, str):
        names = utils.split_domain_names(names)
    canonical: List[str] = []
    invalid: Dict[str, str] = {}
    for raw in names:
        try:
            name = utils.validate_domain_name(raw)
        except errors.InvalidRequest as exc:
            invalid[raw] = exc.message
            continue
        if name not in canonical:
            canonical.append(name)
    dbEvent = log__OperationsEvent(ctx, "QueueDomain__add", {"domain_names": canonical, "invalid": invalid})
    results: Dict[str, str] = {}
    for name in canonical:
        if get.get__DomainBlocklisted__by_name(ctx, name) is not None:
            results[name] = "blocklisted"
            continue
        dbDomain = get.get__Domain__by_name(ctx, name)
        if dbDomain is not None:
            if dbDomain.is_active:
                log__OperationsObjectEvent(ctx, "QueueDomain__add__already_exists", dbDomain, dbEvent)
            else:
                dbDomain.is_active = True
                log__OperationsObjectEvent(ctx, "QueueDomain__add__already_exists_activate", dbDomain, dbEvent)
            results[name] = "exists"
            continue
        dbQueued = get__QueueDomain__waiting_by_name(ctx, name)
        if dbQueued is not None:
            log__OperationsObjectEvent(ctx, "QueueDomain__add__already_queued", dbQueued, dbEvent)
            results[name] = "already_queued"
            continue
        dbQueued = QueueDomain()
        dbQueued.domain_name = name
        dbQueued.is_active = True
        dbQueued.timestamp_created = ctx.timestamp
        dbQueued.operations_event_id__created = dbEvent.id
        ctx.dbsession.add(dbQueued)
        ctx.dbsession.flush(objects=[dbQueued])
        log__OperationsObjectEvent(ctx, "QueueDomain__add__success", dbQueued, dbEvent)
        results[name] = "queued"
    for raw in invalid:
        results[raw] = "invalid"
    if messages is not None:
        messages.update(invalid)
    # the outcome, for the operations log
    dbEvent.event_payload = utils.dumps_payload(
        utils.new_event_payload(domain_names=canonical, invalid=invalid, results=results)
    )
    ctx.dbsession.flush(objects=[dbEvent])
    return results


# --- cancel


def queue_domains__cancel(ctx, dbQueueDomain: QueueDomain) -> None:
    """De-queue a waiting name: ``is_active`` NULL, ``timestamp_processed`` now.

    :raises errors.InvalidTransition: it was processed or cancelled already.
    """
    if dbQueueDomain.is_active is None:
        raise errors.InvalidTransition("This queued domain was cancelled already.", field="action")
    if dbQueueDomain.is_active is False:
        raise errors.InvalidTransition("This queued domain was processed already.", field="action")
    dbEvent = log__OperationsEvent(
        ctx, "QueueDomain__mark", {"queue_domain_id": dbQueueDomain.id, "action": "cancel"}
    )
    dbQueueDomain.is_active = None
    dbQueueDomain.timestamp_processed = ctx.timestamp
    ctx.dbsession.flush(objects=[dbQueueDomain])
    log__OperationsObjectEvent(ctx, "QueueDomain__mark__cancelled", dbQueueDomain, dbEvent)


# --- process


def take_queued_domains(ctx, limit: int) -> List[QueueDomain]:
    """Claim up to ``limit`` of the oldest waiting rows for this process: they are marked
    processed (``is_active`` False, ``timestamp_processed``) by one guarded UPDATE (see the
    module docstring). The caller commits the claim before talking to an ACME server, and
    gives the rows back with ``_release`` if nothing was created there."""
    picked = (
        sa.select(QueueDomain.id)
        .where(QueueDomain.is_active.is_(True))
        .order_by(QueueDomain.id.asc())
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: nothing
    )
    table = QueueDomain.__table__
    statement = (
        sa.update(table)
        .where(table.c.is_active.is_(True), table.c.id.in_(picked.scalar_subquery()))
        .values(is_active=False, timestamp_processed=ctx.timestamp)
        .returning(table.c.id)
    )
    ids = sorted(ctx.dbsession.execute(statement).scalars().all())
    if not ids:
        return []
    return ctx.dbsession.scalars(
        sa.select(QueueDomain)
        .where(QueueDomain.id.in_(ids))
        .order_by(QueueDomain.id.asc())
        .execution_options(populate_existing=True)
    ).all()


def _release(ctx, dbQueueDomains: List[QueueDomain]) -> None:
    """Give claimed rows back to the queue: nothing was created on the ACME server."""
    for dbQueueDomain in dbQueueDomains:
        dbQueueDomain.is_active = True
        dbQueueDomain.timestamp_processed = None
        dbQueueDomain.domain_id = None
    ctx.dbsession.flush()


def check_max_domains_per_certificate(ctx, max_domains_per_certificate: Optional[int]) -> int:
    """The batch size: ``max_domains_per_certificate`` within the ini's bounds, or their maximum.

    :raises errors.InvalidRequest: out of ``queue_domains_min_per_cert``..``queue_domains_max_per_cert``.
    """
    minimum = ctx.settings.queue_domains_min_per_cert
    maximum = ctx.settings.queue_domains_max_per_cert
    if max_domains_per_certificate is None:
        return maximum
    if not minimum <= max_domains_per_certificate <= maximum:
        raise errors.InvalidRequest(
            "`max_domains_per_certificate` must be from %s to %s (`queue_domains_min_per_cert`, "
            "`queue_domains_max_per_cert`)." % (minimum, maximum),
            field="max_domains_per_certificate",
        )
    return max_domains_per_certificate


def queue_domains__process(
    ctx,
    dbAccount: AcmeAccount,
    max_domains_per_certificate: Optional[int] = None,
    processing_strategy: str = "process_single",
    private_key_strategy: str = "deferred-associate",
    dbPrivateKey: Optional[PrivateKey] = None,
    private_key_cycle__renewal: str = "account_key_default",
) -> AcmeOrder:
    """Certify up to ``max_domains_per_certificate`` (default: the ini's maximum) of the oldest
    waiting names with ONE ACME order of type "Queue - Domains".

    The rows are claimed and committed first (``take_queued_domains``), with a
    ``QueueDomain__process`` event; their Domains are got or created (``is_from_queue_domain``)
    and the order is made. Rows stay processed when the order was created on the ACME server,
    even if it then failed (``QueueDomain__process__fail``, with the order id); if the order
    failed before the server created anything (or this code raised), the rows go back to waiting
    and the error propagates.

    :raises errors.InvalidRequest: bounds, fewer names waiting than ``queue_domains_min_per_cert``,
        or a bad strategy/account/key (nothing is taken then).
    :raises actions_acme.AcmeOrderFailed, errors.AcmeError: as ``actions_acme.new_order``.
    """
    limit = check_max_domains_per_certificate(ctx, max_domains_per_certificate)
    # what new_order would refuse, refused before anything is taken
    if processing_strategy not in actions_acme.PROCESSING_STRATEGIES:
        raise errors.InvalidRequest(
            "`processing_strategy` must be one of: %s." % ", ".join(actions_acme.PROCESSING_STRATEGIES),
            field="processing_strategy",
        )
    if private_key_strategy not in actions_acme.PRIVATE_KEY_STRATEGIES:
        raise errors.InvalidRequest("Unknown private key strategy.", field="private_key_option")
    if private_key_cycle__renewal not in model_utils.PrivateKeyCycle.OPTIONS_ACME_ORDER:
        raise errors.InvalidRequest("Unknown `private_key_cycle__renewal`.", field="private_key_cycle__renewal")
    if not dbAccount.is_usable:
        raise errors.InvalidRequest("The ACME account %s is not active." % dbAccount.id, field="acme_account_id")
    if private_key_strategy == "specified" and (dbPrivateKey is None or not dbPrivateKey.can_key_sign):
        raise errors.InvalidRequest("Choose an active private key.", field="private_key_id")
    minimum = ctx.settings.queue_domains_min_per_cert
    waiting = get__QueueDomain__count_waiting(ctx)
    if waiting < minimum:
        raise errors.InvalidRequest(
            "%s domain name(s) are waiting in the queue; processing needs at least %s "
            "(`queue_domains_min_per_cert`)." % (waiting, minimum),
            field="max_domains_per_certificate",
        )

    dbQueueDomains = take_queued_domains(ctx, limit)
    if len(dbQueueDomains) < minimum:
        # another processor took the others meanwhile
        _release(ctx, dbQueueDomains)
        raise errors.InvalidRequest(
            "Only %s domain name(s) could be taken from the queue; processing needs at least %s "
            "(`queue_domains_min_per_cert`)." % (len(dbQueueDomains), minimum),
            field="max_domains_per_certificate",
        )
    names = [q.domain_name for q in dbQueueDomains]
    dbEvent = log__OperationsEvent(
        ctx,
        "QueueDomain__process",
        {
            "queue_domain_ids": [str(q.id) for q in dbQueueDomains],
            "domain_names": names,
            "acme_account_id": dbAccount.id,
            "processing_strategy": processing_strategy,
        },
    )
    for dbQueueDomain in dbQueueDomains:
        log__OperationsObjectEvent(ctx, "QueueDomain__process", dbQueueDomain, dbEvent)
    # the claim is durable before any ACME call: no other processor takes these rows
    ctx.checkpoint()

    dbSet = None
    before_id = ctx.dbsession.scalar(sa.select(sa.func.max(AcmeOrder.id))) or 0
    try:
        for dbQueueDomain in dbQueueDomains:
            dbDomain, _ = getcreate__Domain__by_domainName(ctx, dbQueueDomain.domain_name, is_from_queue_domain=True)
            if not dbDomain.is_active:
                dbDomain.is_active = True
            dbQueueDomain.domain_id = dbDomain.id
        dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(ctx, names, field="domain_names")
        dbOrder = actions_acme.new_order(
            ctx,
            dbAccount,
            names,
            processing_strategy=processing_strategy,
            private_key_strategy=private_key_strategy,
            dbPrivateKey=dbPrivateKey,
            private_key_cycle__renewal=private_key_cycle__renewal,
            order_type="Queue - Domains",
            event="QueueDomain__process",
        )
    except Exception as exc:
        if isinstance(exc, sa.exc.SQLAlchemyError):
            raise  # the session is unusable; the claimed rows stay processed, the event says which
        acme_order_id = _order_created_on_server(ctx, exc, dbSet, before_id)
        if acme_order_id is None:
            _release(ctx, dbQueueDomains)
        _log_result(ctx, "QueueDomain__process__fail", dbQueueDomains, acme_order_id, str(exc), dbEvent)
        ctx.checkpoint()
        raise
    _log_result(ctx, "QueueDomain__process__success", dbQueueDomains, dbOrder.id, None, dbEvent)
    ctx.dbsession.flush()
    return dbOrder


def _order_created_on_server(ctx, exc: Exception, dbSet, before_id: int) -> Optional[int]:
    """The id of this attempt's order if the ACME server created it (it has an order URL)."""
    if isinstance(exc, actions_acme.AcmeOrderFailed):
        return exc.acme_order_id
    if dbSet is None:
        return None
    return ctx.dbsession.scalar(
        sa.select(AcmeOrder.id).where(
            AcmeOrder.id > before_id,
            AcmeOrder.unique_fqdn_set_id == dbSet.id,
            AcmeOrder.acme_order_type_id == model_utils.AcmeOrderType.from_string("Queue - Domains"),
            AcmeOrder.order_url.is_not(None),
        )
    )


def _log_result(ctx, event_type: str, dbQueueDomains, acme_order_id, error, dbParent) -> None:
    payload = {
        "acme_order_id": str(acme_order_id) if acme_order_id is not None else None,
        "queue_domain_ids": [str(q.id) for q in dbQueueDomains],
        "status": "success" if error is None else "error - %s" % error,
    }
    dbEvent = log__OperationsEvent(ctx, event_type, payload, child_of=dbParent)
    for dbQueueDomain in dbQueueDomains:
        log__OperationsObjectEvent(ctx, event_type, dbQueueDomain, dbEvent)

