"""Expire and inspect the certificate caches of a pool of nginx/OpenResty servers.

Pure: no Pyramid, no database. It takes plain values and returns plain dataclasses, so a view,
a console script, a test or a tool can use it alike (``lib/db/actions_nginx.py`` adds the
OperationsEvent logging).

The wire contract (what the OpenResty side serves; every request is a GET, with HTTP Basic
auth when ``userpass`` is set)::

    flush every cached certificate   GET {server}{reset_path}/all
    expire one domain                GET {server}{reset_path}/domain/{domain_name}
    status                           GET {server}{status_path}

A server succeeded only when it answered HTTP 200 with a JSON object whose ``result`` is
``"success"``; for an expiry the object must also say what it expired (``"expired": "all"``, or
``"expired": "domain"`` with ``"domain": name``). Anything else is a failure of that server,
with a reason: connection refused, time-out, TLS verification, 401, 403, another status, a body
that is not JSON, an unexpected answer. One failing server never stops the others.

Public API
----------

``NginxConfig(servers_pool, userpass=None, reset_path=DEFAULT_RESET_PATH,
status_path=DEFAULT_STATUS_PATH, timeout=5.0, ca_bundle=None, allow_invalid=False,
quiet_insecure_warning=False)``
    What to call and how. ``NginxConfig.from_settings(settings)`` reads the ``nginx.*`` options
    of an ``ApplicationSettings``. TLS is verified by default: against ``ca_bundle`` when given,
    else against the default store of ``requests`` (certifi); ``allow_invalid`` turns
    verification off. ``timeout`` (seconds, None for none) bounds the connection and each read.

``NginxPool(config, session=None)``
    One ``requests.Session`` (keep-alive, Basic auth, no environment proxies or ``.netrc``) for
    every request it makes; use it as a context manager or call ``close()``.

    * ``flush_all() -> PoolResult``: ``{reset_path}/all`` on every server.
    * ``expire_domains(domain_names) -> ExpiryResult``: ``{reset_path}/domain/{name}`` for every
      name on every server. A server that cannot be reached (connection, time-out, TLS), that
      refuses the credentials (401) or this client (403: an allow list without peter_sslers'
      address) is not asked again for the remaining names of the same call:
      those are reported as ``skipped`` failures, so a dead server costs one time-out, not one
      per name.
    * ``status() -> PoolResult``: ``{status_path}`` on every server.

``flush_all(config)``, ``expire_domains(config, domain_names)``, ``status(config)``
    The same, each with a pool of its own, closed afterwards.

Results
-------

``ServerResult``: one server's answer to one request: ``ok``, ``status_code``, the parsed
``answer``, the ``X-Peter-SSLers`` header, and on failure an ``error`` code (one of
``ERROR_CODES``) with a ``reason`` a person can act on.

``PoolResult``: one request sent to every server (``operation`` is ``flush``, ``expire`` or
``status``). ``ok`` only when EVERY server succeeded; ``result`` is ``"success"``, ``"partial"``
(some servers failed) or ``"error"`` (none succeeded); ``servers_failed`` maps each failed
server to its reason.

``ExpiryResult``: a ``PoolResult`` per domain name. A domain counts as expired only when every
server expired it (the 2021 code counted it when any one server did).

Every result has ``as_json()`` (the API answer) and ``summary()`` (one sentence).
"""

import dataclasses
import json
import ssl
import time
import urllib.parse
import warnings
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional

import requests
import urllib3

DEFAULT_RESET_PATH = "/.peter_sslers/nginx/shared_cache/expire"
DEFAULT_STATUS_PATH = "/.peter_sslers/nginx/shared_cache/status"
DEFAULT_TIMEOUT = 5.0
USER_AGENT = "peter_sslers"
HEADER_NAME = "X-Peter-SSLers"

