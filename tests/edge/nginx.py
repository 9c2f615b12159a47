"""Debian's nginx with the Lua module, run on loopback with tools/nginx_conf/edge.conf.in.

What is here:

* :class:`EdgeNginx`: one nginx (master + workers) rendered from the shipped template with
  ``tools/nginx_conf/render_conf.py`` into a throwaway directory, listening on free loopback ports
  (one plain HTTP, one TLS), started with ``-p <dir> -c <dir>/nginx.conf -g 'daemon off;'`` and
  stopped by its pid. Never the system service.
* TLS clients: :func:`served_leaf_der` (python ``ssl`` with SNI) and :func:`served_chain_der`
  (``openssl s_client -showcerts``, for the chain: Python 3.11 cannot show it).
* :func:`mint_leaf`: a fresh certificate for any names, signed by the test data's intermediate A,
  so a test can "renew" a name.
* :class:`RedisServer`: a redis-server of the test's own on a free port.
* Switches: ``SSL_RUN_NGINX_TESTS`` (nginx), ``SSL_RUN_REDIS_TESTS`` (Redis). Unset, the tests
  skip saying so; set, a missing binary or module fails them loudly.
"""

import datetime
import importlib.util
import ipaddress
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from typing import Dict
from typing import List
from typing import Optional

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from tests import data
from tests.pebble import _tail
from tests.pebble import free_port
from tests.switches import switch_on
from tools.served import die_with_parent

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NGINX_CONF_DIR = os.path.join(ROOT, "tools", "nginx_conf")


