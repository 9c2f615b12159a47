"""The ACME order lifecycle against the database (RFC 8555 section 7.4 and on).

Rule of this module: whatever the ACME server has done is committed
(``ctx.checkpoint()``) before the next network call. A crash or a killed process
mid-order then leaves rows that say exactly how far the server got, and
``sync_order`` / ``sync_order_authorizations`` bring them up to date. A challenge's
key authorization is committed before the server is told to validate it, so the
public responder of any instance can answer.

dns-01: the names an order validates with dns-01 are kept on the order
(``AcmeOrder.domain_names_dns01``). When the order is pending, the dns-01 values of ALL its
pending dns-01 authorizations are published together (``dns01_publish.publish_all``: publish,
wait until visible at the authoritative servers) before any dns-01 challenge is answered; once
those authorizations are settled (valid or invalid) the records are withdrawn
(``dns01_publish.withdraw_all``). A publishing failure answers nothing, withdraws what was
written, records the failure on the order and raises the DNS error (``errors.DnsError`` /
``errors.AcmeDnsError``).
"""

import contextlib
import datetime
from typing import List
from typing import Optional

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAuthorization
from ...model.objects import AcmeChallenge
from ...model.objects import AcmeOrder
from ...model.objects import AcmeOrder2AcmeAuthorization
from ...model.objects import AcmeOrderSubmission
from ...model.objects import CertificateSigned
from ...model.objects import PrivateKey
from .. import acme_v2
from .. import cert_utils
from .. import errors
from . import actions
from . import actions_redis
from . import ari
from . import coverage
from . import dns01_publish
from . import get
from . import http01_selfcheck
from . import rate_limits
from .acme_accounts import acme_client
from .acme_accounts import register
from .acme_logger import AcmeEventLogger
from .create import import__CertificateSigned
from .getcreate import getcreate__CertificateRequest__by_pem_text
from .getcreate import getcreate__Domain__by_domainName
from .getcreate import getcreate__PrivateKey__by_pem_text
from .getcreate import getcreate__UniqueFQDNSet__by_domain_names
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent
from .order_spec import PRIVATE_KEY_STRATEGIES  # noqa: F401 (re-exported: the forms and views read them here)
from .order_spec import PROCESSING_STRATEGIES  # noqa: F401
from .order_spec import OrderSpec
from .order_spec import blocking_orders

S_ORDER = model_utils.Acme_Status_Order
S_AUTHZ = model_utils.Acme_Status_Authorization
S_CHALL = model_utils.Acme_Status_Challenge
P_STATUS = model_utils.AcmeOrder_ProcessingStatus
STRATEGY = model_utils.AcmeOrder_ProcessingStrategy

# generated certificate keys: RSA 2048 (what certbot makes) or EC P-256
CERTIFICATE_KEY_SIZES = {"RSA": {"bits": 2048}, "EC": {"curve": "P-256"}}


class AcmeOrderFailed(errors.AcmeError):
    """An order the ACME server will not complete (a failed validation, an invalid order).

    The failure is already recorded and committed on the order.
    """

    def __init__(self, message: str, acme_order_id: int, problem: Optional[dict] = None):
        super().__init__(message)
        self.message = message
        self.acme_order_id = acme_order_id
        self.problem = problem


# --- small helpers


def _order_logger(ctx, dbOrder: AcmeOrder) -> AcmeEventLogger:
    return AcmeEventLogger(ctx, acme_account_id=dbOrder.acme_account_id, acme_order_id=dbOrder.id)


def _client(ctx, dbOrder: AcmeOrder, logger: Optional[AcmeEventLogger] = None) -> acme_v2.AcmeClient:
    dbAccount = dbOrder.acme_account
    if not dbAccount.account_url:
        # an account imported from its key alone (a PEM upload, the 2021 forms' `account_key_file`)
        # has no account URL yet: find or create it on the server first (newAccount, committed),
        # as the 2021 design authenticated the account of each new order
        register(ctx, dbAccount)
    return acme_client(ctx, dbAccount, logger or _order_logger(ctx, dbOrder))


def _event(ctx, name: str, dbOrder: Optional[AcmeOrder], payload: Optional[dict] = None):
    dbEvent = log__OperationsEvent(ctx, name, dict(payload or {}, acme_order_id=dbOrder.id if dbOrder else None))
    if dbOrder is not None:
        log__OperationsObjectEvent(ctx, name, dbOrder, dbEvent)
    return dbEvent


def _finish(dbOrder: AcmeOrder, processing_status: str) -> None:
    dbOrder.acme_order_processing_status_id = P_STATUS.from_string(processing_status)
    if dbOrder.is_processing:
        dbOrder.is_processing = None


# --- applying what the server says


def apply_order_resource(ctx, dbOrder: AcmeOrder, resource: acme_v2.OrderResource) -> None:
    """Copy an order resource onto the row, and know every authorization it lists."""
    dbOrder.acme_status_order_id = S_ORDER.from_string_or_unknown(resource.status)
    dbOrder.finalize_url = resource.finalize_url
    dbOrder.certificate_url = resource.certificate_url
    dbOrder.timestamp_expires = resource.expires
    dbOrder.timestamp_updated = ctx.timestamp
    for url in resource.authorizations:
        _getcreate_authorization(ctx, dbOrder, url)
    if resource.status == "invalid":
        _finish(dbOrder, "processing_completed_failure")
    ctx.dbsession.flush()


def _getcreate_authorization(ctx, dbOrder: AcmeOrder, url: str) -> AcmeAuthorization:
    dbAuthz = ctx.dbsession.scalars(sa.select(AcmeAuthorization).where(AcmeAuthorization.authorization_url == url)).first()
    if dbAuthz is None:
        dbAuthz = AcmeAuthorization()
        dbAuthz.authorization_url = url
        dbAuthz.timestamp_created = ctx.timestamp
        dbAuthz.acme_status_authorization_id = S_AUTHZ.DISCOVERED
        dbAuthz.acme_order_id__created = dbOrder.id
        ctx.dbsession.add(dbAuthz)
        ctx.dbsession.flush(objects=[dbAuthz])
    link = ctx.dbsession.get(AcmeOrder2AcmeAuthorization, (dbOrder.id, dbAuthz.id))
    if link is None:
        link = AcmeOrder2AcmeAuthorization()
        link.acme_order_id = dbOrder.id
        link.acme_authorization_id = dbAuthz.id
        link.is_present_on_new_order = True
        ctx.dbsession.add(link)
        ctx.dbsession.flush(objects=[link])
    return dbAuthz


def apply_authorization_resource(
    ctx, dbAuthz: AcmeAuthorization, resource: acme_v2.AuthorizationResource, acme_key: acme_v2.AcmeKey
) -> None:
    """Copy an authorization onto the row, create or update its challenges, and mark ``*410*``
    the local challenges the server no longer lists (compared by URL)."""
    dbAuthz.acme_status_authorization_id = S_AUTHZ.from_string_or_unknown(resource.status)
    dbAuthz.timestamp_expires = resource.expires
    dbAuthz.timestamp_updated = ctx.timestamp
    dbAuthz.wildcard = resource.wildcard
    if dbAuthz.domain_id is None:
        dbDomain, _ = getcreate__Domain__by_domainName(ctx, resource.identifier)
        dbAuthz.domain_id = dbDomain.id
    listed = set()
    for challenge in resource.challenges:
        try:
            type_id = model_utils.AcmeChallengeType.from_string(challenge.type)
        except ValueError:
            continue  # a challenge type this client does not answer; the raw authorization keeps it
        listed.add(challenge.url)
        dbChallenge = ctx.dbsession.scalars(
            sa.select(AcmeChallenge).where(AcmeChallenge.challenge_url == challenge.url)
        ).first()
        if dbChallenge is None:
            dbChallenge = AcmeChallenge()
            dbChallenge.acme_authorization_id = dbAuthz.id
            dbChallenge.domain_id = dbAuthz.domain_id
            dbChallenge.acme_challenge_type_id = type_id
            dbChallenge.challenge_url = challenge.url
            dbChallenge.timestamp_created = ctx.timestamp
            ctx.dbsession.add(dbChallenge)
        token = challenge.token or ""
        dbChallenge.token = token
        dbChallenge.keyauthorization = acme_key.key_authorization(token) if token else None
        dbChallenge.acme_status_challenge_id = S_CHALL.from_string_or_unknown(challenge.status)
        dbChallenge.timestamp_updated = ctx.timestamp
    for dbChallenge in ctx.dbsession.scalars(
        sa.select(AcmeChallenge).where(AcmeChallenge.acme_authorization_id == dbAuthz.id)
    ):
        if dbChallenge.challenge_url not in listed:
            dbChallenge.acme_status_challenge_id = S_CHALL.GONE_410
            dbChallenge.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()


