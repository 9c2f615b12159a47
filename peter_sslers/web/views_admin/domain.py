"""Domains: lists (all, expiring, challenged), search, focus, new, mark, calendar, and the lists of
what concerns one Domain (certificates, CSRs, sets, orders, authorizations, challenges, renewal
queue items, acme-dns accounts)."""

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.response import Response

from ...lib import errors
from ...lib import utils
from ...lib.db import actions
from ...lib.db import actions_redis
from ...lib.db import get
from ...lib.db import getcreate
from ...lib.db import queues
from ...lib.db import reads
from ...lib.db import update
from ...model.meta import utcnow
from ...model.objects import Domain
from ..database import read_connection
from ..lib import forms
from ..lib import nginx
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler


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
    """``{domain_identifier}``: an id in range, or a name that fits the column (no control
    characters), as stored (``utils.domain_name_for_lookup``: lower-case, no trailing dot, an
    internationalised name as punycode, so `/domain/bücher.example.` finds xn--bcher-kva.example).

    :raises HTTPNotFound: neither: no Domain can have it (and the database is not asked).
    """
    identifier = handler.request.matchdict["domain_identifier"].strip()
    if identifier.isascii() and identifier.isdigit():
        if forms.parse_id(identifier) is None:
            raise HTTPNotFound("The Domain was not found: the id is out of range.")
        return identifier
    if forms.text_problem(identifier, forms.column_length(Domain.domain_name)):
        raise HTTPNotFound("The Domain was not found: that is not a domain name.")
    return utils.domain_name_for_lookup(identifier)


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
        return {"Domains": items, "pagination": pagination, "page_title": "Domains", "which": "all"}

    def _list(self, which: str, page_title: str) -> dict:
        result = self.paged_list(get.query__Domain(self.ctx, which), "Domains", page_title=page_title, which=which)
        if not self.is_json:
            result["Domains"] = result.pop("items")
        return result

    @admin_view("admin:domains:expiring", renderer="/admin/domains.mako", paginate=True)
    def expiring(self):
        """Domains whose latest single or multi certificate is active and ends within `expiring_days`
        (or has ended), the soonest to end first."""
        return self._list("expiring", "Domains expiring within %s days" % self.settings.expiring_days)

    @admin_view("admin:domains:challenged", renderer="/admin/domains.mako", paginate=True)
    def challenged(self):
        """Domains with a challenge in play (an ACME challenge not yet valid or invalid of a pending
        authorization of a pending, ready or processing order; or an AcmeOrderless challenge while it
        is processing), by name."""
        return self._list("challenged", "Domains with a challenge in play")

    def _get_search(self):
        """The page a GET shows: the form (and, with `?domain=`, what it finds)."""
        text = self.request.GET.get("domain", "")
        if utils.domain_name_for_lookup(text) and not forms.text_problem(text, forms.column_length(Domain.domain_name)):
            return {"form_errors": {}, "form_values": {"domain": text}, "search_results": get.search__Domain(self.ctx, text)}
        return {"form_errors": {}, "form_values": {"domain": text}, "search_results": None}

    @admin_view(
        "admin:domains:search",
        renderer="/admin/domains-search.mako",
        post=True,
        get="_get_search",
        schema=forms.DomainSearch,
        about="Find a domain name: its Domain (active or not), the Domains whose name contains it, the "
        "certificates with a SAN matching it (the name, or a wildcard covering it) and its rows in the "
        "domain queue. Any case, a trailing dot, Unicode or punycode.",
        example="curl --form 'domain=bücher.example' {ADMIN_URL}/domains/search.json",
        notes=(
            "Changes nothing. The HTML page also answers a GET with `?domain=`.",
            "JSON `{result, query, search_results: {Domain, Domains, CertificateSigneds, QueueDomainActive, "
            "QueueDomainsInactive}}` (`query`: the name as stored, punycode).",
        ),
    )
    def search(self):
        try:
            values = self.validate(forms.DomainSearch)
            if not utils.domain_name_for_lookup(values["domain"]):
                raise errors.InvalidRequest("Give a domain name, or part of one.", field="domain")
        except errors.InvalidRequest as exc:
            return self.form_error(exc, search_results=None)
        found = get.search__Domain(self.ctx, values["domain"])
        if self.is_json:
            return {
                "result": "success",
                "query": found["query"],
                "search_results": {
                    "Domain": found["Domain"].as_json if found["Domain"] is not None else None,
                    "Domains": {str(d.id): d.as_json for d in found["Domains"]},
                    "CertificateSigneds": {str(c.id): c.as_json for c in found["CertificateSigneds"]},
                    "QueueDomainActive": (
                        found["QueueDomainActive"].as_json if found["QueueDomainActive"] is not None else None
                    ),
                    "QueueDomainsInactive": [q.as_json for q in found["QueueDomainsInactive"]],
                },
            }
        return {"form_errors": {}, "form_values": {"domain": values["domain"]}, "search_results": found}


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

    @admin_view("admin:domain:focus:calendar", json_only=True)
    def calendar(self):
        """The dates of the Domain's certificates, counted: `issues` per ISO week of notBefore
        (`YYYY.WW`, every certificate: the CAs' rate limits count weeks), `issued` per day, and for
        the active ones `expires` (notAfter) and `renews` (when the renewal queue renews them: the
        options' rule, ARI not asked) per day (`YYYY-MM-DD`, UTC)."""
        dbDomain = load_domain(self)
        statement = get.query__CertificateSigned(self.ctx, "all", domain_id=dbDomain.id)
        payload = {"Domain": {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name}}
        payload.update(queues.certificate_calendar(self.ctx, statement))
        return payload

    @admin_view("admin:domain:focus:config", json_only=True)
    def config(self):
        """What a server deploys for this Domain: its latest single and multi certificates with key,
        chain, fullchain and expiry (`?idonly=1`: ids only), and `serve`: which of the two
        peter_sslers serves (or null). An inactive Domain gets nulls.
        `?openresty=1` (OpenResty's fallback on a Redis miss) also primes Redis with this Domain
        when Redis is enabled; a Redis failure is logged and the payload answered all the same."""
        identifier = domain_identifier(self)
        # One cached Core statement on a pooled connection (lib/db/reads.py): no ORM session,
        # nothing cached between requests (another instance's change is seen at once).
        prime = actions_redis.prime_redis__domain__quietly if self.request.GET.get("openresty") in ("1", "true") else None
        with read_connection(self.request) as connection:
            payload = reads.domain_config_payload(
                connection, self.settings, utcnow(), identifier, id_only=self.id_only, prime=prime
            )
        if payload is None:
            raise HTTPNotFound("The Domain `%s` was not found." % identifier)
        # the bytes the `json` renderer writes (sorted keys; nothing here needs its adapters)
        return Response(json.dumps(payload, sort_keys=True), content_type="application/json", charset="utf-8")

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


