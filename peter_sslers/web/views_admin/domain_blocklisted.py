"""The blocklist: list, add, focus, delete (docs/Blocklist.md)."""

from ...lib import errors
from ...lib.db import domain_blocklisted
from ...lib.db import get
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view

ADD_EXAMPLE = "curl --form 'domain_name=example.com' {ADMIN_URL}/domains-blocklisted/add.json"


@focus_loader("admin:domain_blocklisted:focus")
def load_domain_blocklisted(handler: Handler):
    return handler.load(domain_blocklisted.get__DomainBlocklisted__by_id, "DomainBlocklisted")


def _add_json(result: dict) -> dict:
    dbDomain = result["Domain"]
    return {
        "result": "success",
        "operation": "add",
        "DomainBlocklisted": result["DomainBlocklisted"].as_json,
        "Domain": dbDomain.as_json if dbDomain is not None else None,
        "cancelled": result["cancelled"],
    }


class ViewList(Handler):
    @admin_view("admin:domains_blocklisted", renderer="/admin/domains_blocklisted.mako", paginate=True)
    def list(self):
        """The blocklisted names, by name: nothing is ever created for them (exact match, not subdomains)."""
        statement = domain_blocklisted.query__DomainBlocklisted()
        pagination = self.paginate(get.count(self.ctx, statement))
        items = get.page(self.ctx, statement, pagination.items_per_page, pagination.offset)
        if self.is_json:
            # a list, as the 2021 design answered (reference inventory, section 0)
            return {"DomainsBlocklisted": [item.as_json for item in items], "pagination": pagination.as_json()}
        return {"DomainsBlocklisted": items, "pagination": pagination}

    def _get_add(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}, "form_values": {}, "result": None}

    @admin_view(
        "admin:domains_blocklisted:add",
        renderer="/admin/domains_blocklisted-add.mako",
        post=True,
        get="_get_add",
        schema=forms.DomainBlocklistedAdd,
        about="Blocklist a domain name: from then on no Domain, set, order or queue item is made with it, "
        "and the public responder does not answer challenges for it.",
        example=ADD_EXAMPLE,
        notes=(
            "The name is normalised as every name is (lower case, IDN to punycode, no trailing dot). "
            "The match is exact: `example.com` does not block `www.example.com`; a wildcard `*.example.com` "
            "is a name of its own.",
            "A name blocklisted already: HTTP 400 on `domain_name`, nothing changed.",
            "Waiting queue items that need the name are cancelled (`cancelled`: their ids). A Domain of this "
            "name is kept (`Domain`): its certificates stay served until they expire and are not renewed; "
            "mark it inactive to stop serving them.",
        ),
    )
    def add(self):
        try:
            values = self.validate(forms.DomainBlocklistedAdd)
            result = domain_blocklisted.add(self.ctx, values["domain_name"])
        except errors.InvalidRequest as exc:
            return self.form_error(exc, result=None)
        if self.is_json:
            return _add_json(result)
        dbBlocked = result["DomainBlocklisted"]
        cancelled = result["cancelled"]
        return self.redirect_result(
            self.request.route_path("admin:domain_blocklisted:focus", id=dbBlocked.id),
            "success",
            "add",
            cancelled_queue_domains=str(len(cancelled["QueueDomain"])),
            cancelled_queue_certificates=str(len(cancelled["QueueCertificate"])),
        )


class ViewFocus(Handler):
    @admin_view("admin:domain_blocklisted:focus", renderer="/admin/domain_blocklisted-focus.mako")
    def focus(self):
        """One blocklisted name, with the Domain of that name if there is one."""
        dbBlocked = load_domain_blocklisted(self)
        dbDomain = get.get__Domain__by_name(self.ctx, dbBlocked.domain_name)
        if self.is_json:
            return {
                "DomainBlocklisted": dbBlocked.as_json,
                "Domain": dbDomain.as_json if dbDomain is not None else None,
            }
        return {"DomainBlocklisted": dbBlocked, "Domain": dbDomain}

    @admin_view(
        "admin:domain_blocklisted:focus:delete",
        post=True,
        schema=forms.ActionNoFields,
        about="Take a name off the blocklist: it can be certified again.",
        example="curl -X POST {ADMIN_URL}/domain-blocklisted/1/delete.json",
        notes=("Logged as a `DomainBlocklisted__delete` OperationsEvent with the name.",),
    )
    def delete(self):
        dbBlocked = load_domain_blocklisted(self)
        removed = dbBlocked.as_json
        domain_blocklisted.delete(self.ctx, dbBlocked)
        if self.is_json:
            return {"result": "success", "operation": "delete", "DomainBlocklisted": removed}
        return self.redirect_result(
            self.request.route_path("admin:domains_blocklisted"), "success", "delete", domain_name=removed["domain_name"]
        )
