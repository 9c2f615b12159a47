"""The certificate (renewal) queue: lists, structured and freeform enqueue, focus, cancel, processing
ONE item per POST (an HTML page that shows the queue's progress and a button for the next item; a
GET never processes) and the API jobs `update` and `process` for cron."""

from pyramid.httpexceptions import HTTPSeeOther

from ...lib import errors
from ...lib.db import get
from ...lib.db import queues
from ...lib.db.order_spec import OrderSpec
from ...lib.db.order_spec import resolve_account
from ..lib import forms
from ..lib import forms_2021
from ..lib import forms_queue
from ..lib import list_filters
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import OrderFormHandler
from .acme_handler import domain_names_field

STRUCTURED_EXAMPLE = "curl --form 'queue_source=AcmeOrder' --form 'acme_order=1' {ADMIN_URL}/queue-certificate/new/structured.json"
FREEFORM_EXAMPLE = (
    "curl --form 'domain_names_http01=www.example.com' --form 'domain_names_dns01=*.example.net,example.net' "
    "{ADMIN_URL}/queue-certificate/new/freeform.json"
)
LIST_TITLES = {
    "unprocessed": "Renewal queue: waiting",
    "successes": "Renewal queue: successes",
    "failures": "Renewal queue: failures",
    "all": "Renewal queue: all",
}
SOURCE_GETTERS = {
    "AcmeOrder": ("acme_order", get.get__AcmeOrder),
    "CertificateSigned": ("certificate_signed", get.get__CertificateSigned__by_id),
    "UniqueFQDNSet": ("unique_fqdn_set", get.get__UniqueFQDNSet__by_id),
}


@focus_loader("admin:queue_certificate:focus")
def load_queue_certificate(handler):
    return handler.load(queues.get__QueueCertificate__by_id, "QueueCertificate")


# A processed item whose renewal failed is a failed job (a cron job must see it): HTTP 502, the
# failure came back from the ACME server or made the order end without a certificate. The item's
# failure is committed (``queues.queue_certificates__process`` checkpoints it) all the same.
STATUS_ITEM_FAILED = 502


def _process_json(handler, results: dict) -> dict:
    """The answer of one processing run: the counts and the item processed (if any); HTTP 502 with
    ``result: error`` when the item processed failed."""
    dbQueue = results["QueueCertificate"]
    payload = {
        "result": "success",
        "operation": "process",
        "queue_results": {k: v for k, v in results.items() if k != "QueueCertificate"},
        "QueueCertificate": dbQueue.as_json if dbQueue is not None else None,
    }
    if "items" in results:  # a `max_items` run: each item's outcome is in `queue_results.items`
        payload.pop("QueueCertificate")
    if results["count_fail"]:
        message = "; ".join("item %s: %s" % item for item in sorted(results["failures"].items()))
        payload.update(result="error", error=message, form_errors={"Error_Main": message})
        handler.request.response.status = STATUS_ITEM_FAILED
    return payload


