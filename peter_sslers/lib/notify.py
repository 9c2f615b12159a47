"""Sending notifications: a signed webhook (``requests``) and an email (``smtplib``). Pure: plain
values in, an exception out on failure; no database, no Pyramid. The outbox that decides what
to send and when is ``lib.db.notifications``.

The webhook's signature (docs/Coverage_Assurance.md, "Webhook")::

    X-Peter-SSLers-Timestamp: <unix seconds when sent>
    X-Peter-SSLers-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>
    X-Peter-SSLers-Delivery: <notification id>  (the same on every retry: deduplicate on it)

A receiver recomputes the HMAC over the timestamp header, a dot and the raw body bytes,
compares in constant time, and refuses a timestamp older than a few minutes (a replay).
"""

import hashlib
import hmac
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from typing import Optional
from typing import Sequence

import requests

from . import errors

HEADER_SIGNATURE = "X-Peter-SSLers-Signature"
HEADER_TIMESTAMP = "X-Peter-SSLers-Timestamp"
HEADER_DELIVERY = "X-Peter-SSLers-Delivery"
USER_AGENT = "peter_sslers-notify"
# what an error message keeps of an answer's body
BODY_EXCERPT = 200


class NotificationFailed(errors.PeterSSLersError):
    """A webhook or an email could not be delivered; ``message`` says why (stored as ``last_error``)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def signed_string(timestamp: int, body: bytes) -> bytes:
    return str(int(timestamp)).encode("ascii") + b"." + body


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Peter-SSLers-Signature``."""
    digest = hmac.new(secret.encode("utf-8"), signed_string(timestamp, body), hashlib.sha256).hexdigest()
    return "sha256=" + digest


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and the tests): constant-time comparison of the signature."""
    try:
        expected = sign(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature or "")


def send_webhook(
    url: str,
    body: bytes,
    timestamp: int,
    delivery_id: str,
    secret: Optional[str] = None,
    timeout: Optional[float] = None,
) -> int:
    """POST ``body`` (JSON) to ``url``; any 2xx is delivered.

    :returns: the HTTP status.
    :raises NotificationFailed: no answer, or an answer that is not 2xx.
    """
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER_TIMESTAMP: str(int(timestamp)),
        HEADER_DELIVERY: str(delivery_id),
    }
    if secret:
        headers[HEADER_SIGNATURE] = sign(secret, timestamp, body)
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise NotificationFailed("webhook: %s" % (exc.__class__.__name__ + ": " + str(exc))[:500]) from None
    if not 200 <= response.status_code < 300:
        raise NotificationFailed(
            "webhook: HTTP %s: %s" % (response.status_code, response.text[:BODY_EXCERPT].strip() or "(no body)")
        )
    return response.status_code


def build_email(mail_from: str, mail_to: Sequence[str], subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(mail_to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="peter-sslers")
    message.set_content(text)
    return message


def send_email(
    message: EmailMessage,
    host: str,
    port: int,
    starttls: bool = False,
    username: Optional[str] = None,
    password: Optional[str] = None,
    timeout: Optional[float] = None,
    ca_bundle: Optional[str] = None,
) -> dict:
    """Send ``message`` through an SMTP server: STARTTLS first when asked (the certificate is
    verified, against ``ca_bundle`` when given), then AUTH when a username is given.

    :returns: the recipients refused while others were accepted (``{address: (code, reply)}``):
        the message went out, so it is not sent again.
    :raises NotificationFailed: the server is unreachable, refuses STARTTLS, the login or every recipient.
    """
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if starttls:
                context = ssl.create_default_context(cafile=ca_bundle)
                smtp.starttls(context=context)
                smtp.ehlo()
            if username:
                smtp.login(username, password or "")
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise NotificationFailed("email: %s" % (exc.__class__.__name__ + ": " + str(exc))[:500]) from None
    return refused
