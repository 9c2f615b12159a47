"""ACME servers (AcmeAccountProvider): the list. Which ones are default and enabled comes from the ini."""

from ...lib.db import get
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler


class ViewList(AcmeHandler):
    @admin_view("admin:acme_account_providers", renderer="/admin/acme_account_providers.mako")
    def list(self):
        """The ACME servers this install knows; forms use the enabled ones."""
        items = self.ctx.dbsession.scalars(get.query__AcmeAccountProvider()).all()
        if self.is_json:
            return {"AcmeAccountProviders": {str(p.id): p.as_json for p in items}}
        return {"AcmeAccountProviders": items}
