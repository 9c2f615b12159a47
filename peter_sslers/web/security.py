"""Protection of the admin tree: allowed hosts, authentication, CSRF, security headers.

The admin views hand out private keys on purpose, so every request under ``admin_prefix``
passes these checks in the outermost tween (``web/tweens.py``), before any route matches:

1. **Host allow-list** (``admin_allowed_hosts``, plus the hosts of ``admin_server``,
   ``admin_url`` and ``api_host``, plus loopback names). A DNS-rebinding page reaches the
   server under the attacker's host name; that Host is refused, whatever the path.
2. **Authentication**, when ``admin_htpasswd_file`` or ``admin_tokens_file`` is set: HTTP Basic
   against bcrypt hashes, or a bearer token (``.json`` paths only) whose SHA-256 digest is
   listed. Done through Pyramid's security policy (``request.identity``).
3. **Browser requests that change state** (a POST carrying Origin, Referer, Sec-Fetch-*, or a
   Cookie) must come from an allowed origin and carry Pyramid's CSRF token. Clients that are
   not browsers (curl, requests, prequest) send none of those headers and need no token.

``python -m peter_sslers.web.security`` (the ``peter_sslers_admin_auth`` console script) adds a
user to an htpasswd file or makes a token.
"""

import argparse
import getpass
import hashlib
import hmac
import logging
import os
import secrets
import sys
import threading
from typing import Iterable
from typing import Optional

from markupsafe import Markup
from pyramid.security import Allowed
from pyramid.security import Denied
from pyramid.csrf import CookieCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory
from pyramid.csrf import check_csrf_token
from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender

from ..config import ConfigurationError
from ..config import is_loopback
from ..config import normalize_host
from ..config import url_host

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
REALM = "peter_sslers admin"

# Headers only browsers send: a request with any of them is treated as a browser's.
BROWSER_MARKERS = ("Origin", "Referer", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Cookie")

# The admin templates hold no inline script or style, so the policy can be strict.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
REFERRER_POLICY = "same-origin"

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


# --- host names


def allowed_hosts(app_settings) -> frozenset:
    """Loopback names, the hosts of the configured admin URLs, and ``admin_allowed_hosts``."""
    hosts = set(LOOPBACK_HOSTS)
    for url in (app_settings.admin_server, app_settings.admin_url, app_settings.api_host):
        host = url_host(url)
        if host:
            hosts.add(host)
    hosts.update(app_settings.admin_allowed_hosts)
    return frozenset(hosts)


def host_is_allowed(host_header: Optional[str], hosts: frozenset) -> bool:
    if "*" in hosts:
        return True
    host = normalize_host(host_header)
    return host is not None and host in hosts


# --- credentials files


def _check_bcrypt_hash(hashed: str) -> bool:
    return hashed.startswith(BCRYPT_PREFIXES) and len(hashed) == 60


class _WatchedFile:
    """A small credentials file, read again when its modification time changes (adding a user
    needs no restart). A file that turns unreadable keeps the last good contents, loudly."""

    kind = "file"

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._entries = {}
        self._reload(initial=True)

    def _reload(self, initial: bool = False) -> None:
        try:
            stat = os.stat(self.path)
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            if stamp == self._stamp:
                return
            with open(self.path, encoding="utf-8") as f:
                entries = self.parse(f.read().splitlines())
        except (OSError, ValueError) as exc:
            if initial:
                raise ValueError("%s: %s" % (self.path, exc)) from None
            log.error("cannot read the %s %s, keeping the previous contents: %s", self.kind, self.path, exc)
            return
        self._entries = entries
        self._stamp = stamp
        if stat.st_mode & 0o077:
            log.warning("the %s %s is readable by others (mode %o): chmod 600 it", self.kind, self.path, stat.st_mode & 0o777)

    def entries(self) -> dict:
        with self._lock:
            self._reload()
            return self._entries

    @staticmethod
    def _lines(lines: Iterable[str]):
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or not value:
                raise ValueError("line %d is not `name:value`" % number)
            yield number, name, value.strip()


class HtpasswdFile(_WatchedFile):
    """``user:bcrypt-hash`` lines, as ``htpasswd -B`` writes them (``$2y$``) or this package (``$2b$``)."""

    kind = "htpasswd file"
    # A well-formed hash of a random password: unknown users cost one bcrypt check too.
    _DUMMY = None

    def parse(self, lines) -> dict:
        users = {}
        for number, name, hashed in self._lines(lines):
            if not _check_bcrypt_hash(hashed):
                raise ValueError(
                    "line %d (user %r) is not a bcrypt hash: only bcrypt (`htpasswd -B`) is accepted" % (number, name)
                )
            users[name] = hashed
        return users

    def __init__(self, path: str):
        super().__init__(path)
        # The last verified password of each user, as a digest keyed by a per-process secret and
        # bound to the user's current hash: a page's many requests do not each pay a bcrypt
        # check, and a changed or removed hash no longer matches.
        self._cache_key = secrets.token_bytes(32)
        self._verified = {}

    def verify(self, user: str, password: str) -> bool:
        import bcrypt

        users = self.entries()
        hashed = users.get(user)
        secret = password.encode("utf-8")
        if len(secret) > 72:  # bcrypt's limit: longer passwords were never hashed whole
            return False
        memo = hmac.new(self._cache_key, b"%s\0%s\0%s" % (user.encode(), (hashed or "").encode(), secret), "sha256").digest()
        if hashed is not None and hmac.compare_digest(self._verified.get(user, b""), memo):
            return True
        if hashed is None:
            if HtpasswdFile._DUMMY is None:
                HtpasswdFile._DUMMY = bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(10))
            bcrypt.checkpw(secret, HtpasswdFile._DUMMY)
            return False
        # `$2y$` (Apache's name) and `$2a$` are the same algorithm as `$2b$` for these hashes.
        good = bcrypt.checkpw(secret, ("$2b$" + hashed[4:]).encode("ascii"))
        if good:
            self._verified[user] = memo
        return good


