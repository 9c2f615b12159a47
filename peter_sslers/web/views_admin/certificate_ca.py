"""CertificateCA and CertificateCAChain: lists, focus, uploads, downloads, related lists."""

from ...lib import cert_utils
from ...lib import errors
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
        if self.is_json:
            return {"CertificateCA": dbCA.as_json}
        return {
            "CertificateCA": dbCA,
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