def _mark_authorization_missing(ctx, dbAuthz: AcmeAuthorization) -> None:
    dbAuthz.acme_status_authorization_id = S_AUTHZ.X_404_X
    dbAuthz.timestamp_updated = ctx.timestamp
    for dbChallenge in dbAuthz.acme_challenges:
        dbChallenge.acme_status_challenge_id = S_CHALL.X_404_X
    ctx.dbsession.flush()


# --- creating orders


def new_order(
    ctx,
    dbAccount: AcmeAccount,
    domain_names: List[str],
    processing_strategy: str = "process_single",
    private_key_strategy: str = "deferred-associate",
    dbPrivateKey: Optional[PrivateKey] = None,
    private_key_cycle__renewal: str = "account_key_default",
    order_type: str = "ACME Automated (New)",
    event: str = "AcmeOrder_New_Automated",
    acme_order_id__retry_of: Optional[int] = None,
    acme_order_id__renewal_of: Optional[int] = None,
    certificate_signed_id__renewal_of: Optional[int] = None,
) -> AcmeOrder:
    """``place_order`` for an http-01 order of these names (the library's and the tests' shape):
    the arguments are the fields of an ``OrderSpec``."""
    spec = OrderSpec.from_names(
        dbAccount,
        domain_names,
        processing_strategy=processing_strategy,
        private_key_strategy=private_key_strategy,
        dbPrivateKey=dbPrivateKey,
        private_key_cycle__renewal=private_key_cycle__renewal,
        order_type=order_type,
        event=event,
        acme_order_id__retry_of=acme_order_id__retry_of,
        acme_order_id__renewal_of=acme_order_id__renewal_of,
        certificate_signed_id__renewal_of=certificate_signed_id__renewal_of,
    )
    return place_order(ctx, spec)


def place_order(ctx, spec: OrderSpec) -> AcmeOrder:
    """Create the order ``spec`` describes on the ACME server (RFC 8555 7.4) and, with
    ``process_single``, carry it through to a certificate. The spec is validated here once
    (``OrderSpec.validate``; a spec validated by the caller is not checked again); then the
    conditions of the moment: the http-01 self-check, competing orders, the rate limits.

    Closing the renewal queue's items for the names of a downloaded certificate is the caller's
    (``queues.close_items_for_certificate``): this module does not import ``queues``.

    :raises errors.InvalidRequest: the spec is refused (``OrderSpec.validate``; nothing is sent).
    :raises errors.Http01SelfCheckFailed: (``http01_selfcheck`` on) some http-01 names did not
        answer their probe through the public path; nothing is sent (the check's event is committed).
    :raises errors.ConflictingObject: another order is already validating one of the names.
    :raises errors.RateLimitDeferred: the order would go beyond one of the CA's rate limits
        (``rate_limits.check_new_order``); nothing is sent.
    :raises AcmeOrderFailed: the server refused to validate or issue (recorded on the order).
    :raises errors.AcmeError: the server or the network failed; what the server did is committed.
    :raises errors.DnsError, errors.AcmeDnsError: publishing the dns-01 records failed; no
        challenge was answered, the records are withdrawn, the failure is recorded on the order.
    """
    spec = spec.validate(ctx)
    dbAccount = spec.dbAccount
    dbPrivateKey = spec.dbPrivateKey
    processing_strategy = spec.processing_strategy
    if http01_selfcheck.is_enabled(ctx) and spec.names_for("http-01"):
        # before anything is written or sent: a name that does not answer through the public path
        # would only spend the CA's failed-validation allowance (dns-01 names are not probed)
        http01_selfcheck.check_before_order(ctx, dbAccount, spec.names_for("http-01"))
    # a wildcard name is in the spec only with dns-01 (``OrderSpec.validate``)
    dbSet, _ = getcreate__UniqueFQDNSet__by_domain_names(
        ctx, spec.domain_names, allow_wildcard=True, field="domain_names"
    )
    domain_ids = [link.domain_id for link in dbSet.to_domains]
    # one queue ``process`` runs several orders at once (``queues.run_items``): the checks of the
    # moment and the order's creation run one thread at a time, so that two orders never pass the
    # same rate limit or competing-order check together (each sees the other's committed order)
    if ctx.order_gate is not None:
        # no write of this thread is left open while it waits at the gate: on SQLite that write
        # holds the database's lock, which the thread inside the gate needs to commit its order
        ctx.checkpoint()
    with ctx.order_gate if ctx.order_gate is not None else contextlib.nullcontext():
        if ctx.settings.block_competing_challenges:
            competing = blocking_orders(ctx, domain_ids)
            if competing:
                raise errors.ConflictingObject(
                    "Order(s) %s are still validating some of these names; finish or deactivate them first."
                    % ", ".join(str(o.id) for o in competing),
                    field="domain_names",
                )
        # the one choke point of every new order (forms, retries, renewals, both queues): an order
        # beyond the CA's rate limits is not sent (errors.RateLimitDeferred says until when)
        rate_limits.check_new_order(ctx, dbAccount.id, dbSet)

        dbOrder = AcmeOrder()
        dbOrder.is_processing = True
        dbOrder.is_auto_renew = True
        dbOrder.is_save_alternate_chains = True
        dbOrder.timestamp_created = ctx.timestamp
        dbOrder.acme_order_type_id = model_utils.AcmeOrderType.from_string(spec.order_type)
        dbOrder.acme_status_order_id = S_ORDER.DISCOVERED
        dbOrder.acme_order_processing_strategy_id = STRATEGY.from_string(processing_strategy)
        dbOrder.acme_order_processing_status_id = P_STATUS.from_string("created_local")
        dbOrder.private_key_cycle_id__renewal = model_utils.PrivateKeyCycle.from_string(spec.private_key_cycle__renewal)
        dbOrder.private_key_strategy_id__requested = model_utils.PrivateKeyStrategy.from_string(spec.private_key_strategy)
        dbOrder.acme_account_id = dbAccount.id
        dbOrder.private_key_id__requested = dbPrivateKey.id
        dbOrder.private_key_id = dbPrivateKey.id
        dbOrder.unique_fqdn_set_id = dbSet.id
        dbOrder.domain_names_dns01 = ",".join(sorted(spec.names_for("dns-01"))) or None
        dbOrder.acme_order_id__retry_of = spec.acme_order_id__retry_of
        dbOrder.acme_order_id__renewal_of = spec.acme_order_id__renewal_of
        dbOrder.certificate_signed_id__renewal_of = spec.certificate_signed_id__renewal_of
        ctx.dbsession.add(dbOrder)
        ctx.dbsession.flush(objects=[dbOrder])
        _event(
            ctx,
            spec.event,
            dbOrder,
            {
                "domain_names": dbSet.domains_as_list,
                "domain_names_dns01": dbOrder.domains_dns01,
                "processing_strategy": processing_strategy,
            },
        )

        logger = _order_logger(ctx, dbOrder)
        client = _client(ctx, dbOrder, logger)
        try:
            resource = _new_order_replacing(ctx, client, dbSet.domains_as_list, spec.certificate_signed_id__renewal_of)
        except errors.AcmeError:
            # the server made nothing: keep the attempt, visibly failed
            _finish(dbOrder, "processing_completed_failure")
            dbOrder.acme_status_order_id = S_ORDER.INVALID
            ctx.checkpoint()
            raise
        existing = ctx.dbsession.scalars(
            sa.select(AcmeOrder).where(AcmeOrder.order_url == resource.url, AcmeOrder.id != dbOrder.id)
        ).first()
        if existing is not None:
            # the server handed back an order we already know: record the submission there
            ctx.dbsession.add(AcmeOrderSubmission(acme_order_id=existing.id, timestamp_created=ctx.timestamp))
            _finish(dbOrder, "processing_completed_failure")
            dbOrder.acme_status_order_id = S_ORDER.INVALID
            apply_order_resource(ctx, existing, resource)
            ctx.checkpoint()
            raise errors.ConflictingObject(
                "The ACME server returned order %s, which is AcmeOrder %s here; continue with that one." % (resource.url, existing.id)
            )
        dbOrder.order_url = resource.url
        dbOrder.acme_order_processing_status_id = P_STATUS.from_string("created_acme")
        ctx.dbsession.add(AcmeOrderSubmission(acme_order_id=dbOrder.id, timestamp_created=ctx.timestamp))
        apply_order_resource(ctx, dbOrder, resource)
        dbAccount.count_acme_orders = (dbAccount.count_acme_orders or 0) + 1
        dbAccount.timestamp_last_certificate_request = ctx.timestamp
        if logger.last is not None:
            logger.last.acme_order_id = dbOrder.id
        # the server created the order: never lose it
        ctx.checkpoint()

    if processing_strategy == "process_single" and resource.status in ("pending", "ready", "processing", "valid"):
        process_order(ctx, dbOrder)
    return dbOrder


