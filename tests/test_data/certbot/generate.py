"""Make ``tests/test_data/certbot/``: a certbot configuration tree written by the real certbot.

Run from the project root::

    .venv/bin/python tests/test_data/certbot/generate.py

What it does, in order:

1. installs certbot ``CERTBOT_VERSION`` from PyPI into a throwaway virtualenv in a temporary
   directory (never into the project's environment; ``--certbot PATH`` uses an existing certbot
   binary of that same version instead, to save the install while iterating);
2. starts two Debian ``pebble`` servers on free loopback ports (``tests/pebble.py``'s
   :class:`Pebble`), both with ``PEBBLE_VA_ALWAYS_VALID=1``, so certbot's standalone http-01
   answers are never actually fetched;
3. runs certbot non-interactively (``--config-dir`` ``<tmp>/etc/letsencrypt``) through the fixed
   ``PLAN`` below: three accounts (two on server A, one on server B), five lineages with RSA and
   EC keys, a multi-name one, a custom ``--cert-name``, a ``--duplicate`` ``-0001`` lineage and
   renewals (with and without ``--reuse-key``);
4. copies the config dir into ``letsencrypt/`` beside this file (symlinks kept as they are, as
   relative symlinks; certbot's own files are not changed), leaving out the lock files, the empty
   ``renewal-hooks/`` directories (git keeps no empty directory) and ``keys/``/``csr/`` if any;
5. writes ``manifest.json``: facts read back from the copied tree with ``cryptography`` alone
   (never through peter_sslers), which ``tests/lib/test_certbot_testdata.py`` and the importer
   tests assert.

The shape (accounts, lineages, names, key types, version counts, totals) is the same on every run;
the keys, serial numbers, account ids, ports (so the ``accounts/127.0.0.1:<port>/dir`` names) and
dates change. Everything it starts is stopped and its temporary directory removed, also on failure.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict
from typing import List
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.pebble import DEFAULT_ENV  # noqa: E402
from tests.pebble import Pebble  # noqa: E402
from tests.pebble import PebbleError  # noqa: E402
from tests.pebble import free_port  # noqa: E402

# The certbot release the checked-in tree was made with. Changing it means regenerating the tree.
CERTBOT_VERSION = "5.8.0"

TREE_DIR = os.path.join(HERE, "letsencrypt")
MANIFEST_PATH = os.path.join(HERE, "manifest.json")

# pebble: every challenge valid at once, no VA sleep, no nonce rejection, no authorization reuse,
# chain length 2 (the leaf's chain.pem is one intermediate). No alternate roots: certbot keeps the
# default chain anyway, and one chain per server keeps "distinct chains" obvious.
PEBBLE_ENV = dict(DEFAULT_ENV, PEBBLE_VA_ALWAYS_VALID="1", PEBBLE_CHAIN_LENGTH="2")

# Accounts: label -> (server label, registration options). Certbot's ``register`` refuses a second
# account for a server that already has one, so every account after a server's first is registered
# in a scratch config dir and its directory copied into the main tree's accounts (what people do
# to keep two accounts on one server). Certbot 5.8.0 makes RSA account keys only
# (``--rsa-key-size`` sets the size): there is no EC account key to make.
ACCOUNTS = [
    ("a-email", "A", ["--agree-tos", "--no-eff-email", "-m", "admin@example.test", "--rsa-key-size", "2048"]),
    ("a-noemail", "A", ["--agree-tos", "--register-unsafely-without-email", "--rsa-key-size", "3072"]),
    ("b-email", "B", ["--agree-tos", "--no-eff-email", "-m", "ops@example.test", "--rsa-key-size", "2048"]),
]

RSA_2048 = ["--key-type", "rsa", "--rsa-key-size", "2048"]
RSA_3072 = ["--key-type", "rsa", "--rsa-key-size", "3072"]
EC_P256 = ["--key-type", "ecdsa", "--elliptic-curve", "secp256r1"]
EC_P384 = ["--key-type", "ecdsa", "--elliptic-curve", "secp384r1"]

# Lineages: (lineage name, account label, certonly options, renewals). Each renewal is the extra
# options of one ``certbot renew --cert-name NAME --force-renewal``; versions = 1 + renewals.
LINEAGES = [
    ("single.example.test", "a-email", ["-d", "single.example.test"] + RSA_2048, []),
    (
        "multi.example.test",
        "a-email",
        ["-d", "multi.example.test", "-d", "www.multi.example.test", "-d", "api.multi.example.test"]
        + ["-d", "static.multi.example.test"]
        + EC_P256,
        [[], []],  # two renewals, a new key each time (certbot's default)
    ),
    (
        "custom-name",
        "a-noemail",
        ["--cert-name", "custom-name", "-d", "alpha.example.test", "-d", "beta.example.test"] + RSA_3072,
        [["--reuse-key"]],  # one renewal keeping the key: versions 1 and 2 share one private key
    ),
    (
        "single.example.test-0001",
        "a-noemail",
        ["--duplicate", "-d", "single.example.test"] + EC_P384,  # certbot names it NAME-0001
        [],
    ),
    (
        "second.example.test",
        "b-email",
        ["-d", "second.example.test", "-d", "www.second.example.test"] + EC_P256,
        [[]],
    ),
]

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


class GenerateError(Exception):
    pass


def log(message: str) -> None:
    print("[certbot test data] %s" % message, flush=True)


def run(command: List[str], env: Optional[Dict[str, str]] = None, log_path: Optional[str] = None) -> str:
    """Run a command to completion; its output goes to ``log_path`` (and is returned).

    :raises GenerateError: non-zero exit, with the output's tail.
    """
    result = subprocess.run(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600
    )
    output = result.stdout.decode("utf-8", "replace")
    if log_path:
        with open(log_path, "a") as f:
            f.write("\n$ %s\n%s" % (" ".join(command), output))
    if result.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise GenerateError("%s exited %s:\n%s" % (" ".join(command[:3]), result.returncode, tail))
    return output


# --- certbot


def install_certbot(tmp: str) -> str:
    """A throwaway virtualenv with certbot CERTBOT_VERSION from PyPI; returns the certbot binary."""
    venv = os.path.join(tmp, "certbot-venv")
    log("installing certbot==%s from PyPI into %s" % (CERTBOT_VERSION, venv))
    run([sys.executable, "-m", "venv", venv])
    run([os.path.join(venv, "bin", "pip"), "install", "--quiet", "certbot==%s" % CERTBOT_VERSION])
    return os.path.join(venv, "bin", "certbot")


def certbot_version(binary: str) -> str:
    output = run([binary, "--version"]).strip()
    # "certbot 5.8.0"
    return output.split()[-1]


class Certbot:
    """Runs one certbot binary with a fixed config/work/logs dir, against one ACME server per call."""

    def __init__(self, binary: str, base: str, ca_bundle: str, log_path: str):
        self.binary = binary
        self.config_dir = os.path.join(base, "etc", "letsencrypt")
        self.work_dir = os.path.join(base, "var", "lib", "letsencrypt")
        self.logs_dir = os.path.join(base, "var", "log", "letsencrypt")
        for path in (self.config_dir, self.work_dir, self.logs_dir):
            os.makedirs(path, exist_ok=True)
        self.log_path = log_path
        env = {key: value for key, value in os.environ.items() if key not in PROXY_VARIABLES}
        env["NO_PROXY"] = "127.0.0.1,localhost"  # loopback only, never through a proxy
        env["REQUESTS_CA_BUNDLE"] = ca_bundle  # pebble's listener CAs, and nothing else
        self.env = env

    def __call__(self, server: Optional[str], *args: str) -> str:
        """Run ``certbot ARGS``; ``server`` None leaves ``--server`` out (``renew``: a ``--server``
        given on the command line makes certbot drop the account recorded in the renewal conf)."""
        command = [self.binary]
        command += list(args)
        command += [
            "--non-interactive",
            "--config-dir", self.config_dir,
            "--work-dir", self.work_dir,
            "--logs-dir", self.logs_dir,
        ]  # fmt: skip
        if server:
            command += ["--server", server]
        return run(command, env=self.env, log_path=self.log_path)


def standalone_options() -> List[str]:
    """certbot's own http-01 server, on a free loopback port (pebble never calls it: always valid)."""
    return [
        "--standalone",
        "--preferred-challenges", "http",
        "--http-01-address", "127.0.0.1",
        "--http-01-port", str(free_port()),
    ]  # fmt: skip


