"""The base class of admin views: pagination, form validation and result envelopes.

Conventions (see docs/Architecture.md):

* JSON success: ``{"result": "success", ...}`` (HTTP 200).
* JSON failure: ``{"result": "error", "error": "...", "form_errors": {"field": "..."}}``
  with HTTP 400; the transaction is doomed, so nothing the request did is kept.
* HTML success: 303 to the object's page with ``?result=success&operation=...``; the sentence
  the page shows travels in the session as a flash message (``flash_result``), shown once.
* HTML failure: the form again with its errors next to their fields (HTTP 400), or for one-click
  actions a 303 to the object's page with ``?result=error&operation=...`` and the error as a
  flash message. The query string never carries free text, and the banner never reads it.
* An outside service failed (ACME server, Redis, nginx): the same JSON envelope plus
  ``service`` (and ``server``), with HTTP **502** when the service answered badly (an error
  status, a problem document, a body that is not what it promises, a failed ACME order) and
  **503** when it could not be reached or did not answer in time; HTML: a 303 carrying
  ``result=error`` and the sentence naming the service. See ``outside_status``.
* Actions: ``admin_view(..., post=True)`` runs the view on POST only; any GET is
  ``action_get_answer`` (documentation, the form, or back to the object) and changes nothing.
* Pagination: 50 a page; page 0 goes to page 1, a page past the last to the last.
"""

import dataclasses
import json
import logging
import math
import re
import urllib.parse
from typing import Optional

import colander
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPNotFound
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ...lib import errors
from ...lib.db import get
from ...lib.db.actions_acme import AcmeOrderFailed
from . import docs as docs_registry
from . import forms

log = logging.getLogger(__name__)

ITEMS_PER_PAGE = 50

# focus route name -> the function loading its object (raising HTTPNotFound): see ``focus_loader``
FOCUS_LOADERS = {}


def focus_loader(focus_route: str):
    """Declare ``load_x(handler)`` as the loader of the object ``focus_route`` names.

    An action under that route (``.../focus/mark``) then answers 404 for a missing object on
    every method, GET included, before it documents itself or shows its form.
    """

    def register(loader):
        FOCUS_LOADERS[focus_route] = loader
        return loader

    return register


# the longest value a redirect's query string (or a flash message's details) carries
LOCATION_VALUE_MAX = 100


# the longest value a rejected form is shown again with: a longer one (a 100 KB paste) is not
# sent back whole; the field is left empty and its error says why
FORM_VALUE_ECHO_MAX = 32768
# the longest error message a page or a JSON envelope repeats (a message may quote the input)
MESSAGE_MAX = 1000


def _bounded(value, limit: int) -> str:
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# --- field labels: what a person reads instead of a form field's name

# the names whose words alone do not say it
FIELD_LABELS = {
    "Error_Main": None,  # the whole request, no one field
    "account__contact": "Contact email",
    "account__private_key_cycle": "Certificate keys of its orders: cycle",
    "account__private_key_technology": "Certificate keys of its orders: technology",
    "account_key_file_pem": "Account key (PEM)",
    "account_key_technology": "Account key",
    "certificate_file": "Certificate (PEM)",
    "chain_file": "Chain (PEM)",
    "private_key_file": "Private key (PEM)",
    "private_key_file_pem": "Private key (PEM)",
    "key_pem": "The account's active key (PEM)",
    "cert_file": "CA certificate (PEM)",
    "chain_file_name": "Chain name",
    "cert_file_name": "Display name",
    "domain_names_http01": "Domain names (http-01)",
    "domain_names_dns01": "Domain names (dns-01)",
    "acme_account_id": "ACME account",
    "acme_account_provider_id": "ACME server",
    "private_key_option": "Private key",
    "private_key_id": "Private key",
    "private_key_cycle__renewal": "Key of the renewals",
    "processing_strategy": "Processing",
    "reason": "Reason",
    "action": "Action",
}
_LABEL_WORDS = {
    "acme": "ACME", "ca": "CA", "cas": "CAs", "csr": "CSR", "dns": "DNS", "dns01": "dns-01", "eab": "EAB",
    "fqdn": "FQDN", "hmac": "HMAC", "http01": "http-01", "id": "id", "ids": "ids", "kid": "key id",
    "pem": "PEM", "tsig": "TSIG", "url": "URL", "ari": "ARI", "mac": "MAC", "ttl": "TTL",
}


