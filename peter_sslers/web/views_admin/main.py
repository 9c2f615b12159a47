"""The admin index and the pages about the tool itself: settings, help, API docs."""

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ...lib import errors
from ...lib.db import get
from ..lib import docs as docs_registry
from ..lib import forms
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view
from ...lib.utils import normalize_host


# the longest search value: an SPKI hash is 64 hex digits (95 with colons), a subject or issuer
# fragment longer than this finds nothing a shorter one would not
SEARCH_VALUE_MAX = 255


class ViewMain(Handler):
    @view_config(route_name="admin", renderer="/admin/index.mako")
    def index(self):
        return {
            "AcmeAccount_GlobalDefault": get.get__AcmeAccount__global_default(self.ctx),
            "AcmeAccountProvider_Default": get.get__AcmeAccountProvider__default(self.ctx),
            "count_domains": get.get__Domain__count(self.ctx),
        }

    @view_config(route_name="admin:index_slash")
    def index_slash(self):
        return HTTPSeeOther(location=self.request.route_path("admin"))

    @view_config(route_name="admin:whoami")
    def whoami(self):
        return Response(normalize_host(self.request.host), content_type="text/plain", charset="utf-8")

    @admin_view("admin:help", renderer="/admin/help.mako", jsonify=False)
    def help(self):
        return {}

    @admin_view("admin:settings", renderer="/admin/settings.mako", section="main")
    def settings_page(self):
        """Every effective configuration option, with its documentation (secrets masked)."""
        rows = self.settings.effective()
        if self.is_json:
            return {
                "result": "success",
                "settings": {option.name: value for option, value in rows},
            }
        return {"rows": rows}

    @admin_view("admin:api", renderer="/admin/api.mako", section="main")
    def api_docs(self):
        """The self-documentation of every JSON endpoint."""
        endpoints = sorted(
            (docs_registry.as_json(self.request, entry) for entry in docs_registry.get_all(self.request.registry).values()),
            key=lambda item: (item["section"], item["endpoint"]),
        )
        if self.is_json:
            return {"result": "success", "endpoints": endpoints}
        return {"endpoints": endpoints}

    @admin_view("admin:search", renderer="/admin/search.mako", section="main")
    def search(self):
        """Find keys, CSRs, certificates, CAs and account keys by SPKI hash (`?spki=`), or certificates
        and CAs by subject (`?cert_subject=`) or issuer (`?cert_issuer=`) text."""
        query = {}
        results = None
        for field in ("spki", "cert_subject", "cert_issuer"):
            value = self.request.GET.get(field, "").strip()
            problem = value and forms.text_problem(value, SEARCH_VALUE_MAX)
            if problem:
                # SQLite refuses LIKE patterns over 50,000 bytes, PostgreSQL NUL: a 400, not a 500
                raise errors.InvalidRequest("`%s`: %s" % (field, problem), field=field)
            if value:
                query = {"field": field, "value": value}
                if field == "spki":
                    results = get.search__spki(self.ctx, value)
                else:
                    results = get.search__cert_text(self.ctx, field, value)
                break
        if self.is_json:
            return {
                "result": "success",
                "query": query,
                "results": {
                    name: {str(item.id): item.as_json for item in items} for name, items in (results or {}).items()
                },
            }
        return {"query": query, "results": results}
