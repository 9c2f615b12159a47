"""CertificateSigned: lists, focus, upload, mark, config.json, parse.json and every download."""

from pyramid.httpexceptions import HTTPNotFound
from pyramid.httpexceptions import HTTPSeeOther

from ...lib import cert_utils
from ...lib import errors
from ...lib import exports
from ...lib.db import actions_acme
from ...lib.db import chains
from ...lib.db import create
from ...lib.db import get
from ...lib.db import queues
from ...lib.db import update
from ..lib import downloads
from ..lib import forms
from ..lib import forms_acme
from ..lib import list_filters
from ..lib import nginx
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler

UPLOAD_EXAMPLE = (
    "curl --form 'private_key_file=@privkey1.pem' --form 'certificate_file=@cert1.pem' "
    "--form 'chain_file=@chain1.pem' {ADMIN_URL}/certificate-signed/upload.json"
)


@focus_loader("admin:certificate_signed:focus")
def load_certificate(handler: Handler):
    return handler.load(get.get__CertificateSigned__by_id, "CertificateSigned")


class ViewList(Handler):
    @admin_view("admin:certificate_signeds")
    def index(self):
        """Redirects to the active certificates (to all of them when `?state=` is given), the
        query string kept."""
        which = "all" if self.request.GET.get("state") else "active"
        location = self.request.route_path(
            "admin:certificate_signeds:list" + ("|json" if self.is_json else ""), which=which
        )
        if self.request.query_string:
            location += "?" + self.request.query_string
        return HTTPSeeOther(location=location)

    @admin_view(
        "admin:certificate_signeds:list",
        renderer="/admin/certificate_signeds.mako",
        paginate=True,
        notes=(
            "Filters (query string, kept across pages): `state` (%s), `expiring_days=N` (not expired, ends "
            "within N days, 1 to 3650), `serving=1` (the latest certificate of an active domain), `ca=ID` (issued "
            "by that CertificateCA), `name=TEXT` (any domain of the certificate contains it; Unicode or punycode). "
            "A bad value answers HTTP 400." % ", ".join("`%s`" % s for s in get.CERTIFICATE_SIGNED_STATES),
        ),
    )
    def list(self):
        """Certificates: `all`, `active`, `expiring` (active, ending within `expiring_days`) or `inactive`,
        filtered by the query string."""
        which = self.request.matchdict["which"]
        statement = list_filters.certificate_signeds_statement(self.ctx, which, self.request.GET)
        result = self.paged_list(statement, "CertificateSigneds", page_title="Certificates: %s" % which, which=which)
        if not self.is_json:
            result["filter_values"] = {name: self.request.GET.get(name, "") for name in list_filters.CERTIFICATE_SIGNED_PARAMS}
            result["issuers"] = get.get__CertificateCA__issuers(self.ctx)
        return result


