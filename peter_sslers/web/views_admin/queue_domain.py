"""The domain queue: lists, add, focus, cancel, and processing into an ACME order (the admin form
and the API job for cron)."""

from ...lib import errors
from ...lib import utils
from ...lib.db import queues
from ...lib.db.order_spec import OrderSpec
from ...lib.db.order_spec import resolve_account
from ..lib import forms
from ..lib import forms_2021
from ..lib import forms_queue
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .queue_certificate import STATUS_ITEM_FAILED
from .acme_handler import OrderFormHandler
from .acme_handler import domain_names_field
from .acme_handler import order_json

ADD_EXAMPLE = (
    "curl --form 'domain_names_http01=example.com,www.example.com' --form 'domain_names_dns01=*.example.net' "
    "{ADMIN_URL}/queue-domains/add.json"
)
PROCESS_EXAMPLE = (
    "curl --form 'max_domains_per_certificate=50' --form 'processing_strategy=process_single' "
    "{ADMIN_URL}/queue-domains/process.json"
)


@focus_loader("admin:queue_domain:focus")
def load_queue_domain(handler):
    return handler.load(queues.get__QueueDomain__by_id, "QueueDomain")


class ViewList(OrderFormHandler):
    @admin_view("admin:queue_domains", renderer="/admin/queue_domains.mako", paginate=True)
    def list(self):
        """The names waiting in the queue, oldest (next to be processed) first."""
        return self.paged_list(
            queues.query__QueueDomain("waiting"), "QueueDomains", page_title="Domain queue: waiting", which="waiting"
        )

    @admin_view("admin:queue_domains:all", renderer="/admin/queue_domains.mako", paginate=True)
    def list_all(self):
        """Every queued name, newest first: waiting, processed and cancelled."""
        return self.paged_list(queues.query__QueueDomain("all"), "QueueDomains", page_title="Domain queue: all", which="all")

    def _get_add(self):
        """The page a GET shows: the form."""
        return self._add_page()

    @admin_view(
        "admin:queue_domains:add",
        renderer="/admin/queue_domains-add.mako",
        post=True,
        get="_get_add",
        schema=forms_queue.QueueDomainsAdd,
        about="Queue domain names for later certification, each to be validated with http-01 "
        "(`domain_names_http01`) or dns-01 (`domain_names_dns01`; wildcards: dns-01 only).",
        example=ADD_EXAMPLE,
        notes=(
            "`domains` maps each name to `queued`, `exists` (managed; an inactive Domain is re-activated), "
            "`already_queued`, `blocklisted` or `invalid`.",
            "Any invalid name refuses the whole request (HTTP 400, nothing queued); so does a name in both lists, "
            "a wildcard in `domain_names_http01`, or a dns-01 name with neither an RFC 2136 DNS backend for an "
            "enclosing zone nor an acme-dns account (as /acme-order/new/freeform).",
            "A queued name keeps its challenge type (`acme_challenge_type` of the QueueDomain); the order the queue "
            "builds validates each name with it.",
        ),
    )
    def add(self):
        messages = {}
        values = None
        try:
            values = self.validate(forms_queue.QueueDomainsAdd)
            results = queues.queue_domains__add(
                self.ctx, values["domain_names_http01"], messages=messages, names_dns01=values["domain_names_dns01"]
            )
            if not results:
                raise errors.InvalidRequest("No domain names were given.", field="domain_names_http01")
            if messages:
                exc = errors.InvalidRequest(
                    "Invalid: %s" % "; ".join(messages[name] for name in sorted(messages)),
                    field=self._invalid_field(values, messages),
                )
                payload = self.form_error(exc, domains=results)
                if self.is_json:
                    payload["domains"] = results
                return payload
        except errors.InvalidRequest as exc:
            return self.form_error(domain_names_field(exc, values), domains=None)
        if self.is_json:
            return {"result": "success", "operation": "add", "domains": results}
        counts = {}
        for result in results.values():
            counts[result] = counts.get(result, 0) + 1
        return self.redirect_result(
            self.request.route_path("admin:queue_domains"),
            "success",
            "add",
            **{"count_%s" % k: str(v) for k, v in counts.items()},
        )

    @staticmethod
    def _invalid_field(values: dict, messages: dict) -> str:
        """The list the invalid names came from: `domain_names_dns01` when all of them are there."""
        dns01 = set(utils.split_domain_names(values.get("domain_names_dns01") or ""))
        return "domain_names_dns01" if dns01 and set(messages) <= dns01 else "domain_names_http01"

    def _add_page(self):
        return {"form_errors": {}, "form_values": dict(self.request.GET), "domains": None}

    @admin_view(
        "admin:queue_domains:process",
        renderer="/admin/queue_domains-process.mako",
        post=True,
        get="_get_process",
        get_extra="_queue_extra",
        schema=forms_queue.QueueDomainsProcess,
        about="Certify the oldest waiting names (up to `max_domains_per_certificate`) with ONE ACME order "
        "(type `Queue - Domains`), with an ACME account (default: the global default) and a private key choice.",
        example=PROCESS_EXAMPLE,
        notes=(
            "Fewer names waiting than `queue_domains_min_per_cert` is an error (HTTP 400, nothing taken).",
            "The names are marked processed once the ACME server has the order, even if it then fails "
            "(`result: error` with the `AcmeOrder`); when the server created nothing they stay waiting.",
            "`extra` (on GET): the queue now.",
        ),
    )
    def process(self):
        try:
            forms_2021.translate(self)
            values = self.validate(forms_queue.QueueDomainsProcess)
            queues.check_max_domains_per_certificate(self.ctx, values["max_domains_per_certificate"])
            template = OrderSpec.from_form(self.ctx, values, with_names=False)
            if values.get("max_items") is not None:
                results = queues.queue_domains__process_items(
                    self.ctx,
                    template,
                    max_domains_per_certificate=values["max_domains_per_certificate"],
                    max_items=values["max_items"],
                )
                return self._processed_items(results, "process")
            dbOrder = queues.queue_domains__process_spec(
                self.ctx, template, max_domains_per_certificate=values["max_domains_per_certificate"]
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, **self.form_options(**self._process_extra()))
        except errors.AcmeError as exc:
            return self.acme_error(exc, self.request.route_path("admin:queue_domains:process"), "process")
        return self._processed(dbOrder, "process")

    def _processed(self, dbOrder, operation: str):
        if self.is_json:
            return {"result": "success", "operation": operation, "AcmeOrder": order_json(self, dbOrder.id)}
        return self.redirect_result(self.request.route_path("admin:acme_order:focus", id=dbOrder.id), "success", operation)

    def _items_payload(self, results: dict, operation: str) -> dict:
        """The answer of a `max_items` run: every order's outcome (``queue_results.items``); HTTP 502
        with ``result: error`` when one failed (what the others did is committed all the same)."""
        payload = {"result": "success", "operation": operation, "queue_results": results}
        failed = [i for i in results["items"] if i["result"] != "success"]
        if failed:
            message = "; ".join("names %s: %s" % (", ".join(i["domain_names"]) or "-", i["error"]) for i in failed)
            payload.update(result="error", error=message, form_errors={"Error_Main": message})
            self.request.response.status = STATUS_ITEM_FAILED
        return payload

    def _processed_items(self, results: dict, operation: str):
        payload = self._items_payload(results, operation)
        if self.is_json:
            return payload
        location = self.request.route_path("admin:queue_domains:all")
        if payload["result"] != "success":
            return self.redirect_result(location, "error", operation, error=payload["error"])
        return self.redirect_result(location, "success", operation, count=str(results["count_success"]))

    def _get_api_process(self):
        return {"page_title": "Process the domain queue", "result": None}

    def _get_process(self):
        """The page a GET shows: the form."""
        return self.form_page(**self._process_extra())

    def _queue_extra(self) -> dict:
        waiting = self.ctx.dbsession.scalars(queues.query__QueueDomain("waiting").limit(100)).all()
        return {
            "queue.count": queues.get__QueueDomain__count_waiting(self.ctx),
            "queue.items_100": {str(q.id): q.domain_name for q in waiting},
        }

    def _process_extra(self) -> dict:
        return {
            "queue_count": queues.get__QueueDomain__count_waiting(self.ctx),
            "queue_min": self.settings.queue_domains_min_per_cert,
            "queue_max": self.settings.queue_domains_max_per_cert,
        }

    @admin_view(
        "admin:api:queue_domains:process",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_api_process",
        get_extra="_queue_extra",
        schema=forms_queue.QueueDomainsProcessItems,
        about="Process the domain queue with every default: the oldest `queue_domains_max_per_cert` waiting "
        "names, the global default account, `process_single`, the key the account's cycle chooses.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/queue-domains/process.json < /dev/null",
        notes=("Answers like /queue-domains/process.json.",),
    )
    def api_process(self):
        try:
            values = self.validate(forms_queue.QueueDomainsProcessItems)
            dbAccount = resolve_account(self.ctx, None)
            if values.get("max_items") is not None:
                template = OrderSpec(dbAccount, {})
                results = queues.queue_domains__process_items(self.ctx, template, max_items=values["max_items"])
                payload = self._items_payload(results, "process")
                return payload if self.is_json else {"page_title": "Process the domain queue", "result": payload}
            dbOrder = queues.queue_domains__process(self.ctx, dbAccount)
        except errors.InvalidRequest as exc:
            if self.is_json:
                return self.form_error(exc)
            return self.action_error(exc, self.request.route_path("admin:api:queue_domains:process"), "process")
        except errors.AcmeError as exc:
            return self.acme_error(exc, self.request.route_path("admin:api:queue_domains:process"), "process")
        return self._processed(dbOrder, "process")