class ViewFocusAcmeLists(AcmeHandler):
    @admin_view("admin:domain:focus:acme_orders", renderer="/admin/acme_orders.mako", paginate=True)
    def acme_orders(self):
        """The orders naming a Domain (its set holds it), newest first."""
        dbDomain = load_domain(self)
        statement = get.query__AcmeOrder(domain_id=dbDomain.id)
        return self.paged_list_as_list(
            statement, "AcmeOrders", page_title="Orders for %s" % dbDomain.domain_name, which=None
        )

    @admin_view(
        "admin:domain:focus:acme_authorizations", renderer="/admin/acme_authorizations.mako", paginate=True
    )
    def acme_authorizations(self):
        """The authorizations of a Domain (`?status=active`: pending or not fetched yet)."""
        dbDomain = load_domain(self)
        statement = get.query__AcmeAuthorization(self.status_filter(get.AUTHORIZATION_STATUSES), domain_id=dbDomain.id)
        return self.paged_list(
            statement,
            "AcmeAuthorizations",
            page_title="Authorizations of %s" % dbDomain.domain_name,
            statuses=("all",) + tuple(get.AUTHORIZATION_STATUSES),
        )

    @admin_view("admin:domain:focus:acme_challenges", renderer="/admin/acme_challenges.mako", paginate=True)
    def acme_challenges(self):
        """The challenges of a Domain (`?status=active`, `resolved` or `processing`)."""
        dbDomain = load_domain(self)
        statement = get.query__AcmeChallenge(self.status_filter(get.CHALLENGE_STATUSES), domain_id=dbDomain.id)
        return self.paged_list(
            statement,
            "AcmeChallenges",
            page_title="Challenges of %s" % dbDomain.domain_name,
            statuses=("all",) + tuple(get.CHALLENGE_STATUSES),
        )

    @admin_view(
        "admin:domain:focus:queue_certificates", renderer="/admin/queue_certificates.mako", paginate=True
    )
    def queue_certificates(self):
        """The renewal queue's items whose set holds a Domain (waiting, processed, cancelled), newest first."""
        dbDomain = load_domain(self)
        statement = queues.query__QueueCertificate("all", domain_id=dbDomain.id)
        return self.paged_list(
            statement, "QueueCertificates", page_title="Renewal queue items for %s" % dbDomain.domain_name, which=None
        )


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
