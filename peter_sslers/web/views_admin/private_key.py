"""PrivateKey: list, focus, upload, new, mark, parse.json, downloads, related lists."""

from ...lib import cert_utils
from ...lib import errors
from ...lib.db import create
from ...lib.db import get
from ...lib.db import getcreate
from ...lib.db import queues
from ...lib.db import update
from ..lib import downloads
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view

# the key.key download and the new-key form use the same technology names
_NEW_KEY = {
    "RSA_2048": ("RSA", 2048, None),
    "RSA_3072": ("RSA", 3072, None),
    "RSA_4096": ("RSA", 4096, None),
    "EC_P256": ("EC", None, "P-256"),
    "EC_P384": ("EC", None, "P-384"),
}


@focus_loader("admin:private_key:focus")
def load_private_key(handler: Handler):
    return handler.load(get.get__PrivateKey__by_id, "PrivateKey")


class ViewList(Handler):
    @admin_view("admin:private_keys", renderer="/admin/private_keys.mako", paginate=True)
    def list(self):
        """Private keys, newest first."""
        return self.paged_list(get.query__PrivateKey(), "PrivateKeys", page_title="Private keys")


class ViewNew(Handler):
    def _get_new(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}, "options": forms.PRIVATE_KEY_NEW_OPTIONS}

    @admin_view(
        "admin:private_key:new",
        renderer="/admin/private_key-new.mako",
        post=True,
        get="_get_new",
        schema=forms.PrivateKeyNew,
        about="Generate a new private key here (RSA 2048/3072/4096 or EC P-256/P-384).",
        example="curl --form 'key_technology=EC_P256' {ADMIN_URL}/private-key/new.json",
    )
    def new(self):
        try:
            values = self.validate(forms.PrivateKeyNew)
            key_technology, bits, curve = _NEW_KEY[values["key_technology"]]
            dbPrivateKey = create.create__PrivateKey__generate(self.ctx, key_technology, bits=bits, curve=curve)
        except errors.InvalidRequest as exc:
            return self.form_error(exc, options=forms.PRIVATE_KEY_NEW_OPTIONS)
        if self.is_json:
            return {"result": "success", "is_created": True, "PrivateKey": dbPrivateKey.as_json}
        return self.redirect_result(
            self.request.route_path("admin:private_key:focus", id=dbPrivateKey.id), "success", "new"
        )

    def _get_upload(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}}

    @admin_view(
        "admin:private_key:upload",
        renderer="/admin/private_key-upload.mako",
        post=True,
        get="_get_upload",
        schema=forms.PrivateKeyUpload,
        about="Import a private key (found again, not duplicated, if it is already here in any PEM form).",
        example="curl --form 'private_key_file=@privkey.pem' {ADMIN_URL}/private-key/upload.json",
    )
    def upload(self):
        try:
            values = self.validate(forms.PrivateKeyUpload)
            dbPrivateKey, is_created = getcreate.getcreate__PrivateKey__by_pem_text(self.ctx, values["private_key_file"])
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {"result": "success", "is_created": is_created, "PrivateKey": dbPrivateKey.as_json}
        return self.redirect_result(
            self.request.route_path("admin:private_key:focus", id=dbPrivateKey.id),
            "success",
            "upload",
            is_created=str(is_created).lower(),
        )


class ViewFocus(Handler):
    @admin_view("admin:private_key:focus", renderer="/admin/private_key-focus.mako")
    def focus(self):
        """One private key."""
        dbPrivateKey = load_private_key(self)
        if self.is_json:
            return {"PrivateKey": dbPrivateKey.as_json}
        recent = get.query__CertificateSigned(self.ctx, "all", private_key_id=dbPrivateKey.id)
        return {"PrivateKey": dbPrivateKey, "CertificateSigneds": get.page(self.ctx, recent, 5, 0)}

    @admin_view("admin:private_key:focus:parse", json_only=True)
    def parse(self):
        """The key, parsed (technology, size, SPKI hash)."""
        dbPrivateKey = load_private_key(self)
        if dbPrivateKey.is_placeholder:
            raise errors.InvalidRequest("The placeholder key is not a key.")
        return {"PrivateKey": {"id": str(dbPrivateKey.id), "parsed": cert_utils.parse_key(dbPrivateKey.key_pem)}}

    @admin_view("admin:private_key:focus:raw", jsonify=False)
    def raw(self):
        dbPrivateKey = load_private_key(self)
        if dbPrivateKey.is_placeholder:
            raise errors.InvalidRequest("The placeholder key is not a key.")
        return downloads.private_key(dbPrivateKey.key_pem, self.request.matchdict["format"], "key")

    @admin_view(
        "admin:private_key:focus:mark",
        post=True,
        schema=forms.PrivateKeyMark,
        about="Mark a key active or inactive, or compromised (final: every certificate of the key is "
        "marked revoked and inactive).",
        confirm=lambda h: (
            "Mark private key %s compromised? Every certificate of the key is marked revoked and withdrawn, "
            "and no order, renewal or queue item will use the key again." % h.request.matchdict.get("id")
            if h.request.POST.get("action") == "compromised"
            else None
        ),
        example="curl --form 'action=compromised' {ADMIN_URL}/private-key/1/mark.json",
    )
    def mark(self):
        dbPrivateKey = load_private_key(self)
        focus_url = self.request.route_path("admin:private_key:focus", id=dbPrivateKey.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms.PrivateKeyMark)
            result = update.update_PrivateKey__mark(self.ctx, dbPrivateKey, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            return {
                "result": "success",
                "operation": "mark",
                "action": action,
                "PrivateKey": get.get__PrivateKey__by_id(self.ctx, dbPrivateKey.id).as_json,
                "CertificateSigned_revoked_ids": [str(i) for i in result["certificate_signed_ids"]],
            }
        return self.redirect_result(focus_url, "success", "mark", action=action)

    @admin_view(
        "admin:private_key:focus:certificate_signeds", renderer="/admin/certificate_signeds.mako", paginate=True
    )
    def certificate_signeds(self):
        """The certificates of a private key."""
        dbPrivateKey = load_private_key(self)
        statement = get.query__CertificateSigned(self.ctx, "all", private_key_id=dbPrivateKey.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates of key %s" % dbPrivateKey.id)

    @admin_view(
        "admin:private_key:focus:queue_certificates", renderer="/admin/queue_certificates.mako", paginate=True
    )
    def queue_certificates(self):
        """The renewal queue's items that renew with a private key, newest first."""
        dbPrivateKey = load_private_key(self)
        statement = queues.query__QueueCertificate("all", private_key_id=dbPrivateKey.id)
        return self.paged_list(
            statement, "QueueCertificates", page_title="Renewal queue items with key %s" % dbPrivateKey.id, which=None
        )

    @admin_view(
        "admin:private_key:focus:certificate_requests", renderer="/admin/certificate_requests.mako", paginate=True
    )
    def certificate_requests(self):
        """The CSRs made with a private key."""
        dbPrivateKey = load_private_key(self)
        statement = get.query__CertificateRequest(private_key_id=dbPrivateKey.id)
        return self.paged_list(statement, "CertificateRequests", page_title="CSRs of key %s" % dbPrivateKey.id)
