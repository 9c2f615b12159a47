"""Domains: list, focus, new, mark."""

from pyramid.httpexceptions import HTTPNotFound

from ...lib import errors
from ...lib.db import get
from ...lib.db import getcreate
from ...lib.db import update
from ..lib import forms
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view


def load_domain(handler: Handler):
    """The Domain named by ``{domain_identifier}``: a numeric id or a domain name.

    :raises HTTPNotFound: no such Domain.
    """
    identifier = handler.request.matchdict["domain_identifier"].strip()
    if identifier.isdigit():
        dbDomain = get.get__Domain__by_id(handler.ctx, int(identifier))
    else:
        dbDomain = get.get__Domain__by_name(handler.ctx, identifier)
    if dbDomain is None:
        raise HTTPNotFound("The Domain `%s` was not found." % identifier)
    return dbDomain


class ViewList(Handler):
    @admin_view("admin:domains", renderer="/admin/domains.mako", paginate=True)
    def list(self):
        """List the Domains, by name."""
        pagination = self.paginate(get.get__Domain__count(self.ctx))
        items = get.get__Domain__paginated(self.ctx, pagination.items_per_page, pagination.offset)
        if self.is_json:
            return {
                "Domains": {str(d.id): d.as_json for d in items},
                "pagination": pagination.as_json(),
            }
        return {"Domains": items, "pagination": pagination}


class ViewNew(Handler):
    @admin_view(
        "admin:domain:new",
        renderer="/admin/domain-new.mako",
        post=True,
        schema=forms.DomainNew,
        about="Add a Domain to manage (or find the one that exists).",
        example="curl --form 'domain_name=example.com' {ADMIN_URL}/domain/new.json",
    )
    def new(self):
        if self.request.method != "POST":
            return self.action_documentation() if self.is_json else {"form_errors": {}, "form_values": {}}
        try:
            values = self.validate(forms.DomainNew)
            dbDomain, is_created = getcreate.getcreate__Domain__by_domainName(self.ctx, values["domain_name"])
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {"result": "success", "Domain": dbDomain.as_json, "is_created": is_created}
        return self.redirect_result(
            self.request.route_path("admin:domain:focus", domain_identifier=dbDomain.id),
            "success",
            "new",
            is_created=str(is_created).lower(),
        )


class ViewFocus(Handler):
    @admin_view("admin:domain:focus", renderer="/admin/domain-focus.mako")
    def focus(self):
        """One Domain, by numeric id or by name."""
        dbDomain = load_domain(self)
        if self.is_json:
            return {"Domain": dbDomain.as_json}
        return {"Domain": dbDomain}

    @admin_view(
        "admin:domain:focus:mark",
        post=True,
        schema=forms.DomainMark,
        about="Mark a Domain active (managed) or inactive.",
        example="curl --form 'action=inactive' {ADMIN_URL}/domain/example.com/mark.json",
    )
    def mark(self):
        dbDomain = load_domain(self)
        focus_url = self.request.route_path("admin:domain:focus", domain_identifier=dbDomain.id)
        if self.request.method != "POST":
            if self.is_json:
                return self.action_documentation()
            return self.redirect_result(focus_url, "error", "mark", error="This action needs an HTTP POST.")
        action = self.request.POST.get("action")
        try:
            values = self.validate(forms.DomainMark)
            update.update_Domain__mark(self.ctx, dbDomain, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action or "")
        if self.is_json:
            return {"result": "success", "Domain": dbDomain.as_json, "operation": "mark", "action": action}
        return self.redirect_result(focus_url, "success", "mark", action=action)
