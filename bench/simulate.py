"""`make simulate`: a year of renewals for 1,000 domains, in compressed time, against real pebbles.

    .venv/bin/python bench/simulate.py [--domains 1000] [--days 365] [--day-seconds 5] [--workers 5]
                                       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The clock. pebble stamps real notBefore/notAfter and peter_sslers reads the real clock, so the year
is compressed real time: one simulated day is ``--day-seconds`` (D) real seconds, and a pebble that
issues "90-day" certificates is configured with ``certificateValidityPeriod`` = 90 * D seconds.
Nothing in peter_sslers is given a fake clock. What the client waits for in real seconds is scaled
the same way (its polling back-off, the back-off of a failed renewal: ``compressed_settings``;
injected 503s say ``Retry-After: 0``).

The fleet (every choice from ``--seed``): ``--domains`` names on registered domains ``siteNNNN.test``,
in sets of 1 to 5 names (``siteNNNN.test``, ``www.``, ``api.``, ``mail.``, ``shop.``), one set per
certificate, from mixed sources:

* ACME orders through peter_sslers: on the 90-day CA with an EC account (`order-90`) and an RSA
  account (`order-90-rsa`), on the short-lived CA (``--short-days``, default 10) with a specified
  P-384 key that renewals keep (`order-short`), and through the domain queue (`queue`);
* uploads (`upload`): certificates minted here by a throwaway CA (RSA 2048, EC P-256 or P-384; a
  90- or 30-day lifetime of which up to 55% has passed: not due yet), imported through the upload code and
  renewed by the global default account (90-day CA);
* certbot imports (`certbot`): a certbot directory (accounts registered on the 90-day or the short
  CA, lineages of 1-3 versions minted here) imported with ``peter_sslers_import_certbot``'s code;
  renewed by the account each lineage's renewal conf names.

The faults: pebble rejects ``--nonce-reject`` percent of good nonces (``PEBBLE_WFE_NONCEREJECT``); a
loopback fault proxy (``sim_faultproxy.py``) in front of each pebble answers ``--fault-500`` of the
requests with a 500 and ``--fault-503`` with a 503, and takes each CA down for ``--outage-days``
once (the 90-day CA at 40% of the run, the short one at 70%). pebble validates nothing
(``PEBBLE_VA_ALWAYS_VALID=1``, ``PEBBLE_VA_NOSLEEP=1``): the simulation is about renewal timing, not
about http-01.

The cron: the jobs ``peter_sslers_job`` runs, with its entry points (``scripts.jobs.JOBS``, each in a
transaction of its own): ``queue-certificates-update`` every ``--update-every`` simulated days (1: daily,
as the crontab in docs/Automation.md);
``queue-certificates-process`` by ``--workers`` processes in parallel (several machines' crons), each
working the queue down every simulated half hour; ``deactivate-expired`` once a simulated day. The
first cron run, which renews what the imported fleet has due already, runs before day 0.

Measured: every ``--tick`` simulated days (half a day), for every active domain, whether the certificate ``config.json`` would serve
(``exports.served_field``) is valid now (active, notBefore <= now < notAfter): the uncovered
domain-days (the goal: 0), each with its reason; renewals per simulated week and day; renewals per
certificate set; orders per account in the busiest sliding 3-simulated-hour window (Let's Encrypt:
300), certificates per registered domain and per exact set of names in a sliding 7 simulated days
(50 and 5); faults; the closest call (the least lifetime left on a certificate when its renewal
arrived). The result goes to a JSON file and, between markers, into ``docs/Performance.md``.
"""

import argparse
import bisect
import collections
import dataclasses
import datetime
import faulthandler
import json
import multiprocessing
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import sqlalchemy as sa  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from sqlalchemy.orm import joinedload  # noqa: E402
from sqlalchemy.orm import load_only  # noqa: E402

from peter_sslers import config as ps_config  # noqa: E402
from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.lib import acme_v2  # noqa: E402
from peter_sslers.lib import cert_utils  # noqa: E402
from peter_sslers.lib import certbot  # noqa: E402
from peter_sslers.lib import exports  # noqa: E402
from peter_sslers.lib.context import ApiContext  # noqa: E402
from peter_sslers.lib.db import acme_accounts  # noqa: E402
from peter_sslers.lib.db import actions_acme  # noqa: E402
from peter_sslers.lib.db import ari  # noqa: E402
from peter_sslers.lib.db import create  # noqa: E402
from peter_sslers.lib.db import get  # noqa: E402
from peter_sslers.lib.db import queues  # noqa: E402
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority  # noqa: E402
from peter_sslers.lib.db.getcreate import getcreate__PrivateKey__by_pem_text  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.model import utils as model_utils  # noqa: E402
from peter_sslers.scripts import jobs  # noqa: E402
from peter_sslers.scripts.import_certbot import Importer  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402
from peter_sslers.web.database import new_script_context  # noqa: E402

from sim_faultproxy import ProxyProcess  # noqa: E402
from tests.certbot_trees import SyntheticTree  # noqa: E402  (the tests' certbot account writer)
from tests.certbot_trees import key_pem as pkcs8_pem  # noqa: E402
from tests.pebble import Pebble  # noqa: E402  (the tests' pebble runner: TLS files, config, start/stop)

UTC = datetime.timezone.utc
DOC_BEGIN = "<!-- simulate:begin (written by `make simulate`; a rerun replaces it) -->"
DOC_END = "<!-- simulate:end -->"
SOURCES = (  # (source, share of the sets)
    ("order-90", 0.22),
    ("order-90-rsa", 0.06),
    ("order-short", 0.03),
    ("queue", 0.05),
    ("upload", 0.35),
    ("certbot", 0.29),
)
# Let's Encrypt's limits (https://letsencrypt.org/docs/rate-limits/), measured here in simulated time
LE_NEW_ORDERS_PER_ACCOUNT_3H = 300
LE_CERTIFICATES_PER_REGISTERED_DOMAIN_7D = 50
LE_DUPLICATES_7D = 5


def log(text: str) -> None:
    print("[simulate %s] %s" % (time.strftime("%H:%M:%S"), text), flush=True)


# --- the throwaway CA for uploads and certbot lineages


class LocalCA:
    """A self-signed root and an intermediate that signs leaves with any notBefore/notAfter."""

    def __init__(self):
        now = datetime.datetime.now(UTC)
        root_key = ec.generate_private_key(ec.SECP384R1())
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Simulation Local Root")])
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Simulation Local Intermediate")])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(root_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        self.chain_pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def leaf(self, names, key, not_before, not_after) -> str:
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode()


def new_key(technology: str):
    if technology == "RSA":
        return rsa.generate_private_key(65537, 2048)
    return ec.generate_private_key(ec.SECP384R1() if technology == "EC384" else ec.SECP256R1())


# --- the clock