def _replaces_refused(exc: errors.AcmeServerError) -> bool:
    """RFC 9773 section 5: the server refused the order's ``replaces`` (already replaced, not a
    certificate of this account, unknown): the order is worth sending without it."""
    if exc.code == "alreadyReplaced":
        return True
    return exc.status in (400, 403, 404, 409) and "replaces" in (exc.detail or "").lower()


def _new_order_replacing(ctx, client, domain_names: List[str], certificate_signed_id__renewal_of: Optional[int]):
    """newOrder; for the renewal of a certificate, with RFC 9773's ``replaces`` (its ARI id) when the
    server's directory offers ``renewalInfo``. A refused ``replaces`` is dropped and the order sent
    once more without it: the refusal created nothing on the server."""
    replaces = None
    if certificate_signed_id__renewal_of is not None and client.transport.directory().renewal_info:
        dbCertificate = ctx.dbsession.get(CertificateSigned, certificate_signed_id__renewal_of)
        if dbCertificate is not None:
            replaces = ari.replaces_id(dbCertificate)
    if replaces is None:
        return client.new_order(domain_names)
    try:
        return client.new_order(domain_names, replaces=replaces)
    except errors.AcmeServerError as exc:
        if not _replaces_refused(exc):
            raise
        ari.log.info("The ACME server refused replaces=%s (%s); ordering without it.", replaces, exc)
        return client.new_order(domain_names)


# --- processing


def process_order(ctx, dbOrder: AcmeOrder, one_step: bool = False) -> str:
    """Carry an order forward: answer its pending authorizations, finalize it when ready,
    download its certificate when valid.

    :param one_step: stop after one authorization (or the finalization): ``acme-process``.
    :returns: what was done last: ``authorization``, ``finalized``, ``downloaded`` or ``nothing``.
    :raises AcmeOrderFailed: a validation failed or the order is invalid (recorded).
    """
    if not dbOrder.order_url:
        raise errors.InvalidTransition("This order was never created on the ACME server.")
    if dbOrder.acme_status_order_id not in S_ORDER.IDS_POTENTIAL_CERTIFICATE_DOWNLOAD and not (
        dbOrder.acme_status_order_id == S_ORDER.VALID and dbOrder.certificate_signed_id is None
    ):
        raise errors.InvalidTransition(
            "An order with status `%s` cannot be processed." % dbOrder.acme_status_order
        )
    logger = _order_logger(ctx, dbOrder)
    client = _client(ctx, dbOrder, logger)
    if dbOrder.acme_order_processing_status_id == P_STATUS.from_string("created_acme"):
        dbOrder.acme_order_processing_status_id = P_STATUS.from_string("processing_started")
    _event(ctx, "AcmeOrder__acme_process", dbOrder, {"one_step": one_step})
    done = "nothing"
    for _ in range(200):  # bounded: each turn moves the order forward or returns
        resource = _get_order(ctx, client, dbOrder)
        if resource.status == "pending":
            if dbOrder.domain_names_dns01 and _complete_dns01_authorizations(ctx, client, dbOrder, logger):
                done = "authorization"
                if one_step:
                    return done
                continue
            dbAuthz = _next_pending_authorization(ctx, client, dbOrder)
            if dbAuthz is not None:
                _complete_authorization(ctx, client, dbOrder, dbAuthz, logger)
                done = "authorization"
                if one_step:
                    return done
                continue
            # every authorization is valid: the server moves the order to ready
            resource = client.poll_order(dbOrder.order_url, until_not=("pending",))
            apply_order_resource(ctx, dbOrder, resource)
            ctx.checkpoint()
            continue
        if resource.status == "ready":
            # one step: finalizing includes fetching the certificate when the server is quick
            _finalize(ctx, client, dbOrder, resource, logger)
            done = "finalized"
            if dbOrder.acme_status_order_id == S_ORDER.VALID and dbOrder.certificate_signed_id is None:
                download_certificate(ctx, dbOrder, client=client, logger=logger)
            if one_step:
                return done
            continue
        if resource.status == "processing":
            resource = client.poll_order(dbOrder.order_url)
            apply_order_resource(ctx, dbOrder, resource)
            ctx.checkpoint()
            continue
        if resource.status == "valid":
            if dbOrder.certificate_signed_id is None:
                download_certificate(ctx, dbOrder, client=client, logger=logger)
                done = "downloaded"
            return done
        _fail(ctx, client, dbOrder, "The ACME server reports the order `%s`." % resource.status, resource.error)
    raise errors.AcmeError("The order did not settle after 200 steps.")


def _order_is_lost(exc: errors.AcmeServerError) -> bool:
    """The server does not know the order (404), or no longer knows its account (a reset server,
    such as a restarted pebble): either way the order is gone."""
    return isinstance(exc, errors.AcmeNotFound) or exc.code == "accountDoesNotExist"


def _get_order(ctx, client, dbOrder) -> acme_v2.OrderResource:
    try:
        resource = client.get_order(dbOrder.order_url)
    except errors.AcmeServerError as exc:
        if _order_is_lost(exc):
            _mark_order_missing(ctx, dbOrder)
        raise
    apply_order_resource(ctx, dbOrder, resource)
    ctx.checkpoint()
    return resource


