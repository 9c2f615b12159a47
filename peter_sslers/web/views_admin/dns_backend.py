"""DNS backends of dns-01 (RFC 2136 dynamic updates with TSIG): list, new, focus, edit, mark, test.
See docs/Dns01.md. The TSIG secret is never shown: the JSON and the pages mask it."""

from ...lib import errors
from ...lib.db import dns_backends
from ...model.objects import SECRET_MASK
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view

FIELDS = ("zone", "server", "port", "tsig_key_name", "tsig_algorithm", "tsig_secret", "visibility_nameservers")
NEW_EXAMPLE = (
    "curl --form 'zone=example.com' --form 'server=192.0.2.53' --form 'tsig_key_name=peter-sslers' "
    "--form 'tsig_secret=<base64>' {ADMIN_URL}/dns-backend-rfc2136/new.json"
)
FIELD_NOTES = (
    "`zone` is lower-cased, its trailing dot dropped; one backend per zone (a duplicate is HTTP 400). "
    "A name is handled by the longest active zone that encloses it; a wildcard uses its base name.",
    "`tsig_algorithm`: hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1. "
    "`tsig_secret` must be base64; it is never shown again (the JSON says `%s`)." % SECRET_MASK,
    "Bad input (zone, server, port, key name, algorithm, secret, nameservers) is HTTP 400 and nothing changes.",
)


@focus_loader("admin:dns_backend_rfc2136:focus")
def load_backend(handler: Handler):
    return handler.load(dns_backends.get__DnsBackendRfc2136__by_id, "DnsBackendRfc2136")


def _posted(handler: Handler, schema_class) -> dict:
    """The form validated by its schema (types, lengths), then by ``dns_backends.check_fields``."""
    values = handler.validate(schema_class)
    return {key: ("" if value is None else value) for key, value in values.items()}


class ViewList(Handler):
    @admin_view("admin:dns_backend_rfc2136s", renderer="/admin/dns_backend_rfc2136s.mako", paginate=True)
    def list(self):
        """The DNS backends (RFC 2136), by zone; TSIG secrets masked."""
        return self.paged_list(
            dns_backends.query__DnsBackendRfc2136(), "DnsBackendRfc2136s", page_title="DNS backends (RFC 2136)"
        )


class ViewNew(Handler):
    def _get_new(self):
        return {"form_errors": {}, "form_values": {"port": "53", "tsig_algorithm": "hmac-sha256"}, "Backend": None}

    @admin_view(
        "admin:dns_backend_rfc2136:new",
        renderer="/admin/dns_backend_rfc2136-form.mako",
        post=True,
        get="_get_new",
        schema=forms.DnsBackendRfc2136New,
        about="Add the DNS backend of a zone: the server taking RFC 2136 updates and its TSIG key.",
        example=NEW_EXAMPLE,
        notes=FIELD_NOTES,
    )
    def new(self):
        try:
            dbBackend = dns_backends.create__DnsBackendRfc2136(self.ctx, _posted(self, forms.DnsBackendRfc2136New))
        except errors.InvalidRequest as exc:
            return self.form_error(exc, Backend=None)
        if self.is_json:
            return {"result": "success", "operation": "new", "DnsBackendRfc2136": dbBackend.as_json}
        return self.redirect_result(
            self.request.route_path("admin:dns_backend_rfc2136:focus", id=dbBackend.id), "success", "new"
        )


class ViewFocus(Handler):
    @admin_view("admin:dns_backend_rfc2136:focus", renderer="/admin/dns_backend_rfc2136-focus.mako")
    def focus(self):
        """One DNS backend (its TSIG secret masked)."""
        dbBackend = load_backend(self)
        if self.is_json:
            return {"DnsBackendRfc2136": dbBackend.as_json}
        return {"Backend": dbBackend, "report": None}

    def _get_edit(self):
        dbBackend = load_backend(self)
        values = {key: getattr(dbBackend, key) for key in FIELDS if key != "tsig_secret"}
        values = {key: "" if value is None else str(value) for key, value in values.items()}
        return {"form_errors": {}, "form_values": values, "Backend": dbBackend}

    @admin_view(
        "admin:dns_backend_rfc2136:focus:edit",
        renderer="/admin/dns_backend_rfc2136-form.mako",
        post=True,
        get="_get_edit",
        schema=forms.DnsBackendRfc2136Edit,
        about="Change a DNS backend: every field is sent; an empty `tsig_secret` keeps the current secret.",
        example="curl --form 'zone=example.com' --form 'server=192.0.2.53' --form 'tsig_key_name=peter-sslers' "
        "{ADMIN_URL}/dns-backend-rfc2136/1/edit.json",
        notes=FIELD_NOTES,
    )
    def edit(self):
        dbBackend = load_backend(self)
        try:
            dns_backends.update__DnsBackendRfc2136(self.ctx, dbBackend, _posted(self, forms.DnsBackendRfc2136Edit))
        except errors.InvalidRequest as exc:
            return self.form_error(exc, Backend=dbBackend)
        if self.is_json:
            return {"result": "success", "operation": "edit", "DnsBackendRfc2136": dbBackend.as_json}
        return self.redirect_result(
            self.request.route_path("admin:dns_backend_rfc2136:focus", id=dbBackend.id), "success", "edit"
        )

    @admin_view(
        "admin:dns_backend_rfc2136:focus:mark",
        post=True,
        schema=forms.DnsBackendRfc2136Mark,
        about="Mark a DNS backend active (used for its zone's dns-01 records) or inactive.",
        example="curl --form 'action=inactive' {ADMIN_URL}/dns-backend-rfc2136/1/mark.json",
        notes=("Marking it what it is already is HTTP 400, nothing changed.",),
    )
    def mark(self):
        dbBackend = load_backend(self)
        focus_url = self.request.route_path("admin:dns_backend_rfc2136:focus", id=dbBackend.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms.DnsBackendRfc2136Mark)
            dns_backends.mark__DnsBackendRfc2136(self.ctx, dbBackend, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            return {"result": "success", "operation": "mark", "action": action, "DnsBackendRfc2136": dbBackend.as_json}
        return self.redirect_result(focus_url, "success", "mark", action=action)

    @admin_view(
        "admin:dns_backend_rfc2136:focus:test",
        renderer="/admin/dns_backend_rfc2136-focus.mako",
        post=True,
        schema=forms.ActionNoFields,
        about="Test a DNS backend: add a TXT record `_peter-sslers-test.<zone>` with a random value, wait until "
        "every authoritative server answers it (at most %d s), delete it." % dns_backends.TEST_VISIBLE_TIMEOUT,
        example="curl -X POST {ADMIN_URL}/dns-backend-rfc2136/1/test.json",
        notes=(
            "`report`: `name`, `value`, `steps` (add, wait_visible, delete: each `result` and any `error`), "
            "`visibility` (the servers that answered, the rounds, the seconds taken).",
            "A failure is the error envelope with `service: dns` and the `report` so far: HTTP 502 when a server "
            "answered badly (REFUSED, NOTAUTH: a TSIG key it does not accept; the record never visible), 503 when "
            "none answered. A record that was added is deleted again.",
            "The database is not changed; the backend may be inactive (test it before activating it).",
        ),
    )
    def test(self):
        dbBackend = load_backend(self)
        report = dns_backends.test__DnsBackendRfc2136(dbBackend)
        if self.is_json:
            return {"result": "success", "operation": "test", "report": report, "DnsBackendRfc2136": dbBackend.as_json}
        return {"Backend": dbBackend, "report": report}
