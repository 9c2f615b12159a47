"""CertificateCA and CertificateCAChain: lists, focus, uploads, downloads, related lists."""

from ...lib import cert_utils
from ...lib import errors
from ...lib.db import chains
from ...lib.db import get
from ...lib.db import getcreate
from ..lib import downloads
from ..lib import forms
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view


@focus_loader("admin:certificate_ca:focus")
def load_ca(handler: Handler):
    return handler.load(get.get__CertificateCA__by_id, "CertificateCA")


@focus_loader("admin:certificate_ca_chain:focus")
def load_chain(handler: Handler):
    return handler.load(get.get__CertificateCAChain__by_id, "CertificateCAChain")


class ViewCertificateCA(Handler):
    @admin_view("admin:certificate_cas", renderer="/admin/certificate_cas.mako", paginate=True)
    def list(self):
        """CA certificates (roots and intermediates), newest first."""
        return self.paged_list(get.query__CertificateCA(), "CertificateCAs", page_title="CA certificates")

    def _get_upload(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}}

    @admin_view(
        "admin:certificate_ca:upload_cert",
        renderer="/admin/certificate_ca-upload.mako",
        post=True,
        get="_get_upload",
        schema=forms.CertificateCAUpload,
        about="Import a CA certificate (a root or an intermediate).",
        example="curl --form 'cert_file=@isrgrootx1.pem' {ADMIN_URL}/certificate-ca/upload-cert.json",
    )
    def upload(self):
        try:
            values = self.validate(forms.CertificateCAUpload)
            pem = _single_certificate(values["cert_file"])
            dbCA, is_created = getcreate.getcreate__CertificateCA__by_pem_text(
                self.ctx, pem, display_name=values["cert_file_name"]
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {
                "result": "success",
                "is_created": is_created,
                "CertificateCA": {"id": str(dbCA.id), "created": is_created},
            }
        return self.redirect_result(
            self.request.route_path("admin:certificate_ca:focus", id=dbCA.id),
            "success",
            "upload-cert",
            is_created=str(is_created).lower(),
        )

    @admin_view("admin:certificate_ca:focus", renderer="/admin/certificate_ca-focus.mako")
    def focus(self):
        """One CA certificate."""
        dbCA = load_ca(self)
        preference_slot = chains.get__CertificateCAPreference__slot(self.ctx, dbCA.id)
        root_store_versions = chains.get__RootStoreVersions__by_certificate_ca(self.ctx, dbCA.id)
        reconciliations = get.page(self.ctx, chains.query__CertificateCAReconciliation(dbCA.id), 5, 0)
        if self.is_json:
            return {
                "CertificateCA": dbCA.as_json,
                "preference_slot": preference_slot,
                "RootStoreVersions": [
                    {
                        "id": str(v.id),
                        "root_store_id": str(v.root_store_id),
                        "root_store_name": v.root_store.name,
                        "version_string": v.version_string,
                    }
                    for v in root_store_versions
                ],
                "CertificateCAReconciliations": [r.as_json for r in reconciliations],
            }
        return {
            "CertificateCA": dbCA,
            "preference_slot": preference_slot,
            "RootStoreVersions": root_store_versions,
            "CertificateCAReconciliations": reconciliations,
            "chains_0": get.page(self.ctx, get.query__CertificateCAChain(certificate_ca_id_0=dbCA.id), 5, 0),
            "CertificateSigneds": get.page(
                self.ctx, get.query__CertificateSigned(self.ctx, "all", certificate_ca_id=dbCA.id), 5, 0
            ),
        }

    @admin_view("admin:certificate_ca:focus:parse", json_only=True)
    def parse(self):
        """The CA certificate, parsed."""
        dbCA = load_ca(self)
        return {"CertificateCA": {"id": str(dbCA.id), "parsed": cert_utils.parse_cert(dbCA.cert_pem)}}

    @admin_view("admin:certificate_ca:focus:raw", jsonify=False)
    def raw(self):
        dbCA = load_ca(self)
        return downloads.certificate(dbCA.cert_pem, self.request.matchdict["format"], "cert", is_ca=True)

    @admin_view(
        "admin:certificate_ca:focus:certificate_ca_chains_0",
        renderer="/admin/certificate_ca_chains.mako",
        paginate=True,
    )
    def chains_0(self):
        """The chains whose first certificate (the leaf's issuer) is this CA."""
        dbCA = load_ca(self)
        statement = get.query__CertificateCAChain(certificate_ca_id_0=dbCA.id)
        return self.paged_list(statement, "CertificateCAChains", page_title="Chains starting with %s" % dbCA.display_name)

    @admin_view(
        "admin:certificate_ca:focus:certificate_ca_chains_n",
        renderer="/admin/certificate_ca_chains.mako",
        paginate=True,
    )
    def chains_n(self):
        """The chains whose last certificate (closest to the root) is this CA."""
        dbCA = load_ca(self)
        statement = get.query__CertificateCAChain(certificate_ca_id_n=dbCA.id)
        return self.paged_list(statement, "CertificateCAChains", page_title="Chains ending with %s" % dbCA.display_name)

    @admin_view(
        "admin:certificate_ca:focus:certificate_signeds",
        renderer="/admin/certificate_signeds.mako",
        paginate=True,
    )
    def certificate_signeds(self):
        """The certificates this CA issued (it starts one of their chains)."""
        dbCA = load_ca(self)
        statement = get.query__CertificateSigned(self.ctx, "all", certificate_ca_id=dbCA.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates issued by %s" % dbCA.display_name)


    @admin_view(
        "admin:certificate_ca:focus:certificate_signeds_alt",
        renderer="/admin/certificate_signeds.mako",
        paginate=True,
    )
    def certificate_signeds_alt(self):
        """The certificates offered with an alternate chain starting with this CA (a chain the ACME
        server offered besides its default one: `Link: rel="alternate"`)."""
        dbCA = load_ca(self)
        statement = get.query__CertificateSigned(self.ctx, "all", certificate_ca_id__alt=dbCA.id)
        return self.paged_list(
            statement, "CertificateSigneds", page_title="Certificates with an alternate chain from %s" % dbCA.display_name
        )


PREFERRED_NOTES = (
    "The list decides the chain served with every certificate (chain.pem, fullchain.pem, config.json, "
    "config.zip, Redis): the first slot that one of its chains holds picks that chain; a slot matches a chain "
    "that holds the CA, or whose last CA the slot's CA is known to have issued. No slot matching: the chain "
    "the ACME server sent first.",
    "Redis keeps what it was primed with: run /api/redis/prime after a change for the edge to serve the new "
    "choice.",
    "A wrong or stale field answers HTTP 400 and changes nothing.",
)


class ViewPreferred(Handler):
    def _preferred_page(self) -> dict:
        """The list, as the HTML page and the JSON answers show it."""
        dbPreferences = chains.get__CertificateCAPreferences(self.ctx)
        if self.is_json:
            return {
                "PreferenceOrder": {str(p.slot): str(p.certificate_ca_id) for p in dbPreferences},
                "CertificateCAs": {str(p.certificate_ca_id): p.certificate_ca.as_json for p in dbPreferences},
                "CertificateCAPreferences": [p.as_json for p in dbPreferences],
                "max_slots": chains.MAX_PREFERENCES,
            }
        return {"CertificateCAPreferences": dbPreferences, "max_slots": chains.MAX_PREFERENCES}

    def _get_page(self) -> dict:
        """The page a GET shows: the list and its forms."""
        return dict(self._preferred_page(), form_errors={})

    @admin_view("admin:certificate_cas:preferred", renderer="/admin/certificate_cas-preferred.mako")
    def list(self):
        """The preferred-CA list, slot 1 (most preferred) first: it picks the chain served with each certificate."""
        return self._preferred_page() if self.is_json else self._get_page()

    def _answer(self, operation: str):
        if self.is_json:
            return dict(self._preferred_page(), result="success", operation=operation)
        return self.redirect_result(self.request.route_path("admin:certificate_cas:preferred"), "success", operation)

    def _rejected(self, exc: errors.InvalidRequest):
        return self.form_error(exc, **self._preferred_page())

    @admin_view(
        "admin:certificate_cas:preferred:add",
        renderer="/admin/certificate_cas-preferred.mako",
        post=True,
        get="_get_page",
        schema=forms.CertificateCAPreferenceAdd,
        about="Add a CA certificate at the end of the preferred-CA list (at most %d)." % chains.MAX_PREFERENCES,
        example="curl --form 'fingerprint_sha1=CABD2A79' {ADMIN_URL}/certificate-cas/preferred/add.json",
        notes=PREFERRED_NOTES,
    )
    def add(self):
        try:
            values = self.validate(forms.CertificateCAPreferenceAdd)
            chains.preference_add(self.ctx, values["fingerprint_sha1"])
        except errors.InvalidRequest as exc:
            return self._rejected(exc)
        return self._answer("add")

    @admin_view(
        "admin:certificate_cas:preferred:delete",
        renderer="/admin/certificate_cas-preferred.mako",
        post=True,
        get="_get_page",
        schema=forms.CertificateCAPreferenceDelete,
        about="Remove a CA from the preferred-CA list; the slots after it move up.",
        example="curl --form 'fingerprint_sha1=CABD2A79' --form 'slot=2' {ADMIN_URL}/certificate-cas/preferred/delete.json",
        notes=PREFERRED_NOTES,
    )
    def delete(self):
        try:
            values = self.validate(forms.CertificateCAPreferenceDelete)
            chains.preference_delete(self.ctx, values["fingerprint_sha1"], values["slot"])
        except errors.InvalidRequest as exc:
            return self._rejected(exc)
        return self._answer("delete")

    @admin_view(
        "admin:certificate_cas:preferred:prioritize",
        renderer="/admin/certificate_cas-preferred.mako",
        post=True,
        get="_get_page",
        schema=forms.CertificateCAPreferencePrioritize,
        about="Move a CA one slot up (`increase`) or down (`decrease`) the preferred-CA list.",
        example="curl --form 'fingerprint_sha1=CABD2A79' --form 'slot=2' --form 'priority=increase' "
        "{ADMIN_URL}/certificate-cas/preferred/prioritize.json",
        notes=PREFERRED_NOTES,
    )
    def prioritize(self):
        try:
            values = self.validate(forms.CertificateCAPreferencePrioritize)
            chains.preference_prioritize(self.ctx, values["fingerprint_sha1"], values["slot"], values["priority"])
        except errors.InvalidRequest as exc:
            return self._rejected(exc)
        return self._answer("prioritize")


class ViewCertificateCAChain(Handler):
    @admin_view("admin:certificate_ca_chains", renderer="/admin/certificate_ca_chains.mako", paginate=True)
    def list(self):
        """CA chains, newest first."""
        return self.paged_list(get.query__CertificateCAChain(), "CertificateCAChains", page_title="CA chains")

    def _get_upload(self):
        """The page a GET shows: the form."""
        return {"form_errors": {}}

    @admin_view(
        "admin:certificate_ca_chain:upload_chain",
        renderer="/admin/certificate_ca_chain-upload.mako",
        post=True,
        get="_get_upload",
        schema=forms.CertificateCAChainUpload,
        about="Import a chain of CA certificates (intermediates), each signed by the next.",
        example="curl --form 'chain_file=@chain.pem' {ADMIN_URL}/certificate-ca-chain/upload-chain.json",
    )
    def upload(self):
        try:
            values = self.validate(forms.CertificateCAChainUpload)
            dbChain, is_created = getcreate.getcreate__CertificateCAChain__by_pem_text(
                self.ctx, values["chain_file"], display_name=values["chain_file_name"]
            )
        except errors.InvalidRequest as exc:
            return self.form_error(exc)
        if self.is_json:
            return {
                "result": "success",
                "is_created": is_created,
                "CertificateCAChain": {"id": str(dbChain.id), "created": is_created},
            }
        return self.redirect_result(
            self.request.route_path("admin:certificate_ca_chain:focus", id=dbChain.id),
            "success",
            "upload-chain",
            is_created=str(is_created).lower(),
        )

    @admin_view("admin:certificate_ca_chain:focus", renderer="/admin/certificate_ca_chain-focus.mako")
    def focus(self):
        """One chain, with its CA certificates in order."""
        dbChain = load_chain(self)
        ids = [int(i) for i in dbChain.certificate_ca_ids_string.split(",")]
        cas = get.get__CertificateCAs__by_ids(self.ctx, ids)
        if self.is_json:
            return {"CertificateCAChain": dbChain.as_json}
        return {"CertificateCAChain": dbChain, "CertificateCAs": [cas[i] for i in ids]}

    @admin_view("admin:certificate_ca_chain:focus:raw", jsonify=False)
    def raw(self):
        dbChain = load_chain(self)
        return downloads.chain(cert_utils.split_pem_chain(dbChain.chain_pem), self.request.matchdict["format"])

    @admin_view(
        "admin:certificate_ca_chain:focus:certificate_signeds",
        renderer="/admin/certificate_signeds.mako",
        paginate=True,
    )
    def certificate_signeds(self):
        """The certificates offered with this chain."""
        dbChain = load_chain(self)
        statement = get.query__CertificateSigned(self.ctx, "all", certificate_ca_chain_id=dbChain.id)
        return self.paged_list(statement, "CertificateSigneds", page_title="Certificates with chain %s" % dbChain.id)


def _single_certificate(text: str) -> str:
    pems = getcreate.split_chain_pem(text, field="cert_file")
    if len(pems) != 1:
        raise errors.InvalidPEM("Expected one certificate, found %s." % len(pems), field="cert_file")
    return pems[0]
