"""lib/certbot.py: the reader of certbot's directory, on the tree real certbot made and on damaged copies."""

import hashlib
import json
import os
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa

from peter_sslers.lib import cert_utils
from peter_sslers.lib import certbot
from tests import certbot_trees
from tests.certbot_trees import REAL_TREE
from tests.certbot_trees import SyntheticTree
from tests.certbot_trees import copy_real_tree
from tests.certbot_trees import manifest


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def archive_versions():
    """(lineage, version facts) of the manifest, in the reader's order."""
    return [
        (lineage["name"], version)
        for lineage in sorted(manifest()["lineages"], key=lambda l: l["name"])
        for version in sorted(lineage["versions"], key=lambda v: v["version"])
    ]


# --- the real tree


def test_real_tree_accounts_match_the_manifest():
    tree = certbot.read_certbot_dir(REAL_TREE)
    expected = {a["account_id"]: a for a in manifest()["accounts"]}
    assert len(tree.accounts) == len(expected) == manifest()["totals"]["accounts"]
    for account in tree.accounts:
        facts = expected[account.account_id]
        assert account.problem is None
        assert account.server_path == facts["server_dir"]
        assert account.directory_url == facts["directory_url"]
        assert account.account_url == facts["account_url"]
        assert account.contact == facts["email"]
        assert account.key_type == facts["key"]["type"]
        pem = cert_utils.convert_jwk_to_pem(json.loads(account.private_key_json))
        assert cert_utils.parse_key(pem)["spki_sha256"].lower() == facts["public_key_sha256"]
        for name, digest in facts["files"].items():
            assert sha256_file(os.path.join(account.directory, name)) == digest


def test_real_tree_archive_versions_match_the_manifest():
    tree = certbot.read_certbot_dir(REAL_TREE)
    expected = archive_versions()
    assert len(tree.certificates) == len(expected) == manifest()["totals"]["certificates"]
    for item, (lineage, facts) in zip(tree.certificates, expected):
        assert (item.source, item.lineage, item.version) == ("archive", lineage, facts["version"])
        assert item.problem is None, item.label
        for kind, file_facts in facts["files"].items():
            assert hashlib.sha256(item.pems[kind].encode()).hexdigest() == file_facts["sha256"]
        parsed = cert_utils.parse_cert(item.cert_pem)
        assert parsed["spki_sha256"].lower() == facts["public_key_sha256"]
        assert sorted(parsed["domains"]) == sorted(facts["sans"])
        assert cert_utils.parse_key(item.privkey_pem)["spki_sha256"].lower() == facts["public_key_sha256"]
        assert len(cert_utils.split_pem_chain(item.chain_pem)) == facts["chain_length"]


def test_real_tree_live_follows_the_relative_symlinks():
    live = certbot.read_live(os.path.join(REAL_TREE, "live"))
    lineages = {l["name"]: l for l in manifest()["lineages"]}
    assert sorted(item.lineage for item in live) == sorted(lineages)
    for item in live:
        facts = lineages[item.lineage]
        assert item.source == "live" and item.problem is None
        assert item.version == facts["live_version"]
        for name, target in facts["live_links"].items():
            assert os.readlink(os.path.join(item.directory, name)) == target
        newest = [v for v in facts["versions"] if v["version"] == facts["live_version"]][0]
        assert hashlib.sha256(item.cert_pem.encode()).hexdigest() == newest["files"]["cert"]["sha256"]
        assert "README" in os.listdir(item.directory)  # certbot's README, tolerated


def test_real_tree_renewal_configurations():
    renewals = certbot.read_renewal(os.path.join(REAL_TREE, "renewal"))
    lineages = {l["name"]: l for l in manifest()["lineages"]}
    assert sorted(renewals) == sorted(lineages)
    for name, conf in renewals.items():
        assert conf.problem is None
        assert conf.server == lineages[name]["renewal_server"]
        assert conf.account == lineages[name]["renewal_account"]
        assert conf.key_type == lineages[name]["renewal_key_type"]
        assert conf.values["archive_dir"].endswith("/archive/%s" % name)


def test_read_certbot_dir_options():
    assert certbot.read_certbot_dir(REAL_TREE, accounts=False).accounts == []
    assert certbot.read_certbot_dir(REAL_TREE, certificates=False).certificates == []