def _mark_order_missing(ctx, dbOrder: AcmeOrder) -> None:
    dbOrder.acme_status_order_id = S_ORDER.X_404_X
    dbOrder.timestamp_updated = ctx.timestamp
    _finish(dbOrder, "processing_completed_failure")
    _event(ctx, "AcmeOrder__acme_server__sync", dbOrder, {"status": "*404*"})
    ctx.checkpoint()


def _next_pending_authorization(ctx, client, dbOrder) -> Optional[AcmeAuthorization]:
    for link in sorted(dbOrder.to_acme_authorizations, key=lambda link: link.acme_authorization_id):
        dbAuthz = link.acme_authorization
        if dbAuthz.acme_status_authorization_id in (S_AUTHZ.DISCOVERED, S_AUTHZ.PENDING):
            resource = client.get_authorization(dbAuthz.authorization_url)
            apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
            ctx.checkpoint()
            if resource.status == "pending":
                return dbAuthz
            if resource.status != "valid":
                _fail(ctx, client, dbOrder, "Authorization %s is `%s`." % (dbAuthz.authorization_url, resource.status), None)
    return None


def _authorization_name(dbAuthz: AcmeAuthorization) -> str:
    """The order's name an authorization is for: a wildcard authorization's identifier is the
    base name (RFC 8555 7.1.4), its name ``*.<base>``."""
    return ("*." if dbAuthz.wildcard else "") + dbAuthz.domain.domain_name


def _withdraw_dns01(ctx, dbOrder: AcmeOrder, published: list) -> None:
    """Remove the TXT records published for this order's dns-01 challenges; the outcome (and any
    record that could not be removed) is the order's ``AcmeOrder__dns01_withdrawn`` event."""
    withdraw_failures = dns01_publish.withdraw_all(published)
    _event(
        ctx,
        "AcmeOrder__dns01_withdrawn",
        dbOrder,
        {"count": len(published), "failures": [handle.as_json() for handle, _exc in withdraw_failures]},
    )
    ctx.checkpoint()


def _complete_dns01_authorizations(ctx, client, dbOrder, logger) -> bool:
    """Answer every pending dns-01 authorization of the order at once: publish all their values
    (``dns01_publish.publish_all``, which waits until they are visible), answer the challenges,
    wait for each verdict, withdraw the records.

    :returns: False when no dns-01 authorization is pending (nothing done).
    :raises errors.DnsError, errors.AcmeDnsError, errors.InvalidRequest: publishing failed:
        nothing answered, the records withdrawn, the failure recorded on the order (committed).
    :raises AcmeOrderFailed: a validation failed (recorded).
    """
    dns01_names = set(dbOrder.domains_dns01)
    pending: List[AcmeAuthorization] = []
    for link in sorted(dbOrder.to_acme_authorizations, key=lambda link: link.acme_authorization_id):
        dbAuthz = link.acme_authorization
        if dbAuthz.acme_status_authorization_id not in (S_AUTHZ.DISCOVERED, S_AUTHZ.PENDING):
            continue
        if dbAuthz.domain_id is not None and _authorization_name(dbAuthz) not in dns01_names:
            continue  # an http-01 name: _next_pending_authorization answers it
        resource = client.get_authorization(dbAuthz.authorization_url)
        apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
        ctx.checkpoint()
        if _authorization_name(dbAuthz) not in dns01_names:
            continue
        if resource.status == "pending":
            pending.append(dbAuthz)
        elif resource.status != "valid":
            _fail(ctx, client, dbOrder, "Authorization %s is `%s`." % (dbAuthz.authorization_url, resource.status), None)
    if not pending:
        return False
    challenges = []
    for dbAuthz in pending:
        dbChallenge = dbAuthz.acme_challenge_dns_01
        if dbChallenge is None or not dbChallenge.keyauthorization:
            _fail(ctx, client, dbOrder, "The ACME server offers no dns-01 challenge for %s." % _authorization_name(dbAuthz), None)
        challenges.append((dbAuthz, dbChallenge))
    try:
        published = dns01_publish.publish_all(
            ctx,
            [(_authorization_name(dbAuthz), dbChallenge.keyauthorization) for dbAuthz, dbChallenge in challenges],
        )
    except (errors.DnsError, errors.AcmeDnsError, errors.InvalidRequest) as exc:
        # nothing was answered and publish_all withdrew what it wrote: the attempt fails here
        message = "Publishing the dns-01 records failed: %s" % (getattr(exc, "message", None) or exc)
        _finish(dbOrder, "processing_completed_failure")
        _event(ctx, "AcmeOrder__failure", dbOrder, {"message": message, "dns01": True})
        ctx.checkpoint()
        exc.acme_order_id = dbOrder.id  # the web envelope names the order
        raise
    _event(ctx, "AcmeOrder__dns01_published", dbOrder, {"published": [handle.as_json() for handle in published]})
    # the records are visible: committed before the server is asked to look
    ctx.checkpoint()
    failed = []
    try:
        for dbAuthz, dbChallenge in challenges:
            with logger.scope(acme_authorization_id=dbAuthz.id, acme_challenge_id=dbChallenge.id):
                client.answer_challenge(dbChallenge.challenge_url)
            dbChallenge.acme_status_challenge_id = S_CHALL.PROCESSING
            _event(ctx, "AcmeChallenge__acme_server__trigger", dbOrder, {"acme_challenge_id": dbChallenge.id})
            ctx.checkpoint()
        for dbAuthz, dbChallenge in challenges:
            with logger.scope(acme_authorization_id=dbAuthz.id, acme_challenge_id=dbChallenge.id):
                resource = client.poll_authorization(dbAuthz.authorization_url)
            apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
            ctx.checkpoint()
            if resource.status != "valid":
                challenge = resource.challenge("dns-01")
                failed.append((dbAuthz, challenge.error if challenge is not None else None, resource.status))
    finally:
        _withdraw_dns01(ctx, dbOrder, published)
    if failed:
        dbAuthz, problem, status = failed[0]
        _fail(
            ctx,
            client,
            dbOrder,
            "Validation of %s failed: %s" % (_authorization_name(dbAuthz), (problem or {}).get("detail", status)),
            problem,
        )
    return True


def _complete_authorization(ctx, client, dbOrder, dbAuthz, logger) -> None:
    """Answer the http-01 challenge of a pending authorization and wait for the verdict."""
    dbChallenge = dbAuthz.acme_challenge_http_01
    if dbChallenge is None:
        _fail(ctx, client, dbOrder, "The ACME server offers no http-01 challenge for %s." % dbAuthz.domain.domain_name, None)
    # the key authorization is committed (by the caller) before the server is asked to look
    with logger.scope(acme_authorization_id=dbAuthz.id, acme_challenge_id=dbChallenge.id):
        client.answer_challenge(dbChallenge.challenge_url)
        dbChallenge.acme_status_challenge_id = S_CHALL.PROCESSING
        _event(ctx, "AcmeChallenge__acme_server__trigger", dbOrder, {"acme_challenge_id": dbChallenge.id})
        ctx.checkpoint()
        resource = client.poll_authorization(dbAuthz.authorization_url)
    apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
    ctx.checkpoint()
    if resource.status != "valid":
        challenge = resource.challenge("http-01")
        problem = challenge.error if challenge is not None else None
        _fail(
            ctx,
            client,
            dbOrder,
            "Validation of %s failed: %s" % (dbAuthz.domain.domain_name, (problem or {}).get("detail", resource.status)),
            problem,
        )


