"""The ACME-flow tool (``enable_acme_flow``): AcmeOrderless, manual http-01 challenges.

Scanned (and its routes registered) only when the option is on: otherwise every route is a
404, HTML and JSON alike (web/__init__.py, web/routes.py). The rules are in
``lib/db/acme_orderless.py``; docs/AcmeFlow.md says what the tool is for.
"""

from pyramid.httpexceptions import HTTPNotFound

from ...lib import errors
from ...lib import utils
from ...lib.db import acme_orderless
from ...lib.db import get
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .domain import domain_identifier


@focus_loader("admin:acme_orderless:focus")
def load_orderless(handler: Handler):
    return handler.load(get.get__AcmeOrderless, "AcmeOrderless")


def load_orderless_challenge(handler: Handler):
    """The challenge ``{id_challenge}`` of the AcmeOrderless ``{id}`` (404 when it is another's)."""
    dbOrderless = load_orderless(handler)
    challenge_id = forms.parse_id(handler.request.matchdict["id_challenge"])
    for dbChallenge in dbOrderless.acme_orderless_challenges:
        if dbChallenge.id == challenge_id:
            return dbOrderless, dbChallenge
    raise HTTPNotFound("The AcmeOrderlessChallenge was not found.")


class ViewList(Handler):
    @admin_view("admin:acme_orderlesss", renderer="/admin/acme_orderlesss.mako", paginate=True)
    def list(self):
        """AcmeOrderless ("AcmeFlow") containers of manual challenges, newest first."""
        return self.paged_list(get.query__AcmeOrderless(), "AcmeOrderlesss", domain_name=None)


    @admin_view(
        "admin:domain:focus:acme_orderlesss", renderer="/admin/acme_orderlesss.mako", paginate=True, section="domain"
    )
    def for_domain(self):
        """AcmeOrderless containers with a challenge for this name (a Domain id, or any name: the
        tool's names need no Domain)."""
        identifier = domain_identifier(self)
        if identifier.isascii() and identifier.isdigit():
            dbDomain = get.get__Domain__by_id(self.ctx, forms.parse_id(identifier))
            if dbDomain is None:
                raise HTTPNotFound("The Domain `%s` was not found." % identifier)
            name = dbDomain.domain_name
        else:
            try:
                name = utils.validate_domain_name(identifier)
            except errors.InvalidRequest:
                raise HTTPNotFound("The Domain was not found: that is not a domain name.")
        return self.paged_list(get.query__AcmeOrderless(domain_name=name), "AcmeOrderlesss", domain_name=name)


class ViewNew(Handler):
    def _get_new(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}, "form_values": {}}

    @admin_view(
        "admin:acme_orderless:new",
        renderer="/admin/acme_orderless-new.mako",
        post=True,
        get="_get_new",
        schema=forms.AcmeOrderlessNew,
        about="Create an AcmeOrderless: a placeholder http-01 challenge for each name, to fill in by hand.",
        example="curl --form 'domain_names_http01=example.com,www.example.com' {ADMIN_URL}/acme-orderless/new.json",
        notes=("Logged as an `AcmeOrderless__insert` OperationsEvent.",),
    )
    def new(self):
        try:
            values = self.validate(forms.AcmeOrderlessNew)
            dbAccount = None
            if values["acme_account_id"] is not None:
                dbAccount = get.get__AcmeAccount(self.ctx, values["acme_account_id"])
                if dbAccount is None:
                    raise errors.InvalidRequest("No such AcmeAccount.", field="acme_account_id")
            dbOrderless = acme_orderless.create(self.ctx, values["domain_names_http01"], dbAccount)
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {"result": "success", "operation": "new", "AcmeOrderless": dbOrderless.as_json}
        return self.redirect_result(
            self.request.route_path("admin:acme_orderless:focus", id=dbOrderless.id), "success", "new"
        )


