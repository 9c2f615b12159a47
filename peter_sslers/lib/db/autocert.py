"""Certificates on request: ``/api/domain/autocert`` (what the edge calls when it has no
certificate for a name), ``/api/domain/certificate-if-needed`` (the same for an operator's script,
with the order's options), and the per-name lock both take (``DomainAutocert``). docs/Autocert.md.

The rules, in the order they are applied:

1. The name must be a host name (no wildcard: http-01 only, no IP address).
2. A name whose Domain is active and has a valid certificate gets it: no order, no lock, no row
   (the cheap path every later handshake of an edge that forgot the name takes).
3. Autocert only (the operator's ``certificate-if-needed`` skips these): ``enable_autocert`` on,
   the name under ``autocert.allowed_suffixes``; never a blocklisted name (both), never an
   inactive Domain (both: the operator switched it off; ``/api/domain/enable`` switches it on).
4. The lock: one running attempt per name across every instance sharing the datastore (a
   partial unique index on ``domain_autocert``). A call that finds the name being ordered waits
   for that attempt (``autocert.wait_seconds``) and answers with its outcome, so concurrent calls
   for one name make one order. An attempt older than ``autocert.lock_timeout_seconds`` is
   abandoned (its instance died) and no longer holds the name.
5. Autocert only: no order for a name whose last autocert attempt failed less than
   ``autocert.retry_after_seconds`` ago, and at most ``autocert.orders_per_hour`` attempts in any
   hour, counted in the datastore. The check and the new row are one critical section (SQLite:
   the write lock; PostgreSQL: a transaction-level advisory lock), so two instances cannot both
   take the last slot.
6. The order: http-01, ``process_single``, through ``actions_acme.place_order`` like every other
   order (the blocklist again, the CA's rate limits, the self-check, competing orders). Its
   outcome is written on the attempt, which releases the name.
"""

import datetime
import logging
import time
from typing import Optional
from typing import Tuple

import sqlalchemy as sa

from ...model.meta import utcnow
from ...model.objects import AcmeOrder
from ...model.objects import Domain
from ...model.objects import DomainAutocert
from ...model.objects import UniqueFQDNSet2Domain
from .. import errors
from ..exports import served_field
from . import actions_acme
from . import get
from . import queues
from . import validate
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent
from .order_spec import OrderSpec
from .order_spec import check_challenged_name
from .order_spec import resolve_account

log = logging.getLogger(__name__)

SOURCE_AUTOCERT = "autocert"
SOURCE_CERTIFICATE_IF_NEEDED = "certificate-if-needed"
SOURCES = (SOURCE_AUTOCERT, SOURCE_CERTIFICATE_IF_NEEDED)
RESULTS = ("running", "issued", "failed", "abandoned")

# pg_advisory_xact_lock key of the autocert critical section ("autocert" in ASCII, as a bigint)
ADVISORY_LOCK_KEY = 0x6175746F63657274
# how often a waiting call looks at the attempt it waits for
WAIT_POLL_SECONDS = 0.25
# an attempt's error text is kept to this length
ERROR_MAX = 2000


