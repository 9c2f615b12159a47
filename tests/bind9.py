"""Debian's bind9 (``named``) on loopback, authoritative for the test zone ``example.test``.

What is here:

* :class:`Bind9`: one ``named -g -c <dir>/named.conf`` process (foreground) whose configuration,
  zone file, journal and pid file all live in a temporary directory: it never reads or writes
  ``/etc/bind`` or ``/var/cache/bind``, listens on 127.0.0.1 only, on a free port (UDP and TCP),
  answers no recursion and has no control channel (``rndc``). It is authoritative for
  ``example.test`` (SOA, ``NS ns1.example.test``, ``ns1 A 127.0.0.1``) and accepts RFC 2136
  updates of that zone signed with the TSIG key ``tsig_name``/``tsig_secret`` (hmac-sha256,
  generated per run). A second key, ``other_tsig_name``/``other_tsig_secret``, is known to the
  server but may update nothing (a REFUSED update).
* ``Bind9.rfc2136_server()``: a ``lib.dns01.Rfc2136Server`` for the zone (the TSIG key, the
  visibility check asking this server); ``add_record`` / ``delete_records``: an RFC 2136 update
  of any record type with the key (the tests' CNAMEs ``_acme-challenge.<name>`` -> an acme-dns
  ``fulldomain``).
* ``bind9`` (session fixture): started once per run. Tests share it: use record names of their own.

Gated by ``SSL_RUN_DNS_TESTS``: unset or 0 skips the test, saying so; set, a missing ``named``
or a ``named`` that does not come up fails the test loudly, saying what to install.
"""

import base64
import os
import shutil
import tempfile
import time
from typing import Optional

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.update
import pytest

from peter_sslers.lib import dns01

from tests import switches
from tests.pebble import _spawn
from tests.pebble import _stop_process
from tests.pebble import _tail
from tests.pebble import free_udp_tcp_port

SWITCH = "SSL_RUN_DNS_TESTS"
ZONE = "example.test"
STARTUP_TIMEOUT = 20.0
INSTALL_HINT = "install Debian's bind9 package: apt-get install bind9 (make test-deps does it, no service started)"


class Bind9Error(Exception):
    """named is missing or did not come up."""


def switch_on() -> bool:
    return switches.switch_on(SWITCH)


def require_switch() -> None:
    if not switch_on():
        pytest.skip("DNS tests against bind9 are off: set %s=1 to run them" % SWITCH)


def named_binary() -> str:
    path = shutil.which("named") or ("/usr/sbin/named" if os.access("/usr/sbin/named", os.X_OK) else None)
    if not path:
        raise Bind9Error("The `named` binary is missing (looked in PATH and /usr/sbin): " + INSTALL_HINT)
    return path


def _secret() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