def field_label(name: str):
    """The label of a form field as a person reads it (``account__private_key_cycle`` ->
    "Certificate keys of its orders: cycle"); None for ``Error_Main`` (the whole request)."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = [_LABEL_WORDS.get(word.lower(), word.lower()) for word in re.split(r"_+", name or "") if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else None


def labelled_errors(form_errors: dict) -> str:
    """One sentence of a form's errors, each after its field's label."""
    parts = []
    for field, message in sorted((form_errors or {}).items()):
        label = field_label(field)
        parts.append("%s: %s" % (label, message) if label else str(message))
    return "; ".join(parts)


# --- flash messages: the outcome of an action, shown once on the next page

FLASH_QUEUE = "result"
FLASH_KEY = "_f_" + FLASH_QUEUE  # where Pyramid's session keeps that queue
FLASH_MESSAGE_BYTES = 1200
FLASH_MESSAGES_KEPT = 2


def flash_result(request, result: str, operation: str, error: str = None, details: dict = None) -> None:
    """Leave the outcome of an action for the next page (the banner of admin/layout.mako).

    It travels in the session (a signed cookie), never in the query string: a link someone
    else made (``?result=error&error=...``) cannot put words in the banner. Values are cut short,
    so the cookie stays small whatever the request held.
    """
    message = {"result": result, "operation": _bounded(operation, 100)}
    if error:
        message["error"] = _bounded(error, MESSAGE_MAX)
    if details:
        message["details"] = {
            str(key): _bounded(value, LOCATION_VALUE_MAX) for key, value in sorted(details.items()) if value not in (None, "")
        }
    # a signed cookie holds about 4 KB (Pyramid refuses more, with an error): each message is kept
    # under FLASH_MESSAGE_BYTES as JSON (non-ASCII text counts six bytes a character there), and
    # only the last FLASH_MESSAGES_KEPT wait (a client that never follows its redirects cannot
    # grow the cookie)
    while len(json.dumps(message)) > FLASH_MESSAGE_BYTES and len(message.get("error") or "") > 40:
        message["error"] = _bounded(message["error"], len(message["error"]) * 2 // 3)
    if len(json.dumps(message)) > FLASH_MESSAGE_BYTES:
        message.pop("details", None)
    waiting = request.session.peek_flash(FLASH_QUEUE)[-(FLASH_MESSAGES_KEPT - 1) :] if FLASH_MESSAGES_KEPT > 1 else []
    request.session[FLASH_KEY] = list(waiting) + [message]
    # A browser that has the session cookie is a browser (its requests carry a Cookie) and must send
    # the CSRF token: make sure it has one too.
    get_csrf_token(request)


def pop_flash_results(request) -> list:
    """The outcomes left for this page, each shown once (``flash_result``)."""
    if FLASH_KEY not in request.session:
        return []  # nothing to show: the session is not touched, no cookie is sent
    return [m for m in request.session.pop_flash(FLASH_QUEUE) if isinstance(m, dict)]


def flash_sentence(message: dict) -> str:
    """The banner's sentence of one flash message."""
    operation = field_label((message.get("operation") or "the action").replace("-", "_")) or "The action"
    details = message.get("details") or {}
    if message.get("result") == "success":
        extra = ", ".join("%s %s" % (key.replace("_", " "), value) for key, value in details.items())
        lowered = operation if operation[:2].isupper() else operation[:1].lower() + operation[1:]
        return "Done: %s%s." % (lowered, " (%s)" % extra if extra else "")
    return "%s failed: %s" % (operation, message.get("error") or "unknown error")