# The ``error`` codes of a failed ServerResult.
ERROR_CONNECTION = "connection_failed"
ERROR_TIMEOUT = "timeout"
ERROR_TLS = "tls_failed"
ERROR_UNAUTHORIZED = "unauthorized"
ERROR_FORBIDDEN = "forbidden"
ERROR_HTTP = "http_error"
ERROR_NOT_JSON = "not_json"
ERROR_UNEXPECTED = "unexpected_answer"
ERROR_SKIPPED = "skipped"
ERROR_CODES = (
    ERROR_CONNECTION,
    ERROR_TIMEOUT,
    ERROR_TLS,
    ERROR_UNAUTHORIZED,
    ERROR_FORBIDDEN,
    ERROR_HTTP,
    ERROR_NOT_JSON,
    ERROR_UNEXPECTED,
    ERROR_SKIPPED,
)
# Failures that will not change for the next domain of the same call: the server, its trust,
# its credentials or its allow list, not the name, is the problem.
_SERVER_WIDE_ERRORS = (ERROR_CONNECTION, ERROR_TIMEOUT, ERROR_TLS, ERROR_UNAUTHORIZED, ERROR_FORBIDDEN)

OPERATION_FLUSH = "flush"
OPERATION_EXPIRE = "expire"
OPERATION_STATUS = "status"

_BODY_EXCERPT = 200


@dataclasses.dataclass(frozen=True)
class NginxConfig:
    """How to reach the servers pool.

    :param servers_pool: base URLs (``https://10.0.0.5``), each without a trailing slash.
    :param userpass: ``username:password`` for HTTP Basic auth, or None.
    :param timeout: seconds for the connection and for each read; None waits forever.
    :param ca_bundle: a PEM file of the CAs to trust; None trusts the default store of
        ``requests`` (certifi). Exactly that is trusted, whatever ``REQUESTS_CA_BUNDLE`` says.
    :param allow_invalid: do not verify TLS certificates at all.
    :param quiet_insecure_warning: with ``allow_invalid``, silence urllib3's warning about it.
    :raises ValueError: an empty pool, or ``userpass`` without a colon.
    """

    servers_pool: tuple
    userpass: Optional[str] = None
    reset_path: str = DEFAULT_RESET_PATH
    status_path: str = DEFAULT_STATUS_PATH
    timeout: Optional[float] = DEFAULT_TIMEOUT
    ca_bundle: Optional[str] = None
    allow_invalid: bool = False
    quiet_insecure_warning: bool = False

    def __post_init__(self):
        pool = tuple(server.rstrip("/") for server in self.servers_pool)
        if not pool:
            raise ValueError("the nginx servers pool is empty")
        object.__setattr__(self, "servers_pool", pool)
        if self.userpass is not None and ":" not in self.userpass:
            raise ValueError("userpass must be `username:password`")

    @classmethod
    def from_settings(cls, settings) -> "NginxConfig":
        """From an ``ApplicationSettings`` (any object with its ``nginx_*`` attributes)."""
        return cls(
            servers_pool=tuple(settings.nginx_servers_pool),
            userpass=settings.nginx_userpass,
            reset_path=settings.nginx_reset_path,
            status_path=settings.nginx_status_path,
            timeout=settings.nginx_timeout,
            ca_bundle=settings.nginx_ca_bundle,
            allow_invalid=settings.nginx_servers_pool_allow_invalid,
            quiet_insecure_warning=settings.requests_disable_ssl_warning,
        )

    @property
    def trust_description(self) -> str:
        if self.allow_invalid:
            return "no TLS verification (nginx.servers_pool_allow_invalid)"
        return self.ca_bundle or "the default CA store"

    def url_flush(self, server: str) -> str:
        return server + self.reset_path + "/all"

    def url_expire(self, server: str, domain_name: str) -> str:
        # Names are IDNA ASCII already; quoting only guards against anything else (a wildcard's
        # `*` is a legal path character and stays as it is).
        return server + self.reset_path + "/domain/" + urllib.parse.quote(domain_name, safe="*")

    def url_status(self, server: str) -> str:
        return server + self.status_path


