"""Benchmark: ``peter_sslers_import_certbot`` on a large certbot directory, and a second run.

    .venv/bin/python bench/bench_certbot_import.py [--sizes 500,1000] [--database-url postgresql+psycopg://...]
                                                   [--rsa-pool 0] [--profile]

For each size N it builds a synthetic certbot directory (``/etc/letsencrypt`` layout: ``accounts/``,
``archive/``, ``live/`` symlinks, ``renewal/*.conf``) of N lineages, a fresh database
(a SQLite file, or with ``--database-url`` a PostgreSQL schema of its own, dropped afterwards),
then runs the console script twice, each time in a process of its own (its ``main()``, the
``peter_sslers_import_certbot`` entry point, with ``--quiet``):

* the first import, which creates every account and every certificate version;
* a second import of the same tree, which must find everything and create nothing.

The tree, built with ``cryptography`` and deterministic for a size (``random.Random(N)``):

* 4 accounts: two on Let's Encrypt, one on its staging server (RSA account keys, as certbot
  makes them), one on a private ACME server (EC P-256);
* lineages with 1 to 5 names (``www.``, ``api.``... of their own domain, a wildcard now and
  then); one in 25 is a ``-0001`` lineage of an earlier domain, so names are shared;
* 1 to 6 versions (one in 100 lineages has 12): the newest two valid, the older ones expired
  (renewed every 60 days, 90-day certificates), as in a real ``archive/``;
* keys: 25% RSA-2048 (signed by the RSA test intermediate A), 60% EC P-256 and 15% P-384
  (by the EC test intermediate B); one lineage in five keeps its key across renewals
  (certbot's ``--reuse-key``). Every RSA key is new unless ``--rsa-pool K`` is given, which
  draws them from K keys instead (set-up is then faster, and the import cheaper than a real
  tree's: a key PEM stored already is not parsed again).

Measured for each run: the import's wall time (``main()``; the process's start-up is shown
apart), the share spent reading the tree, certificate versions per second, SQL statements per
version (a SQLAlchemy ``before_cursor_execute`` count) and the peak RSS of the process. The
counts are checked, and a wrong one stops the benchmark: the first run must create one
CertificateSigned per version, a PrivateKey per distinct key, a Domain per distinct name, a
UniqueFQDNSet per distinct name set, the 4 accounts, and leave exactly the unexpired versions
active; the second must report everything "already there" and change no row of any table.
``--profile`` also prints, for each import, the 25 costliest functions (cProfile, which slows
the run) and the 20 most frequent SQL statements. Results go to stdout; docs/Performance.md
records them.
"""

import argparse
import collections
import contextlib
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

import sqlalchemy as sa  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from peter_sslers.config import ApplicationSettings  # noqa: E402
from peter_sslers.model import meta  # noqa: E402
from peter_sslers.model import objects as m  # noqa: E402
from peter_sslers.scripts.initializedb import initialize_database  # noqa: E402
from tests import data  # noqa: E402
from tests.certbot_trees import SyntheticTree  # noqa: E402
from tests.certbot_trees import key_pem  # noqa: E402
from tests.certbot_trees import summary as summary_counts  # noqa: E402
from tests.certbot_trees import table_counts  # noqa: E402

UTC = datetime.timezone.utc
CHILD = "_child"  # the hidden first argument of the import process (see child_main)
SETTINGS = {"certificate_authority": "pebble", "enable_views_public": "false", "enable_views_admin": "true"}

# certbot renews 30 days before expiry: 90-day certificates, a new version every 60 days
LIFETIME = datetime.timedelta(days=90)
RENEWAL_INTERVAL = datetime.timedelta(days=60)

# (ACME directory URL, account id, key, contact)
ACCOUNTS = (
    ("https://acme-v02.api.letsencrypt.org/directory", "9f1e3b2a7c4d5e6f8a9b0c1d2e3f4a5b", "RSA", "ops@example.com"),
    ("https://acme-v02.api.letsencrypt.org/directory", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "RSA", None),
    ("https://acme-staging-v02.api.letsencrypt.org/directory", "5e6f708192a3b4c5d6e7f8091a2b3c4d", "RSA", "ops@example.com"),
    ("https://ca.internal:9443/acme/directory", "c0ffee00c0ffee00c0ffee00c0ffee00", "EC", "pki@example.com"),
)