class TokensFile(_WatchedFile):
    """``name:sha256-hex`` lines: the SHA-256 digest of each token, never the token."""

    kind = "tokens file"

    def parse(self, lines) -> dict:
        tokens = {}
        for number, name, digest in self._lines(lines):
            digest = digest.lower()
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError("line %d (token %r) is not a SHA-256 hex digest" % (number, name))
            tokens[bytes.fromhex(digest)] = name
        return tokens

    def verify(self, token: str) -> Optional[str]:
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        # Compare with every entry, in constant time each: no early exit tells how close a guess was.
        for known, name in self.entries().items():
            if hmac.compare_digest(known, digest):
                found = name
        return found


# --- Pyramid's security policy


class AdminSecurityPolicy:
    """Identity from HTTP Basic (htpasswd) or, on ``.json`` paths and ``token_paths``, a bearer token.

    Off (every request is anonymous and permitted) when no credentials file is configured.
    """

    def __init__(self, htpasswd: Optional[HtpasswdFile], tokens: Optional[TokensFile], token_paths: Iterable[str] = ()):
        self.htpasswd = htpasswd
        self.tokens = tokens
        # paths without `.json` that are still for machines (a Prometheus scraper sends a bearer token)
        self.token_paths = frozenset(token_paths)

    @property
    def enabled(self) -> bool:
        return self.htpasswd is not None or self.tokens is not None

    def identity(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "basic" and self.htpasswd is not None:
            import base64
            import binascii

            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
            user, sep, password = decoded.partition(":")
            if sep and user and self.htpasswd.verify(user, password):
                return {"userid": user, "method": "basic"}
        elif scheme == "bearer" and self.tokens is not None and self._takes_tokens(request.path) and value:
            name = self.tokens.verify(value)
            if name is not None:
                return {"userid": "token:%s" % name, "method": "token"}
        return None

    def _takes_tokens(self, path: str) -> bool:
        return path.endswith(".json") or path in self.token_paths

    def authenticated_userid(self, request):
        identity = request.identity
        return identity["userid"] if identity else None

    def permits(self, request, context, permission):
        if not self.enabled or request.identity is not None:
            return Allowed("authenticated or authentication off")
        return Denied("credentials required")

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


# --- checks used by the tween


def has_browser_markers(request) -> bool:
    return any(name in request.headers for name in BROWSER_MARKERS)


def is_cross_site(request, hosts: frozenset) -> bool:
    """A browser request from a page that is not the admin's own.

    The Origin (or, without one, the Referer) is compared with the allowed admin hosts, never
    with the Host header, which a DNS-rebinding page chooses. ``Sec-Fetch-Site`` must say the
    request comes from the same origin, or from the user (``none``).
    """
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        origin = request.headers.get("Referer")
        if origin is None:
            return False
    if origin.strip() == "null":
        return True
    source = url_host(origin)
    if source is None:
        return True
    # Never compared with the Host header: with `*` any Host gets through, and a rebinding
    # page's Origin is its own Host. Browsers' forms must come from a listed name.
    return source not in hosts


def csrf_token_is_valid(request) -> bool:
    try:
        return check_csrf_token(request, token=CSRF_FIELD, header=CSRF_HEADER, raises=False)
    except Exception:
        # An unparseable body (multipart without a boundary, say) carries no token.
        return False


def _csrf_input(request):
    def csrf_input():
        token = get_csrf_token(request)
        return Markup('<input type="hidden" name="%s" value="%s">') % (CSRF_FIELD, token)

    return csrf_input


def _add_renderer_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is not None:
        event["csrf_input"] = _csrf_input(request)


# --- start-up warnings


def _listen_hosts(global_config: dict) -> list:
    """The hosts of ``[server:main]`` ``listen``/``host`` in the ini pserve serves (when known)."""
    import configparser

    path = (global_config or {}).get("__file__")
    if not path or not os.path.isfile(path):
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path)
    except configparser.Error:
        return []
    if not parser.has_section("server:main"):
        return []
    hosts = []
    for item in parser.get("server:main", "listen", fallback="").split():
        host = item.rsplit(":", 1)[0] if not item.startswith("[") or "]:" in item else item
        hosts.append(host.strip("[]"))
    host = parser.get("server:main", "host", fallback="").strip()
    if host:
        hosts.append(host)
    return hosts