class Clock:
    """Simulated days from real time: day 0 is ``t0``; one day is ``day_seconds``."""

    def __init__(self, day_seconds: float):
        self.day_seconds = day_seconds
        self.t0 = time.time()

    def start(self) -> None:
        # a whole second: the database keeps timestamps to the second, so nothing done after the
        # start may read as before it
        self.t0 = float(int(time.time()))

    def day(self, when=None) -> float:
        if when is None:
            seconds = time.time()
        elif isinstance(when, datetime.datetime):
            seconds = (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
        else:
            seconds = when
        return (seconds - self.t0) / self.day_seconds

    def at(self, day: float) -> float:
        return self.t0 + day * self.day_seconds

    def delta(self, days: float) -> datetime.timedelta:
        return datetime.timedelta(seconds=days * self.day_seconds)


# --- the fleet


def plan_fleet(domains: int, rnd: random.Random, mix=SOURCES):
    """``[(source, technology, names)]`` covering exactly ``domains`` names."""
    plans = []
    total = 0
    index = 0
    prefixes = ("www", "api", "mail", "shop")
    sources = [s for s, _ in mix]
    weights = [w for _, w in mix]
    while total < domains:
        base = "site%04d.test" % index
        index += 1
        size = min(rnd.choices((1, 2, 3, 4, 5), weights=(25, 25, 20, 15, 15))[0], domains - total)
        names = [base] + ["%s.%s" % (p, base) for p in prefixes[: size - 1]]
        technology = rnd.choices(("RSA", "EC256", "EC384"), weights=(25, 55, 20))[0]
        plans.append((rnd.choices(sources, weights=weights)[0], technology, names))
        total += size
    return plans


def registered_domain(name: str) -> str:
    return ".".join(name.split(".")[-2:])


# --- the app, in process


class Registry:
    """What ``new_script_context`` needs (as ``scripts.jobs._Registry``), with one engine for the run."""

    def __init__(self, engine, app_settings):
        self.app_settings = app_settings
        self.dbsession_factory = meta.get_session_factory(engine)


def run_job(registry, job: str, reconcile: bool = True):
    """One cron job as ``peter_sslers_job`` runs it (``scripts.jobs.run_job``), on the run's engine."""
    ctx = new_script_context(registry)
    try:
        if reconcile:
            reconcile_certificate_authority(ctx)
        result = jobs._plain(jobs.JOBS[job](ctx))
        ctx.transaction_manager.commit()
        return result
    except Exception:
        ctx.transaction_manager.abort()
        raise
    finally:
        ctx.dbsession.close()


def trust_all_simulated_cas(bundle: str, directories) -> None:
    """peter_sslers trusts ``certificate_authority_ca_bundle`` for its configured ACME server only, and
    the system store for any other. The short-lived CA is a second, private server: its transport
    is given the same bundle (both pebbles' listener CAs). Only for the simulation's directories."""
    original = acme_accounts.acme_transport
    ours = set(directories)

    def acme_transport(ctx, dbProvider, logger=None):
        if dbProvider.directory not in ours:
            return original(ctx, dbProvider, logger)
        return acme_v2.AcmeTransport(
            dbProvider.directory, ca_bundle=bundle, on_exchange=logger.record if logger is not None else None
        )

    acme_accounts.acme_transport = acme_transport
    ari.acme_transport = acme_transport


def rate_limit_settings() -> dict:
    """HOOK (issue 12): the app's own rate limits count real-time windows, which compressed time would
    trip; every option named ``*rate_limit*`` is set to 0 (off) when this version of peter_sslers has
    it. The simulation measures the rates itself, in simulated time."""
    return {o.name: "0" for o in ps_config.OPTIONS if "rate_limit" in o.name}


def compressed_settings(app_settings: ApplicationSettings, day_seconds: float) -> ApplicationSettings:
    """The durations peter_sslers counts in real seconds, compressed as the clock is: the back-off
    of a failed renewal (``queue_certificates_retry_base``, 1 hour; ``_max``, 1 day). Uncompressed,
    the smallest base the option accepts (60 s) would be 7.5 simulated days at D = 8, so a set that
    failed after its certificate ended stayed uncovered for the rest of the run (the first full
    run's gaps). Set on the parsed settings: the option's own floor is for real time."""
    scale = day_seconds / 86400.0
    return dataclasses.replace(
        app_settings,
        queue_certificates_retry_base=app_settings.queue_certificates_retry_base * scale,
        queue_certificates_retry_max=app_settings.queue_certificates_retry_max * scale,
    )


# --- setup


class Simulation:
    def __init__(self, args):
        self.args = args
        self.rnd = random.Random(args.seed)
        self.clock = Clock(args.day_seconds)
        self.workdir = tempfile.mkdtemp(prefix="peter_sslers-simulate-")
        self.pebbles = {}
        self.proxies = None
        self.engine = None
        self.cleanup_db = lambda: None
        self.samples = []  # (day, active domains, uncovered count)
        self.uncovered = []  # details
        self.uncovered_total = 0
        self.open_gaps = {}  # domain -> the gap running now: {"domain", "start", "end", "samples", "reason"}
        self.gaps = []  # the gaps that ended (or were open at the end)
        self.errors = []
        self.ticks = 0
        self.update_seconds = []
        self.deactivate_seconds = []
        self.late_ticks = 0
        self.max_tick_seconds = 0.0
        self.set_source = {}  # frozenset(names) -> (source, lifetime days of the first certificate)
        self.accounts = {}  # label -> AcmeAccount id
        self.lock = threading.Lock()
        self.pool = None

    # -- services

    def start_pebbles(self) -> None:
        args = self.args
        for label, days in (("ca-90", 90), ("ca-short", args.short_days)):
            env = {
                "PEBBLE_VA_ALWAYS_VALID": "1",
                "PEBBLE_VA_NOSLEEP": "1",
                "PEBBLE_WFE_NONCEREJECT": str(args.nonce_reject),
                "PEBBLE_AUTHZREUSE": "0",
            }
            pebble = Pebble(os.path.join(self.workdir, label), env)
            with open(pebble.config_path) as f:
                pebble_config = json.load(f)
            pebble_config["pebble"]["certificateValidityPeriod"] = max(1, int(round(days * args.day_seconds)))
            with open(pebble.config_path, "w") as f:
                json.dump(pebble_config, f, indent=2)
            pebble.start()
            self.pebbles[label] = pebble
        self.proxies = ProxyProcess(self.pebbles, seed=args.seed)
        self.directories = {label: self.proxies.directory_url(label) for label in self.pebbles}
        self.bundle = os.path.join(self.workdir, "ca-bundle.pem")
        with open(self.bundle, "w") as out:
            for pebble in self.pebbles.values():
                with open(pebble.ca_bundle_path) as f:
                    out.write(f.read())
        log("pebbles: 90-day CA at %s, %s-day CA at %s (validity %s s and %s s)" % (
            self.directories["ca-90"], args.short_days, self.directories["ca-short"],
            int(round(90 * args.day_seconds)), int(round(args.short_days * args.day_seconds))))

    def open_database(self) -> None:
        args = self.args
        url = args.database_url
        if not url:
            directory = self.workdir
            if args.sqlite_dir:
                directory = tempfile.mkdtemp(prefix="peter_sslers-simulate-", dir=args.sqlite_dir)
                self.cleanup_db = lambda: shutil.rmtree(directory, ignore_errors=True)
            url = "sqlite:///%s" % os.path.join(directory, "simulate.sqlite")
        else:
            parsed = sa.engine.make_url(url)
            if parsed.get_backend_name() != "postgresql":
                raise SystemExit("--database-url: PostgreSQL only (SQLite is the default)")
            schema = "peter_sslers_simulate_%d" % os.getpid()
            admin = sa.create_engine(parsed)

            def drop(create_again=False):
                with admin.begin() as connection:
                    connection.execute(sa.text("DROP SCHEMA IF EXISTS %s CASCADE" % schema))
                    if create_again:
                        connection.execute(sa.text("CREATE SCHEMA %s" % schema))

            drop(create_again=True)
            url = parsed.update_query_dict({"options": "-csearch_path=%s" % schema}).render_as_string(
                hide_password=False
            )

            def cleanup():
                drop()
                admin.dispose()

            self.cleanup_db = cleanup
        self.settings = {
            "sqlalchemy.url": url,
            "enable_views_public": "false",
            "enable_views_admin": "false",
            "certificate_authority": "pebble",
            "certificate_authority_directory": self.directories["ca-90"],
            "certificate_authority_ca_bundle": self.bundle,
            "queue_domains_min_per_cert": "1",
        }
        self.settings.update(rate_limit_settings())
        self.app_settings = compressed_settings(ApplicationSettings.from_settings(self.settings), args.day_seconds)
        cert_utils.configure(
            openssl_path=self.app_settings.openssl_path, openssl_path_conf=self.app_settings.openssl_path_conf
        )
        self.engine = meta.get_engine(self.settings)
        if self.engine.dialect.name == "sqlite":
            # several processes write (the queue workers, the update): in WAL mode a reader never
            # blocks a writer. A property of the database file, as an operator would set it.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        initialize_database(self.engine, self.app_settings)
        self.registry = Registry(self.engine, self.app_settings)
        self.db_name = self.engine.dialect.name

    def ctx(self, session) -> ApiContext:
        return ApiContext(session, self.app_settings)

    # -- the fleet at day 0

    def make_accounts(self, session) -> None:
        ctx = self.ctx(session)
        provider_90 = get.get__AcmeAccountProvider__default(ctx)
        provider_short = create.create__AcmeAccountProvider(ctx, "pebble-short", self.directories["ca-short"])
        provider_short.is_enabled = True
        session.flush()
        self.providers = {"ca-90": provider_90.id, "ca-short": provider_short.id}
        for label, provider, key_technology, technology in (
            ("default-ec", provider_90, "EC", "EC"),  # the first on the default server: the global default
            ("team-rsa", provider_90, "RSA", "RSA"),
            ("short-ec", provider_short, "EC", "EC"),
        ):
            dbAccount, _ = acme_accounts.new__AcmeAccount(
                ctx,
                provider,
                "%s@example.com" % label,
                key_technology=key_technology,
                private_key_cycle="single_certificate",
                private_key_technology=technology,
            )
            session.commit()
            self.accounts[label] = dbAccount.id
        assert get.get__AcmeAccount__global_default(ctx).id == self.accounts["default-ec"]

    def order(self, session, label: str, names, dbKey=None) -> None:
        ctx = self.ctx(session)
        dbAccount = session.get(m.AcmeAccount, self.accounts[label])
        actions_acme.new_order(
            ctx,
            dbAccount,
            names,
            processing_strategy="process_single",
            private_key_strategy="specified" if dbKey is not None else "deferred-associate",
            dbPrivateKey=dbKey,
            private_key_cycle__renewal="account_key_default",
        )
        session.commit()

    def build_fleet(self) -> None:
        """The fleet, in the order that keeps it youngest at day 0: the 90-day orders (several threads),
        the short-lived orders, then the uploads and the certbot import (minted just before)."""
        args = self.args
        ca = LocalCA()
        plans = plan_fleet(args.domains, self.rnd, args.mix)
        tree = SyntheticTree(os.path.join(self.workdir, "letsencrypt"))
        certbot_accounts = []
        with Session(bind=self.engine) as session:
            self.make_accounts(session)
        # the certbot accounts: registered on pebble (as certbot would have), then written as files
        for label in ("ca-90", "ca-90", "ca-short"):
            key = ec.generate_private_key(ec.SECP256R1())
            directory = self.directories[label]
            client = acme_v2.AcmeClient(
                acme_v2.AcmeTransport(directory, ca_bundle=self.bundle), acme_v2.AcmeKey(pkcs8_pem(key))
            )
            resource, _ = client.new_account(contact=None, terms_of_service_agreed=True)
            account_id = "%032x" % self.rnd.getrandbits(128)
            tree.add_account(directory.split("://", 1)[1], account_id, key=key, account_url=resource.url)
            certbot_accounts.append((label, directory, account_id))
        counts = collections.Counter(source for source, _, _ in plans)
        orders = {"long": [], "short": []}
        local = []
        for index, (source, technology, names) in enumerate(plans):
            lifetime = 90
            if source == "order-90":
                orders["long"].append(("default-ec", names))
            elif source == "order-90-rsa":
                orders["long"].append(("team-rsa", names))
            elif source == "queue":
                orders["long"].append(("queue", names))
            elif source == "order-short":
                lifetime = args.short_days
                orders["short"].append(("short-ec", names))
            else:
                if source == "upload" and self.rnd.random() < 0.2:
                    lifetime = 30
                # a random part of the lifetime has passed, at most 55% (not due yet): the compressed
                # clock would turn an overdue backlog into weeks (in real life: an hour of renewals)
                local.append((source, technology, names, lifetime, self.rnd.uniform(0, lifetime * 0.55), index))
            self.set_source[frozenset(names)] = (source, lifetime)
        self.initial_orders(orders["long"])
        now = datetime.datetime.now(UTC)
        with Session(bind=self.engine) as session:
            for source, technology, names, lifetime, age, index in local:
                if source == "upload":
                    key = new_key(technology)
                    not_before = now - self.clock.delta(age)
                    cert_pem = ca.leaf(names, key, not_before, not_before + self.clock.delta(lifetime))
                    create.import__CertificateSigned(self.ctx(session), cert_pem, ca.chain_pem, pkcs8_pem(key))
                    session.commit()
                else:
                    label, directory, account_id = certbot_accounts[index % len(certbot_accounts)]
                    versions = self.rnd.choice((1, 2, 3))
                    self.write_lineage(tree, ca, names, technology, versions, age, directory, account_id, now)
        log("fleet: %d uploads made, %d certbot lineages written" % (counts["upload"], counts["certbot"]))
        # the certbot directory, with the import's own code (`peter_sslers_import_certbot`)
        importer = Importer(meta.get_session_factory(self.engine), self.app_settings, echo=lambda text: None)
        summary = importer.import_tree(certbot.read_certbot_dir(tree.root), quiet=True)
        if summary.failed:
            raise SystemExit("the certbot import failed: %s" % "\n".join(summary.lines()))
        run_job(self.registry, "update-recents")
        # the first cron run works off what the fleet has due already (setup takes simulated time: a
        # minute is 12 simulated days): in compressed time a backlog takes simulated days, in real life
        # an hour. Then the short-lived certificates, last, so that they start the year young.
        self.start_workers()
        started = time.time()
        update = run_job(self.registry, "queue-certificates-update")
        drained = self.process_queue()
        self.warm_up = dict(drained, queued=update["count_queued"], seconds=round(time.time() - started, 1))
        log("fleet: the first cron run renewed what was due: %s" % self.warm_up)
        self.initial_orders(orders["short"])
        self.fleet = {"sets": len(plans), "domains": args.domains, "by_source": dict(counts)}
        log("fleet: %d domains in %d sets: %s" % (args.domains, len(plans), dict(counts)))

    def initial_orders(self, orders) -> None:
        pending = list(reversed(orders))
        queue_lock = threading.Lock()

        def worker():
            with Session(bind=self.engine) as session:
                while True:
                    with self.lock:
                        if not pending:
                            return
                        label, names = pending.pop()
                    try:
                        if label == "queue":
                            with queue_lock:  # the domain queue hands out its oldest names: one at a time
                                ctx = self.ctx(session)
                                queues.queue_domains__add(ctx, names)
                                queues.queue_domains__process(
                                    ctx, session.get(m.AcmeAccount, self.accounts["default-ec"]),
                                    max_domains_per_certificate=len(names),
                                )
                                session.commit()
                        elif label == "short-ec":
                            # a specified P-384 key, which the renewals keep
                            key_pem = cert_utils.new_private_key(key_technology="EC", curve="P-384")
                            dbKey, _ = getcreate__PrivateKey__by_pem_text(self.ctx(session), key_pem)
                            session.commit()
                            self.order(session, label, names, dbKey)
                        else:
                            self.order(session, label, names)
                    except Exception as exc:  # the set starts without a certificate: the year shows it
                        session.rollback()
                        self.errors.append("setup order for %s: %r" % (names[0], exc))

        threads = [threading.Thread(target=worker) for _ in range(self.args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log("fleet: %d orders made" % len(orders))

    def write_lineage(self, tree, ca, names, technology, versions, age, directory, account_id, now) -> None:
        name = names[0]
        archive = os.path.join(tree.root, "archive", name)
        live = os.path.join(tree.root, "live", name)
        os.makedirs(archive)
        os.makedirs(live)
        key = None
        for number in range(1, versions + 1):
            if key is None or self.rnd.random() < 0.8:
                key = new_key(technology)
            # the older versions were renewed 60 days apart, as certbot does
            not_before = now - self.clock.delta(age + (versions - number) * 60)
            cert_pem = ca.leaf(names, key, not_before, not_before + self.clock.delta(90))
            texts = {"cert": cert_pem, "chain": ca.chain_pem, "fullchain": cert_pem + ca.chain_pem, "privkey": pkcs8_pem(key)}
            for kind, text in texts.items():
                fd = os.open(os.path.join(archive, "%s%d.pem" % (kind, number)), os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(text)
        for kind in ("cert", "chain", "fullchain", "privkey"):
            os.symlink(os.path.join("..", "..", "archive", name, "%s%d.pem" % (kind, versions)), os.path.join(live, kind + ".pem"))
        with open(os.path.join(tree.root, "renewal", name + ".conf"), "w") as f:
            f.write("version = 2.11.0\narchive_dir = /etc/letsencrypt/archive/%s\n" % name)
            for kind in ("cert", "privkey", "chain", "fullchain"):
                f.write("%s = /etc/letsencrypt/live/%s/%s.pem\n" % (kind, name, kind))
            f.write("\n[renewalparams]\naccount = %s\nauthenticator = webroot\nserver = %s\n" % (account_id, directory))

    # -- the year

    def sample_coverage(self) -> None:
        """Every active domain: is the certificate config.json would serve valid right now?"""
        with Session(bind=self.engine) as session:
            now = datetime.datetime.now(UTC)
            day = self.clock.day(now)
            columns = load_only(
                m.CertificateSigned.id,
                m.CertificateSigned.is_active,
                m.CertificateSigned.timestamp_not_before,
                m.CertificateSigned.timestamp_not_after,
                m.CertificateSigned.unique_fqdn_set_id,
            )
            domains = session.scalars(
                sa.select(m.Domain)
                .where(m.Domain.is_active.is_(True))
                .options(
                    load_only(m.Domain.id, m.Domain.domain_name, m.Domain.is_active),
                    joinedload(m.Domain.certificate_signed__latest_single).options(columns),
                    joinedload(m.Domain.certificate_signed__latest_multi).options(columns),
                )
            ).unique().all()
            uncovered = 0
            for dbDomain in domains:
                field = exports.served_field(dbDomain, now)
                dbCert = getattr(dbDomain, field) if field else None
                if dbCert is not None:
                    not_before = dbCert.timestamp_not_before.replace(tzinfo=UTC)
                    not_after = dbCert.timestamp_not_after.replace(tzinfo=UTC)
                    if not_before <= now < not_after:
                        gap = self.open_gaps.pop(dbDomain.domain_name, None)
                        if gap is not None:
                            gap["end"] = round(day, 3)
                            self.gaps.append(gap)
                        continue
                    if not_after <= now:
                        reason = "served certificate %s expired at day %.2f" % (dbCert.id, self.clock.day(not_after))
                    else:
                        reason = "served certificate %s valid from day %.2f" % (dbCert.id, self.clock.day(not_before))
                else:
                    reason = "no active certificate"
                uncovered += 1
                gap = self.open_gaps.setdefault(
                    dbDomain.domain_name,
                    {"domain": dbDomain.domain_name, "start": round(day, 3), "end": None, "samples": 0, "reason": reason},
                )
                gap["samples"] += 1
                if len(self.uncovered) < 500:
                    self.uncovered.append({"day": round(day, 3), "domain": dbDomain.domain_name, "reason": reason})
            self.samples.append((day, len(domains), uncovered))
            self.uncovered_total += uncovered

    def start_workers(self) -> None:
        """The queue workers (``Workers``): processes forked for each task, each with an engine of its
        own, as several machines' crons would be."""
        self.pool = Workers(self.engine, (self.settings, self.args.day_seconds, self.args.watchdog))

    def process_queue(self) -> dict:
        """``queue-certificates-process`` by ``--workers`` processes in parallel until the queue is empty."""
        totals = collections.Counter()
        self.pool.start(_drain, list(range(self.args.workers)))
        for counts, errors in self.pool.results():
            totals.update(counts)
            for error in errors:
                if len(self.errors) < 50:
                    self.errors.append("day %.2f: %s" % (self.clock.day(), error))
        return totals

    def run_year(self) -> None:
        args = self.args
        self.clock.start()
        faults = {}
        for label, share in (("ca-90", 0.4), ("ca-short", 0.7)):
            start = self.clock.at(args.days * share)
            outages = [(start, start + args.outage_days * args.day_seconds)] if args.outage_days > 0 else []
            faults[label] = (args.fault_500, args.fault_503, outages)
        self.proxies.configure(faults)
        tick = 0
        next_update = 0.0
        last_daily = -1
        totals = collections.Counter()
        next_report = 0.0
        # `queue-certificates-process` runs on its own schedule, as in docs/Automation.md's crontab
        # (every 5 minutes there): each worker works the queue down, then looks again after a
        # simulated half hour, until the year ends
        self.pool.start(_work, [(self.clock.at(args.days), args.day_seconds / 48.0)] * args.workers)
        while True:
            target = self.clock.at(tick * args.tick)
            wait = target - time.time()
            if wait > 0:
                time.sleep(wait)
            day = self.clock.day()
            if day >= args.days:
                break
            started = time.time()
            self.sample_coverage()
            if int(day) != last_daily:
                last_daily = int(day)
                try:
                    deactivate_started = time.time()
                    run_job(self.registry, "deactivate-expired")
                    self.deactivate_seconds.append(time.time() - deactivate_started)
                except Exception as exc:  # as cron: the job failed today, it runs again tomorrow
                    self.errors.append("day %.2f deactivate-expired: %s" % (day, str(exc).splitlines()[0]))
            if day >= next_update:
                next_update += args.update_every
                try:
                    update_started = time.time()
                    update = run_job(self.registry, "queue-certificates-update")
                    self.update_seconds.append(time.time() - update_started)
                    totals["queued"] += update["count_queued"]
                except Exception as exc:
                    self.errors.append("day %.2f update: %s" % (day, str(exc).splitlines()[0]))
            self.ticks += 1
            self.max_tick_seconds = max(self.max_tick_seconds, time.time() - started)
            if day >= next_report:
                with Session(bind=self.engine) as session:
                    waiting = queues.get__QueueCertificate__count_waiting(self.ctx(session))
                log("day %6.2f: %s, %d waiting; uncovered domain-samples so far %d" % (day, dict(totals), waiting, self.uncovered_total))
                next_report += max(1.0, args.days / 20.0)
            tick += 1
            if time.time() > self.clock.at(tick * args.tick):
                # the tick ran past the next one's time: cron would have started it already (it
                # runs no two at once here); the next starts now, the missed ones are counted
                skipped = int(self.clock.day() / args.tick) - tick
                if skipped > 0:
                    self.late_ticks += skipped
                    tick += skipped
        self.sample_coverage()
        for counts, errors in self.pool.results():
            totals.update(counts)
            self.errors.extend(errors[:10])
        self.run_totals = dict(totals)

    # -- the measures

    def gap_report(self, cert_by_id, sets, items, order_by_id=None) -> list:
        """Each gap (a domain without a valid certificate from one sample to the next covered
        one), grouped by certificate set: when, how long, why, and the set's history around it
        (its certificates and renewal items from 20 simulated days before the gap to a day after,
        in time order, each item with its order's outcome), so that a gap can be explained."""
        clock = self.clock
        order_by_id = order_by_id or {}
        gaps = self.gaps + list(self.open_gaps.values())
        by_set = collections.OrderedDict()
        set_of_name = collections.defaultdict(list)
        for set_id, names in sets.items():
            for name in names:
                set_of_name[name].append(set_id)
        for gap in sorted(gaps, key=lambda g: (g["start"], g["domain"])):
            key = (tuple(sorted(set_of_name.get(gap["domain"], []))), gap["start"], gap["reason"])
            entry = by_set.setdefault(key, dict(gap, domains=[], source=None))
            entry["domains"].append(gap["domain"])
            for names, source in self.set_source.items():
                if gap["domain"] in names:
                    entry["source"] = "%s (%s-day first)" % source

        def day(value):
            return round(clock.day(value.replace(tzinfo=UTC)), 2) if value is not None else None

        def order_text(order_id):
            o = order_by_id.get(order_id)
            if o is None:
                return ""
            return ", order %d %s/%s%s" % (
                o.id,
                model_utils.Acme_Status_Order.as_string(o.acme_status_order_id),
                model_utils.AcmeOrder_ProcessingStatus.as_string(o.acme_order_processing_status_id),
                " -> certificate %d" % o.certificate_signed_id if o.certificate_signed_id else "",
            )

        report = []
        for (set_ids, _, _), entry in list(by_set.items())[:40]:
            low, high = entry["start"] - 20, (entry["end"] if entry["end"] is not None else entry["start"]) + 1
            events = []
            for c in cert_by_id.values():
                if c.unique_fqdn_set_id in set_ids:
                    start, end = day(c.timestamp_not_before), day(c.timestamp_not_after)
                    if start <= high and end >= low:
                        events.append((start, "certificate %d: day %s to %s" % (c.id, start, end)))
            for i in items:
                if i.unique_fqdn_set_id not in set_ids:
                    continue
                created = day(i.timestamp_created)
                if not low <= created <= high:
                    continue
                events.append((created, "item %d: created day %s%s, processed day %s, %s%s%s%s" % (
                    i.id, created,
                    " (not before day %s)" % day(i.timestamp_not_before) if i.timestamp_not_before else "",
                    day(i.timestamp_processed),
                    {True: "renewed", False: "failed", None: "no outcome"}[i.process_result],
                    " (failure %d in a row)" % i.count_failures if i.count_failures else "",
                    ", retry from day %s" % day(i.timestamp_retry_after) if i.timestamp_retry_after else "",
                    order_text(i.acme_order_id__generated))))
            entry.pop("domain", None)
            entry["history"] = [text for _, text in sorted(events, key=lambda e: e[0])][:60]
            report.append(entry)
        return report

    def measure(self) -> dict:
        clock = self.clock
        args = self.args
        with Session(bind=self.engine) as session:
            orders = session.execute(
                sa.select(
                    m.AcmeOrder.id,
                    m.AcmeOrder.acme_account_id,
                    m.AcmeOrder.timestamp_created,
                    m.AcmeOrder.acme_order_type_id,
                    m.AcmeOrder.certificate_signed_id,
                    m.AcmeOrder.acme_status_order_id,
                    m.AcmeOrder.acme_order_processing_status_id,
                )
            ).all()
            accounts = {a.id: a for a in session.scalars(sa.select(m.AcmeAccount))}
            certs = session.execute(
                sa.select(
                    m.CertificateSigned.id,
                    m.CertificateSigned.unique_fqdn_set_id,
                    m.CertificateSigned.timestamp_not_before,
                    m.CertificateSigned.timestamp_not_after,
                    m.CertificateSigned.timestamp_created,
                    m.CertificateSigned.is_upstream_default if hasattr(m.CertificateSigned, "is_upstream_default") else sa.literal(True),
                )
            ).all()
            sets = {s.id: frozenset(s.domains_as_list) for s in session.scalars(sa.select(m.UniqueFQDNSet))}
            items = session.execute(
                sa.select(
                    m.QueueCertificate.id,
                    m.QueueCertificate.unique_fqdn_set_id,
                    m.QueueCertificate.process_result,
                    m.QueueCertificate.timestamp_created,
                    m.QueueCertificate.timestamp_processed,
                    m.QueueCertificate.certificate_signed_id__source,
                    m.QueueCertificate.certificate_signed_id__generated,
                    m.QueueCertificate.timestamp_retry_after,
                    m.QueueCertificate.timestamp_not_before,
                    m.QueueCertificate.acme_order_id__generated,
                    m.QueueCertificate.count_failures,
                )
            ).all()
            renewal_type = model_utils.AcmeOrderType.from_string("Queue - Certificate Renewal")
            ca_of_account = {
                aid: ("ca-90" if a.acme_account_provider_id == self.providers["ca-90"] else "ca-short")
                for aid, a in accounts.items()
            }
            account_label = {v: k for k, v in self.accounts.items()}
            for aid, a in accounts.items():
                account_label.setdefault(aid, "certbot-%s-%d" % (ca_of_account[aid], aid))
        cert_by_id = {c.id: c for c in certs}

        # renewals: the certificates renewal orders brought, during the run
        renewal_orders = [o for o in orders if o.acme_order_type_id == renewal_type]
        renewed = [o for o in renewal_orders if o.certificate_signed_id]
        renewal_days = sorted(clock.day(cert_by_id[o.certificate_signed_id].timestamp_created) for o in renewed)
        weeks = collections.Counter(int(d // 7) for d in renewal_days if d >= 0)
        per_day = collections.Counter(int(d) for d in renewal_days if d >= 0)
        week_count = max(1, int(args.days // 7) + (1 if args.days % 7 else 0))
        week_hist = [weeks.get(w, 0) for w in range(week_count)]
        per_set = collections.Counter(cert_by_id[o.certificate_signed_id].unique_fqdn_set_id for o in renewed)
        renewals_by_source = collections.defaultdict(list)
        for set_id, names in sets.items():
            source = self.set_source.get(names)
            if source is not None:
                renewals_by_source["%s (%s-day first)" % source].append(per_set.get(set_id, 0))
        renewals_per_cert = {
            key: {"sets": len(v), "min": min(v), "max": max(v), "mean": round(sum(v) / len(v), 1)}
            for key, v in sorted(renewals_by_source.items())
        }

        # orders per account in the busiest sliding 3 simulated hours (every order counts, failed too)
        window = 3 / 24.0
        by_account = collections.defaultdict(list)
        for o in orders:
            by_account[o.acme_account_id].append(clock.day(o.timestamp_created))
        busiest = {}
        for aid, days in by_account.items():
            days.sort()
            best, best_at = 0, None
            for i, d in enumerate(days):
                j = bisect.bisect_right(days, d + window)
                if j - i > best:
                    best, best_at = j - i, d
            busiest[account_label[aid]] = {
                "orders": len(days),
                "busiest_3h": best,
                "at_day": round(best_at, 2) if best_at is not None else None,
                "in_run_busiest_3h": sliding_max([d for d in days if d >= 0], window),
            }

        # certificates per registered domain / per exact set, sliding 7 simulated days (pebble's only)
        issued = [cert_by_id[o.certificate_signed_id] for o in orders if o.certificate_signed_id]
        per_registered = collections.defaultdict(list)
        per_names = collections.defaultdict(list)
        for c in issued:
            d = clock.day(c.timestamp_created)
            for rd in {registered_domain(n) for n in sets[c.unique_fqdn_set_id]}:
                per_registered[rd].append(d)
            per_names[c.unique_fqdn_set_id].append(d)
        max_registered = max((sliding_max(sorted(v), 7) for v in per_registered.values()), default=0)
        max_duplicates = max((sliding_max(sorted(v), 7) for v in per_names.values()), default=0)

        # the closest call: lifetime left on the source certificate when its renewal was issued
        margins = []
        for item in items:
            if item.process_result and item.certificate_signed_id__source and item.certificate_signed_id__generated:
                old = cert_by_id.get(item.certificate_signed_id__source)
                new = cert_by_id.get(item.certificate_signed_id__generated)
                if old is not None and new is not None:
                    lifetime = (old.timestamp_not_after - old.timestamp_not_before).total_seconds() / args.day_seconds
                    left = (old.timestamp_not_after - new.timestamp_created).total_seconds() / args.day_seconds
                    # certificates issued during the run (renewals themselves) or before it (the fleet)
                    during = clock.day(old.timestamp_created) >= 0
                    margins.append((left, lifetime, during))
        closest = {}
        for left, lifetime, during in margins:
            key = "%d-day%s" % (round(lifetime), "" if during else " (from setup)")
            if key not in closest or left < closest[key]["days_left"]:
                closest[key] = {"days_left": round(left, 2), "share_left": round(left / lifetime, 3)}

        gaps = self.gap_report(cert_by_id, sets, items, {o.id: o for o in orders})
        failed_items = [i for i in items if i.process_result is False]
        attempts = collections.Counter(i.certificate_signed_id__source for i in items if i.certificate_signed_id__source)
        fault_counts = self.proxies.counts()
        domain_days_sampled = sum(active for _, active, _ in self.samples) * args.tick
        return {
            "parameters": {
                "domains": args.domains,
                "days": args.days,
                "day_seconds": args.day_seconds,
                "short_days": args.short_days,
                "tick_days": args.tick,
                "update_every_days": args.update_every,
                "workers": args.workers,
                "nonce_reject_percent": args.nonce_reject,
                "fault_500": args.fault_500,
                "fault_503": args.fault_503,
                "outage_days": args.outage_days,
                "seed": args.seed,
                "database": self.db_name,
            },
            "fleet": self.fleet,
            "coverage": {
                "samples": len(self.samples),
                "domain_days_sampled": round(domain_days_sampled, 1),
                "uncovered_domain_samples": self.uncovered_total,
                "uncovered_domain_days": round(self.uncovered_total * args.tick, 2),
                "uncovered": self.uncovered[:100],
                "gaps": gaps,
            },
            "renewals": {
                "total": len([d for d in renewal_days if d >= 0]),
                "per_week": week_hist,
                "max_per_day": max(per_day.values(), default=0),
                "max_day": max(per_day, key=per_day.get) if per_day else None,
                "per_certificate_set": renewals_per_cert,
                "closest_call": closest,
            },
            "rate_limits": {
                "orders_per_account": busiest,
                "limit_orders_per_account_3h": LE_NEW_ORDERS_PER_ACCOUNT_3H,
                "max_certificates_per_registered_domain_7d": max_registered,
                "limit_certificates_per_registered_domain_7d": LE_CERTIFICATES_PER_REGISTERED_DOMAIN_7D,
                "max_duplicates_7d": max_duplicates,
                "limit_duplicates_7d": LE_DUPLICATES_7D,
            },
            "faults": {
                "proxies": fault_counts,
                "queue_items": len(items),
                "failed_items": len(failed_items),
                "certificates_needing_retries": sum(1 for n in attempts.values() if n > 1),
                "most_attempts_for_one_certificate": max(attempts.values(), default=0),
                "orders_total": len(orders),
                "orders_without_certificate": sum(1 for o in orders if not o.certificate_signed_id),
                "job_exceptions": self.errors[:20],
            },
            "run": {
                "first_cron_run_before_day_0": getattr(self, "warm_up", {}),
                "update_runs": len(self.update_seconds),
                "update_seconds_max": round(max(self.update_seconds, default=0), 2),
                "update_seconds_mean": round(sum(self.update_seconds) / max(1, len(self.update_seconds)), 2),
                "deactivate_expired_seconds_max": round(max(self.deactivate_seconds, default=0), 2),
                "deactivate_expired_seconds_mean": round(
                    sum(self.deactivate_seconds) / max(1, len(self.deactivate_seconds)), 2
                ),
                "ticks": self.ticks,
                "skipped_ticks": self.late_ticks,
                "max_tick_seconds": round(self.max_tick_seconds, 2),
                "totals": getattr(self, "run_totals", {}),
            },
        }

    def close(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        if self.proxies is not None:
            self.proxies.close()
        for pebble in self.pebbles.values():
            pebble.stop()
        if self.engine is not None:
            self.engine.dispose()
        if not self.args.keep:
            self.cleanup_db()
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:
            log("kept: %s and the database %s" % (self.workdir, self.settings.get("sqlalchemy.url")))


_WORKER = {}


class Workers:
    """The queue workers: one process forked per task (``start``), its answer back through a pipe
    (``results``). Not a ``multiprocessing.Pool``: stopping a pool waits on its task queue's lock,
    which an idle worker holds while it waits for a task, and a run of the smoke test hung there
    (tests/tools/test_simulate.py, in CI); a plain process is stopped by a signal and joined."""

    def __init__(self, engine, init_args: tuple):
        self.engine = engine
        self.init_args = init_args
        self.running: list = []

    def start(self, func, arguments: list) -> None:
        self.engine.dispose()  # no connection of this process's pool goes with a fork
        context = multiprocessing.get_context("fork")
        for argument in arguments:
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_worker_main, args=(writer, self.init_args, func, argument), daemon=True)
            process.start()
            writer.close()
            self.running.append((process, reader))

    def results(self) -> list:
        """Each task's ``(counts, errors)``, waiting for every one to end."""
        answers = []
        for process, reader in self.running:
            try:
                answers.append(reader.recv())
            except EOFError:
                process.join(10)
                answers.append(({"exceptions": 1}, ["a worker ended without an answer (exit code %s)" % process.exitcode]))
            reader.close()
            process.join(10)
        self.running = []
        return answers

    def stop(self, grace: float = 5.0) -> None:
        for process, _reader in self.running:
            if process.is_alive():
                process.terminate()
        deadline = time.time() + grace
        for process, reader in self.running:
            process.join(max(0.0, deadline - time.time()))
            if process.is_alive():
                process.kill()
                process.join(5)
            reader.close()
        self.running = []


def _worker_main(writer, init_args: tuple, func, argument) -> None:
    _worker_init(*init_args)
    try:
        writer.send(func(argument))
    finally:
        writer.close()


def _worker_watchdog(signum, frame) -> None:
    faulthandler.dump_traceback(all_threads=True)
    os._exit(3)


def _worker_init(settings: dict, day_seconds: float, watchdog: float = 0) -> None:
    # the parent's SIGTERM handler (clean up, as on Ctrl-C) is not a worker's: a worker just ends
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if watchdog > 0:
        # the parent's faulthandler timer does not follow a fork, and re-arming it here would wait
        # forever on the parent's timer thread's lock: an alarm signal instead
        signal.signal(signal.SIGALRM, _worker_watchdog)
        signal.alarm(max(1, int(watchdog)))
    engine = meta.get_engine(settings)
    _WORKER["registry"] = Registry(engine, compressed_settings(ApplicationSettings.from_settings(settings), day_seconds))


def _drain(_index, stop_at=None):
    """One worker: ``queue-certificates-process`` until the queue is empty (or ``stop_at``).
    Returns (counts, errors)."""
    totals = collections.Counter()
    errors = []
    while stop_at is None or time.time() < stop_at:
        try:
            result = run_job(_WORKER["registry"], "queue-certificates-process", reconcile=False)
        except Exception as exc:  # a job that raised: recorded, and the worker goes on
            totals["exceptions"] += 1
            errors.append("".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[0])
            if totals["exceptions"] >= 20:
                break
            continue
        totals["processed"] += result["count_total"]
        totals["success"] += result["count_success"]
        totals["fail"] += result["count_fail"]
        if not result["count_total"]:
            break
    return dict(totals), errors


def _work(arguments):
    """One worker for the year: work the queue down, wait ``idle`` seconds, again, until ``stop_at``."""
    stop_at, idle = arguments
    totals = collections.Counter()
    errors = []
    while time.time() < stop_at:
        counts, new_errors = _drain(0, stop_at)
        totals.update(counts)
        errors.extend(new_errors)
        if not counts.get("processed"):
            time.sleep(min(idle, max(0.0, stop_at - time.time())))
    return dict(totals), errors[:20]


def sliding_max(days, width: float) -> int:
    best = 0
    for i, d in enumerate(days):
        best = max(best, bisect.bisect_right(days, d + width) - i)
    return best


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d cores%s, Python %s, %s" % (os.cpu_count() or 0, " (%s)" % model if model else "", platform.python_version(), platform.system())


# --- the report


def markdown(result: dict) -> str:
    p = result["parameters"]
    c = result["coverage"]
    r = result["renewals"]
    rl = result["rate_limits"]
    f = result["faults"]
    lines = [
        DOC_BEGIN,
        "",
        "Measured %s: `%s` (%s)." % (result["date"], result["command"], result["machine"]),
        "",
        "| | |",
        "|---|---|",
        "| domains, certificate sets | %d, %d (%s) |" % (
            result["fleet"]["domains"], result["fleet"]["sets"],
            ", ".join("%s %d" % kv for kv in sorted(result["fleet"]["by_source"].items()))),
        "| simulated days, D (real seconds a day) | %s, %s; the 90-day CA issues for %d s, the %s-day CA for %d s |" % (
            p["days"], p["day_seconds"], round(90 * p["day_seconds"]), p["short_days"], round(p["short_days"] * p["day_seconds"])),
        "| cron | update every %s day; coverage sampled every %s day; %d workers process the queue, each every simulated half hour until it is empty; deactivate-expired daily; the first cron run (before day 0) renewed %s certificates the imported fleet had due |" % (p["update_every_days"], p["tick_days"], p["workers"], result["run"]["first_cron_run_before_day_0"].get("success")),
        "| database | %s |" % p["database"],
        "| wall time | %.0f s (setup %.0f s, the year %.0f s) |" % (result["wall_seconds"], result["setup_seconds"], result["year_seconds"]),
        "| **uncovered domain-days** | **%s** of %s sampled (%d samples of every active domain) |" % (
            c["uncovered_domain_days"], c["domain_days_sampled"], c["samples"]),
        "| renewals | %d; busiest day %s (day %s); per week: %s |" % (
            r["total"], r["max_per_day"], r["max_day"], " ".join(str(n) for n in r["per_week"])),
        "| closest call (life left on a certificate when its renewal arrived; \"from setup\": one the run began with) | %s |" % "; ".join(
            "%s: %.2f days (%.0f%%)" % (k, v["days_left"], 100 * v["share_left"]) for k, v in sorted(r["closest_call"].items())),
        "| busiest 3 simulated hours, per account (LE: %d) | %s |" % (rl["limit_orders_per_account_3h"], "; ".join(
            "%s %d (day %s)" % (k, v["busiest_3h"], v["at_day"]) for k, v in sorted(rl["orders_per_account"].items()))),
        "| certificates per registered domain, 7 days (LE: %d) | %d |" % (rl["limit_certificates_per_registered_domain_7d"], rl["max_certificates_per_registered_domain_7d"]),
        "| duplicate certificates, 7 days (LE: %d) | %d |" % (rl["limit_duplicates_7d"], rl["max_duplicates_7d"]),
        "| faults | %s; %d of %d queue items failed, %d certificates needed more than one item (at most %d); %d of %d orders ended without a certificate; job exceptions: %d |" % (
            "; ".join("%s: %d requests, %d badNonce, %d injected 500, %d injected 503, %d outage 503" % (
                k, v["requests"], v["bad_nonce"], v["injected_500"], v["injected_503"], v["outage_503"]) for k, v in sorted(f["proxies"].items())),
            f["failed_items"], f["queue_items"], f["certificates_needing_retries"], f["most_attempts_for_one_certificate"],
            f["orders_without_certificate"], f["orders_total"], len(f["job_exceptions"])),
        "",
        "Renewals per certificate set over the run, by how the set began:",
        "",
        "| first certificate | sets | renewals min | mean | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, v in r["per_certificate_set"].items():
        lines.append("| %s | %d | %d | %s | %d |" % (key, v["sets"], v["min"], v["mean"], v["max"]))
    if c.get("gaps"):
        lines += ["", "The gaps (a set's names without a valid certificate; first %d; the history of each is in the result JSON):" % len(c["gaps"][:20]), ""]
        lines += [
            "* day %s to %s, %s (%s): %s" % (g["start"], g["end"] if g["end"] is not None else "the end", ", ".join(g["domains"]), g["source"], g["reason"])
            for g in c["gaps"][:20]
        ]
    lines += ["", DOC_END]
    return "\n".join(lines)


def write_doc(path: str, section: str) -> None:
    with open(path) as f:
        text = f.read()
    if DOC_BEGIN in text and DOC_END in text:
        head, rest = text.split(DOC_BEGIN, 1)
        tail = rest.split(DOC_END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w") as f:
        f.write(text)


def parse_mix(text: str):
    mix = []
    for part in text.split(","):
        source, _, weight = part.partition(":")
        if source not in dict(SOURCES):
            raise argparse.ArgumentTypeError("unknown source %r (known: %s)" % (source, ", ".join(dict(SOURCES))))
        mix.append((source, float(weight or 1)))
    return tuple(mix)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--day-seconds", type=float, default=5.0, help="real seconds per simulated day (D)")
    parser.add_argument("--short-days", type=int, default=10, help="the lifetime the short-lived CA issues")
    parser.add_argument("--tick", type=float, default=0.5, help="simulated days between two coverage samples")
    parser.add_argument(
        "--update-every", type=float, default=1.0, help="simulated days between two queue-certificates-update runs (cron: daily)"
    )
    parser.add_argument("--workers", type=int, default=5, help="queue processors in parallel")
    parser.add_argument("--nonce-reject", type=int, default=10, help="PEBBLE_WFE_NONCEREJECT (percent)")
    parser.add_argument("--fault-500", type=float, default=0.01, help="share of requests answered 500")
    parser.add_argument("--fault-503", type=float, default=0.02, help="share of requests answered 503")
    parser.add_argument("--outage-days", type=float, default=1.0, help="each CA is down once for this long")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=SOURCES,
        help="the sources' shares, e.g. order-short:2,upload:1 (default: %s)" % ",".join("%s:%s" % kv for kv in SOURCES),
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL (a schema of its own; default: SQLite)")
    parser.add_argument(
        "--sqlite-dir",
        default="/dev/shm" if os.path.isdir("/dev/shm") else None,
        help="where the SQLite file goes (default: /dev/shm, a tmpfs: a commit's fsync is not what is measured)",
    )
    parser.add_argument("--result", default=os.path.join(ROOT, "bench", "simulate_result.json"))
    parser.add_argument("--doc", default=os.path.join(ROOT, "docs", "Performance.md"))
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/Performance.md")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (database, pebble logs)")
    parser.add_argument(
        "--watchdog", type=float, default=0,
        help="after this many seconds, print every thread's stack (main process and workers) and exit: a hang says where",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.watchdog > 0:
        faulthandler.dump_traceback_later(args.watchdog, exit=True)
    # the client's waits, compressed as the clock is (its 1 s polling back-off would be hours)
    acme_v2.POLL_FIRST_WAIT = min(acme_v2.POLL_FIRST_WAIT, max(0.02, args.day_seconds / 200.0))
    acme_v2.POLL_MAX_WAIT = min(acme_v2.POLL_MAX_WAIT, max(0.1, args.day_seconds / 20.0))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # stop: clean up as on Ctrl-C
    started = time.time()
    sim = Simulation(args)
    try:
        sim.start_pebbles()
        sim.open_database()
        trust_all_simulated_cas(sim.bundle, list(sim.directories.values()))
        sim.build_fleet()
        setup_seconds = time.time() - started
        log("setup took %.0f s; the year starts (%s simulated days of %s s)" % (setup_seconds, args.days, args.day_seconds))
        sim.run_year()
        year_seconds = time.time() - started - setup_seconds
        try:
            result = sim.measure()
        except Exception:
            traceback.print_exc()
            log("measuring failed; the database is kept in %s" % sim.workdir)
            args.keep = True
            raise
    finally:
        sim.close()
    result.update(
        {
            "date": datetime.date.today().isoformat(),
            "command": "bench/simulate.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "machine": machine(),
            "wall_seconds": round(time.time() - started, 1),
            "setup_seconds": round(setup_seconds, 1),
            "year_seconds": round(year_seconds, 1),
        }
    )
    with open(args.result, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
    section = markdown(result)
    print(section)
    if not args.no_doc:
        write_doc(args.doc, section)
    log("result: %s%s" % (args.result, "" if args.no_doc else "; %s updated" % args.doc))
    return 0 if result["coverage"]["uncovered_domain_samples"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