@dataclasses.dataclass
class ServerResult:
    """One server's answer to one request."""

    server: str
    url: str
    ok: bool
    status_code: Optional[int] = None
    answer: Optional[dict] = None
    header: Optional[str] = None
    error: Optional[str] = None
    reason: Optional[str] = None
    elapsed_ms: float = 0.0

    def as_json(self) -> dict:
        return {
            "server": self.server,
            "url": self.url,
            "result": "success" if self.ok else "error",
            "status_code": self.status_code,
            "answer": self.answer,
            "x_peter_sslers": self.header,
            "error": self.error,
            "reason": self.reason,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }

    def as_log(self) -> dict:
        """A compact record for the OperationsEvent payload."""
        record = {"result": "success" if self.ok else "error", "status_code": self.status_code}
        if self.answer and self.answer.get("server_version") is not None:
            record["server_version"] = self.answer.get("server_version")
        if not self.ok:
            record["error"] = self.error
            record["reason"] = self.reason
        return record


def _overall(successes: int, total: int) -> str:
    if total and successes == total:
        return "success"
    if successes:
        return "partial"
    return "error"


@dataclasses.dataclass
class PoolResult:
    """One request sent to every server of the pool."""

    operation: str
    servers: List[ServerResult]
    domain_name: Optional[str] = None

    @property
    def ok(self) -> bool:
        return bool(self.servers) and all(s.ok for s in self.servers)

    @property
    def result(self) -> str:
        return _overall(sum(1 for s in self.servers if s.ok), len(self.servers))

    @property
    def servers_success(self) -> List[str]:
        return [s.server for s in self.servers if s.ok]

    @property
    def servers_failed(self) -> Dict[str, str]:
        return {s.server: s.reason for s in self.servers if not s.ok}

    def summary(self) -> str:
        what = {OPERATION_FLUSH: "flush", OPERATION_STATUS: "status"}.get(self.operation, self.operation)
        if self.domain_name:
            what = "expire %s" % self.domain_name
        if self.ok:
            return "nginx %s: all %s server(s) succeeded." % (what, len(self.servers))
        failed = self.servers_failed
        return "nginx %s: %s of %s server(s) failed: %s" % (
            what,
            len(failed),
            len(self.servers),
            "; ".join("%s (%s)" % (server, reason) for server, reason in failed.items()),
        )

    def as_json(self) -> dict:
        return {
            "result": self.result,
            "servers": {s.server: s.as_json() for s in self.servers},
            "servers_success": self.servers_success,
            "servers_failed": self.servers_failed,
        }

    def as_log(self) -> dict:
        return {
            "result": self.result,
            "servers": {s.server: s.as_log() for s in self.servers},
        }


@dataclasses.dataclass
class ExpiryResult:
    """The expiry of several domain names, each on every server."""

    domains: Dict[str, PoolResult]

    @property
    def ok(self) -> bool:
        return bool(self.domains) and all(d.ok for d in self.domains.values())

    @property
    def result(self) -> str:
        pairs = [s for d in self.domains.values() for s in d.servers]
        return _overall(sum(1 for s in pairs if s.ok), len(pairs))

    @property
    def domains_success(self) -> List[str]:
        """The names every server expired."""
        return [name for name, d in self.domains.items() if d.ok]

    @property
    def domains_failed(self) -> List[str]:
        """The names at least one server did not expire."""
        return [name for name, d in self.domains.items() if not d.ok]

    @property
    def servers_failed(self) -> Dict[str, str]:
        """Each server that failed on any name, with its first reason."""
        failed: Dict[str, str] = {}
        for pool_result in self.domains.values():
            for s in pool_result.servers:
                if not s.ok and s.server not in failed:
                    failed[s.server] = s.reason
        return failed

    def summary(self) -> str:
        count = len(self.domains)
        if self.ok:
            return "nginx expire: %s domain(s) expired on every server." % count
        return "nginx expire: %s of %s domain(s) not expired on every server; failed: %s" % (
            len(self.domains_failed),
            count,
            "; ".join("%s (%s)" % (server, reason) for server, reason in self.servers_failed.items()),
        )

    def as_json(self) -> dict:
        return {
            "result": self.result,
            "domains": {name: d.as_json() for name, d in self.domains.items()},
            "domains_success": self.domains_success,
            "domains_failed": self.domains_failed,
            "servers_failed": self.servers_failed,
        }