def account_dirs(config_dir: str) -> Dict[str, str]:
    """Every account directory under ``accounts/``: account id -> path."""
    found = {}
    accounts = os.path.join(config_dir, "accounts")
    for dirpath, dirnames, filenames in os.walk(accounts):
        if "regr.json" in filenames:
            found[os.path.basename(dirpath)] = dirpath
    return found


def make_tree(certbot_binary: str, tmp: str, servers: Dict[str, Pebble], ca_bundle: str, log_path: str) -> Dict:
    """Run the plan; returns what the manifest needs to know that the tree cannot tell (labels)."""
    main = Certbot(certbot_binary, os.path.join(tmp, "main"), ca_bundle, log_path)
    account_ids: Dict[str, str] = {}
    registered_on: Dict[str, bool] = {}
    for label, server_label, options in ACCOUNTS:
        server = servers[server_label].directory_url
        if not registered_on.get(server_label):
            before = set(account_dirs(main.config_dir))
            main(server, "register", *options)
            (account_id,) = set(account_dirs(main.config_dir)) - before
        else:
            # a scratch config dir, then its account directory copied next to the first one
            scratch = Certbot(certbot_binary, os.path.join(tmp, "scratch-%s" % label), ca_bundle, log_path)
            scratch(server, "register", *options)
            ((account_id, source),) = account_dirs(scratch.config_dir).items()
            first_dir = account_dirs(main.config_dir)[account_ids[[a for a, s, _o in ACCOUNTS if s == server_label][0]]]
            shutil.copytree(source, os.path.join(os.path.dirname(first_dir), account_id), symlinks=True)
        registered_on[server_label] = True
        account_ids[label] = account_id
        log("account %-10s on server %s: %s" % (label, server_label, account_id))

    server_of_account = {label: server_label for label, server_label, _options in ACCOUNTS}
    for name, account_label, options, renewals in LINEAGES:
        server = servers[server_of_account[account_label]].directory_url
        main(server, "certonly", "--account", account_ids[account_label], *options, *standalone_options())
        if not os.path.isdir(os.path.join(main.config_dir, "live", name)):
            raise GenerateError("certbot did not make the lineage %r" % name)
        for extra in renewals:
            # --force-renewal skips certbot's expiry/ARI check; renew reads the account and server
            # from renewal/NAME.conf; no random sleep (certbot sleeps up to 8 minutes otherwise
            # when stdin is not a terminal)
            time.sleep(1.1)  # distinct notBefore seconds between versions
            main(
                None,
                "renew", "--cert-name", name, "--force-renewal", "--no-random-sleep-on-renew",
                *extra, *standalone_options(),
            )  # fmt: skip
        log("lineage %-26s account %-10s versions %d" % (name, account_label, 1 + len(renewals)))

    return {"config_dir": main.config_dir, "account_labels": {v: k for k, v in account_ids.items()}}


