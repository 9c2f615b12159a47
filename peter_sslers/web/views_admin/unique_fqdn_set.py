"""UniqueFQDNSet: the sets of domains certificates are issued for."""

from ...lib import errors
from ...lib import utils
from ...lib.db import actions
from ...lib.db import get
from ...lib.db import getcreate
from ...lib.db import queues
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view


@focus_loader("admin:unique_fqdn_set:focus")
def load_set(handler: Handler):
    return handler.load(get.get__UniqueFQDNSet__by_id, "UniqueFQDNSet")


class ViewUniqueFQDNSet(Handler):
    @admin_view("admin:unique_fqdn_sets", renderer="/admin/unique_fqdn_sets.mako", paginate=True)
    def list(self):
        """Domain sets, newest first."""
        return self.paged_list(get.query__UniqueFQDNSet(), "UniqueFQDNSets", page_title="Domain sets")

    def _get_new(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:unique_fqdn_set:new",
        renderer="/admin/unique_fqdn_set-new.mako",
        post=True,
        get="_get_new",
        schema=forms.UniqueFQDNSetNew,
        about="Find or create the set of these domains (1 to 100 names).",
        example="curl --form 'domain_names=example.com,www.example.com' {ADMIN_URL}/unique-fqdn-set/new.json",
    )
    def new(self):
        try:
            values = self.validate(forms.UniqueFQDNSetNew)
            dbSet, is_created = getcreate.getcreate__UniqueFQDNSet__by_domain_names(
                self.ctx, utils.split_domain_names(values["domain_names"])
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        return self._saved(dbSet, is_created, "new")

    def _saved(self, dbSet, is_created: bool, operation: str):
        if self.is_json:
            dbSet = get.get__UniqueFQDNSet__by_id(self.ctx, dbSet.id)
            return {"result": "success", "operation": operation, "is_created": is_created, "UniqueFQDNSet": dbSet.as_json}
        return self.redirect_result(
            self.request.route_path("admin:unique_fqdn_set:focus", id=dbSet.id),
            "success",
            operation,
            is_created=str(is_created).lower(),
        )

    @admin_view("admin:unique_fqdn_set:focus", renderer="/admin/unique_fqdn_set-focus.mako")
    def focus(self):
        """One domain set."""
        dbSet = load_set(self)
        if self.is_json:
            return {"UniqueFQDNSet": dbSet.as_json}
        recent = get.query__CertificateSigned(self.ctx, "all", unique_fqdn_set_id=dbSet.id)
        return {"UniqueFQDNSet": dbSet, "CertificateSigneds": get.page(self.ctx, recent, 5, 0)}

    def _get_modify(self):
        """The page a GET shows: the form."""
        return {"UniqueFQDNSet": load_set(self), "form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:unique_fqdn_set:focus:modify",
        renderer="/admin/unique_fqdn_set-modify.mako",
        post=True,
        get="_get_modify",
        schema=forms.UniqueFQDNSetModify,
        about="The set with some domains added and/or removed (a set never changes: this finds or "
        "creates the other one).",
        example="curl --form 'domain_names_add=www.example.com' {ADMIN_URL}/unique-fqdn-set/1/modify.json",
    )
    def modify(self):
        dbSet = load_set(self)
        try:
            values = self.validate(forms.UniqueFQDNSetModify)
            names = _modified_names(dbSet.domains_as_list, values["domain_names_add"], values["domain_names_del"])
            dbNewSet, is_created = getcreate.getcreate__UniqueFQDNSet__by_domain_names(
                self.ctx, names, field="domain_names_add"
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, UniqueFQDNSet=dbSet)
        return self._saved(dbNewSet, is_created, "modify")

    @admin_view(
        "admin:unique_fqdn_set:focus:update_recents",
        post=True,
        schema=forms.ActionNoFields,
        about="Recompute the latest certificates of every domain of the set.",
        example="curl -X POST {ADMIN_URL}/unique-fqdn-set/1/update-recents.json",
    )
    def update_recents(self):
        dbSet = load_set(self)
        focus_url = self.request.route_path("admin:unique_fqdn_set:focus", id=dbSet.id)
        actions.update_recents__domains(self.ctx, [d.domain_id for d in dbSet.to_domains])
        if self.is_json:
            return {"result": "success", "operation": "update-recents", "UniqueFQDNSet": {"id": str(dbSet.id)}}
        return self.redirect_result(focus_url, "success", "update-recents")

    @admin_view(
        "admin:unique_fqdn_set:focus:certificate_signeds", renderer="/admin/certificate_signeds.mako", paginate=True
    )
    def certificate_signeds(self):
        """The certificates of a domain set."""
        dbSet = load_set(self)
        statement = get.query__CertificateSigned(self.ctx, "all", unique_fqdn_set_id=dbSet.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates of set %s" % dbSet.id)

    @admin_view("admin:unique_fqdn_set:focus:calendar", json_only=True)
    def calendar(self):
        """The dates of the set's certificates, counted: `issues` per ISO week of notBefore
        (`YYYY.WW`, every certificate: the CAs' rate limits count weeks), `issued` per day, and for
        the active ones `expires` (notAfter) and `renews` (when the renewal queue renews them: the
        options' rule, ARI not asked) per day (`YYYY-MM-DD`, UTC)."""
        dbSet = load_set(self)
        statement = get.query__CertificateSigned(self.ctx, "all", unique_fqdn_set_id=dbSet.id)
        payload = {"UniqueFQDNSet": {"id": str(dbSet.id), "domains_as_list": dbSet.domains_as_list}}
        payload.update(queues.certificate_calendar(self.ctx, statement))
        return payload

    @admin_view("admin:unique_fqdn_set:focus:acme_orders", renderer="/admin/acme_orders.mako", paginate=True)
    def acme_orders(self):
        """The orders for a domain set, newest first."""
        dbSet = load_set(self)
        statement = get.query__AcmeOrder(unique_fqdn_set_id=dbSet.id)
        return self.paged_list_as_list(statement, "AcmeOrders", page_title="Orders for set %s" % dbSet.id, which=None)

    @admin_view(
        "admin:unique_fqdn_set:focus:queue_certificates", renderer="/admin/queue_certificates.mako", paginate=True
    )
    def queue_certificates(self):
        """The renewal queue's items renewing a domain set (or made from it), newest first."""
        dbSet = load_set(self)
        statement = queues.query__QueueCertificate("all", unique_fqdn_set_id=dbSet.id)
        return self.paged_list(
            statement, "QueueCertificates", page_title="Renewal queue items for set %s" % dbSet.id, which=None
        )

    @admin_view(
        "admin:unique_fqdn_set:focus:certificate_requests", renderer="/admin/certificate_requests.mako", paginate=True
    )
    def certificate_requests(self):
        """The CSRs of a domain set."""
        dbSet = load_set(self)
        statement = get.query__CertificateRequest(unique_fqdn_set_id=dbSet.id)
        return self.paged_list(statement, "CertificateRequests", page_title="CSRs of set %s" % dbSet.id)


def _modified_names(current: list, add: str, remove: str) -> list:
    """The names of a set after adding and removing some.

    :raises errors.InvalidRequest: nothing to do, a name both added and removed, a removal of a
        name not in the set, or an invalid name.
    """
    with errors.for_field("domain_names_add"):
        to_add = set(utils.validate_domain_names(utils.split_domain_names(add))) if add else set()
    with errors.for_field("domain_names_del"):
        to_remove = set(utils.validate_domain_names(utils.split_domain_names(remove))) if remove else set()
    if not to_add and not to_remove:
        raise errors.InvalidRequest("Give names to add or to remove.", field="domain_names_add")
    if to_add & to_remove:
        raise errors.InvalidRequest(
            "Names both added and removed: %s." % ", ".join(sorted(to_add & to_remove)), field="domain_names_add"
        )
    missing = to_remove - set(current)
    if missing:
        raise errors.InvalidRequest("Not in the set: %s." % ", ".join(sorted(missing)), field="domain_names_del")
    names = (set(current) | to_add) - to_remove
    if not names:
        raise errors.InvalidRequest("A set needs at least one domain.", field="domain_names_del")
    return sorted(names)