def _fail(ctx, client, dbOrder, message: str, problem: Optional[dict]) -> None:
    """Record the failure, tidy the server side as configured, commit, raise."""
    try:
        resource = client.get_order(dbOrder.order_url)
        apply_order_resource(ctx, dbOrder, resource)
        problem = problem or resource.error
    except errors.AcmeError:
        pass
    _finish(dbOrder, "processing_completed_failure")
    _event(ctx, "AcmeOrder__failure", dbOrder, {"message": message, "problem": problem})
    ctx.checkpoint()
    if ctx.settings.cleanup_pending_authorizations:
        _deactivate_pending_authorizations(ctx, client, dbOrder)
    raise AcmeOrderFailed(message, dbOrder.id, problem)


# --- finalizing


def _resolve_private_key(ctx, dbOrder: AcmeOrder) -> PrivateKey:
    """The key the certificate will have: the order's own, or one chosen now (deferred)."""
    dbAccount = dbOrder.acme_account
    strategy = dbOrder.private_key_strategy__requested
    dbKey = dbOrder.private_key
    if strategy == "specified" and dbKey is not None and dbKey.can_key_sign:
        dbOrder.private_key_strategy_id__final = model_utils.PrivateKeyStrategy.from_string("specified")
        return dbKey
    if strategy == "specified":
        final, cycle = "backup", dbAccount.private_key_cycle
    elif strategy == "deferred-generate":
        final, cycle = "deferred-generate", "single_certificate"
    else:
        final, cycle = "deferred-associate", dbAccount.private_key_cycle
    dbOrder.private_key_strategy_id__final = model_utils.PrivateKeyStrategy.from_string(final)
    return private_key_for_cycle(ctx, dbAccount, cycle)


def private_key_for_cycle(ctx, dbAccount: AcmeAccount, cycle: str) -> PrivateKey:
    """The key an account's cycle picks today: a new one (``single_certificate``) or the one of this
    day or ISO week, owned by the account (``account_*``) or shared by everyone (``global_*``, RSA)."""
    technology = dbAccount.private_key_technology
    if cycle == "single_certificate":
        return _generate_key(ctx, technology, "single_certificate", dbAccount.id)
    owner = dbAccount.id if cycle.startswith("account_") else None
    if owner is None:
        technology = "RSA"
    statement = sa.select(PrivateKey).where(
        PrivateKey.private_key_type_id == model_utils.PrivateKeyType.from_string(cycle),
        PrivateKey.is_active.is_(True),
        PrivateKey.is_compromised.is_not(True),
        PrivateKey.key_technology_id == model_utils.KeyTechnology.from_string(technology),
        PrivateKey.timestamp_created >= _period_start(ctx.timestamp, cycle),
    )
    statement = statement.where(PrivateKey.acme_account_id__owner == owner) if owner else statement.where(
        PrivateKey.acme_account_id__owner.is_(None)
    )
    dbKey = ctx.dbsession.scalars(statement.order_by(PrivateKey.id.desc())).first()
    return dbKey or _generate_key(ctx, technology, cycle, owner)


def _period_start(now: datetime.datetime, cycle: str) -> datetime.datetime:
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if cycle.endswith("_daily") else day - datetime.timedelta(days=day.weekday())


def _generate_key(ctx, technology: str, private_key_type: str, owner_id: Optional[int]) -> PrivateKey:
    key_pem = cert_utils.new_private_key(key_technology=technology, **CERTIFICATE_KEY_SIZES[technology])
    dbKey, _ = getcreate__PrivateKey__by_pem_text(
        ctx, key_pem, private_key_source="generated", private_key_type=private_key_type, acme_account_id__owner=owner_id
    )
    return dbKey


def _finalize(ctx, client, dbOrder: AcmeOrder, resource: acme_v2.OrderResource, logger) -> None:
    """Finalize a ready order (RFC 8555 7.4) with a CSR for its names and wait for the certificate."""
    if dbOrder.certificate_request_id is None:
        dbKey = _resolve_private_key(ctx, dbOrder)
        csr_pem = cert_utils.make_csr(dbOrder.unique_fqdn_set.domains_as_list, dbKey.key_pem)
        dbCSR, _ = getcreate__CertificateRequest__by_pem_text(ctx, csr_pem, "acme_order", dbPrivateKey=dbKey)
        # set the relationships, not only the ids: the rows loaded so far must see the new key
        dbOrder.private_key = dbKey
        dbOrder.certificate_request = dbCSR
        dbKey.count_acme_orders = (dbKey.count_acme_orders or 0) + 1
        dbKey.timestamp_last_certificate_request = ctx.timestamp
        # the key and CSR are committed before the server sees the CSR: a crash keeps the key
        ctx.checkpoint()
    dbCSR = dbOrder.certificate_request
    with logger.scope(certificate_request_id=dbCSR.id):
        resource = client.finalize_order(resource, dbCSR.csr_pem)
        apply_order_resource(ctx, dbOrder, resource)
        dbOrder.acme_order_processing_status_id = P_STATUS.from_string("order_finalized")
        dbOrder.timestamp_finalized = ctx.timestamp
        _event(ctx, "AcmeOrder__acme_finalize", dbOrder, {"certificate_request_id": dbCSR.id})
        ctx.checkpoint()
        if resource.status == "processing":
            resource = client.poll_order(dbOrder.order_url)
            apply_order_resource(ctx, dbOrder, resource)
            ctx.checkpoint()
    if resource.status == "invalid":
        _fail(ctx, client, dbOrder, "The ACME server refused to issue.", resource.error)


def download_certificate(ctx, dbOrder: AcmeOrder, client=None, logger=None) -> CertificateSigned:
    """Download a valid order's certificate and every alternate chain, and store them.

    :raises errors.InvalidTransition: the order is not valid, or has its certificate already.
    """
    if dbOrder.acme_status_order_id != S_ORDER.VALID or not dbOrder.certificate_url:
        raise errors.InvalidTransition("Only a valid order with a certificate URL has a certificate to download.")
    if dbOrder.certificate_signed_id is not None:
        raise errors.InvalidTransition("The certificate is downloaded already.")
    if dbOrder.certificate_request_id is None:
        raise errors.InvalidTransition("This order has no CSR here; its private key is unknown.")
    logger = logger or _order_logger(ctx, dbOrder)
    client = client or _client(ctx, dbOrder, logger)
    fullchains = client.download_certificate(dbOrder.certificate_url, alternates=bool(dbOrder.is_save_alternate_chains))
    # actions.LOCK_ORDER: the account (its counters, below) before the key and the certificate the
    # import writes. Taken the other way round, a global update-recents (deactivate-expired, which
    # locks every account, then every key) deadlocked with a renewal on PostgreSQL (make simulate).
    actions.lock_rows(ctx, AcmeAccount, AcmeAccount.id == dbOrder.acme_account_id)
    dbKey = dbOrder.private_key
    dbCertificate = None
    for i, fullchain in enumerate(fullchains):
        cert_pem, chain_pem = cert_utils.cert_and_chain_from_fullchain(fullchain)
        result = import__CertificateSigned(
            ctx, cert_pem, chain_pem, dbKey.key_pem, certificate_request_id=dbOrder.certificate_request_id, is_upstream_default=(i == 0)
        )
        dbCertificate = dbCertificate or result.CertificateSigned
    dbOrder.certificate_signed = dbCertificate
    _finish(dbOrder, "certificate_downloaded")
    dbAccount = dbOrder.acme_account
    dbAccount.count_certificate_signeds = (dbAccount.count_certificate_signeds or 0) + 1
    dbAccount.timestamp_last_certificate_issue = ctx.timestamp
    if logger.last is not None:
        logger.last.certificate_signed_id = dbCertificate.id
    _event(ctx, "AcmeOrder__acme_server__download_certificate", dbOrder, {"certificate_signed_id": dbCertificate.id})
    # the renewal queue's items for these names are closed by the caller
    # (queues.close_items_for_certificate): this module does not import queues
    ctx.checkpoint()
    return dbCertificate