class AutocertRefused(errors.InvalidRequest):
    """No certificate and no order, by the policy (``reason``): ``disabled``, ``not_allowed``,
    ``blocklisted``, ``inactive``, ``rate_limited``, ``recent_failure``, ``in_progress``.
    ``status`` is the HTTP status to answer with; ``retry_after`` (seconds) when waiting helps."""

    def __init__(self, message: str, reason: str, status: int = 403, retry_after: Optional[int] = None):
        super().__init__(message, field="domain_name")
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def canonical_name(raw: str) -> str:
    """The name as stored (lower-case, A-labels, no trailing dot).

    :raises errors.InvalidRequest: (on ``domain_name``) not a host name; a wildcard.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise errors.InvalidRequest("A domain name is required.", field="domain_name")
    return check_challenged_name(raw.strip(), "http-01", field="domain_name")


def is_allowed(settings, name: str) -> bool:
    """``name`` is under one of ``autocert.allowed_suffixes`` (or they are ``*``)."""
    suffixes = settings.autocert_allowed_suffixes
    if suffixes == ("*",):
        return True
    return any(name == suffix or name.endswith("." + suffix) for suffix in suffixes)


def served_domain(ctx, name: str) -> Optional[Domain]:
    """The active Domain ``name`` when it has a valid (active, unexpired) certificate to serve,
    loaded for its config payload; else None."""
    dbDomain = get.get__Domain__for_config(ctx, name)
    if dbDomain is None or not dbDomain.is_active:
        return None
    field = served_field(dbDomain, ctx.timestamp)
    if field is None:
        return None
    dbCertificate = getattr(dbDomain, field)
    if dbCertificate.timestamp_not_after <= utcnow():
        return None
    return dbDomain


def check_policy(ctx, name: str, source: str) -> None:
    """Rules 3 of the module: what makes a name never ordered here, whatever the timing.

    :raises AutocertRefused: as said.
    """
    settings = ctx.settings
    if source == SOURCE_AUTOCERT:
        if not settings.enable_autocert:
            raise AutocertRefused(
                "Autocert is off (`enable_autocert`): only names that have a certificate are answered.", "disabled"
            )
        if not is_allowed(settings, name):
            raise AutocertRefused(
                "%s is not under any of `autocert.allowed_suffixes`." % name if settings.autocert_allowed_suffixes
                else "`autocert.allowed_suffixes` is empty: autocert orders for no name.",
                "not_allowed",
            )
    if validate.is_blocklisted(ctx, name):
        raise AutocertRefused("Blocklisted: %s. A blocklisted name is never certified." % name, "blocklisted")
    dbDomain = get.get__Domain__by_name(ctx, name)
    if dbDomain is not None and not dbDomain.is_active:
        raise AutocertRefused(
            "The Domain %s is inactive: activate it first (/api/domain/enable or its mark action)." % name,
            "inactive",
            status=409,
        )


# --- the lock


def _critical_section(ctx) -> None:
    """Serialise the decisions of rule 5 across instances until the next commit."""
    ctx.mark_changed()  # the commit must end the transaction, and with it the lock
    connection = ctx.dbsession.connection()
    if connection.dialect.name == "postgresql":
        ctx.dbsession.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def _running(ctx, name: str) -> Optional[DomainAutocert]:
    return ctx.dbsession.scalars(
        sa.select(DomainAutocert)
        .where(DomainAutocert.domain_name == name, DomainAutocert.is_running.is_(True))
        .execution_options(populate_existing=True)
    ).first()


def _finish_row(dbAttempt: DomainAutocert, result: str, error: Optional[str] = None) -> None:
    dbAttempt.is_running = None
    dbAttempt.result = result
    dbAttempt.is_successful = result == "issued"
    dbAttempt.timestamp_finished = utcnow()
    if error:
        dbAttempt.error = error[:ERROR_MAX]


def _check_timing(ctx, name: str, now: datetime.datetime) -> None:
    """Rule 5 (autocert): a recent failure of the name, the hourly allowance.

    :raises AutocertRefused: ``recent_failure`` or ``rate_limited`` (429, with ``retry_after``).
    """
    settings = ctx.settings
    if settings.autocert_retry_after_seconds:
        since = now - datetime.timedelta(seconds=settings.autocert_retry_after_seconds)
        last_failure = ctx.dbsession.scalars(
            sa.select(DomainAutocert.timestamp_finished)
            .where(
                DomainAutocert.domain_name == name,
                DomainAutocert.source == SOURCE_AUTOCERT,
                DomainAutocert.result == "failed",
                DomainAutocert.timestamp_finished > since,
            )
            .order_by(DomainAutocert.timestamp_finished.desc())
            .limit(1)
        ).first()
        if last_failure is not None:
            wait = settings.autocert_retry_after_seconds - (now - last_failure).total_seconds()
            raise AutocertRefused(
                "The last autocert order for %s failed at %s; it is not tried again for %d s "
                "(`autocert.retry_after_seconds`)." % (name, last_failure.isoformat(), settings.autocert_retry_after_seconds),
                "recent_failure",
                status=429,
                retry_after=max(1, int(wait + 0.999)),
            )
    hour_ago = now - datetime.timedelta(hours=1)
    in_window = ctx.dbsession.execute(
        sa.select(sa.func.count(DomainAutocert.id), sa.func.min(DomainAutocert.timestamp_created)).where(
            DomainAutocert.source == SOURCE_AUTOCERT, DomainAutocert.timestamp_created > hour_ago
        )
    ).one()
    count, oldest = in_window
    if count >= settings.autocert_orders_per_hour:
        wait = (oldest + datetime.timedelta(hours=1) - now).total_seconds() if oldest is not None else 3600
        raise AutocertRefused(
            "Autocert made %d order(s) in the last hour, its allowance (`autocert.orders_per_hour` = %d): "
            "%s is not ordered now." % (count, settings.autocert_orders_per_hour, name),
            "rate_limited",
            status=429,
            retry_after=max(1, int(wait + 0.999)),
        )


def acquire(ctx, name: str, source: str) -> Tuple[Optional[DomainAutocert], Optional[int], Optional[Domain]]:
    """Take the name's lock (rules 4 and 5): ``(the new running attempt, None, None)``, committed
    so every instance sees it; ``(None, id of the attempt another call is running, None)``; or
    ``(None, None, the Domain)`` when the name has a valid certificate by now (another call's
    attempt finished between this call's first look and the lock).

    :raises AutocertRefused: (autocert) a recent failure, the hourly allowance.
    """
    _critical_section(ctx)
    # what this session read before the lock may be stale now: read it again from here on
    ctx.dbsession.expire_all()
    now = utcnow()
    dbRunning = _running(ctx, name)
    if dbRunning is not None:
        age = (now - dbRunning.timestamp_created).total_seconds()
        if age < ctx.settings.autocert_lock_timeout_seconds:
            ctx.checkpoint()  # release the critical section
            return None, dbRunning.id, None
        _finish_row(
            dbRunning,
            "abandoned",
            "Still running after %d s (`autocert.lock_timeout_seconds` = %d): its instance is taken to have died."
            % (age, ctx.settings.autocert_lock_timeout_seconds),
        )
        log__OperationsEvent(
            ctx, "ApiDomains__autocert__abandoned", {"domain_autocert.id": dbRunning.id, "domain_name": name}
        )
        log.warning("autocert: attempt %s for %s abandoned after %d s", dbRunning.id, name, age)
        ctx.dbsession.flush()
    if dbRunning is None:
        dbServed = served_domain(ctx, name)
        if dbServed is not None:
            ctx.checkpoint()  # release the critical section
            return None, None, dbServed
    if source == SOURCE_AUTOCERT:
        try:
            _check_timing(ctx, name, now)
        except AutocertRefused:
            ctx.checkpoint()  # keeps an abandonment recorded above; releases the section
            raise
    dbEvent = log__OperationsEvent(ctx, "ApiDomains__autocert", {"domain_name": name, "source": source})
    dbDomain = get.get__Domain__by_name(ctx, name)
    dbAttempt = DomainAutocert()
    dbAttempt.domain_name = name
    dbAttempt.domain_id = dbDomain.id if dbDomain is not None else None
    dbAttempt.source = source
    dbAttempt.timestamp_created = now
    dbAttempt.is_running = True
    dbAttempt.result = "running"
    dbAttempt.operations_event_id__created = dbEvent.id
    ctx.dbsession.add(dbAttempt)
    try:
        ctx.dbsession.flush(objects=[dbAttempt])
    except sa.exc.IntegrityError:
        # the partial unique index: another instance's attempt (a database without the advisory
        # lock's protection, or a crash between its check and this insert): wait for it
        ctx.abort()
        dbRunning = _running(ctx, name)
        ctx.checkpoint()
        if dbRunning is None:
            raise
        return None, dbRunning.id, None
    if dbDomain is not None:
        log__OperationsObjectEvent(ctx, "ApiDomains__autocert", dbDomain, dbEvent)
    ctx.checkpoint()
    return dbAttempt, None, None


def wait_for(ctx, attempt_id: int, seconds: float) -> Optional[DomainAutocert]:
    """Wait (up to ``seconds``) for another call's attempt to finish: the finished attempt, or
    None when it still runs. Each look reads the row afresh (``populate_existing``) and nothing is
    held between looks: this call has written nothing, so it holds no SQLite lock that the other
    call's commits would wait for, and PostgreSQL's READ COMMITTED shows each look the latest
    commit."""
    deadline = time.monotonic() + seconds
    while True:
        ctx.checkpoint()
        dbAttempt = ctx.dbsession.scalars(
            sa.select(DomainAutocert).where(DomainAutocert.id == attempt_id).execution_options(populate_existing=True)
        ).first()
        if dbAttempt is None or not dbAttempt.is_running:
            ctx.checkpoint()
            return dbAttempt
        if time.monotonic() >= deadline:
            ctx.checkpoint()
            return None
        time.sleep(WAIT_POLL_SECONDS)


def finish(ctx, attempt_id: int, dbOrder: Optional[AcmeOrder], error: Optional[str] = None) -> DomainAutocert:
    """Write an attempt's outcome and release the name (committed). ``dbOrder`` is the order it
    made (None when none was made); ``issued`` when that order has its certificate."""
    dbAttempt = ctx.dbsession.get(DomainAutocert, attempt_id, populate_existing=True)
    if dbOrder is not None:
        dbAttempt.acme_order_id = dbOrder.id
        dbAttempt.certificate_signed_id = dbOrder.certificate_signed_id
    issued = dbOrder is not None and dbOrder.certificate_signed_id is not None and not error
    _finish_row(dbAttempt, "issued" if issued else "failed", None if issued else (error or "The order made no certificate."))
    dbDomain = get.get__Domain__by_name(ctx, dbAttempt.domain_name)
    if dbDomain is not None:
        dbAttempt.domain_id = dbDomain.id
    dbEvent = log__OperationsEvent(
        ctx,
        "ApiDomains__autocert__success" if issued else "ApiDomains__autocert__fail",
        {
            "domain_autocert.id": dbAttempt.id,
            "domain_name": dbAttempt.domain_name,
            "source": dbAttempt.source,
            "acme_order.id": dbAttempt.acme_order_id,
            "error": dbAttempt.error,
        },
    )
    if dbDomain is not None:
        log__OperationsObjectEvent(
            ctx, "ApiDomains__autocert__success" if issued else "ApiDomains__autocert__fail", dbDomain, dbEvent
        )
    ctx.dbsession.flush()
    ctx.checkpoint()
    return dbAttempt


def order_spec(ctx, name: str, source: str, values: Optional[dict] = None) -> OrderSpec:
    """The order of an attempt, validated: autocert's from its options (the account of
    ``autocert.acme_account_id`` or the global default; the key the account's cycle chooses);
    certificate-if-needed's from the form ``values`` (``OrderSpec.from_form``).

    :raises errors.InvalidRequest: no usable account, a bad key choice, the spec's own rules.
    """
    if source == SOURCE_AUTOCERT:
        dbAccount = resolve_account(ctx, ctx.settings.autocert_acme_account_id)
        spec = OrderSpec.from_names(
            dbAccount,
            [name],
            processing_strategy="process_single",
            private_key_strategy="deferred-associate",
            order_type="ACME Automated (New - Autocert)",
            event="AcmeOrder_New_Automated",
        )
    else:
        values = dict(values or {})
        values["domain_names_http01"] = name
        values.pop("domain_names_dns01", None)
        spec = OrderSpec.from_form(
            ctx,
            values,
            order_type="ACME Automated (New - Certificate if Needed)",
            event="AcmeOrder_New_Automated",
        )
    return spec.validate(ctx)


# --- the whole of it


class Outcome:
    """What a call got: ``status`` ``exists`` (the name had a valid certificate), ``issued`` (this
    call ordered it) or ``issued_by_other`` (a concurrent call did, and this one waited for it);
    ``dbDomain`` loaded for its config payload; the attempt and order when there was one;
    ``is_new_domain``: the Domain did not exist when the call came."""

    def __init__(self, name: str, status: str, dbDomain: Domain, dbAttempt=None, dbOrder=None, is_new_domain=False):
        self.name = name
        self.status = status
        self.dbDomain = dbDomain
        self.dbAttempt = dbAttempt
        self.dbOrder = dbOrder
        self.is_new_domain = is_new_domain


class AttemptFailed(errors.PeterSSLersError):
    """The attempt that ordered for the name (this call's, or the one it waited for) made no
    certificate; ``dbAttempt`` says why. ``cause`` is this call's own exception, if any."""

    def __init__(self, dbAttempt: DomainAutocert, cause: Optional[BaseException] = None):
        super().__init__(dbAttempt.error or "The order made no certificate.")
        self.message = str(self)
        self.dbAttempt = dbAttempt
        self.cause = cause


def _newest_order_for(ctx, name: str, after_id: int) -> Optional[AcmeOrder]:
    """The order this attempt made before failing, if any (the newest since ``after_id`` whose
    set holds the name)."""
    return ctx.dbsession.scalars(
        sa.select(AcmeOrder)
        .join(UniqueFQDNSet2Domain, UniqueFQDNSet2Domain.unique_fqdn_set_id == AcmeOrder.unique_fqdn_set_id)
        .join(Domain, Domain.id == UniqueFQDNSet2Domain.domain_id)
        .where(AcmeOrder.id > after_id, Domain.domain_name == name)
        .order_by(AcmeOrder.id.desc())
        .limit(1)
    ).first()


def _error_text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def certificate_for(ctx, raw_name: str, source: str, values: Optional[dict] = None) -> Outcome:
    """A valid certificate for one name, ordering it when needed and allowed (the module's rules).

    :raises errors.InvalidRequest: a bad name; no usable account or key choice (nothing written).
    :raises AutocertRefused: the policy or the timing (nothing ordered).
    :raises AttemptFailed: the attempt made no certificate: this call's own (``cause``: what
        ``place_order`` raised; recorded on the attempt first, which releases the name), or the
        one it waited for (no ``cause``).
    """
    name = canonical_name(raw_name)
    dbDomain = served_domain(ctx, name)
    if dbDomain is not None:
        return Outcome(name, "exists", dbDomain)
    check_policy(ctx, name, source)
    is_new_domain = get.get__Domain__by_name(ctx, name) is None
    # the order's options are checked before the lock: a bad account or key writes nothing
    spec = order_spec(ctx, name, source, values)
    dbAttempt, running_id, dbServed = acquire(ctx, name, source)
    if dbServed is not None:
        # another call's order finished between the first look and the lock
        return Outcome(name, "exists", dbServed)
    if dbAttempt is None:
        wait = ctx.settings.autocert_wait_seconds
        dbOther = wait_for(ctx, running_id, wait)
        if dbOther is None:
            raise AutocertRefused(
                "%s is being ordered by another call (attempt %s), still running after %d s "
                "(`autocert.wait_seconds`)." % (name, running_id, wait),
                "in_progress",
                status=409,
                retry_after=5,
            )
        if dbOther.result == "issued":
            dbDomain = served_domain(ctx, name)
            if dbDomain is not None:
                return Outcome(
                    name, "issued_by_other", dbDomain, dbAttempt=dbOther, dbOrder=dbOther.acme_order,
                    is_new_domain=is_new_domain,
                )
        raise AttemptFailed(dbOther)
    attempt_id = dbAttempt.id
    before_id = ctx.dbsession.scalar(sa.select(sa.func.coalesce(sa.func.max(AcmeOrder.id), 0)))
    try:
        dbOrder = actions_acme.place_order(ctx, spec)
        # a certificate made here closes the renewal queue's items for its names
        queues.close_items_for_order(ctx, dbOrder)
    except Exception as exc:
        # what the ACME server did is committed already (place_order's checkpoints); the rest of
        # this transaction goes, and the failure is written on the attempt in a new one
        ctx.abort()
        order_id = getattr(exc, "acme_order_id", None)
        dbOrder = ctx.dbsession.get(AcmeOrder, order_id) if order_id else _newest_order_for(ctx, name, before_id)
        dbAttempt = finish(ctx, attempt_id, dbOrder, error=_error_text(exc))
        log.info("autocert: %s (%s) failed: %s", name, source, _error_text(exc))
        raise AttemptFailed(dbAttempt, cause=exc) from exc
    ctx.checkpoint()
    dbAttempt = finish(ctx, attempt_id, dbOrder)
    dbDomain = served_domain(ctx, name)
    if dbAttempt.result != "issued" or dbDomain is None:
        raise AttemptFailed(dbAttempt)
    return Outcome(name, "issued", dbDomain, dbAttempt=dbAttempt, dbOrder=dbOrder, is_new_domain=is_new_domain)
