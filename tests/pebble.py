"""Debian's pebble (an RFC 8555 test CA) and pebble-challtestsrv (its fake DNS), run on loopback.

What is here:

* :class:`Pebble`: one pebble process with its own TLS files (a throwaway CA and a listener
  certificate for 127.0.0.1, ::1 and localhost, made with ``cryptography``), its own config and
  free loopback ports. It offers ``directory_url``, ``ca_bundle_path`` (what an ACME client must
  trust), ``management_url``, ``roots()``, ``intermediates()``, ``cert_status_by_serial()``,
  ``restart()`` (same ports and config, pebble forgets every account, order and certificate) and
  ``stop()``. Its output goes to ``log_path``; ``log_tail()`` shows the end.
* :class:`ChallTestSrv`: pebble-challtestsrv serving only DNS, answering 127.0.0.1 for every name,
  so a pebble started with ``dns_server=challtestsrv.dns_address`` validates http-01 against
  ``http://127.0.0.1:<pebble.http_port>/.well-known/acme-challenge/<token>``.
* :class:`Http01Responder`: a tiny threaded HTTP server answering key authorizations from a dict,
  for tests that do not run the app itself on that port.
* Fixtures: ``pebble_always_valid`` (session), ``pebble_strict`` (module; real validation),
  ``make_pebble`` (a factory for fault tests) and the report hook that appends the pebble log tail to
  a failing test's output.

Every fixture is gated by ``SSL_RUN_LETSENCRYPT_API_TESTS``: unset or 0 skips the test, saying so;
set, a missing binary or a pebble that does not come up fails the test loudly. ``pebble_strict``
(real validation) also follows the specification's ``SSL_LETSENCRYPT_API_VALIDATES`` (0 skips it)
and ``SSL_TEST_PORT`` (its http-01 port); ``validation_domains()`` reads ``SSL_TEST_DOMAINS``
(``tests/switches.py``).

Wiring (in ``tests/conftest.py``), either::

    pytest_plugins = ["tests.pebble"]

or, explicitly::

    from tests.pebble import http01_responder, make_pebble, pebble_always_valid, pebble_strict  # noqa: F401
    from tests.pebble import pytest_runtest_makereport  # noqa: F401  (the log tail on failures)
"""

import atexit
import datetime
import http.server
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict
from typing import List
from typing import Optional

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

try:
    import pytest
except ImportError:  # pragma: no cover - bench/ uses Pebble after a plain `make install`, without pytest

    class _WithoutPytest:
        """The fixtures below stay plain functions; only the launchers are of use then."""

        @staticmethod
        def fixture(*args, **kwargs):
            return args[0] if args and callable(args[0]) else (lambda function: function)

        hookimpl = fixture

    pytest = _WithoutPytest()

from tests import switches
from tools.served import die_with_parent
from tools.served import stop

__all__ = [
    "SWITCH",
    "PebbleError",
    "Pebble",
    "ChallTestSrv",
    "Http01Responder",
    "free_port",
    "require_switch",
    "require_validation",
    "validation_domains",
    "validation_port",
    "pebble_always_valid",
    "pebble_strict",
    "http01_responder",
    "make_pebble",
    "PebbleFactory",
    "pytest_runtest_makereport",
]

SWITCH = "SSL_RUN_LETSENCRYPT_API_TESTS"
STARTUP_TIMEOUT = 20.0
LOG_TAIL_LINES = 40

# The environment of the shared fixtures. Nonce rejection and authorization reuse are off so that
# tests counting exchanges or walking an order's authorizations are deterministic; the fault tests
# turn them on with make_pebble.
DEFAULT_ENV = {
    "PEBBLE_VA_NOSLEEP": "1",
    "PEBBLE_WFE_NONCEREJECT": "0",
    "PEBBLE_AUTHZREUSE": "0",
}
ALWAYS_VALID_ENV = dict(DEFAULT_ENV, PEBBLE_VA_ALWAYS_VALID="1", PEBBLE_ALTERNATE_ROOTS="1", PEBBLE_CHAIN_LENGTH="2")
STRICT_ENV = dict(DEFAULT_ENV)


class PebbleError(Exception):
    """pebble or pebble-challtestsrv is missing, did not come up, or its management API failed."""


def switch_on() -> bool:
    return switches.switch_on(SWITCH)