def test_readers_of_parts_of_the_tree():
    accounts_dir = os.path.join(REAL_TREE, "accounts")
    per_server = {}
    for facts in manifest()["accounts"]:
        per_server.setdefault(facts["server_dir"].split("/")[0], set()).add(facts["account_id"])
    for host, ids in per_server.items():
        read = certbot.read_accounts_server(os.path.join(accounts_dir, host))
        assert {a.account_id for a in read} == ids
        assert all(a.problem is None for a in read)
    facts = manifest()["accounts"][0]
    account = certbot.read_account(os.path.join(REAL_TREE, facts["path"]))
    assert (account.server_path, account.directory_url) == (facts["server_dir"], facts["directory_url"])
    lineage = manifest()["lineages"][0]
    versions = certbot.read_archive_lineage(os.path.join(REAL_TREE, "archive", lineage["name"]))
    assert [v.version for v in versions] == list(range(1, lineage["versions_count"] + 1))
    one = certbot.read_archive_version(os.path.join(REAL_TREE, "archive", lineage["name"]), "1")
    assert one.version == 1 and one.cert_pem == versions[0].cert_pem
    plain = certbot.read_plain(os.path.join(REAL_TREE, "live", lineage["name"]))
    assert plain.source == "plain" and plain.cert_pem == versions[-1].cert_pem and plain.problem is None


def test_private_material_stays_out_of_reprs():
    tree = certbot.read_certbot_dir(REAL_TREE)
    assert "PRIVATE KEY" not in repr(tree.certificates[0])
    assert '"d"' not in repr(tree.accounts[0])


# --- damage: each problem stays with its own version or account


def test_missing_file_is_the_problem_of_its_version_only(tmp_path):
    root = copy_real_tree(tmp_path)
    lineage, facts = archive_versions()[0]
    os.unlink(os.path.join(root, "archive", lineage, "privkey%s.pem" % facts["version"]))
    tree = certbot.read_certbot_dir(root)
    damaged = [item for item in tree.certificates if item.problem]
    assert [(d.lineage, d.version) for d in damaged] == [(lineage, facts["version"])]
    assert damaged[0].problem == "missing privkey%s.pem" % facts["version"]
    assert len(tree.certificates) == len(archive_versions())


def test_fullchain_is_optional_and_a_disagreeing_one_is_a_warning(tmp_path):
    root = copy_real_tree(tmp_path)
    (lineage, v1), (_, v2) = archive_versions()[0], archive_versions()[1]
    os.unlink(os.path.join(root, "archive", lineage, "fullchain1.pem"))
    with open(os.path.join(root, "archive", lineage, "fullchain2.pem"), "w") as f:
        f.write(open(os.path.join(root, "archive", lineage, "cert1.pem")).read())
    items = certbot.read_archive_lineage(os.path.join(root, "archive", lineage))
    assert items[0].problem is None and "fullchain" not in items[0].pems and items[0].warning is None
    assert items[1].problem is None
    assert items[1].warning == "fullchain2.pem is not cert2.pem followed by chain2.pem (not used: the import reads those two)"


@pytest.mark.parametrize(
    "content, problem",
    [(b"", "cert1.pem is empty"), (b"  \n", "cert1.pem is empty"), (b"\x30\x82\xff\xfe", "cert1.pem is binary, not text")],
)
def test_empty_and_binary_files(tmp_path, content, problem):
    root = copy_real_tree(tmp_path)
    lineage = archive_versions()[0][0]
    with open(os.path.join(root, "archive", lineage, "cert1.pem"), "wb") as f:
        f.write(content)
    assert certbot.read_archive_lineage(os.path.join(root, "archive", lineage))[0].problem == problem


def test_live_with_extra_files_and_a_dangling_symlink(tmp_path):
    root = copy_real_tree(tmp_path)
    names = sorted(l["name"] for l in manifest()["lineages"])
    with open(os.path.join(root, "live", names[0], "notes.txt"), "w") as f:
        f.write("deployed to web1\n")
    os.makedirs(os.path.join(root, "live", names[0], "old"))
    facts = [l for l in manifest()["lineages"] if l["name"] == names[1]][0]
    os.unlink(os.path.join(root, "archive", names[1], "chain%s.pem" % facts["live_version"]))
    live = {item.lineage: item for item in certbot.read_live(os.path.join(root, "live"))}
    assert live[names[0]].problem is None
    assert live[names[1]].problem == "chain.pem is a symlink to ../../archive/%s/chain%s.pem, which does not exist" % (
        names[1],
        facts["live_version"],
    )
    assert all(live[name].problem is None for name in names[2:])


