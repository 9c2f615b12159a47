"""certbot directories for the import tests.

* :func:`copy_real_tree`: a copy (symlinks kept) of the tree real certbot made against pebble,
  ``tests/test_data/certbot/letsencrypt``, with its ``manifest.json``; tests damage the copy.
* :class:`SyntheticTree`: small trees built here with ``cryptography``, for what the real one
  cannot hold: EC account keys (certbot cannot make them), lineages with ten and more versions,
  odd layouts. Leaves are signed by the checked-in test intermediate A (``tests/test_data``).
"""

import base64
import contextlib
import datetime
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests import data

REAL_DIR = os.path.join(data.DIR, "certbot")
REAL_TREE = os.path.join(REAL_DIR, "letsencrypt")


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    with open(os.path.join(REAL_DIR, "manifest.json")) as f:
        return json.load(f)


def copy_real_tree(tmp_path) -> str:
    """A private copy of the real certbot tree (relative symlinks kept): its path."""
    target = os.path.join(str(tmp_path), "letsencrypt")
    shutil.copytree(REAL_TREE, target, symlinks=True)
    return target


def loaded(items) -> list:
    """The items of a reader, each ``load()``-ed (the readers find files; ``load()`` reads them)."""
    return [item.load() for item in items]


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the run) when the block takes longer: for code that, broken,
    would block on a FIFO or walk a loop of symlinks for ever. SIGALRM interrupts a blocking
    ``open()`` too."""

    def expired(signum, frame):
        raise TimeoutError("still running after %s seconds" % seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def public_copy_of_real_tree():
    """A copy of the real tree in a temporary directory of its own, for tests that change its
    modes and read it with :func:`run_unprivileged`. Removed afterwards, whatever its modes."""
    base = tempfile.mkdtemp(prefix="peter_sslers-certbot-")
    try:
        os.chmod(base, 0o755)
        root = copy_real_tree(base)
        for directory, subdirs, files in os.walk(base):
            for name in subdirs:
                os.chmod(os.path.join(directory, name), 0o755)
            for name in files:
                os.chmod(os.path.join(directory, name), 0o644)
        yield root
    finally:
        for directory, subdirs, _files in os.walk(base):
            for name in subdirs:
                os.chmod(os.path.join(directory, name), 0o755)
        shutil.rmtree(base)


def run_unprivileged(code: str) -> str:
    """Run Python ``code`` as a process that file permissions apply to, and return its stdout (it
    fails with its stderr).

    As root, that is root with every capability dropped (``setpriv``: empty bounding and
    inheritable sets): no CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH, so a mode the owner may not use
    (``chmod 000``) is refused as it would be for anyone. Running as another user (``nobody``)
    would need the checkout and its virtualenv to be readable by that user, which a clone under
    a 0700 home is not. As another user, that user: mode 000 refuses its owner too.
    """
    command = [sys.executable, "-c", code]
    if os.geteuid() == 0:
        command = ["setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"] + command
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --- keys and JWKs


def _b64(value: int, length: int = None) -> str:
    length = length or (value.bit_length() + 7) // 8
    return base64.urlsafe_b64encode(value.to_bytes(length, "big")).rstrip(b"=").decode()


def jwk_of(key) -> dict:
    """A private key as certbot's ``private_key.json`` (a private JWK)."""
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        return {
            "kty": "RSA",
            "n": _b64(n.public_numbers.n),
            "e": _b64(n.public_numbers.e),
            "d": _b64(n.d),
            "p": _b64(n.p),
            "q": _b64(n.q),
            "dp": _b64(n.dmp1),
            "dq": _b64(n.dmq1),
            "qi": _b64(n.iqmp),
        }
    n = key.private_numbers()
    size = (key.curve.key_size + 7) // 8
    crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[key.curve.name]
    return {
        "kty": "EC",
        "crv": crv,
        "x": _b64(n.public_numbers.x, size),
        "y": _b64(n.public_numbers.y, size),
        "d": _b64(n.private_value, size),
    }


