"""The notification outbox (issue 12, item 6).

``enqueue_for_event`` writes one ``Notification`` row per configured channel (webhook, email)
in the transaction that raises the coverage event: a rolled-back event sends nothing, and a
crash between the commit and the sending loses nothing (the row waits). ``deliver_pending``
sends what is due after the commit: the job runner (``peter_sslers_job INI notify``, and at the
end of the ``update``/``process`` jobs) and the admin route ``/api/notifications/deliver``.

Each row is claimed by one guarded UPDATE (due, still pending) that moves its next attempt a
lease ahead and is committed before anything is sent, so two deliverers never send the same
row at once. Delivery is at least once: a crash after the send and before the outcome is
committed sends it again after the lease (the webhook's ``X-Peter-SSLers-Delivery`` header
lets a receiver drop the repeat). A failure is retried with exponential back-off
(``RETRY_BASE_SECONDS`` doubling, at most ``RETRY_MAX_SECONDS``) until ``notify_max_attempts``
attempts, then the row is ``failed`` (shown on the notifications page).
"""

import datetime
import json
from typing import Any
from typing import Dict
from typing import Optional

import sqlalchemy as sa

from ...model import utils as model_utils
from ...model.objects import CoverageAssuranceEvent
from ...model.objects import Notification
from .. import notify
from .logger import log__OperationsEvent

N_CHANNEL = model_utils.NotificationChannel
N_STATUS = model_utils.NotificationStatus

KIND_COVERAGE_EVENT = "coverage_assurance_event"
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
# a claimed row is someone's for this long; after it, it is due again (the sender died)
LEASE_SECONDS = 600
# rows one delivery run handles at most
DELIVER_LIMIT = 100


def query__Notification(which: str = "all"):
    statement = sa.select(Notification)
    if which in N_STATUS.options():
        statement = statement.where(Notification.notification_status_id == N_STATUS.from_string(which))
    elif which != "all":
        raise ValueError(which)
    return statement.order_by(Notification.id.desc())


def count_pending(ctx) -> int:
    return ctx.dbsession.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.notification_status_id == N_STATUS.PENDING)
    )


def channels(settings) -> list:
    """The channels configured now."""
    found = []
    if settings.notify_webhook_url:
        found.append("webhook")
    if settings.notify_email_to:
        found.append("email")
    return found


def _admin_path(ctx, dbEvent: CoverageAssuranceEvent) -> str:
    return "%s/coverage-assurance-event/%s" % (ctx.settings.admin_prefix, dbEvent.id)


def event_payload(ctx, dbEvent: CoverageAssuranceEvent) -> Dict[str, Any]:
    """The JSON a notification carries about an event (with its children, for a key)."""
    ctx.dbsession.flush()
    path = _admin_path(ctx, dbEvent)
    payload = {
        "v": 1,
        "kind": KIND_COVERAGE_EVENT,
        "summary": "%s: %s" % (dbEvent.coverage_assurance_event_type, dbEvent.message),
        "CoverageAssuranceEvent": dbEvent.as_json,
        "children": [c.as_json for c in dbEvent.children],
        "admin_path": path,
    }
    if ctx.settings.admin_url:
        # admin_url is the full URL of the admin tool (prefix included)
        payload["admin_url"] = ctx.settings.admin_url + path[len(ctx.settings.admin_prefix) :]
    return payload


