"""Benchmark: the full Redis prime (``/api/redis/prime``) as the fleet grows, batched and not.

    .venv/bin/python bench/bench_redis_prime.py [--sizes 1000,10000] [--redis-url redis://127.0.0.1:6379/14]

For each size N it builds a fresh SQLite database with N domains: every tenth certificate is a
multi-domain one covering ten names, the rest single-domain, each with its own key, all on one
shared chain (PEM-sized text; priming never parses a PEM, so real certificates would only slow
the set-up). Then it times ``prime_redis__all`` (what the route runs) for both prime styles,
with the default batch of 100 domains per round trip and with a batch of 1 (one round trip per
domain, the cost a naive loop would pay), and checks the domain count in Redis each time.

THE REDIS DATABASE OF ``--redis-url`` IS FLUSHED before each run (default: database 14, not the
tests' 15, so a test run at the same time is not disturbed). Results go to stdout;
docs/Performance.md records them.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import redis  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.lib.context import ApiContext  # noqa: E402
from peter_sslers.lib.db import actions  # noqa: E402
from peter_sslers.lib.db import actions_redis  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.model import utils as model_utils  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402

UTC = datetime.timezone.utc
CERT_PEM_SIZE = 1800  # an EC leaf with a few names
KEY_PEM_SIZE = 240
CHAIN_PEM_SIZE = 1900


def _pem(label: str, size: int, serial: int) -> str:
    body = ("%s%08d" % (label, serial)) * (size // (len(label) + 8))
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def populate(engine, app_settings, size: int) -> float:
    start = time.perf_counter()
    now = datetime.datetime.now(UTC)
    with Session(bind=engine) as session:
        event = m.OperationsEvent(operations_event_type_id=model_utils.OperationsEventType._DatabaseInitialization)
        session.add(event)
        session.flush()
        ca_pem = _pem("CERTIFICATE", CHAIN_PEM_SIZE, 0)
        ca = m.CertificateCA(
            display_name="Bench Intermediate",
            key_technology_id=model_utils.KeyTechnology.EC,
            cert_pem=ca_pem,
            cert_pem_sha256=_sha(ca_pem),
            spki_sha256=_sha("spki" + ca_pem),
            fingerprint_sha1=_sha(ca_pem)[:40],
            timestamp_not_before=now - datetime.timedelta(days=1),
            timestamp_not_after=now + datetime.timedelta(days=3650),
            cert_subject="CN=Bench Intermediate",
            cert_issuer="CN=Bench Root",
            operations_event__created=event,
        )
        chain = m.CertificateCAChain(
            display_name="Bench chain",
            chain_pem=ca_pem,
            chain_pem_sha256=_sha(ca_pem),
            chain_length=1,
            certificate_ca_0=ca,
            certificate_ca_n=ca,
            certificate_ca_ids_string="0",
            operations_event__created=event,
        )
        session.add_all([ca, chain])
        session.flush()
        chain.certificate_ca_ids_string = str(ca.id)

        domains = [m.Domain(domain_name="host%06d.example.com" % i, operations_event__created=event) for i in range(size)]
        session.add_all(domains)
        session.flush()
        serial = 0
        index = 0
        while index < size:
            serial += 1
            count = 10 if serial % 10 == 0 else 1
            members = domains[index : index + count]
            index += count
            fqdn_set = m.UniqueFQDNSet(
                domain_ids_string=",".join(str(d.id) for d in members),
                count_domains=len(members),
                operations_event__created=event,
            )
            fqdn_set.to_domains = [m.UniqueFQDNSet2Domain(domain=d) for d in members]
            key_pem = _pem("PRIVATE KEY", KEY_PEM_SIZE, serial)
            key = m.PrivateKey(
                key_technology_id=model_utils.KeyTechnology.EC,
                key_pem=key_pem,
                key_pem_sha256=_sha(key_pem),
                spki_sha256=_sha("spki" + key_pem),
                private_key_source_id=model_utils.PrivateKeySource.IMPORTED,
                private_key_type_id=model_utils.PrivateKeyType.STANDARD,
                operations_event__created=event,
            )
            cert_pem = _pem("CERTIFICATE", CERT_PEM_SIZE, serial)
            cert = m.CertificateSigned(
                timestamp_not_before=now - datetime.timedelta(days=1),
                timestamp_not_after=now + datetime.timedelta(days=30 + serial % 60),
                is_single_domain_cert=len(members) == 1,
                key_technology_id=model_utils.KeyTechnology.EC,
                cert_pem=cert_pem,
                cert_pem_sha256=_sha(cert_pem),
                cert_serial="%032x" % serial,
                spki_sha256=key.spki_sha256,
                fingerprint_sha1=_sha(cert_pem)[:40],
                cert_subject="CN=%s" % members[0].domain_name,
                cert_issuer="CN=Bench Intermediate",
                unique_fqdn_set=fqdn_set,
                private_key=key,
                operations_event__created=event,
            )
            session.add_all([fqdn_set, key, cert])
            session.add(m.CertificateSignedChain(certificate_signed=cert, certificate_ca_chain=chain, is_upstream_default=True))
            if serial % 500 == 0:
                session.flush()
        session.flush()
        actions.update_recents__global(ApiContext(session, app_settings), log=False)
        session.commit()
    return time.perf_counter() - start


def run_prime(engine, raw_settings, style: int, batch_size: int, client) -> tuple:
    client.flushdb()
    settings = dict(raw_settings, **{"redis.prime_style": str(style)})
    app_settings = ApplicationSettings.from_settings(settings)
    with Session(bind=engine) as session:
        ctx = ApiContext(session, app_settings)
        start = time.perf_counter()
        result = actions_redis.prime_redis__all(ctx, batch_size=batch_size)
        elapsed = time.perf_counter() - start
        session.rollback()  # the OperationsEvent is not wanted
    primed = len(list(client.scan_iter(match="d%d:*" % style, count=1000)))
    return elapsed, result["total_primed"]["domain"], primed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    client = redis.Redis.from_url(args.redis_url)
    client.ping()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            url = "sqlite:///%s" % os.path.join(tmp, "bench.sqlite")
            raw = {
                "sqlalchemy.url": url,
                "enable_redis": "true",
                "redis.url": args.redis_url,
                "redis.prime_style": "1",
            }
            app_settings = ApplicationSettings.from_settings(raw)
            engine = meta.get_engine(raw)
            initialize_database(engine, app_settings)
            seconds = populate(engine, app_settings, size)
            print("N=%d: database built in %.1f s" % (size, seconds), flush=True)
            for style in (1, 2):
                for batch_size in (100, 1):
                    elapsed, counted, primed = run_prime(engine, raw, style, batch_size, client)
                    assert counted == primed == size, (counted, primed, size)
                    rows.append((size, style, batch_size, elapsed))
                    print(
                        "N=%d style %d batch %3d: %.2f s, %.0f domains/s"
                        % (size, style, batch_size, elapsed, size / elapsed),
                        flush=True,
                    )
            engine.dispose()
    client.flushdb()
    print()
    print("| domains | style | batch | prime | domains per second |")
    print("|---:|---:|---:|---:|---:|")
    for size, style, batch_size, elapsed in rows:
        print("| {:,} | {} | {} | {:.2f} s | {:,.0f} |".format(size, style, batch_size, elapsed, size / elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
