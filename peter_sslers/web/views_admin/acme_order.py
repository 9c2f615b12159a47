"""AcmeOrder: lists, new (freeform), focus, processing, the ACME-server actions, retry, renew, mark
and the order's event log."""

from pyramid.httpexceptions import HTTPSeeOther

from ...lib import errors
from ...lib.db import actions_acme
from ...lib.db import get
from ...lib.db import queues
from ...lib.db.order_spec import OrderSpec
from ..lib import forms_2021
from ..lib import forms_acme
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler
from .acme_handler import OrderFormHandler
from .acme_handler import domain_names_field
from .acme_handler import order_json

FREEFORM_EXAMPLE = (
    "curl --form 'domain_names_http01=example.com,www.example.com' --form 'domain_names_dns01=*.example.com' "
    "--form 'processing_strategy=process_single' {ADMIN_URL}/acme-order/new/freeform.json"
)


@focus_loader("admin:acme_order:focus")
def load_order(handler: AcmeHandler):
    return handler.load(get.get__AcmeOrder, "AcmeOrder")


class ViewList(AcmeHandler):
    @admin_view("admin:acme_orders")
    def index(self):
        """Redirects to the active orders."""
        return HTTPSeeOther(
            location=self.request.route_path("admin:acme_orders:list" + ("|json" if self.is_json else ""), which="active")
        )

    @admin_view("admin:acme_orders:list", renderer="/admin/acme_orders.mako", paginate=True)
    def list(self):
        """Orders: `all`, `active` (pending, ready, processing) or `finished` (valid, invalid)."""
        which = self.request.matchdict["which"]
        return self.paged_list_as_list(get.query__AcmeOrder(which), "AcmeOrders", page_title="ACME orders: %s" % which, which=which)


class ViewNew(OrderFormHandler):
    def _get_freeform(self):
        """The page a GET shows: the form."""
        return self.form_page()

    @admin_view(
        "admin:acme_order:new:freeform",
        renderer="/admin/acme_order-new-freeform.mako",
        post=True,
        get="_get_freeform",
        schema=forms_acme.AcmeOrderNewFreeform,
        about="Order a certificate for these domain names, each validated with http-01 or dns-01 (wildcards: "
        "dns-01 only), with an ACME account (default: the global default) and a private key choice.",
        example=FREEFORM_EXAMPLE,
        notes=(
            "A failure the ACME server reports answers `result: error` with the `AcmeOrder` as recorded.",
            "`process_multi`: advance the order with /acme-order/{id}/acme-process.",
            "dns-01 (`domain_names_dns01`): the TXT records of all the order's dns-01 names are published (RFC 2136 "
            "DNS backend or acme-dns account), checked at the zone's authoritative servers, then the challenges "
            "are answered; the records are removed once validated. A publishing failure answers no challenge and "
            "is a 502/503 `result: error` (the order is recorded as failed).",
        ),
    )
    def freeform(self):
        values = None
        try:
            forms_2021.translate(self)
            values = self.validate(forms_acme.AcmeOrderNewFreeform)
            dbOrder = actions_acme.place_order(self.ctx, OrderSpec.from_form(self.ctx, values))
            # a certificate made here closes the renewal queue's items for its names
            queues.close_items_for_order(self.ctx, dbOrder)
        except errors.InvalidRequest as exc:
            return self.form_error(domain_names_field(exc, values), **self.form_options())
        except self.OUTSIDE_ERRORS as exc:
            # an ACME failure, or publishing a dns-01 record failed (errors.DnsError, errors.AcmeDnsError)
            return self.acme_error(exc, self.request.route_path("admin:acme_order:new:freeform"), "new-freeform")
        if self.is_json:
            return {"result": "success", "operation": "new-freeform", "AcmeOrder": order_json(self, dbOrder.id)}
        return self.redirect_result(self.request.route_path("admin:acme_order:focus", id=dbOrder.id), "success", "new-freeform")