class ViewFocus(OrderFormHandler):
    @admin_view("admin:queue_domain:focus", renderer="/admin/queue_domain-focus.mako")
    def focus(self):
        """One queued name: waiting, processed (with its Domain) or cancelled."""
        dbQueueDomain = load_queue_domain(self)
        if self.is_json:
            return {"result": "success", "QueueDomain": dbQueueDomain.as_json}
        return {"QueueDomain": dbQueueDomain}

    @admin_view(
        "admin:queue_domain:focus:mark",
        post=True,
        schema=forms_queue.QueueDomainMark,
        about="`cancel`: take a waiting name out of the queue (refused once processed or cancelled).",
        example="curl --form 'action=cancel' {ADMIN_URL}/queue-domain/1/mark.json",
    )
    def mark(self):
        dbQueueDomain = load_queue_domain(self)
        focus_url = self.request.route_path("admin:queue_domain:focus", id=dbQueueDomain.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms_queue.QueueDomainMark)
            if values["action"] == "cancel":
                queues.queue_domains__cancel(self.ctx, dbQueueDomain)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action or "")
        if self.is_json:
            return {"result": "success", "operation": "mark", "action": action, "QueueDomain": dbQueueDomain.as_json}
        return self.redirect_result(focus_url, "success", "mark", action=action)
