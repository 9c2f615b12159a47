"""The one exception hierarchy of peter_sslers.

``lib`` code raises these; the web layer maps them to form errors, JSON error
envelopes and HTTP statuses. Callers branch on the class (and on codes carried as
attributes), never on message text.
"""

import contextlib


class PeterSSLersError(Exception):
    """Root of every error peter_sslers raises on purpose."""


class InvalidRequest(PeterSSLersError):
    """Input that cannot be used; nothing was changed.

    ``field`` names the form field at fault (None when the whole request is wrong).
    """

    def __init__(self, message: str, field: str = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FormInvalid(InvalidRequest):
    """Several fields failed validation: ``errors`` maps field name to message."""

    def __init__(self, errors: dict, message: str = "There was an error with your form."):
        super().__init__(message)
        self.errors = dict(errors)


class InvalidTransition(InvalidRequest):
    """The object exists but cannot move to the state asked for (e.g. re-activating a revoked certificate)."""


class ConflictingObject(InvalidRequest):
    """The request would duplicate or contradict an object that already exists."""


class DomainBlocklisted(InvalidRequest):
    """Names that are blocklisted (``DomainBlocklisted``): nothing is created for them, no order,
    set, queue item or Domain (``lib/db/validate.refuse_blocklisted``, the one rule; docs/Blocklist.md).
    ``names`` lists them, canonical and sorted."""

    def __init__(self, names, field: str = None):
        self.names = sorted(names)
        message = "Blocklisted: %s. A blocklisted name is never certified." % ", ".join(self.names)
        super().__init__(message, field=field)


class Http01SelfCheckFailed(InvalidRequest):
    """The http-01 self-check (``http01_selfcheck``): some names did not answer their probe
    through the public path, so no order was sent to the ACME server, not even for the names
    that passed (a renewal that dropped a name would leave it uncovered unnoticed).

    ``failures`` maps each failing name to the reason (time-out, refused, HTTP status, wrong
    body, DNS...); ``checked`` lists every name checked. An input error on ``domain_names``, so
    the renewal queue records the item as failed and the admin form shows the message.
    """

    def __init__(self, failures: dict, checked: list, field: str = "domain_names"):
        self.failures = dict(failures)
        self.checked = list(checked)
        message = "The http-01 self-check failed for %s of %s name(s); nothing was sent to the ACME server: %s" % (
            len(self.failures),
            len(self.checked),
            "; ".join("%s: %s" % (name, reason) for name, reason in sorted(self.failures.items())),
        )
        super().__init__(message, field=field)


class RateLimitDeferred(InvalidRequest):
    """An order that would go beyond one of the CA's rate limits (``lib.db.rate_limits``): it was
    NOT sent. ``limit`` names the limit (``orders_per_account``, ``certificates_per_domain``,
    ``duplicate_certificates``, ``failed_validations``), ``subject`` what it was counted for (an
    account id, a registered domain, a set of names, a name), ``count`` and ``maximum`` the count in
    the window and the limit, ``window`` its length (a timedelta), ``not_before`` the first time
    the window allows the order again (an aware datetime). The renewal queue defers its item to
    ``not_before``; a form shows the message.
    """

    def __init__(self, message: str, limit: str, subject: str, count: int, maximum: int, window, not_before):
        super().__init__(message, field="domain_names")
        self.limit = limit
        self.subject = subject
        self.count = count
        self.maximum = maximum
        self.window = window
        self.not_before = not_before


class ExternalAccountBindingError(InvalidRequest):
    """External Account Binding (RFC 8555 section 7.3.4) stops a registration: the ACME server
    requires it and none was given (refused before newAccount is sent: ``problem`` is None), or the
    server refused the binding given (``problem`` is its problem document). ``field`` is
    ``eab_kid`` or ``eab_hmac_key``. The HMAC key is never in the message."""

    def __init__(self, message: str, field: str = "eab_kid", problem: dict = None):
        super().__init__(message, field=field)
        self.problem = problem


class DatabaseNotInitialized(PeterSSLersError):
    """The database has no schema or no seed data yet."""


class ConfigurationMismatch(PeterSSLersError):
    """The ini file and the database disagree in a way only an operator can settle."""


class CryptographyError(InvalidRequest):
    """Certificate, key or CSR material that cannot be used (raised by ``lib.cert_utils``)."""


class InvalidPEM(CryptographyError):
    """Not the kind of object asked for: garbage, binary junk, DER where PEM was expected,
    a CSR given as a certificate, an unsupported key type..."""


class KeyMismatch(CryptographyError):
    """A private key that does not belong to the certificate or CSR it was given with."""


class ChainError(CryptographyError):
    """A chain that is out of order or that did not sign the certificate."""


class NginxNotEnabled(InvalidRequest):
    """An nginx cache operation was asked for while ``enable_nginx`` is off; nothing was done."""

    def __init__(self, message: str = "nginx is not enabled"):
        super().__init__(message)


class OpenSslError(PeterSSLersError):
    """The ``openssl`` binary (the fallback backend) failed in a way that is not the input's fault."""


# --- Redis (raised by lib.utils_redis and lib.db.actions_redis) ------------------------------


class RedisNotEnabled(InvalidRequest):
    """A Redis action was asked for, but ``enable_redis`` is off: nothing was done."""

    def __init__(self, message: str = "redis is not enabled"):
        super().__init__(message)


class RedisUnavailable(PeterSSLersError):
    """The Redis server could not be reached, or refused a command.

    ``server`` is the server's URL without its password (safe to show and log); ``reason`` what
    the client library said. Work already sent to Redis in earlier batches stays there.
    """

    def __init__(self, server: str, reason: str):
        self.server = server
        self.reason = reason
        self.message = "Redis at %s failed: %s" % (server, reason)
        super().__init__(self.message)


# --- ACME (raised by lib.acme_v2) ------------------------------------------------------------

ACME_ERROR_PREFIX = "urn:ietf:params:acme:error:"


class AcmeError(PeterSSLersError):
    """Anything that went wrong talking to an ACME server."""


class AcmeCommunicationError(AcmeError):
    """No usable answer: the network, TLS, the timeout of one request, or a body that is not what
    RFC 8555 promises (non-JSON where JSON was expected, a missing Replay-Nonce or Location...).

    ``exchange`` is the :class:`~peter_sslers.lib.acme_v2.AcmeExchange` when a response (or an
    attempt) was recorded, else None.
    """

    def __init__(self, message: str, exchange=None):
        super().__init__(message)
        self.message = message
        self.exchange = exchange


class AcmeServerError(AcmeError):
    """The server answered with an error status.

    ``status`` is the HTTP status; ``problem`` the whole RFC 7807 problem document (subproblems
    included) or None when the body was not JSON; ``type``, ``detail`` and ``subproblems`` are read
    from it; ``code`` is the type without ``urn:ietf:params:acme:error:`` (e.g. ``"badNonce"``,
    ``"accountDoesNotExist"``, ``"rateLimited"``; other types are kept whole); ``retry_after`` the
    server's Retry-After in seconds (or None); ``exchange`` the recorded exchange. Branch on the
    class or on ``code``, never on the message.
    """

    def __init__(self, status: int, problem: dict = None, exchange=None, retry_after: float = None, detail: str = None):
        self.status = status
        self.problem = problem if isinstance(problem, dict) else None
        problem = self.problem or {}
        self.type = problem.get("type") if isinstance(problem.get("type"), str) else None
        if self.type and self.type.startswith(ACME_ERROR_PREFIX):
            self.code = self.type[len(ACME_ERROR_PREFIX) :]
        else:
            self.code = self.type
        self.detail = problem.get("detail") if isinstance(problem.get("detail"), str) else detail
        subproblems = problem.get("subproblems")
        self.subproblems = [s for s in subproblems if isinstance(s, dict)] if isinstance(subproblems, list) else []
        self.exchange = exchange
        self.retry_after = retry_after
        # the server's own "come back later": RFC 8555 section 6.6 (rateLimited, with Retry-After), or
        # an HTTP 503 / 429 that gave a Retry-After; callers must not ask again before ``retry_after``
        self.is_rate_limited = self.code == "rateLimited" or (status in (429, 503) and retry_after is not None)
        where = " (%s %s %s)" % (exchange.operation, exchange.method, exchange.url) if exchange is not None else ""
        super().__init__(
            "ACME server error: HTTP %s%s%s%s"
            % (status, " %s" % self.type if self.type else "", ": %s" % self.detail if self.detail else "", where)
        )


class AcmeBadNonce(AcmeServerError):
    """The server kept rejecting our nonces (``badNonce``) after every retry allowed."""


class AcmeNotFound(AcmeServerError):
    """HTTP 404: the server does not know the object (pebble forgets everything on a restart).
    Callers record it as the internal ``*404*`` status."""


class AcmeTimeout(AcmeError):
    """A poll reached its deadline; ``resource`` is the last resource fetched (None if none was)."""

    def __init__(self, message: str, resource=None):
        super().__init__(message)
        self.message = message
        self.resource = resource


@contextlib.contextmanager
def for_field(field: str):
    """Attribute the input errors raised inside the block to the form field ``field``."""
    try:
        yield
    except InvalidRequest as exc:
        exc.field = field
        raise


# --- acme-dns (raised by lib.acme_dns) -------------------------------------------------------


class AcmeDnsError(PeterSSLersError):
    """Anything that went wrong talking to an acme-dns server (``lib.acme_dns``).

    ``server`` is the server's root URL; ``message`` says what failed, never with a password in it.
    """

    def __init__(self, message: str, server: str = None):
        super().__init__(message)
        self.message = message
        self.server = server


class AcmeDnsUnreachable(AcmeDnsError):
    """No answer: connection refused, DNS, TLS verification, a time-out."""


class AcmeDnsServerError(AcmeDnsError):
    """The server answered with an error status (``status``), or a body that is not what its API
    promises. ``error`` is acme-dns's own error word when it sent one (``forbidden``: wrong
    credentials or subdomain; ``bad_txt``, ``bad_subdomain``, ``invalid_allowfrom_cidr``...)."""

    def __init__(self, message: str, server: str = None, status: int = None, error: str = None):
        super().__init__(message, server=server)
        self.status = status
        self.error = error


# --- DNS (raised by lib.dns01: RFC 2136 updates and the TXT visibility wait) -----------------


class DnsError(PeterSSLersError):
    """Anything that went wrong talking to a DNS server (an RFC 2136 update or a query).

    ``server`` is ``host:port`` of the server concerned (None when none was reached yet); the
    message never holds a TSIG secret.
    """

    def __init__(self, message: str, server: str = None):
        super().__init__(message)
        self.message = message
        self.server = server


class DnsUpdateRefused(DnsError):
    """The server answered an update with an error: ``rcode`` is its text (``REFUSED``,
    ``NOTAUTH``: usually a TSIG key it does not know or a wrong secret; ``NOTZONE``: the name is
    not in that zone; ...). A TSIG failure the client saw itself (a bad signature on the answer)
    has ``rcode`` ``BADSIG``/``BADKEY``/``BADTIME``."""

    def __init__(self, message: str, server: str = None, rcode: str = None):
        super().__init__(message, server)
        self.rcode = rcode


class DnsUnreachable(DnsError):
    """No answer at all: connection refused, no route, a time-out, a host name that does not resolve."""


class DnsZoneNotFound(DnsError):
    """The zone does not exist in the DNS (NXDOMAIN) or has no NS records: its authoritative
    servers cannot be found."""


class DnsNotVisible(DnsError):
    """``wait_visible`` reached its deadline before every authoritative server answered the TXT
    value. ``seen`` lists the servers that did; ``missing`` maps each other server to what it
    last answered (no record, other values, NXDOMAIN, a time-out...)."""

    def __init__(self, message: str, seen: list, missing: dict, server: str = None):
        super().__init__(message, server)
        self.seen = list(seen)
        self.missing = dict(missing)