def require_switch() -> None:
    """Skip the calling test unless the ACME-server tests are switched on."""
    if not switch_on():
        pytest.skip("ACME tests against pebble are off: set %s=1 to run them" % SWITCH)


def require_validation() -> None:
    """Skip the calling test unless the ACME tests are on and may rely on real validation
    (``SSL_LETSENCRYPT_API_VALIDATES``, on unless set to 0)."""
    require_switch()
    if not switches.validates():
        pytest.skip(
            "real validation is off (%s=0): the ACME server cannot reach the test server" % switches.VALIDATES
        )


def validation_port() -> Optional[int]:
    """``SSL_TEST_PORT`` (None: a free port); a bad value fails the test, naming the variable."""
    try:
        return switches.validation_port()
    except switches.SwitchError as exc:
        pytest.fail(str(exc), pytrace=False)


def validation_domains(default: List[str]) -> List[str]:
    """``SSL_TEST_DOMAINS`` (else ``default``): the names a real-validation test orders."""
    try:
        return switches.validation_domains(default)
    except switches.SwitchError as exc:
        pytest.fail(str(exc), pytrace=False)


_handed_out = set()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it), never one this process handed out before.

    The OS may give the same port to two binds in a row once the first socket is closed: two
    ``free_port()`` calls for one server (nginx's HTTP and HTTPS listeners, pebble's four ports)
    then clash ("duplicate listen"). Remembering what was handed out rules that out.
    """
    for _attempt in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no TCP port on 127.0.0.1 that this test run has not used already")


def free_udp_tcp_port() -> int:
    """A port free on 127.0.0.1 for both TCP and UDP (DNS listens on both)."""
    for _attempt in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise PebbleError("No port free for both TCP and UDP on 127.0.0.1.")


def _binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise PebbleError(
            "The %r binary is missing (looked in PATH). Install Debian's pebble package: apt-get install pebble" % name
        )
    return path


def _tail(path: str, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


_running: List[subprocess.Popen] = []


def _spawn(command: List[str], cwd: str, env: Optional[dict], log_path: str, banner: str) -> subprocess.Popen:
    """Start a server process with its output appended to ``log_path``."""
    with open(log_path, "ab") as log:
        log.write(banner.encode("utf-8", "replace"))
        log.flush()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
        )
    _running.append(process)
    return process


def _stop_process(process: Optional[subprocess.Popen]) -> None:
    """Stop a process we started (by its pid), surely."""
    if process is None:
        return
    stop(process)
    if process in _running:
        _running.remove(process)


@atexit.register
def _stop_leftovers() -> None:
    """A run that ends without the fixtures' teardown (an interrupted session) stops what it started."""
    for process in list(_running):
        _stop_process(process)


# --- TLS files for pebble's listeners


