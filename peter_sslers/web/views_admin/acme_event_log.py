"""AcmeEventLog: every exchange with an ACME server, as sent and received."""

from ...lib.db import get
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler


class ViewAcmeEventLog(AcmeHandler):
    @admin_view("admin:acme_event_logs", renderer="/admin/acme_event_logs.mako", paginate=True)
    def list(self):
        """Exchanges with ACME servers, newest first."""
        return self.paged_list(get.query__AcmeEventLog(), "AcmeEventLogs", page_title="ACME event log")

    @admin_view("admin:acme_event_log:focus", renderer="/admin/acme_event_log-focus.mako")
    def focus(self):
        """One exchange: the request, the response, the problem document if any."""
        dbEvent = self.load(get.get__AcmeEventLog, "AcmeEventLog")
        if self.is_json:
            return {"AcmeEventLog": dbEvent.as_json}
        return {"AcmeEventLog": dbEvent}
