"""make bench: the hot paths over HTTP, each beside the limit this machine sets, measured in the same run.

    .venv/bin/python bench/bench.py            # full size: 10,000 domains (100,000 for Redis), writes docs/Performance.md
    .venv/bin/python bench/bench.py --quick    # small sizes, a couple of minutes, writes docs/Performance.md too
    .venv/bin/python bench/bench.py --quick --no-write --only reads,redis

Everything it needs it starts itself, on loopback only, and stops at the end: peter_sslers under
waitress (``pserve`` with an ini of its own: 4 threads, SQLite on local disk, the way users run it),
a ``redis-server`` on a free port, Debian's ``pebble`` (always-valid, no sleeps), ``wrk`` as the
HTTP load, ``redis-benchmark`` and ``certbot`` as the limits. It builds its own data: N domains
(every tenth certificate covers ten names, the rest one; real EC P-256 leaves, each with its own
key, on one chain of a throwaway CA), a pending http-01 challenge per domain (up to 10,000).

Benchmarks, each with its limit (see docs/Performance.md for what each figure means):

* ``reads``: ``config.json`` (full, ``?idonly=1``, ``?openresty=1``) and the challenge responder (hit
  and miss) with wrk at each concurrency; limit: ``/.well-known/public/whoami`` served the same way,
  alternating with the target. Also in process (the WSGI app called directly, no HTTP): the median
  time and the SQL statements of one request, which say where an HTTP figure's time goes.
* ``uploads``: ``/certificate-signed/upload.json`` over HTTP and ``import__CertificateSigned`` in
  process, EC and RSA, 1 and 4 clients, counting 500s; limit: parsing and checking the same PEMs
  with ``cryptography`` alone (load each, key matches certificate, chain signed it).
* ``redis``: ``/api/redis/prime.json`` over HTTP, both styles, at each Redis size; limit:
  ``redis-benchmark`` pipelined SET and HSET for as many keys as the prime writes.
* ``issuance``: N certificates through the domain queue and then through the renewal queue, over
  HTTP, against pebble: one ``process`` call a certificate (1 and 4 clients), and ONE call with
  ``max_items=N`` (the server runs ``queue_process_concurrency`` orders at once); peer and limit:
  ``certbot certonly --standalone`` issuing as many names against the same pebble in the same run.

The peak RSS of the server process is read from /proc (VmHWM, reset before each load).
The marked section of docs/Performance.md (``<!-- bench:begin ... -->`` to ``<!-- bench:end -->``)
is rewritten, and bench/bench_result.json holds every figure.
"""

import argparse
import concurrent.futures
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict
from typing import List
from typing import Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.lib.context import ApiContext  # noqa: E402
from peter_sslers.lib.db import actions  # noqa: E402
from peter_sslers.lib.db import create  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.model import utils as model_utils  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402
from tools import served  # noqa: E402

UTC = datetime.timezone.utc
ADMIN = "/.well-known/admin"
BENCHMARKS = ("reads", "uploads", "redis", "issuance")
BEGIN = "<!-- bench:begin (written by `make bench`; a rerun replaces it) -->"
END = "<!-- bench:end -->"
MAX_CHALLENGES = 10000


class BenchError(Exception):
    """A service did not come up, or a benchmark could not run at all."""


@dataclasses.dataclass
class Plan:
    """What to run and how big. ``full()``, ``quick()`` and ``smoke()`` are the three presets."""

    sizes: List[int]  # domains for reads and uploads
    redis_sizes: List[int]
    runs: int  # repetitions; the tables show medians
    duration: float  # seconds of one wrk run (whole seconds: wrk takes no fractions)
    concurrencies: List[int]
    uploads_ec: int  # certificates per measurement
    uploads_rsa: int
    upload_clients: List[int]
    issue: int  # certificates per issuance measurement
    issue_clients: List[int]
    benchmarks: tuple = BENCHMARKS
    upload_sizes: Optional[List[int]] = None  # None: the first of ``sizes`` only
    alternate: bool = True  # run the limit after each run of each target (False: once per concurrency)

    @classmethod
    def full(cls) -> "Plan":
        return cls([10000, 100000], [10000, 100000], 3, 5.0, [8, 32], 300, 40, [1, 4], 100, [1, 4])

    @classmethod
    def quick(cls) -> "Plan":
        return cls([1000], [1000, 5000], 3, 2.0, [8, 32], 60, 10, [1, 4], 10, [1, 4])

    @classmethod
    def smoke(cls) -> "Plan":
        """The test suite's: every figure, tiny, seconds each."""
        return cls([60], [60], 1, 1.0, [4], 4, 1, [1, 2], 1, [1], alternate=False)


# --- small helpers