def test_live_lineages_without_an_archive_are_read_from_live(tmp_path):
    """A tree copied with its symlinks resolved and its archive left behind."""
    root = str(tmp_path / "letsencrypt")
    shutil.copytree(REAL_TREE, root, symlinks=False, ignore=shutil.ignore_patterns("archive"))
    tree = certbot.read_certbot_dir(root)
    assert sorted(item.lineage for item in tree.certificates) == sorted(l["name"] for l in manifest()["lineages"])
    assert all(item.source == "live" and item.problem is None for item in tree.certificates)


def test_damaged_accounts(tmp_path):
    root = copy_real_tree(tmp_path)
    paths = sorted(os.path.join(root, a["path"]) for a in manifest()["accounts"])
    os.unlink(os.path.join(paths[0], "meta.json"))
    with open(os.path.join(paths[1], "regr.json"), "w") as f:
        f.write("{not json")
    accounts = {a.directory: a for a in certbot.read_accounts(os.path.join(root, "accounts"))}
    assert accounts[paths[0]].problem == "missing meta.json"
    assert accounts[paths[1]].problem == "regr.json is not JSON"
    assert all(accounts[p].problem is None for p in paths[2:])
    with open(os.path.join(paths[1], "regr.json"), "w") as f:
        f.write(json.dumps({"body": {}}))
    with open(os.path.join(paths[1], "private_key.json"), "w") as f:
        f.write("[1, 2]")
    assert certbot.read_account(paths[1]).problem == "private_key.json is not a JSON Web Key; regr.json has no account `uri`"


# --- what the real tree cannot show


def test_many_versions_are_numbered_not_counted(tmp_path):
    """Twelve versions: 10, 11 and 12 come after 9 (the 2021 reader divided a file count by 4)."""
    synthetic = SyntheticTree(tmp_path / "le")
    written = synthetic.add_lineage("many.example.test", ["many.example.test"], versions=12, reuse_key=True)
    with open(os.path.join(synthetic.root, "archive", "many.example.test", "unrelated.txt"), "w") as f:
        f.write("tolerated\n")
    items = certbot.read_archive(os.path.join(synthetic.root, "archive"))
    assert [item.version for item in items] == list(range(1, 13))
    assert [item.cert_pem for item in items] == [w["cert"] for w in written]
    assert all(item.problem is None for item in items)
    assert certbot.read_archive_version(os.path.join(synthetic.root, "archive", "many.example.test"), 11).cert_pem == written[10]["cert"]
    assert certbot.read_live(os.path.join(synthetic.root, "live"))[0].version == 12


def test_ec_and_rsa_account_keys_and_contacts(tmp_path):
    synthetic = SyntheticTree(tmp_path / "le")
    p256 = synthetic.add_account("acme.example.test/directory", "aaa", key=ec.generate_private_key(ec.SECP256R1()))
    p384 = synthetic.add_account(
        "acme.example.test/directory", "bbb", key=ec.generate_private_key(ec.SECP384R1()),
        regr_body={"contact": ["tel:+1555", "mailto:ops@example.com"]},
    )  # fmt: skip
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    synthetic.add_account("ca.internal:9443/acme/dir", "ccc", key=rsa_key, regr_body={"contact": []})
    accounts = {a.account_id: a for a in certbot.read_accounts(os.path.join(synthetic.root, "accounts"))}
    assert accounts["aaa"].key_type == "EC" and accounts["aaa"].contact is None
    assert accounts["bbb"].contact == "ops@example.com"
    assert accounts["ccc"].key_type == "RSA" and accounts["ccc"].directory_url == "https://ca.internal:9443/acme/dir"
    for account_id, written in (("aaa", p256), ("bbb", p384), ("ccc", {"key": rsa_key})):
        pem = cert_utils.convert_jwk_to_pem(json.loads(accounts[account_id].private_key_json))
        assert cert_utils.parse_key(pem)["spki_sha256"].lower() == certbot_trees.spki_sha256(written["key"])


