"""AcmeDnsServer (acme-dns servers) and AcmeDnsServerAccount (their per-domain accounts).

The 2021 routes, under the admin prefix; see docs/AcmeDns.md.
"""

from pyramid.httpexceptions import HTTPNotFound

from ...lib import errors
from ...lib import utils
from ...lib.db import acme_dns as db_acme_dns
from ...lib.db import get
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .domain import load_domain

# the most accounts one ensure-domains-results page shows (the 2021 limit)
MAX_RESULTS_IDS = 100


@focus_loader("admin:acme_dns_server:focus")
def load_acme_dns_server(handler: Handler):
    return handler.load(db_acme_dns.get__AcmeDnsServer__by_id, "acme-dns server")


@focus_loader("admin:acme_dns_server_account:focus")
def load_acme_dns_server_account(handler: Handler):
    return handler.load(db_acme_dns.get__AcmeDnsServerAccount__by_id, "acme-dns account")


def _split_allowfrom(text: str) -> list:
    return [item for item in utils.split_domain_names(text or "")]


class ViewServers(Handler):
    @admin_view("admin:acme_dns_servers", renderer="/admin/acme_dns_servers.mako", paginate=True)
    def list(self):
        """acme-dns servers, newest first."""
        return self.paged_list(db_acme_dns.query__AcmeDnsServer(), "AcmeDnsServers", page_title="acme-dns servers")

    def _get_new(self):
        return {"form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:acme_dns_server:new",
        renderer="/admin/acme_dns_server-new.mako",
        post=True,
        get="_get_new",
        schema=forms.AcmeDnsServerNew,
        about="Add an acme-dns server (found again, not duplicated, when its root URL is here already). "
        "Nothing is sent to it: `check` asks its /health.",
        example="curl --form 'root_url=https://auth.example.com' {ADMIN_URL}/acme-dns-server/new.json",
    )
    def new(self):
        try:
            values = self.validate(forms.AcmeDnsServerNew)
            dbServer, is_created = db_acme_dns.getcreate__AcmeDnsServer(
                self.ctx, values["root_url"], is_global_default=values["is_global_default"] == "1"
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {"result": "success", "is_created": is_created, "AcmeDnsServer": dbServer.as_json}
        return self.redirect_result(
            self.request.route_path("admin:acme_dns_server:focus", id=dbServer.id),
            "success",
            "new",
            is_created=str(is_created).lower(),
        )


class ViewServerFocus(Handler):
    @admin_view("admin:acme_dns_server:focus", renderer="/admin/acme_dns_server-focus.mako")
    def focus(self):
        """One acme-dns server, with its newest accounts."""
        dbServer = load_acme_dns_server(self)
        recent = get.page(self.ctx, db_acme_dns.query__AcmeDnsServerAccount(acme_dns_server_id=dbServer.id), 5, 0)
        if self.is_json:
            return {
                "AcmeDnsServer": dbServer.as_json,
                "AcmeDnsServerAccounts_5": [a.as_json for a in recent],
            }
        return {"AcmeDnsServer": dbServer, "AcmeDnsServerAccounts": recent}

    @admin_view(
        "admin:acme_dns_server:focus:acme_dns_server_accounts",
        renderer="/admin/acme_dns_server_accounts.mako",
        paginate=True,
    )
    def accounts(self):
        """The accounts registered on an acme-dns server."""
        dbServer = load_acme_dns_server(self)
        statement = db_acme_dns.query__AcmeDnsServerAccount(acme_dns_server_id=dbServer.id)
        return self.paged_list(
            statement, "AcmeDnsServerAccounts", page_title="Accounts of acme-dns server %s" % dbServer.id
        )

    @admin_view(
        "admin:acme_dns_server:focus:check",
        post=True,
        schema=forms.ActionNoFields,
        about="Ask the server's `GET /health`: `health: true` on HTTP 200; 502 (it answered otherwise) "
        "or 503 (no answer) with the reason.",
        example="curl -X POST {ADMIN_URL}/acme-dns-server/1/check.json",
    )
    def check(self):
        dbServer = load_acme_dns_server(self)
        db_acme_dns.check_AcmeDnsServer(self.ctx, dbServer)
        if self.is_json:
            return {"result": "success", "operation": "check", "health": True, "AcmeDnsServer": dbServer.as_json}
        return self.redirect_result(
            self.request.route_path("admin:acme_dns_server:focus", id=dbServer.id), "success", "check"
        )

    def _get_edit(self):
        dbServer = load_acme_dns_server(self)
        return {"AcmeDnsServer": dbServer, "form_errors": {}, "form_values": {"root_url": dbServer.root_url}}

    @admin_view(
        "admin:acme_dns_server:focus:edit",
        renderer="/admin/acme_dns_server-edit.mako",
        post=True,
        get="_get_edit",
        schema=forms.AcmeDnsServerEdit,
        about="Change the server's root URL (it moved); its accounts stay with it.",
        example="curl --form 'root_url=https://auth2.example.com' {ADMIN_URL}/acme-dns-server/1/edit.json",
    )
    def edit(self):
        dbServer = load_acme_dns_server(self)
        try:
            values = self.validate(forms.AcmeDnsServerEdit)
            db_acme_dns.update_AcmeDnsServer__edit(self.ctx, dbServer, values["root_url"])
        except errors.InvalidRequest as exc:
            return self.form_error(exc, AcmeDnsServer=dbServer)
        if self.is_json:
            return {"result": "success", "operation": "edit", "AcmeDnsServer": dbServer.as_json}
        return self.redirect_result(
            self.request.route_path("admin:acme_dns_server:focus", id=dbServer.id), "success", "edit"
        )

    @admin_view(
        "admin:acme_dns_server:focus:mark",
        post=True,
        schema=forms.AcmeDnsServerMark,
        about="Mark a server active, inactive (it then stops being the global default) or the global "
        "default (the one new accounts and dns-01 orders prefer).",
        example="curl --form 'action=global_default' {ADMIN_URL}/acme-dns-server/1/mark.json",
    )
    def mark(self):
        dbServer = load_acme_dns_server(self)
        focus_url = self.request.route_path("admin:acme_dns_server:focus", id=dbServer.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms.AcmeDnsServerMark)
            db_acme_dns.update_AcmeDnsServer__mark(self.ctx, dbServer, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            return {"result": "success", "operation": "mark", "action": action, "AcmeDnsServer": dbServer.as_json}
        return self.redirect_result(focus_url, "success", "mark", action=action)

    def _get_ensure_domains(self):
        return {"AcmeDnsServer": load_acme_dns_server(self), "form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:acme_dns_server:focus:ensure_domains",
        renderer="/admin/acme_dns_server-ensure_domains.mako",
        post=True,
        get="_get_ensure_domains",
        schema=forms.AcmeDnsServerEnsureDomains,
        about="An account on this server for each name: names with one keep it, the others are registered "
        "(`POST /register`). The answer gives each name's CNAME to create. An unreachable server "
        "stores nothing (503).",
        example="curl --form 'domain_names=example.com,*.example.org' {ADMIN_URL}/acme-dns-server/1/ensure-domains.json",
    )
    def ensure_domains(self):
        dbServer = load_acme_dns_server(self)
        try:
            values = self.validate(forms.AcmeDnsServerEnsureDomains)
            matrix = db_acme_dns.ensure_domains(
                self.ctx,
                dbServer,
                utils.split_domain_names(values["domain_names"]),
                allowfrom=_split_allowfrom(values["allowfrom"]),
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, AcmeDnsServer=dbServer)
        if self.is_json:
            return {"result": "success", "operation": "ensure-domains", "result_matrix": matrix}
        ids = ",".join(row["AcmeDnsServerAccount"]["id"] for row in matrix.values())
        return self.redirect_result(
            self.request.route_path(
                "admin:acme_dns_server:focus:ensure_domains_results",
                id=dbServer.id,
                _query={"acme-dns-server-accounts": ids},
            ),
            "success",
            "ensure-domains",
        )

    @admin_view(
        "admin:acme_dns_server:focus:ensure_domains_results",
        renderer="/admin/acme_dns_server-ensure_domains_results.mako",
    )
    def ensure_domains_results(self):
        """The CNAMEs to create for some accounts of this server (`?acme-dns-server-accounts=1,2,3`, at most 100)."""
        dbServer = load_acme_dns_server(self)
        raw = self.request.GET.get("acme-dns-server-accounts", "")
        ids = []
        for item in raw.split(","):
            if not item.strip():
                continue
            account_id = forms.parse_id(item)
            if account_id is None:
                raise HTTPNotFound("`acme-dns-server-accounts` holds ids separated by commas.")
            ids.append(account_id)
        if len(ids) > MAX_RESULTS_IDS:
            raise HTTPNotFound("At most %d accounts at once." % MAX_RESULTS_IDS)
        accounts = [
            a for a in db_acme_dns.get__AcmeDnsServerAccounts__by_ids(self.ctx, ids) if a.acme_dns_server_id == dbServer.id
        ]
        accounts.sort(key=lambda a: a.domain.domain_name)
        if self.is_json:
            return {
                "AcmeDnsServer": dbServer.as_json,
                "result_matrix": {a.domain.domain_name: db_acme_dns.result_row(a) for a in accounts},
            }
        return {"AcmeDnsServer": dbServer, "AcmeDnsServerAccounts": accounts}

    def _get_import_domain(self):
        return {"AcmeDnsServer": load_acme_dns_server(self), "form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:acme_dns_server:focus:import_domain",
        renderer="/admin/acme_dns_server-import_domain.mako",
        post=True,
        get="_get_import_domain",
        schema=forms.AcmeDnsServerImportDomain,
        about="Import the acme-dns credentials of a domain registered elsewhere (nothing is sent to the "
        "server). A domain has one active account per server.",
        example="curl --form 'domain_name=example.com' --form 'username=...' --form 'password=...' "
        "--form 'fulldomain=...' --form 'subdomain=...' {ADMIN_URL}/acme-dns-server/1/import-domain.json",
    )
    def import_domain(self):
        dbServer = load_acme_dns_server(self)
        try:
            values = self.validate(forms.AcmeDnsServerImportDomain)
            dbAccount = db_acme_dns.import_account(
                self.ctx,
                dbServer,
                values["domain_name"],
                values["username"],
                values["password"],
                values["fulldomain"],
                values["subdomain"],
                allowfrom=_split_allowfrom(values["allowfrom"]),
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, AcmeDnsServer=dbServer)
        if self.is_json:
            return {"result": "success", "operation": "import-domain", "AcmeDnsServerAccount": dbAccount.as_json}
        return self.redirect_result(
            self.request.route_path("admin:acme_dns_server_account:focus", id=dbAccount.id), "success", "import-domain"
        )


class ViewAccounts(Handler):
    @admin_view("admin:acme_dns_server_accounts", renderer="/admin/acme_dns_server_accounts.mako", paginate=True)
    def list(self):
        """acme-dns accounts of every server, newest first (passwords never listed)."""
        return self.paged_list(
            db_acme_dns.query__AcmeDnsServerAccount(), "AcmeDnsServerAccounts", page_title="acme-dns accounts"
        )

    @admin_view("admin:acme_dns_server_account:focus", renderer="/admin/acme_dns_server_account-focus.mako")
    def focus(self):
        """One acme-dns account and the CNAME its domain needs. The password is masked; `?show_password=1`
        shows it (to copy it into another tool)."""
        dbAccount = load_acme_dns_server_account(self)
        show_password = self.request.GET.get("show_password") == "1"
        if self.is_json:
            payload = dbAccount.as_json_with_password if show_password else dbAccount.as_json
            return {"AcmeDnsServerAccount": payload}
        return {"AcmeDnsServerAccount": dbAccount, "show_password": show_password, "audit": None}

    @admin_view("admin:acme_dns_server_account:focus:audit", renderer="/admin/acme_dns_server_account-focus.mako")
    def audit(self):
        """Check in DNS that `_acme-challenge.<domain>` is a CNAME to the account's fulldomain
        (`acme_dns_audit_resolver`); reports the current answer and the record to create. Changes nothing."""
        dbAccount = load_acme_dns_server_account(self)
        audit = db_acme_dns.audit_AcmeDnsServerAccount(self.ctx, dbAccount)
        if self.is_json:
            # the audit ran: a missing CNAME is its finding (``audit.ok``), not a failed request
            return {"result": "success", "AcmeDnsServerAccount": dbAccount.as_json, "audit": audit.as_json()}
        return {"AcmeDnsServerAccount": dbAccount, "show_password": False, "audit": audit}

    @admin_view(
        "admin:acme_dns_server_account:focus:mark",
        post=True,
        schema=forms.AcmeDnsServerAccountMark,
        about="Deactivate an account (`inactive`: dns-01 no longer uses it; it is kept) or activate it again "
        "(`active`: refused while the Domain has another active account on the same server).",
        example="curl --form 'action=inactive' {ADMIN_URL}/acme-dns-server-account/1/mark.json",
        notes=(
            "A domain has at most one active account per acme-dns server: activating one never switches "
            "another off; deactivate that one first (its CNAME target changes with the account).",
        ),
    )
    def mark(self):
        dbAccount = load_acme_dns_server_account(self)
        focus_url = self.request.route_path("admin:acme_dns_server_account:focus", id=dbAccount.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms.AcmeDnsServerAccountMark)
            db_acme_dns.update_AcmeDnsServerAccount__mark(self.ctx, dbAccount, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            return {
                "result": "success",
                "operation": "mark",
                "action": action,
                "AcmeDnsServerAccount": dbAccount.as_json,
            }
        return self.redirect_result(focus_url, "success", "mark", action=action)


class ViewDomain(Handler):
    """A Domain's acme-dns accounts, and registering it with a server (the 2021 domain routes)."""

    @admin_view(
        "admin:domain:focus:acme_dns_server_accounts",
        renderer="/admin/acme_dns_server_accounts.mako",
        paginate=True,
        section="domain",
    )
    def accounts(self):
        """The acme-dns accounts of a Domain (every server, active or not), newest first."""
        dbDomain = load_domain(self)
        statement = db_acme_dns.query__AcmeDnsServerAccount(domain_id=dbDomain.id)
        listing = self.paged_list(
            statement, "AcmeDnsServerAccounts", page_title="acme-dns accounts of %s" % dbDomain.domain_name
        )
        if self.is_json:
            listing["Domain"] = {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name}
        return listing

    def _get_new(self):
        dbDomain = load_domain(self)
        return {
            "Domain": dbDomain,
            "AcmeDnsServers": get.page(self.ctx, db_acme_dns.query__AcmeDnsServer(), 100, 0),
            "AcmeDnsServerAccounts": get.page(
                self.ctx, db_acme_dns.query__AcmeDnsServerAccount(domain_id=dbDomain.id), 20, 0
            ),
            "form_errors": {},
            "form_values": {},
        }

    @admin_view(
        "admin:domain:focus:acme_dns_server:new",
        renderer="/admin/domain-acme_dns_server-new.mako",
        post=True,
        get="_get_new",
        schema=forms.DomainAcmeDnsServerNew,
        section="domain",
        about="Register the Domain with an acme-dns server (`POST /register` there): a new account and the "
        "CNAME to create. The same registration as the server's ensure-domains, for one Domain.",
        example="curl --form 'acme_dns_server_id=1' {ADMIN_URL}/domain/example.com/acme-dns-server/new.json",
        notes=(
            "Refused (400) when the Domain has an active account on that server already, when the server is "
            "unknown or inactive, or when the Domain is blocklisted; an unreachable server stores nothing (503).",
        ),
    )
    def new(self):
        dbDomain = load_domain(self)
        try:
            values = self.validate(forms.DomainAcmeDnsServerNew)
            dbServer = db_acme_dns.get__AcmeDnsServer__by_id(self.ctx, values["acme_dns_server_id"])
            if dbServer is None:
                raise errors.InvalidRequest("There is no acme-dns server %s." % values["acme_dns_server_id"],
                                            field="acme_dns_server_id")
            dbAccount = db_acme_dns.register_domain(self.ctx, dbServer, dbDomain)
        except errors.InvalidRequest as exc:
            values = self._get_new()
            values.pop("form_errors")
            values.pop("form_values")
            return self.form_error(exc, **values)
        if self.is_json:
            return {
                "result": "success",
                "operation": "acme-dns-server/new",
                "Domain": {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name},
                "AcmeDnsServerAccount": dbAccount.as_json,
                "result_matrix": {dbDomain.domain_name: db_acme_dns.result_row(dbAccount, True)},
            }
        return self.redirect_result(
            self.request.route_path("admin:acme_dns_server_account:focus", id=dbAccount.id),
            "success",
            "acme-dns-server-new",
        )