def exposure_reasons(app_settings, global_config: Optional[dict] = None) -> list:
    """Why the admin tree may be reachable beyond loopback (empty: nothing says so)."""
    reasons = []
    for name in ("admin_server", "admin_url"):
        host = url_host(getattr(app_settings, name))
        if host and not is_loopback(host):
            reasons.append("`%s` names the host %s" % (name, host))
    for host in _listen_hosts(global_config):
        if host in ("", "*", "0.0.0.0", "::") or not is_loopback(normalize_host(host) or host):
            reasons.append("[server:main] listens on %s" % (host or "every address"))
    if "*" in app_settings.admin_allowed_hosts:
        reasons.append("`admin_allowed_hosts` is `*`")
    return reasons


def warn_at_startup(app_settings, global_config: Optional[dict] = None) -> None:
    if not app_settings.enable_views_admin:
        return
    if app_settings.admin_htpasswd_file or app_settings.admin_tokens_file:
        return
    reasons = exposure_reasons(app_settings, global_config)
    if reasons:
        log.warning(
            "THE ADMIN VIEWS SERVE PRIVATE KEYS WITHOUT AUTHENTICATION and may be reachable beyond "
            "loopback (%s): set `admin_htpasswd_file` (see docs/Security.md), or keep the admin on loopback",
            "; ".join(reasons),
        )


