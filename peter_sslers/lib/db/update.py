"""State transitions of existing objects. Each one logs what it did."""

from ...model.objects import Domain
from .. import errors
from .logger import log__OperationsEvent
from .logger import log__OperationsObjectEvent

DOMAIN_MARK_ACTIONS = ("active", "inactive")


def update_Domain__mark(ctx, dbDomain: Domain, action: str) -> str:
    """Mark a Domain active (managed) or inactive.

    :returns: the event name written.
    :raises errors.InvalidRequest: an unknown action.
    :raises errors.InvalidTransition: the Domain is already in that state.
    """
    if action not in DOMAIN_MARK_ACTIONS:
        raise errors.InvalidRequest(
            "`action` must be one of: %s." % ", ".join(DOMAIN_MARK_ACTIONS), field="action"
        )
    want_active = action == "active"
    if dbDomain.is_active == want_active:
        raise errors.InvalidTransition("The Domain is already %s." % action, field="action")
    event_name = "Domain__mark__%s" % action
    dbOperationsEvent = log__OperationsEvent(
        ctx, event_name, {"domain_id": dbDomain.id, "domain_name": dbDomain.domain_name, "action": action}
    )
    dbDomain.is_active = want_active
    ctx.dbsession.flush(objects=[dbDomain])
    log__OperationsObjectEvent(ctx, event_name, dbDomain, dbOperationsEvent)
    return event_name