def bin_path(name: str) -> Optional[str]:
    """A console script of this virtualenv first (pserve, certbot), then PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(local):
        return local
    return shutil.which(name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median(values: list) -> Optional[float]:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(value: Optional[float], limit: Optional[float]) -> Optional[float]:
    if not value or not limit:
        return None
    return value / limit


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log(text: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), text), flush=True)


class ProcessMemory:
    """Peak RSS of a process from /proc: VmHWM, which ``reset()`` brings back to the current RSS."""

    def __init__(self, pid: int):
        self.pid = pid

    def _field(self, name: str) -> Optional[int]:
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith(name + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def rss(self) -> Optional[int]:
        return self._field("VmRSS")

    def peak(self) -> Optional[int]:
        return self._field("VmHWM")

    def reset(self) -> None:
        try:  # "5" resets the peak RSS (Linux >= 4.0) of a process we own
            with open("/proc/%d/clear_refs" % self.pid, "w") as f:
                f.write("5")
        except OSError:
            pass


# --- services


class RedisServer:
    """redis-server on a free loopback port, no persistence, in a directory of its own."""

    def __init__(self, workdir: str):
        binary = shutil.which("redis-server")
        if not binary:
            raise BenchError("redis-server is missing: apt-get install redis-server")
        self.port = free_port()
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.process = served.spawn(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", workdir, "--protected-mode", "yes"],
            os.path.join(workdir, "redis.log"),
        )
        import redis

        self.client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 15
        while True:
            try:
                self.client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise BenchError("redis-server did not answer on 127.0.0.1:%d" % self.port)
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return "redis://127.0.0.1:%d/0" % self.port

    def stop(self) -> None:
        served.stop(self.process)


class AppServer:
    """peter_sslers served by ``pserve`` (waitress, 4 threads) from an ini written here (tools/served.py)."""

    def __init__(self, workdir: str, settings: Dict[str, str], name: str = "server"):
        try:
            self.served = served.Served.from_settings(workdir, name, settings, free_port(), threads=4)
            self.memory = ProcessMemory(self.served.pid)
            self.served.wait(60)
        except served.ServedError as exc:
            raise BenchError(str(exc)) from None
        self.port = self.served.port
        self.log_path = self.served.log_path
        self.session = requests.Session()
        self.session.trust_env = False  # loopback only, no proxies
        self.rss_start = self.memory.rss()

    @property
    def host(self) -> str:
        return self.served.host

    @property
    def base(self) -> str:
        return self.served.url

    def log_tail(self, lines: int = 30) -> str:
        return served.log_tail(self.log_path, lines)

    def post(self, path: str, data=None, timeout: float = 600) -> requests.Response:
        return self.session.post(self.base + ADMIN + path, data=data or {}, timeout=timeout)

    def stop(self) -> None:
        self.served.stop()
        self.session.close()


def base_settings(db_path: str, **extra) -> Dict[str, str]:
    settings = {
        "sqlalchemy.url": "sqlite:///%s" % db_path,
        "enable_views_public": "true",
        "enable_views_admin": "true",
        "certificate_authority": "pebble",
    }
    settings.update({k: str(v) for k, v in extra.items()})
    return settings


def new_database(db_path: str, settings: Dict[str, str]):
    engine = meta.get_engine(settings)
    app_settings = ApplicationSettings.from_settings(settings)
    initialize_database(engine, app_settings)
    return engine, app_settings


# --- data


class Issuer:
    """A throwaway CA (root and intermediate) signing real EC P-256 (or RSA) leaves."""

    def __init__(self):
        now = datetime.datetime.now(UTC)
        root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Root")])
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Intermediate")])
        self.cert = self._ca(self.name, root_name, self.key.public_key(), root_key, now)
        self.chain_pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()
        self.serial = 1000

    @staticmethod
    def _ca(subject, issuer, public_key, signing_key, now):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(signing_key, hashes.SHA256())
        )

    def leaf(self, names: List[str], key, days: int = 60):
        """(certificate, cert PEM, key PEM)."""
        self.serial += 1
        now = datetime.datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(self.serial)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        ).decode()
        return cert, cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem

    def upload_set(self, prefix: str, technology: str, count: int) -> list:
        """``count`` (cert PEM, key PEM, chain PEM) on new names, each with a new key."""
        items = []
        for i in range(count):
            if technology == "RSA":
                key = rsa.generate_private_key(65537, 2048)
            else:
                key = ec.generate_private_key(ec.SECP256R1())
            _cert, cert_pem, key_pem = self.leaf(["%s-%d.upload.example.org" % (prefix, i)], key)
            items.append((cert_pem, key_pem, self.chain_pem))
        return items


def domain_name(i: int) -> str:
    return "host%06d.example.com" % i


def build_fleet(engine, app_settings, issuer: Issuer, size: int, challenges: int) -> dict:
    """``size`` domains with certificates (one in ten covers ten names), keys and one chain, and a
    pending http-01 challenge on each of the first ``challenges`` domains. Rows are written directly
    (the importer would take minutes at 100,000); update-recents then sets what config.json serves.

    :returns: ``names``, ``tokens`` [(domain, token)], ``seconds``.
    """
    start = time.perf_counter()
    rng = random.Random(size)
    now = datetime.datetime.now(UTC)
    with Session(bind=engine) as session:
        event = m.OperationsEvent(operations_event_type_id=model_utils.OperationsEventType._DatabaseInitialization)
        session.add(event)
        session.flush()
        ca_der = issuer.cert.public_bytes(serialization.Encoding.DER)
        ca = m.CertificateCA(
            display_name="Bench Intermediate",
            key_technology_id=model_utils.KeyTechnology.EC,
            cert_pem=issuer.chain_pem,
            cert_pem_sha256=_sha256(issuer.chain_pem.encode()),
            spki_sha256=_sha256(issuer.cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)),
            fingerprint_sha1=hashlib.sha1(ca_der).hexdigest(),
            timestamp_not_before=now - datetime.timedelta(days=1),
            timestamp_not_after=now + datetime.timedelta(days=3650),
            cert_subject=issuer.cert.subject.rfc4514_string(),
            cert_issuer=issuer.cert.issuer.rfc4514_string(),
            operations_event__created=event,
        )
        chain = m.CertificateCAChain(
            display_name="Bench chain",
            chain_pem=issuer.chain_pem,
            chain_pem_sha256=_sha256(issuer.chain_pem.encode()),
            chain_length=1,
            certificate_ca_0=ca,
            certificate_ca_n=ca,
            certificate_ca_ids_string="0",
            operations_event__created=event,
        )
        session.add_all([ca, chain])
        session.flush()
        chain.certificate_ca_ids_string = str(ca.id)

        names = [domain_name(i) for i in range(size)]
        domains = [m.Domain(domain_name=n, operations_event__created=event) for n in names]
        session.add_all(domains)
        session.flush()
        serial = 0
        index = 0
        while index < size:
            serial += 1
            count = 10 if serial % 10 == 0 else 1
            members = domains[index : index + count]
            index += count
            key = ec.generate_private_key(ec.SECP256R1())
            cert, cert_pem, key_pem = issuer.leaf([d.domain_name for d in members], key, days=30 + rng.randint(0, 60))
            spki = _sha256(key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
            fqdn_set = m.UniqueFQDNSet(
                domain_ids_string=",".join(str(d.id) for d in members),
                count_domains=len(members),
                operations_event__created=event,
            )
            fqdn_set.to_domains = [m.UniqueFQDNSet2Domain(domain=d) for d in members]
            dbKey = m.PrivateKey(
                key_technology_id=model_utils.KeyTechnology.EC,
                key_pem=key_pem,
                key_pem_sha256=_sha256(key_pem.encode()),
                spki_sha256=spki,
                private_key_source_id=model_utils.PrivateKeySource.IMPORTED,
                private_key_type_id=model_utils.PrivateKeyType.STANDARD,
                operations_event__created=event,
            )
            dbCert = m.CertificateSigned(
                timestamp_not_before=cert.not_valid_before_utc,
                timestamp_not_after=cert.not_valid_after_utc,
                is_single_domain_cert=len(members) == 1,
                key_technology_id=model_utils.KeyTechnology.EC,
                cert_pem=cert_pem,
                cert_pem_sha256=_sha256(cert_pem.encode()),
                cert_serial="%x" % cert.serial_number,
                spki_sha256=spki,
                fingerprint_sha1=cert.fingerprint(hashes.SHA1()).hex(),
                cert_subject=cert.subject.rfc4514_string(),
                cert_issuer=cert.issuer.rfc4514_string(),
                unique_fqdn_set=fqdn_set,
                private_key=dbKey,
                operations_event__created=event,
            )
            session.add_all([fqdn_set, dbKey, dbCert])
            session.add(m.CertificateSignedChain(certificate_signed=dbCert, certificate_ca_chain=chain, is_upstream_default=True))
            if serial % 500 == 0:
                session.flush()
        session.flush()
        tokens = _add_challenges(session, event, domains[:challenges])
        session.flush()
        actions.update_recents__global(ApiContext(session, app_settings), log=False)
        session.commit()
    return {"names": names, "tokens": tokens, "seconds": time.perf_counter() - start}


def _add_challenges(session, event, domains) -> list:
    """A pending http-01 challenge per domain, in an order in play (what the responder answers)."""
    provider = session.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).first()
    if provider is None or not domains:
        return []
    account = m.AcmeAccount(acme_account_provider=provider, contact="bench@example.com", operations_event__created=event)
    session.add(account)
    session.flush()
    tokens = []
    for i, domain in enumerate(domains):
        # a set of its own, marked as not the certificates' (whose ids strings are plain ids)
        fqdn_set = m.UniqueFQDNSet(domain_ids_string="challenge-%d" % i, count_domains=1, operations_event__created=event)
        session.add(fqdn_set)
        order = m.AcmeOrder(
            acme_account=account,
            unique_fqdn_set=fqdn_set,
            private_key_id=0,
            private_key_id__requested=0,
            acme_order_type_id=model_utils.AcmeOrderType.from_string("ACME Automated (New)"),
            acme_order_processing_strategy_id=model_utils.AcmeOrder_ProcessingStrategy.from_string("create_order"),
            acme_order_processing_status_id=model_utils.AcmeOrder_ProcessingStatus.from_string("created_acme"),
            private_key_cycle_id__renewal=model_utils.PrivateKeyCycle.from_string("single_certificate"),
            private_key_strategy_id__requested=model_utils.PrivateKeyStrategy.from_string("deferred-generate"),
            order_url="https://acme.example.com/order/%d" % i,
        )
        authz = m.AcmeAuthorization(authorization_url="https://acme.example.com/authz/%d" % i, acme_order_created=order, domain=domain)
        session.add_all([order, authz])
        session.add(m.AcmeOrder2AcmeAuthorization(acme_order=order, acme_authorization=authz, is_present_on_new_order=True))
        token = "bench%038d" % i
        session.add(
            m.AcmeChallenge(
                acme_authorization=authz,
                domain=domain,
                acme_challenge_type_id=model_utils.AcmeChallengeType.from_string("http-01"),
                acme_status_challenge_id=model_utils.Acme_Status_Challenge.from_string("pending"),
                challenge_url="https://acme.example.com/chall/%d" % i,
                token=token,
                keyauthorization=token + ".thumbprint",
            )
        )
        tokens.append((domain.domain_name, token))
        if i % 500 == 499:
            session.flush()
    return tokens


# --- wrk

WRK_SCRIPT = """-- written by bench/bench.py
local targets = {
%s
}
local count = 0
setup = function(thread)
  thread:set("offset", count * 7919)
  count = count + 1
