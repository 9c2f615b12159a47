"""RootStore and RootStoreVersion: which stored CAs a trust store trusts (read only; docs/Chains.md)."""

from ...lib.db import chains
from ..lib.handler import Handler
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view


@focus_loader("admin:root_store:focus")
def load_root_store(handler: Handler):
    return handler.load(chains.get__RootStore__by_id, "RootStore")


@focus_loader("admin:root_store_version:focus")
def load_root_store_version(handler: Handler):
    return handler.load(chains.get__RootStoreVersion__by_id, "RootStoreVersion")


class ViewRootStore(Handler):
    @admin_view("admin:root_stores", renderer="/admin/root_stores.mako", paginate=True)
    def list(self):
        """Trust stores and their versions (the seed records only the roots peter_sslers bundles)."""
        return self.paged_list(chains.query__RootStore(), "RootStores", page_title="Root stores")

    @admin_view("admin:root_store:focus", renderer="/admin/root_store-focus.mako")
    def focus(self):
        """One trust store, with its versions."""
        dbRootStore = load_root_store(self)
        if self.is_json:
            return {"RootStore": dbRootStore.as_json}
        return {"RootStore": dbRootStore}

    @admin_view("admin:root_store_version:focus", renderer="/admin/root_store_version-focus.mako")
    def focus_version(self):
        """One version of a trust store, with the stored CA certificates it trusts."""
        dbVersion = load_root_store_version(self)
        if self.is_json:
            return {"RootStoreVersion": dbVersion.as_json}
        return {"RootStoreVersion": dbVersion}
