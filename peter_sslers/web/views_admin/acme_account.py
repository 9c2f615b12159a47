"""AcmeAccount: list, new, upload, focus, edit, mark, the ACME-server actions, key downloads and
the related lists (orders, authorizations, account keys, owned private keys, certificates, renewal
queue items)."""

from ...lib import cert_utils
from ...lib import errors
from ...lib.db import acme_accounts
from ...lib.db import actions_acme
from ...lib.db import get
from ...lib.db import queues
from ...model import utils as model_utils
from ...model.objects import AcmeAuthorization
from ...model.objects import PrivateKey
from ..lib import downloads
from ..lib import forms
from ..lib import forms_acme
from ..lib.handler import error_envelope
from ..lib.handler import outside_status
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler


@focus_loader("admin:acme_account:focus")
def load_account(handler: AcmeHandler):
    return handler.load(get.get__AcmeAccount, "AcmeAccount")


def _account_json(handler: AcmeHandler, dbAccount) -> dict:
    """An account as the JSON answers show it (fresh from the database: actions commit midway)."""
    return get.get__AcmeAccount(handler.ctx, dbAccount.id).as_json


def _form_options(handler: AcmeHandler) -> dict:
    """What the new/upload forms need to render, besides the values and errors."""
    return {
        "AcmeAccountProviders": handler.ctx.dbsession.scalars(get.query__AcmeAccountProvider()).all(),
        "account_key_technologies": tuple(acme_accounts.ACCOUNT_KEY_TECHNOLOGIES),
        "private_key_cycles": model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT,
        "private_key_technologies": forms_acme.PRIVATE_KEY_TECHNOLOGIES,
    }


def _form_page(handler: AcmeHandler) -> dict:
    values = {key: value for key, value in handler.request.GET.items() if key not in handler.SECRET_FIELDS}
    return dict(_form_options(handler), form_errors={}, form_values=values)


def _contact(raw, required: bool):
    contact = acme_accounts.normalize_contact(raw)
    if contact is None and required:
        raise errors.InvalidRequest("An email address is required.", field="account__contact")
    return contact


class ViewList(AcmeHandler):
    @admin_view("admin:acme_accounts", renderer="/admin/acme_accounts.mako", paginate=True)
    def list(self):
        """ACME accounts, newest first."""
        return self.paged_list(get.query__AcmeAccount(), "AcmeAccounts", page_title="ACME accounts")