def test_a_renewal_configuration_gives_the_exact_directory_url(tmp_path):
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account("boulder.test:4001/directory", "abc")
    synthetic.add_account("other.test/directory", "def")
    synthetic.add_lineage("x.example.test", ["x.example.test"], server="http://boulder.test:4001/directory", account="abc")
    # a renewal conf whose server disagrees with the account's path is not believed
    synthetic.add_lineage("y.example.test", ["y.example.test"], server="https://elsewhere.test/directory", account="def")
    accounts = {a.account_id: a for a in certbot.read_certbot_dir(synthetic.root).accounts}
    assert accounts["abc"].directory_url == "http://boulder.test:4001/directory"
    assert accounts["def"].directory_url == "https://other.test/directory"
    # the single-account and per-server readers find the renewal directory too
    assert certbot.read_account(accounts["abc"].directory).directory_url == "http://boulder.test:4001/directory"
    assert certbot.read_accounts_server(os.path.join(synthetic.root, "accounts", "boulder.test:4001"))[0].directory_url == (
        "http://boulder.test:4001/directory"
    )


def test_an_account_linked_under_two_servers_is_read_once(tmp_path):
    """certbot links Let's Encrypt v2's accounts directory to v1's."""
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account("acme-v01.api.letsencrypt.org/directory", "abc")
    os.makedirs(os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org"))
    os.symlink(
        os.path.join("..", "acme-v01.api.letsencrypt.org", "directory"),
        os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org", "directory"),
    )
    accounts = certbot.read_accounts(os.path.join(synthetic.root, "accounts"))
    assert [(a.account_id, a.server_path) for a in accounts] == [("abc", "acme-v01.api.letsencrypt.org/directory")]


def test_an_account_outside_an_accounts_directory(tmp_path):
    synthetic = SyntheticTree(tmp_path / "le")
    written = synthetic.add_account("acme.example.test/directory", "abc")
    moved = shutil.copytree(written["directory"], str(tmp_path / "loose" / "abc"))
    account = certbot.read_account(moved)
    assert account.problem is None
    assert (account.server_path, account.directory_url) == (None, None)
    assert account.account_url == written["account_url"]


def test_renewal_conf_parser():
    values, sections = certbot.parse_renewal_conf(
        "# comment\nversion = 2.0.0\ncert = '/etc/x'\n\n[renewalparams]\nserver = https://a/dir\n"
        "[[webroot_map]]\nexample.com = /var/www\nnot a pair\n"
    )
    assert values == {"version": "2.0.0", "cert": "/etc/x"}
    assert sections == {"renewalparams": {"server": "https://a/dir"}, "webroot_map": {"example.com": "/var/www"}}


# --- paths that are not what they should be


def test_bad_paths_raise_layout_errors(tmp_path):
    missing = str(tmp_path / "nope")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for reader in (
        certbot.read_certbot_dir,
        certbot.read_archive,
        certbot.read_live,
        certbot.read_plain,
        certbot.read_account,
        certbot.read_accounts,
        certbot.read_accounts_server,
        certbot.read_archive_lineage,
    ):
        with pytest.raises(certbot.CertbotLayoutError, match="does not exist: %s" % missing):
            reader(missing)
        with pytest.raises(certbot.CertbotLayoutError, match="is not a directory"):
            reader(str(a_file))
    with pytest.raises(certbot.CertbotLayoutError, match="is not a certbot directory"):
        certbot.read_certbot_dir(str(tmp_path))
    lineage = os.path.join(REAL_TREE, "archive", "custom-name")
    with pytest.raises(certbot.CertbotLayoutError, match=r"has no version 7 \(versions: 1, 2\)"):
        certbot.read_archive_version(lineage, 7)
    with pytest.raises(certbot.CertbotLayoutError, match="must be a number"):
        certbot.read_archive_version(lineage, "latest")


def test_import_summary_lines():
    summary = certbot.ImportSummary()
    assert summary.record("accounts", "account a", certbot.OUTCOME_CREATED, "AcmeAccount 1") == "created (AcmeAccount 1)"
    assert summary.record("certificates", "archive/x version 1", certbot.OUTCOME_EXISTING) == "already there"
    assert summary.record("certificates", "archive/x version 2", certbot.OUTCOME_FAILED, "missing cert2.pem") == (
        "FAILED: missing cert2.pem"
    )
    summary.note("a note")
    summary.note("a note")
    assert summary.failed == 1
    assert summary.lines() == [
        "Summary:",
        "  accounts: 1 created, 0 already there, 0 failed",
        "  certificates: 0 created, 1 already there, 1 failed",
        "  note: a note",
        "  FAILED archive/x version 2: missing cert2.pem",
    ]