def enqueue_for_event(ctx, dbEvent: CoverageAssuranceEvent) -> list:
    """Write the event's notifications, one per configured channel, due now.

    :returns: the rows written (none when no channel is configured).
    """
    payload = json.dumps(event_payload(ctx, dbEvent), sort_keys=True)
    rows = []
    for channel in channels(ctx.settings):
        dbNotification = Notification()
        dbNotification.timestamp_created = ctx.timestamp
        dbNotification.kind = KIND_COVERAGE_EVENT
        dbNotification.notification_channel_id = N_CHANNEL.from_string(channel)
        dbNotification.notification_status_id = N_STATUS.PENDING
        dbNotification.payload = payload
        dbNotification.attempts = 0
        dbNotification.timestamp_next_attempt = ctx.timestamp
        dbNotification.coverage_assurance_event_id = dbEvent.id
        ctx.dbsession.add(dbNotification)
        rows.append(dbNotification)
    ctx.dbsession.flush()
    return rows


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8... minutes, at most 6 hours."""
    seconds = RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return datetime.timedelta(seconds=min(seconds, RETRY_MAX_SECONDS))


def _claim(ctx, notification_id: int) -> bool:
    table = Notification.__table__
    statement = (
        sa.update(table)
        .where(
            table.c.id == notification_id,
            table.c.notification_status_id == N_STATUS.PENDING,
            table.c.timestamp_next_attempt <= ctx.timestamp,
        )
        .values(
            timestamp_next_attempt=ctx.timestamp + datetime.timedelta(seconds=LEASE_SECONDS),
            timestamp_last_attempt=ctx.timestamp,
            attempts=table.c.attempts + 1,
        )
        .returning(table.c.id)
    )
    return bool(ctx.dbsession.execute(statement).scalars().all())


def email_text(payload: dict) -> tuple:
    """(subject, body) of the email telling ``payload``."""
    event = payload.get("CoverageAssuranceEvent") or {}
    subject = "[peter_sslers] %s" % payload.get("summary", "notification")
    if len(subject) > 200:
        subject = subject[:199] + "\u2026"
    lines = [payload.get("summary", ""), ""]
    for key in ("coverage_assurance_event_type", "timestamp_created", "domain_names", "certificate_signed_id",
                "private_key_id", "queue_certificate_id", "acme_account_id"):
        value = event.get(key)
        if value:
            lines.append("%s: %s" % (key, ", ".join(value) if isinstance(value, list) else value))
    for child in payload.get("children") or []:
        lines.append("- %s" % child.get("message"))
    lines += ["", "Admin: %s" % (payload.get("admin_url") or payload.get("admin_path")), "", "--", json.dumps(payload, indent=2, sort_keys=True)]
    return subject, "\n".join(lines) + "\n"


def _send(ctx, dbNotification: Notification) -> Optional[str]:
    """Send one row. :returns: a note for a partial success. :raises notify.NotificationFailed:"""
    settings = ctx.settings
    channel = dbNotification.notification_channel
    if channel == "webhook":
        if not settings.notify_webhook_url:
            raise notify.NotificationFailed("webhook: `notify_webhook_url` is no longer set")
        notify.send_webhook(
            settings.notify_webhook_url,
            dbNotification.payload.encode("utf-8"),
            timestamp=int(ctx.timestamp.timestamp()),
            delivery_id=str(dbNotification.id),
            secret=settings.notify_webhook_secret,
            timeout=settings.notify_webhook_timeout,
        )
        return None
    if not settings.notify_email_to:
        raise notify.NotificationFailed("email: `notify_email_to` is no longer set")
    subject, text = email_text(dbNotification.payload_json)
    message = notify.build_email(settings.notify_email_from, settings.notify_email_to, subject, text)
    refused = notify.send_email(
        message,
        settings.smtp_host,
        settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout,
        ca_bundle=settings.smtp_ca_bundle,
    )
    if refused:
        return "email: sent, but recipients refused: %s" % ", ".join(sorted(refused))
    return None


def deliver_pending(ctx, limit: int = DELIVER_LIMIT) -> Dict[str, Any]:
    """Send the notifications that are due (oldest first), each claimed and committed first.

    Commits (``ctx.checkpoint``) around each send: call it after the work that wrote the rows
    has been committed, never inside a transaction that may still roll back.

    :returns: ``{"count_sent", "count_retry", "count_failed", "count_pending", "errors"}``.
    """
    results: Dict[str, Any] = {"count_sent": 0, "count_retry": 0, "count_failed": 0, "errors": {}}
    due = ctx.dbsession.scalars(
        sa.select(Notification.id)
        .where(Notification.notification_status_id == N_STATUS.PENDING, Notification.timestamp_next_attempt <= ctx.timestamp)
        .order_by(Notification.timestamp_next_attempt.asc(), Notification.id.asc())
        .limit(limit)
    ).all()
    max_attempts = ctx.settings.notify_max_attempts
    for notification_id in due:
        if not _claim(ctx, notification_id):
            continue  # another deliverer has it
        # the claim is durable before anything is sent: no other deliverer sends it meanwhile
        ctx.checkpoint()
        dbNotification = ctx.dbsession.scalars(
            sa.select(Notification).where(Notification.id == notification_id).execution_options(populate_existing=True)
        ).one()
        try:
            note = _send(ctx, dbNotification)
        except notify.NotificationFailed as exc:
            dbNotification.last_error = exc.message
            results["errors"][str(notification_id)] = exc.message
            if dbNotification.attempts >= max_attempts:
                dbNotification.notification_status_id = N_STATUS.FAILED
                results["count_failed"] += 1
            else:
                dbNotification.timestamp_next_attempt = ctx.timestamp + retry_delay(dbNotification.attempts)
                results["count_retry"] += 1
        else:
            dbNotification.notification_status_id = N_STATUS.SENT
            dbNotification.timestamp_sent = ctx.timestamp
            dbNotification.last_error = note
            results["count_sent"] += 1
        ctx.dbsession.flush()
        ctx.checkpoint()
    results["count_pending"] = count_pending(ctx)
    if results["count_sent"] or results["count_retry"] or results["count_failed"]:
        log__OperationsEvent(ctx, "Notification__deliver", {k: v for k, v in results.items()})
        ctx.dbsession.flush()
    return results
