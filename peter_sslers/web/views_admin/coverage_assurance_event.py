"""Coverage assurance events (issue 12, item 5): lists (all, unresolved), focus, children, mark
(resolve by hand); the notification outbox: its list and the delivery job (item 6).
See docs/Coverage_Assurance.md."""

from pyramid.httpexceptions import HTTPSeeOther

from ...lib import errors
from ...lib.db import coverage
from ...lib.db import notifications
from ..lib import forms
from ..lib import forms_queue
from ..lib.handler import focus_loader
from ..lib.viewconfig import admin_view
from .acme_handler import AcmeHandler

LIST_TITLES = {"all": "Coverage assurance events: all", "unresolved": "Coverage assurance events: unresolved"}
MARK_EXAMPLE = "curl --form 'action=resolution' --form 'resolution=abandoned' {ADMIN_URL}/coverage-assurance-event/1/mark.json"


@focus_loader("admin:coverage_assurance_event:focus")
def load_coverage_assurance_event(handler):
    return handler.load(coverage.get__CoverageAssuranceEvent__by_id, "CoverageAssuranceEvent")


class ViewList(AcmeHandler):
    @admin_view("admin:coverage_assurance_events")
    def index(self):
        """Redirects to all the events."""
        return HTTPSeeOther(
            location=self.request.route_path("admin:coverage_assurance_events:all" + ("|json" if self.is_json else ""))
        )

    def _list(self, which: str):
        return self.paged_list_as_list(
            coverage.query__CoverageAssuranceEvent(which),
            "CoverageAssuranceEvents",
            page_title=LIST_TITLES[which],
            which=which,
            ParentEvent=None,
            count_unresolved=coverage.count_unresolved(self.ctx),
        )

    @admin_view(
        "admin:coverage_assurance_events:all", renderer="/admin/coverage_assurance_events.mako", paginate=True
    )
    def list_all(self):
        """Every coverage assurance event, newest first."""
        return self._list("all")

    @admin_view(
        "admin:coverage_assurance_events:unresolved", renderer="/admin/coverage_assurance_events.mako", paginate=True
    )
    def list_unresolved(self):
        """The events still unresolved, newest first: what endangers a name's certificate now."""
        return self._list("unresolved")


class ViewFocus(AcmeHandler):
    @admin_view("admin:coverage_assurance_event:focus", renderer="/admin/coverage_assurance_event-focus.mako")
    def focus(self):
        """One event: what, about which objects, its resolution, its children and notifications."""
        dbEvent = load_coverage_assurance_event(self)
        if self.is_json:
            return {
                "result": "success",
                "CoverageAssuranceEvent": dbEvent.as_json,
                "valid_resolutions": coverage.valid_resolutions(dbEvent),
                "children_count": len(dbEvent.children),
            }
        children = self.ctx.dbsession.scalars(
            coverage.query__CoverageAssuranceEvent__children(dbEvent).limit(10)
        ).all()
        sent = self.ctx.dbsession.scalars(
            notifications.query__Notification("all").where(
                notifications.Notification.coverage_assurance_event_id == dbEvent.id
            )
        ).all()
        return {
            "CoverageAssuranceEvent": dbEvent,
            "children": children,
            "children_count": len(dbEvent.children),
            "valid_resolutions": coverage.valid_resolutions(dbEvent),
            "Notifications": sent,
        }

    @admin_view(
        "admin:coverage_assurance_event:focus:children",
        renderer="/admin/coverage_assurance_events.mako",
        paginate=True,
    )
    def children(self):
        """The child events of an event (one per certificate of a compromised key)."""
        dbEvent = load_coverage_assurance_event(self)
        return self.paged_list_as_list(
            coverage.query__CoverageAssuranceEvent__children(dbEvent),
            "CoverageAssuranceEvents",
            page_title="Coverage assurance event %s: children" % dbEvent.id,
            which="children",
            ParentEvent=dbEvent,
            count_unresolved=coverage.count_unresolved(self.ctx),
        )

    @admin_view(
        "admin:coverage_assurance_event:focus:mark",
        post=True,
        schema=forms_queue.CoverageAssuranceEventMark,
        about="Resolve an event by hand (`abandoned`, `PrivateKey_replaced`, `CertificateSigned_replaced`), "
        "or reopen it (`unresolved`).",
        example=MARK_EXAMPLE,
        notes=(
            "Only the transitions the event allows are accepted: an unresolved event can be `abandoned`, "
            "`CertificateSigned_replaced` (it names certificates) or `PrivateKey_replaced` (a compromised "
            "key); a resolved one can only be reopened (`unresolved`). Anything else is HTTP 400, nothing changed.",
            "Resolving a key's event resolves its unresolved children alike.",
            "Events also resolve themselves (`CertificateSigned_replaced`) when a valid replacement certificate "
            "is stored.",
        ),
    )
    def mark(self):
        dbEvent = load_coverage_assurance_event(self)
        focus_url = self.request.route_path("admin:coverage_assurance_event:focus", id=dbEvent.id)
        resolution = self.posted_text("resolution")
        try:
            values = self.validate(forms_queue.CoverageAssuranceEventMark)
            coverage.mark_resolution(self.ctx, dbEvent, values["resolution"])
        except errors.InvalidRequest as exc:
            return self.action_error(exc, focus_url, "mark", resolution=resolution)
        if self.is_json:
            return {
                "result": "success",
                "operation": "mark",
                "action": "resolution",
                "CoverageAssuranceEvent": dbEvent.as_json,
            }
        return self.redirect_result(focus_url, "success", "mark", resolution=resolution)


class ViewNotifications(AcmeHandler):
    @admin_view("admin:notifications", renderer="/admin/notifications.mako", paginate=True)
    def list(self):
        """The notification outbox, newest first: channel, status, attempts, last error."""
        return self.paged_list(
            notifications.query__Notification("all"),
            "Notifications",
            page_title="Notifications",
            channels=notifications.channels(self.settings),
            count_pending=notifications.count_pending(self.ctx),
        )

    def _get_deliver(self):
        return {"page_title": "Send the notifications that are due", "result": None}

    def _deliver_extra(self) -> dict:
        return {
            "channels": notifications.channels(self.settings),
            "count_pending": notifications.count_pending(self.ctx),
        }

    @admin_view(
        "admin:api:notifications:deliver",
        renderer="/admin/api-job.mako",
        post=True,
        get="_get_deliver",
        get_extra="_deliver_extra",
        schema=forms.ActionNoFields,
        about="Send the notifications that are due (webhook, email); a failed one is retried later with "
        "exponential back-off, up to `notify_max_attempts` times.",
        example="peter_sslers_prequest -m POST example_development.ini /.well-known/admin/api/notifications/deliver.json "
        "< /dev/null",
        notes=(
            "`results`: `count_sent`, `count_retry` (failed now, tried again later), `count_failed` (gave up), "
            "`count_pending` (left, due later), `errors` (notification id: why).",
            "`peter_sslers_job INI notify` does the same from cron.",
        ),
    )
    def deliver(self):
        results = notifications.deliver_pending(self.ctx)
        payload = {"result": "success", "operation": "deliver", "results": results}
        return payload if self.is_json else {"page_title": "Send the notifications that are due", "result": payload}