def write_tls_files(directory: str) -> Dict[str, str]:
    """A throwaway CA and a listener certificate for 127.0.0.1, ::1 and localhost.

    :returns: paths ``ca`` (the CA certificate a client trusts), ``cert`` and ``key`` (pebble's listener).
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peter_sslers test pebble listener CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {name: os.path.join(directory, name + ".pem") for name in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(server_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(
            server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return paths


# --- pebble


class Pebble:
    """One pebble process on loopback, with its own TLS files, config and ports.

    :param env: extra environment (``PEBBLE_VA_ALWAYS_VALID``, ``PEBBLE_WFE_NONCEREJECT``...); a None
        value removes the variable.
    :param dns_server: ``"127.0.0.1:<port>"`` of a DNS server for pebble's VA (a :class:`ChallTestSrv`).
    :param http_port: the port pebble's VA connects to for http-01 (default: a free one).
    :param config_extra: extra keys of pebble's config object, over ours (e.g.
        ``{"externalAccountBindingRequired": True, "externalAccountMACKeys": {"kid-1": "<base64url>"}}``).
    """

    def __init__(
        self,
        workdir: Optional[str] = None,
        env: Optional[Dict[str, Optional[str]]] = None,
        dns_server: Optional[str] = None,
        http_port: Optional[int] = None,
        tls_port: Optional[int] = None,
        startup_timeout: float = STARTUP_TIMEOUT,
        config_extra: Optional[dict] = None,
    ):
        self.binary = _binary("pebble")
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="peter_sslers-pebble-")
        os.makedirs(self.workdir, exist_ok=True)
        self.env = {key: str(value) for key, value in (env or {}).items() if value is not None}
        self._removed_env = [key for key, value in (env or {}).items() if value is None]
        self.dns_server = dns_server
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.management_port = free_port()
        self.http_port = http_port or free_port()
        self.tls_port = tls_port or free_port()
        self.log_path = os.path.join(self.workdir, "pebble.log")
        self.config_path = os.path.join(self.workdir, "pebble-config.json")
        tls = write_tls_files(self.workdir)
        self.ca_bundle_path = tls["ca"]
        config = {
            "pebble": {
                "listenAddress": "127.0.0.1:%d" % self.port,
                "managementListenAddress": "127.0.0.1:%d" % self.management_port,
                "certificate": tls["cert"],
                "privateKey": tls["key"],
                "httpPort": self.http_port,
                "tlsPort": self.tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        config["pebble"].update(config_extra or {})
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0
        self._session = requests.Session()
        self._session.trust_env = False  # loopback only: no proxies, and exactly our CA

    # the URLs
    @property
    def directory_url(self) -> str:
        return "https://127.0.0.1:%d/dir" % self.port

    @property
    def management_url(self) -> str:
        return "https://127.0.0.1:%d" % self.management_port

    # life cycle
    def start(self) -> "Pebble":
        """Start pebble and wait (bounded) until its directory answers.

        :raises PebbleError: it exited or did not answer in time (the message holds the log tail).
        """
        if self.process is not None and self.process.poll() is None:
            return self
        command = [self.binary, "-config", self.config_path]
        if self.dns_server:
            command += ["-dnsserver", self.dns_server]
        environ = dict(os.environ)
        for key in self._removed_env:
            environ.pop(key, None)
        environ.update(self.env)
        self.starts += 1
        banner = "\n=== start %d: %s\n=== env: %s\n" % (self.starts, " ".join(command), self.env)
        self.process = _spawn(command, self.workdir, environ, self.log_path, banner)
        deadline = time.monotonic() + self.startup_timeout
        last_error = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PebbleError(
                    "pebble exited with status %s while starting. Log tail (%s):\n%s"
                    % (self.process.returncode, self.log_path, self.log_tail())
                )
            try:
                response = self._session.get(self.directory_url, verify=self.ca_bundle_path, timeout=2)
                if response.status_code == 200 and "newNonce" in response.json():
                    return self
                last_error = "HTTP %s" % response.status_code
            except (requests.RequestException, ValueError) as exc:
                last_error = exc
            time.sleep(0.05)
        self.stop()
        raise PebbleError(
            "pebble did not answer at %s within %.0f s (last error: %s). Log tail (%s):\n%s"
            % (self.directory_url, self.startup_timeout, last_error, self.log_path, self.log_tail())
        )

    def stop(self) -> None:
        """Stop pebble (no-op when it is not running)."""
        _stop_process(self.process)

    def restart(self) -> "Pebble":
        """Stop and start again on the same ports and config: pebble forgets all its state
        (accounts, orders, authorizations, certificates) and makes a new CA hierarchy."""
        self.stop()
        return self.start()

    def close(self) -> None:
        """Stop, and remove the work directory when we made it."""
        self.stop()
        self._session.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)

    # the management API
    def _management_get(self, path: str) -> requests.Response:
        try:
            return self._session.get(self.management_url + path, verify=self.ca_bundle_path, timeout=10)
        except requests.RequestException as exc:
            raise PebbleError("pebble's management API failed on %s: %s" % (path, exc))

    def _numbered_pems(self, kind: str) -> List[str]:
        pems = []
        for index in range(16):  # pebble numbers alternates 0..N; N is small
            response = self._management_get("/%s/%d" % (kind, index))
            if response.status_code != 200:
                break
            pems.append(response.text)
        if not pems:
            raise PebbleError("pebble's management API has no /%s/0." % kind)
        return pems

    def roots(self) -> List[str]:
        """Every root's PEM (``/roots/{i}``): the default hierarchy's first, then one per alternate."""
        return self._numbered_pems("roots")

    def intermediates(self) -> List[str]:
        """Every hierarchy's issuing intermediate (``/intermediates/{i}``): the one that signs leaves,
        as signed in hierarchy i. It is one key and subject cross-signed in every hierarchy; with
        ``PEBBLE_CHAIN_LENGTH`` > 1 the intermediates between it and the root are not exposed."""
        return self._numbered_pems("intermediates")

    def cert_status_by_serial(self, serial_hex: str) -> dict:
        """pebble's record of a certificate: ``Status`` ("Valid"/"Revoked"), ``Reason``, ``RevokedAt``,
        ``Serial``, ``Certificate``.

        :raises PebbleError: pebble does not know the serial.
        """
        response = self._management_get("/cert-status-by-serial/%s" % (serial_hex.lower().lstrip("0") or "0"))
        if response.status_code != 200:
            raise PebbleError("pebble knows no certificate %s (HTTP %s)." % (serial_hex, response.status_code))
        return response.json()

    def __repr__(self) -> str:
        return "<Pebble %s%s>" % (self.directory_url, "" if self.running else " (stopped)")


# --- pebble-challtestsrv


class ChallTestSrv:
    """pebble-challtestsrv serving DNS only, answering 127.0.0.1 to every A query (no AAAA)."""

    def __init__(self, workdir: Optional[str] = None, startup_timeout: float = STARTUP_TIMEOUT):
        self.binary = _binary("pebble-challtestsrv")
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="peter_sslers-challtestsrv-")
        self.startup_timeout = startup_timeout
        self.dns_port = free_udp_tcp_port()
        self.management_port = free_port()
        self.log_path = os.path.join(self.workdir, "challtestsrv.log")
        self.process: Optional[subprocess.Popen] = None

    @property
    def dns_address(self) -> str:
        return "127.0.0.1:%d" % self.dns_port

    @property
    def management_url(self) -> str:
        return "http://127.0.0.1:%d" % self.management_port

    def start(self) -> "ChallTestSrv":
        command = [
            self.binary,
            "-dns01", self.dns_address,
            "-http01", "",
            "-https01", "",
            "-tlsalpn01", "",
            "-management", "127.0.0.1:%d" % self.management_port,
            "-defaultIPv4", "127.0.0.1",
            "-defaultIPv6", "",
        ]  # fmt: skip
        banner = "=== %s\n" % " ".join(repr(c) if not c else c for c in command)
        self.process = _spawn(command, self.workdir, None, self.log_path, banner)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PebbleError(
                    "pebble-challtestsrv exited with status %s. Log tail:\n%s"
                    % (self.process.returncode, self.log_tail())
                )
            try:
                with socket.create_connection(("127.0.0.1", self.dns_port), timeout=1):
                    pass
                with socket.create_connection(("127.0.0.1", self.management_port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise PebbleError("pebble-challtestsrv did not come up in time. Log tail:\n%s" % self.log_tail())

    def stop(self) -> None:
        _stop_process(self.process)

    def close(self) -> None:
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return _tail(self.log_path, lines)


# --- an http-01 responder for tests that do not run the app


class Http01Responder:
    """Answers ``GET /.well-known/acme-challenge/<token>`` on 127.0.0.1:``port`` from ``tokens``
    (token -> key authorization); anything else is a 404. ``requests`` records what was asked.

    Use as a context manager: ``with Http01Responder(pebble_strict.http_port) as responder: ...``
    """

    PREFIX = "/.well-known/acme-challenge/"

    def __init__(self, port: int, tokens: Optional[Dict[str, str]] = None):
        self.port = port
        self.tokens = dict(tokens or {})
        self.requests: List[tuple] = []
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                responder.requests.append((self.headers.get("Host"), self.path))
                token = self.path[len(responder.PREFIX) :] if self.path.startswith(responder.PREFIX) else None
                body = responder.tokens.get(token) if token else None
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body.encode("ascii")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="http01-responder", daemon=True)

    def __enter__(self) -> "Http01Responder":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --- fixtures


def _start_or_fail(factory):
    """Run ``factory`` (which makes or starts a server); a PebbleError fails the test loudly."""
    try:
        return factory()
    except PebbleError as exc:
        message = "%s is on but pebble cannot run: %s" % (SWITCH, exc)
    pytest.fail(message, pytrace=False)  # outside the except: no chained traceback, just the reason


@pytest.fixture(scope="session")
def pebble_always_valid():
    """A session-wide pebble that marks every challenge valid (``PEBBLE_VA_ALWAYS_VALID=1``), with
    no VA sleep, no nonce rejection, no authorization reuse, one alternate root (every certificate
    has one alternate chain) and chain length 2. Shared by every test: do not stop or restart it
    (use ``make_pebble``)."""
    require_switch()
    pebble = _start_or_fail(lambda: Pebble(env=ALWAYS_VALID_ENV).start())
    yield pebble
    pebble.close()


@pytest.fixture(scope="module")
def pebble_strict():
    """A module-wide pebble doing real validation, no VA sleep, no nonce rejection, no authorization
    reuse. Every name resolves (through pebble-challtestsrv) to 127.0.0.1, so http-01 is fetched from
    ``http://127.0.0.1:<pebble_strict.http_port>/.well-known/acme-challenge/<token>`` with the name in
    the Host header: serve that port yourself for the duration of the test (:class:`Http01Responder`,
    or the app in a real server bound to 127.0.0.1:``http_port``). ``.challtestsrv`` is the DNS server.

    Skipped when ``SSL_LETSENCRYPT_API_VALIDATES=0``; ``http_port`` is ``SSL_TEST_PORT`` when set."""
    require_validation()
    http_port = validation_port()
    challtestsrv = _start_or_fail(lambda: ChallTestSrv().start())
    try:
        pebble = _start_or_fail(
            lambda: Pebble(env=STRICT_ENV, dns_server=challtestsrv.dns_address, http_port=http_port).start()
        )
    except BaseException:
        challtestsrv.close()
        raise
    pebble.challtestsrv = challtestsrv
    yield pebble
    pebble.close()
    challtestsrv.close()


@pytest.fixture
def http01_responder(pebble_strict):
    """An :class:`Http01Responder` on ``pebble_strict.http_port`` for this test: put
    ``token -> key authorization`` in its ``tokens``; ``requests`` lists what pebble fetched."""
    with Http01Responder(pebble_strict.http_port) as responder:
        yield responder


class PebbleFactory:
    """What ``make_pebble`` gives: call it with pebble environment variables as keywords."""

    def __init__(self, workdir: str):
        self.workdir = workdir
        self.started: List[Pebble] = []

    def __call__(
        self,
        dns_server: Optional[str] = None,
        http_port: Optional[int] = None,
        config_extra: Optional[dict] = None,
        **env,
    ) -> Pebble:
        merged = dict(DEFAULT_ENV, PEBBLE_VA_ALWAYS_VALID="1")
        merged.update(env)
        workdir = os.path.join(self.workdir, "pebble-%d" % (len(self.started) + 1))
        pebble = _start_or_fail(
            lambda: Pebble(workdir, merged, dns_server=dns_server, http_port=http_port, config_extra=config_extra)
        )
        self.started.append(pebble)
        _start_or_fail(pebble.start)
        return pebble

    def close(self) -> None:
        for pebble in self.started:
            pebble.close()


@pytest.fixture
def make_pebble(tmp_path):
    """A factory for this test's own pebbles: ``make_pebble(PEBBLE_WFE_NONCEREJECT=50)`` starts one
    (always-valid, no VA sleep, no nonce rejection, no authz reuse unless overridden; a None value
    removes a variable; ``dns_server=``, ``http_port=`` and ``config_extra=`` (keys of pebble's config,
    e.g. External Account Binding) pass through). All stop after the test. For one pebble shared by a
    module, make a ``PebbleFactory`` in a module-scoped fixture (``tmp_path_factory``) the same way."""
    require_switch()
    factory = PebbleFactory(str(tmp_path))
    yield factory
    factory.close()


def _services(item) -> list:
    services = []
    for value in getattr(item, "funcargs", {}).values():
        pebbles = value.started if isinstance(value, PebbleFactory) else [value] if isinstance(value, Pebble) else []
        for pebble in pebbles:
            services.append(pebble)
            if getattr(pebble, "challtestsrv", None) is not None:
                services.append(pebble.challtestsrv)
    return services


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing test, append the log tail of every pebble (and challtestsrv) it used to its report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for service in _services(item):
        section = "%s log tail (%s)" % (type(service).__name__, service.log_path)
        if any(name == section for name, _content in report.sections):
            continue  # the hook is registered twice (conftest import and plugin)
        report.sections.append((section, service.log_tail()))
