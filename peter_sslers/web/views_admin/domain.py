"""Domains: list, focus, new, mark."""

from pyramid.httpexceptions import HTTPNotFound

from ...lib import errors
from ...lib import exports
from ...lib.db import actions
from ...lib.db import actions_redis
from ...lib.db import chains
from ...lib.db import get
from ...lib.db import getcreate
from ...lib.db import update
from ...model.objects import Domain
from ..lib import forms
from ..lib import nginx
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view


@focus_loader("admin:domain:focus")
def load_domain(handler: Handler):
    """The Domain named by ``{domain_identifier}``: a numeric id or a domain name.

    :raises HTTPNotFound: no such Domain.
    """
    identifier = domain_identifier(handler)
    if identifier.isascii() and identifier.isdigit():
        dbDomain = get.get__Domain__by_id(handler.ctx, forms.parse_id(identifier))
    else:
        dbDomain = get.get__Domain__by_name(handler.ctx, identifier)
    if dbDomain is None:
        raise HTTPNotFound("The Domain `%s` was not found." % identifier)
    return dbDomain


def domain_identifier(handler: Handler) -> str:
    """``{domain_identifier}``: an id in range, or a name that fits the column (no control characters).

    :raises HTTPNotFound: neither: no Domain can have it (and the database is not asked).
    """
    identifier = handler.request.matchdict["domain_identifier"].strip()
    if identifier.isascii() and identifier.isdigit():
        if forms.parse_id(identifier) is None:
            raise HTTPNotFound("The Domain was not found: the id is out of range.")
    elif forms.text_problem(identifier, forms.column_length(Domain.domain_name)):
        raise HTTPNotFound("The Domain was not found: that is not a domain name.")
    return identifier


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
    def _get_new(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:domain:new",
        renderer="/admin/domain-new.mako",
        post=True,
        get="_get_new",
        schema=forms.DomainNew,
        about="Add a Domain to manage (or find the one that exists).",
        example="curl --form 'domain_name=example.com' {ADMIN_URL}/domain/new.json",
    )
    def new(self):
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
        return {
            "Domain": dbDomain,
            "CertificateSigneds": get.page(
                self.ctx, get.query__CertificateSigned(self.ctx, "all", domain_id=dbDomain.id), 5, 0
            ),
            "CertificateRequests": get.page(self.ctx, get.query__CertificateRequest(domain_id=dbDomain.id), 5, 0),
            "UniqueFQDNSets": get.page(self.ctx, get.query__UniqueFQDNSet(domain_id=dbDomain.id), 5, 0),
        }

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
        action = self.posted_text("action")
        try:
            values = self.validate(forms.DomainMark)
            update.update_Domain__mark(self.ctx, dbDomain, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action or "")
        if self.is_json:
            return {"result": "success", "Domain": dbDomain.as_json, "operation": "mark", "action": action}
        return self.redirect_result(focus_url, "success", "mark", action=action)

    @admin_view("admin:domain:focus:config", json_only=True)
    def config(self):
        """What a server deploys for this Domain: its latest single and multi certificates with key,
        chain, fullchain and expiry (`?idonly=1`: ids only), and `serve`: which of the two
        peter_sslers serves (or null). An inactive Domain gets nulls.
        `?openresty=1` (OpenResty's fallback on a Redis miss) also primes Redis with this Domain
        when Redis is enabled; a Redis failure is logged and the payload answered all the same."""
        identifier = domain_identifier(self)
        dbDomain = get.get__Domain__for_config(self.ctx, identifier)
        if dbDomain is None:
            raise HTTPNotFound("The Domain `%s` was not found." % identifier)
        if self.request.GET.get("openresty") in ("1", "true"):
            actions_redis.prime_redis__domain__quietly(self.ctx, dbDomain)
        return exports.domain_config_payload(
            dbDomain, chains.chain_preference(self.ctx), id_only=self.id_only, now=self.ctx.timestamp
        )

    @admin_view(
        "admin:domain:focus:update_recents",
        post=True,
        schema=forms.ActionNoFields,
        about="Recompute this Domain's latest single and multi certificates.",
        example="curl -X POST {ADMIN_URL}/domain/example.com/update-recents.json",
    )
    def update_recents(self):
        dbDomain = load_domain(self)
        focus_url = self.request.route_path("admin:domain:focus", domain_identifier=dbDomain.id)
        actions.update_recents__domains(self.ctx, [dbDomain.id])
        dbDomain = get.get__Domain__by_id(self.ctx, dbDomain.id)
        if self.is_json:
            return {"result": "success", "operation": "update-recents", "Domain": dbDomain.as_json}
        return self.redirect_result(focus_url, "success", "update-recents")


class ViewFocusLists(Handler):
    @admin_view(
        "admin:domain:focus:certificate_signeds", renderer="/admin/certificate_signeds.mako", paginate=True
    )
    def certificate_signeds(self):
        """The certificates covering a Domain."""
        dbDomain = load_domain(self)
        statement = get.query__CertificateSigned(self.ctx, "all", domain_id=dbDomain.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates of %s" % dbDomain.domain_name)

    @admin_view(
        "admin:domain:focus:certificate_requests", renderer="/admin/certificate_requests.mako", paginate=True
    )
    def certificate_requests(self):
        """The CSRs naming a Domain."""
        dbDomain = load_domain(self)
        statement = get.query__CertificateRequest(domain_id=dbDomain.id)
        return self.paged_list(statement, "CertificateRequests", page_title="CSRs of %s" % dbDomain.domain_name)

    @admin_view("admin:domain:focus:unique_fqdn_sets", renderer="/admin/unique_fqdn_sets.mako", paginate=True)
    def unique_fqdn_sets(self):
        """The domain sets a Domain belongs to."""
        dbDomain = load_domain(self)
        statement = get.query__UniqueFQDNSet(domain_id=dbDomain.id)
        return self.paged_list(statement, "UniqueFQDNSets", page_title="Domain sets with %s" % dbDomain.domain_name)


class ViewFocusNginx(Handler):
    @admin_view(
        "admin:domain:focus:nginx_cache_expire",
        post=True,
        schema=forms.ActionNoFields,
        about="Expire this Domain's cached certificate on every server of `nginx.servers_pool` "
        "(GET {server}{nginx.reset_path}/domain/{domain_name} on each). `result` is `success` only when "
        "every server expired it; otherwise HTTP 502 with `partial` or `error` and each failed server's reason.",
        example="curl -X POST {ADMIN_URL}/domain/example.com/nginx-cache-expire.json",
        notes=(
            "Logged as an `operations__nginx_cache_expire` OperationsEvent with each server's outcome.",
            'When nginx is not enabled: HTTP 400 {"result": "error", "error": "nginx is not enabled"}.',
        ),
    )
    def nginx_cache_expire(self):
        dbDomain = load_domain(self)
        focus_url = self.request.route_path("admin:domain:focus", domain_identifier=dbDomain.id)
        subject = {"Domain": {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name}}
        return nginx.expire_action(self, [dbDomain], focus_url, subject)
