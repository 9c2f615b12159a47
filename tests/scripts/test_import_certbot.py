"""peter_sslers_import_certbot: a whole certbot directory straight into the database.

The tree is the one real certbot made against pebble (tests/test_data/certbot); damaged copies of
it, and small synthetic trees for what certbot cannot make (EC account keys), cover the failures.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session

from peter_sslers.lib import certbot
from peter_sslers.lib.db import acme_accounts
from peter_sslers.model import meta
from peter_sslers.model import objects as m
from peter_sslers.scripts import import_certbot
from peter_sslers.scripts.initializedb import initialize_database
from tests.certbot_trees import REAL_TREE
from tests.certbot_trees import SyntheticTree
from tests.certbot_trees import check_database_against_manifest
from tests.certbot_trees import copy_real_tree
from tests.certbot_trees import key_pem
from tests.certbot_trees import manifest
from tests.certbot_trees import spki_sha256
from tests.certbot_trees import summary
from tests.certbot_trees import table_counts
from tests.conftest import ROOT
from tests.conftest import _ini_path
from tests.pebble import free_port

COMMAND = os.path.join(os.path.dirname(sys.executable), "peter_sslers_import_certbot")


@pytest.fixture
def ini(tmp_path, raw_settings, db) -> str:
    """An ini file for the test database: the test ini with its database URL."""
    url = raw_settings["sqlalchemy.url"].replace("%", "%%")
    path = tmp_path / "import.ini"
    path.write_text("[app:main]\nuse = config:%s#main\nsqlalchemy.url = %s\n" % (_ini_path(), url))
    return str(path)


def run(ini: str, *args, capsys=None):
    """The console script in this process: (exit status, stdout lines)."""
    status = import_certbot.main([ini, *args])
    out = capsys.readouterr().out
    return status, out.splitlines()


def failures(lines):
    return [line for line in lines if line.startswith("  FAILED ")]


TOTALS = manifest()["totals"]
ALL_NEW = {
    "accounts": "%s created, 0 already there, 0 failed" % TOTALS["accounts"],
    "certificates": "%s created, 0 already there, 0 failed" % TOTALS["certificates"],
}
ALL_THERE = {
    "accounts": "0 created, %s already there, 0 failed" % TOTALS["accounts"],
    "certificates": "0 created, %s already there, 0 failed" % TOTALS["certificates"],
}


def test_imports_the_real_tree_and_a_second_run_changes_nothing(ini, db, capsys):
    seeded = table_counts(db)
    status, lines = run(ini, REAL_TREE, capsys=capsys)
    assert status == 0, lines
    assert summary(lines) == ALL_NEW
    assert failures(lines) == []
    check_database_against_manifest(db, seeded)
    # a progress line per item, in order
    progress = [line for line in lines if line.startswith("[")]
    total = TOTALS["accounts"] + TOTALS["certificates"]
    assert len(progress) == total
    assert progress[0].startswith("[1/%s] account " % total) and progress[0].endswith(": created (AcmeAccount 1)")
    assert progress[-1].startswith("[%s/%s] archive/" % (total, total))
    # the new ACME servers are named, and said to be not enabled
    notes = [line for line in lines if line.startswith("  note: added the ACME server")]
    assert len(notes) == len(manifest()["servers"])
    for server in manifest()["servers"]:
        assert any(server["directory_url"] in note and "not enabled" in note for note in notes)

    imported = table_counts(db)
    status, lines = run(ini, REAL_TREE, capsys=capsys)
    assert status == 0
    assert summary(lines) == ALL_THERE
    assert table_counts(db) == imported  # not one row more, in any table


def test_the_installed_console_script(ini, db):
    """The setup.py entry point, as a subprocess: accounts first, then certificates."""
    seeded = table_counts(db)
    result = subprocess.run([COMMAND, ini, REAL_TREE, "--accounts-only"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout.splitlines()) == {
        "accounts": ALL_NEW["accounts"],
        "certificates": "0 created, 0 already there, 0 failed",
    }
    check_database_against_manifest(db, seeded, certificates=False)
    result = subprocess.run([COMMAND, ini, REAL_TREE, "--certs-only", "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("[")]  # --quiet: no progress lines
    assert summary(lines)["certificates"] == ALL_NEW["certificates"]
    check_database_against_manifest(db, seeded)


def test_dry_run_writes_nothing(ini, db, capsys):
    seeded = table_counts(db)
    status, lines = run(ini, REAL_TREE, "--dry-run", capsys=capsys)
    assert status == 0
    assert lines[0] == "Dry run: every import is rolled back; nothing is written."
    assert summary(lines) == ALL_NEW
    assert all(line.endswith("(dry run, rolled back)") for line in lines if line.startswith("["))
    assert table_counts(db) == seeded


def test_a_damaged_tree_reports_each_failure_and_imports_the_rest(ini, db, tmp_path, capsys):
    root = copy_real_tree(tmp_path)
    lineages = {l["name"]: l for l in manifest()["lineages"]}
    names = sorted(lineages)
    # 1. a missing file
    os.unlink(os.path.join(root, "archive", names[0], "chain1.pem"))
    # 2. a key swapped for another version's key that is not the certificate's
    other = [
        (name, v["version"])
        for name in names
        for v in lineages[name]["versions"]
        if v["public_key_sha256"] != lineages[names[1]]["versions"][0]["public_key_sha256"]
    ][0]
    shutil.copyfile(
        os.path.join(root, "archive", other[0], "privkey%s.pem" % other[1]),
        os.path.join(root, "archive", names[1], "privkey1.pem"),
    )
    # 3. an unparsable certificate
    with open(os.path.join(root, "archive", names[2], "cert1.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
    # 4. a fullchain that disagrees: only a note, the version is imported from cert + chain
    with open(os.path.join(root, "archive", names[3], "fullchain1.pem"), "w") as f:
        f.write(open(os.path.join(root, "archive", names[3], "cert1.pem")).read())
    # 5. an account whose regr.json is not JSON
    account = sorted(manifest()["accounts"], key=lambda a: a["path"])[0]
    with open(os.path.join(root, account["path"], "regr.json"), "w") as f:
        f.write("{")

    seeded = table_counts(db)
    status, lines = run(ini, root, capsys=capsys)
    assert status == 1
    assert summary(lines) == {
        "accounts": "%s created, 0 already there, 1 failed" % (TOTALS["accounts"] - 1),
        "certificates": "%s created, 0 already there, 3 failed" % (TOTALS["certificates"] - 3),
    }
    failed = failures(lines)
    assert len(failed) == 4
    assert "  FAILED account %s/%s: regr.json is not JSON" % (account["server_dir"], account["account_id"]) in failed
    assert "  FAILED archive/%s version 1: missing chain1.pem" % names[0] in failed
    assert "  FAILED archive/%s version 1: privkey1.pem: This private key does not belong to the certificate." % names[1] in failed
    assert [f for f in failed if f.startswith("  FAILED archive/%s version 1: cert1.pem: " % names[2])], failed
    assert "  note: archive/%s version 1: fullchain1.pem is not cert1.pem followed by chain1.pem" % names[3] in [
        line.split(" (")[0] for line in lines
    ]
    # the progress line of a failure says so at once
    assert any(line.startswith("[") and ": FAILED: missing chain1.pem" in line for line in lines)
    counts = table_counts(db)
    assert counts["certificate_signed"] == seeded["certificate_signed"] + TOTALS["certificates"] - 3
    assert counts["acme_account"] == seeded["acme_account"] + TOTALS["accounts"] - 1

    # repaired, the same tree imports what was missing, and only that
    shutil.rmtree(root)
    root = copy_real_tree(tmp_path)
    status, lines = run(ini, root, capsys=capsys)
    assert status == 0
    assert summary(lines) == {
        "accounts": "1 created, %s already there, 0 failed" % (TOTALS["accounts"] - 1),
        "certificates": "3 created, %s already there, 0 failed" % (TOTALS["certificates"] - 3),
    }
    check_database_against_manifest(db, seeded)


def test_a_blocklisted_lineage_is_reported_and_the_import_goes_on(ini, db, capsys):
    """A lineage naming a blocklisted name: each of its versions fails, saying so; every other
    lineage (and every account) is imported (docs/Blocklist.md)."""
    lineage = {l["name"]: l for l in manifest()["lineages"]}["second.example.test"]
    with Session(bind=db) as session:
        session.add(m.DomainBlocklisted(domain_name="www.second.example.test"))
        session.commit()
    seeded = table_counts(db)
    status, lines = run(ini, REAL_TREE, capsys=capsys)
    assert status == 1
    count = len(lineage["versions"])
    assert summary(lines) == {
        "accounts": ALL_NEW["accounts"],
        "certificates": "%s created, 0 already there, %s failed" % (TOTALS["certificates"] - count, count),
    }
    expected = [
        "  FAILED archive/second.example.test version %s: cert%s.pem: Blocklisted: www.second.example.test. "
        "A blocklisted name is never certified." % (v["version"], v["version"])
        for v in lineage["versions"]
    ]
    assert sorted(failures(lines)) == sorted(expected)
    counts = table_counts(db)
    assert counts["certificate_signed"] == seeded["certificate_signed"] + TOTALS["certificates"] - count
    with Session(bind=db) as session:
        names = set(session.scalars(sa.select(m.Domain.domain_name)))
    assert "www.second.example.test" not in names and "second.example.test" not in names
    assert "multi.example.test" in names


def test_ec_account_keys_and_private_servers(ini, db, tmp_path, capsys):
    """What certbot itself cannot make: EC account keys (P-256, P-384), on a private ACME server."""
    synthetic = SyntheticTree(tmp_path / "le")
    keys = {"p256": ec.generate_private_key(ec.SECP256R1()), "p384": ec.generate_private_key(ec.SECP384R1())}
    synthetic.add_account("ca.internal:9443/acme/directory", "p256", key=keys["p256"])
    synthetic.add_account(
        "ca.internal:9443/acme/directory", "p384", key=keys["p384"], regr_body={"contact": ["mailto:ops@example.com"]}
    )
    written = synthetic.add_lineage("ec.example.test", ["ec.example.test", "www.ec.example.test"], versions=2)
    status, lines = run(ini, synthetic.root, capsys=capsys)
    assert status == 0, lines
    assert summary(lines) == {
        "accounts": "2 created, 0 already there, 0 failed",
        "certificates": "2 created, 0 already there, 0 failed",
    }
    with Session(bind=db) as session:
        provider = session.scalars(sa.select(m.AcmeAccountProvider).where(m.AcmeAccountProvider.server == "ca.internal:9443")).one()
        assert (provider.name, provider.directory, provider.is_enabled) == (
            "ca.internal:9443", "https://ca.internal:9443/acme/directory", None,
        )  # fmt: skip
        accounts = {a.account_url.rsplit("/", 1)[1]: a for a in provider.acme_accounts}
        for name, key in keys.items():
            assert accounts[name].acme_account_key.key_technology == "EC"
            assert accounts[name].acme_account_key.spki_sha256.lower() == spki_sha256(key)
        assert accounts["p256"].contact is None and accounts["p384"].contact == "ops@example.com"
        spkis = {c.spki_sha256.lower() for c in session.scalars(sa.select(m.CertificateSigned))}
        assert spkis == {w["spki_sha256"] for w in written}


def test_an_account_key_already_on_another_server_is_a_failure(ini, db, tmp_path, capsys):
    """One key is one account on one server: the second server's copy fails, on every run (documented)."""
    synthetic = SyntheticTree(tmp_path / "le")
    key = ec.generate_private_key(ec.SECP256R1())
    synthetic.add_account("one.example.test/directory", "a", key=key)
    synthetic.add_account("two.example.test/directory", "b", key=key)
    for run_number in (1, 2):
        status, lines = run(ini, synthetic.root, capsys=capsys)
        assert status == 1
        assert summary(lines)["accounts"] == ("1 created, 0 already there, 1 failed" if run_number == 1 else "0 created, 1 already there, 1 failed")
        (failed,) = failures(lines)
        assert failed.startswith("  FAILED account two.example.test/directory/b: private_key.json: This key belongs to ACME account")


