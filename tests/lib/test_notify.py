"""Notifications (issue 12, item 6): the outbox written with a coverage event, delivered after the
commit to real servers on loopback: a webhook receiver (http.server in a thread) that checks the
HMAC-SHA256 signature, and SMTP servers (aiosmtpd), one plain and one with STARTTLS and AUTH.
Retries use the context's clock (``ctx.timestamp``), never a sleep."""

import dataclasses
import datetime
import email
import http.server
import json
import ssl
import threading

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from aiosmtpd.smtp import LoginPassword

from peter_sslers import config
from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.lib import notify
from peter_sslers.lib.db import coverage
from peter_sslers.lib.db import notifications
from peter_sslers.model import objects as m
from peter_sslers.model.meta import utcnow
from tests import factories as f
from tests.pebble import free_port
from tests.pebble import write_tls_files

SECRET = "webhook-secret-\u00e9"


# --- the servers, one of each per module


class WebhookReceiver:
    """Records each POST; answers the statuses queued in ``answers`` (then 200)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        receiver = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        self.requests.clear()
        self.answers.clear()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


class MailSink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.content),
                "login": getattr(session, "auth_data", None),
                "tls": session.ssl is not None,
            }
        )
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret"):
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


@pytest.fixture(scope="module")
def smtp_plain():
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture(scope="module")
def smtp_tls(tmp_path_factory):
    """STARTTLS required before anything, then AUTH required: a submission server."""
    files = write_tls_files(str(tmp_path_factory.mktemp("smtp_tls")))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files["cert"], files["key"])
    sink = MailSink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
    )
    controller.start()
    yield controller, sink, files["ca"]
    controller.stop()


# --- helpers


def with_settings(ctx, **values):
    ctx.settings = dataclasses.replace(ctx.settings, **values)
    return ctx


def expiring_certificate(s, days=3):
    now = utcnow()
    return f.make_certificate_signed(
        s, timestamp_not_before=now - datetime.timedelta(days=87), timestamp_not_after=now + datetime.timedelta(days=days)
    )


def raise_one(ctx) -> m.CoverageAssuranceEvent:
    dbCertificate = expiring_certificate(ctx.dbsession)
    raised = coverage.check_expiring(ctx)
    assert list(raised) == [str(dbCertificate.id)]
    ctx.dbsession.commit()
    return ctx.dbsession.get(m.CoverageAssuranceEvent, int(raised[str(dbCertificate.id)]))


def rows(ctx):
    return ctx.dbsession.scalars(sa.select(m.Notification).order_by(m.Notification.id)).all()


# --- webhook


def test_webhook_is_signed_and_sent_once(db, ctx, receiver):
    receiver.reset()
    with_settings(ctx, notify_webhook_url=receiver.url, notify_webhook_secret=SECRET)
    dbEvent = raise_one(ctx)
    (row,) = rows(ctx)
    assert (row.notification_channel, row.notification_status, row.attempts) == ("webhook", "pending", 0)
    assert receiver.requests == []  # nothing is sent before delivery (after the commit)

    results = notifications.deliver_pending(ctx)
    assert results["count_sent"] == 1 and results["count_pending"] == 0
    ((headers, body),) = receiver.requests
    assert headers["Content-Type"] == "application/json"
    assert headers[notify.HEADER_DELIVERY] == str(row.id)
    assert int(headers[notify.HEADER_TIMESTAMP]) == int(ctx.timestamp.timestamp())
    assert notify.verify(SECRET, headers[notify.HEADER_TIMESTAMP], body, headers[notify.HEADER_SIGNATURE])
    # the scheme, spelled out: HMAC-SHA256 over "<timestamp>." + the raw body
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), headers[notify.HEADER_TIMESTAMP].encode() + b"." + body, hashlib.sha256)
    assert headers[notify.HEADER_SIGNATURE] == "sha256=" + expected.hexdigest()
    assert not notify.verify(SECRET, headers[notify.HEADER_TIMESTAMP], body + b" ", headers[notify.HEADER_SIGNATURE])
    assert not notify.verify("other", headers[notify.HEADER_TIMESTAMP], body, headers[notify.HEADER_SIGNATURE])
    payload = json.loads(body)
    assert payload["kind"] == "coverage_assurance_event"
    assert payload["CoverageAssuranceEvent"]["id"] == str(dbEvent.id)
    assert payload["CoverageAssuranceEvent"]["coverage_assurance_event_type"] == "CertificateSigned_expiring"
    assert payload["admin_path"].endswith("/coverage-assurance-event/%s" % dbEvent.id)
    ctx.dbsession.expire_all()
    (row,) = rows(ctx)
    assert (row.notification_status, row.attempts, row.timestamp_sent) == ("sent", 1, ctx.timestamp)
    # sent once: delivering again sends nothing
    assert notifications.deliver_pending(ctx)["count_sent"] == 0 and len(receiver.requests) == 1


def test_webhook_500_then_200_is_retried_after_the_back_off(db, ctx, receiver):
    receiver.reset()
    receiver.answers[:] = [500]
    with_settings(ctx, notify_webhook_url=receiver.url)
    raise_one(ctx)
    results = notifications.deliver_pending(ctx)
    assert (results["count_sent"], results["count_retry"]) == (0, 1)
    assert "HTTP 500" in list(results["errors"].values())[0]
    (row,) = rows(ctx)
    assert (row.notification_status, row.attempts) == ("pending", 1) and "HTTP 500" in row.last_error
    assert row.timestamp_next_attempt == ctx.timestamp + datetime.timedelta(seconds=notifications.RETRY_BASE_SECONDS)
    # not due yet: nothing is sent
    assert notifications.deliver_pending(ctx)["count_sent"] == 0 and len(receiver.requests) == 1
    # the clock moves past the back-off: the retry is delivered, with the same delivery id
    ctx.timestamp += datetime.timedelta(seconds=notifications.RETRY_BASE_SECONDS + 1)
    assert notifications.deliver_pending(ctx)["count_sent"] == 1
    first, second = receiver.requests
    assert first[0][notify.HEADER_DELIVERY] == second[0][notify.HEADER_DELIVERY] and first[1] == second[1]
    assert notify.HEADER_SIGNATURE not in second[0]  # no secret configured: no signature
    ctx.dbsession.expire_all()
    (row,) = rows(ctx)
    assert (row.notification_status, row.attempts) == ("sent", 2)


def test_back_off_doubles_and_gives_up_after_max_attempts(db, ctx, receiver):
    assert [notifications.retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert notifications.retry_delay(50).total_seconds() == notifications.RETRY_MAX_SECONDS
    receiver.reset()
    receiver.answers[:] = [503, 503]
    with_settings(ctx, notify_webhook_url=receiver.url, notify_max_attempts=2)
    raise_one(ctx)
    assert notifications.deliver_pending(ctx)["count_retry"] == 1
    ctx.timestamp += datetime.timedelta(hours=1)
    assert notifications.deliver_pending(ctx)["count_failed"] == 1
    ctx.dbsession.expire_all()
    (row,) = rows(ctx)
    assert (row.notification_status, row.attempts) == ("failed", 2) and "HTTP 503" in row.last_error
    ctx.timestamp += datetime.timedelta(days=1)
    assert notifications.deliver_pending(ctx)["count_sent"] == 0 and len(receiver.requests) == 2


def test_a_rolled_back_event_sends_nothing(db, ctx, receiver):
    receiver.reset()
    with_settings(ctx, notify_webhook_url=receiver.url)
    expiring_certificate(ctx.dbsession)
    ctx.dbsession.commit()
    assert coverage.check_expiring(ctx)  # raised, and its notification written...
    assert len(rows(ctx)) == 1
    ctx.dbsession.rollback()  # ...in a transaction that does not commit
    assert rows(ctx) == [] and coverage.count_unresolved(ctx) == 0
    assert notifications.deliver_pending(ctx)["count_sent"] == 0
    assert receiver.requests == []


def test_an_unreachable_webhook_is_a_retry(db, ctx):
    with_settings(ctx, notify_webhook_url="http://127.0.0.1:%d/hook" % free_port(), notify_webhook_timeout=2.0)
    raise_one(ctx)
    results = notifications.deliver_pending(ctx)
    assert results["count_retry"] == 1 and "ConnectionError" in list(results["errors"].values())[0]


# --- email


def test_email_through_a_plain_smtp_server(db, ctx, smtp_plain):
    controller, sink = smtp_plain
    sink.messages.clear()
    with_settings(
        ctx,
        notify_email_to=("ops@example.com", "oncall@example.com"),
        notify_email_from="peter@example.com",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
    )
    dbEvent = raise_one(ctx)
    assert notifications.deliver_pending(ctx)["count_sent"] == 1
    (got,) = sink.messages
    assert got["mail_from"] == "peter@example.com" and got["rcpt_tos"] == ["ops@example.com", "oncall@example.com"]
    assert got["tls"] is False
    message = got["message"]
    assert message["Subject"].startswith("[peter_sslers] CertificateSigned_expiring: Certificate %s" % dbEvent.certificate_signed_id)
    assert "/coverage-assurance-event/%s" % dbEvent.id in message.get_payload()


def test_email_with_starttls_and_auth(db, ctx, smtp_tls):
    controller, sink, ca_file = smtp_tls
    sink.messages.clear()
    with_settings(
        ctx,
        notify_email_to=("ops@example.com",),
        notify_email_from="peter@example.com",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=True,
        smtp_username="mailer",
        smtp_password="wrong",
        smtp_ca_bundle=ca_file,
    )
    raise_one(ctx)
    # a refused login is a failed attempt, retried later
    results = notifications.deliver_pending(ctx)
    assert results["count_retry"] == 1 and "SMTPAuthenticationError" in list(results["errors"].values())[0]
    assert sink.messages == []
    # without STARTTLS the server refuses anything else
    with_settings(ctx, smtp_starttls=False, smtp_password="s3cret")
    ctx.timestamp += datetime.timedelta(minutes=2)
    assert notifications.deliver_pending(ctx)["count_retry"] == 1 and sink.messages == []
    # an untrusted certificate (the system store does not know the throwaway CA) fails too
    with_settings(ctx, smtp_starttls=True, smtp_ca_bundle=None)
    ctx.timestamp += datetime.timedelta(minutes=5)
    results = notifications.deliver_pending(ctx)
    assert results["count_retry"] == 1 and "CERTIFICATE_VERIFY_FAILED" in list(results["errors"].values())[0]
    with_settings(ctx, smtp_ca_bundle=ca_file)
    ctx.timestamp += datetime.timedelta(minutes=10)
    assert notifications.deliver_pending(ctx)["count_sent"] == 1
    (got,) = sink.messages
    assert got["tls"] is True and got["rcpt_tos"] == ["ops@example.com"]
    assert got["message"]["Subject"].startswith("[peter_sslers] CertificateSigned_expiring")


def test_both_channels_get_one_row_each(db, ctx, receiver, smtp_plain):
    controller, sink = smtp_plain
    receiver.reset()
    sink.messages.clear()
    with_settings(
        ctx,
        notify_webhook_url=receiver.url,
        notify_email_to=("ops@example.com",),
        notify_email_from="peter@example.com",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
    )
    raise_one(ctx)
    assert sorted(r.notification_channel for r in rows(ctx)) == ["email", "webhook"]
    assert notifications.deliver_pending(ctx)["count_sent"] == 2
    assert len(receiver.requests) == 1 and len(sink.messages) == 1


def test_no_channel_writes_no_row(db, ctx):
    raise_one(ctx)
    assert rows(ctx) == []


# --- the options


def test_notification_options_rules():
    base = {"notify_email_to": "ops@example.com"}
    with pytest.raises(ConfigurationError, match="notify_email_from"):
        ApplicationSettings.from_settings(base)
    with pytest.raises(ConfigurationError, match="smtp_host"):
        ApplicationSettings.from_settings(dict(base, notify_email_from="p@example.com"))
    with pytest.raises(ConfigurationError, match="notify_email_to"):
        ApplicationSettings.from_settings({"notify_email_to": "not an address"})
    with pytest.raises(ConfigurationError, match="smtp_username"):
        ApplicationSettings.from_settings({"smtp_host": "smtp.example.com", "smtp_username": "u", "smtp_password": "p"})
    with pytest.raises(ConfigurationError, match="smtp_password"):
        ApplicationSettings.from_settings({"smtp_host": "127.0.0.1", "smtp_password": "p"})
    with pytest.raises(ConfigurationError, match="notify_webhook_secret"):
        ApplicationSettings.from_settings({"notify_webhook_secret": "x"})
    with pytest.raises(ConfigurationError, match="smtp_port"):
        ApplicationSettings.from_settings({"smtp_port": "70000"})
    settings = ApplicationSettings.from_settings(
        {
            "notify_webhook_url": "https://u:hunter2@hooks.example.com/x",
            "notify_webhook_secret": "hunter3",
            "smtp_host": "smtp.example.com",
            "smtp_starttls": "true",
            "smtp_username": "u",
            "smtp_password": "hunter4",
            "notify_email_to": "a@example.com, b@example.com",
            "notify_email_from": "p@example.com",
        }
    )
    assert settings.notify_email_to == ("a@example.com", "b@example.com")
    shown = {option.name: value for option, value in settings.effective()}
    assert shown["notify_webhook_secret"] == "********" and shown["smtp_password"] == "********"
    assert "hunter2" not in shown["notify_webhook_url"]
    assert "coverage_expiring_days" in config.OPTIONS_BY_NAME
