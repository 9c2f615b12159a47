"""AcmeAuthorization: list, focus, sync and deactivate on the ACME server, related orders and challenges (the
focus page triggers each pending challenge this instance can answer: http-01, dns-01)."""

from ...lib import errors
from ...lib.db import get
from ...lib.db import actions_acme
from ...model import utils as model_utils
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_challenge import challenge_json
from .acme_handler import AcmeHandler


@focus_loader("admin:acme_authorization:focus")
def load_authorization(handler: AcmeHandler):
    return handler.load(get.get__AcmeAuthorization, "AcmeAuthorization")


def _authorization_json(ctx, dbAuthz) -> dict:
    """The authorization, its challenges (each with ``is_can_acme_server_trigger``), its orders, and
    what can be done with it."""
    payload = dbAuthz.as_json
    payload["is_can_acme_server_sync"] = True
    payload["is_can_acme_server_deactivate"] = (
        dbAuthz.acme_status_authorization_id in model_utils.Acme_Status_Authorization.IDS_DEACTIVATE
    )
    payload["acme_order_ids"] = sorted(str(link.acme_order_id) for link in dbAuthz.to_acme_orders)
    return {"AcmeAuthorization": payload, "AcmeChallenges": [challenge_json(ctx, c) for c in dbAuthz.acme_challenges]}


class ViewList(AcmeHandler):
    @admin_view("admin:acme_authorizations", renderer="/admin/acme_authorizations.mako", paginate=True)
    def list(self):
        """Authorizations, newest first (`?status=active`: pending or not fetched yet)."""
        statement = get.query__AcmeAuthorization(self.status_filter(get.AUTHORIZATION_STATUSES))
        return self.paged_list(statement, "AcmeAuthorizations", page_title="ACME authorizations", statuses=("all", "active"))


class ViewFocus(AcmeHandler):
    @admin_view("admin:acme_authorization:focus", renderer="/admin/acme_authorization-focus.mako")
    def focus(self):
        """One authorization, with its challenges; a pending one this instance can answer (http-01, or dns-01
        with a DNS backend or an acme-dns account for the name) is triggered with
        /acme-challenge/{id}/acme-server/trigger (`is_can_acme_server_trigger`)."""
        dbAuthz = load_authorization(self)
        if self.is_json:
            return _authorization_json(self.ctx, dbAuthz)
        triggerable = [c.id for c in dbAuthz.acme_challenges if actions_acme.can_trigger_challenge(self.ctx, c)]
        return {"AcmeAuthorization": dbAuthz, "triggerable_challenge_ids": triggerable}

    def _act(self, operation: str, run):
        dbAuthz = load_authorization(self)
        focus_url = self.request.route_path("admin:acme_authorization:focus", id=dbAuthz.id)
        try:
            self.require_enabled_server(dbAuthz.acme_order_created.acme_account.acme_account_provider)
            status = run(dbAuthz)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, operation)
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, operation)
        if self.is_json:
            payload = {"result": "success", "operation": operation, "acme_status_authorization": status}
            payload.update(_authorization_json(self.ctx, get.get__AcmeAuthorization(self.ctx, dbAuthz.id)))
            return payload
        return self.redirect_result(focus_url, "success", operation)

    @admin_view(
        "admin:acme_authorization:focus:acme_server:sync",
        post=True,
        about="Read the authorization and its challenges from the ACME server (`*404*` when it is gone).",
        example="curl -X POST {ADMIN_URL}/acme-authorization/1/acme-server/sync.json",
    )
    def acme_server_sync(self):
        return self._act("acme-server-sync", lambda a: actions_acme.sync_authorization(self.ctx, a))

    @admin_view(
        "admin:acme_authorization:focus:acme_server:deactivate",
        post=True,
        about="Deactivate a pending authorization on the ACME server; the orders that need it stop.",
        confirm=lambda h: (
            "Deactivate authorization %s on the ACME server? The orders that need it can never complete."
            % h.request.matchdict.get("id")
        ),
        example="curl -X POST {ADMIN_URL}/acme-authorization/1/acme-server/deactivate.json",
    )
    def acme_server_deactivate(self):
        return self._act("acme-server-deactivate", lambda a: actions_acme.deactivate_authorization(self.ctx, a))

    @admin_view("admin:acme_authorization:focus:acme_orders", renderer="/admin/acme_orders.mako", paginate=True)
    def acme_orders(self):
        """The orders that list this authorization."""
        dbAuthz = load_authorization(self)
        statement = get.query__AcmeOrder(acme_authorization_id=dbAuthz.id)
        return self.paged_list_as_list(statement, "AcmeOrders", page_title="Orders of authorization %s" % dbAuthz.id, which=None)

    @admin_view("admin:acme_authorization:focus:acme_challenges", renderer="/admin/acme_challenges.mako", paginate=True)
    def acme_challenges(self):
        """The challenges of this authorization."""
        dbAuthz = load_authorization(self)
        statement = get.query__AcmeChallenge(acme_authorization_id=dbAuthz.id)
        return self.paged_list(statement, "AcmeChallenges", page_title="Challenges of authorization %s" % dbAuthz.id, statuses=())