class ViewFocus(Handler):
    def _focus_values(self, dbOrderless=None) -> dict:
        """What the focus page shows (also the form of add-challenge and update)."""
        dbOrderless = dbOrderless or load_orderless(self)
        return {"AcmeOrderless": dbOrderless, "form_errors": {}, "form_values": {}}

    def _focus_url(self, dbOrderless) -> str:
        return self.request.route_path("admin:acme_orderless:focus", id=dbOrderless.id)

    @admin_view("admin:acme_orderless:focus", renderer="/admin/acme_orderless-focus.mako")
    def focus(self):
        """One AcmeOrderless: its names and manual challenges, and where each is served."""
        dbOrderless = load_orderless(self)
        if self.is_json:
            return {"AcmeOrderless": dbOrderless.as_json}
        return self._focus_values(dbOrderless)

    @admin_view("admin:acme_orderless:focus:acme_challenge", renderer="/admin/acme_orderless-acme_challenge.mako")
    def acme_challenge(self):
        """One manual challenge of an AcmeOrderless."""
        dbOrderless, dbChallenge = load_orderless_challenge(self)
        if self.is_json:
            return {"AcmeOrderless": dbOrderless.as_json, "AcmeOrderlessChallenge": dbChallenge.as_json}
        return {"AcmeOrderless": dbOrderless, "AcmeOrderlessChallenge": dbChallenge}

    @admin_view(
        "admin:acme_orderless:focus:add_challenge",
        renderer="/admin/acme_orderless-focus.mako",
        post=True,
        get="_focus_values",
        schema=forms.AcmeOrderlessAddChallenge,
        about="Add a manual http-01 challenge for one of the AcmeOrderless's names.",
        example="curl --form 'domain=example.com' --form 'token=TOKEN' --form 'keyauthorization=TOKEN.THUMBPRINT' "
        "--form 'challenge_url=https://acme.example/chall/1' {ADMIN_URL}/acme-orderless/1/add-challenge.json",
        notes=(
            "A token already used by a live challenge is refused.",
            "Logged as an `AcmeOrderless__add_challenge` OperationsEvent.",
        ),
    )
    def add_challenge(self):
        dbOrderless = load_orderless(self)
        try:
            values = self.validate(forms.AcmeOrderlessAddChallenge)
            dbChallenge = acme_orderless.add_challenge(
                self.ctx,
                dbOrderless,
                values["domain"],
                token=values["token"],
                keyauthorization=values["keyauthorization"],
                challenge_type=values["acme_challenge_type"],
                challenge_url=values["challenge_url"],
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, AcmeOrderless=dbOrderless)
        if self.is_json:
            return {
                "result": "success",
                "operation": "add-challenge",
                "AcmeOrderless": dbOrderless.as_json,
                "AcmeOrderlessChallenge": dbChallenge.as_json,
            }
        return self.redirect_result(self._focus_url(dbOrderless), "success", "add-challenge")

    @admin_view(
        "admin:acme_orderless:focus:update",
        renderer="/admin/acme_orderless-focus.mako",
        post=True,
        get="_focus_values",
        schema=forms.AcmeOrderlessUpdate,
        about="Edit the AcmeOrderless's challenges: `<challenge id>_token`, `<challenge id>_keyauthorization` "
        "and `<challenge id>_url`.",
        example="curl --form '1_token=TOKEN' --form '1_keyauthorization=TOKEN.THUMBPRINT' "
        "--form '1_url=https://acme.example/chall/1' {ADMIN_URL}/acme-orderless/1/update.json",
        notes=(
            "A challenge named by `_token` or `_keyauthorization` gets both values; an empty token clears it "
            "(no longer served). `_url` sets the challenge URL (empty: none) and leaves the rest as it is.",
            "`changed` lists the ids of the challenges that changed; an `AcmeOrderless__update` "
            "OperationsEvent records them.",
        ),
    )
    def update(self):
        dbOrderless = load_orderless(self)
        fields = {key: value for key, value in self.request.POST.items() if isinstance(value, str)}
        try:
            changed = acme_orderless.update_challenges(self.ctx, dbOrderless, fields)
        except errors.InvalidRequest as exc:
            return self.form_error(exc, AcmeOrderless=dbOrderless)
        if self.is_json:
            return {
                "result": "success",
                "operation": "update",
                "AcmeOrderless": dbOrderless.as_json,
                "changed": changed,
            }
        return self.redirect_result(self._focus_url(dbOrderless), "success", "update")

    @admin_view(
        "admin:acme_orderless:focus:deactivate",
        post=True,
        schema=forms.ActionNoFields,
        about="Deactivate the AcmeOrderless: its challenges are no longer served, and it can no longer change.",
        example="curl -X POST {ADMIN_URL}/acme-orderless/1/deactivate.json",
        notes=("Logged as an `AcmeOrderless__deactivate` OperationsEvent.",),
    )
    def deactivate(self):
        dbOrderless = load_orderless(self)
        try:
            acme_orderless.deactivate(self.ctx, dbOrderless)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, self._focus_url(dbOrderless), "deactivate")
        if self.is_json:
            return {"result": "success", "operation": "deactivate", "AcmeOrderless": dbOrderless.as_json}
        return self.redirect_result(self._focus_url(dbOrderless), "success", "deactivate")
