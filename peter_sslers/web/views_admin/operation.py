"""The operations log: every state change peter_sslers made, and what it touched."""

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ...lib.db import get
from ...lib.db.logger import OBJECT_COLUMNS
from ...model import utils as model_utils
from ..lib.handler import Handler
from ..lib.viewconfig import admin_view

NGINX_EVENT_TYPES = ("operations__nginx_cache_expire", "operations__nginx_cache_flush")


class ViewOperations(Handler):
    @view_config(route_name="admin:operations")
    def index(self):
        return HTTPSeeOther(location=self.request.route_path("admin:operations:log"))

    @admin_view("admin:operations:log", renderer="/admin/operations-log.mako", paginate=True)
    def log(self):
        """The OperationsEvents, newest first; `?event_type=NAME` filters by type."""
        event_type = self.request.GET.get("event_type")
        event_type_ids = None
        if event_type:
            try:
                event_type_ids = [model_utils.OperationsEventType.from_string(event_type)]
            except ValueError:
                raise HTTPNotFound("Unknown event_type `%s`." % event_type)
        pagination = self.paginate(get.get__OperationsEvent__count(self.ctx, event_type_ids=event_type_ids))
        items = get.get__OperationsEvent__paginated(
            self.ctx, pagination.items_per_page, pagination.offset, event_type_ids=event_type_ids
        )
        if self.is_json:
            return {"OperationsEvents": [e.as_json for e in items], "pagination": pagination.as_json()}
        return {
            "OperationsEvents": items,
            "pagination": pagination,
            "event_type": event_type,
            "event_types": model_utils.OperationsEventType.options(),
        }

    def _events_of_types(self, names):
        """One page of the OperationsEvents of the given types, newest first."""
        event_type_ids = [model_utils.OperationsEventType.from_string(name) for name in names]
        pagination = self.paginate(get.get__OperationsEvent__count(self.ctx, event_type_ids=event_type_ids))
        items = get.get__OperationsEvent__paginated(
            self.ctx, pagination.items_per_page, pagination.offset, event_type_ids=event_type_ids
        )
        if self.is_json:
            return {"OperationsEvents": [e.as_json for e in items], "pagination": pagination.as_json()}
        return {"OperationsEvents": items, "pagination": pagination}

    @admin_view("admin:operations:nginx", renderer="/admin/operations-nginx.mako", paginate=True)
    def nginx(self):
        """The nginx cache flushes and expiries, newest first, each with every server's outcome."""
        return self._events_of_types(NGINX_EVENT_TYPES)

    @admin_view("admin:operations:redis", renderer="/admin/operations-redis.mako", paginate=True)
    def redis(self):
        """The Redis primes (`operations__redis_prime` OperationsEvents), newest first, with their counts."""
        return self._events_of_types(["operations__redis_prime"])

    @admin_view("admin:operations:log:focus", renderer="/admin/operations-log-focus.mako")
    def focus(self):
        """One OperationsEvent, with its children and the objects it touched."""
        dbEvent = self.load(get.get__OperationsEvent__by_id, "OperationsEvent")
        if dbEvent is None:
            raise HTTPNotFound("The OperationsEvent was not found.")
        children = get.get__OperationsEvent__children(self.ctx, dbEvent.id)
        object_events = get.get__OperationsObjectEvent__by_event_id(self.ctx, dbEvent.id)
        if self.is_json:
            return {
                "OperationsEvent": dbEvent.as_json,
                "children": [c.as_json for c in children],
                "OperationsObjectEvents": [o.as_json for o in object_events],
            }
        return {
            "OperationsEvent": dbEvent,
            "payload": json.dumps(json.loads(dbEvent.event_payload), indent=2, sort_keys=True),
            "children": children,
            "OperationsObjectEvents": object_events,
            "object_label": object_label,
        }

    @admin_view("admin:operations:object_log", renderer="/admin/operations-object-log.mako", paginate=True)
    def object_log(self):
        """The OperationsObjectEvents, newest first: what each operation did to each object."""
        return self.paged_list_as_list(
            get.query__OperationsObjectEvent(), "OperationsObjectEvents", object_label=object_label, object_url=object_url
        )

    @admin_view("admin:operations:object_log:focus", renderer="/admin/operations-object-log-focus.mako")
    def object_log_focus(self):
        """One OperationsObjectEvent: the object, what was done to it, and its OperationsEvent."""
        dbObjectEvent = self.load(get.get__OperationsObjectEvent__by_id, "OperationsObjectEvent")
        if self.is_json:
            return {
                "OperationsObjectEvent": dbObjectEvent.as_json,
                "OperationsEvent": dbObjectEvent.operations_event.as_json,
            }
        return {
            "OperationsObjectEvent": dbObjectEvent,
            "OperationsEvent": dbObjectEvent.operations_event,
            "object_label": object_label,
            "object_url": object_url,
        }


# the focus route of each object an OperationsObjectEvent may point at (``OBJECT_COLUMNS``'s keys)
OBJECT_FOCUS_ROUTES = {
    "AcmeAccount": "admin:acme_account:focus",
    "AcmeOrder": "admin:acme_order:focus",
    "CertificateCA": "admin:certificate_ca:focus",
    "CertificateCAChain": "admin:certificate_ca_chain:focus",
    "CertificateRequest": "admin:certificate_request:focus",
    "CertificateSigned": "admin:certificate_signed:focus",
    "PrivateKey": "admin:private_key:focus",
    "QueueCertificate": "admin:queue_certificate:focus",
    "QueueDomain": "admin:queue_domain:focus",
    "UniqueFQDNSet": "admin:unique_fqdn_set:focus",
}


def object_url(request, dbObjectEvent):
    """The admin page of the object an OperationsObjectEvent points at, or None (an account key
    has no page of its own)."""
    for class_name, column in OBJECT_COLUMNS.items():
        value = getattr(dbObjectEvent, column)
        if value is None:
            continue
        if class_name == "Domain":
            return request.route_path("admin:domain:focus", domain_identifier=value)
        route = OBJECT_FOCUS_ROUTES.get(class_name)
        return request.route_path(route, id=value) if route else None
    return None


def object_label(dbObjectEvent) -> str:
    """``Domain 12``: the one object an OperationsObjectEvent points at."""
    for class_name, column in OBJECT_COLUMNS.items():
        value = getattr(dbObjectEvent, column)
        if value is not None:
            return "%s %s" % (class_name, value)
    return "-"
