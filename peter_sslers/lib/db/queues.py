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

The certificate (renewal) queue (Implementation_Details, "Renewal Queue"; reference inventory
7.2) follows below: ``queue_certificates__update`` finds what needs renewing and enqueues it,
``queue_certificates__process`` renews ONE item per call. Its claim is the same guarded UPDATE
(``take_queued_certificate``, one row). ``QueueCertificate.is_active`` is the same tri-state;
``process_result`` tells a processed item's outcome (True: success, False: failure).

Enqueueing: a partial unique index keeps ONE waiting row per domain name (``queue_domain``) and
per set (``queue_certificate``); the insert runs in a savepoint (``insert_or_find``), so a
parallel enqueue that won makes this one ``already_queued`` / the 400 "already waiting".
"""

import dataclasses
import datetime
import logging
import threading

from typing import Any
from typing import Callable
from typing import Dict
from typing import Iterable
from typing import List
from typing import Mapping
from typing import Optional
from typing import Tuple
from typing import Union

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeOrder
from ...model.objects import CertificateSigned
from ...model.objects import PrivateKey
from ...model.objects import QueueCertificate
from ...model.objects import QueueDomain
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors
from .. import utils
from ..context import ApiContext
from . import actions
from . import actions_acme
from . import ari
from . import coverage
from . import get
from . import health
from . import validate
from .getcreate import getcreate__Domain__by_domainName
from .getcreate import getcreate__UniqueFQDNSet__by_domain_names
from .getcreate import insert_or_find
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent
from .order_spec import BOTH_TYPES
from .order_spec import OrderSpec
from .order_spec import check_challenged_name
from .order_spec import check_dns01_publishers

# the per-name results of `queue_domains__add`
ADD_RESULTS = ("queued", "exists", "already_queued", "blocklisted", "invalid")

# the most orders (domain queue) or items (renewal queue) one ``process`` call works through
MAX_ITEMS = 1000

log = logging.getLogger(__name__)


# --- several orders in one ``process`` call


def check_max_items(max_items: Optional[int]) -> int:
    """``max_items`` of a ``process`` call: 1 (the default) to MAX_ITEMS.

    :raises errors.InvalidRequest: out of bounds.
    """
    if max_items is None:
        return 1
    if not isinstance(max_items, int) or isinstance(max_items, bool) or not 1 <= max_items <= MAX_ITEMS:
        raise errors.InvalidRequest("`max_items` must be a whole number from 1 to %s." % MAX_ITEMS, field="max_items")
    return max_items


@dataclasses.dataclass
class ItemOutcome:
    """What one turn of a ``run_items`` worker did: ``result`` (plain data, read before its
    session closed), ``sort_key`` (the answer lists the outcomes by it: the queue item's id),
    ``more``: False when the queue has nothing more for this ``process`` call."""

    result: Any
    sort_key: Any = 0
    more: bool = True


def _worker_context(ctx) -> ApiContext:
    """A context of its own for a worker thread: a new session on the same engine (a session is not
    thread-safe), no transaction manager (``checkpoint`` commits), the caller's clock and order gate."""
    bind = ctx.dbsession.get_bind()
    engine = bind.engine if isinstance(bind, sa.engine.Connection) else bind
    worker = ApiContext(Session(bind=engine, expire_on_commit=False), ctx.settings, timestamp=ctx.timestamp)
    worker.order_gate = ctx.order_gate
    return worker


def run_items(ctx, max_items: int, work: Callable[[Any], Optional[ItemOutcome]]) -> List[ItemOutcome]:
    """Call ``work(ctx)`` up to ``max_items`` times, ``queue_process_concurrency`` calls at once, and
    return their outcomes sorted by ``sort_key``.

    ``work`` claims ONE item (or batch) of a queue and orders its certificate; it returns None when
    nothing was left to claim. Each thread has its own session (``_worker_context``) and commits
    after each call; the claims stay what keeps two orders off one item (the guarded UPDATE of
    ``take_queued_domains`` / ``take_queued_certificate``). The threads share an order gate: the
    checks before a new order (the CA's rate limits, competing orders) and its creation run one at
    a time (``actions_acme.place_order``), so that two orders never pass the same limit together.

    A call that returns ``more`` False or None, or raises, stops the run: the calls under way end,
    no new one starts. The first exception is raised once every thread has ended (what the others
    did is committed). With a concurrency of 1 (or ``max_items`` 1) the calls run one after the
    other in the caller's thread, on ``ctx`` itself, as before this option.
    """
    concurrency = min(ctx.settings.queue_process_concurrency, max_items)
    outcomes: List[ItemOutcome] = []
    if concurrency <= 1:
        for _ in range(max_items):
            outcome = work(ctx)
            if outcome is None:
                break
            outcomes.append(outcome)
            if not outcome.more:
                break
        return sorted(outcomes, key=lambda o: o.sort_key)

    # the caller's transaction ends before the threads start: on SQLite an open write would hold
    # the database's lock that every worker waits for
    ctx.checkpoint()
    lock = threading.Lock()
    state = {"left": max_items, "stop": False}
    raised: List[BaseException] = []
    gate = ctx.order_gate if ctx.order_gate is not None else threading.Lock()

    def take_turn() -> bool:
        with lock:
            if state["stop"] or state["left"] <= 0:
                return False
            state["left"] -= 1
            return True

    def worker() -> None:
        wctx = None
        try:
            wctx = _worker_context(ctx)
            wctx.order_gate = gate
            while take_turn():
                try:
                    outcome = work(wctx)
                    wctx.dbsession.commit()
                except BaseException:
                    wctx.dbsession.rollback()
                    raise
                if outcome is not None:
                    with lock:
                        outcomes.append(outcome)
                if outcome is None or not outcome.more:
                    with lock:
                        state["stop"] = True
        except BaseException as exc:  # raised in the caller's thread once all have ended
            log.exception("A queue worker failed")
            with lock:
                state["stop"] = True
                raised.append(exc)
        finally:
            if wctx is not None:
                wctx.dbsession.close()

    threads = [threading.Thread(target=worker, name="queue-process-%d" % i, daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the caller's session sees what the workers committed
    ctx.dbsession.expire_all()
    if raised:
        raise raised[0]
    return sorted(outcomes, key=lambda o: o.sort_key)


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
    ctx,
    names: Union[str, Iterable[str]],
    messages: Optional[Dict[str, str]] = None,
    names_dns01: Union[str, Iterable[str], None] = None,
) -> Dict[str, str]:
    """Queue domain names: the specification's three rules, a result per name.

    Names (text split on commas/whitespace, or a list) are canonicalised and de-duplicated;
    ``names`` are validated with http-01, ``names_dns01`` with dns-01 (the challenge type the
    queued row keeps for the order the queue builds). The result is keyed by the canonical name
    (an invalid one by the name as given):

    * ``blocklisted``: a blocklisted name; nothing is done;
    * ``exists``: a managed Domain; an inactive one is re-activated (rule 1);
    * ``already_queued``: waiting in the queue already (rule 3; with the type it was queued with);
    * ``queued``: a new waiting QueueDomain (rule 2);
    * ``invalid``: not a domain name, or a wildcard among the http-01 names (a wildcard only
      with dns-01); its message goes into ``messages`` when given.

    One ``QueueDomain__add`` OperationsEvent records every name (the blocklisted and invalid
    ones in its payload); each Domain or QueueDomain touched gets an OperationsObjectEvent.

    :raises errors.InvalidRequest: (on ``domain_names``, before anything is written) a name
        given with both types, a dns-01 name with no way to publish its record (no DNS backend
        for an enclosing zone, no acme-dns account): ``OrderSpec``'s rules and messages.
    """
    challenged: Dict[str, str] = {}  # canonical name -> challenge type, in the order given
    invalid: Dict[str, str] = {}
    for challenge_type, given in (("http-01", names), ("dns-01", names_dns01)):
        if isinstance(given, str):
            given = utils.split_domain_names(given)
        for raw in given or ():
            try:
                name = check_challenged_name(raw, challenge_type)
            except errors.InvalidRequest as exc:
                invalid[raw] = exc.message
                continue
            if challenged.get(name, challenge_type) != challenge_type:
                raise errors.InvalidRequest(BOTH_TYPES % name, field="domain_names")
            challenged[name] = challenge_type
    canonical: List[str] = list(challenged)
    dns01 = [name for name in canonical if challenged[name] == "dns-01"]
    # a dns-01 name that would be queued needs a way to publish its record when it is ordered
    check_dns01_publishers(
        ctx, [name for name in dns01 if get.get__DomainBlocklisted__by_name(ctx, name) is None], field="domain_names"
    )
    dbEvent = log__OperationsEvent(
        ctx, "QueueDomain__add", {"domain_names": canonical, "domain_names_dns01": dns01, "invalid": invalid}
    )
    results: Dict[str, str] = {}
    for name in canonical:
        if validate.is_blocklisted(ctx, name):
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
        if dbQueued is None:
            # the partial unique index keeps one waiting row per name: a parallel add of the
            # same name that inserted first makes this one `already_queued`
            dbQueued, is_created = insert_or_find(
                ctx,
                lambda: _insert_queue_domain(ctx, name, dbEvent, challenged[name]),
                lambda: get__QueueDomain__waiting_by_name(ctx, name),
            )
            if is_created:
                results[name] = "queued"
                continue
        log__OperationsObjectEvent(ctx, "QueueDomain__add__already_queued", dbQueued, dbEvent)
        results[name] = "already_queued"
    for raw in invalid:
        results[raw] = "invalid"
    if messages is not None:
        messages.update(invalid)
    # the outcome, for the operations log
    dbEvent.event_payload = utils.dumps_payload(
        utils.new_event_payload(domain_names=canonical, domain_names_dns01=dns01, invalid=invalid, results=results)
    )
    ctx.dbsession.flush(objects=[dbEvent])
    return results


def _insert_queue_domain(ctx, name: str, dbEvent, challenge_type: str = "http-01") -> QueueDomain:
    dbQueued = QueueDomain()
    dbQueued.domain_name = name
    dbQueued.acme_challenge_type_id = model_utils.AcmeChallengeType.from_string(challenge_type)
    dbQueued.is_active = True
    dbQueued.timestamp_created = ctx.timestamp
    dbQueued.operations_event_id__created = dbEvent.id
    ctx.dbsession.add(dbQueued)
    ctx.dbsession.flush(objects=[dbQueued])
    log__OperationsObjectEvent(ctx, "QueueDomain__add__success", dbQueued, dbEvent)
    return dbQueued


# --- cancel


def _cancel(ctx, dbItem, noun: str, event_prefix: str, id_key: str) -> None:
    """Take a waiting row out of its queue: ``is_active`` NULL, ``timestamp_processed`` now.

    :raises errors.InvalidTransition: it was processed or cancelled already.
    """
    actions.lock_for_change(ctx, dbItem)  # a processor's claim or another cancel committed meanwhile
    if dbItem.is_active is None:
        raise errors.InvalidTransition("This %s was cancelled already." % noun, field="action")
    if dbItem.is_active is False:
        raise errors.InvalidTransition("This %s was processed already." % noun, field="action")
    dbEvent = log__OperationsEvent(ctx, event_prefix + "__mark", {id_key: dbItem.id, "action": "cancel"})
    dbItem.is_active = None
    dbItem.timestamp_processed = ctx.timestamp
    ctx.dbsession.flush(objects=[dbItem])
    log__OperationsObjectEvent(ctx, event_prefix + "__mark__cancelled", dbItem, dbEvent)


def queue_domains__cancel(ctx, dbQueueDomain: QueueDomain) -> None:
    """De-queue a waiting name (see ``_cancel``)."""
    _cancel(ctx, dbQueueDomain, "queued domain", "QueueDomain", "queue_domain_id")


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
    """Give claimed rows back to the queue: nothing was created on the ACME server. A name
    added again meanwhile has its new waiting row (one waiting row per name): the claimed one
    is cancelled instead."""
    for dbQueueDomain in dbQueueDomains:
        if get__QueueDomain__waiting_by_name(ctx, dbQueueDomain.domain_name) is not None:
            dbQueueDomain.is_active = None
            dbQueueDomain.timestamp_processed = ctx.timestamp
            continue
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


def _check_enough_waiting(ctx) -> int:
    """``queue_domains_min_per_cert``, once at least that many names are waiting.

    :raises errors.InvalidRequest: fewer are waiting (nothing is taken).
    """
    minimum = ctx.settings.queue_domains_min_per_cert
    waiting = get__QueueDomain__count_waiting(ctx)
    if waiting < minimum:
        raise errors.InvalidRequest(
            "%s domain name(s) are waiting in the queue; processing needs at least %s "
            "(`queue_domains_min_per_cert`)." % (waiting, minimum),
            field="max_domains_per_certificate",
        )
    return minimum


def queue_domains__process(
    ctx,
    dbAccount: AcmeAccount,
    max_domains_per_certificate: Optional[int] = None,
    processing_strategy: str = "process_single",
    private_key_strategy: str = "deferred-associate",
    dbPrivateKey: Optional[PrivateKey] = None,
    private_key_cycle__renewal: str = "account_key_default",
) -> AcmeOrder:
    """``queue_domains__process_spec`` with these choices (the jobs' and the library's shape)."""
    template = OrderSpec(
        dbAccount,
        {},
        processing_strategy=processing_strategy,
        private_key_strategy=private_key_strategy,
        dbPrivateKey=dbPrivateKey,
        private_key_cycle__renewal=private_key_cycle__renewal,
    )
    return queue_domains__process_spec(ctx, template, max_domains_per_certificate=max_domains_per_certificate)


def queue_domains__process_spec(
    ctx, template: OrderSpec, max_domains_per_certificate: Optional[int] = None, claimed: Optional[list] = None
) -> AcmeOrder:
    """Certify up to ``max_domains_per_certificate`` (default: the ini's maximum) of the oldest
    waiting names with ONE ACME order of type "Queue - Domains", made with ``template``'s choices
    (an ``OrderSpec`` without names: account, key strategy, cycle, processing strategy).

    The choices are validated before anything is taken (``OrderSpec.validate(names=False)``).
    The rows are claimed and committed first (``take_queued_domains``), with a
    ``QueueDomain__process`` event; their Domains are got or created (``is_from_queue_domain``)
    and the order is made (``OrderSpec.from_queue_domains``, ``actions_acme.place_order``). Rows
    stay processed when the order was created on the ACME server, even if it then failed
    (``QueueDomain__process__fail``, with the order id); if the order failed before the server
    created anything (or this code raised), the rows go back to waiting and the error propagates.
    A certificate it downloads closes the renewal items for its names. ``claimed``, a list, gets
    the rows taken (``queue_domains__process_items`` reports them, the order failed or not).

    :raises errors.InvalidRequest: bounds, fewer names waiting than ``queue_domains_min_per_cert``,
        or a bad strategy/account/key (nothing is taken then).
    :raises actions_acme.AcmeOrderFailed, errors.AcmeError: as ``actions_acme.place_order``.
    """
    limit = check_max_domains_per_certificate(ctx, max_domains_per_certificate)
    # what the order would refuse, refused before anything is taken
    template = template.validate(ctx, names=False)
    dbAccount = template.dbAccount
    processing_strategy = template.processing_strategy
    minimum = _check_enough_waiting(ctx)

    dbQueueDomains = take_queued_domains(ctx, limit)
    if len(dbQueueDomains) < minimum:
        # another processor took the others meanwhile
        _release(ctx, dbQueueDomains)
        raise errors.InvalidRequest(
            "Only %s domain name(s) could be taken from the queue; processing needs at least %s "
            "(`queue_domains_min_per_cert`)." % (len(dbQueueDomains), minimum),
            field="max_domains_per_certificate",
        )
    if claimed is not None:
        claimed.extend(dbQueueDomains)
    names = [q.domain_name for q in dbQueueDomains]
    # each name with the challenge type it was queued with
    challenged = {q.domain_name: q.acme_challenge_type for q in dbQueueDomains}
    dbEvent = log__OperationsEvent(
        ctx,
        "QueueDomain__process",
        {
            "queue_domain_ids": [str(q.id) for q in dbQueueDomains],
            "domain_names": names,
            "domain_names_dns01": [n for n in names if challenged[n] == "dns-01"],
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
            dbDomain, _ = getcreate__Domain__by_domainName(
                ctx, dbQueueDomain.domain_name, is_from_queue_domain=True, allow_wildcard=True
            )
            if not dbDomain.is_active:
                dbDomain.is_active = True
            dbQueueDomain.domain_id = dbDomain.id
        dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(ctx, names, allow_wildcard=True, field="domain_names")
        # the order validates each name with its queued type (``OrderSpec.validate`` checks them
        # again: a dns-01 name whose DNS backend went away since is refused, the rows go back)
        dbOrder = actions_acme.place_order(ctx, OrderSpec.from_queue_domains(ctx, challenged, template))
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
    close_items_for_order(ctx, dbOrder)
    ctx.dbsession.flush()
    return dbOrder


def queue_domains__process_items(
    ctx, template: OrderSpec, max_domains_per_certificate: Optional[int] = None, max_items: int = 1
) -> Dict[str, Any]:
    """Up to ``max_items`` orders of ``queue_domains__process_spec`` (each of up to
    ``max_domains_per_certificate`` of the oldest waiting names), ``queue_process_concurrency`` of
    them at once (``run_items``), until fewer names than ``queue_domains_min_per_cert`` are waiting.

    The choices and the queue are checked first, as for one order (nothing is taken when they are
    refused). An order the ACME server refused (``AcmeOrderFailed``: its names stay processed) does
    not stop the others. Any other failure (the names went back to the queue, or the server or the
    network failed) ends the run after the orders under way: the next orders would meet it again.

    :returns: ``{"count_total", "count_success", "count_fail", "count_remaining", "items"}``: one
        item an order, in the order of its first queued name: ``queue_domain_ids``,
        ``domain_names``, ``acme_order_id`` (None when no order was recorded), ``acme_status_order``,
        ``certificate_signed_id``, ``result`` (``success`` or ``error``) and ``error``.
    :raises errors.InvalidRequest: as ``queue_domains__process_spec`` before anything is taken.
    """
    max_items = check_max_items(max_items)
    limit = check_max_domains_per_certificate(ctx, max_domains_per_certificate)
    template = template.validate(ctx, names=False)
    minimum = _check_enough_waiting(ctx)
    account_id = template.dbAccount.id
    key_id = template.dbPrivateKey.id if template.dbPrivateKey is not None else None

    def work(wctx) -> Optional[ItemOutcome]:
        if get__QueueDomain__count_waiting(wctx) < minimum:
            return None
        wtemplate = template.replace(
            dbAccount=wctx.dbsession.get(AcmeAccount, account_id),
            dbPrivateKey=wctx.dbsession.get(PrivateKey, key_id) if key_id is not None else None,
        )
        claimed: List[QueueDomain] = []
        item: Dict[str, Any] = {"acme_order_id": None, "acme_status_order": None, "certificate_signed_id": None}
        more = True
        dbOrder = None
        try:
            dbOrder = queue_domains__process_spec(wctx, wtemplate, max_domains_per_certificate=limit, claimed=claimed)
            wctx.checkpoint()
            item.update(result="success", error=None)
        except (errors.InvalidRequest, errors.AcmeError, errors.DnsError, errors.AcmeDnsError) as exc:
            if not claimed and isinstance(exc, errors.InvalidRequest):
                # nothing taken: other workers took the last names meanwhile (on PostgreSQL their
                # claims may not be committed yet, so the count cannot tell); the choices were
                # checked before the run
                return None
            item.update(result="error", error=getattr(exc, "message", None) or str(exc) or type(exc).__name__)
            if isinstance(exc, actions_acme.AcmeOrderFailed):
                # the server refused this order; its names stay processed: the others go on
                dbOrder = wctx.dbsession.get(AcmeOrder, exc.acme_order_id)
            else:
                more = False
        if dbOrder is not None:
            item.update(
                acme_order_id=dbOrder.id,
                acme_status_order=dbOrder.acme_status_order,
                certificate_signed_id=dbOrder.certificate_signed_id,
            )
        item["queue_domain_ids"] = [str(q.id) for q in claimed]
        item["domain_names"] = [q.domain_name for q in claimed]
        return ItemOutcome(item, sort_key=min((q.id for q in claimed), default=0), more=more)

    outcomes = run_items(ctx, max_items, work)
    items = [o.result for o in outcomes]
    return {
        "count_total": len(items),
        "count_success": sum(1 for i in items if i["result"] == "success"),
        "count_fail": sum(1 for i in items if i["result"] != "success"),
        "count_remaining": get__QueueDomain__count_waiting(ctx),
        "items": items,
    }


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



# ==============================================================================
# The certificate (renewal) queue

# `query__QueueCertificate`'s lists
QUEUE_CERTIFICATE_LISTS = ("unprocessed", "successes", "failures", "all")
# the sources of a structured enqueue (the `queue_source` form value)
QUEUE_CERTIFICATE_SOURCES = ("AcmeOrder", "CertificateSigned", "UniqueFQDNSet")


def query__QueueCertificate(which: str = "unprocessed", ctx=None, **filters):
    """``unprocessed`` (waiting, oldest first: the processing order), ``successes``, ``failures``
    or ``all`` (newest first).

    :param filters: ``domain_id`` (the item's set holds the Domain), ``unique_fqdn_set_id`` (the
        set renewed, or the source set), ``certificate_signed_id`` (the certificate renewed, or
        the one the item made), ``private_key_id``, ``acme_account_id``; ``unresolved`` (True,
        needs ``ctx``: only the failed renewals the health report counts, ``health.failed_renewal_ids``:
        the last outcome for their set, not renewed since, the set still has an active domain).
    """
    statement = sa.select(QueueCertificate)
    if filters.get("unresolved"):
        statement = statement.where(QueueCertificate.id.in_(health.failed_renewal_ids(ctx)))
    if "domain_id" in filters:
        statement = statement.where(
            QueueCertificate.unique_fqdn_set_id.in_(
                sa.select(UniqueFQDNSet2Domain.unique_fqdn_set_id).where(
                    UniqueFQDNSet2Domain.domain_id == filters["domain_id"]
                )
            )
        )
    if "unique_fqdn_set_id" in filters:
        statement = statement.where(
            sa.or_(
                QueueCertificate.unique_fqdn_set_id == filters["unique_fqdn_set_id"],
                QueueCertificate.unique_fqdn_set_id__source == filters["unique_fqdn_set_id"],
            )
        )
    if "certificate_signed_id" in filters:
        statement = statement.where(
            sa.or_(
                QueueCertificate.certificate_signed_id__source == filters["certificate_signed_id"],
                QueueCertificate.certificate_signed_id__generated == filters["certificate_signed_id"],
            )
        )
    for column in ("private_key_id", "acme_account_id"):
        if column in filters:
            statement = statement.where(getattr(QueueCertificate, column) == filters[column])
    if which == "unprocessed":
        return statement.where(QueueCertificate.is_active.is_(True)).order_by(QueueCertificate.id.asc())
    if which == "successes":
        statement = statement.where(QueueCertificate.is_active.is_(False), QueueCertificate.process_result.is_(True))
    elif which == "failures":
        statement = statement.where(QueueCertificate.is_active.is_(False), QueueCertificate.process_result.is_(False))
    elif which != "all":
        raise ValueError(which)
    return statement.order_by(QueueCertificate.id.desc())


def get__QueueCertificate__by_id(ctx, queue_certificate_id: int) -> Optional[QueueCertificate]:
    return ctx.dbsession.get(QueueCertificate, queue_certificate_id)


def get__QueueCertificate__count_waiting(ctx) -> int:
    return ctx.dbsession.scalar(
        sa.select(sa.func.count()).select_from(QueueCertificate).where(QueueCertificate.is_active.is_(True))
    )


def get__QueueCertificate__count_ready(ctx) -> int:
    """Waiting items a processor can take now (not deferred by a rate limit)."""
    table = QueueCertificate.__table__
    return ctx.dbsession.scalar(
        sa.select(sa.func.count())
        .select_from(table)
        .where(table.c.is_active.is_(True), _is_ready(table.c, ctx.timestamp))
    )


def get__QueueCertificate__waiting_by_set(ctx, unique_fqdn_set_id: int) -> Optional[QueueCertificate]:
    return ctx.dbsession.scalars(
        sa.select(QueueCertificate).where(
            QueueCertificate.unique_fqdn_set_id == unique_fqdn_set_id, QueueCertificate.is_active.is_(True)
        )
    ).first()


# --- enqueue


def queue_certificates__insert(
    ctx,
    dbSource: Union[AcmeOrder, CertificateSigned, UniqueFQDNSet],
    dbAccount: Optional[AcmeAccount] = None,
    private_key_strategy: Optional[str] = None,
    dbPrivateKey: Optional[PrivateKey] = None,
    private_key_cycle__renewal: Optional[str] = None,
    dbEvent=None,
    field: Optional[str] = None,
    dbSet: Optional[UniqueFQDNSet] = None,
    domain_names_dns01: Optional[Iterable[str]] = None,
) -> QueueCertificate:
    """Enqueue the renewal of an AcmeOrder, a CertificateSigned or a UniqueFQDNSet (the item's one
    ``*__source``). What is not given comes from the source's order: its account, its renewal
    cycle, its specified key while usable (else ``deferred-associate``); a set has no order, so
    it needs ``dbAccount``. ``dbSet`` (the names to order) defaults to the source's set; ``update``
    gives the set of a certificate's active names.

    The item records its dns-01 names (``QueueCertificate.domain_names_dns01``):
    ``domain_names_dns01`` when given (the freeform form's, validated by the caller), else the
    types of the source's order (``OrderSpec.from_renewal_source``; without an order: wildcards).

    :raises errors.InvalidRequest: (on ``field``, else the account's or the key's field) no
        usable account, a bad strategy/cycle/key, or an item for the same set already waiting;
        (``errors.DomainBlocklisted``) one of the set's names is blocklisted.
    """
    if dbSet is None:
        dbSet = dbSource if isinstance(dbSource, UniqueFQDNSet) else dbSource.unique_fqdn_set
    # an existing set made before a name was blocklisted: no item is queued to order it
    validate.refuse_blocklisted(ctx, dbSet.domains_as_list, field=field or "queue_source")
    spec = OrderSpec.from_renewal_source(
        ctx,
        dbSource,
        dbSet,
        dbAccount=dbAccount,
        private_key_strategy=private_key_strategy,
        dbPrivateKey=dbPrivateKey,
        private_key_cycle__renewal=private_key_cycle__renewal,
    )
    # the choices only: the set's names exist already, and are checked when the item is ordered
    spec = spec.validate(ctx, names=False)
    dbAccount, dbPrivateKey = spec.dbAccount, spec.dbPrivateKey
    dns01 = list(domain_names_dns01) if domain_names_dns01 is not None else spec.names_for("dns-01")

    def _already_waiting(dbWaiting: QueueCertificate) -> errors.InvalidRequest:
        return errors.InvalidRequest(
            "Queue item %s is already waiting to renew these domain names." % dbWaiting.id, field=field or "queue_source"
        )

    dbWaiting = get__QueueCertificate__waiting_by_set(ctx, dbSet.id)
    if dbWaiting is not None:
        raise _already_waiting(dbWaiting)

    def _insert() -> QueueCertificate:
        dbEventInsert = dbEvent
        if dbEventInsert is None:
            dbEventInsert = log__OperationsEvent(
                ctx, "QueueCertificate__insert", {"source": type(dbSource).__name__, "source_id": dbSource.id}
            )
        dbQueue = QueueCertificate()
        dbQueue.is_active = True
        dbQueue.timestamp_created = ctx.timestamp
        dbQueue.acme_account_id = dbAccount.id
        dbQueue.private_key_id = dbPrivateKey.id
        dbQueue.private_key_strategy_id__requested = model_utils.PrivateKeyStrategy.from_string(spec.private_key_strategy)
        dbQueue.private_key_cycle_id__renewal = model_utils.PrivateKeyCycle.from_string(spec.private_key_cycle__renewal)
        dbQueue.unique_fqdn_set_id = dbSet.id
        dbQueue.domain_names_dns01 = ",".join(sorted(dns01)) or None
        if isinstance(dbSource, AcmeOrder):
            dbQueue.acme_order_id__source = dbSource.id
        elif isinstance(dbSource, CertificateSigned):
            dbQueue.certificate_signed_id__source = dbSource.id
        else:
            dbQueue.unique_fqdn_set_id__source = dbSource.id
        dbQueue.operations_event_id__created = dbEventInsert.id
        ctx.dbsession.add(dbQueue)
        ctx.dbsession.flush(objects=[dbQueue])
        log__OperationsObjectEvent(ctx, "QueueCertificate__insert", dbQueue, dbEventInsert)
        return dbQueue

    # The check above is a courtesy; the partial unique index (one waiting item per set) is the
    # rule: a parallel enqueue that inserted first makes this one the clear "already waiting".
    dbQueue, is_created = insert_or_find(
        ctx, _insert, lambda: get__QueueCertificate__waiting_by_set(ctx, dbSet.id)
    )
    if not is_created:
        raise _already_waiting(dbQueue)
    return dbQueue


def queue_certificates__insert_names(
    ctx,
    domain_names: Union[Iterable[str], Mapping[str, str]],
    dbAccount: AcmeAccount,
    private_key_strategy: str = "deferred-associate",
    dbPrivateKey: Optional[PrivateKey] = None,
    private_key_cycle__renewal: Optional[str] = None,
) -> QueueCertificate:
    """Freeform: enqueue a certificate for these names (their UniqueFQDNSet is the source).
    ``domain_names``: each name with its challenge type (``OrderSpec.domains_challenged``), or
    names (http-01). The names and the choices are validated as an order's
    (``OrderSpec.validate``: one type per name, a wildcard only with dns-01, a dns-01 name only
    with a DNS backend or an acme-dns account) before anything is written; the item records the
    dns-01 names.

    :raises errors.InvalidRequest: (on ``domain_names``) bad names; else as ``queue_certificates__insert``.
    """
    challenged = dict(domain_names) if isinstance(domain_names, Mapping) else {n: "http-01" for n in domain_names}
    fields = {"private_key_strategy": private_key_strategy, "dbPrivateKey": dbPrivateKey}
    if private_key_cycle__renewal is not None:
        fields["private_key_cycle__renewal"] = private_key_cycle__renewal
    spec = OrderSpec(dbAccount, challenged, **fields).validate(ctx)
    dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(ctx, spec.domain_names, allow_wildcard=True, field="domain_names")
    return queue_certificates__insert(
        ctx,
        dbSet,
        dbAccount=dbAccount,
        private_key_strategy=private_key_strategy,
        dbPrivateKey=dbPrivateKey,
        private_key_cycle__renewal=private_key_cycle__renewal,
        field="domain_names",
        domain_names_dns01=spec.names_for("dns-01"),
    )


# --- cancel


def queue_certificates__cancel(ctx, dbQueue: QueueCertificate) -> None:
    """Take a waiting renewal item out of the queue (see ``_cancel``)."""
    _cancel(ctx, dbQueue, "queue item", "QueueCertificate", "queue_certificate_id")


# --- update


def _is_newest_of_set(ctx, dbCertificate: CertificateSigned) -> bool:
    """No other active certificate for the same set was issued later (notBefore; ties: the newer
    row wins). Issued later, not ending later: a renewal may be shorter than what it renews (a
    90-day certificate renewed by a short-lived CA, a certbot lineage renewed by an account on
    another CA); the renewal is then what must be renewed next, though the old one ends later."""
    later = ctx.dbsession.scalar(
        sa.select(sa.func.count())
        .select_from(CertificateSigned)
        .where(
            CertificateSigned.unique_fqdn_set_id == dbCertificate.unique_fqdn_set_id,
            CertificateSigned.id != dbCertificate.id,
            CertificateSigned.is_active.is_(True),
            sa.or_(
                CertificateSigned.timestamp_not_before > dbCertificate.timestamp_not_before,
                sa.and_(
                    CertificateSigned.timestamp_not_before == dbCertificate.timestamp_not_before,
                    CertificateSigned.id > dbCertificate.id,
                ),
            ),
        )
    )
    return not later


# An item claimed this recently and still without an outcome is being processed (by this or
# another instance): ``update`` does not enqueue its certificate again meanwhile. Older than
# this, the processor is taken to have died, and the certificate is a candidate again.
IN_FLIGHT_SECONDS = QueueCertificate.IN_FLIGHT_SECONDS


def _is_renewed_already(ctx, dbCertificate: CertificateSigned) -> bool:
    """A renewal of this certificate succeeded, was cancelled by the user or is being processed
    right now (a failed one may be tried again; a waiting one is reported by ``update``), or an
    order renewing it has its certificate."""
    in_flight = QueueCertificate.in_flight(ctx.timestamp)
    queued = ctx.dbsession.scalar(
        sa.select(sa.func.count())
        .select_from(QueueCertificate)
        .where(
            QueueCertificate.certificate_signed_id__source == dbCertificate.id,
            sa.or_(QueueCertificate.is_active.is_(None), QueueCertificate.process_result.is_(True), in_flight),
        )
    )
    if queued:
        return True
    return bool(
        ctx.dbsession.scalar(
            sa.select(sa.func.count())
            .select_from(AcmeOrder)
            .where(
                AcmeOrder.certificate_signed_id__renewal_of == dbCertificate.id,
                AcmeOrder.certificate_signed_id.is_not(None),
            )
        )
    )


# with ``queue_certificates_renewal_days`` set, the spread is also bounded by this many days
SPREAD_MAX_DAYS_FIXED = 10


def renewal_due_at(ctx, dbCertificate: CertificateSigned) -> datetime.datetime:
    """When ``update`` renews this certificate (the one place that decides it: ARI may extend it).

    The base point: ``queue_certificates_renewal_days`` before notAfter when that is set, else when
    ``queue_certificates_renewal_fraction`` (1/3) of the lifetime (notAfter - notBefore) remains.
    It moves earlier by a share, fixed per certificate (from its PEM digest), of up to
    ``queue_certificates_renewal_spread`` of the lifetime, so that certificates issued or
    imported together spread their renewals over that window.

    ARI (RFC 9773): when the certificate's CA offers ``renewalInfo``, the time chosen inside the
    window it suggests (``ari.ari_renewal_time``) replaces all of the above: the CA may ask for an
    early renewal (a revocation to come) or spread its own load. Never later than notAfter.
    """
    not_after = dbCertificate.timestamp_not_after
    when = ari.ari_renewal_time(ctx, dbCertificate)
    if when is not None:
        return min(when, not_after)
    return renewal_point(ctx, dbCertificate)


def renewal_point(ctx, dbCertificate: CertificateSigned) -> datetime.datetime:
    """``renewal_due_at`` without ARI: the renewal point the options give (the base point moved
    earlier by the certificate's share of the spread). Never asks the CA."""
    not_after = dbCertificate.timestamp_not_after
    lifetime = not_after - dbCertificate.timestamp_not_before
    if lifetime <= datetime.timedelta(0):
        return not_after
    days = ctx.settings.queue_certificates_renewal_days
    window = lifetime * ctx.settings.queue_certificates_renewal_spread
    if days is not None:
        base = not_after - datetime.timedelta(days=days)
        window = min(window, datetime.timedelta(days=SPREAD_MAX_DAYS_FIXED))
    else:
        base = not_after - lifetime * ctx.settings.queue_certificates_renewal_fraction
    share = int(dbCertificate.cert_pem_sha256[:15], 16) / float(16**15)  # uniform in [0, 1)
    return base - window * share


def certificate_calendar(ctx, statement) -> dict:
    """The dates of the certificates a ``get.query__CertificateSigned`` statement selects (a
    Domain's, a set's), counted per period (UTC):

    * ``issues``: every certificate (active or not) by the ISO week of its notBefore,
      ``"YYYY.WW"`` (the 2021 key: the CAs' rate limits count issuance per week);
    * ``issued``: the same by day, ``"YYYY-MM-DD"``;
    * ``expires``: the active certificates by the day of their notAfter;
    * ``renews``: the active certificates by the day the renewal queue's ``update`` renews them
      (``renewal_point``: the options' rule; a CA's ARI window, which ``update`` may follow, is
      not asked for: a read never calls the CA).

    Each mapping is sorted by its key.
    """
    issues: Dict[str, int] = {}
    issued: Dict[str, int] = {}
    expires: Dict[str, int] = {}
    renews: Dict[str, int] = {}

    def bump(counts: Dict[str, int], key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    for dbCertificate in ctx.dbsession.scalars(statement.order_by(None).order_by(CertificateSigned.id)).unique():
        not_before = dbCertificate.timestamp_not_before
        iso = not_before.isocalendar()
        bump(issues, "%04d.%02d" % (iso[0], iso[1]))
        bump(issued, not_before.strftime("%Y-%m-%d"))
        if dbCertificate.is_active:
            bump(expires, dbCertificate.timestamp_not_after.strftime("%Y-%m-%d"))
            bump(renews, renewal_point(ctx, dbCertificate).strftime("%Y-%m-%d"))
    named = (("issues", issues), ("issued", issued), ("expires", expires), ("renews", renews))
    return {name: dict(sorted(counts.items())) for name, counts in named}


def _is_replaced(ctx, dbCertificate: CertificateSigned, dbSet: UniqueFQDNSet) -> bool:
    """Another active certificate for the names to renew (``dbSet``) was issued later
    (``_is_newest_of_set``; it used to be "ends later", which left a shorter renewal unrenewed
    until the longer, older certificate had expired: found by `make simulate`)."""
    if dbSet.id == dbCertificate.unique_fqdn_set_id:
        return not _is_newest_of_set(ctx, dbCertificate)
    return bool(
        ctx.dbsession.scalar(
            sa.select(sa.func.count())
            .select_from(CertificateSigned)
            .where(
                CertificateSigned.unique_fqdn_set_id == dbSet.id,
                CertificateSigned.is_active.is_(True),
                CertificateSigned.timestamp_not_before > dbCertificate.timestamp_not_before,
            )
        )
    )


def _active_names_set(ctx, dbCertificate: CertificateSigned) -> Tuple[Optional[UniqueFQDNSet], List[str]]:
    """The set to renew: the certificate's own when all its names are active domains, else the set
    of its active names (found or created); None when none is active. Also: the inactive names.

    :raises errors.DomainBlocklisted: an active name was blocklisted since (``update`` reports it).
    """
    dbSet = dbCertificate.unique_fqdn_set
    domains = [to_d.domain for to_d in dbSet.to_domains]
    inactive = sorted(d.domain_name for d in domains if not d.is_active)
    if not inactive:
        # the set exists: nothing re-checks its names on the way, so the blocklist is read here
        validate.refuse_blocklisted(ctx, [d.domain_name for d in domains], field="domain_names")
        return dbSet, []
    active = [d.domain_name for d in domains if d.is_active]
    if not active:
        return None, inactive
    dbActiveSet, _ = getcreate__UniqueFQDNSet__by_domain_names(ctx, active)
    return dbActiveSet, inactive


def _renewal_account(ctx, dbCertificate: CertificateSigned) -> Tuple[Optional[AcmeAccount], str]:
    """The account a renewal uses and where it came from: the order's, else the one stored on
    the certificate (a certbot lineage's), else the global default account."""
    dbOrder = dbCertificate.acme_order
    if dbOrder is not None:
        return dbOrder.acme_account, "acme_order"
    if dbCertificate.acme_account__renewal is not None:
        return dbCertificate.acme_account__renewal, "certbot_lineage"
    return get.get__AcmeAccount__global_default(ctx), "global_default"


def _renewal_candidates(ctx, certificate_ids: Optional[Iterable[int]] = None) -> List[CertificateSigned]:
    """What ``update`` considers, the active certificate that expires first first, then the lapsed ones:

    * every active certificate, whatever its source (an ACME order, an upload, a certbot
      import), whose renewal point (``renewal_due_at``) has come, unless its order does not
      renew automatically or was renewed, or it was renewed already (``_is_renewed_already``);
      whether a newer certificate replaced it is decided per set of active names by ``update``;
    * certificates deactivated or expired that came from an order (have an account) when no other
      active, unexpired certificate covers their set (the latest such certificate of the set).

    ``certificate_ids``: only these certificates (and, for the lapsed, their sets) are considered
    (``requeue_due_retries``); the same rules, without scanning every certificate.
    """
    now = ctx.timestamp
    statement = (
        sa.select(CertificateSigned)
        .outerjoin(AcmeOrder, AcmeOrder.certificate_signed_id == CertificateSigned.id)
        .where(
            CertificateSigned.is_active.is_(True),
            sa.or_(AcmeOrder.id.is_(None), sa.and_(AcmeOrder.is_auto_renew.is_(True), AcmeOrder.is_renewed.is_not(True))),
        )
        .order_by(CertificateSigned.id.asc())
    )
    only_sets = None
    if certificate_ids is not None:
        certificate_ids = list(certificate_ids)
        statement = statement.where(CertificateSigned.id.in_(certificate_ids))
        only_sets = (
            sa.select(CertificateSigned.unique_fqdn_set_id)
            .where(CertificateSigned.id.in_(certificate_ids))
            .scalar_subquery()
        )
    active = ctx.dbsession.scalars(statement).all()
    candidates = [c for c in active if renewal_due_at(ctx, c) <= now and not _is_renewed_already(ctx, c)]
    # the soonest to expire first: the queue is processed in this order, so after an outage or a
    # large import the certificates with the least time left are renewed first
    candidates.sort(key=lambda c: (c.timestamp_not_after, c.id))
    covered = (
        sa.select(CertificateSigned.unique_fqdn_set_id)
        .where(CertificateSigned.is_active.is_(True), CertificateSigned.timestamp_not_after > now)
        .scalar_subquery()
    )
    statement = (
        sa.select(CertificateSigned)
        .join(AcmeOrder, AcmeOrder.certificate_signed_id == CertificateSigned.id)
        .where(
            CertificateSigned.is_active.is_not(True),
            CertificateSigned.unique_fqdn_set_id.not_in(covered),
        )
        .order_by(CertificateSigned.timestamp_not_after.desc(), CertificateSigned.id.desc())
    )
    if only_sets is not None:
        statement = statement.where(CertificateSigned.unique_fqdn_set_id.in_(only_sets))
    lapsed = ctx.dbsession.scalars(statement).all()
    seen_sets = {c.unique_fqdn_set_id for c in candidates}
    for dbCertificate in lapsed:
        if dbCertificate.unique_fqdn_set_id in seen_sets:
            continue
        seen_sets.add(dbCertificate.unique_fqdn_set_id)  # only the latest of the set
        if not _is_renewed_already(ctx, dbCertificate):
            candidates.append(dbCertificate)
    return candidates


def _enqueue_candidate(
    ctx,
    dbCertificate: CertificateSigned,
    dbEvent,
    seen_sets: set,
    queued: List[str],
    skipped: Dict[str, str],
    no_account: Dict[str, str],
) -> None:
    """One renewal candidate through ``update``'s rules (names, replaced, one waiting item per set,
    back-off, account): enqueued (its item id appended to ``queued``) or the reason in ``skipped``."""
    key = str(dbCertificate.id)
    try:
        dbSet, inactive = _active_names_set(ctx, dbCertificate)
    except errors.InvalidRequest as exc:  # an active name blocklisted since: reported, the rest go on
        skipped[key] = "invalid_names: %s" % exc.message
        return
    if dbSet is None:
        skipped[key] = "no_active_domains: %s" % ", ".join(inactive)
        return
    if dbCertificate.is_active and _is_replaced(ctx, dbCertificate, dbSet):
        return
    if dbSet.id in seen_sets or get__QueueCertificate__waiting_by_set(ctx, dbSet.id) is not None:
        skipped[key] = "already_queued"
        return
    dbFailed = get__QueueCertificate__backoff_by_set(ctx, dbSet.id)
    if dbFailed is not None:
        skipped[key] = "backoff: until %s (attempt %s)" % (
            dbFailed.timestamp_retry_after.isoformat(),
            dbFailed.count_failures,
        )
        return
    dbAccount, account_source = _renewal_account(ctx, dbCertificate)
    if dbAccount is None or not dbAccount.is_usable:
        reason = (
            "no ACME account: no order, no certbot lineage account and no global default account"
            if dbAccount is None
            else "the ACME account %s (%s) is not usable" % (dbAccount.id, account_source)
        )
        no_account[key] = reason
        skipped[key] = "no_account: " + reason
        dbNoAccount = log__OperationsEvent(
            ctx,
            "QueueCertificate__update__no_account",
            {"certificate_signed_id": key, "reason": reason},
            child_of=dbEvent,
        )
        log__OperationsObjectEvent(ctx, "QueueCertificate__update__no_account", dbCertificate, dbNoAccount)
        coverage.raise_no_usable_account(ctx, dbCertificate, dbAccount, reason)
        return
    try:
        dbQueue = queue_certificates__insert(ctx, dbCertificate, dbAccount=dbAccount, dbSet=dbSet, dbEvent=dbEvent)
    except errors.InvalidRequest as exc:
        # an enqueue running in parallel (another instance's update) won the set's one item
        waiting = get__QueueCertificate__waiting_by_set(ctx, dbSet.id)
        skipped[key] = "already_queued" if waiting is not None else exc.message
        return
    seen_sets.add(dbSet.id)
    queued.append(str(dbQueue.id))


def requeue_due_retries(ctx, dbEvent) -> List[str]:
    """Enqueue again, now, the sets whose last renewal failed and whose back-off ended within the
    last ``queue_certificates_retry_base`` seconds, with ``update``'s rules (``_enqueue_candidate``).

    ``process`` calls it first, so a failed renewal is tried again when its back-off ends (within
    one run of the 5-minute cron), not at the next ``update`` (daily: a day of a 10-day
    certificate's life per failure, found by `make simulate`). A back-off that ended earlier than
    that is ``update``'s, as before: this stays one small query when nothing is due. An item of
    the set enqueued, processed or cancelled after the failure means it is handled already.

    :returns: the ids of the items enqueued.
    """
    later = aliased(QueueCertificate)
    horizon = ctx.timestamp - datetime.timedelta(seconds=ctx.settings.queue_certificates_retry_base)
    failed = ctx.dbsession.execute(
        sa.select(QueueCertificate.certificate_signed_id__source, QueueCertificate.acme_order_id__source)
        .where(
            QueueCertificate.is_active.is_(False),
            QueueCertificate.process_result.is_(False),
            QueueCertificate.timestamp_retry_after <= ctx.timestamp,
            QueueCertificate.timestamp_retry_after > horizon,
            ~sa.exists().where(
                later.unique_fqdn_set_id == QueueCertificate.unique_fqdn_set_id, later.id > QueueCertificate.id
            ),
        )
        .order_by(QueueCertificate.id.asc())
    ).all()
    if not failed:
        return []
    certificate_ids = {certificate_id for certificate_id, _ in failed if certificate_id is not None}
    order_ids = [order_id for certificate_id, order_id in failed if certificate_id is None and order_id is not None]
    if order_ids:  # an item renewing an order renews its certificate (a set alone is the user's to retry)
        certificate_ids.update(
            ctx.dbsession.scalars(
                sa.select(AcmeOrder.certificate_signed_id).where(
                    AcmeOrder.id.in_(order_ids), AcmeOrder.certificate_signed_id.is_not(None)
                )
            ).all()
        )
    queued: List[str] = []
    skipped: Dict[str, str] = {}
    no_account: Dict[str, str] = {}
    seen_sets: set = set()
    if certificate_ids:
        for dbCertificate in _renewal_candidates(ctx, certificate_ids=certificate_ids):
            _enqueue_candidate(ctx, dbCertificate, dbEvent, seen_sets, queued, skipped, no_account)
    return queued


def queue_certificates__update(ctx) -> Dict[str, Any]:
    """Enqueue every renewal candidate (``_renewal_candidates``) once: not when an item for the
    same set is waiting already (the partial unique index makes it once across instances).

    Names: only active domains are renewed; a certificate with inactive names renews its active
    names (their own set); with none active it is skipped (``no_active_domains``). A certificate
    replaced by a later active certificate for the same names is skipped silently (nothing to do).
    Account: ``_renewal_account``; none, or one no longer usable, is reported in ``no_account``
    (and ``skipped``) and logged as a ``QueueCertificate__update__no_account`` event.
    Back-off: a set whose last renewal failed is skipped until its ``timestamp_retry_after``
    (``skipped``: ``backoff: until <time> (attempt n)``; see ``_schedule_retry``).

    Then coverage assurance (``coverage``): events a replacement fixed are resolved, and
    certificates expiring with nothing renewing them are reported; a certificate with no usable
    account raises its event too.

    :returns: ``{"count_queued", "count_skipped", "queue_certificate_ids", "skipped",
        "no_account", "coverage_assurance": {"resolved", "expiring"}}``; one
        ``QueueCertificate__update`` event records it.
    """
    settings = ctx.settings
    when = (
        {"renewal_days": settings.queue_certificates_renewal_days}
        if settings.queue_certificates_renewal_days is not None
        else {"renewal_fraction": round(settings.queue_certificates_renewal_fraction, 4)}
    )
    when["renewal_spread"] = round(settings.queue_certificates_renewal_spread, 4)
    dbEvent = log__OperationsEvent(ctx, "QueueCertificate__update", dict(when))
    queued: List[str] = []
    skipped: Dict[str, str] = {}
    no_account: Dict[str, str] = {}
    seen_sets = set()
    for dbCertificate in _renewal_candidates(ctx):
        _enqueue_candidate(ctx, dbCertificate, dbEvent, seen_sets, queued, skipped, no_account)
    # coverage assurance: what was replaced is resolved; what expires with nothing renewing it
    # (after the enqueueing above, so a certificate just queued is not reported) is raised
    coverage_resolved = coverage.resolve_replaced_all(ctx)
    coverage_expiring = coverage.check_expiring(ctx)
    results = {
        "count_queued": len(queued),
        "count_skipped": len(skipped),
        "queue_certificate_ids": queued,
        "skipped": skipped,
        "no_account": no_account,
        "coverage_assurance": {"resolved": coverage_resolved, "expiring": coverage_expiring},
    }
    dbEvent.event_payload = utils.dumps_payload(utils.new_event_payload(**when, **results))
    ctx.dbsession.flush(objects=[dbEvent])
    return results


# --- process


def _is_ready(columns, now: datetime.datetime):
    """A waiting item is ready unless a rate limit deferred it past ``now`` (``timestamp_not_before``)."""
    return sa.or_(columns.timestamp_not_before.is_(None), columns.timestamp_not_before <= now)


def take_queued_certificate(ctx) -> Optional[QueueCertificate]:
    """Claim the oldest waiting item that is ready (not deferred by a rate limit past now) for this
    process with the guarded UPDATE of ``take_queued_domains`` (one row): it is marked processed
    (``is_active`` False) with ``timestamp_process_attempt``; ``process_result`` stays NULL until
    the outcome is known. The caller commits the claim before talking to an ACME server."""
    picked = (
        sa.select(QueueCertificate.id)
        .where(QueueCertificate.is_active.is_(True), _is_ready(QueueCertificate.__table__.c, ctx.timestamp))
        .order_by(QueueCertificate.id.asc())
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: nothing
    )
    table = QueueCertificate.__table__
    statement = (
        sa.update(table)
        .where(
            table.c.is_active.is_(True),
            _is_ready(table.c, ctx.timestamp),
            table.c.id.in_(picked.scalar_subquery()),
        )
        .values(is_active=False, timestamp_process_attempt=ctx.timestamp)
        .returning(table.c.id)
    )
    ids = ctx.dbsession.execute(statement).scalars().all()
    if not ids:
        return None
    return ctx.dbsession.scalars(
        sa.select(QueueCertificate)
        .where(QueueCertificate.id == ids[0])
        .execution_options(populate_existing=True)
    ).one()


def _stalled_order(ctx, dbQueue: QueueCertificate) -> Optional[AcmeOrder]:
    """The newest renewal order of this item's set and account that a failed attempt left in play
    (created on the server, still processing, no certificate), if any."""
    return ctx.dbsession.scalars(
        sa.select(AcmeOrder)
        .where(
            AcmeOrder.unique_fqdn_set_id == dbQueue.unique_fqdn_set_id,
            AcmeOrder.acme_account_id == dbQueue.acme_account_id,
            AcmeOrder.acme_order_type_id == model_utils.AcmeOrderType.from_string("Queue - Certificate Renewal"),
            AcmeOrder.is_processing.is_(True),
            AcmeOrder.order_url.is_not(None),
            AcmeOrder.certificate_signed_id.is_(None),
            AcmeOrder.acme_status_order_id.in_(
                [model_utils.Acme_Status_Order.from_string(s) for s in ("pending", "ready", "processing", "valid")]
            ),
        )
        .order_by(AcmeOrder.id.desc())
    ).first()


def _renewal_order(ctx, dbQueue: QueueCertificate) -> AcmeOrder:
    """Order the item's certificate (``OrderSpec.from_queue_certificate``: its account, names,
    key strategy and renewal cycle), or carry on the order an earlier attempt left in play."""
    spec = OrderSpec.from_queue_certificate(ctx, dbQueue)
    # validated before the stalled order is carried on: an account no longer usable is a failure
    spec = spec.validate(ctx, names=False)
    dbStalled = _stalled_order(ctx, dbQueue)
    if dbStalled is not None:
        # an earlier attempt's order, left in play by a failure of the server or the network:
        # carry it on (the server keeps its authorizations); a pending one would otherwise block
        # every new order for these names (`block_competing_challenges`) until it expired
        try:
            actions_acme.process_order(ctx, dbStalled)
            return dbStalled
        except (actions_acme.AcmeOrderFailed, errors.InvalidTransition, errors.AcmeNotFound):
            pass  # the server gave it up or lost it (recorded on the order): a new order
    return actions_acme.place_order(ctx, spec)


def _attempted_order(ctx, exc: Exception, dbQueue: QueueCertificate, before_id: int) -> Optional[AcmeOrder]:
    """This attempt's order, if one was recorded here before the failure."""
    if isinstance(exc, actions_acme.AcmeOrderFailed) and exc.acme_order_id:
        return ctx.dbsession.get(AcmeOrder, exc.acme_order_id)
    return ctx.dbsession.scalars(
        sa.select(AcmeOrder)
        .where(
            AcmeOrder.id > before_id,
            AcmeOrder.unique_fqdn_set_id == dbQueue.unique_fqdn_set_id,
            AcmeOrder.acme_order_type_id == model_utils.AcmeOrderType.from_string("Queue - Certificate Renewal"),
        )
        .order_by(AcmeOrder.id.desc())
    ).first()


def _record_result(
    ctx,
    dbQueue: QueueCertificate,
    dbOrder: Optional[AcmeOrder],
    error: Optional[str],
    dbParent,
    exc: Optional[Exception] = None,
):
    """The outcome on the item and in the log; a failure also gets its back-off
    (``_schedule_retry``; ``exc`` may carry the CA's Retry-After)."""
    success = error is None
    dbQueue.is_active = False
    dbQueue.process_result = success
    dbQueue.timestamp_processed = ctx.timestamp
    if dbOrder is not None:
        dbQueue.acme_order_id__generated = dbOrder.id
        dbQueue.certificate_request_id__generated = dbOrder.certificate_request_id
        dbQueue.certificate_signed_id__generated = dbOrder.certificate_signed_id
    if not success:
        _schedule_retry(ctx, dbQueue, exc)
    event_type = "QueueCertificate__process__success" if success else "QueueCertificate__process__fail"
    payload = {
        "queue_certificate_id": str(dbQueue.id),
        "acme_order_id": str(dbOrder.id) if dbOrder is not None else None,
        "status": "success" if success else "error - %s" % error,
    }
    if not success:
        payload["retry_after"] = dbQueue.timestamp_retry_after.isoformat()
        payload["count_failures"] = dbQueue.count_failures
    dbEvent = log__OperationsEvent(ctx, event_type, payload, child_of=dbParent)
    log__OperationsObjectEvent(ctx, event_type, dbQueue, dbEvent)
    ctx.dbsession.flush()
    if not success:
        # a failed renewal is a coverage event (once per certificate), notified with this commit
        coverage.raise_renewal_failed(ctx, dbQueue, error)


def _defer(ctx, dbQueue: QueueCertificate, exc: errors.RateLimitDeferred, dbParent) -> None:
    """Give a claimed item back to the queue, not to be taken before ``exc.not_before``. An item
    for the same set enqueued meanwhile (one waiting item per set) is deferred instead, and this
    one cancelled."""
    dbWaiting = get__QueueCertificate__waiting_by_set(ctx, dbQueue.unique_fqdn_set_id)
    if dbWaiting is not None:
        dbQueue.is_active = None
        dbQueue.timestamp_processed = ctx.timestamp
        dbWaiting.timestamp_not_before = exc.not_before
    else:
        dbQueue.is_active = True
        dbQueue.timestamp_not_before = exc.not_before
    payload = {
        "queue_certificate_id": str(dbQueue.id),
        "status": "deferred - %s" % exc.message,
        "limit": exc.limit,
        "not_before": exc.not_before.isoformat(),
    }
    dbEvent = log__OperationsEvent(ctx, "QueueCertificate__process__deferred", payload, child_of=dbParent)
    log__OperationsObjectEvent(ctx, "QueueCertificate__process__deferred", dbQueue, dbEvent)
    ctx.dbsession.flush()


def backoff_wait(
    base: int, maximum: int, attempt: int, not_after: Optional[datetime.datetime], now: datetime.datetime
) -> datetime.timedelta:
    """How long a set waits after its ``attempt``-th failure in a row: ``base * 2^(attempt-1)``
    seconds, at most ``maximum``, and at most a quarter of the time its certificate has left (so
    retries keep coming, ever closer, before notAfter); past notAfter, at most ``base``."""
    wait = datetime.timedelta(seconds=min(base * 2 ** min(max(attempt, 1) - 1, 40), maximum))
    if not_after is not None:
        left = not_after - now
        wait = min(wait, left / 4) if left > datetime.timedelta(0) else min(wait, datetime.timedelta(seconds=base))
    return wait


def _item_not_after(ctx, dbQueue: QueueCertificate) -> Optional[datetime.datetime]:
    """The end of the certificate the item renews: its source certificate's, its source order's,
    else the latest active certificate of its set (None: nothing covers it)."""
    dbCertificate = dbQueue.certificate_signed__source
    if dbCertificate is None and dbQueue.acme_order__source is not None:
        dbCertificate = dbQueue.acme_order__source.certificate_signed
    if dbCertificate is not None:
        return dbCertificate.timestamp_not_after
    return ctx.dbsession.scalar(
        sa.select(sa.func.max(CertificateSigned.timestamp_not_after)).where(
            CertificateSigned.unique_fqdn_set_id == dbQueue.unique_fqdn_set_id, CertificateSigned.is_active.is_(True)
        )
    )


def _last_outcome_of_set(ctx, unique_fqdn_set_id: int, exclude_id: Optional[int] = None) -> Optional[QueueCertificate]:
    """The set's latest processed item with an outcome (success or failure)."""
    statement = sa.select(QueueCertificate).where(
        QueueCertificate.unique_fqdn_set_id == unique_fqdn_set_id,
        QueueCertificate.is_active.is_(False),
        QueueCertificate.process_result.is_not(None),
    )
    if exclude_id is not None:
        statement = statement.where(QueueCertificate.id != exclude_id)
    return ctx.dbsession.scalars(statement.order_by(QueueCertificate.id.desc()).limit(1)).first()


def _schedule_retry(ctx, dbQueue: QueueCertificate, exc: Optional[Exception]) -> None:
    """A failed item's back-off: ``count_failures`` (1 + the failures of its set in a row before it,
    since the last success) and ``timestamp_retry_after`` (``backoff_wait``; the CA's Retry-After
    when later: asking earlier would only be refused)."""
    dbPrevious = _last_outcome_of_set(ctx, dbQueue.unique_fqdn_set_id, exclude_id=dbQueue.id)
    attempt = 1
    if dbPrevious is not None and dbPrevious.process_result is False:
        attempt = (dbPrevious.count_failures or 1) + 1
    settings = ctx.settings
    wait = backoff_wait(
        settings.queue_certificates_retry_base,
        settings.queue_certificates_retry_max,
        attempt,
        _item_not_after(ctx, dbQueue),
        ctx.timestamp,
    )
    retry_at = ctx.timestamp + wait
    if isinstance(exc, errors.AcmeServerError) and exc.retry_after is not None:
        retry_at = max(retry_at, ctx.timestamp + datetime.timedelta(seconds=exc.retry_after))
    dbQueue.count_failures = attempt
    dbQueue.timestamp_retry_after = retry_at


def get__QueueCertificate__backoff_by_set(ctx, unique_fqdn_set_id: int) -> Optional[QueueCertificate]:
    """The set's failed item whose back-off has not ended yet (``update`` does not enqueue the set
    then), or None."""
    dbLast = _last_outcome_of_set(ctx, unique_fqdn_set_id)
    if dbLast is None or dbLast.process_result is not False or dbLast.timestamp_retry_after is None:
        return None
    return dbLast if dbLast.timestamp_retry_after > ctx.timestamp else None


def _renewal_results(requeued: list) -> Dict[str, Any]:
    """The answer of a renewal queue run before any item: every count 0."""
    return {
        "count_total": 0,
        "count_success": 0,
        "count_fail": 0,
        "count_deferred": 0,
        "count_remaining": 0,
        "count_waiting_later": 0,
        "failures": {},
        "deferred": {},
        "requeued": requeued,
        "QueueCertificate": None,
    }


def queue_certificates__process(ctx) -> Dict[str, Any]:
    """Renew ONE item: the oldest waiting one that is ready (claimed by ``take_queued_certificate``
    and committed before any ACME call), with an order of type "Queue - Certificate Renewal"
    carried through to its certificate (``process_single``).

    An order the CA's rate limits do not allow now (``errors.RateLimitDeferred``, nothing sent) is
    not a failure: the item goes back to waiting, not before the time the window allows it
    (``count_deferred``, ``deferred``: item id: why). A failure gets a back-off
    (``_schedule_retry``): ``update`` does not enqueue its set again before then, and the first
    ``process`` after it ends does (``requeue_due_retries``, ``requeued``: the items it enqueued).

    The outcome is recorded on the item (``process_result``, ``timestamp_processed``, the
    generated order, CSR and certificate). A failure (an ACME error, an account no longer
    usable, an order that ends without a certificate) is recorded as ``process_result`` False,
    lands in the failures list, and this returns normally: the caller goes on with the next
    item. Any other exception is recorded the same way, then propagates. The old certificate is
    left active: the new one replaces it as the domains' latest (update-recents).

    :returns: ``{"count_total", "count_success", "count_fail", "count_deferred", "count_remaining"
        (ready now), "count_waiting_later" (deferred past now), "failures", "deferred", "requeued",
        "QueueCertificate"}`` (the item, or None when nothing was ready); the
        ``QueueCertificate__process`` event carries the counts.
    """
    dbEvent = log__OperationsEvent(ctx, "QueueCertificate__process", {})
    requeued = requeue_due_retries(ctx, dbEvent)
    dbQueue = take_queued_certificate(ctx)
    results = _renewal_results(requeued)

    def _finish_event():
        results["count_remaining"] = get__QueueCertificate__count_ready(ctx)
        results["count_waiting_later"] = get__QueueCertificate__count_waiting(ctx) - results["count_remaining"]
        payload = {k: v for k, v in results.items() if k != "QueueCertificate"}
        payload["queue_certificate_id"] = str(dbQueue.id) if dbQueue is not None else None
        dbEvent.event_payload = utils.dumps_payload(utils.new_event_payload(**payload))
        ctx.dbsession.flush(objects=[dbEvent])

    if dbQueue is None:
        _finish_event()
        return results
    results["count_total"] = 1
    results["QueueCertificate"] = dbQueue
    log__OperationsObjectEvent(ctx, "QueueCertificate__process", dbQueue, dbEvent)
    # the claim is durable before any ACME call: no other processor takes this item
    ctx.checkpoint()

    before_id = ctx.dbsession.scalar(sa.select(sa.func.max(AcmeOrder.id))) or 0
    try:
        dbOrder = _renewal_order(ctx, dbQueue)
    except errors.RateLimitDeferred as exc:
        # nothing was sent: not a failure; the item waits for the window (``_defer``)
        _defer(ctx, dbQueue, exc, dbEvent)
        results["count_deferred"] = 1
        results["deferred"][str(dbQueue.id)] = exc.message
        _finish_event()
        ctx.checkpoint()
        return results
    except Exception as exc:
        if isinstance(exc, sa.exc.SQLAlchemyError):
            raise  # the session is unusable; the item stays claimed, the event says which
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        _record_result(ctx, dbQueue, _attempted_order(ctx, exc, dbQueue, before_id), message, dbEvent, exc=exc)
        results["count_fail"] = 1
        results["failures"][str(dbQueue.id)] = message
        _finish_event()
        ctx.checkpoint()
        # a dns-01 record that could not be published fails the item like an ACME error
        if not isinstance(exc, (errors.InvalidRequest, errors.AcmeError, errors.DnsError, errors.AcmeDnsError)):
            raise
        return results
    if dbOrder.certificate_signed_id is None:
        message = "The order ended `%s` without a certificate." % dbOrder.acme_status_order
        _record_result(ctx, dbQueue, dbOrder, message, dbEvent)
        results["count_fail"] = 1
        results["failures"][str(dbQueue.id)] = message
    else:
        _record_result(ctx, dbQueue, dbOrder, None, dbEvent)
        results["count_success"] = 1
        dbSourceOrder = dbQueue.acme_order__source or (
            dbQueue.certificate_signed__source.acme_order if dbQueue.certificate_signed__source else None
        )
        if dbSourceOrder is not None:
            dbSourceOrder.is_renewed = True
        close_items_for_certificate(ctx, dbOrder.certificate_signed)
    _finish_event()
    ctx.checkpoint()
    return results


def queue_certificates__process_items(ctx, max_items: int = 1) -> Dict[str, Any]:
    """Renew up to ``max_items`` items, ``queue_process_concurrency`` at once (``run_items``): each
    is one ``queue_certificates__process`` (its claim, its rules: rate limits deferring, back-off,
    the failure recorded on the item), in a thread with its own session, until none is ready. A
    failed item does not stop the others; an exception other than the recorded failures ends the
    run after the items under way, and is raised then.

    :returns: the counts of ``queue_certificates__process`` added up (``count_remaining`` and
        ``count_waiting_later`` read at the end), ``failures``, ``deferred`` and ``requeued`` of
        every item, ``QueueCertificate`` None and ``items``: one an item processed, in the order of
        the queue (``QueueCertificate``: the item's JSON, ``result``: ``success``, ``fail`` or
        ``deferred``, ``error``).
    """
    max_items = check_max_items(max_items)
    results = _renewal_results([])
    results["items"] = []
    # the back-offs that ended go back to the queue once, before the workers start (this run's
    # event; each item gets its own as with one item a call)
    dbEvent = log__OperationsEvent(ctx, "QueueCertificate__process", {"max_items": max_items})
    results["requeued"].extend(requeue_due_retries(ctx, dbEvent))

    def work(wctx) -> Optional[ItemOutcome]:
        if get__QueueCertificate__count_ready(wctx) == 0:
            return None
        one = queue_certificates__process(wctx)
        dbQueue = one["QueueCertificate"]
        if dbQueue is None:
            return None  # another worker took the last one meanwhile
        outcome = "success" if one["count_success"] else ("deferred" if one["count_deferred"] else "fail")
        item = {
            "queue_certificate_id": str(dbQueue.id),
            "result": outcome,
            "error": one["failures"].get(str(dbQueue.id)) or one["deferred"].get(str(dbQueue.id)),
            "QueueCertificate": dbQueue.as_json,
        }
        return ItemOutcome((one, item), sort_key=dbQueue.id)

    for outcome in run_items(ctx, max_items, work):
        one, item = outcome.result
        for key in ("count_total", "count_success", "count_fail", "count_deferred"):
            results[key] += one[key]
        for key in ("failures", "deferred"):
            results[key].update(one[key])
        results["requeued"].extend(one["requeued"])
        results["items"].append(item)
    results["count_remaining"] = get__QueueCertificate__count_ready(ctx)
    results["count_waiting_later"] = get__QueueCertificate__count_waiting(ctx) - results["count_remaining"]
    payload = {k: v for k, v in results.items() if k not in ("QueueCertificate", "items")}
    payload["max_items"] = max_items
    dbEvent.event_payload = utils.dumps_payload(utils.new_event_payload(**payload))
    ctx.dbsession.flush(objects=[dbEvent])
    return results


def close_items_for_certificate(ctx, dbCertificate: CertificateSigned) -> List[int]:
    """A certificate was issued for a set (by the queue or any other path): close the items
    waiting to renew that set as successful, with this certificate as theirs. The same guarded
    UPDATE as the claim, so an item a processor has taken meanwhile is left alone.

    Called by whatever makes ``actions_acme`` download a certificate (the queues here, the
    admin's order views): ``actions_acme`` does not import this module.

    :returns: the ids of the items closed.
    """
    table = QueueCertificate.__table__
    dbOrder = dbCertificate.acme_order
    statement = (
        sa.update(table)
        .where(table.c.is_active.is_(True), table.c.unique_fqdn_set_id == dbCertificate.unique_fqdn_set_id)
        .values(
            is_active=False,
            process_result=True,
            timestamp_processed=ctx.timestamp,
            acme_order_id__generated=dbOrder.id if dbOrder is not None else None,
            certificate_request_id__generated=dbCertificate.certificate_request_id,
            certificate_signed_id__generated=dbCertificate.id,
        )
        .returning(table.c.id)
    )
    ids = sorted(ctx.dbsession.execute(statement).scalars().all())
    if not ids:
        return []
    dbEvent = log__OperationsEvent(
        ctx,
        "QueueCertificate__process__success",
        {"certificate_signed_id": str(dbCertificate.id), "queue_certificate_ids": [str(i) for i in ids], "closed": True},
    )
    for dbQueue in ctx.dbsession.scalars(
        sa.select(QueueCertificate).where(QueueCertificate.id.in_(ids)).execution_options(populate_existing=True)
    ):
        log__OperationsObjectEvent(ctx, "QueueCertificate__process__success", dbQueue, dbEvent)
    return ids


def close_items_for_order(ctx, dbOrder: Optional[AcmeOrder]) -> List[int]:
    """``close_items_for_certificate`` for an order's certificate, if it has one by now (after
    ``actions_acme.place_order``, ``process_order`` or ``download_certificate``)."""
    if dbOrder is None or dbOrder.certificate_signed_id is None:
        return []
    return close_items_for_certificate(ctx, dbOrder.certificate_signed)