end
local i = 0
request = function()
  i = i + 1
  local t = targets[((i + (offset or 0)) %% #targets) + 1]
  return wrk.format("GET", t[1], {["Host"] = t[2]})
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"status_errors\\": %%d, \\"socket_errors\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d}\\n",
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def wrk_run(server: AppServer, targets: List[tuple], concurrency: int, duration: float, workdir: str) -> dict:
    """One wrk run over ``targets`` [(path, host)], round robin; requests/s, p50 and p99 in ms."""
    binary = shutil.which("wrk")
    if not binary:
        raise BenchError("wrk is missing: apt-get install wrk (make test-deps)")
    script = os.path.join(workdir, "wrk-%d.lua" % abs(hash(tuple(targets[:3]))))
    if not os.path.exists(script):
        body = ",\n".join("{%s, %s}" % (_lua_string(p), _lua_string(h)) for p, h in targets)
        with open(script, "w") as f:
            f.write(WRK_SCRIPT % body)
    threads = min(2, concurrency)
    command = [binary, "-t%d" % threads, "-c%d" % concurrency, "-d%ds" % max(1, round(duration)), "--timeout", "10s", "-s", script, server.base + "/"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    match = re.search(r"^BENCHJSON (\{.*\})$", out.stdout, re.M)
    if out.returncode != 0 or not match:
        raise BenchError("wrk failed (%s): %s %s" % (out.returncode, out.stdout[-500:], out.stderr[-500:]))
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    return {
        "rps": data["requests"] / seconds if seconds else 0.0,
        "p50_ms": data["p50_us"] / 1000.0,
        "p99_ms": data["p99_us"] / 1000.0,
        "requests": data["requests"],
        "status_errors": data["status_errors"],
        "socket_errors": data["socket_errors"],
    }


# --- in process: one request's time and SQL, the WSGI app called directly


def in_process_profile(settings: Dict[str, str], engine, targets: Dict[str, tuple], repeat: int) -> dict:
    """Median ms and SQL statements of one request per target, no HTTP (webob builds the environ)."""
    from webob import Request

    from peter_sslers import main

    app = main({}, dbengine=engine, **settings)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    results = {}
    for label, (path, host) in targets.items():
        environ = {"HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1"}
        for _ in range(5):  # warm up
            Request.blank(path, environ=dict(environ)).get_response(app)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = Request.blank(path, environ=dict(environ)).get_response(app)
            times.append(time.perf_counter() - t0)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            statements.clear()
            Request.blank(path, environ=dict(environ)).get_response(app)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        results[label] = {
            "median_ms": statistics.median(times) * 1000,
            "status": response.status_int,
            "sql": len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE"))]),
        }
    recorder = getattr(app.registry, "challenge_polls", None)
    if recorder is not None:  # write the buffered hits now, while the database is still there
        recorder.stop()
    return results


# --- the benchmarks


def bench_fleet(plan: Plan, workdir: str, redis: Optional[RedisServer]) -> tuple:
    """The reads and the Redis prime share one database per size: (reads rows, redis rows)."""
    reads, primes = [], []
    want_reads = "reads" in plan.benchmarks
    want_redis = "redis" in plan.benchmarks and redis is not None
    sizes = sorted(set(plan.sizes if want_reads else []) | set(plan.redis_sizes if want_redis else []))
    for size in sizes:
        sizedir = os.path.join(workdir, "fleet-%d" % size)
        os.makedirs(sizedir, exist_ok=True)
        db_path = os.path.join(sizedir, "bench.sqlite")
        extra = {"enable_redis": "true", "redis.url": redis.url, "redis.prime_style": "1"} if redis else {}
        settings = base_settings(db_path, **extra)
        engine, app_settings = new_database(db_path, settings)
        reads_here = want_reads and size in plan.sizes
        fleet = build_fleet(engine, app_settings, Issuer(), size, min(size, MAX_CHALLENGES) if reads_here else 0)
        log("%d domains built in %.1f s (%.0f MB of SQLite)" % (size, fleet["seconds"], os.path.getsize(db_path) / 1e6))
        try:
            if reads_here:
                reads.extend(bench_reads_at(plan, sizedir, settings, engine, fleet, redis))
            if want_redis and size in plan.redis_sizes:
                primes.extend(bench_redis_at(plan, sizedir, settings, size, redis))
        finally:
            engine.dispose()
    return reads, primes


def bench_reads_at(plan: Plan, sizedir: str, settings: dict, engine, fleet: dict, redis: Optional[RedisServer]) -> list:
    """config.json and the challenge responder under wrk, beside whoami; and in process."""
    rows = []
    size = len(fleet["names"])
    rng = random.Random(7)
    sample = rng.sample(fleet["names"], min(len(fleet["names"]), 2000))
    tokens = rng.sample(fleet["tokens"], min(len(fleet["tokens"]), 2000))
    server = AppServer(sizedir, settings, name="server-reads")
    try:
        host = server.host
        config = ADMIN + "/domain/%s/config.json"
        targets = {
            "whoami": [("/.well-known/public/whoami", host)],
            "config.json": [(config % n, host) for n in sample],
            "config.json?idonly=1": [(config % n + "?idonly=1", host) for n in sample],
            "config.json?openresty=1": [(config % n + "?openresty=1", host) for n in sample],
            "challenge hit": [("/.well-known/acme-challenge/" + t, d) for d, t in tokens],
            "challenge miss": [("/.well-known/acme-challenge/missing%06d" % i, d) for i, (d, _t) in enumerate(tokens)],
        }
        if not redis:
            del targets["config.json?openresty=1"]
        for concurrency in plan.concurrencies:
            shared = []
            if not plan.alternate:
                shared = [wrk_run(server, targets["whoami"], concurrency, plan.duration, sizedir) for _run in range(plan.runs)]
            for label, paths in targets.items():
                if label == "whoami":
                    continue
                measured, limits = [], list(shared)
                server.memory.reset()
                for _run in range(plan.runs):  # the target and its limit alternate
                    measured.append(wrk_run(server, paths, concurrency, plan.duration, sizedir))
                    if plan.alternate:
                        limits.append(wrk_run(server, targets["whoami"], concurrency, plan.duration, sizedir))
                row = {
                    "size": size,
                    "endpoint": label,
                    "concurrency": concurrency,
                    "rps": median([r["rps"] for r in measured]),
                    "p50_ms": median([r["p50_ms"] for r in measured]),
                    "p99_ms": median([r["p99_ms"] for r in measured]),
                    "limit_rps": median([r["rps"] for r in limits]),
                    "limit_p50_ms": median([r["p50_ms"] for r in limits]),
                    "limit_p99_ms": median([r["p99_ms"] for r in limits]),
                    "non_2xx": sum(r["status_errors"] for r in measured),
                    "socket_errors": sum(r["socket_errors"] + w["socket_errors"] for r, w in zip(measured, limits)),
                    "peak_rss": server.memory.peak(),
                    "runs": plan.runs,
                }
                row["ratio"] = ratio(row["rps"], row["limit_rps"])
                rows.append(row)
                log(
                    "reads N=%d c=%d %-24s %7.0f req/s p99 %6.1f ms | whoami %7.0f req/s | ratio %.2f"
                    % (size, concurrency, label, row["rps"], row["p99_ms"], row["limit_rps"], row["ratio"] or 0)
                )
        rss_start = server.rss_start
    finally:
        server.stop()
    profile = in_process_profile(
        settings,
        engine,
        {label: paths[0] for label, paths in targets.items() if label != "config.json?openresty=1"},
        repeat=max(20, min(300, int(plan.duration * 100))),
    )
    rows.append({"size": size, "endpoint": "in process", "profile": profile, "rss_start": rss_start})
    return rows


def _check_with_cryptography(item) -> None:
    """What an upload must do at the least: parse all three, the key matches, the chain signed it."""
    cert_pem, key_pem, chain_pem = item
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    issuer = x509.load_pem_x509_certificates(chain_pem.encode())[0]
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise ValueError("key does not match")
    cert.verify_directly_issued_by(issuer)


def _in_parallel(clients: int, items: list, work) -> tuple:
    """Run ``work(item)`` over ``items`` with ``clients`` threads; (seconds, [results])."""
    chunks = [items[i::clients] for i in range(clients)]
    results = []
    lock = threading.Lock()

    def worker(chunk):
        mine = [work(item) for item in chunk]
        with lock:
            results.extend(mine)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, chunks))
    return time.perf_counter() - start, results


def bench_uploads(plan: Plan, workdir: str) -> list:
    rows = []
    for size in plan.upload_sizes or plan.sizes[:1]:
        sizedir = os.path.join(workdir, "uploads-%d" % size)
        os.makedirs(sizedir, exist_ok=True)
        db_path = os.path.join(sizedir, "bench.sqlite")
        settings = base_settings(db_path)
        engine, app_settings = new_database(db_path, settings)
        issuer = Issuer()
        fleet = build_fleet(engine, app_settings, issuer, size, 0)
        log("uploads: %d domains built in %.1f s" % (size, fleet["seconds"]))
        server = AppServer(sizedir, settings)
        try:
            for technology, count in (("EC", plan.uploads_ec), ("RSA", plan.uploads_rsa)):
                if not count:
                    continue
                for clients in plan.upload_clients:
                    for path in ("upload", "importer"):
                        rates, limits, statuses = [], [], {}
                        server.memory.reset()
                        for run in range(plan.runs):
                            # a new intermediate each run: the clients' first uploads race to store its chain,
                            # as when a CA starts issuing from a new one
                            items = Issuer().upload_set("%s-%s-%d-%d" % (path, technology.lower(), clients, run), technology, count)
                            if path == "upload":
                                seconds, results = _in_parallel(clients, items, _uploader(server))
                            else:
                                seconds, results = _in_parallel(clients, items, _importer(engine, app_settings))
                            for result in results:
                                statuses[result] = statuses.get(result, 0) + 1
                            rates.append(count / seconds)
                            seconds, _ = _in_parallel(clients, items, _check_with_cryptography)
                            limits.append(count / seconds)
                        row = {
                            "size": size,
                            "path": path,
                            "technology": technology,
                            "clients": clients,
                            "count": count,
                            "per_s": median(rates),
                            "limit_per_s": median(limits),
                            "statuses": statuses,
                            "status_500": statuses.get("500", 0),
                            "failures": sum(v for k, v in statuses.items() if k not in ("200", "ok")),
                            "peak_rss": server.memory.peak() if path == "upload" else None,
                            "runs": plan.runs,
                        }
                        row["ratio"] = ratio(row["per_s"], row["limit_per_s"])
                        rows.append(row)
                        log(
                            "uploads N=%d %-8s %-3s x%d: %6.1f/s | cryptography %7.1f/s | ratio %.3f | %s"
                            % (size, path, technology, clients, row["per_s"], row["limit_per_s"], row["ratio"] or 0, statuses)
                        )
        finally:
            server.stop()
            engine.dispose()
    return rows


def _uploader(server: AppServer):
    local = threading.local()

    def upload(item) -> str:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.trust_env = False
        cert_pem, key_pem, chain_pem = item
        try:
            response = local.session.post(
                server.base + ADMIN + "/certificate-signed/upload.json",
                files={
                    "private_key_file": ("privkey.pem", key_pem.encode()),
                    "certificate_file": ("cert.pem", cert_pem.encode()),
                    "chain_file": ("chain.pem", chain_pem.encode()),
                },
                timeout=120,
            )
        except requests.RequestException as exc:
            return "error: %s" % type(exc).__name__
        if response.status_code == 200 and response.json().get("result") != "success":
            return "200 but %s" % response.json().get("result")
        return str(response.status_code)

    return upload


def _importer(engine, app_settings):
    def run(item) -> str:
        cert_pem, key_pem, chain_pem = item
        with Session(bind=engine) as session:
            try:
                create.import__CertificateSigned(ApiContext(session, app_settings), cert_pem, chain_pem, key_pem)
                session.commit()
                return "ok"
            except Exception as exc:  # counted and shown: a failure is a finding, not a crash of the bench
                session.rollback()
                return "error: %s" % type(exc).__name__

    return run


def redis_benchmark(redis: RedisServer, command: List[str], count: int) -> float:
    """Operations a second of one pipelined redis-benchmark run (``-P 100``, ``count`` random keys).

    Below 20,000 operations the run is too short for its millisecond clock (it says ``inf``): the
    rate of a small ``count`` is measured on 20,000."""
    binary = shutil.which("redis-benchmark")
    if not binary:
        raise BenchError("redis-benchmark is missing: apt-get install redis-tools")
    count = max(count, 20000)
    out = subprocess.run(
        [binary, "-h", "127.0.0.1", "-p", str(redis.port), "-n", str(count), "-r", str(count), "-P", "100", "-c", "4", "--csv"] + command,
        capture_output=True,
        text=True,
        timeout=600,
    )
    rates = re.findall(r'^"[^"]*","([0-9.]+)"', out.stdout, re.M)
    if out.returncode != 0 or not rates:
        raise BenchError("redis-benchmark failed: %s %s" % (out.stdout[-300:], out.stderr[-300:]))
    return float(rates[-1])


def bench_redis_at(plan: Plan, sizedir: str, settings: dict, size: int, redis: RedisServer) -> list:
    """/api/redis/prime.json over HTTP, each style on a server started with it; beside redis-benchmark."""
    rows = []
    for style in (1, 2):
        server = AppServer(sizedir, dict(settings, **{"redis.prime_style": str(style)}), name="server-style%d" % style)
        try:
            times, limits, results = [], [], []
            server.memory.reset()
            for _run in range(plan.runs):
                redis.client.flushdb()
                t0 = time.perf_counter()
                response = server.post("/api/redis/prime.json")
                times.append(time.perf_counter() - t0)
                payload = response.json()
                if response.status_code != 200 or payload.get("result") != "success":
                    raise BenchError("prime failed (%s): %s" % (response.status_code, str(payload)[:500]))
                results.append(payload)
                primed = (payload.get("operations_event") or {}).get("total_primed") or {}
                hashes_written = primed.get("domain", 0)
                if not hashes_written:
                    raise BenchError("the prime wrote no domain: %s" % str(payload)[:500])
                values_written = primed.get("cert", 0) + primed.get("pkey", 0) + primed.get("certcachain", 0) if style == 1 else 0
                redis.client.flushdb()
                value = "v" * (1800 if style == 1 else 2300)
                hset_rate = redis_benchmark(redis, ["HSET", "bench:h:__rand_int__", "f", value], hashes_written)
                limit = hashes_written / hset_rate
                if values_written:
                    set_rate = redis_benchmark(redis, ["SET", "bench:s:__rand_int__", value], values_written)
                    limit += values_written / set_rate
                limits.append(limit)
                redis.client.flushdb()
            row = {
                "size": size,
                "style": style,
                "domains": hashes_written,
                "keys": hashes_written + values_written,
                "seconds": median(times),
                "limit_seconds": median(limits),
                "peak_rss": server.memory.peak(),
                "rss_start": server.rss_start,
                "runs": plan.runs,
            }
            row["per_s"] = row["domains"] / row["seconds"]
            row["limit_per_s"] = row["domains"] / row["limit_seconds"]
            row["ratio"] = ratio(row["per_s"], row["limit_per_s"])
            rows.append(row)
            log(
                "redis N=%d style %d: %.2f s (%.0f domains/s) | redis-benchmark %.3f s | ratio %.3f | peak RSS %.0f MiB"
                % (size, style, row["seconds"], row["per_s"], row["limit_seconds"], row["ratio"] or 0, (row["peak_rss"] or 0) / 2**20)
            )
        finally:
            server.stop()
    return rows


def _pebble_harness():
    """tests/pebble.py: the test suite's pebble launcher (it needs the testing extras: pytest)."""
    try:
        from tests import pebble
    except ImportError as exc:
        raise BenchError("the issuance benchmark uses tests/pebble.py, which could not be imported: %s" % exc)
    return pebble


def _certbot_issue(certbot: str, pebble, names: List[str], clients: int, workdir: str) -> tuple:
    """certbot certonly --standalone, one name a run, ``clients`` runs at a time (each its own
    config directory: certbot allows one run per directory). (seconds, failures)."""
    env = dict(os.environ, REQUESTS_CA_BUNDLE=pebble.ca_bundle_path)
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(key, None)
    ports = [free_port() for _ in range(clients)]

    def run(index_name):
        index, name = index_name
        slot = index % clients
        base = os.path.join(workdir, "certbot-%d" % slot)
        command = [
            certbot, "certonly", "--non-interactive", "--agree-tos", "--register-unsafely-without-email",
            "--server", pebble.directory_url, "--standalone", "--http-01-address", "127.0.0.1",
            "--http-01-port", str(ports[slot]), "--config-dir", base + "/config", "--work-dir", base + "/work",
            "--logs-dir", base + "/logs", "-d", name,
        ]
        out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        return out.returncode == 0 or ("certbot: %s" % out.stderr[-300:])

    # runs sharing a slot must not overlap: one thread per slot
    items = list(enumerate(names))
    chunks = [items[i::clients] for i in range(clients)]
    failures = []
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for results in pool.map(lambda chunk: [run(x) for x in chunk], chunks):
            failures.extend(r for r in results if r is not True)
    return time.perf_counter() - start, failures


_client = threading.local()


def _post(server: AppServer, path: str, data: dict) -> requests.Response:
    """A POST from one of several client threads: a session each (a Session is not shared across
    threads), no proxies (loopback only)."""
    if not hasattr(_client, "session"):
        _client.session = requests.Session()
        _client.session.trust_env = False
    return _client.session.post(server.base + ADMIN + path, data=data, timeout=600)


def _json(response: requests.Response) -> dict:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


# the issuance server's `queue_process_concurrency` (orders at once in one `process` call)
ISSUE_CONCURRENCY = 4


def _queue_names(server: AppServer, names: List[str]) -> None:
    response = server.post("/queue-domains/add.json", {"domain_names_http01": ",".join(names)})
    if response.status_code != 200:
        raise BenchError("queue-domains/add failed: %s" % response.text[:500])


def _queue_renewals(server: AppServer) -> Optional[int]:
    response = server.post("/api/queue-certificates/update.json")
    return (response.json().get("results") or {}).get("count_queued") if response.status_code == 200 else None


def _item_statuses(response: requests.Response, count: int, ok) -> List[str]:
    """One status a certificate asked for from a `max_items` answer: "200" for each item ``ok`` says
    succeeded, the error for the others, and the HTTP status for those not in the answer."""
    items = (_json(response).get("queue_results") or {}).get("items") or []
    statuses = ["200" if ok(item) else "item: %s" % (item.get("error") or item.get("result")) for item in items]
    missing = "%s: %s" % (response.status_code, _json(response).get("error", response.text[:100]))
    return statuses + [missing] * max(0, count - len(items))


def _certbot_figures(certbot: Optional[str], pebble, names: List[str], clients: int, workdir: str, count: int) -> tuple:
    if not certbot:
        return None, ["certbot is not installed"], None
    seconds, failures = _certbot_issue(certbot, pebble, names, clients, workdir)
    return seconds, failures, (count - len(failures)) / seconds


def _issuance_row(path: str, clients: int, count: int, seconds: float, results: List[str], rss, queued, certbot_run) -> dict:
    certbot_s, certbot_failures, certbot_rate = certbot_run
    statuses: Dict[str, int] = {}
    for result in results:
        statuses[result] = statuses.get(result, 0) + 1
    row = {
        "path": path,
        "clients": clients,
        "count": count,
        "seconds": seconds,
        "per_s": statuses.get("200", 0) / seconds,
        "statuses": statuses,
        "failures": count - statuses.get("200", 0),
        "queued": queued if path.startswith("renewal queue") else None,
        "certbot_seconds": certbot_s,
        "certbot_per_s": certbot_rate,
        "certbot_clients": clients,
        "certbot_failures": len(certbot_failures),
        "certbot_error": certbot_failures[0] if certbot_failures else None,
        "peak_rss": rss,
    }
    row["ratio"] = ratio(row["per_s"], certbot_rate)
    log(
        "issuance %-23s x%d: %d in %.1f s (%.2f/s) %s | certbot %s | ratio %s"
        % (path, clients, count, seconds, row["per_s"], statuses,
           "%.1f s" % certbot_s if certbot_s else certbot_failures[:1],
           "%.2f" % row["ratio"] if row["ratio"] else "-")
    )
    return row


def bench_issuance(plan: Plan, workdir: str) -> list:
    pebble_mod = _pebble_harness()
    certbot = bin_path("certbot")
    issuedir = os.path.join(workdir, "issuance")
    os.makedirs(issuedir, exist_ok=True)
    pebble = pebble_mod.Pebble(os.path.join(issuedir, "pebble"), env=pebble_mod.ALWAYS_VALID_ENV)
    rows = []
    try:
        pebble.start()
        db_path = os.path.join(issuedir, "bench.sqlite")
        settings = base_settings(
            db_path,
            certificate_authority_directory=pebble.directory_url,
            certificate_authority_ca_bundle=pebble.ca_bundle_path,
            queue_certificates_renewal_days="4000",  # pebble's certificates are due at once
            # Let's Encrypt's limits, which peter_sslers keeps by default, are not pebble's, and
            # certbot keeps none: 100 names under example.com are past the 50 a week of one domain
            rate_limit_orders_per_account="0",
            rate_limit_certificates_per_domain="0",
            queue_process_concurrency=str(ISSUE_CONCURRENCY),
        )
        engine, _app_settings = new_database(db_path, settings)
        engine.dispose()
        server = AppServer(issuedir, settings)
        try:
            # certificates with ECDSA P-256 keys, as certbot's (its default key type since 2.0)
            response = server.post(
                "/acme-account/new.json",
                {"account__contact": "bench@example.com", "account__private_key_technology": "EC"},
            )
            if response.status_code != 200 or response.json().get("result") != "success":
                raise BenchError("account on pebble failed: %s" % response.text[:500])
            certbot_by_clients = {}
            for clients in plan.issue_clients:
                names = ["issue-c%d-%04d.bench.example.com" % (clients, i) for i in range(plan.issue)]
                _queue_names(server, names)

                def one_domain_order(_i):
                    r = _post(server, "/queue-domains/process.json", {"max_domains_per_certificate": "1", "processing_strategy": "process_single"})
                    ok = r.status_code == 200 and (_json(r).get("AcmeOrder") or {}).get("certificate_signed_id")
                    return "200" if ok else "%s: %s" % (r.status_code, _json(r).get("error", r.text[:100]))

                def one_renewal(_i):
                    r = _post(server, "/api/queue-certificates/process.json", {})
                    ok = r.status_code == 200 and (_json(r).get("queue_results") or {}).get("count_success") == 1
                    return "200" if ok else "%s: %s" % (r.status_code, _json(r).get("error", r.text[:100]))

                server.memory.reset()
                domain_s, domain_results = _in_parallel(clients, list(range(plan.issue)), one_domain_order)
                domain_rss = server.memory.peak()
                queued = _queue_renewals(server)
                server.memory.reset()
                renew_s, renew_results = _in_parallel(clients, list(range(plan.issue)), one_renewal)
                renew_rss = server.memory.peak()
                certbot_by_clients[clients] = certbot_run = _certbot_figures(certbot, pebble, names, clients, issuedir, plan.issue)
                for path, seconds, results, rss in (
                    ("domain queue", domain_s, domain_results, domain_rss),
                    ("renewal queue", renew_s, renew_results, renew_rss),
                ):
                    rows.append(_issuance_row(path, clients, plan.issue, seconds, results, rss, queued, certbot_run))

            # what a user does to issue N certificates: ONE process call with max_items=N, the
            # server running `queue_process_concurrency` orders at once; its peer: certbot at the
            # most parallel runs measured above
            clients = max(plan.issue_clients)
            names = ["issue-batch-%04d.bench.example.com" % i for i in range(plan.issue)]
            _queue_names(server, names)
            server.memory.reset()
            start = time.perf_counter()
            r = _post(server, "/queue-domains/process.json", {
                "max_domains_per_certificate": "1", "processing_strategy": "process_single", "max_items": str(plan.issue),
            })
            domain_s = time.perf_counter() - start
            domain_results = _item_statuses(r, plan.issue, lambda item: item.get("result") == "success" and item.get("certificate_signed_id"))
            domain_rss = server.memory.peak()
            queued = _queue_renewals(server)
            server.memory.reset()
            start = time.perf_counter()
            r = _post(server, "/api/queue-certificates/process.json", {"max_items": str(plan.issue)})
            renew_s = time.perf_counter() - start
            renew_results = _item_statuses(r, plan.issue, lambda item: item.get("result") == "success")
            renew_rss = server.memory.peak()
            for path, seconds, results, rss in (
                ("domain queue, one call", domain_s, domain_results, domain_rss),
                ("renewal queue, one call", renew_s, renew_results, renew_rss),
            ):
                row = _issuance_row(path, ISSUE_CONCURRENCY, plan.issue, seconds, results, rss, queued, certbot_by_clients[clients])
                row["certbot_clients"] = clients
                rows.append(row)
        finally:
            server.stop()
    finally:
        pebble.close()
    return rows


# --- the machine and the write-up


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count(), "sqlite": sqlite3.sqlite_version}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
        with open("/proc/loadavg") as f:
            info["loadavg_at_start"] = f.read().split()[:3]
    except OSError:
        pass
    for name, command in (("wrk", ["wrk", "--version"]), ("redis", ["redis-server", "--version"]), ("certbot", [bin_path("certbot") or "certbot", "--version"])):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=30)
            first = (out.stdout + out.stderr).strip().splitlines()[0]
            info[name] = re.sub(r" (Copyright|sha=).*", "", first)[:80]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            info[name] = None
    return info


