"""What every ACME view shares: the one mapping of ACME errors to answers, loaders, list queries.

How an ACME view answers (the house conventions of ``lib/handler.py``, plus the server):

* bad input (``errors.InvalidRequest`` and its family): HTTP 400 form errors; the transaction
  is doomed, so nothing the request did locally is kept;
* the ACME server said no, or could not be reached (``errors.AcmeError``): HTTP 200 with
  ``{"result": "error", "error": ...}`` (plus ``problem``, the server's RFC 7807 document, or
  ``AcmeOrder`` when an order failed), or a 303 with ``?result=error&error=...``. The request
  itself was fine. What the server did, and every exchange (an AcmeEventLog row, so the failure
  can be read in the event log), is committed already by the ACME code (``ctx.checkpoint()``);
  the rest of the request is rolled back as usual.

The list queries live here because only these views use them; they are plain
``sqlalchemy.select`` statements run by ``Handler.paged_list`` (``lib.db.get.count``/``page``).
"""

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from ...lib import errors
from ...lib.db import get
from ...lib.db.actions_acme import AcmeOrderFailed
from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountKey
from ...model.objects import AcmeAccountProvider
from ...model.objects import AcmeAuthorization
from ...model.objects import AcmeChallenge
from ...model.objects import AcmeChallengePoll
from ...model.objects import AcmeChallengeUnknownPoll
from ...model.objects import AcmeEventLog
from ...model.objects import AcmeOrder
from ...model.objects import AcmeOrder2AcmeAuthorization
from ...model.objects import UniqueFQDNSet
from ...model.objects import UniqueFQDNSet2Domain
from ..lib.handler import Handler


def _close_dbsession(request) -> None:
    dbsession = request.__dict__.get("dbsession")  # reified: only if the request used one
    if dbsession is not None:
        dbsession.close()


class AcmeHandler(Handler):
    """A Handler that also answers ACME failures (see the module docstring)."""

    def __init__(self, request):
        super().__init__(request)
        # The session is joined with zope.sqlalchemy's keep_session (model.meta.get_tm_session, so
        # that ctx.checkpoint() keeps objects attached), which never closes it: an aborted request
        # (404, bad input) would hold its connection until garbage collection. Close it when the
        # request is done.
        request.add_finished_callback(_close_dbsession)

    def acme_error(self, exc: errors.AcmeError, location: str, operation: str, **extra):
        """The answer to an ACME failure: a JSON envelope (HTTP 200) or a 303 to ``location`` (to the
        order's page when an order failed). ``extra`` goes in the envelope (and the query string,
        when it is text)."""
        self.request.tm.doom()
        extra = {key: value for key, value in extra.items() if value is not None}
        payload = dict(self.acme_error_payload(exc), operation=operation)
        if self.is_json:
            payload.update(extra)
            return payload
        if isinstance(exc, AcmeOrderFailed):
            location = self.request.route_path("admin:acme_order:focus", id=exc.acme_order_id)
        extra = {key: value for key, value in extra.items() if isinstance(value, str)}
        return self.redirect_result(location, "error", operation, error=payload["error"], **extra)

    def acme_error_payload(self, exc: errors.AcmeError) -> dict:
        """``{"result": "error", "error": ...}`` with what the failure carries: the server's problem
        document, or the order that failed."""
        payload = {"result": "error"}
        if isinstance(exc, AcmeOrderFailed):
            payload["error"] = exc.message
            payload["problem"] = exc.problem
            dbOrder = get__AcmeOrder(self.ctx, exc.acme_order_id)
            payload["AcmeOrder"] = dbOrder.as_json if dbOrder is not None else None
        elif isinstance(exc, errors.AcmeServerError):
            payload["error"] = exc.detail or str(exc)
            payload["problem"] = exc.problem
            payload["problem_code"] = exc.code
        elif isinstance(exc, errors.AcmeTimeout):
            payload["error"] = "The ACME server did not answer in time: %s" % exc.message
        elif isinstance(exc, errors.AcmeCommunicationError):
            payload["error"] = "The ACME server could not be reached: %s" % exc.message
        else:
            payload["error"] = str(exc)
        return payload

    def require_enabled_server(self, dbProvider: AcmeAccountProvider) -> None:
        """Refuse to talk to an ACME server that is not enabled here.

        :raises errors.InvalidTransition: the server is not enabled (``certificate_authorities_enable``).
        """
        if not dbProvider.is_enabled:
            raise errors.InvalidTransition(
                "The ACME server `%s` is not enabled (see `certificate_authority` and "
                "`certificate_authorities_enable`)." % dbProvider.name
            )

    def paged_list_as_list(self, statement, json_key: str, **template_values) -> dict:
        """``paged_list`` for the collections the specification returns as JSON lists (AcmeOrders)."""
        pagination = self.paginate(get.count(self.ctx, statement))
        items = get.page(self.ctx, statement, pagination.items_per_page, pagination.offset)
        if self.is_json:
            return {json_key: [item.as_json for item in items], "pagination": pagination.as_json()}
        return dict(template_values, items=items, pagination=pagination)

    def status_filter(self, allowed: dict) -> Optional[tuple]:
        """The ids selected by ``?status=`` (``allowed`` maps a name to ids; no value: all).

        :raises errors.InvalidRequest: an unknown status name.
        """
        status = self.request.GET.get("status")
        if not status or status == "all":
            return None
        if status not in allowed:
            raise errors.InvalidRequest(
                "`status` must be one of: all, %s." % ", ".join(allowed), field="status"
            )
        return allowed[status]