def includeme(config):
    settings = config.registry.app_settings
    try:
        htpasswd = HtpasswdFile(settings.admin_htpasswd_file) if settings.admin_htpasswd_file else None
    except ValueError as exc:
        raise ConfigurationError("admin_htpasswd_file", str(exc)) from None
    try:
        tokens = TokensFile(settings.admin_tokens_file) if settings.admin_tokens_file else None
    except ValueError as exc:
        raise ConfigurationError("admin_tokens_file", str(exc)) from None
    # the Prometheus metrics (`/api/metrics`) are text, yet read by a scraper: tokens work there too
    policy = AdminSecurityPolicy(htpasswd, tokens, token_paths=[settings.admin_prefix + "/api/metrics"])
    config.registry.admin_security_policy = policy
    config.registry.admin_allowed_hosts = allowed_hosts(settings)
    config.set_security_policy(policy)
    # The token lives in a cookie only the admin tree receives; SameSite=Strict keeps other
    # sites' pages from sending it.
    config.set_csrf_storage_policy(
        CookieCSRFStoragePolicy(cookie_name=CSRF_FIELD, path=settings.admin_prefix, httponly=True, samesite="Strict")
    )
    config.set_session_factory(session_factory(settings))
    config.add_subscriber(_add_renderer_globals, BeforeRender)
    warn_at_startup(settings, getattr(config.registry, "global_config", None))


SESSION_COOKIE = "peter_sslers_session"


def session_factory(settings):
    """The admin's session: a signed cookie (Pyramid's ``SignedCookieSessionFactory``) carrying only
    the result messages an action leaves for the next page (``request.session.flash``).

    Its key is ``admin_session_secret``, or a random one made at this start (a message in flight
    during a restart is then lost, and is all that is). Like the CSRF cookie it is sent only to the
    admin tree and never by another site's page (SameSite=Strict), and scripts cannot read it.
    """
    secret = settings.admin_session_secret or secrets.token_hex(32)
    return SignedCookieSessionFactory(
        secret,
        cookie_name=SESSION_COOKIE,
        path=settings.admin_prefix,
        httponly=True,
        samesite="Strict",
        # no expiry: a message is read on the next page; the cookie ends with the browser
        max_age=None,
        timeout=3600,
        reissue_time=None,
    )


# --- the console script


def hash_password(password: str, rounds: int = 12) -> str:
    import bcrypt

    if len(password.encode("utf-8")) > 72:
        raise ValueError("bcrypt uses at most 72 bytes of a password; choose a shorter one")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def new_token() -> str:
    return "pst_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _set_line(path: str, name: str, value: str) -> None:
    """Add or replace ``name:value`` in ``path``, created 0600."""
    lines = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if line.partition(":")[0] != name]
    lines.append("%s:%s" % (name, value))
    tmp = "%s.tmp-%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="peter_sslers_admin_auth", description="Manage the admin's htpasswd and tokens files."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add or replace a user (bcrypt) in an htpasswd file")
    add.add_argument("file")
    add.add_argument("user")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    tok = sub.add_parser("new-token", help="make a bearer token; its SHA-256 goes in the tokens file")
    tok.add_argument("file")
    tok.add_argument("name")
    args = parser.parse_args(argv)
    if args.command == "add-user":
        if ":" in args.user:
            print("a user name cannot contain `:`", file=sys.stderr)
            return 2
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("password for %s: " % args.user)
            if password != getpass.getpass("again: "):
                print("the passwords differ", file=sys.stderr)
                return 2
        if not password:
            print("an empty password is refused", file=sys.stderr)
            return 2
        try:
            _set_line(args.file, args.user, hash_password(password))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        print("user %s written to %s" % (args.user, args.file))
        return 0
    if ":" in args.name:
        print("a token name cannot contain `:`", file=sys.stderr)
        return 2
    token = new_token()
    _set_line(args.file, args.name, token_digest(token))
    print(token)
    print("(shown once: only its SHA-256 digest is stored in %s)" % args.file, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
