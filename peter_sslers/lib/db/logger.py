"""OperationsEvent and OperationsObjectEvent: the audit trail of every state change."""

from typing import Optional

import sqlalchemy as sa

from ...model import objects as model_objects
from ...model import utils as model_utils
from .. import utils

# ``Session.info`` key: a ``getcreate.write_in_one_savepoint`` is running (its inserts take no
# savepoint each, and the rows nothing refers to are written together at its end); its value is
# the list of the object events' rows waiting for ``flush_object_events``
ONE_SAVEPOINT = "peter_sslers.one_savepoint"

# Which OperationsObjectEvent column points at an object of each class.
OBJECT_COLUMNS = {
    "AcmeAccount": "acme_account_id",
    "AcmeAccountKey": "acme_account_key_id",
    "AcmeOrder": "acme_order_id",
    "CertificateCA": "certificate_ca_id",
    "CertificateCAChain": "certificate_ca_chain_id",
    "CertificateRequest": "certificate_request_id",
    "CertificateSigned": "certificate_signed_id",
    "Domain": "domain_id",
    "PrivateKey": "private_key_id",
    "QueueCertificate": "queue_certificate_id",
    "QueueDomain": "queue_domain_id",
    "UniqueFQDNSet": "unique_fqdn_set_id",
    "AcmeOrderless": "acme_orderless_id",
}


def log__OperationsEvent(
    ctx,
    event_type: str,
    payload: Optional[dict] = None,
    child_of: Optional["model_objects.OperationsEvent"] = None,
) -> "model_objects.OperationsEvent":
    """Record one operation. The first event of a unit of work becomes ``ctx.dbOperationsEvent``
    and, unless ``child_of`` says otherwise, the parent of the events logged after it.

    Inside a ``getcreate.write_in_one_savepoint`` the event is not flushed alone: it has no id
    yet, and the row it records refers to it by relationship (``operations_event__created``)."""
    if payload is None:
        payload = utils.new_event_payload()
    elif "v" not in payload:
        payload = utils.new_event_payload(**payload)
    if child_of is None:
        child_of = ctx.dbOperationsEvent
    dbOperationsEvent = model_objects.OperationsEvent()
    dbOperationsEvent.operations_event_type_id = model_utils.OperationsEventType.from_string(event_type)
    dbOperationsEvent.timestamp_event = ctx.timestamp
    dbOperationsEvent.event_payload = utils.dumps_payload(payload)
    if child_of is not None:
        if child_of.id is not None:
            dbOperationsEvent.operations_event_id__child_of = child_of.id
        else:  # a parent waiting for the flush of a write_in_one_savepoint
            dbOperationsEvent.parent = child_of
    ctx.dbsession.add(dbOperationsEvent)
    if ctx.dbsession.info.get(ONE_SAVEPOINT) is None:
        ctx.dbsession.flush(objects=[dbOperationsEvent])
    # else: flushed with the row it records (which points at it with a relationship, not its id)
    if ctx.dbOperationsEvent is None:
        ctx.dbOperationsEvent = dbOperationsEvent
    return dbOperationsEvent


def log__OperationsObjectEvent(
    ctx,
    status: str,
    dbObject,
    dbOperationsEvent: Optional["model_objects.OperationsEvent"] = None,
) -> "model_objects.OperationsObjectEvent":
    """Record what one operation did to one object.

    Nothing refers to this row, so inside a ``getcreate.write_in_one_savepoint`` it is not added
    to the session: its values wait in ``Session.info`` and the run writes them all with one
    executemany at its end (``flush_object_events``); the object returned is then transient."""
    dbOperationsEvent = dbOperationsEvent or ctx.dbOperationsEvent
    if dbOperationsEvent is None:
        raise ValueError("an OperationsObjectEvent needs an OperationsEvent")
    column = OBJECT_COLUMNS[type(dbObject).__name__]
    dbObjectEvent = model_objects.OperationsObjectEvent()
    dbObjectEvent.operations_object_event_status_id = model_utils.OperationsObjectEventStatus.from_string(status)
    setattr(dbObjectEvent, column, dbObject.id)
    pending = ctx.dbsession.info.get(ONE_SAVEPOINT)
    if pending is not None and dbOperationsEvent.id is not None and dbObject.id is not None:
        dbObjectEvent.operations_event_id = dbOperationsEvent.id
        row = dict.fromkeys(OBJECT_COLUMNS.values())
        row.update(
            operations_event_id=dbOperationsEvent.id,
            operations_object_event_status_id=dbObjectEvent.operations_object_event_status_id,
        )
        row[column] = dbObject.id
        pending.append(row)
        return dbObjectEvent
    if dbOperationsEvent.id is not None:
        dbObjectEvent.operations_event_id = dbOperationsEvent.id
    else:  # waiting for the flush of a write_in_one_savepoint
        dbObjectEvent.operations_event = dbOperationsEvent
    ctx.dbsession.add(dbObjectEvent)
    if pending is None:
        ctx.dbsession.flush(objects=[dbObjectEvent])
    return dbObjectEvent


def flush_object_events(ctx) -> None:
    """Write the object events a ``getcreate.write_in_one_savepoint`` keeps waiting: one INSERT,
    executemany (every row sets every object column, so they share one statement)."""
    pending = ctx.dbsession.info.get(ONE_SAVEPOINT)
    if pending:
        ctx.dbsession.execute(sa.insert(model_objects.OperationsObjectEvent.__table__), list(pending))
        del pending[:]