def _excerpt(text: str) -> str:
    text = text.strip()
    return text[:_BODY_EXCERPT] + ("..." if len(text) > _BODY_EXCERPT else "")


def _caused_by(exc: BaseException, cause_class) -> bool:
    """Whether an exception from requests was, underneath, a ``cause_class``.

    requests wraps urllib3's MaxRetryError, whose ``reason`` is, say, a NewConnectionError raised
    from the socket's ConnectionRefusedError: walk causes, contexts, ``reason`` and ``args``.
    """
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, cause_class):
            return True
        stack.extend((current.__cause__, current.__context__, getattr(current, "reason", None), *current.args))
    return False


class NginxPool:
    """Calls to every server of the pool over one ``requests.Session``."""

    def __init__(self, config: NginxConfig, session: Optional[requests.Session] = None):
        self.config = config
        if session is None:
            session = requests.Session()
            # No environment: proxy variables would send these calls elsewhere, REQUESTS_CA_BUNDLE
            # would replace the trust configured here, and a .netrc would replace the credentials.
            session.trust_env = False
        self.session = session
        if config.userpass:
            username, password = config.userpass.split(":", 1)
            self.session.auth = requests.auth.HTTPBasicAuth(username, password)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        # ``verify`` as a path (never True) so nothing in the environment can swap the trust.
        self._verify = False if config.allow_invalid else (config.ca_bundle or requests.certs.where())

    def __enter__(self) -> "NginxPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    # -- the three operations

    def flush_all(self) -> PoolResult:
        results = [
            self._call(server, self.config.url_flush(server), _check_expired("all"))
            for server in self.config.servers_pool
        ]
        return PoolResult(OPERATION_FLUSH, results)

    def expire_domains(self, domain_names: Iterable[str]) -> ExpiryResult:
        names = list(dict.fromkeys(domain_names))  # once each, in order
        if not names:
            raise ValueError("no domain names to expire")
        # server -> (name, reason) of the failure that makes asking it again pointless
        broken: Dict[str, tuple] = {}
        domains: Dict[str, PoolResult] = {}
        for name in names:
            results = []
            for server in self.config.servers_pool:
                url = self.config.url_expire(server, name)
                if server in broken:
                    first_name, first_reason = broken[server]
                    results.append(
                        ServerResult(
                            server,
                            url,
                            ok=False,
                            error=ERROR_SKIPPED,
                            reason="not tried: this server already failed on %s in this call (%s)"
                            % (first_name, first_reason),
                        )
                    )
                    continue
                result = self._call(server, url, _check_expired("domain", name))
                if result.error in _SERVER_WIDE_ERRORS:
                    broken[server] = (name, result.reason)
                results.append(result)
            domains[name] = PoolResult(OPERATION_EXPIRE, results, domain_name=name)
        return ExpiryResult(domains)

    def status(self) -> PoolResult:
        results = [
            self._call(server, self.config.url_status(server), None) for server in self.config.servers_pool
        ]
        return PoolResult(OPERATION_STATUS, results)

    # -- one request

    def _get(self, url: str) -> requests.Response:
        # urllib3 warns on every unverified request and offers no per-request switch; the filter is
        # scoped to this call (catch_warnings is process-wide, so a concurrent thread may see a
        # warning silenced or shown: only the warning, never the request, is affected).
        with warnings.catch_warnings():
            if self.config.allow_invalid and self.config.quiet_insecure_warning:
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            return self.session.get(url, timeout=self.config.timeout, verify=self._verify, allow_redirects=False)

    def _call(self, server: str, url: str, check) -> ServerResult:
        """GET ``url`` and judge the answer; never raises for anything the server does."""
        started = time.perf_counter()

        def failed(error: str, reason: str, **fields) -> ServerResult:
            return ServerResult(
                server,
                url,
                ok=False,
                error=error,
                reason=reason,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                **fields,
            )

        try:
            response = self._get(url)
            body = response.content.decode("utf-8", "replace")
        except requests.exceptions.SSLError as exc:
            what = "verification" if _caused_by(exc, ssl.SSLCertVerificationError) else "handshake"
            return failed(ERROR_TLS, "TLS %s failed (trusting %s): %s" % (what, self.config.trust_description, exc))
        except requests.exceptions.Timeout:
            return failed(ERROR_TIMEOUT, "no answer within %s seconds (nginx.timeout)" % self.config.timeout)
        except requests.exceptions.ConnectionError as exc:
            if _caused_by(exc, ConnectionRefusedError):
                return failed(ERROR_CONNECTION, "connection refused")
            return failed(ERROR_CONNECTION, "could not connect: %s" % exc)
        except (requests.RequestException, OSError) as exc:
            return failed(ERROR_CONNECTION, "the request failed: %s" % exc)

        fields = {"status_code": response.status_code, "header": response.headers.get(HEADER_NAME)}
        if response.status_code == 401:
            if self.config.userpass:
                reason = "HTTP 401: the server refused the credentials of nginx.userpass"
            else:
                reason = "HTTP 401: the server wants credentials; set nginx.userpass"
            return failed(ERROR_UNAUTHORIZED, reason, **fields)
        if response.status_code == 403:
            # nginx's `allow`/`deny` answers 403 to a client outside its list: every name will get it
            reason = "HTTP 403: the server refuses this client (is peter_sslers' address in its allow list?)"
            return failed(ERROR_FORBIDDEN, reason, **fields)
        if response.status_code != 200:
            reason = "HTTP %s" % response.status_code
            if response.is_redirect:
                reason += " (a redirect to %s, not followed)" % response.headers.get("Location")
            elif body.strip():
                reason += ": %s" % _excerpt(body)
            return failed(ERROR_HTTP, reason, **fields)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return failed(ERROR_NOT_JSON, "HTTP 200 but the body is not a JSON object: %r" % _excerpt(body), **fields)
        fields["answer"] = answer
        if answer.get("result") != "success":
            detail = answer.get("error") or answer.get("message")
            reason = "the server answered result=%r" % answer.get("result")
            if detail:
                reason += ": %s" % detail
            return failed(ERROR_UNEXPECTED, reason, **fields)
        if check is not None:
            problem = check(answer)
            if problem:
                return failed(ERROR_UNEXPECTED, problem, **fields)
        return ServerResult(server, url, ok=True, elapsed_ms=(time.perf_counter() - started) * 1000, **fields)


def _check_expired(kind: str, domain_name: Optional[str] = None):
    """A check that an expiry answer says it expired what was asked."""

    def check(answer: dict) -> Optional[str]:
        if answer.get("expired") != kind:
            return "the answer does not say expired=%r (it says expired=%r)" % (kind, answer.get("expired"))
        if domain_name is not None and str(answer.get("domain", "")).lower() != domain_name.lower():
            return "the answer names domain %r, not %r" % (answer.get("domain"), domain_name)
        return None

    return check


# -- one-shot helpers


def flush_all(config: NginxConfig) -> PoolResult:
    with NginxPool(config) as pool:
        return pool.flush_all()


def expire_domains(config: NginxConfig, domain_names: Iterable[str]) -> ExpiryResult:
    with NginxPool(config) as pool:
        return pool.expire_domains(domain_names)


def status(config: NginxConfig) -> PoolResult:
    with NginxPool(config) as pool:
        return pool.status()