# --- syncing and deactivating


def sync_order(ctx, dbOrder: AcmeOrder) -> str:
    """Read the order from the server and store what it says (``*404*`` when it is gone: the server
    answers 404, or no longer knows the account, as after a restart of pebble).

    :returns: the order's status afterwards.
    """
    if not dbOrder.order_url:
        raise errors.InvalidTransition("This order was never created on the ACME server.")
    client = _client(ctx, dbOrder)
    try:
        resource = client.get_order(dbOrder.order_url)
    except errors.AcmeServerError as exc:
        if not _order_is_lost(exc):
            raise
        _mark_order_missing(ctx, dbOrder)
        return "*404*"
    apply_order_resource(ctx, dbOrder, resource)
    _event(ctx, "AcmeOrder__acme_server__sync", dbOrder, {"status": resource.status})
    ctx.checkpoint()
    return resource.status


def sync_active_orders(ctx) -> dict:
    """Sync every active order (pending, ready, processing) with its ACME server (``sync_order``),
    oldest first, each committed as it is done; a failed sync does not stop the others.

    An order whose ACME server is not enabled here, or that never reached the server, is not sent
    and counts as failed.

    :returns: ``{"success": {order id: status}, "error": {order id: exception}}``; the exception
        is an ``errors.AcmeError`` (the server said no, or could not be reached) or an
        ``errors.InvalidRequest`` (not sent).
    """
    order_ids = ctx.dbsession.scalars(
        sa.select(AcmeOrder.id).where(AcmeOrder.acme_status_order_id.in_(S_ORDER.IDS_ACTIVE)).order_by(AcmeOrder.id)
    ).all()
    results: dict = {"success": {}, "error": {}}
    for order_id in order_ids:
        dbOrder = get.get__AcmeOrder(ctx, order_id)  # read again: each sync commits
        dbProvider = dbOrder.acme_account.acme_account_provider
        try:
            if not dbProvider.is_enabled:
                raise errors.InvalidTransition("The ACME server `%s` is not enabled." % dbProvider.name)
            results["success"][order_id] = sync_order(ctx, dbOrder)
        except (errors.AcmeError, errors.InvalidRequest) as exc:
            results["error"][order_id] = exc
    return results


def sync_authorization(ctx, dbAuthz: AcmeAuthorization, client=None) -> str:
    """Read an authorization and its challenges from the server (``*404*`` when it is gone)."""
    dbOrder = dbAuthz.acme_order_created
    client = client or _client(ctx, dbOrder)
    try:
        resource = client.get_authorization(dbAuthz.authorization_url)
    except errors.AcmeNotFound:
        _mark_authorization_missing(ctx, dbAuthz)
        ctx.checkpoint()
        return "*404*"
    apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
    _event(ctx, "AcmeAuthorization__acme_server__sync", dbOrder, {"acme_authorization_id": dbAuthz.id})
    ctx.checkpoint()
    return resource.status


def sync_order_authorizations(ctx, dbOrder: AcmeOrder) -> dict:
    """Sync the order, then each of its authorizations. Returns ``{authorization id: status}``."""
    status = sync_order(ctx, dbOrder)
    results = {}
    if status == "*404*":
        return results
    client = _client(ctx, dbOrder)
    for link in dbOrder.to_acme_authorizations:
        results[link.acme_authorization_id] = sync_authorization(ctx, link.acme_authorization, client)
    return results


def deactivate_authorization(ctx, dbAuthz: AcmeAuthorization, client=None) -> str:
    """Deactivate a pending authorization on the server (RFC 8555 7.5.2); its challenges become
    ``*410*`` and the orders that needed it fail."""
    if dbAuthz.acme_status_authorization_id not in S_AUTHZ.IDS_DEACTIVATE:
        raise errors.InvalidTransition("Only a pending authorization can be deactivated.")
    dbOrder = dbAuthz.acme_order_created
    client = client or _client(ctx, dbOrder)
    try:
        resource = client.deactivate_authorization(dbAuthz.authorization_url)
    except errors.AcmeNotFound:
        _mark_authorization_missing(ctx, dbAuthz)
        ctx.checkpoint()
        return "*404*"
    apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
    # after deactivation the server disowns the challenges: the spec's Oddities
    for dbChallenge in dbAuthz.acme_challenges:
        dbChallenge.acme_status_challenge_id = S_CHALL.GONE_410
    for link in dbAuthz.to_acme_orders:
        dbLinked = link.acme_order
        if dbLinked.acme_status_order_id in S_ORDER.IDS_ACTIVE:
            dbLinked.acme_status_order_id = S_ORDER.INVALID
            _finish(dbLinked, "processing_deactivated")
    _event(ctx, "AcmeAuthorization__acme_server__deactivate", dbOrder, {"acme_authorization_id": dbAuthz.id})
    ctx.checkpoint()
    return resource.status


def _deactivate_pending_authorizations(ctx, client, dbOrder) -> dict:
    results = {}
    for link in dbOrder.to_acme_authorizations:
        dbAuthz = link.acme_authorization
        if dbAuthz.acme_status_authorization_id in S_AUTHZ.IDS_DEACTIVATE:
            try:
                results[dbAuthz.id] = deactivate_authorization(ctx, dbAuthz, client)
            except errors.AcmeError as exc:
                results[dbAuthz.id] = "error: %s" % exc
    return results


def deactivate_order_authorizations(ctx, dbOrder: AcmeOrder) -> dict:
    """Deactivate every pending authorization of the order, then sync it; the order stops."""
    client = _client(ctx, dbOrder)
    results = _deactivate_pending_authorizations(ctx, client, dbOrder)
    sync_order(ctx, dbOrder)
    _finish(dbOrder, "processing_deactivated")
    dbOrder.is_processing = False
    _event(ctx, "AcmeOrder__acme_server__deactivate_authorizations", dbOrder, {"results": results})
    ctx.checkpoint()
    return results


def sync_challenge(ctx, dbChallenge: AcmeChallenge) -> str:
    dbAuthz = dbChallenge.acme_authorization
    client = _client(ctx, dbAuthz.acme_order_created)
    try:
        resource = client.get_challenge(dbChallenge.challenge_url)
    except errors.AcmeNotFound:
        dbChallenge.acme_status_challenge_id = S_CHALL.X_404_X
        ctx.checkpoint()
        return "*404*"
    dbChallenge.acme_status_challenge_id = S_CHALL.from_string_or_unknown(resource.status)
    dbChallenge.timestamp_updated = ctx.timestamp
    if resource.status == "invalid":
        dbAuthz.acme_status_authorization_id = S_AUTHZ.INVALID
        for link in dbAuthz.to_acme_orders:
            if link.acme_order.acme_status_order_id in S_ORDER.IDS_ACTIVE:
                link.acme_order.acme_status_order_id = S_ORDER.INVALID
                _finish(link.acme_order, "processing_completed_failure")
    _event(ctx, "AcmeChallenge__acme_server__sync", dbAuthz.acme_order_created, {"acme_challenge_id": dbChallenge.id})
    ctx.checkpoint()
    return resource.status


# the challenge types this instance can answer: http-01 (its public responder), dns-01 (a DNS
# backend or an acme-dns account publishes the record)
TRIGGER_CHALLENGE_TYPES = ("http-01", "dns-01")


def can_trigger_challenge(ctx, dbChallenge: AcmeChallenge) -> bool:
    """A pending challenge this instance can answer: http-01, or dns-01 when a way to publish the
    name's record is configured (``dns01_publish.publisher_for_name``)."""
    if dbChallenge.acme_status_challenge_id != S_CHALL.PENDING:
        return False
    if dbChallenge.acme_challenge_type == "http-01":
        return True
    if dbChallenge.acme_challenge_type != "dns-01" or dbChallenge.acme_authorization.domain_id is None:
        return False
    try:
        dns01_publish.publisher_for_name(ctx, _authorization_name(dbChallenge.acme_authorization))
    except errors.InvalidRequest:
        return False
    return True


