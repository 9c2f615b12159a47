"""AcmeOrder: lists, the sync of every active order, new (freeform), focus, audit, processing, the
ACME-server actions, retry, renew, mark and the order's event log."""

from pyramid.httpexceptions import HTTPSeeOther

from ...lib import errors
from ...lib.db import actions_acme
from ...lib.db import get
from ...lib.db import queues
from ...lib.db.order_spec import OrderSpec
from ..lib import forms
from ..lib import forms_2021
from ..lib import forms_acme
from ..lib import list_filters
from ..lib.handler import error_envelope
from ..lib.handler import focus_loader
from ..lib.handler import outside_error_message
from ..lib.handler import outside_status
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

    @admin_view(
        "admin:acme_orders:list",
        renderer="/admin/acme_orders.mako",
        paginate=True,
        notes=("`?days=N` (1 to 3650): only the orders updated (else created) within the last N days.",),
    )
    def list(self):
        """Orders: `all`, `active` (pending, ready, processing), `finished` (valid, invalid) or `failed`
        (invalid, deactivated)."""
        which = self.request.matchdict["which"]
        statement = list_filters.acme_orders_statement(self.ctx, which, self.request.GET)
        return self.paged_list_as_list(statement, "AcmeOrders", page_title="ACME orders: %s" % which, which=which)

    def _get_sync_active(self):
        """A GET on the HTML route: back to the active orders (the sync needs a POST)."""
        return self.redirect_result(
            self.request.route_path("admin:acme_orders:list", which="active"),
            "error",
            "acme-server-sync",
            error="This action needs an HTTP POST.",
        )

    @admin_view(
        "admin:acme_orders:active:acme_server:sync",
        post=True,
        get="_get_sync_active",
        schema=forms.ActionNoFields,
        about="Sync every active order (pending, ready, processing) with its ACME server, one after another: "
        "each order's status as the server has it now (`*404*` when the server forgot it).",
        example="curl -X POST {ADMIN_URL}/acme-orders/active/acme-server/sync.json",
        notes=(
            "JSON `{result, AcmeOrderIds.success: [...], AcmeOrderIds.error: [...], results: {id: {result, "
            "acme_status_order | error}}}`.",
            "Each order's sync is kept as it is done; one failing does not stop the others. Any failure: "
            "`result` is `partial` (some synced) or `error`, with HTTP 502/503 (the ACME server said no, or "
            "could not be reached) or 400 (an order not sent: its ACME server is not enabled here, or it never "
            "reached the server).",
            "An order synced is logged as an `AcmeOrder__acme_server__sync` OperationsEvent.",
        ),
    )
    def sync_active(self):
        outcome = actions_acme.sync_active_orders(self.ctx)
        results = {}
        statuses = []
        for order_id, status in outcome["success"].items():
            results[str(order_id)] = {"result": "success", "acme_status_order": status}
        for order_id, exc in outcome["error"].items():
            if isinstance(exc, errors.InvalidRequest):
                message = exc.message
                statuses.append(400)
            else:
                message = outside_error_message(exc)
                statuses.append(outside_status(exc)[0])
            results[str(order_id)] = {"result": "error", "error": message}
        ids = {
            "AcmeOrderIds.success": sorted((str(i) for i in outcome["success"]), key=int),
            "AcmeOrderIds.error": sorted((str(i) for i in outcome["error"]), key=int),
        }
        location = self.request.route_path("admin:acme_orders:list", which="active")
        errors_text = "; ".join(
            "order %s: %s" % (order_id, results[order_id]["error"]) for order_id in ids["AcmeOrderIds.error"]
        )
        if self.is_json:
            if not errors_text:
                return dict({"result": "success", "operation": "acme-server-sync", "results": results}, **ids)
            self.request.response.status = max(statuses)
            return error_envelope(
                errors_text,
                operation="acme-server-sync",
                result="partial" if outcome["success"] else "error",
                results=results,
                **ids,
            )
        if errors_text:
            return self.redirect_result(location, "error", "acme-server-sync", error=errors_text)
        return self.redirect_result(location, "success", "acme-server-sync", synced=str(len(outcome["success"])))


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

    @admin_view("admin:acme_order:focus:audit", renderer="/admin/acme_order-audit.mako")
    def audit(self):
        """What to check when an order is stuck, from the database (no ACME call): the order, its
        account and ACME server, its private key and names, each authorization with its challenges
        (the http-01 one: whether the public responder answers it now), and `problems`."""
        dbOrder = load_order(self)
        report = actions_acme.audit_order(self.ctx, dbOrder)
        if self.is_json:
            return {"result": "success", "AuditReport": report}
        return {"AcmeOrder": dbOrder, "AuditReport": report}

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
        confirm=lambda h: (
            "Deactivate every pending authorization of order %s on the ACME server? The order can never "
            "complete." % h.request.matchdict.get("id")
        ),
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
        about="Local marks: `invalid` (give up on it, final), `deactivate` (stop processing it), `renew_auto` / "
        "`renew_manual` (turn automatic renewal on / off; neither renews now).",
        confirm=lambda h: (
            "Mark order %s invalid? It is given up for good here (the ACME server is not told)."
            % h.request.matchdict.get("id")
            if h.request.POST.get("action") == "invalid"
            else None
        ),
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