def _load_render_conf():
    """tools/nginx_conf/render_conf.py, the shipped renderer (tools/ is no package)."""
    spec = importlib.util.spec_from_file_location("render_conf", os.path.join(NGINX_CONF_DIR, "render_conf.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render_conf = _load_render_conf()

NGINX_SWITCH = "SSL_RUN_NGINX_TESTS"
REDIS_SWITCH = "SSL_RUN_REDIS_TESTS"
LUA_MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so")
STARTUP_TIMEOUT = 15.0
STATUS_PATH = render_conf.DEFAULTS["STATUS_PATH"]




def require_nginx() -> None:
    """Skip unless the nginx tests are on; when on, fail loudly if nginx or its Lua module is missing."""
    if not switch_on(NGINX_SWITCH):
        pytest.skip("nginx tests are off: set %s=1 to run them" % NGINX_SWITCH)
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        pytest.fail("nginx is missing: apt-get install nginx libnginx-mod-http-lua lua-resty-core lua-cjson")
    for path in LUA_MODULES:
        if not os.path.exists(path):
            pytest.fail("%s is missing: apt-get install libnginx-mod-http-lua lua-resty-core lua-cjson" % path)


def require_redis() -> None:
    if not switch_on(REDIS_SWITCH):
        pytest.skip("Redis tests are off: set %s=1 to run them" % REDIS_SWITCH)
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: apt-get install redis-server")


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


# --- certificates


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write_default_certificate(directory: str) -> Dict[str, str]:
    """A self-signed certificate for 127.0.0.1 / default.invalid: nginx's default certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("default.invalid"))
        .issuer_name(_name("default.invalid"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("default.invalid"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = {"cert": os.path.join(directory, "default.crt"), "key": os.path.join(directory, "default.key")}
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    paths["der"] = cert.public_bytes(serialization.Encoding.DER)
    return paths


def write_htpasswd(directory: str, user: str, password: str) -> str:
    """An nginx user file (apr1 hash, made by openssl) that nginx's workers can read."""
    hashed = subprocess.run(
        ["openssl", "passwd", "-apr1", password], capture_output=True, text=True, check=True
    ).stdout.strip()
    path = os.path.join(directory, "peter_sslers.htpasswd")
    with open(path, "w") as f:
        f.write("%s:%s\n" % (user, hashed))
    os.chmod(path, 0o644)  # read per request by the workers (nobody, when the tests run as root)
    return path


def mint_leaf(names: List[str], days: int = 90, seconds: Optional[int] = None) -> Dict[str, str]:
    """A new EC leaf certificate for ``names``, signed by the test data's intermediate A, valid for
    ``days`` (or, when given, only ``seconds``) from now.

    :returns: ``cert``, ``chain``, ``key`` (PEM text) and ``der`` (the leaf's DER bytes).
    """
    issuer_cert = x509.load_pem_x509_certificate(data.read_bytes("intermediate_a.cert.pem"))
    issuer_key = serialization.load_pem_private_key(data.read_bytes("intermediate_a.key.pem"), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + (datetime.timedelta(seconds=seconds) if seconds else datetime.timedelta(days=days)))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return {
        "cert": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        "chain": data.read("intermediate_a.cert.pem"),
        "key": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
        "der": cert.public_bytes(serialization.Encoding.DER),
    }


def pem_to_der_list(pem_text: str) -> List[bytes]:
    """Every certificate of a PEM bundle, as DER, in order."""
    return [
        x509.load_pem_x509_certificate(block.encode("ascii")).public_bytes(serialization.Encoding.DER)
        for block in re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem_text, re.S)
    ]


# --- TLS clients


def served_leaf_der(port: int, server_name: Optional[str], timeout: float = 10.0) -> bytes:
    """The DER of the certificate nginx serves on 127.0.0.1:``port`` to a client sending SNI ``server_name``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True)


def served_chain_der(port: int, server_name: str, timeout: float = 10.0) -> List[bytes]:
    """Every certificate nginx sends (leaf first) to a client with SNI ``server_name``."""
    result = subprocess.run(
        ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", server_name, "-showcerts"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    chain = pem_to_der_list(result.stdout)
    if not chain:
        raise AssertionError("openssl s_client got no certificate:\n%s\n%s" % (result.stdout, result.stderr))
    return chain


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Call ``predicate`` until it returns a true value (returned) or ``timeout`` passes (the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --- processes


class NginxError(Exception):
    pass


class _Process:
    """A server process of ours, output to a log file, stopped by its pid."""

    process: Optional[subprocess.Popen] = None
    log_path: str = ""

    def _spawn(self, command: List[str], cwd: str) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
            )

    def _wait_port(self, port: int, what: str) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NginxError("%s exited with %s:\n%s" % (what, self.process.returncode, self.log_tail()))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise NginxError("%s did not listen on 127.0.0.1:%d in time:\n%s" % (what, port, self.log_tail()))

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # nginx: fast shutdown of master and workers; redis: shutdown
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)


class EdgeNginx(_Process):
    """nginx rendered from tools/nginx_conf/edge.conf.in into its own directory, on free loopback ports.

    :param values: placeholders of the template (``REDIS_URL``, ``FALLBACK_URL``, ``NEGATIVE_TTL``, ...);
        the listen addresses, paths, default certificate and logs are set here.
    """

    def __init__(
        self,
        values: Optional[Dict[str, str]] = None,
        template: str = "edge.conf.in",
        basic_auth: Optional[tuple] = None,
    ):
        self.workdir = tempfile.mkdtemp(prefix="peter_sslers-nginx-")
        # nginx's workers run as nobody when the tests run as root: they must reach the temp dirs
        os.chmod(self.workdir, 0o755)
        for name in ("logs", "tmp"):
            os.makedirs(os.path.join(self.workdir, name))
        os.chmod(os.path.join(self.workdir, "tmp"), 0o1777)
        self.http_port = free_port()
        self.https_port = free_port()
        default = write_default_certificate(self.workdir)
        self.default_der = default["der"]
        self.default_cert_path = default["cert"]
        self.log_path = os.path.join(self.workdir, "logs", "error.log")
        self.values = {
            "PID_FILE": os.path.join(self.workdir, "nginx.pid"),
            "LOG_DIR": os.path.join(self.workdir, "logs"),
            "LOG_LEVEL": "info",
            "TEMP_DIR": os.path.join(self.workdir, "tmp"),
            "WORKER_PROCESSES": "2",
            "HTTP_LISTEN": "127.0.0.1:%d" % self.http_port,
            "HTTPS_LISTEN": "127.0.0.1:%d" % self.https_port,
            "DEFAULT_CERT": default["cert"],
            "DEFAULT_KEY": default["key"],
            "FALLBACK_URL": "",
            "REDIS_URL": "",
        }
        if basic_auth:
            # the endpoints behind HTTP basic authentication, as peter_sslers' nginx.userpass expects
            self.values["AUTH_BASIC"] = "peter_sslers"
            self.values["HTPASSWD"] = write_htpasswd(self.workdir, *basic_auth)
        self.values.update(values or {})
        # a port the test chose (pebble's http-01 port, say) is the one status() and http_url use
        listen = self.values["HTTP_LISTEN"]
        if listen.startswith("127.0.0.1:"):
            self.http_port = int(listen.rsplit(":", 1)[1])
        with open(os.path.join(NGINX_CONF_DIR, template)) as f:
            self.conf_text = render_conf.render(f.read(), self.values)
        self.conf_path = os.path.join(self.workdir, "nginx.conf")
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text)

    @property
    def http_url(self) -> str:
        return "http://127.0.0.1:%d" % self.http_port

    @property
    def https_url(self) -> str:
        return "https://127.0.0.1:%d" % self.https_port

    def command(self, *extra: str) -> List[str]:
        return [nginx_binary(), "-p", self.workdir, "-c", self.conf_path, *extra]

    def start(self) -> "EdgeNginx":
        test = subprocess.run(self.command("-t"), capture_output=True, text=True)
        if test.returncode != 0:
            raise NginxError("nginx -t refused %s:\n%s%s" % (self.conf_path, test.stdout, test.stderr))
        self._spawn(self.command("-g", "daemon off;"), self.workdir)
        self._wait_port(self.https_port, "nginx")
        self._wait_port(self.http_port, "nginx")
        return self

    def rewrite(self, old: str, new: str) -> None:
        """Edit the rendered config before :meth:`start` (to test what ``configure()`` itself refuses,
        values the renderer would not let through)."""
        assert old in self.conf_text, old
        self.conf_text = self.conf_text.replace(old, new)
        with open(self.conf_path, "w") as f:
            f.write(self.conf_text)

    def status(self) -> dict:
        """The status endpoint's answer (over plain HTTP, from loopback)."""
        response = requests.get(self.http_url + self.values.get("STATUS_PATH", STATUS_PATH), timeout=10)
        if response.status_code != 200:
            raise AssertionError("status: HTTP %s %s" % (response.status_code, response.text))
        return response.json()

    def stats(self) -> dict:
        return self.status()["stats"]

    def leaf(self, server_name: Optional[str], timeout: float = 10.0) -> bytes:
        return served_leaf_der(self.https_port, server_name, timeout=timeout)

    def chain(self, server_name: str) -> List[bytes]:
        return served_chain_der(self.https_port, server_name)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class RedisServer(_Process):
    """A redis-server of our own on a free loopback port, nothing saved to disk, optional password.

    :param tls: ``(cert_path, key_path)``: listen with TLS only (``rediss://``), no client certificates.
    """

    def __init__(self, password: Optional[str] = None, tls: Optional[tuple] = None):
        self.workdir = tempfile.mkdtemp(prefix="peter_sslers-redis-")
        self.port = free_port()
        self.password = password
        self.tls = tls
        self.log_path = os.path.join(self.workdir, "redis.log")

    def url(self, db: int = 0) -> str:
        auth = ":%s@" % self.password if self.password else ""
        return "%s://%s127.0.0.1:%d/%d" % ("rediss" if self.tls else "redis", auth, self.port, db)

    def start(self) -> "RedisServer":
        command = [
            shutil.which("redis-server"),
            "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", self.workdir,
        ]  # fmt: skip
        if self.tls:
            command[command.index("--port") + 1] = "0"
            command += ["--tls-port", str(self.port), "--tls-cert-file", self.tls[0], "--tls-key-file", self.tls[1],
                        "--tls-auth-clients", "no"]  # fmt: skip
        if self.password:
            command += ["--requirepass", self.password]
        self._spawn(command, self.workdir)
        self._wait_port(self.port, "redis-server")
        return self

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