class ViewFocus(OrderFormHandler):
    @admin_view("admin:acme_order:focus", renderer="/admin/acme_order-focus.mako")
    def focus(self):
        """One order, with its authorizations and what can be done with it next."""
        dbOrder = load_order(self)
        if self.is_json:
            return {"AcmeOrder": dbOrder.as_json}
        authorizations = [get.get__AcmeAuthorization(self.ctx, i) for i in sorted(dbOrder.acme_authorization_ids)]
        return {
            "AcmeOrder": dbOrder,
            "AcmeAuthorizations": authorizations,
            "order_mark_actions": actions_acme.ORDER_MARK_ACTIONS,
            "processing_strategies": actions_acme.PROCESSING_STRATEGIES,
        }

    def _act(self, operation: str, run, schema=None, server: bool = True):
        """A one-click action on the order: ``run(dbOrder, values)`` returns ``(order id to show, extra JSON)``."""
        dbOrder = load_order(self)
        focus_url = self.request.route_path("admin:acme_order:focus", id=dbOrder.id)
        action = self.posted_text("action") if schema is forms_acme.AcmeOrderMark else None
        try:
            values = self.validate(schema) if schema is not None else {}
            if server:
                self.require_enabled_server(dbOrder.acme_account.acme_account_provider)
            had_certificate = dbOrder.certificate_signed_id is not None
            order_id, extra = run(dbOrder, values)
            if order_id != dbOrder.id or not had_certificate:
                # a certificate downloaded by this action closes the renewal queue's items for its names
                queues.close_items_for_order(self.ctx, get.get__AcmeOrder(self.ctx, order_id))
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, operation, **({"action": action} if action else {}))
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, operation, action=action)
        if self.is_json:
            payload = {"result": "success", "operation": operation}
            if action:
                payload["action"] = action
            payload.update(extra)
            payload["AcmeOrder"] = order_json(self, order_id)
            return payload
        redirect_extra = {k: v for k, v in extra.items() if isinstance(v, str)}
        if action:
            redirect_extra["action"] = action
        location = self.request.route_path("admin:acme_order:focus", id=order_id)
        return self.redirect_result(location, "success", operation, **redirect_extra)

    @admin_view(
        "admin:acme_order:focus:acme_process",
        post=True,
        about="Advance the order one step: answer one pending authorization, or finalize it, or download its "
        "certificate.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-process.json",
        notes=("`step` says what was done: authorization, finalized, downloaded or nothing.",),
    )
    def acme_process(self):
        return self._act(
            "acme-process", lambda o, v: (o.id, {"step": actions_acme.process_order(self.ctx, o, one_step=True)})
        )

    @admin_view(
        "admin:acme_order:focus:acme_finalize",
        post=True,
        about="Carry the order through to its certificate: answer what is pending, finalize, download.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-finalize.json",
    )
    def acme_finalize(self):
        return self._act("acme-finalize", lambda o, v: (o.id, {"step": actions_acme.process_order(self.ctx, o)}))

    @admin_view(
        "admin:acme_order:focus:acme_server:sync",
        post=True,
        about="Read the order from the ACME server and store its status (`*404*` when the server forgot it).",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-server/sync.json",
    )
    def acme_server_sync(self):
        return self._act("acme-server-sync", lambda o, v: (o.id, {"acme_status_order": actions_acme.sync_order(self.ctx, o)}))

    @admin_view(
        "admin:acme_order:focus:acme_server:sync_authorizations",
        post=True,
        about="Sync the order, then each of its authorizations and their challenges.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-server/sync-authorizations.json",
    )
    def acme_server_sync_authorizations(self):
        def run(dbOrder, values):
            results = actions_acme.sync_order_authorizations(self.ctx, dbOrder)
            return dbOrder.id, {"AcmeAuthorizations": {str(k): v for k, v in results.items()}}

        return self._act("acme-server-sync-authorizations", run)

    @admin_view(
        "admin:acme_order:focus:acme_server:deactivate_authorizations",
        post=True,
        about="Deactivate every pending authorization of the order on the ACME server; the order stops.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-server/deactivate-authorizations.json",
    )
    def acme_server_deactivate_authorizations(self):
        def run(dbOrder, values):
            results = actions_acme.deactivate_order_authorizations(self.ctx, dbOrder)
            return dbOrder.id, {"AcmeAuthorizations": {str(k): v for k, v in results.items()}}

        return self._act("acme-server-deactivate-authorizations", run)

    @admin_view(
        "admin:acme_order:focus:acme_server:download_certificate",
        post=True,
        about="Download the certificate of a valid order (and its alternate chains) and store it.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/acme-server/download-certificate.json",
    )
    def acme_server_download_certificate(self):
        def run(dbOrder, values):
            dbCertificate = actions_acme.download_certificate(self.ctx, dbOrder)
            return dbOrder.id, {"CertificateSigned": {"id": str(dbCertificate.id)}}

        return self._act("acme-server-download-certificate", run)

    @admin_view(
        "admin:acme_order:focus:retry",
        post=True,
        about="A new order like this failed one: same account, key choice, names and processing strategy.",
        example="curl -X POST {ADMIN_URL}/acme-order/1/retry.json",
        notes=("Answers (or redirects to) the new order.",),
    )
    def retry(self):
        def run(dbOrder, values):
            dbNew = actions_acme.retry_order(self.ctx, dbOrder)
            return dbNew.id, {"AcmeOrder_retried_id": str(dbOrder.id)}

        return self._act("retry", run)

    @admin_view(
        "admin:acme_order:focus:renew:quick",
        post=True,
        schema=forms_acme.AcmeOrderRenewQuick,
        about="Renew: a new order for the same names with the same account and key choice.",
        example="curl --form 'processing_strategy=process_single' {ADMIN_URL}/acme-order/1/renew/quick.json",
        notes=("Answers (or redirects to) the new order.",),
    )
    def renew_quick(self):
        def run(dbOrder, values):
            dbNew = actions_acme.renew_order(self.ctx, dbOrder, values["processing_strategy"])
            return dbNew.id, {"AcmeOrder_renewed_id": str(dbOrder.id)}

        return self._act("renew-quick", run, schema=forms_acme.AcmeOrderRenewQuick)

    def _get_renew_custom(self):
        """The page a GET shows: the form."""
        return self.form_page(AcmeOrder=load_order(self))

    @admin_view(
        "admin:acme_order:focus:renew:custom",
        renderer="/admin/acme_order-renew-custom.mako",
        post=True,
        get="_get_renew_custom",
        schema=forms_acme.AcmeOrderRenewCustom,
        about="Renew with another account and/or private key choice: a new order for the same names.",
        example="curl --form 'acme_account_id=2' --form 'private_key_option=private_key_generate' "
        "{ADMIN_URL}/acme-order/1/renew/custom.json",
        notes=("Answers (or redirects to) the new order.",),
    )
    def renew_custom(self):
        dbOrder = load_order(self)
        focus_url = self.request.route_path("admin:acme_order:focus", id=dbOrder.id)
        try:
            forms_2021.translate(self)
            values = self.validate(forms_acme.AcmeOrderRenewCustom)
            dbNew = actions_acme.renew_order(self.ctx, dbOrder, values["processing_strategy"], values=values)
            queues.close_items_for_order(self.ctx, dbNew)
        except errors.InvalidRequest as exc:
            return self.form_error(exc, **self.form_options(AcmeOrder=dbOrder))
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, "renew-custom")
        if self.is_json:
            return {
                "result": "success",
                "operation": "renew-custom",
                "AcmeOrder_renewed_id": str(dbOrder.id),
                "AcmeOrder": order_json(self, dbNew.id),
            }
        return self.redirect_result(self.request.route_path("admin:acme_order:focus", id=dbNew.id), "success", "renew-custom")

    @admin_view(
        "admin:acme_order:focus:mark",
        post=True,
        schema=forms_acme.AcmeOrderMark,
        about="Local marks: `invalid` (give up on it), `deactivate` (stop processing it), `renew_auto`/`renew_manual`.",
        example="curl --form 'action=renew_manual' {ADMIN_URL}/acme-order/1/mark.json",
    )
    def mark(self):
        def run(dbOrder, values):
            actions_acme.mark_order(self.ctx, dbOrder, values["action"])
            return dbOrder.id, {}

        return self._act("mark", run, schema=forms_acme.AcmeOrderMark, server=False)

    @admin_view("admin:acme_order:focus:acme_event_logs", renderer="/admin/acme_event_logs.mako", paginate=True)
    def acme_event_logs(self):
        """The exchanges with the ACME server made for this order, newest first."""
        dbOrder = load_order(self)
        return self.paged_list(
            get.query__AcmeEventLog(acme_order_id=dbOrder.id), "AcmeEventLogs", page_title="ACME event log of order %s" % dbOrder.id
        )