# --- copying


SKIP_NAMES = {".certbot.lock", "keys", "csr", "renewal-hooks"}


def copy_tree(config_dir: str, destination: str) -> None:
    """The config dir into ``destination``, symlinks as symlinks, certbot's files unchanged."""
    if os.path.lexists(destination):
        shutil.rmtree(destination)
    shutil.copytree(
        config_dir,
        destination,
        symlinks=True,
        ignore=lambda directory, names: [n for n in names if n in SKIP_NAMES],
    )
    # git keeps no permission but the executable bit; make the copy readable like git will
    for dirpath, dirnames, filenames in os.walk(destination):
        os.chmod(dirpath, 0o755)
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


# --- the manifest: facts read back from the tree with cryptography only


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def spki_sha256(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def describe_key(public_key) -> Dict:
    if isinstance(public_key, rsa.RSAPublicKey):
        return {"type": "RSA", "bits": public_key.key_size, "curve": None}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return {"type": "EC", "bits": public_key.curve.key_size, "curve": public_key.curve.name}
    raise GenerateError("unexpected key type %r" % type(public_key))


def load_pem_certificates(path: str) -> List[x509.Certificate]:
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificates(f.read())


def read_renewal_conf(path: str) -> Dict[str, str]:
    """The top-level ``key = value`` lines of a renewal conf (before any ``[section]``) plus
    ``[renewalparams]``; enough for the manifest, no configobj needed."""
    values: Dict[str, str] = {}
    section = ""
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if "=" in line and section in ("", "renewalparams"):
                key, value = (part.strip() for part in line.split("=", 1))
                values[key] = value
    return values


def registration_email(label: Optional[str]) -> Optional[str]:
    """The ``-m`` the plan registered the account with (certbot does not write it to the tree)."""
    for account_label, _server_label, options in ACCOUNTS:
        if account_label == label and "-m" in options:
            return options[options.index("-m") + 1]
    return None


def tree_index(tree: str) -> Dict[str, Dict[str, str]]:
    """Every regular file (path -> SHA-256) and every symlink (path -> its target, as written)."""
    files: Dict[str, str] = {}
    symlinks: Dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            path = os.path.join(dirpath, name)
            relative = os.path.relpath(path, tree).replace(os.sep, "/")
            if os.path.islink(path):
                symlinks[relative] = os.readlink(path)
            else:
                files[relative] = sha256_file(path)
    return {"files": files, "symlinks": symlinks}


def account_facts(tree: str, path: str, label: Optional[str]) -> Dict:
    relative = os.path.relpath(path, tree)
    # accounts/<netloc>/<directory path...>/<account id>
    parts = relative.split(os.sep)
    server_dir = "/".join(parts[1:-1])
    with open(os.path.join(path, "regr.json")) as f:
        regr = json.load(f)
    with open(os.path.join(path, "meta.json")) as f:
        meta = json.load(f)
    with open(os.path.join(path, "private_key.json")) as f:
        jwk = json.load(f)
    if jwk.get("kty") != "RSA":
        raise GenerateError("%s: a %s account key; this generator expects RSA" % (relative, jwk.get("kty")))
    public_numbers = rsa.RSAPublicNumbers(b64url_int(jwk["e"]), b64url_int(jwk["n"]))
    private_key = rsa.RSAPrivateNumbers(
        p=b64url_int(jwk["p"]),
        q=b64url_int(jwk["q"]),
        d=b64url_int(jwk["d"]),
        dmp1=b64url_int(jwk["dp"]),
        dmq1=b64url_int(jwk["dq"]),
        iqmp=b64url_int(jwk["qi"]),
        public_numbers=public_numbers,
    ).private_key()
    # RFC 7638 thumbprint: the required members, sorted, no whitespace
    thumbprint_input = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(thumbprint_input.encode()).digest()).rstrip(b"=").decode()
    contact = (regr.get("body") or {}).get("contact") or []
    emails = [c[len("mailto:") :] for c in contact if c.startswith("mailto:")]
    return {
        "label": label,
        "path": relative.replace(os.sep, "/"),
        "server_dir": server_dir,
        "directory_url": "https://%s" % server_dir,
        "account_id": parts[-1],
        "account_url": regr.get("uri"),
        "regr_body_keys": sorted((regr.get("body") or {}).keys()),
        "contact": contact,
        "email": emails[0] if emails else None,
        "registered_with_email": registration_email(label),
        "key": describe_key(private_key.public_key()),
        "public_key_sha256": spki_sha256(private_key.public_key()),
        "jwk_thumbprint": thumbprint,
        "creation_dt": meta.get("creation_dt"),
        "files": {name: sha256_file(os.path.join(path, name)) for name in sorted(os.listdir(path))},
    }