def test_an_account_url_is_filled_in_and_a_different_one_is_noted(ini, db, ctx, tmp_path, capsys):
    """Found by its key: an account stored without its URL (a PEM upload) gets it; one stored
    with another URL keeps it, and the summary says so (it said nothing)."""
    key = ec.generate_private_key(ec.SECP256R1())
    dbProvider = acme_accounts.get__AcmeAccountProvider__by_server(ctx, "acme-v02.api.letsencrypt.org")
    dbAccount, _ = acme_accounts.getcreate__AcmeAccount(ctx, dbProvider, None, key_pem=key_pem(key))
    ctx.dbsession.commit()
    assert dbAccount.account_url is None
    synthetic = SyntheticTree(tmp_path / "le")
    url = "https://acme-v02.api.letsencrypt.org/acme/acct/77"
    synthetic.add_account("acme-v02.api.letsencrypt.org/directory", "a", key=key, account_url=url)
    status, lines = run(ini, synthetic.root, capsys=capsys)
    assert status == 0, lines
    assert summary(lines)["accounts"] == "0 created, 1 already there, 0 failed"
    assert not [line for line in lines if "note:" in line]
    with Session(bind=db) as session:
        assert session.get(m.AcmeAccount, dbAccount.id).account_url == url
    # the same key with another URL: kept, and noted
    with open(os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org", "directory", "a", "regr.json"), "w") as f:
        f.write(json.dumps({"body": {}, "uri": "https://acme-v02.api.letsencrypt.org/acme/acct/88"}))
    status, lines = run(ini, synthetic.root, capsys=capsys)
    assert status == 0
    assert (
        "  note: account acme-v02.api.letsencrypt.org/directory/a: already here with the account URL %s; regr.json says "
        "https://acme-v02.api.letsencrypt.org/acme/acct/88 (the URL already here is kept)" % url
    ) in lines
    with Session(bind=db) as session:
        assert session.get(m.AcmeAccount, dbAccount.id).account_url == url


def test_two_directories_on_one_host(ini, db, tmp_path, capsys):
    """acme.sectigo.com/v2/DV and /v2/OV: the second account was attached to the DV directory
    without a word. peter_sslers keeps one directory per host: it is refused, naming both."""
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account("acme.ca.test/v2/DV", "dv")
    synthetic.add_account("acme.ca.test/v2/OV", "ov")
    synthetic.add_lineage("x.example.test", ["x.example.test"])
    seeded = table_counts(db)
    for run_number in (1, 2):
        status, lines = run(ini, synthetic.root, capsys=capsys)
        assert status == 1
        assert summary(lines) == {
            "accounts": "1 created, 0 already there, 1 failed" if run_number == 1 else "0 created, 1 already there, 1 failed",
            "certificates": "1 created, 0 already there, 0 failed" if run_number == 1 else "0 created, 1 already there, 0 failed",
        }
        assert failures(lines) == [
            "  FAILED account acme.ca.test/v2/OV/ov: the ACME directory URL: The account's ACME directory is "
            "https://acme.ca.test/v2/OV, but the ACME server `acme.ca.test` known on the same host `acme.ca.test` has "
            "the directory https://acme.ca.test/v2/DV. peter_sslers keeps one directory per host: this account is not imported."
        ]
    counts = table_counts(db)
    assert counts["acme_account"] == seeded["acme_account"] + 1
    assert counts["acme_account_provider"] == seeded["acme_account_provider"] + 1


def test_lets_encrypt_acme_v1_accounts_are_v2_accounts(ini, db, tmp_path, capsys):
    """certbot keeps v1 account URLs (acme-v01..., acme-staging...) that Let's Encrypt's v2 API
    accepts: they belong to its v2 servers. A dead provider `acme-v01.api.letsencrypt.org` was added."""
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account(
        "acme-v01.api.letsencrypt.org/directory", "prod", account_url="https://acme-v01.api.letsencrypt.org/acme/reg/1234"
    )
    os.makedirs(os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org"))
    os.symlink(
        os.path.join(synthetic.root, "accounts", "acme-v01.api.letsencrypt.org", "directory"),
        os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org", "directory"),
    )  # absolute, as certbot writes it
    synthetic.add_lineage("x.example.test", ["x.example.test"], server="https://acme-v02.api.letsencrypt.org/directory", account="prod")
    # an old tree's staging account, with no v2 link and no renewal configuration
    synthetic.add_account(
        "acme-staging.api.letsencrypt.org/directory", "staging", account_url="https://acme-staging.api.letsencrypt.org/acme/reg/55"
    )
    seeded = table_counts(db)
    status, lines = run(ini, synthetic.root, "--accounts-only", capsys=capsys)
    assert status == 0, lines
    assert summary(lines)["accounts"] == "2 created, 0 already there, 0 failed"
    assert "[1/2] account acme-staging.api.letsencrypt.org/directory/staging: created (AcmeAccount 1)" in lines
    assert "[2/2] account acme-v02.api.letsencrypt.org/directory/prod: created (AcmeAccount 2)" in lines
    assert not [line for line in lines if "note:" in line]
    assert table_counts(db)["acme_account_provider"] == seeded["acme_account_provider"]
    with Session(bind=db) as session:
        providers = {
            a.account_url: (a.acme_account_provider.name, a.acme_account_provider.directory)
            for a in session.scalars(sa.select(m.AcmeAccount))
        }
    assert providers == {
        "https://acme-v01.api.letsencrypt.org/acme/reg/1234": ("letsencrypt-v2", "https://acme-v02.api.letsencrypt.org/directory"),
        "https://acme-staging.api.letsencrypt.org/acme/reg/55": (
            "letsencrypt-v2-staging", "https://acme-staging-v02.api.letsencrypt.org/directory",
        ),
    }  # fmt: skip


def test_damaged_keys_are_never_quoted(ini, db, tmp_path, capsys):
    """A key file that lost its BEGIN line: its failure quoted its first 40 characters (most of
    an EC private scalar). The same for an account key whose ``kty`` is garbage."""
    root = copy_real_tree(tmp_path)
    path = os.path.join(root, "archive", "multi.example.test", "privkey1.pem")
    with open(path) as f:
        pem = f.read()
    with open(path, "w") as f:
        f.write("\n".join(pem.splitlines()[1:]) + "\n")
    account = sorted(manifest()["accounts"], key=lambda a: a["path"])[0]
    with open(os.path.join(root, account["path"], "private_key.json")) as f:
        jwk = json.load(f)
    with open(os.path.join(root, account["path"], "private_key.json"), "w") as f:
        json.dump(dict(jwk, kty=jwk["d"][:60]), f)
    status, lines = run(ini, root, capsys=capsys)
    assert status == 1
    failed = failures(lines)
    assert "  FAILED archive/multi.example.test version 1: privkey1.pem: No PEM block found in the %d characters given: not PEM." % (
        len("\n".join(pem.splitlines()[1:]).strip())
    ) in failed
    assert "  FAILED account %s/%s: private_key.json: Unsupported JWK key type (not a name): RSA and EC private keys are." % (
        account["server_dir"], account["account_id"]
    ) in failed  # fmt: skip
    output = "\n".join(lines)
    body = "".join(pem.splitlines()[1:-1])
    for start in range(0, len(body) - 16, 4):
        assert body[start : start + 16] not in output
    assert jwk["d"][:16] not in output


def test_a_key_symlinked_out_of_the_tree_is_not_imported(ini, db, tmp_path, capsys):
    """A private key outside the tree, reached by a symlink in it: not read, not stored, not printed."""
    root = copy_real_tree(tmp_path)
    stranger = ec.generate_private_key(ec.SECP256R1())
    outside = tmp_path / "elsewhere.pem"
    outside.write_text(key_pem(stranger))
    target = os.path.join(root, "archive", "custom-name", "privkey1.pem")
    os.unlink(target)
    os.symlink(str(outside), target)
    status, lines = run(ini, root, "--certs-only", capsys=capsys)
    assert status == 1
    assert failures(lines) == [
        "  FAILED archive/custom-name version 1: privkey1.pem is a symlink to %s, outside the certbot directory %s: not read"
        % (outside, root)
    ]
    body = "".join(key_pem(stranger).splitlines()[1:-1])
    assert body[:30] not in "\n".join(lines)
    with Session(bind=db) as session:
        spkis = {k.spki_sha256.lower() for k in session.scalars(sa.select(m.PrivateKey))}
    assert spki_sha256(stranger) not in spkis


def test_each_item_is_read_just_before_its_import(app_settings, db, tmp_path):
    """The tree was read whole (every private key) before the first import; now each version is
    read when its turn comes: a key changed after the first import is the one imported."""
    root = copy_real_tree(tmp_path)
    tree = certbot.read_certbot_dir(root, accounts=False)
    last = list(tree.certificates)[-1]
    stranger = key_pem(ec.generate_private_key(ec.SECP256R1()))
    lines = []

    def echo(text):
        lines.append(text)
        if len(lines) == 1:
            with open(last.paths["privkey"], "w") as f:
                f.write(stranger)

    importer = import_certbot.Importer(meta.get_session_factory(db), app_settings, echo=echo)
    summary_ = importer.import_tree(tree)
    assert summary_.failures == [
        (last.label, "privkey%s.pem: This private key does not belong to the certificate." % last.version)
    ]
    assert lines[0].startswith("[1/%s] archive/" % len(tree.certificates)) and lines[0].endswith(")")


@pytest.fixture
def database_error_trigger(db):
    """A trigger that refuses every new private key: an unexpected database error, whose
    statement carries the key PEM as a parameter."""
    if db.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION zz_refuse_keys() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER zz_refuse_keys BEFORE INSERT ON private_key FOR EACH ROW EXECUTE FUNCTION zz_refuse_keys()",
        ]
        drop = ["DROP TRIGGER zz_refuse_keys ON private_key", "DROP FUNCTION zz_refuse_keys()"]
    else:
        create = ["CREATE TRIGGER zz_refuse_keys BEFORE INSERT ON private_key BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
        drop = ["DROP TRIGGER zz_refuse_keys"]
    with db.begin() as connection:
        for statement in create:
            connection.execute(sa.text(statement))
    try:
        yield db.dialect.name
    finally:
        with db.begin() as connection:
            for statement in drop:
                connection.execute(sa.text(statement))


def _key_lines(root: str) -> list:
    """A line of base64 of every private key file of a tree (what must never be printed)."""
    lines = []
    for directory, _subdirs, files in os.walk(root):
        for name in files:
            if name.startswith("privkey") or name == "private_key.json":
                with open(os.path.join(directory, name)) as f:
                    text = f.read()
                lines.append(text.splitlines()[2][:40] if name.startswith("privkey") else json.loads(text)["d"][:40])
    return lines


def test_database_errors_never_print_the_key(ini, database_error_trigger, capsys):
    """SQLAlchemy's error text holds the statement's parameters: the whole private key PEM was
    printed in the failure lines and the summary."""
    status = import_certbot.main([ini, REAL_TREE, "--certs-only"])
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert status == 1
    driver = "psycopg.errors.RaiseException" if database_error_trigger == "postgresql" else "sqlite3.IntegrityError"
    kind = "ProgrammingError" if database_error_trigger == "postgresql" else "IntegrityError"
    assert len(failures(output.splitlines())) == TOTALS["certificates"]
    for line in failures(output.splitlines()):
        assert line.endswith(": database error %s (%s)" % (kind, driver)), line
    assert "PRIVATE KEY" not in output and "parameters" not in output
    for key_line in _key_lines(REAL_TREE):
        assert key_line not in output


def test_the_engine_hides_statement_parameters(raw_settings, db):
    """For server logs too: a failed statement's exception does not quote its parameters."""
    engine = meta.get_engine(raw_settings)
    secret = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
    try:
        with pytest.raises(sa.exc.DBAPIError) as exc:  # NULL server (SQLite), too long a name (PostgreSQL)
            with engine.begin() as connection:
                connection.execute(sa.text("INSERT INTO acme_account_provider (id, name, directory, server, protocol) "
                                           "VALUES (:id, :name, NULL, NULL, 'acme-v2')"), {"id": 999, "name": secret})  # fmt: skip
    finally:
        engine.dispose()
    assert "MIGHAgEAMBMG" not in str(exc.value) and "hide_parameters=True" in str(exc.value)


@pytest.mark.parametrize(
    "url, message",
    [
        ("sqlite:////nonexistent-directory-for-the-test/peter_sslers.sqlite", "OperationalError: unable to open database file"),
        ("nosuchdialect://localhost/peter_sslers", "NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:nosuchdialect"),
        ("postgresql+psycopg://postgres@127.0.0.1:{port}/peter_sslers", "OperationalError: connection failed: "),
    ],
)
def test_unusable_databases_exit_2(tmp_path, capsys, url, message):
    """A bad sqlite path, an unknown dialect, an unreachable PostgreSQL: a traceback and exit 1
    before; now a message and exit 2, as documented."""
    path = tmp_path / "unusable.ini"
    path.write_text("[app:main]\nuse = config:%s#main\nsqlalchemy.url = %s\n" % (_ini_path(), url.format(port=free_port())))
    assert import_certbot.main([str(path), REAL_TREE]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("Cannot use the database of %s (sqlalchemy.url): %s" % (path, message)), captured.err


@pytest.fixture
def scratch_database(tmp_path, app_settings):
    """A database of this test's own (SQLite, whatever the run's database), to break."""
    path = str(tmp_path / "scratch.sqlite")
    engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % path})
    initialize_database(engine, app_settings)
    yield engine, path
    engine.dispose()


def test_a_database_that_stops_answering_stops_the_run(scratch_database, app_settings):
    """Every remaining item was marked failed, one by one; now the run stops after a few
    failures in a row and says how many items were not tried (as the invoke tasks do)."""
    engine, path = scratch_database
    lines = []

    def echo(text):
        lines.append(text)
        if len(lines) == 1:  # the database goes away after the first import
            engine.dispose()
            os.unlink(path)
            os.mkdir(path)

    tree = certbot.read_certbot_dir(REAL_TREE)
    total = TOTALS["accounts"] + TOTALS["certificates"]
    importer = import_certbot.Importer(meta.get_session_factory(engine), app_settings, echo=echo)
    result = importer.import_tree(tree)
    stop = import_certbot.MAX_DATABASE_FAILURES_IN_A_ROW
    assert len(lines) == 1 + stop
    assert lines[0].endswith(": created (AcmeAccount 1)")
    for line in lines[1:]:
        assert line.endswith(": FAILED: database error OperationalError (sqlite3.OperationalError)"), line
    assert result.stopped
    assert result.notes[-1:] == [
        "stopped: the database failed %s items in a row (it no longer answers); %s item(s) were not tried"
        % (stop, total - 1 - stop)
    ]


def test_bad_command_lines(ini, db, tmp_path, capsys):
    seeded = table_counts(db)
    # not a certbot directory
    assert import_certbot.main([ini, str(tmp_path)]) == 2
    assert "is not a certbot directory" in capsys.readouterr().err
    assert import_certbot.main([ini, str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # no ini
    assert import_certbot.main([str(tmp_path / "missing.ini"), REAL_TREE]) == 2
    capsys.readouterr()
    # both "only" switches
    with pytest.raises(SystemExit) as exc:
        import_certbot.main([ini, REAL_TREE, "--accounts-only", "--certs-only"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    # a database without the schema
    empty = tmp_path / "empty.ini"
    empty.write_text("[app:main]\nuse = config:%s#main\nsqlalchemy.url = sqlite:///%s\n" % (_ini_path(), tmp_path / "empty.sqlite"))
    assert import_certbot.main([str(empty), REAL_TREE]) == 2
    assert "initialize_peter_sslers_db" in capsys.readouterr().err
    assert table_counts(db) == seeded


def test_the_account_upload_route_and_the_script_make_the_same_rows(ini, db, testapp, tmp_path, capsys):
    """The route and the console script share lib/db: the same account both ways is one account."""
    facts = manifest()["accounts"][0]
    directory = os.path.join(REAL_TREE, facts["path"])
    files = [
        (field, name, open(os.path.join(directory, name), "rb").read())
        for field, name in (
            ("account_key_file_le_pkey", "private_key.json"),
            ("account_key_file_le_reg", "regr.json"),
            ("account_key_file_le_meta", "meta.json"),
        )
    ]
    res = testapp.post(
        "/.well-known/admin/acme-account/upload.json",
        {"acme_server_directory": facts["directory_url"]},
        upload_files=files,
        status=200,
    )
    assert res.json["is_created"] is True and res.json["is_created__acme_account_provider"] is True
    status, lines = run(ini, REAL_TREE, "--accounts-only", capsys=capsys)
    assert status == 0
    assert summary(lines)["accounts"] == "%s created, 1 already there, 0 failed" % (TOTALS["accounts"] - 1)
    with Session(bind=db) as session:
        dbAccount = session.scalars(sa.select(m.AcmeAccount).where(m.AcmeAccount.account_url == facts["account_url"])).one()
        assert str(dbAccount.id) == res.json["AcmeAccount"]["id"]
    assert json.loads(json.dumps(res.json["AcmeAccountProvider"]))["directory"] == facts["directory_url"]
