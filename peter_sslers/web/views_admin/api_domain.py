"""Certificates on request and domains switched on and off by API: ``/api/domain/autocert`` (the
edge's call on a miss), ``/api/domain/certificate-if-needed``, ``/api/domain/enable``,
``/api/domain/disable``, and the lists of autocert attempts (docs/Autocert.md)."""

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound

from ...lib import errors
from ...lib import exports
from ...lib import utils
from ...lib.db import actions_redis
from ...lib.db import autocert
from ...lib.db import chains
from ...lib.db import get
from ...lib.db import queues
from ...lib.db import update
from ...lib.db.logger import log__OperationsEvent
from ...model.objects import DomainAutocert
from ..lib import forms
from ..lib import forms_2021
from ..lib import forms_acme
from ..lib.handler import Handler
from ..lib.handler import error_envelope
from ..lib.handler import outside_status
from ..lib.viewconfig import admin_view
from .acme_handler import OrderFormHandler
from .domain import domain_identifier

AUTOCERT_EXAMPLE = "curl --form 'domain_name=shop.example.com' {ADMIN_URL}/api/domain/autocert.json"
CIN_EXAMPLE = (
    "curl --form 'domain_name=shop.example.com' --form 'private_key_option=private_key_generate' "
    "{ADMIN_URL}/api/domain/certificate-if-needed.json"
)
ENABLE_EXAMPLE = "curl --form 'domain_names=example.com,www.example.com' {ADMIN_URL}/api/domain/enable.json"
DISABLE_EXAMPLE = "curl --form 'domain_names=example.com,www.example.com' {ADMIN_URL}/api/domain/disable.json"


def query__DomainAutocert(domain_name: str = None):
    statement = sa.select(DomainAutocert).order_by(DomainAutocert.id.desc())
    if domain_name is not None:
        statement = statement.where(DomainAutocert.domain_name == domain_name)
    return statement