class ViewNew(AcmeHandler):
    def _get_new(self):
        """The page a GET shows: the form."""
        return _form_page(self)

    @admin_view(
        "admin:acme_account:new",
        renderer="/admin/acme_account-new.mako",
        post=True,
        get="_get_new",
        schema=forms_acme.AcmeAccountNew,
        about="Create an ACME account: a new account key is generated here, then registered with the ACME server "
        "(terms of service agreed).",
        example="curl --form 'account__contact=admin@example.com' --form 'account_key_technology=EC' "
        "{ADMIN_URL}/acme-account/new.json",
        notes=(
            "The first usable account on the default ACME server becomes the global default.",
            "External Account Binding (RFC 8555 7.3.4): `eab_kid` and `eab_hmac_key` together, as the CA issued them, "
            "and `eab_mac_algorithm` (HS256, HS384 or HS512; default HS256). "
            "When the server's directory says `externalAccountRequired` and they are missing, nothing is sent and "
            "the answer is a 400 on `eab_kid`; a binding the server refuses is a 400 on `eab_hmac_key`. The "
            "account keeps `eab_kid`; the HMAC key is neither stored nor echoed.",
        ),
    )
    def new(self):
        try:
            values = self.validate(forms_acme.AcmeAccountNew)
            external_account = acme_accounts.parse_external_account(
                values["eab_kid"], values["eab_hmac_key"], values["eab_mac_algorithm"]
            )
            if values["acme_account_provider_id"] is None:
                dbProvider = get.get__AcmeAccountProvider__default(self.ctx)
                if dbProvider is None:
                    raise errors.InvalidRequest("There is no default ACME server.", field="acme_account_provider_id")
            else:
                dbProvider = acme_accounts.get__AcmeAccountProvider__for_use(self.ctx, values["acme_account_provider_id"])
            dbAccount, is_created_on_server = acme_accounts.new__AcmeAccount(
                self.ctx,
                dbProvider,
                _contact(values["account__contact"], required=True),
                key_technology=values["account_key_technology"],
                private_key_cycle=values["account__private_key_cycle"],
                private_key_technology=values["account__private_key_technology"],
                external_account=external_account,
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc, **_form_options(self))
        except errors.AcmeError as exc:
            # nothing was stored: the account exists here only once the server has it
            return self.acme_error(exc, self.request.route_path("admin:acme_accounts"), "new")
        if self.is_json:
            return {
                "result": "success",
                "operation": "new",
                "is_created": True,
                "is_created__acme_server": is_created_on_server,
                "AcmeAccount": _account_json(self, dbAccount),
            }
        return self.redirect_result(
            self.request.route_path("admin:acme_account:focus", id=dbAccount.id), "success", "new"
        )

    def _get_upload(self):
        """The page a GET shows: the form."""
        return _form_page(self)

    @admin_view(
        "admin:acme_account:upload",
        renderer="/admin/acme_account-upload.mako",
        post=True,
        get="_get_upload",
        schema=forms_acme.AcmeAccountUpload,
        about="Import an existing ACME account (nothing is sent to the ACME server): an account key PEM with its "
        "server and contact, or certbot's three account files.",
        example="curl --form 'account_key_file_le_pkey=@private_key.json' --form 'account_key_file_le_reg=@regr.json' "
        "--form 'account_key_file_le_meta=@meta.json' {ADMIN_URL}/acme-account/upload.json",
        notes=(
            "certbot's files: the ACME server is the host of the account URL in regr.json. An unknown server is "
            "added (not enabled) when `acme_server_directory` gives its directory URL (certbot's `server`), and "
            "refused without it.",
            "The same key again finds the account it belongs to (`is_created: false`).",
        ),
    )
    def upload(self):
        try:
            values = self.validate(forms_acme.AcmeAccountUpload)
            dbAccount, is_created, certbot_import = self._import(values)
        except errors.InvalidRequest as exc:
            return self.form_error(exc, **_form_options(self))
        if self.is_json:
            answer = {
                "result": "success",
                "operation": "upload",
                "is_created": is_created,
                "is_existing": not is_created,
                "AcmeAccount": _account_json(self, dbAccount),
            }
            if certbot_import is not None:  # certbot's files: say whether their ACME server was added
                answer["AcmeAccountProvider"] = certbot_import.AcmeAccountProvider.as_json
                answer["is_created__acme_account_provider"] = certbot_import.is_created__provider
            return answer
        return self.redirect_result(
            self.request.route_path("admin:acme_account:focus", id=dbAccount.id),
            "success",
            "upload",
            is_created=str(is_created).lower(),
        )

    def _import(self, values: dict):
        """``(dbAccount, is_created, CertbotAccountImport or None)``."""
        return acme_accounts.upload__AcmeAccount(self.ctx, values)