def _n(value, fmt="{:,.0f}") -> str:
    return "-" if value is None else fmt.format(value)


def _mib(value) -> str:
    return "-" if not value else "%.0f MiB" % (value / 2**20)


def render(result: dict) -> str:
    """The marked section of docs/Performance.md."""
    out = [BEGIN, "", "### The last run", ""]
    mach = result["machine"]
    out.append(
        "Measured %s by `%s` in %.0f s (wall). Machine: %s cores (%s), %s GiB, %s; Python %s, SQLite %s; %s; %s; %s. "
        "Load average at the start: %s."
        % (
            result["started"][:16].replace("T", " ") + " UTC",
            result["command"],
            result["wall_seconds"],
            mach.get("cores"),
            mach.get("cpu", "?"),
            mach.get("memory_gib", "?"),
            mach.get("platform"),
            mach.get("python"),
            mach.get("sqlite"),
            mach.get("wrk"),
            mach.get("redis"),
            mach.get("certbot"),
            " ".join(mach.get("loadavg_at_start", [])),
        )
    )
    if result.get("note"):
        out += ["", "**%s**" % result["note"]]
    plan = result["plan"]
    out += [
        "",
        "Every figure is the median of %d runs (wrk: %.0f s each, the target and `whoami` alternating), next to its "
        "limit measured in the same run; *ratio* = figure / limit. Server: `pserve` (waitress, 4 threads), SQLite on "
        "local disk, loopback; peak RSS is the server's VmHWM under that load (reset before it)." % (plan["runs"], plan["duration"]),
    ]
    for merged in result.get("merged", []):
        out += ["", "Rerun on its own and merged in, %s UTC: `%s` (%.0f s)." % (merged["started"][:16].replace("T", " "), merged["command"], merged["wall_seconds"])]
    for name, error in result.get("skipped", {}).items():
        out += ["", "*%s: not measured: %s*" % (name, error)]
    reads = [r for r in result.get("reads", []) if r["endpoint"] != "in process"]
    if reads:
        out += [
            "",
            "#### Reads over HTTP (wrk); limit: `/.well-known/public/whoami`",
            "",
            "| domains | endpoint | conc. | req/s | p50 | p99 | whoami req/s | whoami p50 / p99 | ratio | non-2xx | peak RSS |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in reads:
            out.append(
                "| {:,} | `{}` | {} | {} | {} ms | {} ms | {} | {} / {} ms | **{}** | {} | {} |".format(
                    r["size"], r["endpoint"], r["concurrency"], _n(r["rps"]), _n(r["p50_ms"], "{:.1f}"), _n(r["p99_ms"], "{:.1f}"),
                    _n(r["limit_rps"]), _n(r["limit_p50_ms"], "{:.1f}"), _n(r["limit_p99_ms"], "{:.1f}"), _n(r["ratio"], "{:.2f}"),
                    r["non_2xx"], _mib(r["peak_rss"]),
                )
            )
        out += ["", "(A miss answers 404, so its non-2xx count is every request.) In process, one request through the WSGI app, no HTTP:", ""]
        out += ["| domains | endpoint | median | SQL statements | server RSS at start |", "|---:|---|---:|---:|---:|"]
        for r in result.get("reads", []):
            if r["endpoint"] == "in process":
                for label, p in r["profile"].items():
                    out.append("| {:,} | `{}` | {:.2f} ms | {} | {} |".format(r["size"], label, p["median_ms"], p["sql"], _mib(r.get("rss_start"))))
    uploads = result.get("uploads", [])
    if uploads:
        out += [
            "",
            "#### Uploads and the importer; limit: the same PEMs parsed and checked with `cryptography` alone",
            "",
            "| domains | path | key | clients | certificates | per second | `cryptography` per second | ratio | 500s | other failures | peak RSS |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in uploads:
            out.append(
                "| {:,} | {} | {} | {} | {} | {} | {} | **{}** | {} | {} | {} |".format(
                    r["size"], "`upload.json` (HTTP)" if r["path"] == "upload" else "`import__CertificateSigned` (in process)",
                    r["technology"], r["clients"], r["count"], _n(r["per_s"], "{:.1f}"), _n(r["limit_per_s"], "{:.0f}"),
                    _n(r["ratio"], "{:.3f}"), r["status_500"], r["failures"] - r["status_500"], _mib(r["peak_rss"]),
                )
            )
    redis_rows = result.get("redis", [])
    if redis_rows:
        out += [
            "",
            "#### Redis prime (`/api/redis/prime.json`); limit: `redis-benchmark -P 100` SET/HSET of as many keys",
            "",
            "| domains | style | keys written | prime | domains/s | redis-benchmark | ratio | peak RSS (start) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in redis_rows:
            out.append(
                "| {:,} | {} | {:,} | {:.2f} s | {} | {:.3f} s | **{}** | {} ({}) |".format(
                    r["size"], r["style"], r["keys"], r["seconds"], _n(r["per_s"]), r["limit_seconds"], _n(r["ratio"], "{:.3f}"),
                    _mib(r["peak_rss"]), _mib(r["rss_start"]),
                )
            )
    issuance = result.get("issuance", [])
    if issuance:
        out += [
            "",
            "#### Issuance against pebble (always valid, no sleeps); peer and limit: certbot on the same pebble",
            "",
            "| path | clients | certificates | seconds | per second | certbot runs at once | certbot seconds | certbot per second | ratio | failures (certbot's) | peak RSS |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in issuance:
            clients = r["clients"]
            if r["path"].endswith("one call"):
                clients = "1 call, %s orders at once" % clients
            out.append(
                "| {} | {} | {} | {:.1f} | {} | {} | {} | {} | **{}** | {} ({}) | {} |".format(
                    r["path"], clients, r["count"], r["seconds"], _n(r["per_s"], "{:.2f}"), r.get("certbot_clients", r["clients"]),
                    _n(r["certbot_seconds"], "{:.1f}"), _n(r["certbot_per_s"], "{:.2f}"), _n(r["ratio"], "{:.2f}"), r["failures"],
                    r["certbot_failures"], _mib(r["peak_rss"]),
                )
            )
        out += [
            "",
            "Domain queue: `queue-domains/add.json` with every name, then one `queue-domains/process.json` "
            "(`max_domains_per_certificate=1`) a certificate; renewal queue: `/api/queue-certificates/update.json` "
            "(a renewal window of 4000 days makes pebble's certificates due), then one `/api/queue-certificates/process.json` "
            "a certificate; *clients* of those calls at once. *One call*: what a user does to issue them all: ONE "
            "`queue-domains/process.json` with `max_items` = the count (then ONE `/api/queue-certificates/process.json` "
            "with `max_items`), the server running `queue_process_concurrency` = %d orders at once; its peer is certbot "
            "at the most runs at once measured. certbot: `certbot certonly --standalone` one name a run, "
            "*runs at once* (each with its own config directory), `REQUESTS_CA_BUNDLE` = pebble's CA. Both issue "
            "certificates with ECDSA P-256 keys (certbot's default; the bench's account has "
            "`account__private_key_technology=EC`)." % ISSUE_CONCURRENCY,
        ]
    out += ["", END]
    return "\n".join(out) + "\n"


def write_section(path: str, section: str) -> None:
    """Replace the marked section (or append it); the rest of the file, the simulate section
    included, is left as it is."""
    with open(path) as f:
        text = f.read()
    start = text.find(BEGIN.split(" (")[0])
    end = text.find(END)
    if start != -1 and end != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def run(plan: Plan, workdir: Optional[str] = None, command: str = "bench/bench.py", note: Optional[str] = None) -> dict:
    """Run the planned benchmarks; every figure in a dict (what bench_result.json holds)."""
    started = datetime.datetime.now(UTC)
    t0 = time.perf_counter()
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="peter_sslers-bench-")
    result = {"started": started.isoformat(), "command": command, "plan": dataclasses.asdict(plan), "machine": machine(), "skipped": {}}
    if note:
        result["note"] = note
    redis = None
    try:
        if "reads" in plan.benchmarks or "redis" in plan.benchmarks:
            try:
                redis = RedisServer(os.path.join(workdir, "redis"))
            except BenchError as exc:
                result["skipped"]["redis"] = str(exc)
        for name in plan.benchmarks:
            log("=== %s" % name)
            try:
                if name == "reads" or (name == "redis" and "reads" not in plan.benchmarks):
                    reads, primes = bench_fleet(plan, workdir, redis)
                    if "reads" in plan.benchmarks:
                        result["reads"] = reads
                    if redis is not None and "redis" in plan.benchmarks:
                        result["redis"] = primes
                elif name == "uploads":
                    result["uploads"] = bench_uploads(plan, workdir)
                elif name == "issuance":
                    result["issuance"] = bench_issuance(plan, workdir)
            except BenchError as exc:
                log("%s: not measured: %s" % (name, exc))
                result["skipped"][name] = str(exc)
    finally:
        if redis:
            redis.stop()
        if own:
            shutil.rmtree(workdir, ignore_errors=True)
    result["wall_seconds"] = time.perf_counter() - t0
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (1,000 domains; 1,000 and 5,000 for Redis; 10 issuances)")
    parser.add_argument("--smoke", action="store_true", help="the test suite's tiny sizes (tests/tools/test_bench.py)")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: %s" % ",".join(BENCHMARKS))
    parser.add_argument("--sizes", help="domains for reads and uploads, e.g. 10000,100000")
    parser.add_argument("--redis-sizes", help="domains for the Redis prime, e.g. 10000,100000")
    parser.add_argument("--runs", type=int, help="repetitions (medians are written)")
    parser.add_argument("--duration", type=float, help="seconds of each wrk run")
    parser.add_argument("--concurrency", help="wrk connections, e.g. 8,32")
    parser.add_argument("--uploads", type=int, help="EC certificates per upload measurement")
    parser.add_argument("--uploads-rsa", type=int, help="RSA certificates per upload measurement")
    parser.add_argument("--issue", type=int, help="certificates per issuance measurement (default 100)")
    parser.add_argument("--issue-clients", help="parallel issuance clients, e.g. 1,4")
    parser.add_argument("--note", help="a sentence written above the tables (e.g. 'the machine was shared')")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs", "Performance.md"))
    parser.add_argument("--json", default=os.path.join(HERE, "bench_result.json"))
    parser.add_argument("--no-write", action="store_true", help="print the section; write neither file")
    parser.add_argument("--no-doc", action="store_true", help="write the JSON, print the section instead of writing it")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other benchmarks' figures of the last run (--json) and replace only those run now",
    )
    args = parser.parse_args(argv)
    plan = Plan.smoke() if args.smoke else Plan.quick() if args.quick else Plan.full()
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    if args.sizes:
        plan.sizes = ints(args.sizes)
    if args.redis_sizes:
        plan.redis_sizes = ints(args.redis_sizes)
    for field in ("runs", "duration", "issue"):
        if getattr(args, field) is not None:
            setattr(plan, field, getattr(args, field))
    if args.concurrency:
        plan.concurrencies = ints(args.concurrency)
    if args.uploads is not None:
        plan.uploads_ec = args.uploads
    if args.uploads_rsa is not None:
        plan.uploads_rsa = args.uploads_rsa
    if args.issue_clients:
        plan.issue_clients = ints(args.issue_clients)
    unknown = set(args.only.split(",")) - set(BENCHMARKS)
    if unknown:
        parser.error("unknown benchmark(s): %s" % ", ".join(sorted(unknown)))
    plan.benchmarks = tuple(b for b in BENCHMARKS if b in args.only.split(","))
    words = list(argv if argv is not None else sys.argv[1:])
    if "--note" in words:  # the note is written on its own
        at = words.index("--note")
        del words[at : at + 2]
    command = " ".join(["bench/bench.py"] + words)
    result = run(plan, command=command, note=args.note)
    wall_seconds = result["wall_seconds"]
    if args.merge and os.path.exists(args.json):
        with open(args.json) as f:
            last = json.load(f)
        for name in plan.benchmarks:
            if name in result:
                last[name] = result[name]
            last.setdefault("skipped", {}).pop(name, None)
        last["skipped"].update(result["skipped"])
        last.setdefault("merged", []).append({"command": command, "started": result["started"], "wall_seconds": result["wall_seconds"]})
        result = last
    section = render(result)
    if not args.no_write:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
        log("wrote %s" % args.json)
    if args.no_write or args.no_doc:
        print(section)
    else:
        write_section(args.output, section)
        log("wrote %s" % args.output)
    log("done in %.0f s" % wall_seconds)
    # 2: a benchmark could not run at all (a missing service); the section says which and why
    return 2 if result["skipped"] else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