@dataclasses.dataclass
class Pagination:
    page: int
    items_per_page: int
    total_items: int
    url_template: str  # with "{page}" in it

    @property
    def page_last(self) -> int:
        return max(1, math.ceil(self.total_items / self.items_per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.items_per_page

    @property
    def page_next(self) -> Optional[int]:
        return self.page + 1 if self.page < self.page_last else None

    @property
    def page_prev(self) -> Optional[int]:
        return self.page - 1 if self.page > 1 else None

    def url(self, page: int) -> str:
        return self.url_template.replace("{page}", str(page))

    def page_numbers(self, neighbours: int = 2) -> list:
        """The numbered links of the pagination bar: the first page, the last, this one and its
        ``neighbours`` on each side, with None where pages are left out (shown as an ellipsis).
        A gap of one page shows that page instead."""
        shown = {1, self.page_last}
        shown.update(range(max(1, self.page - neighbours), min(self.page_last, self.page + neighbours) + 1))
        numbers = []
        previous = 0
        for number in sorted(shown):
            if number - previous == 2:
                numbers.append(number - 1)
            elif number - previous > 2:
                numbers.append(None)
            numbers.append(number)
            previous = number
        return numbers

    def as_json(self) -> dict:
        return {
            "total_items": self.total_items,
            "items_per_page": self.items_per_page,
            "page": self.page,
            "page_last": self.page_last,
            "page_next": self.page_next,
        }


def _base_route_name(route_name: str) -> str:
    return route_name.replace("|json", "").replace("_paginated", "")


# where ``outside_error_friendly`` leaves an unreachable service's detail for the operations log
OUTSIDE_FAILURE_KEY = "peter_sslers.outside_failure"

# HTTP statuses of an outside service's failure (docs/Architecture.md, "The web conventions")
STATUS_UPSTREAM_BAD_ANSWER = 502
STATUS_UPSTREAM_UNREACHABLE = 503


def outside_status(exc: Exception) -> tuple:
    """``(HTTP status, service)`` of an outside service's failure.

    502: the service answered, badly (an ACME error status or problem document, an order the
    server made invalid, a body that is not what RFC 8555 promises). 503: no answer at all
    (connection refused, DNS, TLS, a time-out, a poll that reached its deadline, Redis down).
    """
    if isinstance(exc, errors.RedisUnavailable):
        return STATUS_UPSTREAM_UNREACHABLE, "redis"
    if isinstance(exc, errors.AcmeDnsUnreachable):
        return STATUS_UPSTREAM_UNREACHABLE, "acme-dns"
    if isinstance(exc, errors.AcmeDnsError):
        return STATUS_UPSTREAM_BAD_ANSWER, "acme-dns"
    if isinstance(exc, errors.DnsUnreachable):
        return STATUS_UPSTREAM_UNREACHABLE, "dns"
    if isinstance(exc, errors.DnsError):
        return STATUS_UPSTREAM_BAD_ANSWER, "dns"
    if isinstance(exc, errors.AcmeTimeout):
        return STATUS_UPSTREAM_UNREACHABLE, "acme"
    if isinstance(exc, errors.AcmeCommunicationError):
        answered = exc.exchange is not None and getattr(exc.exchange, "status", None) is not None
        return (STATUS_UPSTREAM_BAD_ANSWER if answered else STATUS_UPSTREAM_UNREACHABLE), "acme"
    return STATUS_UPSTREAM_BAD_ANSWER, "acme"


def outside_error_message(exc: Exception) -> str:
    """The sentence naming the outside service and what failed (views and ``peter_sslers_job``)."""
    if isinstance(exc, (errors.RedisUnavailable, errors.AcmeDnsError, errors.DnsError)):
        return exc.message
    if isinstance(exc, errors.AcmeServerError):
        return "The ACME server answered HTTP %s: %s" % (exc.status, exc.detail or exc.code or "an error")
    if isinstance(exc, errors.AcmeTimeout):
        return "The ACME server did not answer in time: %s" % exc.message
    if isinstance(exc, errors.AcmeCommunicationError):
        return "The ACME server could not be reached: %s" % exc.message
    return getattr(exc, "message", None) or str(exc)


def error_envelope(message: str, form_errors: dict = None, operation: str = None, **extra) -> dict:
    """The one JSON error envelope of every action."""
    payload = {"result": "error", "error": message, "form_errors": dict(form_errors or {}) or {"Error_Main": message}}
    if operation:
        payload["operation"] = operation
    payload.update(extra)
    return payload


class Handler:
    # the failures of an outside service an action answers with 502/503 (``outside_error``)
    OUTSIDE_ERRORS = (errors.AcmeError, errors.RedisUnavailable, errors.AcmeDnsError, errors.DnsError)
    # form fields holding secrets: a rejected form is shown again without them (the EAB HMAC key,
    # an imported acme-dns account's key, a DNS backend's TSIG secret)
    SECRET_FIELDS = frozenset({"eab_hmac_key", "password", "tsig_secret"})

    def __init__(self, request):
        self.request = request

    @property
    def ctx(self):
        return self.request.api_context

    @property
    def settings(self):
        return self.request.registry.app_settings

    @property
    def is_json(self) -> bool:
        return self.request.is_json

    @property
    def id_only(self) -> bool:
        """``?idonly=1`` as the specification writes it; ``?id_only=1`` as 2021 read it."""
        return any(self.request.GET.get(name) in ("1", "true") for name in ("idonly", "id_only"))

    def action_get_answer(self, get: str = None, get_extra: str = None):
        """Any non-POST request on an action (``admin_view(post=True)``); it changes nothing.

        JSON: the action's documentation (plus ``extra`` from the method named ``get_extra``).
        HTML: the page of the method named ``get`` (the form), or a 303 back to the object with
        ``result=error``.
        """
        loader = FOCUS_LOADERS.get(self._focus_route())
        if loader is not None:
            loader(self)  # a missing object is a 404, whatever the method
        if self.is_json:
            payload = self.action_documentation()
            if get_extra:
                payload["extra"] = getattr(self, get_extra)()
            return payload
        if get:
            return getattr(self, get)()
        return self.redirect_result(
            self.action_parent_url(), "error", self.action_operation(), error="This action needs an HTTP POST."
        )

    def _focus_route(self):
        """The route name and path of the object an action route belongs to (``...:focus``)."""
        name = _base_route_name(self.request.matched_route.name)
        if ":focus" not in name:
            return None
        return name[: name.index(":focus") + len(":focus")]

    def action_parent_url(self) -> str:
        """The page of the object an action belongs to (the admin index for collection actions)."""
        focus = self._focus_route()
        if focus is None:
            return self.request.route_path("admin")
        kw = {k: v for k, v in self.request.matchdict.items() if k != "page"}
        return self.request.route_path(focus, **kw)

    def action_operation(self) -> str:
        """The action's name as the redirects spell it: its path after the object's (``mark``,
        ``acme-server-sync``...)."""
        path = self.request.path
        if path.endswith(".json"):
            path = path[: -len(".json")]
        focus = self._focus_route()
        if focus is not None:
            parent = self.action_parent_url()
            if path.startswith(parent + "/"):
                return path[len(parent) + 1 :].replace("/", "-")
        return path.rstrip("/").rsplit("/", 1)[-1]

    def outside_error(self, exc: Exception, location: str = None, operation: str = None, **extra):
        """The answer to an outside service's failure (``outside_status``): the envelope with
        ``service`` and a 502/503 (JSON), or a 303 to ``location`` (to the order's page when an
        order failed) carrying ``result=error``. ``extra`` goes in the envelope (and the query
        string, when it is text). The transaction is doomed: what an ACME server did is already
        committed by the ACME code (``ctx.checkpoint()``)."""
        self.request.tm.doom()
        operation = operation or self.action_operation()
        status, service = outside_status(exc)
        extra = {key: value for key, value in extra.items() if value is not None}
        payload = self.outside_error_payload(exc)
        payload = error_envelope(payload.pop("error"), operation=operation, service=service, **payload)
        if self.is_json:
            self.request.response.status = status
            payload.update(extra)
            return payload
        if isinstance(exc, AcmeOrderFailed):
            location = self.request.route_path("admin:acme_order:focus", id=exc.acme_order_id)
        location = location or self.action_parent_url()
        extra = {key: value for key, value in extra.items() if isinstance(value, str)}
        return self.redirect_result(location, "error", operation, error=self.outside_error_friendly(exc, payload), **extra)

    def outside_error_friendly(self, exc: Exception, payload: dict) -> str:
        """The banner's sentence of an outside failure (HTML). A service that could not be reached
        gets a short sentence saying what to check; its detail (the URL, the cause) goes to the
        operations log (an ``operations__outside_service__fail`` event, recorded after this
        request's transaction by ``web/edge_report.py``) and to the application log."""
        status, service = outside_status(exc)
        if status != STATUS_UPSTREAM_UNREACHABLE:
            return payload["error"]  # the server's own words (a problem document) are the message
        self.request.environ[OUTSIDE_FAILURE_KEY] = {
            "service": service,
            "error": payload["error"],
            "path": self.request.path,
            "operation": self.action_operation(),
        }
        log.warning("%s %s: %s", self.request.method, self.request.path, payload["error"])
        names = {"acme": "The ACME server", "redis": "The Redis server", "acme-dns": "The acme-dns server", "dns": "The DNS server"}
        return (
            "%s could not be reached or did not answer in time: check that it is running and reachable, "
            "then try again. The details are in the operations log."
            % names.get(service, "An outside service")
        )

    def outside_error_payload(self, exc: Exception) -> dict:
        """``{"error": ...}`` with what the failure carries: the server's problem document, the
        order that failed, the Redis server."""
        payload = {}
        if isinstance(exc, errors.RedisUnavailable):
            payload["error"] = exc.message
            payload["server"] = exc.server
            payload["redis_server"] = exc.server
        elif isinstance(exc, errors.AcmeDnsError):
            payload["error"] = exc.message
            payload["server"] = exc.server
            if isinstance(exc, errors.AcmeDnsServerError):
                payload["status"] = exc.status
                payload["acme_dns_error"] = exc.error
        elif isinstance(exc, errors.DnsError):
            payload["error"] = exc.message
            payload["server"] = exc.server
            if getattr(exc, "report", None) is not None:
                payload["report"] = exc.report
        elif isinstance(exc, AcmeOrderFailed):
            payload["error"] = "ACME server: %s" % exc.message
            payload["problem"] = exc.problem
            dbOrder = get.get__AcmeOrder(self.ctx, exc.acme_order_id)
            payload["AcmeOrder"] = dbOrder.as_json if dbOrder is not None else None
        elif isinstance(exc, errors.AcmeServerError):
            payload["error"] = outside_error_message(exc)
            payload["problem"] = exc.problem
            payload["problem_code"] = exc.code
        else:
            payload["error"] = outside_error_message(exc)
        if isinstance(exc, (errors.AcmeDnsError, errors.DnsError)) and getattr(exc, "acme_order_id", None):
            # publishing an order's dns-01 records failed (lib/db/actions_acme.py): the order is recorded
            payload["acme_order_id"] = exc.acme_order_id
        return payload

    # --- pagination

    def paginate(self, total_items: int, items_per_page: int = ITEMS_PER_PAGE) -> Pagination:
        """The current page of a list, or a redirect when the page asked for does not exist.

        :raises HTTPSeeOther: page 0 (to page 1) or past the last page (to the last).
        """
        route_kw = {k: v for k, v in self.request.matchdict.items() if k != "page"}
        route_name = self.request.matched_route.name
        base = _base_route_name(route_name)
        paged_name = base + "_paginated" + ("|json" if self.is_json else "")
        query = urllib.parse.urlencode(list(self.request.GET.items()))
        url_template = self.request.route_path(paged_name, page="{page}", **route_kw).replace("%7Bpage%7D", "{page}")
        if query:
            url_template += "?" + query
        page = forms.parse_id(self.request.matchdict.get("page", "1"))
        if page is None:  # not ASCII digits, or past any page there can be
            raise HTTPNotFound("There is no such page.")
        pagination = Pagination(page, items_per_page, total_items, url_template)
        if page < 1:
            raise HTTPSeeOther(location=pagination.url(1))
        if page > pagination.page_last:
            raise HTTPSeeOther(location=pagination.url(pagination.page_last))
        return pagination

    def paged_list(self, statement, json_key: str, **template_values) -> dict:
        """One page of a ``lib.db.get.query__*`` statement: JSON ``{json_key: {id: item},
        "pagination": ...}``, or the template's ``items`` and ``pagination``."""
        pagination = self.paginate(get.count(self.ctx, statement))
        items = get.page(self.ctx, statement, pagination.items_per_page, pagination.offset)
        if self.is_json:
            return {json_key: {str(item.id): item.as_json for item in items}, "pagination": pagination.as_json()}
        return dict(template_values, items=items, pagination=pagination)

    def paged_list_as_list(self, statement, json_key: str, **template_values) -> dict:
        """``paged_list`` for the collections the specification returns as JSON lists (AcmeOrders,
        OperationsObjectEvents)."""
        pagination = self.paginate(get.count(self.ctx, statement))
        items = get.page(self.ctx, statement, pagination.items_per_page, pagination.offset)
        if self.is_json:
            return {json_key: [item.as_json for item in items], "pagination": pagination.as_json()}
        return dict(template_values, items=items, pagination=pagination)

    def load(self, getter, what: str, key: str = "id"):
        """The object the route names, by ``getter(ctx, id)``.

        :raises HTTPNotFound: no such object.
        """
        object_id = forms.parse_id(self.request.matchdict[key])
        # an id past the column's range names nothing: not found, and never sent to the database
        dbObject = getter(self.ctx, object_id) if object_id is not None else None
        if dbObject is None:
            raise HTTPNotFound("The %s was not found." % what)
        return dbObject

    # --- actions

    def docs(self) -> docs_registry.EndpointDocs:
        return docs_registry.get(self.request.registry, _base_route_name(self.request.matched_route.name))

    def action_documentation(self) -> dict:
        """What a GET on an action's ``.json`` twin answers."""
        return docs_registry.as_json(self.request, self.docs())

    def validate(self, schema_class) -> dict:
        """The form data validated by ``schema_class``.

        :raises errors.FormInvalid: with one message per bad field.
        """
        schema = schema_class().bind(upload_max_bytes=self.settings.upload_max_bytes)
        data = {}
        for node in schema.children:
            for name in (node.name,) + tuple(getattr(node, "aliases", ())):
                if name in self.request.POST:
                    data[node.name] = self.request.POST[name]
                    break
        try:
            return schema.deserialize(data)
        except colander.Invalid as exc:
            form_errors = exc.asdict()
            raise errors.FormInvalid(form_errors, message=labelled_errors(form_errors))

    def posted_text(self, name: str) -> str:
        """A posted field's raw text, for echoing back (``action=...`` in a redirect): a file part
        sent where text belongs is "" here (its validation says what is wrong with it)."""
        value = self.request.POST.get(name)
        return value if isinstance(value, str) else ""

    def form_error(self, exc: errors.InvalidRequest, **template_values) -> dict:
        """Answer a rejected form: JSON envelope or the form again, both HTTP 400; nothing is kept.

        HTML: ``form_errors`` (field -> message; the page shows each next to its field, and a summary
        with the fields' labels), ``error`` (the sentence) and ``form_values`` (what was sent, to
        fill the form again: text only, never a secret, never a value longer than
        ``FORM_VALUE_ECHO_MAX``). Messages are cut to ``MESSAGE_MAX``: a message may quote the input.
        """
        self.request.tm.doom()
        self.request.response.status = 400
        form_errors = {key: _bounded(value, MESSAGE_MAX) for key, value in (getattr(exc, "errors", {}) or {}).items()}
        if not form_errors:
            form_errors[exc.field or "Error_Main"] = _bounded(exc.message, MESSAGE_MAX)
        message = _bounded(exc.message, MESSAGE_MAX)
        if self.is_json:
            return error_envelope(message, form_errors, operation=self.action_operation())
        # text only: a file part (a cgi FieldStorage) cannot fill a form field, and is not even a bool
        form_values = {}
        for key, value in self.request.POST.items():
            if not isinstance(value, str) or key in self.SECRET_FIELDS:
                continue
            if len(value) > FORM_VALUE_ECHO_MAX:
                form_errors.setdefault(
                    key, "Too long to show again (%d characters); please enter it again." % len(value)
                )
                continue
            form_values[key] = value
        values = {"form_errors": form_errors, "error": message, "form_values": form_values}
        values.update(template_values)
        return values

    def redirect_result(self, location: str, result: str, operation: str, error: str = None, **extra) -> HTTPSeeOther:
        """A 303 back to an object page; the page it lands on says what happened.

        The sentence (and ``error``) travels as a flash message in the session (``flash_result``);
        the query string keeps the machine-readable outcome (``result``, ``operation`` and short
        ``extra`` values such as ``action=inactive``) for scripts that read the ``Location``, and
        never free text. Values may come from the request (an ``action`` sent back): each is cut
        short, so a megabyte sent is never copied whole into the ``Location`` header or the cookie.
        """
        flash_result(self.request, result, operation, error=error, details=extra)
        params = [("result", result), ("operation", operation)]
        params.extend((key, _bounded(value, LOCATION_VALUE_MAX)) for key, value in sorted(extra.items()))
        separator = "&" if "?" in location else "?"
        return HTTPSeeOther(location=location + separator + urllib.parse.urlencode(params))

    def action_error(self, exc: errors.InvalidRequest, location: str, operation: str, **extra):
        """A rejected one-click action: JSON envelope (400), or a redirect whose page shows the
        error (a flash message naming the fields at fault by their labels)."""
        self.request.tm.doom()
        form_errors = {key: _bounded(value, MESSAGE_MAX) for key, value in (getattr(exc, "errors", {}) or {}).items()}
        message = _bounded(exc.message, MESSAGE_MAX)
        if self.is_json:
            self.request.response.status = 400
            return error_envelope(message, form_errors or {exc.field or "Error_Main": message}, operation=operation)
        if not form_errors and exc.field:
            label = field_label(exc.field)
            message = "%s: %s" % (label, message) if label and not message.startswith(label) else message
        return self.redirect_result(location, "error", operation, error=message, **extra)

    # --- confirmation of irreversible actions

    def form_is_valid(self) -> bool:
        """Whether the action's schema (if it has one) accepts the posted form; changes nothing."""
        docs = self.docs()
        if docs is None or docs.schema is None:
            return True
        try:
            self.validate(docs.schema)
        except errors.InvalidRequest:
            return False
        return True

    def confirmation_needed(self, question: str):
        """The page that asks again before an irreversible action (``admin_view(confirm=...)``).

        It holds a form posting the same fields back to the same URL with ``confirm=1``; the
        action runs only then. No JavaScript: the confirmation is a page of its own.
        """
        loader = FOCUS_LOADERS.get(self._focus_route())
        if loader is not None:
            loader(self)  # a missing object is a 404 before anything is asked
        fields = [
            (key, value)
            for key, value in self.request.POST.items()
            if isinstance(value, str) and key not in ("confirm", "csrf_token") and len(value) <= FORM_VALUE_ECHO_MAX
        ]
        operation = self.action_operation()
        label = field_label(operation.replace("-", "_")) or operation
        action = self.posted_text("action")
        if action and len(action) <= LOCATION_VALUE_MAX:
            label = "%s %s" % (label, action.replace("_", " "))
        values = {
            "question": question,
            "action_url": self.request.path,
            "cancel_url": self.action_parent_url(),
            "operation": operation,
            "button_label": "Yes: " + label,
            "fields": fields,
        }
        return render_to_response("/admin/confirm.mako", values, request=self.request)