class ViewList(OrderFormHandler):
    @admin_view("admin:queue_certificates")
    def index(self):
        """Redirects to the waiting items."""
        return HTTPSeeOther(
            location=self.request.route_path("admin:queue_certificates:unprocessed" + ("|json" if self.is_json else ""))
        )

    def _list(self, which: str):
        statement = list_filters.queue_certificates_statement(self.ctx, which, self.request.GET)
        return self.paged_list(statement, "QueueCertificates", page_title=LIST_TITLES[which], which=which)

    @admin_view("admin:queue_certificates:unprocessed", renderer="/admin/queue_certificates.mako", paginate=True)
    def list_unprocessed(self):
        """The items waiting to be processed, oldest (next to be processed) first."""
        return self._list("unprocessed")

    @admin_view("admin:queue_certificates:successes", renderer="/admin/queue_certificates.mako", paginate=True)
    def list_successes(self):
        """The items processed successfully (a new certificate), newest first."""
        return self._list("successes")

    @admin_view("admin:queue_certificates:failures", renderer="/admin/queue_certificates.mako", paginate=True)
    def list_failures(self):
        """The items whose processing failed, newest first; `?unresolved=1`: only the failures the health
        report counts (the last outcome for their set, not renewed since, the set still has an active domain)."""
        return self._list("failures")

    @admin_view("admin:queue_certificates:all", renderer="/admin/queue_certificates.mako", paginate=True)
    def list_all(self):
        """Every item, newest first: waiting, processed and cancelled."""
        return self._list("all")

    def _get_api_update(self):
        return {"page_title": "Update the renewal queue", "result": None}

    def _get_api_process(self):
        return {"page_title": "Process the renewal queue (one item)", "result": None}

    def _get_process(self):
        """The page a GET shows: the queue's progress and the button that processes the next item."""
        return self._process_page(None)

    def _queue_extra(self) -> dict:
        waiting = self.ctx.dbsession.scalars(queues.query__QueueCertificate("unprocessed").limit(100)).all()
        return {
            "queue.count": queues.get__QueueCertificate__count_waiting(self.ctx),
            "queue.items_100": {str(q.id): q.domains_as_list for q in waiting},
        }

    @admin_view(
        "admin:queue_certificates:process",
        renderer="/admin/queue_certificates-process.mako",
        post=True,
        get="_get_process",
        get_extra="_queue_extra",
        schema=forms_queue.QueueProcessItems,
        about="Renew ONE item (or up to `max_items`, `queue_process_concurrency` at once): the oldest waiting one, with an ACME order (type `Queue - Certificate Renewal`, "
        "`process_single`) on its account, names, key strategy and renewal cycle.",
        example="curl -X POST {ADMIN_URL}/queue-certificates/process.json",
        notes=(
            "`queue_results`: `count_total` (0 when no item was ready), `count_success`, `count_fail`, "
            "`count_deferred`, `count_remaining` (items ready now), `count_waiting_later` (items deferred "
            "by the CA's rate limits past now), `failures` and `deferred` (item id: why), `requeued` (the "
            "items enqueued again first: failed renewals whose back-off has just ended); "
            "`QueueCertificate`: the item processed.",
            "An order beyond the CA's rate limits is not sent: the item is deferred (`deferred`: the limit "
            "and the time it allows the order), waits and is not a failure (HTTP 200).",
            "A failed renewal is recorded on the item (`process_result: false`, the failures list) and answered "
            "HTTP 502 with `result: error` (the job failed; the next call goes on with the next item).",
            "HTML: a GET shows the queue's progress; each POST (the page's button) processes one item and "
            "shows the counts and the item processed. A GET never processes, whatever its query string.",
            "`extra` (on GET): the queue now.",
        ),
    )
    def process(self):
        results = self._run()
        if results is None:
            return self._invalid_max_items()
        if self.is_json:
            return _process_json(self, results)
        if results["count_fail"]:
            self.request.response.status = STATUS_ITEM_FAILED
        return self._process_page(results)

    def _process_page(self, results) -> dict:
        """The progress page: waiting, successes and failures so far, the item just processed."""
        counts = {which: get.count(self.ctx, queues.query__QueueCertificate(which)) for which in ("successes", "failures")}
        remaining = queues.get__QueueCertificate__count_waiting(self.ctx)
        return {"results": results, "queue_count": remaining, "counts": counts}

    @admin_view(
        "admin:api:queue_certificates:update",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_api_update",
        get_extra="_queue_extra",
        schema=forms.ActionNoFields,
        about="Enqueue what needs renewing, once: every active certificate (from an order, an upload or a "
        "certbot import) whose renewal point has come (a third of its lifetime left, or "
        "`queue_certificates_renewal_days` before its end when set, spread earlier per certificate), for its "
        "active names only, with its order's account, else its certbot lineage's, else the global default; "
        "and deactivated or expired certificates of an order that nothing else covers.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/queue-certificates/update.json "
        "< /dev/null",
        notes=(
            "`results`: `count_queued`, `queue_certificate_ids`, `count_skipped` and `skipped` "
            "(certificate id: why; `backoff: until <time> (attempt n)` after failed renewals), "
            "`no_account` (certificate id: why it has no usable account), "
            "`coverage_assurance`: `resolved` (event ids a replacement fixed), `expiring` (certificate id: "
            "the event raised for it).",
        ),
    )
    def api_update(self):
        title = "Update the renewal queue"
        results = queues.queue_certificates__update(self.ctx)
        payload = {"result": "success", "operation": "update", "results": results}
        return payload if self.is_json else {"page_title": title, "result": payload}

    @admin_view(
        "admin:api:queue_certificates:process",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_api_process",
        get_extra="_queue_extra",
        schema=forms_queue.QueueProcessItems,
        about="Renew ONE item of the renewal queue, the oldest waiting one (or up to `max_items`, "
        "`queue_process_concurrency` at once); call it again while `queue_results.count_remaining` is above 0.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/queue-certificates/process.json "
        "< /dev/null",
        notes=("Answers like /queue-certificates/process.json.",),
    )
    def api_process(self):
        title = "Process the renewal queue"
        results = self._run()
        if results is None:
            return self._invalid_max_items()
        payload = _process_json(self, results)
        return payload if self.is_json else {"page_title": title, "result": payload}

    def _run(self):
        """One item (no `max_items`, as ever) or up to `max_items` (``queue_certificates__process_items``);
        None when `max_items` is refused (``self._refused`` says why; nothing is processed)."""
        try:
            values = self.validate(forms_queue.QueueProcessItems)
        except errors.InvalidRequest as exc:
            self._refused = exc
            return None
        if values.get("max_items") is None:
            return queues.queue_certificates__process(self.ctx)
        return queues.queue_certificates__process_items(self.ctx, max_items=values["max_items"])

    def _invalid_max_items(self):
        if self.is_json:
            return self.form_error(self._refused)
        return self.action_error(self._refused, self.request.route_path("admin:queue_certificates:process"), "process")