class ViewApiDomain(OrderFormHandler):
    # --- autocert

    def _autocert_page(self, **values) -> dict:
        values.setdefault("form_errors", {})
        values.setdefault("form_values", {})
        values.setdefault("answer", None)
        values["settings"] = self.settings
        values["global_default_account"] = get.get__AcmeAccount__global_default(self.ctx)
        return values

    def _get_autocert(self):
        """The page a GET shows: the policy in force and a form to try a name."""
        return self._autocert_page()

    @admin_view(
        "admin:api:domain:autocert",
        renderer="/admin/api-domain-autocert.mako",
        post=True,
        get="_get_autocert",
        schema=forms_acme.ApiDomainAutocert,
        about="What the edge calls when it has no certificate for a name: the name's config payload (as "
        "/domain/{name}/config.json), ordering the certificate first when the name has no valid one and the "
        "autocert policy allows it.",
        example=AUTOCERT_EXAMPLE,
        notes=(
            "A name with a valid certificate is answered at once (`autocert.status: exists`), whatever the policy.",
            "Otherwise an order is made only with `enable_autocert` on, for a name under `autocert.allowed_suffixes`, "
            "not blocklisted, not an inactive Domain (HTTP 403/409, `reason`); within `autocert.orders_per_hour` "
            "and not within `autocert.retry_after_seconds` of the name's last failure (HTTP 429, `Retry-After`).",
            "One order per name across every instance: a call for a name another call is ordering waits for it "
            "(`autocert.wait_seconds`) and answers with its certificate (`autocert.status: issued_by_other`), or 409.",
            "The order: http-01, carried through in this request, with the account of `autocert.acme_account_id` or "
            "the global default account, the key its cycle chooses. A failed order answers 502 with the attempt; "
            "every attempt is listed at /domain-autocerts.",
            "With Redis enabled, the issued certificate is written through to Redis for the name.",
            "The body may be sent without a Content-Type (the OpenResty module sends `domain_name=...` so).",
        ),
    )
    def autocert(self):
        self._form_without_content_type()
        return self._certificate_for(autocert.SOURCE_AUTOCERT, forms_acme.ApiDomainAutocert)

    def _form_without_content_type(self) -> None:
        """The OpenResty module POSTs ``domain_name=...`` without a Content-Type: a short body
        with none (or an empty one) is read as the urlencoded form it is."""
        environ = self.request.environ
        if environ.get("CONTENT_TYPE", "").strip() or not 0 < (self.request.content_length or 0) <= 4096:
            return
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        # WebOb caches the parsed body by the environ's identity of the input: parse it again
        environ.pop("webob._parsed_post_vars", None)

    # --- certificate-if-needed

    def _cin_page(self, **values) -> dict:
        values.setdefault("form_errors", {})
        values.setdefault("form_values", {})
        values.setdefault("answer", None)
        return self.form_options(**values)

    def _get_certificate_if_needed(self):
        """The page a GET shows: the form."""
        return self._cin_page()

    @admin_view(
        "admin:api:domain:certificate_if_needed",
        renderer="/admin/api-domain-certificate_if_needed.mako",
        post=True,
        get="_get_certificate_if_needed",
        schema=forms_acme.ApiDomainCertificateIfNeeded,
        about="A valid certificate for one name: the one it has, or a new order (http-01, carried through now) "
        "with the account and key asked for. The operator's call: the autocert policy (`enable_autocert`, its "
        "suffixes and hourly allowance) does not apply; the blocklist and the Domain's own switch do.",
        example=CIN_EXAMPLE,
        notes=(
            "`domain_results` maps the name to `domain.status` (`existing`, `new`), `domain.id`, "
            "`certificate_signed.status` (`exists`, `new`, `fail`), `certificate_signed.id`, `acme_order.id` and, "
            "on failure, `error`; the config payload of the name is in `config` when there is a certificate.",
            "Shares autocert's per-name lock: a call for a name being ordered waits for that order.",
            "A failed order answers 502 (`certificate_signed.status: fail`); a refused name 400/403/409.",
        ),
    )
    def certificate_if_needed(self):
        return self._certificate_for(autocert.SOURCE_CERTIFICATE_IF_NEEDED, forms_acme.ApiDomainCertificateIfNeeded)

    # --- the two, shared

    def _refused(self, exc: errors.InvalidRequest, source: str, status: int = 400, **extra):
        """A refusal: JSON envelope (with ``reason``), or the form again with the message."""
        self.request.tm.doom()
        self.request.response.status = status
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            self.request.response.headers["Retry-After"] = str(retry_after)
        form_errors = dict(getattr(exc, "errors", {}) or {}) or {exc.field or "Error_Main": exc.message}
        if self.is_json:
            payload = error_envelope(exc.message, form_errors, operation=source, **extra)
            if retry_after:
                payload["retry_after"] = retry_after
            return payload
        return self._page(source, form_errors=form_errors, error=exc.message, form_values=self._posted_values())

    def _posted_values(self) -> dict:
        return {key: value for key, value in self.request.POST.items() if isinstance(value, str)}

    def _page(self, source: str, **values) -> dict:
        return self._autocert_page(**values) if source == autocert.SOURCE_AUTOCERT else self._cin_page(**values)

    def _certificate_for(self, source: str, schema):
        try:
            if source == autocert.SOURCE_CERTIFICATE_IF_NEEDED:
                forms_2021.translate(self)
            values = self.validate(schema)
            outcome = autocert.certificate_for(self.ctx, values["domain_name"], source, values=values)
        except autocert.AutocertRefused as exc:
            return self._refused(exc, source, status=exc.status, reason=exc.reason)
        except errors.InvalidRequest as exc:
            reason = "blocklisted" if isinstance(exc, errors.DomainBlocklisted) else "invalid"
            return self._refused(exc, source, reason=reason)
        except autocert.AttemptFailed as exc:
            return self._failed(source, exc)
        dbDomain = outcome.dbDomain
        actions_redis.prime_redis__domain__quietly(self.ctx, dbDomain)
        payload = exports.domain_config_payload(dbDomain, chains.chain_preference(self.ctx), now=self.ctx.timestamp)
        summary = {
            "status": outcome.status,
            "DomainAutocert": outcome.dbAttempt.as_json if outcome.dbAttempt is not None else None,
            "AcmeOrder": {"id": str(outcome.dbOrder.id)} if outcome.dbOrder is not None else None,
        }
        if source == autocert.SOURCE_AUTOCERT:
            answer = dict(payload, result="success", autocert=summary)
        else:
            answer = {
                "result": "success",
                "domain_results": {outcome.name: self._cin_result(outcome, dbDomain)},
                "config": payload,
            }
        if self.is_json:
            return answer
        return self._page(source, answer=answer, outcome=outcome, form_values=self._posted_values())

    @staticmethod
    def _cin_result(outcome, dbDomain) -> dict:
        field = exports.served_field(dbDomain)
        dbCertificate = getattr(dbDomain, field) if field else None
        return {
            "domain.status": "new" if outcome.is_new_domain else "existing",
            "domain.id": str(dbDomain.id),
            "certificate_signed.status": "exists" if outcome.status == "exists" else "new",
            "certificate_signed.id": str(dbCertificate.id) if dbCertificate is not None else None,
            "acme_order.id": str(outcome.dbOrder.id) if outcome.dbOrder is not None else None,
        }

    def _failed(self, source: str, exc: "autocert.AttemptFailed"):
        """The attempt made no certificate: the envelope with the attempt (and the order). 502 when
        the ACME server or a DNS service failed (503 when unreachable); 409 when the order was
        refused before it was sent (the CA's rate limits, the http-01 self-check, a competing
        order); 502 when the attempt waited for failed."""
        self.request.tm.doom()
        dbAttempt = exc.dbAttempt
        cause = exc.cause
        extra = {"reason": "failed", "DomainAutocert": dbAttempt.as_json}
        status = 502
        message = exc.message
        if isinstance(cause, errors.InvalidRequest):
            status = 409
        elif isinstance(cause, self.OUTSIDE_ERRORS):
            status, service = outside_status(cause)
            detail = self.outside_error_payload(cause)
            message = detail.pop("error")
            extra.update(detail, service=service)
        elif cause is not None:
            raise cause
        self.request.response.status = status
        if isinstance(cause, errors.RateLimitDeferred):
            retry_after = max(1, int((cause.not_before - self.ctx.timestamp).total_seconds() + 0.999))
            self.request.response.headers["Retry-After"] = str(retry_after)
            extra["retry_after"] = retry_after
        if source == autocert.SOURCE_CERTIFICATE_IF_NEEDED:
            extra["domain_results"] = {
                dbAttempt.domain_name: {
                    "domain.status": None,
                    "domain.id": str(dbAttempt.domain_id) if dbAttempt.domain_id else None,
                    "certificate_signed.status": "fail",
                    "certificate_signed.id": None,
                    "acme_order.id": str(dbAttempt.acme_order_id) if dbAttempt.acme_order_id else None,
                    "error": dbAttempt.error,
                }
            }
        message = "The order for %s made no certificate: %s" % (dbAttempt.domain_name, message)
        if self.is_json:
            return error_envelope(message, {"domain_name": message}, operation=source, **extra)
        return self._page(source, form_errors={"domain_name": message}, error=message, form_values=self._posted_values())

    # --- enable, disable

    def _get_enable(self):
        """The page a GET shows: the form."""
        return {"page_title": "Enable domains", "form_errors": {}, "form_values": {}, "domain_results": None}

    @admin_view(
        "admin:api:domain:enable",
        renderer="/admin/api-domain-names.mako",
        post=True,
        get="_get_enable",
        schema=forms_acme.ApiDomainNames,
        about="Manage these names: an inactive Domain is made active again, an unknown name is queued for "
        "certification (the domain queue), as /queue-domains/add does with http-01.",
        example=ENABLE_EXAMPLE,
        notes=(
            "`domain_results` maps each name to `exists` (a managed Domain; an inactive one is re-activated), "
            "`queued`, `already_queued` or `blocklisted`.",
            "Any invalid name refuses the whole request (HTTP 400, nothing changed).",
        ),
    )
    def enable(self):
        values = None
        try:
            values = self.validate(forms_acme.ApiDomainNames)
            names = self._names(values)
            log__OperationsEvent(self.ctx, "ApiDomains__enable", {"domain_names": names})
            messages = {}
            results = queues.queue_domains__add(self.ctx, names, messages=messages)
            if messages:
                raise errors.InvalidRequest(
                    "Invalid: %s" % "; ".join(messages[name] for name in sorted(messages)), field="domain_names"
                )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, page_title="Enable domains", domain_results=None)
        if self.is_json:
            return {"result": "success", "operation": "enable", "domain_results": results}
        return {"page_title": "Enable domains", "form_errors": {}, "form_values": {}, "domain_results": results}

    def _get_disable(self):
        """The page a GET shows: the form."""
        return {"page_title": "Disable domains", "form_errors": {}, "form_values": {}, "domain_results": None}

    @admin_view(
        "admin:api:domain:disable",
        renderer="/admin/api-domain-names.mako",
        post=True,
        get="_get_disable",
        schema=forms_acme.ApiDomainNames,
        about="Stop managing these names: an active Domain is marked inactive (no renewal, no serving, no "
        "autocert), a name waiting in the domain queue is taken out of it.",
        example=DISABLE_EXAMPLE,
        notes=(
            "`domain_results` maps each name to `deactivated`, `already_deactivated`, `dequeued` or `not_found` "
            "(neither a Domain nor waiting in the queue).",
            "Any invalid name refuses the whole request (HTTP 400, nothing changed).",
            "After the commit Redis and the nginx caches stop serving a deactivated Domain (as its mark action).",
        ),
    )
    def disable(self):
        try:
            values = self.validate(forms_acme.ApiDomainNames)
            names = self._names(values)
            log__OperationsEvent(self.ctx, "ApiDomains__disable", {"domain_names": names})
            results = {}
            for name in names:
                dbDomain = get.get__Domain__by_name(self.ctx, name)
                if dbDomain is not None:
                    try:
                        update.update_Domain__mark(self.ctx, dbDomain, "inactive")
                        results[name] = "deactivated"
                    except errors.InvalidTransition:
                        results[name] = "already_deactivated"
                    continue
                dbQueued = queues.get__QueueDomain__waiting_by_name(self.ctx, name)
                if dbQueued is not None:
                    queues.queue_domains__cancel(self.ctx, dbQueued)
                    results[name] = "dequeued"
                    continue
                results[name] = "not_found"
        except errors.InvalidRequest as exc:
            return self.form_error(exc, page_title="Disable domains", domain_results=None)
        if self.is_json:
            return {"result": "success", "operation": "disable", "domain_results": results}
        return {"page_title": "Disable domains", "form_errors": {}, "form_values": {}, "domain_results": results}

    @staticmethod
    def _names(values: dict) -> list:
        """The canonical names of ``domain_names`` (de-duplicated, in order).

        :raises errors.InvalidRequest: none, too many, or any invalid one (the whole request).
        """
        names, invalid = [], []
        for raw in utils.split_domain_names(values["domain_names"]):
            try:
                name = autocert.canonical_name(raw)
            except errors.InvalidRequest as exc:
                invalid.append("%s: %s" % (raw, exc.message))
                continue
            if name not in names:
                names.append(name)
        if invalid:
            raise errors.InvalidRequest("Invalid: %s" % "; ".join(invalid), field="domain_names")
        if not names:
            raise errors.InvalidRequest("No domain names were given.", field="domain_names")
        if len(names) > forms.MAX_DOMAINS_PER_SET:
            raise errors.InvalidRequest(
                "At most %d names at once (%d given)." % (forms.MAX_DOMAINS_PER_SET, len(names)), field="domain_names"
            )
        return names


