"""What every ACME view shares: the one mapping of ACME errors to answers, loaders, list queries.

How an ACME view answers (the house conventions of ``lib/handler.py``, plus the server):

* bad input (``errors.InvalidRequest`` and its family): HTTP 400 form errors; the transaction
  is doomed, so nothing the request did locally is kept;
* the ACME server said no (HTTP 502), or could not be reached (HTTP 503) (``errors.AcmeError``):
  ``{"result": "error", "error": ..., "form_errors": ..., "operation": ..., "service": "acme"}``
  (plus ``problem``, the server's RFC 7807 document, or ``AcmeOrder`` when an order failed), or a
  303 with ``?result=error&error=...``. 2021 answered HTTP 200: a cron job could not see it. What the server did, and every exchange (an AcmeEventLog row, so the failure
  can be read in the event log), is committed already by the ACME code (``ctx.checkpoint()``);
  the rest of the request is rolled back as usual.

"""

from typing import Optional


from ...lib import errors
from ...lib.db import get
from ...lib.db import order_spec
from ...model import utils as model_utils
from ...model.objects import AcmeAccount
from ...model.objects import AcmeAccountProvider
from ..lib.handler import Handler


class AcmeHandler(Handler):
    """A Handler that also answers ACME failures (see the module docstring)."""

    def acme_error(self, exc: errors.AcmeError, location: str, operation: str, **extra):
        """The answer to an ACME failure: ``Handler.outside_error`` (502/503 JSON envelope, or a 303
        to ``location``, to the order's page when an order failed)."""
        return self.outside_error(exc, location, operation, **extra)

    def acme_error_payload(self, exc: errors.AcmeError) -> dict:
        return dict(self.outside_error_payload(exc), result="error")

    def require_enabled_server(self, dbProvider: AcmeAccountProvider) -> None:
        """Refuse to talk to an ACME server that is not enabled here.

        :raises errors.InvalidTransition: the server is not enabled (``certificate_authorities_enable``).
        """
        if not dbProvider.is_enabled:
            raise errors.InvalidTransition(
                "The ACME server `%s` is not enabled (see `certificate_authority` and "
                "`certificate_authorities_enable`)." % dbProvider.name
            )

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


def domain_names_field(exc: errors.InvalidRequest, values: Optional[dict] = None) -> errors.InvalidRequest:
    """``lib`` names the names' field `domain_names`; the order forms (new order, both queues)
    have two: `domain_names_dns01` for an error about a dns-01 name (no way to publish its
    record) or when only dns-01 names were given, else `domain_names_http01`."""
    if exc.field == "domain_names":
        values = values or {}
        dns01 = (values.get("domain_names_dns01") and not values.get("domain_names_http01")) or (
            exc.message.startswith("dns-01 for")
        )
        exc.field = "domain_names_dns01" if dns01 else "domain_names_http01"
    return exc


# --- loaders (for Handler.load: getter(ctx, id))


def order_json(handler: Handler, order_id: int) -> dict:
    """An order as JSON, read again: processing commits midway."""
    return get.get__AcmeOrder(handler.ctx, order_id).as_json


class OrderFormHandler(AcmeHandler):
    """What the order forms (new, renew custom, the queues') render besides values and errors.
    What they submit is parsed by ``lib/db/order_spec.OrderSpec.from_form``."""

    def form_options(self, **extra) -> dict:
        accounts = self.ctx.dbsession.scalars(get.query__AcmeAccount().where(AcmeAccount.is_active.is_(True))).all()
        values = {
            "AcmeAccounts": [a for a in accounts if a.is_usable],
            "AcmeAccount_GlobalDefault": get.get__AcmeAccount__global_default(self.ctx),
            "processing_strategies": order_spec.PROCESSING_STRATEGIES,
            "private_key_options": tuple(order_spec.PRIVATE_KEY_OPTIONS),
            "private_key_cycles": model_utils.PrivateKeyCycle.OPTIONS_ACME_ORDER,
        }
        values.update(extra)
        return values

    def form_page(self, **extra) -> dict:
        return dict(self.form_options(**extra), form_errors={}, form_values=dict(self.request.GET))