def spki_sha256(key) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def key_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class SyntheticTree:
    """A certbot directory built file by file: ``accounts/``, ``archive/``, ``live/``, ``renewal/``."""

    def __init__(self, root):
        self.root = str(root)
        for name in ("accounts", "archive", "live", "renewal"):
            os.makedirs(os.path.join(self.root, name), exist_ok=True)
        with open(os.path.join(self.root, "live", "README"), "w") as f:
            f.write("This directory contains your keys and certificates.\n")
        self.issuer_key = serialization.load_pem_private_key(data.read_bytes("intermediate_a.key.pem"), None)
        self.issuer_cert = x509.load_pem_x509_certificate(data.read_bytes("intermediate_a.cert.pem"))
        self.chain_pem = data.read("intermediate_a.cert.pem")

    # accounts

    def add_account(self, server_path: str, account_id: str, key=None, regr_body=None, account_url=None) -> dict:
        """``accounts/SERVER_PATH/ACCOUNT_ID/{private_key,regr,meta}.json``; returns what it wrote."""
        key = key or ec.generate_private_key(ec.SECP256R1())
        host = server_path.split("/", 1)[0]
        account_url = account_url or "https://%s/acme/acct/%s" % (host, account_id)
        directory = os.path.join(self.root, "accounts", *server_path.split("/"), account_id)
        os.makedirs(directory, exist_ok=True)
        files = {
            "private_key.json": json.dumps(jwk_of(key)),
            "regr.json": json.dumps({"body": regr_body if regr_body is not None else {}, "uri": account_url}),
            "meta.json": json.dumps({"creation_dt": "2024-01-01T00:00:00Z", "creation_host": "test"}),
        }
        for name, text in files.items():
            with open(os.path.join(directory, name), "w") as f:
                f.write(text)
        return {"directory": directory, "key": key, "account_url": account_url}

    # certificates

    def leaf(self, domains, key) -> str:
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domains[0])]))
            .issuer_name(self.issuer_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in domains]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        return builder.sign(self.issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()

    def add_lineage(self, name: str, domains, versions: int = 1, reuse_key: bool = False, server=None, account=None):
        """``archive/NAME/*N.pem`` for N = 1..versions, ``live/NAME`` linked to the newest, a renewal conf.

        Returns one dict per version: ``cert``, ``key`` (the key object), ``spki_sha256``.
        """
        archive = os.path.join(self.root, "archive", name)
        live = os.path.join(self.root, "live", name)
        os.makedirs(archive, exist_ok=True)
        os.makedirs(live, exist_ok=True)
        written = []
        key = None
        for number in range(1, versions + 1):
            if key is None or not reuse_key:
                key = ec.generate_private_key(ec.SECP256R1())
            cert = self.leaf(list(domains), key)
            texts = {"cert": cert, "chain": self.chain_pem, "fullchain": cert + self.chain_pem, "privkey": key_pem(key)}
            for kind, text in texts.items():
                with open(os.path.join(archive, "%s%s.pem" % (kind, number)), "w") as f:
                    f.write(text)
            written.append({"cert": cert, "key": key, "spki_sha256": spki_sha256(key)})
        for kind in ("cert", "chain", "fullchain", "privkey"):
            link = os.path.join(live, kind + ".pem")
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(os.path.join("..", "..", "archive", name, "%s%s.pem" % (kind, versions)), link)
        with open(os.path.join(live, "README"), "w") as f:
            f.write("`cert.pem`  : your certificate\n")
        with open(os.path.join(self.root, "renewal", name + ".conf"), "w") as f:
            f.write("version = 2.11.0\narchive_dir = /etc/letsencrypt/archive/%s\n" % name)
            f.write("cert = /etc/letsencrypt/live/%s/cert.pem\n\n[renewalparams]\n" % name)
            if account:
                f.write("account = %s\n" % account)
            if server:
                f.write("server = %s\n" % server)
            f.write("key_type = ecdsa\n")
        return written


# --- what a database holds after importing the real tree


def expected_fqdn_sets() -> set:
    return {frozenset(v["sans"]) for lineage in manifest()["lineages"] for v in lineage["versions"]}


def table_counts(engine) -> dict:
    """Rows per table: a run that creates nothing leaves every number as it was."""
    import sqlalchemy as sa

    from peter_sslers.model import meta

    with engine.connect() as connection:
        return {
            table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            for table in meta.Base.metadata.sorted_tables
        }


def check_database_against_manifest(engine, seeded: dict, accounts=True, certificates=True) -> None:
    """Every count and every link of the imported real tree, from the manifest.

    :param seeded: ``table_counts`` before the import (the seed rows).
    """
    from sqlalchemy.orm import Session

    import sqlalchemy as sa

    from peter_sslers.model import objects as m

    totals = manifest()["totals"]
    counts = table_counts(engine)
    with Session(bind=engine) as session:
        known_servers = {p.server for p in session.scalars(sa.select(m.AcmeAccountProvider))}
        if accounts:
            new_servers = {s["directory_url"].split("/")[2] for s in manifest()["servers"]}
            assert counts["acme_account"] == seeded["acme_account"] + totals["accounts"]
            assert counts["acme_account_key"] == seeded["acme_account_key"] + totals["accounts"]
            assert new_servers <= known_servers
            assert counts["acme_account_provider"] == seeded["acme_account_provider"] + totals["acme_servers"]
            for facts in manifest()["accounts"]:
                dbAccount = session.scalars(sa.select(m.AcmeAccount).where(m.AcmeAccount.account_url == facts["account_url"])).one()
                assert dbAccount.acme_account_provider.directory == facts["directory_url"]
                assert dbAccount.acme_account_provider.is_enabled is None  # added, not enabled
                assert dbAccount.acme_account_key.spki_sha256.lower() == facts["public_key_sha256"]
                assert dbAccount.acme_account_key.key_technology == facts["key"]["type"]
                assert dbAccount.contact == facts["email"]
        else:
            assert counts["acme_account"] == seeded["acme_account"]
            assert counts["acme_account_provider"] == seeded["acme_account_provider"]
        if not certificates:
            assert counts["certificate_signed"] == seeded["certificate_signed"]
            return
        assert counts["certificate_signed"] == seeded["certificate_signed"] + totals["certificates"]
        assert totals["certificates"] == totals["distinct_certificates"]
        assert counts["private_key"] == seeded["private_key"] + totals["distinct_private_keys"]
        assert counts["certificate_ca_chain"] == seeded["certificate_ca_chain"] + totals["distinct_chains"]
        assert counts["certificate_ca"] == seeded["certificate_ca"] + totals["distinct_chain_certificates"]
        assert counts["domain"] == seeded["domain"] + totals["distinct_domains"]
        assert counts["unique_fqdn_set"] == seeded["unique_fqdn_set"] + len(expected_fqdn_sets())
        assert counts["certificate_signed_chain"] == seeded["certificate_signed_chain"] + totals["certificates"]
        for lineage in manifest()["lineages"]:
            for facts in lineage["versions"]:
                dbCert = session.scalars(
                    sa.select(m.CertificateSigned).where(m.CertificateSigned.spki_sha256.ilike(facts["public_key_sha256"]))
                    .where(m.CertificateSigned.timestamp_not_after.isnot(None))
                ).all()
                dbCert = [c for c in dbCert if int(c.cert_serial, 16) == int(facts["serial_hex"], 16)]
                assert len(dbCert) == 1, (lineage["name"], facts["version"])
                dbCert = dbCert[0]
                # the key-to-certificate link
                assert dbCert.private_key.spki_sha256.lower() == facts["public_key_sha256"]
                assert dbCert.unique_fqdn_set.domains_as_list == sorted(facts["sans"])
                (link,) = dbCert.certificate_signed_chains
                assert link.is_upstream_default is True
                chain_pems = [ca.cert_pem for ca in _chain_cas(session, link.certificate_ca_chain)]
                assert [_sha256_fingerprint(p) for p in chain_pems] == facts["chain_fingerprints"]
                assert dbCert.is_active is True


def _chain_cas(session, dbChain):
    from peter_sslers.model import objects as m

    return [session.get(m.CertificateCA, int(i)) for i in dbChain.certificate_ca_ids_string.split(",")]


def _sha256_fingerprint(cert_pem: str) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return cert.fingerprint(hashes.SHA256()).hex()


def summary(lines):
    """The summary's count lines, by kind."""
    result = {}
    for line in lines:
        for kind in ("accounts", "certificates"):
            if line.startswith("  %s: " % kind):
                result[kind] = line.split(": ", 1)[1]
    return result