class ViewUpload(Handler):
    def _get_upload(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}}

    @admin_view(
        "admin:certificate_signed:upload",
        renderer="/admin/certificate_signed-upload.mako",
        post=True,
        get="_get_upload",
        schema=forms.CertificateSignedUpload,
        about="Import a certificate with its private key and chain (e.g. from certbot).",
        example=UPLOAD_EXAMPLE,
        notes=("The same upload again creates nothing and answers `is_created: false`.",),
    )
    def upload(self):
        try:
            values = self.validate(forms.CertificateSignedUpload)
            result = create.import__CertificateSigned(
                self.ctx, values["certificate_file"], values["chain_file"], values["private_key_file"]
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        focus_url = self.request.route_path("admin:certificate_signed:focus", id=result.CertificateSigned.id)
        if self.is_json:
            return {
                "result": "success",
                "is_created": result.is_created,
                "CertificateSigned": {
                    "id": str(result.CertificateSigned.id),
                    "created": result.is_created,
                    "url": self.request.api_host + focus_url,
                    "is_active": result.CertificateSigned.is_active,
                },
                "CertificateCAChain": {"id": str(result.CertificateCAChain.id), "created": result.is_created__chain},
                "PrivateKey": {"id": str(result.PrivateKey.id), "created": result.is_created__key},
            }
        return self.redirect_result(focus_url, "success", "upload", is_created=str(result.is_created).lower())


class ViewFocus(Handler):
    @admin_view("admin:certificate_signed:focus", renderer="/admin/certificate_signed-focus.mako")
    def focus(self):
        """One certificate, with its key, chains and domains."""
        dbCertificate = load_certificate(self)
        dbChain = exports.preferred_chain(dbCertificate, chains.chain_preference(self.ctx))
        if self.is_json:
            return {
                "CertificateSigned": dbCertificate.as_json,
                "certificate_ca_chain_id__preferred": str(dbChain.id) if dbChain is not None else None,
                "CertificateSignedChains": [link.as_json for link in dbCertificate.certificate_signed_chains],
            }
        return {"CertificateSigned": dbCertificate, "preferred_chain": dbChain}

    @admin_view(
        "admin:certificate_signed:focus:queue_certificates", renderer="/admin/queue_certificates.mako", paginate=True
    )
    def queue_certificates(self):
        """The renewal queue's items that renew a certificate, or that made it, newest first."""
        dbCertificate = load_certificate(self)
        statement = queues.query__QueueCertificate("all", certificate_signed_id=dbCertificate.id)
        return self.paged_list(
            statement,
            "QueueCertificates",
            page_title="Renewal queue items of certificate %s" % dbCertificate.id,
            which=None,
        )

    @admin_view(
        "admin:certificate:focus:config",
        json_only=True,
        section="certificate_signed",
        about="The specification's path of a certificate's deploy payload: answers exactly as "
        "/certificate-signed/{id}/config.json.",
    )
    @admin_view("admin:certificate_signed:focus:config", json_only=True)
    def config(self):
        """The deploy payload: private key, certificate, chain and fullchain, ids as strings (`?idonly=1`: no
        PEMs). The chain is the one the preferred-CA list picks (`/certificate-cas/preferred`)."""
        dbCertificate = load_certificate(self)
        return exports.certificate_config_payload(dbCertificate, chains.chain_preference(self.ctx), id_only=self.id_only)

    @admin_view("admin:certificate_signed:focus:config_zip", jsonify=False)
    def config_zip(self):
        dbCertificate = load_certificate(self)
        dbChain = exports.preferred_chain(dbCertificate, chains.chain_preference(self.ctx))
        return downloads.config_zip(exports.certificate_config_zip(dbCertificate, dbChain), dbCertificate.id)

    @admin_view("admin:certificate_signed:focus:parse", json_only=True)
    def parse(self):
        """The certificate, parsed."""
        dbCertificate = load_certificate(self)
        return {"CertificateSigned": {"id": str(dbCertificate.id), "parsed": cert_utils.parse_cert(dbCertificate.cert_pem)}}

    @admin_view(
        "admin:certificate_signed:focus:mark",
        post=True,
        schema=forms.CertificateSignedMark,
        about="Activate, deactivate (reversible) or revoke (final, local only) a certificate.",
        confirm=lambda h: (
            "Mark certificate %s revoked? It is deactivated for good and withdrawn from Redis and nginx; "
            "the ACME server is not told (use \"Revoke on the ACME server\" for that)." % h.request.matchdict.get("id")
            if h.request.POST.get("action") == "revoked"
            else None
        ),
        example="curl --form 'action=inactive' {ADMIN_URL}/certificate-signed/1/mark.json",
        notes=(
            "Done, but Redis or an nginx server was not updated: HTTP 502, `result: partial`, `edge` names each "
            "server and what failed (and an `operations__edge_update__fail` event records it).",
        ),
    )
    def mark(self):
        dbCertificate = load_certificate(self)
        focus_url = self.request.route_path("admin:certificate_signed:focus", id=dbCertificate.id)
        action = self.posted_text("action")
        try:
            values = self.validate(forms.CertificateSignedMark)
            update.update_CertificateSigned__mark(self.ctx, dbCertificate, values["action"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", action=action)
        if self.is_json:
            dbCertificate = get.get__CertificateSigned__by_id(self.ctx, dbCertificate.id)
            return {"result": "success", "operation": "mark", "action": action, "CertificateSigned": dbCertificate.as_json}
        return self.redirect_result(focus_url, "success", "mark", action=action)


class ViewAcmeServer(AcmeHandler):
    @admin_view(
        "admin:certificate_signed:focus:acme_server:revoke",
        post=True,
        schema=forms_acme.CertificateSignedRevoke,
        confirm=lambda h: (
            "Revoke certificate %s on the ACME server? Clients will refuse it from now on; it is withdrawn "
            "from Redis and nginx.%s" % (
                h.request.matchdict.get("id"),
                " Reason 1 (keyCompromise) also marks its private key compromised: every certificate of the "
                "key is withdrawn." if h.request.POST.get("reason") == "1" else "",
            )
        ),
        about="Revoke the certificate on the ACME server (signed with the ordering account's key, or with the "
        "certificate's own key when it was uploaded), then mark it revoked here.",
        example="curl --form 'reason=4' {ADMIN_URL}/certificate-signed/1/acme-server/revoke.json",
        notes=(
            "`reason=1` (keyCompromise) also marks the certificate's private key compromised (final): its other "
            "certificates are withdrawn, and no order, renewal or queue item uses the key again. The answer's "
            "`PrivateKey` says `is_compromised`.",
            "The ACME server refused: HTTP 502; unreachable or timed out: HTTP 503 (`service: acme`).",
            "Revoked, but Redis or an nginx server was not updated: HTTP 502, `result: partial`, `edge` names "
            "each server and what failed.",
        ),
    )
    def revoke(self):
        dbCertificate = load_certificate(self)
        focus_url = self.request.route_path("admin:certificate_signed:focus", id=dbCertificate.id)
        try:
            values = self.validate(forms_acme.CertificateSignedRevoke)
            dbOrder = dbCertificate.acme_order
            if dbOrder is not None:
                self.require_enabled_server(dbOrder.acme_account.acme_account_provider)
            reason = int(values["reason"]) if values["reason"] is not None else None
            actions_acme.revoke_certificate(self.ctx, dbCertificate, reason=reason)
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "acme-server-revoke")
        except errors.AcmeError as exc:
            return self.acme_error(exc, focus_url, "acme-server-revoke")
        if self.is_json:
            dbCertificate = get.get__CertificateSigned__by_id(self.ctx, dbCertificate.id)
            dbKey = dbCertificate.private_key
            return {
                "result": "success",
                "operation": "acme-server-revoke",
                "CertificateSigned": dbCertificate.as_json,
                "PrivateKey": {"id": str(dbKey.id), "is_compromised": bool(dbKey.is_compromised)},
            }
        return self.redirect_result(focus_url, "success", "acme-server-revoke")


class ViewDownloads(Handler):
    @admin_view("admin:certificate_signed:focus:cert:raw", jsonify=False)
    def cert(self):
        dbCertificate = load_certificate(self)
        return downloads.certificate(dbCertificate.cert_pem, self.request.matchdict["format"], "cert")

    @admin_view("admin:certificate_signed:focus:chain:raw", jsonify=False)
    def chain(self):
        dbCertificate = load_certificate(self)
        dbChain = _require_chain(dbCertificate, chains.chain_preference(self.ctx))
        return downloads.chain(cert_utils.split_pem_chain(dbChain.chain_pem), self.request.matchdict["format"])

    @admin_view("admin:certificate_signed:focus:fullchain:raw", jsonify=False)
    def fullchain(self):
        dbCertificate = load_certificate(self)
        dbChain = _require_chain(dbCertificate, chains.chain_preference(self.ctx))
        pems = [dbCertificate.cert_pem] + cert_utils.split_pem_chain(dbChain.chain_pem)
        return downloads.chain(pems, self.request.matchdict["format"], basename="fullchain")

    @admin_view("admin:certificate_signed:focus:privatekey:raw", jsonify=False)
    def privkey(self):
        dbCertificate = load_certificate(self)
        return downloads.private_key(dbCertificate.private_key.key_pem, self.request.matchdict["format"], "privkey")


def _require_chain(dbCertificate, preference):
    dbChain = exports.preferred_chain(dbCertificate, preference)
    if dbChain is None:
        raise errors.InvalidRequest("This certificate has no chain.")
    return dbChain


def load_via_chain(handler: Handler):
    """The certificate and the chain ``{id_cachain}`` of the route, which must be one of its chains.

    :raises HTTPNotFound: no such certificate, or the chain is none of its chains.
    """
    dbCertificate = load_certificate(handler)
    chain_id = forms.parse_id(handler.request.matchdict["id_cachain"])
    for link in dbCertificate.certificate_signed_chains:
        if link.certificate_ca_chain_id == chain_id:
            return dbCertificate, link.certificate_ca_chain
    raise HTTPNotFound(
        "The CertificateCAChain %s is not a chain of the certificate %s (its chains: %s)."
        % (
            handler.request.matchdict["id_cachain"],
            dbCertificate.id,
            ", ".join(str(i) for i in dbCertificate.certificate_ca_chain_ids) or "none",
        )
    )


class ViewViaChain(Handler):
    """Every chain of a certificate (the ACME server's alternates, other uploads), by chain id:
    the same files as the default-chain downloads."""

    @admin_view("admin:certificate_signed:focus:via_certificate_ca_chain:config", json_only=True)
    def config(self):
        """The deploy payload (as `config.json`) with this chain of the certificate instead of the preferred one."""
        dbCertificate, dbChain = load_via_chain(self)
        return exports.certificate_config_payload(dbCertificate, (), id_only=self.id_only, dbChain=dbChain)

    @admin_view("admin:certificate_signed:focus:via_certificate_ca_chain:config_zip", jsonify=False)
    def config_zip(self):
        dbCertificate, dbChain = load_via_chain(self)
        return downloads.config_zip(exports.certificate_config_zip(dbCertificate, dbChain), dbCertificate.id)

    @admin_view("admin:certificate_signed:focus:via_certificate_ca_chain:chain:raw", jsonify=False)
    def chain(self):
        _dbCertificate, dbChain = load_via_chain(self)
        return downloads.chain(cert_utils.split_pem_chain(dbChain.chain_pem), self.request.matchdict["format"])

    @admin_view("admin:certificate_signed:focus:via_certificate_ca_chain:fullchain:raw", jsonify=False)
    def fullchain(self):
        dbCertificate, dbChain = load_via_chain(self)
        pems = [dbCertificate.cert_pem] + cert_utils.split_pem_chain(dbChain.chain_pem)
        return downloads.chain(pems, self.request.matchdict["format"], basename="fullchain")


class ViewFocusNginx(Handler):
    @admin_view(
        "admin:certificate_signed:focus:nginx_cache_expire",
        post=True,
        schema=forms.ActionNoFields,
        about="Expire the cached certificates of every domain of this certificate on every server of "
        "`nginx.servers_pool` (GET {server}{nginx.reset_path}/domain/{domain_name}, per domain and server). "
        "`result` is `success` only when every server expired every domain; otherwise HTTP 502 with "
        "`partial` or `error`, the results per domain and per server, and each failed server's reason.",
        example="curl -X POST {ADMIN_URL}/certificate-signed/1/nginx-cache-expire.json",
        notes=(
            "Logged as an `operations__nginx_cache_expire` OperationsEvent with each domain's outcome per server.",
            'When nginx is not enabled: HTTP 400 {"result": "error", "error": "nginx is not enabled"}.',
        ),
    )
    def nginx_cache_expire(self):
        dbCertificate = load_certificate(self)
        focus_url = self.request.route_path("admin:certificate_signed:focus", id=dbCertificate.id)
        dbDomains = sorted(
            (link.domain for link in dbCertificate.unique_fqdn_set.to_domains), key=lambda d: d.domain_name
        )
        subject = {
            "CertificateSigned": {"id": str(dbCertificate.id), "domains": [d.domain_name for d in dbDomains]}
        }
        return nginx.expire_action(self, dbDomains, focus_url, subject, dbCertificateSigned=dbCertificate)