# --- loaders (for Handler.load: getter(ctx, id))


def get__AcmeAccount(ctx, account_id: int) -> Optional[AcmeAccount]:
    return ctx.dbsession.scalars(
        query__AcmeAccount().where(AcmeAccount.id == account_id)
    ).first()


def get__AcmeOrder(ctx, order_id: int) -> Optional[AcmeOrder]:
    return ctx.dbsession.scalars(_order_options(sa.select(AcmeOrder)).where(AcmeOrder.id == order_id)).first()


def get__AcmeAuthorization(ctx, authorization_id: int) -> Optional[AcmeAuthorization]:
    return ctx.dbsession.scalars(
        sa.select(AcmeAuthorization)
        .options(
            joinedload(AcmeAuthorization.domain),
            selectinload(AcmeAuthorization.acme_challenges).joinedload(AcmeChallenge.domain),
        )
        .where(AcmeAuthorization.id == authorization_id)
    ).first()


def get__AcmeChallenge(ctx, challenge_id: int) -> Optional[AcmeChallenge]:
    return ctx.dbsession.scalars(
        sa.select(AcmeChallenge).options(joinedload(AcmeChallenge.domain)).where(AcmeChallenge.id == challenge_id)
    ).first()


def get__AcmeEventLog(ctx, event_id: int) -> Optional[AcmeEventLog]:
    return ctx.dbsession.get(AcmeEventLog, event_id)


# --- list queries (newest first)


def query__AcmeAccountProvider():
    return sa.select(AcmeAccountProvider).order_by(AcmeAccountProvider.id)


def query__AcmeAccount():
    return (
        sa.select(AcmeAccount)
        .options(joinedload(AcmeAccount.acme_account_provider), selectinload(AcmeAccount.acme_account_key))
        .order_by(AcmeAccount.id.desc())
    )


def query__AcmeAccountKey(acme_account_id: int):
    return (
        sa.select(AcmeAccountKey)
        .where(AcmeAccountKey.acme_account_id == acme_account_id)
        .order_by(AcmeAccountKey.id.desc())
    )