# --- the certbot tree


class BenchTree(SyntheticTree):
    """A large certbot directory: the tests' :class:`SyntheticTree` (layout, accounts), with
    lineages of RSA and EC keys, expired older versions and two issuers.

    :ivar expected: what an import must create, from what was written.
    """

    def __init__(self, root, rsa_pool: int = 0, seed: int = 0):
        super().__init__(root)
        self.random = random.Random(seed)
        self.pool_random = random.Random(seed + 1)  # the tree's shape does not depend on --rsa-pool
        # RSA leaves are signed by the RSA intermediate A, EC leaves by the EC intermediate B
        self.issuers = {
            "RSA": (self.issuer_key, self.issuer_cert, self.chain_pem),
            "EC": (
                serialization.load_pem_private_key(data.read_bytes("intermediate_b.key.pem"), None),
                x509.load_pem_x509_certificate(data.read_bytes("intermediate_b.cert.pem")),
                data.read("intermediate_b.cert.pem"),
            ),
        }
        self.rsa_keys = [rsa.generate_private_key(65537, 2048) for _ in range(rsa_pool)]
        self.rsa_generated = 0
        self.now = datetime.datetime.now(UTC)
        self.serial = 1
        self.expected = {
            "accounts": 0,
            "versions": 0,
            "active": 0,
            "rsa_versions": 0,
            "key_pems": set(),
            "domains": set(),
            "fqdn_sets": set(),
            "issuers": set(),
        }

    def new_key(self, technology: str):
        if technology == "RSA":
            if self.rsa_keys:
                return self.pool_random.choice(self.rsa_keys)
            self.rsa_generated += 1
            return rsa.generate_private_key(65537, 2048)
        return ec.generate_private_key(ec.SECP384R1() if technology == "EC384" else ec.SECP256R1())

    def signed_leaf(self, domains, key, technology: str, not_before) -> str:
        issuer_key, issuer_cert, _chain = self.issuers["RSA" if technology == "RSA" else "EC"]
        self.serial += 1
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
            .issuer_name(issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(self.serial)
            .not_valid_before(not_before)
            .not_valid_after(not_before + LIFETIME)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in domains]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()

    def add_accounts(self) -> list:
        """The accounts of ``ACCOUNTS``; returns ``(directory URL, account id)`` of each."""
        written = []
        for directory_url, account_id, technology, contact in ACCOUNTS:
            key = rsa.generate_private_key(65537, 2048) if technology == "RSA" else ec.generate_private_key(ec.SECP256R1())
            body = {"contact": ["mailto:%s" % contact]} if contact else {}
            self.add_account(directory_url.split("://", 1)[1], account_id, key=key, regr_body=body)
            written.append((directory_url, account_id))
            self.expected["accounts"] += 1
        return written

    def add_versions(self, name: str, domains, versions: int, technology: str, reuse_key: bool, account) -> None:
        """``archive/NAME/{cert,chain,fullchain,privkey}N.pem``, ``live/NAME`` links, ``renewal/NAME.conf``."""
        archive = os.path.join(self.root, "archive", name)
        live = os.path.join(self.root, "live", name)
        os.makedirs(archive)
        os.makedirs(live)
        chain_pem = self.issuers["RSA" if technology == "RSA" else "EC"][2]
        key = None
        for number in range(1, versions + 1):
            if key is None or not reuse_key:
                key = self.new_key(technology)
            age = (versions - number) * RENEWAL_INTERVAL + datetime.timedelta(days=1)
            not_before = (self.now - age).replace(microsecond=0)
            cert_pem = self.signed_leaf(domains, key, technology, not_before)
            privkey_pem = key_pem(key)
            texts = {"cert": cert_pem, "chain": chain_pem, "fullchain": cert_pem + chain_pem, "privkey": privkey_pem}
            for kind, text in texts.items():
                # 0600 from the start, as certbot writes them: privkey*.pem is a private key.
                fd = os.open(os.path.join(archive, "%s%d.pem" % (kind, number)), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(text)
            self.expected["versions"] += 1
            self.expected["rsa_versions"] += technology == "RSA"
            self.expected["active"] += not_before + LIFETIME > self.now
            self.expected["key_pems"].add(privkey_pem)
            self.expected["issuers"].add(chain_pem)
        self.expected["domains"].update(domains)
        self.expected["fqdn_sets"].add(frozenset(domains))
        for kind in ("cert", "chain", "fullchain", "privkey"):
            target = os.path.join("..", "..", "archive", name, "%s%d.pem" % (kind, versions))
            os.symlink(target, os.path.join(live, kind + ".pem"))
        with open(os.path.join(live, "README"), "w") as f:
            f.write("`cert.pem`  : your certificate\n")
        directory_url, account_id = account
        with open(os.path.join(self.root, "renewal", name + ".conf"), "w") as f:
            f.write("# renew_before_expiry = 30 days\nversion = 2.11.0\n")
            f.write("archive_dir = /etc/letsencrypt/archive/%s\n" % name)
            for kind in ("cert", "privkey", "chain", "fullchain"):
                f.write("%s = /etc/letsencrypt/live/%s/%s.pem\n" % (kind, name, kind))
            f.write("\n[renewalparams]\naccount = %s\nauthenticator = webroot\nserver = %s\n" % (account_id, directory_url))
            f.write("key_type = %s\nreuse_key = %s\n" % ("rsa" if technology == "RSA" else "ecdsa", reuse_key))
            if technology != "RSA":
                f.write("elliptic_curve = %s\n" % ("secp384r1" if technology == "EC384" else "secp256r1"))

    def build(self, lineages: int) -> None:
        accounts = self.add_accounts()
        production = [a for a in accounts if "acme-v02" in a[0]]
        bases = []
        for index in range(lineages):
            rnd = self.random
            if index % 25 == 24 and bases:
                # certbot's "-0001" lineage: an earlier domain again, with another set of names
                base = bases.pop(rnd.randrange(len(bases)))  # each domain gets one "-0001" at most
                name, domains = base + "-0001", [base, "new.%s" % base]
            else:
                base = "site%05d.example.%s" % (index, ("com", "net", "org")[index % 3])
                bases.append(base)
                count = rnd.choices((1, 2, 3, 4, 5), weights=(40, 30, 15, 10, 5))[0]
                wildcard = count > 1 and rnd.random() < 0.1  # a DNS-01 wildcard instead of www.
                extra = ["*.%s" % base if wildcard else "www.%s" % base] + ["%s.%s" % (p, base) for p in ("api", "mail", "shop")]
                name, domains = base, [base] + extra[: count - 1]
            versions = 12 if index % 100 == 50 else rnd.choices((1, 2, 3, 4, 5, 6), weights=(35, 30, 15, 10, 5, 5))[0]
            technology = rnd.choices(("RSA", "EC256", "EC384"), weights=(25, 60, 15))[0]
            account = accounts[2] if index % 40 == 7 else accounts[3] if index % 40 == 13 else rnd.choice(production)
            self.add_versions(name, domains, versions, technology, reuse_key=rnd.random() < 0.2, account=account)


# --- the import process


def child_main(argv) -> int:
    """``bench_certbot_import.py _child INI DIR OUT.json [--profile]``: one run of the console script.

    In a process of its own, so that its peak RSS is its own. Counts every SQL statement of every
    engine and writes what it measured to ``OUT.json``.
    """
    ini, certbot_dir, out_path = argv[:3]
    profile = "--profile" in argv[3:]
    from peter_sslers.lib import certbot
    from peter_sslers.scripts import import_certbot

    statements = collections.Counter()

    @sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def count(conn, cursor, statement, parameters, context, executemany):
        statements[re.sub(r"\s+", " ", statement).strip()] += 1

    reading = {"seconds": 0.0}
    read_certbot_dir = certbot.read_certbot_dir

    def timed_read(*args, **kwargs):
        start = time.perf_counter()
        try:
            return read_certbot_dir(*args, **kwargs)
        finally:
            reading["seconds"] += time.perf_counter() - start

    certbot.read_certbot_dir = timed_read  # the script calls it through the module

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = io.StringIO()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        if profiler:
            profiler.enable()
        status = import_certbot.main([ini, certbot_dir, "--quiet"])
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - start
    result = {
        "status": status,
        "seconds": seconds,
        "read_seconds": reading["seconds"],
        "statements": sum(statements.values()),
        "statements_by_verb": dict(collections.Counter(s.split(" ", 1)[0].upper() for s in statements.elements())),
        "rss_before_kb": rss_before,
        "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "lines": out.getvalue().splitlines(),
    }
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        result["profile"] = text.getvalue()
        result["top_statements"] = [(n, s[:200]) for s, n in statements.most_common(20)]
    with open(out_path, "w") as f:
        json.dump(result, f)
    return 0


def run_import(ini: str, certbot_dir: str, tmp: str, profile: bool) -> dict:
    out_path = os.path.join(tmp, "run.json")
    command = [sys.executable, os.path.abspath(__file__), CHILD, ini, certbot_dir, out_path]
    start = time.perf_counter()
    process = subprocess.run(command + (["--profile"] if profile else []), capture_output=True, text=True, cwd=ROOT)
    process_seconds = time.perf_counter() - start
    if process.returncode != 0 or not os.path.exists(out_path):
        raise SystemExit("The import process failed (%s):\n%s%s" % (process.returncode, process.stdout, process.stderr))
    with open(out_path) as f:
        result = json.load(f)
    os.unlink(out_path)
    result["process_seconds"] = process_seconds
    return result


# --- checks


def fail(message: str, result=None) -> None:
    lines = "\n".join((result or {}).get("lines", [])[-30:])
    raise SystemExit("CHECK FAILED: %s\n%s" % (message, lines))


def check_first(engine, tree: BenchTree, seeded: dict, result: dict) -> dict:
    expected = tree.expected
    versions, accounts = expected["versions"], expected["accounts"]
    if result["status"] != 0:
        fail("the first import exited with %s" % result["status"], result)
    counts = summary_counts(result["lines"])
    wanted = {
        "accounts": "%d created, 0 already there, 0 failed" % accounts,
        "certificates": "%d created, 0 already there, 0 failed" % versions,
    }
    if counts != wanted:
        fail("the first summary says %s, expected %s" % (counts, wanted), result)
    after = table_counts(engine)
    deltas = {table: after[table] - seeded[table] for table in after}
    wanted_deltas = {
        "certificate_signed": versions,
        "certificate_signed_chain": versions,
        "private_key": len(expected["key_pems"]),
        "domain": len(expected["domains"]),
        "unique_fqdn_set": len(expected["fqdn_sets"]),
        "certificate_ca_chain": len(expected["issuers"]),
        "certificate_ca": len(expected["issuers"]),
        "acme_account": accounts,
        "acme_account_key": accounts,
    }
    wrong = {t: (deltas[t], n) for t, n in wanted_deltas.items() if deltas[t] != n}
    if wrong:
        fail("rows created (table: (created, expected)): %s" % wrong, result)
    with Session(bind=engine) as session:
        active = session.scalar(
            sa.select(sa.func.count(m.CertificateSigned.id)).where(m.CertificateSigned.is_active.is_(True))
        )
    if active != expected["active"]:
        fail("%d certificates active, expected the %d unexpired versions" % (active, expected["active"]), result)
    return after


def check_second(engine, tree: BenchTree, imported: dict, result: dict) -> None:
    expected = tree.expected
    if result["status"] != 0:
        fail("the second import exited with %s" % result["status"], result)
    counts = summary_counts(result["lines"])
    wanted = {
        "accounts": "0 created, %d already there, 0 failed" % expected["accounts"],
        "certificates": "0 created, %d already there, 0 failed" % expected["versions"],
    }
    if counts != wanted:
        fail("the second summary says %s, expected %s" % (counts, wanted), result)
    after = table_counts(engine)
    changed = {t: (imported[t], after[t]) for t in after if after[t] != imported[t]}
    if changed:
        fail("the second import changed row counts (table: (before, after)): %s" % changed, result)


# --- databases


def fresh_database(url, tmp: str, size: int):
    """``(settings, cleanup)``: an initialised database of this run's own."""
    if not url:
        settings = dict(SETTINGS, **{"sqlalchemy.url": "sqlite:///%s" % os.path.join(tmp, "bench.sqlite")})
        return settings, lambda: None
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("--database-url: PostgreSQL only (SQLite is the default)")
    schema = "bench_certbot_import_%d_%d" % (os.getpid(), size)
    admin = sa.create_engine(parsed)

    def drop(create=False):
        with admin.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS %s CASCADE" % schema))
            if create:
                connection.execute(sa.text("CREATE SCHEMA %s" % schema))

    drop(create=True)
    parsed = parsed.update_query_dict({"options": "-csearch_path=%s" % schema})
    settings = dict(SETTINGS, **{"sqlalchemy.url": parsed.render_as_string(hide_password=False)})

    def cleanup():
        drop()
        admin.dispose()

    return settings, cleanup


def run_size(lineages: int, url, rsa_pool: int, profile: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_certbot_") as tmp:
        start = time.perf_counter()
        tree = BenchTree(os.path.join(tmp, "letsencrypt"), rsa_pool=rsa_pool, seed=lineages)
        tree.build(lineages)
        build_seconds = time.perf_counter() - start
        expected = tree.expected
        print(
            "N=%d: tree of %d versions (%d RSA, %d distinct keys, %d RSA keys generated, %d active) built in %.1f s"
            % (
                lineages,
                expected["versions"],
                expected["rsa_versions"],
                len(expected["key_pems"]),
                tree.rsa_generated,
                expected["active"],
                build_seconds,
            ),
            flush=True,
        )
        settings, cleanup = fresh_database(url, tmp, lineages)
        engine = meta.get_engine(settings)
        try:
            initialize_database(engine, ApplicationSettings.from_settings(settings))
            ini = os.path.join(tmp, "import.ini")
            with open(ini, "w") as f:
                f.write("[app:main]\nuse = egg:peter_sslers\n")
                for key, value in settings.items():
                    f.write("%s = %s\n" % (key, value.replace("%", "%%")))
            seeded = table_counts(engine)
            runs = {}
            for name in ("first", "second"):
                result = run_import(ini, tree.root, tmp, profile)
                if name == "first":
                    imported = check_first(engine, tree, seeded, result)
                else:
                    check_second(engine, tree, imported, result)
                runs[name] = result
                print(
                    "N=%d %s import: %.1f s (reading %.1f s; process %.1f s), %.1f versions/s, %.1f SQL/version, peak RSS %.0f MB"
                    % (
                        lineages,
                        name,
                        result["seconds"],
                        result["read_seconds"],
                        result["process_seconds"],
                        expected["versions"] / result["seconds"],
                        result["statements"] / expected["versions"],
                        result["rss_peak_kb"] / 1024,
                    ),
                    flush=True,
                )
                if result.get("profile"):
                    print(result["profile"])
                    print("most frequent SQL statements:")
                    for count, statement in result["top_statements"]:
                        print("%7d  %s" % (count, statement))
                    print("statements by verb: %s" % result["statements_by_verb"], flush=True)
        finally:
            engine.dispose()
            cleanup()
        shutil.rmtree(tree.root, ignore_errors=True)
    return {"lineages": lineages, "versions": expected["versions"], "runs": runs, "build_seconds": build_seconds}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        return child_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000", help="numbers of lineages, comma-separated")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--rsa-pool", type=int, default=0, help="draw RSA keys from this many (default 0: every one new)")
    parser.add_argument("--profile", action="store_true", help="print a profile and the most frequent SQL of each import")
    args = parser.parse_args()
    results = [run_size(int(size), args.database_url, args.rsa_pool, args.profile) for size in args.sizes.split(",")]
    backend = sa.engine.make_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    print()
    print(
        "| database | lineages | versions | run | import | reading the tree | versions per second "
        "| SQL per version | peak RSS (over start-up) |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        for name, run in r["runs"].items():
            print(
                "| {} | {:,} | {:,} | {} | {:.1f} s | {:.1f} s | {:.1f} | {:.1f} | {:.0f} MB (+{:.0f}) |".format(
                    backend,
                    r["lineages"],
                    r["versions"],
                    name,
                    run["seconds"],
                    run["read_seconds"],
                    r["versions"] / run["seconds"],
                    run["statements"] / r["versions"],
                    run["rss_peak_kb"] / 1024,
                    (run["rss_peak_kb"] - run["rss_before_kb"]) / 1024,
                )
            )
    if len(results) > 1:
        first, last = results[0], results[-1]
        for name in ("first", "second"):
            time_ratio = last["runs"][name]["seconds"] / first["runs"][name]["seconds"]
            print(
                "ratio %d/%d lineages, %s import: versions %.2f, time %.2f, time per version %.2f"
                % (
                    last["lineages"],
                    first["lineages"],
                    name,
                    last["versions"] / first["versions"],
                    time_ratio,
                    time_ratio * first["versions"] / last["versions"],
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
