"""CertificateRequest (CSR): list, focus, downloads, the orders that sent it."""

from ...lib.db import get
from ..lib import downloads
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view


@focus_loader("admin:certificate_request:focus")
def load_csr(handler: Handler):
    return handler.load(get.get__CertificateRequest__by_id, "CertificateRequest")


class ViewCertificateRequest(Handler):
    @admin_view("admin:certificate_requests", renderer="/admin/certificate_requests.mako", paginate=True)
    def list(self):
        """Certificate signing requests, newest first."""
        return self.paged_list(get.query__CertificateRequest(), "CertificateRequests", page_title="Certificate requests")

    @admin_view("admin:certificate_request:focus", renderer="/admin/certificate_request-focus.mako")
    def focus(self):
        """One CSR, with its domains and key."""
        dbCSR = load_csr(self)
        if self.is_json:
            return {"CertificateRequest": dbCSR.as_json}
        return {"CertificateRequest": dbCSR}

    @admin_view("admin:certificate_request:focus:acme_orders", renderer="/admin/acme_orders.mako", paginate=True)
    def acme_orders(self):
        """The orders that sent this CSR to the ACME server (finalized with it), newest first."""
        dbCSR = load_csr(self)
        statement = get.query__AcmeOrder(certificate_request_id=dbCSR.id)
        return self.paged_list_as_list(statement, "AcmeOrders", page_title="Orders of CSR %s" % dbCSR.id, which=None)

    @admin_view("admin:certificate_request:focus:raw", jsonify=False)
    def raw(self):
        dbCSR = load_csr(self)
        return downloads.csr(dbCSR.csr_pem, self.request.matchdict["format"])