def lineage_facts(tree: str, name: str) -> Dict:
    archive = os.path.join(tree, "archive", name)
    live = os.path.join(tree, "live", name)
    versions = sorted(
        int(filename[len("cert") : -len(".pem")])
        for filename in os.listdir(archive)
        if filename.startswith("cert") and filename.endswith(".pem")
    )
    if versions != list(range(1, len(versions) + 1)):
        raise GenerateError("archive/%s: versions %r are not 1..N" % (name, versions))
    facts_versions = []
    for n in versions:
        files = {kind: "archive/%s/%s%d.pem" % (name, kind, n) for kind in ("cert", "chain", "fullchain", "privkey")}
        (leaf,) = load_pem_certificates(os.path.join(tree, files["cert"]))
        chain = load_pem_certificates(os.path.join(tree, files["chain"]))
        fullchain = load_pem_certificates(os.path.join(tree, files["fullchain"]))
        if [c.fingerprint(hashes.SHA256()) for c in fullchain] != [
            c.fingerprint(hashes.SHA256()) for c in [leaf] + chain
        ]:
            raise GenerateError("%s is not cert + chain" % files["fullchain"])
        with open(os.path.join(tree, files["privkey"]), "rb") as f:
            private_key = serialization.load_pem_private_key(f.read(), password=None)
        if spki_sha256(private_key.public_key()) != spki_sha256(leaf.public_key()):
            raise GenerateError("%s does not match %s" % (files["privkey"], files["cert"]))
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        facts_versions.append(
            {
                "version": n,
                "files": {kind: {"path": path, "sha256": sha256_file(os.path.join(tree, path))} for kind, path in files.items()},
                "sans": sorted(sans.get_values_for_type(x509.DNSName)),
                "serial_hex": "%x" % leaf.serial_number,
                "not_before": leaf.not_valid_before_utc.isoformat(),
                "not_after": leaf.not_valid_after_utc.isoformat(),
                "cert_sha256_fingerprint": leaf.fingerprint(hashes.SHA256()).hex(),
                "issuer": leaf.issuer.rfc4514_string(),
                "key": describe_key(leaf.public_key()),
                "public_key_sha256": spki_sha256(leaf.public_key()),
                "chain_length": len(chain),
                "chain_fingerprints": [c.fingerprint(hashes.SHA256()).hex() for c in chain],
            }
        )
    links = {}
    for filename in sorted(os.listdir(live)):
        path = os.path.join(live, filename)
        if os.path.islink(path):
            links[filename] = os.readlink(path)
    live_versions = set()
    for filename, target in links.items():
        kind = filename[: -len(".pem")]
        prefix = "../../archive/%s/%s" % (name, kind)
        if not (target.startswith(prefix) and target.endswith(".pem")):
            raise GenerateError("live/%s/%s -> %s is not a relative archive link" % (name, filename, target))
        live_versions.add(int(target[len(prefix) : -len(".pem")]))
    if len(live_versions) != 1 or set(links) != {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"}:
        raise GenerateError("live/%s: links %r" % (name, links))
    conf = read_renewal_conf(os.path.join(tree, "renewal", "%s.conf" % name))
    return {
        "name": name,
        "renewal_conf": "renewal/%s.conf" % name,
        "renewal_account": conf.get("account"),
        "renewal_server": conf.get("server"),
        "renewal_key_type": conf.get("key_type"),
        "renewal_reuse_key": conf.get("reuse_key"),
        "versions_count": len(versions),
        "live_version": live_versions.pop(),
        "live_links": links,
        "live_files": sorted(os.listdir(live)),
        "domains": sorted({d for v in facts_versions for d in v["sans"]}),
        "versions": facts_versions,
    }


def build_manifest(tree: str, extra: Dict) -> Dict:
    labels = extra.get("account_labels", {})
    accounts = [
        account_facts(tree, path, labels.get(account_id))
        for account_id, path in sorted(account_dirs(tree).items(), key=lambda item: item[1])
    ]
    names = sorted(os.listdir(os.path.join(tree, "archive")))
    if sorted(os.listdir(os.path.join(tree, "live"))) != sorted(names + ["README"]):
        raise GenerateError("live/ and archive/ hold different lineages")
    if sorted(os.listdir(os.path.join(tree, "renewal"))) != sorted("%s.conf" % n for n in names):
        raise GenerateError("renewal/ does not hold one conf per lineage")
    lineages = [lineage_facts(tree, name) for name in names]
    account_ids = {a["account_id"] for a in accounts}
    for lineage in lineages:
        if lineage["renewal_account"] not in account_ids:
            raise GenerateError("%s: renewal account %s is not in accounts/" % (lineage["name"], lineage["renewal_account"]))
    versions = [v for lineage in lineages for v in lineage["versions"]]
    servers = sorted({a["server_dir"] for a in accounts})
    totals = {
        "acme_servers": len(servers),
        "accounts": len(accounts),
        "accounts_with_contact_in_regr": sum(1 for a in accounts if a["contact"]),
        "lineages": len(lineages),
        "certificates": len(versions),
        "distinct_certificates": len({v["cert_sha256_fingerprint"] for v in versions}),
        "private_key_files": len(versions),
        "distinct_private_keys": len({v["public_key_sha256"] for v in versions}),
        "distinct_chains": len({tuple(v["chain_fingerprints"]) for v in versions}),
        "distinct_chain_certificates": len({f for v in versions for f in v["chain_fingerprints"]}),
        "distinct_domains": len({d for v in versions for d in v["sans"]}),
        "rsa_certificates": sum(1 for v in versions if v["key"]["type"] == "RSA"),
        "ec_certificates": sum(1 for v in versions if v["key"]["type"] == "EC"),
    }
    return {
        "about": "Facts about letsencrypt/ (a certbot config dir), read back from it with cryptography. "
        "Written by generate.py; do not edit.",
        "generated": extra.get("generated"),
        "certbot_version": extra.get("certbot_version"),
        "pebble_version": extra.get("pebble_version"),
        "config_dir_at_generation": extra.get("config_dir"),
        "servers": [
            {
                "server_dir": server_dir,
                "directory_url": "https://%s" % server_dir,
                "label": extra.get("server_labels", {}).get("https://%s" % server_dir),
                "accounts": [a["account_id"] for a in accounts if a["server_dir"] == server_dir],
            }
            for server_dir in servers
        ],
        "accounts": accounts,
        "lineages": lineages,
        "totals": totals,
        "tree": tree_index(tree),
        "notes": [
            "All account keys are RSA: certbot %s cannot make an EC account key." % extra.get("certbot_version"),
            "regr.json holds only the account URL: certbot (since 0.26) writes {\"body\": {}, \"uri\": ...}, so "
            "no account's contact is in the tree (email is null for all); registered_with_email is what the "
            "generator passed to -m, known only from the generator.",
            "Two accounts share server A: certbot's register refuses a second account per server, so the "
            "second was registered in a scratch config dir and its directory copied in.",
            "renewal/*.conf and the live/ READMEs are certbot's own, unchanged; their absolute paths "
            "name config_dir_at_generation.",
            "Left out of the copy: .certbot.lock files and the empty renewal-hooks/{pre,post,deploy} dirs.",
        ],
    }


# --- main


def pebble_version() -> str:
    try:
        output = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "pebble"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        ).stdout.decode()
    except OSError:
        output = ""
    return ("Debian pebble %s" % output.strip()) if output.strip() else "pebble (version unknown)"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certbot", help="an installed certbot %s binary to use instead of a fresh install" % CERTBOT_VERSION)
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory (for debugging)")
    args = parser.parse_args(argv)

    # SIGTERM ends the run through the finally blocks below, like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    tmp = tempfile.mkdtemp(prefix="peter_sslers-certbot-testdata-")
    log_path = os.path.join(tmp, "certbot-commands.log")
    pebbles: List[Pebble] = []
    try:
        binary = args.certbot or install_certbot(tmp)
        version = certbot_version(binary)
        if version != CERTBOT_VERSION:
            raise GenerateError("certbot %s found, %s pinned" % (version, CERTBOT_VERSION))
        log("certbot %s: %s" % (version, binary))

        servers = {}
        for label in ("A", "B"):
            pebble = Pebble(os.path.join(tmp, "pebble-%s" % label), env=PEBBLE_ENV)
            pebbles.append(pebble)
            pebble.start()
            servers[label] = pebble
            log("pebble %s: %s" % (label, pebble.directory_url))
        ca_bundle = os.path.join(tmp, "pebble-listener-cas.pem")
        with open(ca_bundle, "w") as out:
            for pebble in pebbles:
                with open(pebble.ca_bundle_path) as f:
                    out.write(f.read())

        extra = make_tree(binary, tmp, servers, ca_bundle, log_path)
        extra["server_labels"] = {pebble.directory_url: label for label, pebble in servers.items()}
        extra["certbot_version"] = version
        extra["pebble_version"] = pebble_version()
        extra["generated"] = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()

        copy_tree(extra["config_dir"], TREE_DIR)
        log("copied %s -> %s" % (extra["config_dir"], os.path.relpath(TREE_DIR, ROOT)))
        manifest = build_manifest(TREE_DIR, extra)
        with open(MANIFEST_PATH, "w") as f:
            json.dump(manifest, f, indent=2, sort_keys=False)
            f.write("\n")
        log("wrote %s; totals: %s" % (os.path.relpath(MANIFEST_PATH, ROOT), json.dumps(manifest["totals"])))
        return 0
    except (GenerateError, PebbleError) as exc:
        log("FAILED: %s" % exc)
        log("certbot's output so far: %s" % log_path if args.keep_temp else "rerun with --keep-temp to keep the logs")
        return 1
    finally:
        for pebble in pebbles:
            pebble.close()
        if args.keep_temp:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