def trigger_challenge(ctx, dbChallenge: AcmeChallenge) -> str:
    """Tell the server a pending challenge is ready, and wait for the authorization's verdict.

    http-01: the public responder answers it (its key authorization is committed already).
    dns-01: the TXT record of the authorization's name (``*.<base>`` for a wildcard authorization)
    is published first, as the order flow does (``dns01_publish.publish_all``: the name's acme-dns
    account or the DNS backend of its zone; wait until every authoritative server answers it),
    then the server is told, and the record is withdrawn once the verdict is in.

    :raises errors.InvalidTransition: not pending, or a type this instance does not answer.
    :raises errors.InvalidRequest: dns-01 for a name with neither a DNS backend for an enclosing
        zone nor an acme-dns account (nothing written, nothing sent).
    :raises errors.DnsError, errors.AcmeDnsError: publishing failed (withdrawn, nothing answered).
    """
    if dbChallenge.acme_status_challenge_id != S_CHALL.PENDING:
        raise errors.InvalidTransition("Only a pending challenge can be triggered.")
    challenge_type = dbChallenge.acme_challenge_type
    if challenge_type not in TRIGGER_CHALLENGE_TYPES:
        raise errors.InvalidTransition(
            "This instance answers %s challenges only." % " and ".join(TRIGGER_CHALLENGE_TYPES)
        )
    dbAuthz = dbChallenge.acme_authorization
    dbOrder = dbAuthz.acme_order_created
    published: List[dns01_publish.Published] = []
    if challenge_type == "dns-01":
        if dbAuthz.domain_id is None or not dbChallenge.keyauthorization:
            raise errors.InvalidTransition("Sync the authorization first: its name and token are not known yet.")
        domain_name = _authorization_name(dbAuthz)
        try:
            dns01_publish.publisher_for_name(ctx, domain_name)
        except errors.InvalidRequest as exc:
            # the one-click action's error: the message names what to configure
            raise errors.InvalidRequest(exc.message)
        published = dns01_publish.publish_all(ctx, [(domain_name, dbChallenge.keyauthorization)])
        _event(ctx, "AcmeOrder__dns01_published", dbOrder, {"published": [handle.as_json() for handle in published]})
        # the record is visible: committed before the server is asked to look
        ctx.checkpoint()
    logger = _order_logger(ctx, dbOrder)
    client = _client(ctx, dbOrder, logger)
    try:
        with logger.scope(acme_authorization_id=dbAuthz.id, acme_challenge_id=dbChallenge.id):
            client.answer_challenge(dbChallenge.challenge_url)
            dbChallenge.acme_status_challenge_id = S_CHALL.PROCESSING
            _event(ctx, "AcmeChallenge__acme_server__trigger", dbOrder, {"acme_challenge_id": dbChallenge.id})
            ctx.checkpoint()
            resource = client.poll_authorization(dbAuthz.authorization_url)
        apply_authorization_resource(ctx, dbAuthz, resource, client.account_key)
        ctx.checkpoint()
    finally:
        if published:
            _withdraw_dns01(ctx, dbOrder, published)
    return resource.status


# --- revocation


# RFC 5280 5.3.1 CRLReason keyCompromise
REASON_KEY_COMPROMISE = 1


def revoke_certificate(ctx, dbCertificate: CertificateSigned, reason: Optional[int] = None) -> None:
    """Revoke a certificate on the ACME server (RFC 8555 7.6), then mark it revoked here.

    Signed with the key of the account that ordered it; a certificate that came by upload is
    revoked with its own private key, on the default ACME server.

    With ``reason`` 1 (RFC 5280 keyCompromise) the certificate's private key is marked
    compromised too (``update.update_PrivateKey__mark``: final; every other certificate of the
    key is marked revoked here; no order, renewal or queue item picks the key again, since every
    key choice requires ``PrivateKey.can_key_sign``).
    """
    if dbCertificate.timestamp_revoked_upstream is not None:
        raise errors.InvalidTransition("The certificate is already revoked on the ACME server.")
    dbOrder = dbCertificate.acme_order
    if dbOrder is not None:
        logger = _order_logger(ctx, dbOrder)
        client = _client(ctx, dbOrder, logger)
        cert_key_pem = None
    else:
        from .get import get__AcmeAccountProvider__default
        from .acme_accounts import acme_transport

        dbProvider = get__AcmeAccountProvider__default(ctx)
        logger = AcmeEventLogger(ctx)
        transport = acme_transport(ctx, dbProvider, logger)
        cert_key = acme_v2.AcmeKey(dbCertificate.private_key.key_pem)
        client = acme_v2.AcmeClient(transport, cert_key)
        cert_key_pem = dbCertificate.private_key.key_pem
    with logger.scope(certificate_signed_id=dbCertificate.id):
        client.revoke_certificate(dbCertificate.cert_pem, reason=reason, cert_key_pem=cert_key_pem)
    was_serving = bool(dbCertificate.is_active) and dbCertificate.timestamp_not_after > ctx.timestamp
    dbCertificate.timestamp_revoked_upstream = ctx.timestamp
    dbCertificate.is_revoked = True
    dbCertificate.is_active = False
    dbCertificate.is_deactivated = None
    dbKey = dbCertificate.private_key
    key_compromised = (
        reason == REASON_KEY_COMPROMISE and dbKey is not None and not dbKey.is_placeholder and not dbKey.is_compromised
    )
    dbEvent = log__OperationsEvent(
        ctx,
        "CertificateSigned__revoke",
        {
            "certificate_signed_id": dbCertificate.id,
            "reason": reason,
            "private_key_id__compromised": dbKey.id if key_compromised else None,
        },
    )
    log__OperationsObjectEvent(ctx, "CertificateSigned__revoke", dbCertificate, dbEvent)
    ctx.dbsession.flush()
    if key_compromised:
        from .update import update_PrivateKey__mark

        dbCertificate.is_compromised_private_key = True
        update_PrivateKey__mark(ctx, dbKey, "compromised", via_acme=True)
    domain_ids = actions.domain_ids__of_certificates(ctx, [dbCertificate.id])
    actions.update_recents__domains(ctx, domain_ids)
    # once committed (the checkpoint below), Redis and the nginx caches stop serving it
    actions_redis.refresh_domains__after_commit(
        ctx,
        domain_ids,
        revoked_certificate_ids=[dbCertificate.id],
        compromised_private_key_ids=[dbKey.id] if key_compromised else [],
    )
    if was_serving:
        # its names need another certificate (coverage assurance), notified with this commit
        coverage.raise_certificate_revoked(ctx, dbCertificate, via_acme=True)
    ctx.checkpoint()


# --- orders from orders


def retry_order(ctx, dbOrder: AcmeOrder) -> AcmeOrder:
    """A new order with everything of a failed one (account, key, names, strategies)."""
    if dbOrder.acme_status_order_id not in S_ORDER.IDS_RETRY:
        raise errors.InvalidTransition("Only a failed order (%s) can be retried." % ", ".join(S_ORDER.OPTIONS_RETRY))
    return place_order(ctx, OrderSpec.from_order(ctx, dbOrder, "retry"))