class ViewDomainAutocerts(Handler):
    @admin_view("admin:domain_autocerts", renderer="/admin/domain_autocerts.mako", paginate=True)
    def list(self):
        """Every attempt to certify a name on request (autocert, certificate-if-needed), newest first."""
        return self.paged_list_as_list(query__DomainAutocert(), "DomainAutocerts", page_title="Autocert attempts")

    @admin_view("admin:domain:focus:domain_autocerts", renderer="/admin/domain_autocerts.mako", paginate=True)
    def for_domain(self):
        """The attempts to certify one name on request, newest first (the name need not be a Domain yet:
        a refused self-check makes none)."""
        identifier = domain_identifier(self)
        if identifier.isascii() and identifier.isdigit():
            dbDomain = get.get__Domain__by_id(self.ctx, int(identifier))
            name = dbDomain.domain_name if dbDomain is not None else None
        else:
            name = identifier
        statement = query__DomainAutocert(name) if name is not None else None
        if statement is None or (
            get.get__Domain__by_name(self.ctx, name) is None and get.count(self.ctx, statement) == 0
        ):
            raise HTTPNotFound("The Domain `%s` was not found." % identifier)
        return self.paged_list_as_list(statement, "DomainAutocerts", page_title="Autocert attempts for %s" % name)
