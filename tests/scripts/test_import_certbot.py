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

from peter_sslers.model import objects as m
from peter_sslers.scripts import import_certbot
from tests.certbot_trees import REAL_TREE
from tests.certbot_trees import SyntheticTree
from tests.certbot_trees import check_database_against_manifest
from tests.certbot_trees import copy_real_tree
from tests.certbot_trees import manifest
from tests.certbot_trees import spki_sha256
from tests.certbot_trees import summary
from tests.certbot_trees import table_counts
from tests.conftest import ROOT
from tests.conftest import _ini_path

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
    synthetic = SyntheticTree(tmp_path / "le")
    key = ec.generate_private_key(ec.SECP256R1())
    synthetic.add_account("one.example.test/directory", "a", key=key)
    synthetic.add_account("two.example.test/directory", "b", key=key)
    status, lines = run(ini, synthetic.root, capsys=capsys)
    assert status == 1
    assert summary(lines)["accounts"] == "1 created, 0 already there, 1 failed"
    (failed,) = failures(lines)
    assert failed.startswith("  FAILED account two.example.test/directory/b: private_key.json: This key belongs to ACME account")


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
