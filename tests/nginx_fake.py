"""The nginx tests' harness: ``tools/fake_server.py`` on loopback, a self-signed TLS pair, a dead port.

Every fixture here is gated by ``SSL_RUN_NGINX_TESTS``: unset or 0 skips the test, saying so.

* ``fake_nginx(**kwargs)``: start a :class:`FakeServer` (port 0, in a thread) and stop it after the
  test; the keyword arguments are FakeServer's (``userpass``, ``tls``, ``mode``...).
* ``self_signed_tls``: ``(cert_path, key_path)`` of a self-signed certificate for 127.0.0.1 and
  localhost, made once per run with ``cryptography``; the certificate is its own CA bundle.
* ``dead_server_url``: ``http://127.0.0.1:PORT`` where PORT is bound but not listening for the
  test's duration, so connections to it are refused and no other process can take it meanwhile.
"""

import datetime
import importlib.util
import ipaddress
import os
import socket
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests import switches

SWITCH = "SSL_RUN_NGINX_TESTS"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKE_SERVER_PATH = os.path.join(ROOT, "tools", "fake_server.py")


def _load_fake_server():
    """``tools/fake_server.py`` as a module (tools/ is not a package: the script runs on its own)."""
    if "fake_server" in sys.modules:
        return sys.modules["fake_server"]
    spec = importlib.util.spec_from_file_location("fake_server", FAKE_SERVER_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["fake_server"] = module
    spec.loader.exec_module(module)
    return module


fake_server = _load_fake_server()
FakeServer = fake_server.FakeServer


def switch_on() -> bool:
    return switches.switch_on(SWITCH)


def require_switch() -> None:
    """Skip the calling test unless the nginx tests are switched on."""
    if not switch_on():
        pytest.skip("nginx tests are off: set %s=1 to run them" % SWITCH)


@pytest.fixture
def fake_nginx():
    require_switch()
    started = []

    def _start(**kwargs) -> FakeServer:
        server = FakeServer(**kwargs).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()


@pytest.fixture
def dead_server_url():
    require_switch()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    try:
        yield "http://127.0.0.1:%s" % sock.getsockname()[1]
    finally:
        sock.close()


def make_self_signed(directory) -> tuple:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key: ``(cert_path, key_path)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peter_sslers fake nginx")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(str(directory), "fake_nginx.cert.pem")
    key_path = os.path.join(str(directory), "fake_nginx.key.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


@pytest.fixture(scope="session")
def self_signed_tls(tmp_path_factory):
    require_switch()
    return make_self_signed(tmp_path_factory.mktemp("fake_nginx_tls"))