class Bind9:
    def __init__(self, workdir: Optional[str] = None, startup_timeout: float = STARTUP_TIMEOUT):
        self.binary = named_binary()
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="peter_sslers-bind9-")
        self.port = free_udp_tcp_port()
        self.startup_timeout = startup_timeout
        self.zone = ZONE
        self.tsig_name = "peter-sslers-test."
        self.tsig_secret = _secret()
        self.tsig_algorithm = "hmac-sha256"
        self.other_tsig_name = "not-allowed."
        self.other_tsig_secret = _secret()
        self.log_path = os.path.join(self.workdir, "named.log")
        self.config_path = os.path.join(self.workdir, "named.conf")
        self.process = None
        self._write_files()

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, as pebble's ``-dnsserver`` takes it."""
        return "127.0.0.1:%d" % self.port

    def _write_files(self) -> None:
        zone_file = os.path.join(self.workdir, "%s.zone" % ZONE)
        with open(zone_file, "w") as f:
            f.write(
                "$TTL 60\n"
                "@ IN SOA ns1.%(zone)s. hostmaster.%(zone)s. 1 3600 600 86400 60\n"
                "@ IN NS ns1.%(zone)s.\n"
                "ns1 IN A 127.0.0.1\n"
                "@ IN A 127.0.0.1\n" % {"zone": ZONE}
            )
        config = """
options {
    directory "%(dir)s";
    pid-file "%(dir)s/named.pid";
    session-keyfile "%(dir)s/session.key";
    managed-keys-directory "%(dir)s";
    listen-on port %(port)d { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    allow-query { 127.0.0.1; };
    allow-transfer { none; };
    dnssec-validation no;
    notify no;
};
controls { };
key "%(tsig_name)s" { algorithm hmac-sha256; secret "%(tsig_secret)s"; };
key "%(other_name)s" { algorithm hmac-sha256; secret "%(other_secret)s"; };
zone "%(zone)s" {
    type primary;
    file "%(zone_file)s";
    allow-update { key "%(tsig_name)s"; };
};
""" % {
            "dir": self.workdir,
            "port": self.port,
            "tsig_name": self.tsig_name,
            "tsig_secret": self.tsig_secret,
            "other_name": self.other_tsig_name,
            "other_secret": self.other_tsig_secret,
            "zone": ZONE,
            "zone_file": zone_file,
        }
        with open(self.config_path, "w") as f:
            f.write(config)

    def start(self) -> "Bind9":
        # -g: foreground, log to stderr; -n 1: one worker thread (a small shared machine)
        command = [self.binary, "-g", "-n", "1", "-c", self.config_path]
        self.process = _spawn(command, self.workdir, None, self.log_path, "=== %s\n" % " ".join(command))
        deadline = time.monotonic() + self.startup_timeout
        query = dns.message.make_query(ZONE, dns.rdatatype.SOA)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Bind9Error("named exited with status %s. Log tail:\n%s" % (self.process.returncode, self.log_tail()))
            try:
                response = dns.query.udp(query, "127.0.0.1", timeout=0.5, port=self.port)
                if response.answer:
                    return self
            except Exception:  # not listening yet
                pass
            time.sleep(0.05)
        self.stop()
        raise Bind9Error("named did not answer within %.0f s. Log tail:\n%s" % (self.startup_timeout, self.log_tail()))

    def stop(self) -> None:
        _stop_process(self.process)

    # --- writing to the zone (RFC 2136, signed with the key that may update it)

    def rfc2136_server(self) -> dns01.Rfc2136Server:
        """What ``lib.dns01`` needs to update the zone and check visibility at this server."""
        return dns01.Rfc2136Server(
            zone=self.zone,
            server="127.0.0.1",
            port=self.port,
            tsig_key_name=self.tsig_name,
            tsig_algorithm=self.tsig_algorithm,
            tsig_secret=self.tsig_secret,
            visibility_nameservers=(("127.0.0.1", self.port),),
        )

    def _update(self, change) -> None:
        name, algorithm = dns.name.from_text(self.tsig_name), dns.name.from_text(self.tsig_algorithm)
        key = dns.tsig.Key(name, self.tsig_secret, algorithm)
        update = dns.update.UpdateMessage(self.zone, keyring=key)
        change(update)
        response = dns.query.tcp(update, "127.0.0.1", timeout=5, port=self.port)
        if response.rcode() != dns.rcode.NOERROR:
            raise Bind9Error("bind9 answered %s to an update" % dns.rcode.to_text(response.rcode()))

    def add_record(self, name: str, rdtype: str, text: str, ttl: int = 60) -> None:
        """Add ``name rdtype text`` (e.g. ``add_record("_acme-challenge.a.example.test", "CNAME",
        "<uuid>.auth.example.test.")``). bind9 ignores a CNAME added where other records are (and
        other records where a CNAME is), as RFC 2136 says."""
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), text)
        self._update(lambda update: update.add(dns.name.from_text(name), ttl, rdata))

    def delete_records(self, name: str, rdtype: str) -> None:
        """Delete every ``rdtype`` record of ``name`` (nothing there is not an error)."""
        self._update(lambda update: update.delete(dns.name.from_text(name), rdtype))

    def close(self) -> None:
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_path, lines)

    def __repr__(self) -> str:
        return "<Bind9 %s %s>" % (self.address, ZONE)


def _start_or_fail():
    try:
        return Bind9().start()
    except Bind9Error as exc:
        message = "%s is on but bind9 cannot run: %s" % (SWITCH, exc)
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def bind9():
    """A session-wide bind9 authoritative for ``example.test`` on a free loopback port (see the module)."""
    require_switch()
    server = _start_or_fail()
    yield server
    server.close()