def renew_order(ctx, dbOrder: AcmeOrder, processing_strategy: str, values: Optional[dict] = None) -> AcmeOrder:
    """A new order for the same names: quick (same account and key policy) or, with the renew
    form's ``values`` (``OrderSpec.from_form``), custom."""
    if dbOrder.acme_status_order_id not in S_ORDER.IDS_RENEW:
        raise errors.InvalidTransition("Only a valid, ready or vanished (`*404*`) order can be renewed.")
    kind = "renew_quick" if values is None else "renew_custom"
    return place_order(ctx, OrderSpec.from_order(ctx, dbOrder, kind, processing_strategy=processing_strategy, values=values))


def audit_order(ctx, dbOrder: AcmeOrder) -> dict:
    """What an operator checks when an order is stuck, read from the database only (no ACME call):
    the order's core fields, its account and ACME server, its private key, its domain set, each
    authorization with its challenges (the http-01 one: whether the public responder answers it
    now), and ``problems``: one sentence per thing that keeps the order from completing."""
    dbAccount = dbOrder.acme_account
    dbProvider = dbAccount.acme_account_provider
    dbKey = dbOrder.private_key
    problems = []
    if not dbProvider.is_enabled:
        problems.append("The ACME server `%s` is not enabled here." % dbProvider.name)
    if not dbAccount.is_active:
        problems.append("The ACME account is not active.")
    elif not dbAccount.account_url:
        problems.append("The ACME account is not registered on the server yet (no account URL).")
    if not dbKey.is_placeholder and not dbKey.is_key_usable:
        problems.append("The private key is not usable (inactive or compromised).")
    if not dbOrder.order_url:
        problems.append("The order was never created on the ACME server.")
    if dbOrder.timestamp_expires is not None and dbOrder.timestamp_expires <= ctx.timestamp:
        problems.append("The order expired on the ACME server at %s." % dbOrder.timestamp_expires.isoformat())
    if dbOrder.acme_status_order_id in S_ORDER.IDS_ACTIVE and dbOrder.is_processing is not True:
        problems.append("The order is active on the server but not being processed here (`is_processing`).")
    expected = dbOrder.domains_challenged
    authorizations = []
    for link in sorted(dbOrder.to_acme_authorizations, key=lambda link: link.acme_authorization_id):
        dbAuthz = link.acme_authorization
        domain_name = dbAuthz.domain.domain_name if dbAuthz.domain is not None else None
        entry = {
            "id": str(dbAuthz.id),
            "domain_name": domain_name,
            "acme_status_authorization": dbAuthz.acme_status_authorization,
            "timestamp_expires": dbAuthz.timestamp_expires.isoformat() if dbAuthz.timestamp_expires else None,
            "acme_challenge_type__expected": expected.get(domain_name) if domain_name else None,
            "AcmeChallenges": {c.acme_challenge_type: c.acme_status_challenge for c in dbAuthz.acme_challenges},
            "http-01": None,
        }
        dbHttp01 = dbAuthz.acme_challenge_http_01
        if dbHttp01 is not None:
            answered = get.get__AcmeChallenge__answerable(ctx, dbHttp01.token, dbHttp01.domain.domain_name)
            entry["http-01"] = {
                "id": str(dbHttp01.id),
                "acme_status_challenge": dbHttp01.acme_status_challenge,
                "token": dbHttp01.token,
                "keyauthorization": dbHttp01.keyauthorization,
                "is_answered_by_responder": answered is not None and answered.id == dbHttp01.id,
            }
        if dbAuthz.acme_status_authorization_id == S_AUTHZ.INVALID:
            problems.append("The authorization for `%s` is invalid." % (domain_name or dbAuthz.id))
        elif (
            dbAuthz.acme_status_authorization_id in S_AUTHZ.IDS_POSSIBLY_PENDING
            and dbAuthz.timestamp_expires is not None
            and dbAuthz.timestamp_expires <= ctx.timestamp
        ):
            problems.append("The authorization for `%s` expired while pending." % (domain_name or dbAuthz.id))
        authorizations.append(entry)
    if dbOrder.order_url and len(authorizations) < len(dbOrder.domains_as_list):
        problems.append(
            "%d of the order's %d names have no authorization known here (sync the authorizations)."
            % (len(dbOrder.domains_as_list) - len(authorizations), len(dbOrder.domains_as_list))
        )
    return {
        "AcmeOrder": {
            "id": str(dbOrder.id),
            "acme_status_order": dbOrder.acme_status_order,
            "acme_order_type": dbOrder.acme_order_type,
            "acme_order_processing_status": dbOrder.acme_order_processing_status,
            "acme_order_processing_strategy": dbOrder.acme_order_processing_strategy,
            "is_processing": dbOrder.is_processing,
            "timestamp_created": dbOrder.timestamp_created.isoformat() if dbOrder.timestamp_created else None,
            "timestamp_expires": dbOrder.timestamp_expires.isoformat() if dbOrder.timestamp_expires else None,
            "timestamp_updated": dbOrder.timestamp_updated.isoformat() if dbOrder.timestamp_updated else None,
            "order_url": dbOrder.order_url,
            "certificate_signed_id": str(dbOrder.certificate_signed_id) if dbOrder.certificate_signed_id else None,
        },
        "AcmeAccount": {
            "id": str(dbAccount.id),
            "contact": dbAccount.contact,
            "is_active": bool(dbAccount.is_active),
            "account_url": dbAccount.account_url,
        },
        "AcmeAccountProvider": {
            "id": str(dbProvider.id),
            "name": dbProvider.name,
            "directory": dbProvider.directory,
            "is_enabled": bool(dbProvider.is_enabled),
        },
        "PrivateKey": {
            "id": str(dbKey.id),
            "is_placeholder": dbKey.is_placeholder,
            "is_active": bool(dbKey.is_active),
            "is_compromised": bool(dbKey.is_compromised),
            "private_key_strategy__requested": dbOrder.private_key_strategy__requested,
            "private_key_strategy__final": dbOrder.private_key_strategy__final,
        },
        "UniqueFQDNSet": {"id": str(dbOrder.unique_fqdn_set_id), "domains_challenged": expected},
        "AcmeAuthorizations": authorizations,
        "problems": problems,
    }


ORDER_MARK_ACTIONS = ("invalid", "deactivate", "renew_auto", "renew_manual")


def mark_order(ctx, dbOrder: AcmeOrder, action: str) -> str:
    """Local marks: ``invalid`` (stop using it), ``deactivate`` (stop processing), renewal mode."""
    if action not in ORDER_MARK_ACTIONS:
        raise errors.InvalidRequest("`action` must be one of: %s." % ", ".join(ORDER_MARK_ACTIONS), field="action")
    if action == "invalid":
        if dbOrder.acme_status_order_id in S_ORDER.IDS_X_MARK_INVALID:
            raise errors.InvalidTransition("An order `%s` cannot be marked invalid." % dbOrder.acme_status_order, field="action")
        dbOrder.acme_status_order_id = S_ORDER.INVALID
        _finish(dbOrder, "processing_completed_failure")
        event = "AcmeOrder__mark__invalid"
    elif action == "deactivate":
        if dbOrder.is_processing is not True:
            raise errors.InvalidTransition("The order is not being processed.", field="action")
        dbOrder.is_processing = False
        event = "AcmeOrder__mark__deactivate"
    elif action == "renew_auto":
        if dbOrder.is_auto_renew:
            raise errors.InvalidTransition("The order already renews automatically.", field="action")
        dbOrder.is_auto_renew = True
        event = "AcmeOrder__mark__renew_auto"
    else:
        if not dbOrder.is_auto_renew:
            raise errors.InvalidTransition("The order already renews manually.", field="action")
        dbOrder.is_auto_renew = False
        event = "AcmeOrder__mark__renew_manual"
    _event(ctx, event, dbOrder)
    ctx.dbsession.flush()
    return event