def _order_options(statement):
    return statement.options(
        joinedload(AcmeOrder.acme_account),
        joinedload(AcmeOrder.private_key),
        selectinload(AcmeOrder.to_acme_authorizations),
        selectinload(AcmeOrder.unique_fqdn_set)
        .selectinload(UniqueFQDNSet.to_domains)
        .joinedload(UniqueFQDNSet2Domain.domain),
    )


ORDER_LISTS = {
    "all": None,
    "active": model_utils.Acme_Status_Order.IDS_ACTIVE,
    "finished": model_utils.Acme_Status_Order.IDS_FINISHED,
}


def query__AcmeOrder(which: str = "all", acme_account_id: Optional[int] = None, acme_authorization_id: Optional[int] = None):
    statement = _order_options(sa.select(AcmeOrder))
    status_ids = ORDER_LISTS[which]
    if status_ids is not None:
        statement = statement.where(AcmeOrder.acme_status_order_id.in_(status_ids))
    if acme_account_id is not None:
        statement = statement.where(AcmeOrder.acme_account_id == acme_account_id)
    if acme_authorization_id is not None:
        statement = statement.where(
            AcmeOrder.id.in_(
                sa.select(AcmeOrder2AcmeAuthorization.acme_order_id).where(
                    AcmeOrder2AcmeAuthorization.acme_authorization_id == acme_authorization_id
                )
            )
        )
    return statement.order_by(AcmeOrder.id.desc())


AUTHORIZATION_STATUSES = {"active": model_utils.Acme_Status_Authorization.IDS_POSSIBLY_PENDING}


def query__AcmeAuthorization(status_ids=None, acme_account_id: Optional[int] = None):
    statement = sa.select(AcmeAuthorization).options(joinedload(AcmeAuthorization.domain))
    if status_ids is not None:
        statement = statement.where(AcmeAuthorization.acme_status_authorization_id.in_(status_ids))
    if acme_account_id is not None:
        statement = statement.where(
            AcmeAuthorization.id.in_(
                sa.select(AcmeOrder2AcmeAuthorization.acme_authorization_id)
                .join(AcmeOrder, AcmeOrder.id == AcmeOrder2AcmeAuthorization.acme_order_id)
                .where(AcmeOrder.acme_account_id == acme_account_id)
            )
        )
    return statement.order_by(AcmeAuthorization.id.desc())


CHALLENGE_STATUSES = {
    "active": model_utils.Acme_Status_Challenge.IDS_POSSIBLY_ACTIVE,
    "resolved": model_utils.Acme_Status_Challenge.IDS_RESOLVED,
    "processing": model_utils.Acme_Status_Challenge.IDS_PROCESSING,
}


def query__AcmeChallenge(status_ids=None, acme_authorization_id: Optional[int] = None):
    statement = sa.select(AcmeChallenge).options(joinedload(AcmeChallenge.domain))
    if status_ids is not None:
        statement = statement.where(AcmeChallenge.acme_status_challenge_id.in_(status_ids))
    if acme_authorization_id is not None:
        statement = statement.where(AcmeChallenge.acme_authorization_id == acme_authorization_id)
    return statement.order_by(AcmeChallenge.id.desc())


def query__AcmeChallengePoll():
    return (
        sa.select(AcmeChallengePoll)
        .options(joinedload(AcmeChallengePoll.remote_ip_address))
        .order_by(AcmeChallengePoll.id.desc())
    )


def query__AcmeChallengeUnknownPoll():
    return (
        sa.select(AcmeChallengeUnknownPoll)
        .options(joinedload(AcmeChallengeUnknownPoll.remote_ip_address))
        .order_by(AcmeChallengeUnknownPoll.id.desc())
    )


def query__AcmeEventLog(acme_order_id: Optional[int] = None):
    statement = sa.select(AcmeEventLog)
    if acme_order_id is not None:
        statement = statement.where(AcmeEventLog.acme_order_id == acme_order_id)
    return statement.order_by(AcmeEventLog.id.desc())
