"""Benchmark: the public ACME challenge responder, the hot path every validation hits.

    .venv/bin/python bench/bench_public_challenge.py [--challenges 1000,10000] [--requests 2000]

For each database size it creates that many pending http-01 challenges (each on its own
domain) in a fresh SQLite file, then times in-process WSGI requests (WebOb, no network)
for hits and for misses, and counts the SQL statements of one request. The size ratio
shows whether the lookup cost grows with the fleet (it should not: indexed lookups).
Results go to stdout; docs/Performance.md records them.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from wsgi_client import WsgiClient  # noqa: E402  (bench/wsgi_client.py, beside this script)
from peter_sslers import main  # noqa: E402
from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.model import utils  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402

SETTINGS = {
    "enable_views_public": "true",
    "enable_views_admin": "false",
    "certificate_authority": "pebble",
}


def populate(engine, count: int) -> list:
    """``count`` challenges, each with its own domain, order and authorization."""
    with Session(bind=engine) as s:
        event = m.OperationsEvent(operations_event_type_id=utils.OperationsEventType.from_string("_DatabaseInitialization"))
        provider = s.scalars(sa.select(m.AcmeAccountProvider).filter_by(name="pebble")).one()
        s.add(event)
        s.flush()
        account = m.AcmeAccount(acme_account_provider=provider, contact="bench@example.com", operations_event__created=event)
        s.add(account)
        s.flush()
        tokens = []
        for i in range(count):
            name = "host%06d.example.com" % i
            domain = m.Domain(domain_name=name, operations_event__created=event)
            fqdn_set = m.UniqueFQDNSet(domain_ids_string="x%d" % i, count_domains=1, operations_event__created=event)
            s.add_all([domain, fqdn_set])
            s.flush()
            order = m.AcmeOrder(
                acme_account=account,
                unique_fqdn_set=fqdn_set,
                private_key_id=0,
                private_key_id__requested=0,
                acme_order_type_id=utils.AcmeOrderType.from_string("ACME Automated (New)"),
                acme_order_processing_strategy_id=utils.AcmeOrder_ProcessingStrategy.from_string("create_order"),
                acme_order_processing_status_id=utils.AcmeOrder_ProcessingStatus.from_string("created_acme"),
                private_key_cycle_id__renewal=utils.PrivateKeyCycle.from_string("single_certificate"),
                private_key_strategy_id__requested=utils.PrivateKeyStrategy.from_string("deferred-generate"),
                order_url="https://acme.example.com/order/%d" % i,
            )
            s.add(order)
            s.flush()
            authz = m.AcmeAuthorization(
                authorization_url="https://acme.example.com/authz/%d" % i, acme_order_created=order, domain=domain
            )
            s.add(authz)
            # as the ACME flow links them: the responder answers challenges of orders in play only
            s.add(m.AcmeOrder2AcmeAuthorization(acme_order=order, acme_authorization=authz, is_present_on_new_order=True))
            s.flush()
            token = "token%038d" % i
            s.add(
                m.AcmeChallenge(
                    acme_authorization=authz,
                    domain=domain,
                    acme_challenge_type_id=utils.AcmeChallengeType.from_string("http-01"),
                    acme_status_challenge_id=utils.Acme_Status_Challenge.from_string("pending"),
                    challenge_url="https://acme.example.com/chall/%d" % i,
                    token=token,
                    keyauthorization=token + ".thumbprint",
                )
            )
            tokens.append((name, token))
            if i % 1000 == 999:
                s.flush()
        s.commit()
    return tokens


def time_requests(app, requests: list, status: int) -> list:
    durations = []
    for host, path in requests:
        start = time.perf_counter()
        app.get(path, extra_environ={"HTTP_HOST": host}, status=status)
        durations.append(time.perf_counter() - start)
    return durations


def count_statements(engine, app, host, path, status) -> int:
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        app.get(path, extra_environ={"HTTP_HOST": host}, status=status)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE"))])


def run(size: int, count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///%s" % os.path.join(tmp, "bench.sqlite")
        settings = dict(SETTINGS, **{"sqlalchemy.url": url})
        engine = meta.get_engine(settings)
        initialize_database(engine, ApplicationSettings.from_settings(settings))
        tokens = populate(engine, size)
        app = WsgiClient(main({}, dbengine=engine, **settings), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
        step = max(1, size // count)
        hits = [(host, "/.well-known/acme-challenge/" + token) for host, token in tokens[::step]][:count]
        misses = [(host, "/.well-known/acme-challenge/unknownToken%d" % i) for i, (host, _) in enumerate(hits)]
        time_requests(app, hits[:50], 200)  # warm up
        hit_times = time_requests(app, hits, 200)
        miss_times = time_requests(app, misses, 404)
        result = {
            "challenges": size,
            "hit_median_ms": statistics.median(hit_times) * 1000,
            "hit_per_s": len(hit_times) / sum(hit_times),
            "miss_median_ms": statistics.median(miss_times) * 1000,
            "statements_hit": count_statements(engine, app, *hits[0], 200),
            "statements_miss": count_statements(engine, app, hits[0][0], "/.well-known/acme-challenge/nope", 404),
        }
        engine.dispose()
        return result


def main_cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", default="1000,10000")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    results = [run(int(size), args.requests) for size in args.challenges.split(",")]
    print("%-12s %14s %10s %15s %13s %14s" % ("challenges", "hit median ms", "hits/s", "miss median ms", "SQL per hit", "SQL per miss"))
    for r in results:
        print(
            "%-12d %14.2f %10.0f %15.2f %13d %14d"
            % (r["challenges"], r["hit_median_ms"], r["hit_per_s"], r["miss_median_ms"], r["statements_hit"], r["statements_miss"])
        )
    if len(results) > 1:
        print("median hit time ratio, largest/smallest: %.2f" % (results[-1]["hit_median_ms"] / results[0]["hit_median_ms"]))
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())
