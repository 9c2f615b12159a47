"""Benchmark: costs that must grow with the fleet, not faster.

    .venv/bin/python bench/bench_certificates.py [--sizes 1000,10000] [--url sqlite-or-postgresql-url]

For each size N it builds a fresh database holding N certificates (EC P-256 leaves, one
to three names each from a pool of N domain names, signed by a test intermediate, all
imported through ``import__CertificateSigned``, the code behind the upload route), then
measures:

* a global update-recents (``update_recents__global``, the ``/api/update-recents`` job);
* activating and deactivating one certificate (``mark``), the median of 20;
* ``/domain/{name}/config.json`` through the WSGI app (WebOb, in process), the median of 200;
* uploads through the WSGI app (``/certificate-signed/upload.json``), RSA-2048 and EC, per second.

The 2021 design, measured on this kind of machine: activating one certificate took 2.4 s
with 1,000 certificates and 80 s with 5,000; a global update-recents 2.8 s and 94 s;
RSA uploads ran at 8 a second. Results go to stdout; docs/Performance.md records them.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import sqlalchemy as sa  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import Issuer  # noqa: E402  (bench/bench.py's throwaway CA, beside this script)
from wsgi_client import WsgiClient  # noqa: E402  (bench/wsgi_client.py, beside this script)
from peter_sslers import main  # noqa: E402
from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.lib.context import ApiContext  # noqa: E402
from peter_sslers.lib.db import actions  # noqa: E402
from peter_sslers.lib.db import create  # noqa: E402
from peter_sslers.lib.db import update  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402

SETTINGS = {"enable_views_public": "false", "enable_views_admin": "true", "certificate_authority": "pebble"}
UTC = datetime.timezone.utc


def populate(engine, app_settings, issuer, size: int) -> float:
    """Import ``size`` certificates; returns the seconds it took."""
    pool = ["host%06d.example.com" % i for i in range(size)]
    start = time.perf_counter()
    with Session(bind=engine) as session:
        ctx = ApiContext(session, app_settings)
        for i in range(size):
            names = sorted({pool[i]} | set(random.sample(pool, random.randint(0, 2))))
            _cert, cert_pem, key_pem = issuer.leaf(names, ec.generate_private_key(ec.SECP256R1()), days=random.randint(2, 90))
            create.import__CertificateSigned(ctx, cert_pem, issuer.chain_pem, key_pem)
            if i % 500 == 499:
                session.commit()
                ctx = ApiContext(session, app_settings)
        session.commit()
    return time.perf_counter() - start


def time_call(engine, app_settings, fn) -> float:
    with Session(bind=engine) as session:
        ctx = ApiContext(session, app_settings)
        start = time.perf_counter()
        fn(ctx)
        session.commit()
        return time.perf_counter() - start


def upload_rate(app, issuer, technology: str, count: int) -> float:
    certs = issuer.upload_set("upload-%s" % technology.lower(), technology, count)
    start = time.perf_counter()
    for cert_pem, key_pem, _chain_pem in certs:
        app.post(
            "/.well-known/admin/certificate-signed/upload.json",
            upload_files=[
                ("private_key_file", "privkey.pem", key_pem.encode()),
                ("certificate_file", "cert.pem", cert_pem.encode()),
                ("chain_file", "chain.pem", issuer.chain_pem.encode()),
            ],
            status=200,
        )
    return count / (time.perf_counter() - start)


def run(size: int, url: str) -> dict:
    random.seed(size)
    with tempfile.TemporaryDirectory() as tmp:
        settings = dict(SETTINGS, **{"sqlalchemy.url": url or "sqlite:///%s" % os.path.join(tmp, "bench.sqlite")})
        engine = meta.get_engine(settings)
        if engine.dialect.name == "postgresql":
            meta.Base.metadata.drop_all(engine)
            with engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        app_settings = ApplicationSettings.from_settings(settings)
        initialize_database(engine, app_settings)
        issuer = Issuer()
        populate_seconds = populate(engine, app_settings, issuer, size)
        update_recents = time_call(engine, app_settings, lambda ctx: actions.update_recents__global(ctx))
        with Session(bind=engine) as session:
            ids = session.scalars(sa.select(m.CertificateSigned.id).where(m.CertificateSigned.is_active.is_(True))).all()
            names = session.scalars(sa.select(m.Domain.domain_name)).all()
        marks = []
        for certificate_id in random.sample(ids, 10):
            for action in ("inactive", "active"):
                marks.append(
                    time_call(
                        engine,
                        app_settings,
                        lambda ctx: update.update_CertificateSigned__mark(
                            ctx, ctx.dbsession.get(m.CertificateSigned, certificate_id), action
                        ),
                    )
                )
        app = WsgiClient(main({}, dbengine=engine, **settings), extra_environ={"HTTP_HOST": "127.0.0.1"})
        config_times = []
        for name in random.sample(names, 200):
            start = time.perf_counter()
            app.get("/.well-known/admin/domain/%s/config.json" % name, status=200)
            config_times.append(time.perf_counter() - start)
        result = {
            "certificates": size,
            "import_per_s": size / populate_seconds,
            "update_recents_s": update_recents,
            "mark_median_ms": statistics.median(marks) * 1000,
            "config_median_ms": statistics.median(config_times) * 1000,
            "upload_rsa_per_s": upload_rate(app, issuer, "RSA", 50),
            "upload_ec_per_s": upload_rate(app, issuer, "EC", 100),
        }
        engine.dispose()
        return result


def main_cli() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--url", default=None, help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    results = [run(int(size), args.url) for size in args.sizes.split(",")]
    header = ("certificates", "import/s", "update-recents s", "mark ms", "config.json ms", "RSA uploads/s", "EC uploads/s")
    print("%-13s %9s %17s %8s %15s %14s %13s" % header)
    for r in results:
        print(
            "%-13d %9.0f %17.3f %8.1f %15.2f %14.1f %13.1f"
            % (
                r["certificates"],
                r["import_per_s"],
                r["update_recents_s"],
                r["mark_median_ms"],
                r["config_median_ms"],
                r["upload_rsa_per_s"],
                r["upload_ec_per_s"],
            )
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            "ratios %d/%d: update-recents %.1f, mark %.2f, config.json %.2f"
            % (
                last["certificates"],
                first["certificates"],
                last["update_recents_s"] / first["update_recents_s"],
                last["mark_median_ms"] / first["mark_median_ms"],
                last["config_median_ms"] / first["config_median_ms"],
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main_cli())