class ViewFocus(AcmeHandler):
    @admin_view("admin:acme_account:focus", renderer="/admin/acme_account-focus.mako")
    def focus(self):
        """One ACME account, with its active key."""
        dbAccount = load_account(self)
        if self.is_json:
            raw = {
                fmt: self.request.api_host + self.request.route_path("admin:acme_account:focus:raw", id=dbAccount.id, format=fmt)
                for fmt in ("pem", "pem.txt", "key")
            }
            return {"AcmeAccount": dbAccount.as_json, "raw": raw}
        orders = get.query__AcmeOrder(acme_account_id=dbAccount.id)
        authorizations = get.query__AcmeAuthorization(get.AUTHORIZATION_STATUSES["active"], acme_account_id=dbAccount.id)
        return {
            "AcmeAccount": dbAccount,
            "AcmeOrders": get.page(self.ctx, orders, 5, 0),
            "AcmeAuthorizations_active": get.page(self.ctx, authorizations, 20, 0),
            "private_key_cycles": model_utils.PrivateKeyCycle.OPTIONS_ACME_ACCOUNT,
            "private_key_technologies": forms_acme.PRIVATE_KEY_TECHNOLOGIES,
            "account_key_technologies": tuple(acme_accounts.ACCOUNT_KEY_TECHNOLOGIES),
        }

    @admin_view("admin:acme_account:focus:parse", json_only=True)
    def parse(self):
        """The account, and its active key parsed (technology, size, SPKI hash)."""
        dbAccount = load_account(self)
        dbKey = dbAccount.acme_account_key
        return {
            "AcmeAccount": dbAccount.as_json,
            "AcmeAccountKey": (
                {"id": str(dbKey.id), "parsed": cert_utils.parse_key(dbKey.key_pem)} if dbKey is not None else None
            ),
        }

    @admin_view("admin:acme_account:focus:raw", jsonify=False)
    def raw(self):
        dbAccount = load_account(self)
        dbKey = dbAccount.acme_account_key
        if dbKey is None:
            raise errors.InvalidRequest("The account has no active key.")
        return downloads.private_key(dbKey.key_pem, self.request.matchdict["format"], "key")

    # --- local actions

    @admin_view(
        "admin:acme_account:focus:edit",
        post=True,
        schema=forms_acme.AcmeAccountEdit,
        about="Change the key policy of the orders that let the account choose their certificate key.",
        example="curl --form 'account__private_key_cycle=account_weekly' --form 'account__private_key_technology=EC' "
        "{ADMIN_URL}/acme-account/1/edit.json",
    )
    def edit(self):
        dbAccount = load_account(self)
        focus_url = self.request.route_path("admin:acme_account:focus", id=dbAccount.id)
        try:
            values = self.validate(forms_acme.AcmeAccountEdit)
            acme_accounts.edit(
                self.ctx, dbAccount, values["account__private_key_cycle"], values["account__private_key_technology"]
            )
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "edit")
        if self.is_json:
            return {"result": "success", "operation": "edit", "AcmeAccount": _account_json(self, dbAccount)}
        return self.redirect_result(focus_url, "success", "edit")

    @admin_view(
        "admin:acme_account:focus:mark",
        post=True,
        schema=forms_acme.AcmeAccountMark,
        about="Make the account the global default (default ACME server only), or mark it active or inactive "
        "(local only).",
        example="curl --form 'action=global_default' {ADMIN_URL}/acme-account/1/mark.json",
    )
    def mark(self):
        dbAccount = load_account(self)
        focus_url = self.request.route_path("admin:acme_account:focus", id=dbAccount.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms_acme.AcmeAccountMark)
            acme_accounts.mark(self.ctx, dbAccount, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            return {"result": "success", "operation": "mark", "action": action, "AcmeAccount": _account_json(self, dbAccount)}
        return self.redirect_result(focus_url, "success", "mark", action=action)

    # --- the ACME server

    def _server_action(self):
        """The account and its page."""
        dbAccount = load_account(self)
        return dbAccount, self.request.route_path("admin:acme_account:focus", id=dbAccount.id)

    @admin_view(
        "admin:acme_account:focus:acme_server:authenticate",
        post=True,
        schema=forms_acme.AcmeAccountAuthenticate,
        about="Register the account with the ACME server (newAccount, terms agreed), or find it there.",
        example="curl -X POST {ADMIN_URL}/acme-account/1/acme-server/authenticate.json",
        notes=(
            "`eab_kid` and `eab_hmac_key` (together; `eab_mac_algorithm` HS256, HS384 or HS512, default HS256) bind "
            "an account the server creates to the CA's external "
            "account (RFC 8555 7.3.4). A server requiring it refuses an account it does not know yet without them "
            "(400 on `eab_kid`, nothing sent); an account it knows is found without them.",
        ),
    )
    def authenticate(self):
        return self._register("authenticate", only_return_existing=False)

    @admin_view(
        "admin:acme_account:focus:acme_server:check",
        post=True,
        about="Ask the ACME server whether it knows the account (newAccount with onlyReturnExisting: never creates).",
        example="curl -X POST {ADMIN_URL}/acme-account/1/acme-server/check.json",
        notes=("An account the server does not know answers `result: error` with `problem_code: accountDoesNotExist`.",),
    )
    def check(self):
        return self._register("check", only_return_existing=True)

    def _register(self, operation: str, only_return_existing: bool):
        dbAccount, focus_url = self._server_action()
        try:
            external_account = None
            if not only_return_existing:
                values = self.validate(forms_acme.AcmeAccountAuthenticate)
                external_account = acme_accounts.parse_external_account(
                    values["eab_kid"], values["eab_hmac_key"], values["eab_mac_algorithm"]
                )
            self.require_enabled_server(dbAccount.acme_account_provider)
            registered = acme_accounts.register(
                self.ctx, dbAccount, only_return_existing=only_return_existing, external_account=external_account
            )
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, operation)
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, operation, is_checked=only_return_existing or None)
        if self.is_json:
            payload = {
                "result": "success",
                "operation": operation,
                "acme_server_status": registered["status"],
                "is_created__acme_server": registered["is_created"],
                "AcmeAccount": _account_json(self, dbAccount),
            }
            if only_return_existing:
                payload["is_checked"] = True
            return payload
        return self.redirect_result(focus_url, "success", operation)

    @admin_view(
        "admin:acme_account:focus:acme_server:deactivate",
        post=True,
        schema=forms_acme.AcmeAccountDeactivate,
        about="Deactivate the account on the ACME server. Irreversible: the active key, as PEM, confirms it.",
        example="curl --form 'key_pem=@account.key.pem' {ADMIN_URL}/acme-account/1/acme-server/deactivate.json",
    )
    def deactivate(self):
        dbAccount, focus_url = self._server_action()
        try:
            values = self.validate(forms_acme.AcmeAccountDeactivate)
            dbKey = dbAccount.acme_account_key
            if dbKey is None:
                raise errors.InvalidTransition("The account has no active key.")
            try:
                spki_sha256 = cert_utils.parse_key(values["key_pem"])["spki_sha256"]
            except errors.CryptographyError as exc:
                exc.field = "key_pem"
                raise
            if spki_sha256 != dbKey.spki_sha256:
                raise errors.InvalidRequest("This is not the account's active key.", field="key_pem")
            self.require_enabled_server(dbAccount.acme_account_provider)
            acme_accounts.deactivate(self.ctx, dbAccount)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "deactivate")
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, "deactivate")
        if self.is_json:
            return {"result": "success", "operation": "deactivate", "AcmeAccount": _account_json(self, dbAccount)}
        return self.redirect_result(focus_url, "success", "deactivate")

    @admin_view(
        "admin:acme_account:focus:acme_server:key_change",
        post=True,
        schema=forms_acme.AcmeAccountKeyChange,
        confirm=lambda h: (
            "Roll ACME account %s over to a new key? The ACME server forgets the current key at once; the "
            "old key cannot be used with this account again." % h.request.matchdict.get("id")
        ),
        about="Roll the account over to a new key generated here (RFC 8555 keyChange); the old key is retired.",
        example="curl --form 'account_key_technology=EC_P256' {ADMIN_URL}/acme-account/1/acme-server/key-change.json",
    )
    def key_change(self):
        dbAccount, focus_url = self._server_action()
        dbOldKey = dbAccount.acme_account_key
        try:
            values = self.validate(forms_acme.AcmeAccountKeyChange)
            if dbOldKey is None:
                raise errors.InvalidTransition("The account has no active key.")
            self.require_enabled_server(dbAccount.acme_account_provider)
            dbNewKey = acme_accounts.key_change(self.ctx, dbAccount, key_technology=values["account_key_technology"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "key-change")
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, "key-change")
        if self.is_json:
            return {
                "result": "success",
                "operation": "key-change",
                "AcmeAccount": _account_json(self, dbAccount),
                "AcmeAccountKey": dbNewKey.as_json,
                "AcmeAccountKey_retired_id": str(dbOldKey.id),
            }
        return self.redirect_result(focus_url, "success", "key-change")

    @admin_view(
        "admin:acme_account:focus:acme_server:deactivate_pending_authorizations",
        post=True,
        schema=forms_acme.AcmeAccountDeactivatePendingAuthorizations,
        confirm=lambda h: (
            "Deactivate the selected pending authorizations of ACME account %s on the ACME server? The "
            "orders that need them can never complete." % h.request.matchdict.get("id")
        ),
        about="Deactivate pending authorizations of this account on the ACME server; the orders that needed "
        "them stop. Answers one result per id.",
        example="curl --form 'acme_authorization_id=1' --form 'acme_authorization_id=2' "
        "{ADMIN_URL}/acme-account/1/acme-server/deactivate-pending-authorizations.json",
    )
    def deactivate_pending_authorizations(self):
        operation = "deactivate-pending-authorizations"
        dbAccount, focus_url = self._server_action()
        try:
            ids = self._authorization_ids()
            self.require_enabled_server(dbAccount.acme_account_provider)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, operation)
        results = {}
        statuses = []  # the HTTP status each failure calls for
        for authorization_id in ids:
            dbAuthz = self.ctx.dbsession.get(AcmeAuthorization, authorization_id)
            if dbAuthz is None or dbAuthz.acme_order_created.acme_account_id != dbAccount.id:
                results[str(authorization_id)] = {"result": "error", "error": "No such authorization on this account."}
                statuses.append(400)
                continue
            try:
                status = actions_acme.deactivate_authorization(self.ctx, dbAuthz)
            except (errors.InvalidRequest, errors.AcmeError) as exc:
                message = exc.message if isinstance(exc, errors.InvalidRequest) else self.acme_error_payload(exc)["error"]
                results[str(authorization_id)] = {"result": "error", "error": message}
                statuses.append(400 if isinstance(exc, errors.InvalidRequest) else outside_status(exc)[0])
                continue
            results[str(authorization_id)] = {"result": "success", "acme_status_authorization": status}
        ok = all(r["result"] == "success" for r in results.values())
        if self.is_json:
            if ok:
                return {"result": "success", "operation": operation, "results": results}
            # what succeeded stays done (the ACME server acted); the answer is not a 200: an outside
            # failure is 502/503 (the worst one), a bad id alone is a 400
            some_done = any(r["result"] == "success" for r in results.values())
            errors_text = "; ".join("%s: %s" % (k, r["error"]) for k, r in results.items() if r["result"] != "success")
            self.request.response.status = max(statuses)
            return error_envelope(
                errors_text, {"acme_authorization_id": errors_text}, operation=operation, results=results,
                result="partial" if some_done else "error",
            )
        if ok:
            return self.redirect_result(focus_url, "success", operation)
        errors_text = "; ".join("%s: %s" % (k, r["error"]) for k, r in results.items() if r["result"] != "success")
        return self.redirect_result(focus_url, "error", operation, error=errors_text)

    def _authorization_ids(self) -> list:
        raw = [value for value in self.request.POST.getall("acme_authorization_id")]
        if any(not isinstance(value, str) for value in raw):
            raise errors.FormInvalid({"acme_authorization_id": "An id field: send the number itself, not a file."})
        raw = [value.strip() for value in raw if value.strip()]
        if not raw:
            raise errors.FormInvalid({"acme_authorization_id": "At least one AcmeAuthorization id is required."})
        ids = [forms.parse_id(value) for value in raw]
        if None in ids:
            raise errors.FormInvalid(
                {"acme_authorization_id": "Not an id (a whole number from 0 to %d): one of the values." % forms.ID_MAX}
            )
        return sorted(set(ids))

    # --- related lists

    @admin_view("admin:acme_account:focus:acme_orders", renderer="/admin/acme_orders.mako", paginate=True)
    def acme_orders(self):
        """The orders of an ACME account."""
        dbAccount = load_account(self)
        statement = get.query__AcmeOrder(acme_account_id=dbAccount.id)
        return self.paged_list_as_list(statement, "AcmeOrders", page_title="Orders of ACME account %s" % dbAccount.id, which=None)

    @admin_view("admin:acme_account:focus:acme_authorizations", renderer="/admin/acme_authorizations.mako", paginate=True)
    def acme_authorizations(self):
        """The authorizations of an ACME account's orders (`?status=active`: pending or not fetched yet)."""
        dbAccount = load_account(self)
        statement = get.query__AcmeAuthorization(self.status_filter(get.AUTHORIZATION_STATUSES), acme_account_id=dbAccount.id)
        return self.paged_list(
            statement, "AcmeAuthorizations", page_title="Authorizations of ACME account %s" % dbAccount.id, statuses=("all", "active")
        )

    @admin_view("admin:acme_account:focus:acme_account_keys", renderer="/admin/acme_account_keys.mako", paginate=True)
    def acme_account_keys(self):
        """Every key the ACME account has had (key changes), newest first."""
        dbAccount = load_account(self)
        return self.paged_list(
            get.query__AcmeAccountKey(dbAccount.id), "AcmeAccountKeys", page_title="Keys of ACME account %s" % dbAccount.id
        )

    @admin_view(
        "admin:acme_account:focus:certificate_signeds", renderer="/admin/certificate_signeds.mako", paginate=True
    )
    def certificate_signeds(self):
        """The certificates issued through the ACME account's orders, newest first."""
        dbAccount = load_account(self)
        statement = get.query__CertificateSigned(self.ctx, "all", acme_account_id=dbAccount.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates of ACME account %s" % dbAccount.id)

    @admin_view(
        "admin:acme_account:focus:queue_certificates", renderer="/admin/queue_certificates.mako", paginate=True
    )
    def queue_certificates(self):
        """The renewal queue's items that renew with the ACME account, newest first."""
        dbAccount = load_account(self)
        statement = queues.query__QueueCertificate("all", acme_account_id=dbAccount.id)
        return self.paged_list(
            statement, "QueueCertificates", page_title="Renewal queue items of ACME account %s" % dbAccount.id, which=None
        )

    @admin_view("admin:acme_account:focus:private_keys", renderer="/admin/private_keys.mako", paginate=True)
    def private_keys(self):
        """The certificate keys the account owns (its daily/weekly/single-certificate keys)."""
        dbAccount = load_account(self)
        statement = get.query__PrivateKey().where(PrivateKey.acme_account_id__owner == dbAccount.id)
        return self.paged_list(statement, "PrivateKeys", page_title="Private keys of ACME account %s" % dbAccount.id)
