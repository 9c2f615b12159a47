"""API jobs: update-recents and deactivate-expired (run them from cron through prequest)."""

from ...lib.db import actions
from ..lib import forms
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view


class ViewApi(Handler):
    @admin_view(
        "admin:api:update_recents",
        renderer="/admin/api-job.mako",
        post=True,
        schema=forms.ActionNoFields,
        about="Recompute every Domain's latest single and multi certificates and the key, account and "
        "CA counters, in one set-based pass.",
        example="prequest -m POST example_development.ini /.well-known/admin/api/update-recents.json < /dev/null",
    )
    def update_recents(self):
        if self.request.method != "POST":
            return self.action_documentation() if self.is_json else {"title": "Update recents", "result": None}
        result = actions.update_recents__global(self.ctx)
        payload = {"result": "success", "operations_event": str(result["operations_event_id"])}
        return payload if self.is_json else {"title": "Update recents", "result": payload}

    @admin_view(
        "admin:api:deactivate_expired",
        renderer="/admin/api-job.mako",
        post=True,
        schema=forms.ActionNoFields,
        about="Deactivate expired certificates, except one that is still the latest single or multi "
        "certificate of any of its Domains.",
        example="prequest -m POST example_development.ini /.well-known/admin/api/deactivate-expired.json < /dev/null",
    )
    def deactivate_expired(self):
        if self.request.method != "POST":
            return self.action_documentation() if self.is_json else {"title": "Deactivate expired", "result": None}
        result = actions.deactivate_expired(self.ctx)
        payload = {
            "result": "success",
            "CertificateSigned": {
                "expired": result["count_deactivated"],
                "ids": [str(i) for i in result["certificate_signed_ids"]],
            },
            "operations_event": str(result["operations_event_id"]),
        }
        return payload if self.is_json else {"title": "Deactivate expired", "result": payload}