class ViewNew(OrderFormHandler):
    @admin_view(
        "admin:queue_certificate:new_structured",
        renderer="/admin/queue_certificate-new-structured.mako",
        post=True,
        get="_structured_page",
        schema=forms_queue.QueueCertificateNewStructured,
        about="Queue the renewal of an AcmeOrder, a CertificateSigned or a UniqueFQDNSet (`queue_source` and "
        "the matching id field).",
        example=STRUCTURED_EXAMPLE,
        notes=(
            "Account, key strategy and renewal cycle come from the source's order unless given; the order's "
            "specified key is kept while it can sign, else the account's cycle chooses at finalize.",
            "Refused (HTTP 400, nothing queued) when an item for the same names is waiting already.",
        ),
    )
    def structured(self):
        try:
            forms_2021.translate(self)
            values = self.validate(forms_queue.QueueCertificateNewStructured)
            field, getter = SOURCE_GETTERS[values["queue_source"]]
            if values[field] is None:
                raise errors.InvalidRequest("Required with `queue_source=%s`." % values["queue_source"], field=field)
            dbSource = getter(self.ctx, values[field])
            if dbSource is None:
                raise errors.InvalidRequest("There is no %s %s." % (values["queue_source"], values[field]), field=field)
            dbAccount = None
            if values["acme_account_id"] is not None or values["queue_source"] == "UniqueFQDNSet":
                dbAccount = resolve_account(self.ctx, values["acme_account_id"])
            dbQueue = queues.queue_certificates__insert(
                self.ctx,
                dbSource,
                dbAccount=dbAccount,
                private_key_cycle__renewal=values["private_key_cycle__renewal"],
                field=field,
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, **self.form_options(**self._structured_extra()))
        return self._created(dbQueue, "new-structured")

    def _structured_extra(self) -> dict:
        source = self.request.params.get("queue_source")
        dbSource = None
        if source in SOURCE_GETTERS:
            field, getter = SOURCE_GETTERS[source]
            # `source_id` is the page's own chooser (one field for the three kinds of source)
            source_id = forms.parse_id(self.request.params.get(field) or self.request.params.get("source_id", ""))
            if source_id is not None:
                dbSource = getter(self.ctx, source_id)
        return {"queue_source": source if dbSource is not None else None, "source": dbSource}

    def _structured_page(self) -> dict:
        return self.form_page(**self._structured_extra())

    def _get_freeform(self):
        """The page a GET shows: the form."""
        return self.form_page()

    @admin_view(
        "admin:queue_certificate:new_freeform",
        renderer="/admin/queue_certificate-new-freeform.mako",
        post=True,
        get="_get_freeform",
        schema=forms_queue.QueueCertificateNewFreeform,
        about="Queue a certificate for these domain names (their UniqueFQDNSet), each validated with http-01 or "
        "dns-01 (wildcards: dns-01 only), with an ACME account (default: the global default) and a private key "
        "choice.",
        example=FREEFORM_EXAMPLE,
        notes=(
            "The names are checked as /acme-order/new/freeform checks them (a name in one list only, a wildcard "
            "only in `domain_names_dns01`, a dns-01 name only with an RFC 2136 DNS backend for an enclosing zone "
            "or an acme-dns account): HTTP 400 on the field, nothing queued.",
            "The item records its dns-01 names (`domain_names_dns01` in its JSON); processing orders each name "
            "with its type.",
            "Refused (HTTP 400, nothing queued) when an item for the same names is waiting already.",
        ),
    )
    def freeform(self):
        values = None
        try:
            forms_2021.translate(self)
            values = self.validate(forms_queue.QueueCertificateNewFreeform)
            spec = OrderSpec.from_form(self.ctx, values)
            dbQueue = queues.queue_certificates__insert_names(
                self.ctx,
                spec.domains_challenged,
                spec.dbAccount,
                private_key_strategy=spec.private_key_strategy,
                dbPrivateKey=spec.dbPrivateKey,
                private_key_cycle__renewal=spec.private_key_cycle__renewal,
            )
        except errors.InvalidRequest as exc:
            return self.form_error(domain_names_field(exc, values), **self.form_options())
        return self._created(dbQueue, "new-freeform")

    def _created(self, dbQueue, operation: str):
        if self.is_json:
            return {"result": "success", "operation": operation, "QueueCertificate": dbQueue.as_json}
        return self.redirect_result(
            self.request.route_path("admin:queue_certificate:focus", id=dbQueue.id), "success", operation
        )


class ViewFocus(OrderFormHandler):
    @admin_view("admin:queue_certificate:focus", renderer="/admin/queue_certificate-focus.mako")
    def focus(self):
        """One queue item: its source, account, key strategy, status and what processing generated."""
        dbQueue = load_queue_certificate(self)
        if self.is_json:
            return {"result": "success", "QueueCertificate": dbQueue.as_json}
        return {"QueueCertificate": dbQueue}

    @admin_view(
        "admin:queue_certificate:focus:mark",
        post=True,
        schema=forms_queue.QueueCertificateMark,
        about="`cancel`: take a waiting item out of the queue (refused once processed or cancelled).",
        example="curl --form 'action=cancel' {ADMIN_URL}/queue-certificate/1/mark.json",
    )
    def mark(self):
        dbQueue = load_queue_certificate(self)
        focus_url = self.request.route_path("admin:queue_certificate:focus", id=dbQueue.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms_queue.QueueCertificateMark)
            if values["action"] == "cancel":
                queues.queue_certificates__cancel(self.ctx, dbQueue)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action or "")
        if self.is_json:
            return {"result": "success", "operation": "mark", "action": action, "QueueCertificate": dbQueue.as_json}
        return self.redirect_result(focus_url, "success", "mark", action=action)
