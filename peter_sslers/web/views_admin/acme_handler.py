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

"""

from typing import Optional


from ...lib import errors
from ...lib.db import get
from ...lib.db.actions_acme import AcmeOrderFailed
from ...model.objects import AcmeAccountProvider
from ..lib.handler import Handler


class AcmeHandler(Handler):
    """A Handler that also answers ACME failures (see the module docstring)."""

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
            dbOrder = get.get__AcmeOrder(self.ctx, exc.acme_order_id)
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
