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
from tests.certbot_trees import deadline
from tests.certbot_trees import key_pem
from tests.certbot_trees import loaded
from tests.certbot_trees import manifest
from tests.certbot_trees import public_copy_of_real_tree
from tests.certbot_trees import run_unprivileged


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
    for account in loaded(tree.accounts):
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
    for item, (lineage, facts) in zip(loaded(tree.certificates), expected):
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
    live = loaded(certbot.read_live(os.path.join(REAL_TREE, "live")))
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
    assert list(certbot.read_certbot_dir(REAL_TREE, certificates=False).certificates) == []


def test_readers_of_parts_of_the_tree():
    accounts_dir = os.path.join(REAL_TREE, "accounts")
    per_server = {}
    for facts in manifest()["accounts"]:
        per_server.setdefault(facts["server_dir"].split("/")[0], set()).add(facts["account_id"])
    for host, ids in per_server.items():
        read = loaded(certbot.read_accounts_server(os.path.join(accounts_dir, host)))
        assert {a.account_id for a in read} == ids
        assert all(a.problem is None for a in read)
    facts = manifest()["accounts"][0]
    account = certbot.read_account(os.path.join(REAL_TREE, facts["path"])).load()
    assert (account.server_path, account.directory_url) == (facts["server_dir"], facts["directory_url"])
    assert account.problem is None and account.account_url == facts["account_url"]
    lineage = manifest()["lineages"][0]
    versions = loaded(certbot.read_archive_lineage(os.path.join(REAL_TREE, "archive", lineage["name"])))
    assert [v.version for v in versions] == list(range(1, lineage["versions_count"] + 1))
    one = certbot.read_archive_version(os.path.join(REAL_TREE, "archive", lineage["name"]), "1").load()
    assert one.version == 1 and one.cert_pem == versions[0].cert_pem
    plain = certbot.read_plain(os.path.join(REAL_TREE, "live", lineage["name"])).load()
    assert plain.source == "plain" and plain.cert_pem == versions[-1].cert_pem and plain.problem is None


def test_the_accounts_of_a_server_given_by_its_full_directory():
    """``accounts/127.0.0.1:PORT/dir`` (the whole server path, not only its host): the server path
    still starts at ``accounts/`` (it was ``dir``, and the directory URL ``https://dir``)."""
    for facts in manifest()["accounts"]:
        read = certbot.read_accounts_server(os.path.join(REAL_TREE, "accounts", *facts["server_dir"].split("/")))
        (account,) = [a for a in read if a.account_id == facts["account_id"]]
        assert (account.server_path, account.directory_url) == (facts["server_dir"], facts["directory_url"])
        assert account.label == "account %s/%s" % (facts["server_dir"], facts["account_id"])


def test_private_material_stays_out_of_reprs():
    tree = certbot.read_certbot_dir(REAL_TREE)
    item = next(iter(tree.certificates)).load()
    assert item.privkey_pem and "PRIVATE KEY" not in repr(item)
    account = tree.accounts[0].load()
    assert '"d"' in account.private_key_json and '"d"' not in repr(account)


def test_nothing_is_read_before_load(tmp_path):
    """The tree is found, not read: each item reads its files at ``load()`` (the importers load
    one item at a time) and forgets them at ``release()``."""
    root = copy_real_tree(tmp_path)
    tree = certbot.read_certbot_dir(root)
    items = list(tree.certificates)
    assert len(items) == len(tree.certificates) == manifest()["totals"]["certificates"]
    assert all(item.pems == {} and item.problem is None for item in items)
    assert all(a.private_key_json is None and a.account_url is None for a in tree.accounts)
    # what load() reads is the file as it is then
    lineage, facts = archive_versions()[0]
    other = key_pem(ec.generate_private_key(ec.SECP256R1()))
    with open(os.path.join(root, "archive", lineage, "privkey%s.pem" % facts["version"]), "w") as f:
        f.write(other)
    first = items[0].load()
    assert (first.lineage, first.version, first.privkey_pem) == (lineage, facts["version"], other)
    first.release()
    assert first.pems == {} and first.problem is None
    account = tree.accounts[0].load()
    assert account.private_key_json
    account.release()
    assert account.private_key_json is None
    # the list is found again, lazily, each time it is iterated
    assert [i.label for i in tree.certificates] == [i.label for i in items]


# --- damage: each problem stays with its own version or account


def test_missing_file_is_the_problem_of_its_version_only(tmp_path):
    root = copy_real_tree(tmp_path)
    lineage, facts = archive_versions()[0]
    os.unlink(os.path.join(root, "archive", lineage, "privkey%s.pem" % facts["version"]))
    tree = certbot.read_certbot_dir(root)
    damaged = [item for item in loaded(tree.certificates) if item.problem]
    assert [(d.lineage, d.version) for d in damaged] == [(lineage, facts["version"])]
    assert damaged[0].problem == "missing privkey%s.pem" % facts["version"]
    assert len(tree.certificates) == len(archive_versions())


def test_fullchain_is_optional_and_a_disagreeing_one_is_a_warning(tmp_path):
    root = copy_real_tree(tmp_path)
    lineage = archive_versions()[0][0]
    os.unlink(os.path.join(root, "archive", lineage, "fullchain1.pem"))
    with open(os.path.join(root, "archive", lineage, "fullchain2.pem"), "w") as f:
        f.write(open(os.path.join(root, "archive", lineage, "cert1.pem")).read())
    items = loaded(certbot.read_archive_lineage(os.path.join(root, "archive", lineage)))
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
    assert certbot.read_archive_lineage(os.path.join(root, "archive", lineage))[0].load().problem == problem


def test_live_with_extra_files_and_a_dangling_symlink(tmp_path):
    root = copy_real_tree(tmp_path)
    names = sorted(l["name"] for l in manifest()["lineages"])
    with open(os.path.join(root, "live", names[0], "notes.txt"), "w") as f:
        f.write("deployed to web1\n")
    os.makedirs(os.path.join(root, "live", names[0], "old"))
    facts = [l for l in manifest()["lineages"] if l["name"] == names[1]][0]
    os.unlink(os.path.join(root, "archive", names[1], "chain%s.pem" % facts["live_version"]))
    live = {item.lineage: item for item in loaded(certbot.read_live(os.path.join(root, "live")))}
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
    items = loaded(tree.certificates)
    assert sorted(item.lineage for item in items) == sorted(l["name"] for l in manifest()["lineages"])
    assert all(item.source == "live" and item.problem is None for item in items)


def test_damaged_accounts(tmp_path):
    root = copy_real_tree(tmp_path)
    paths = sorted(os.path.join(root, a["path"]) for a in manifest()["accounts"])
    os.unlink(os.path.join(paths[0], "meta.json"))
    with open(os.path.join(paths[1], "regr.json"), "w") as f:
        f.write("{not json")
    accounts = {a.directory: a for a in loaded(certbot.read_accounts(os.path.join(root, "accounts")))}
    assert accounts[paths[0]].problem == "missing meta.json"
    assert accounts[paths[1]].problem == "regr.json is not JSON"
    assert all(accounts[p].problem is None for p in paths[2:])
    with open(os.path.join(paths[1], "regr.json"), "w") as f:
        f.write(json.dumps({"body": {}}))
    with open(os.path.join(paths[1], "private_key.json"), "w") as f:
        f.write("[1, 2]")
    assert certbot.read_account(paths[1]).load().problem == "private_key.json is not a JSON Web Key; regr.json has no account `uri`"


# --- what the real tree cannot show


def test_many_versions_are_numbered_not_counted(tmp_path):
    """Twelve versions: 10, 11 and 12 come after 9 (the 2021 reader divided a file count by 4)."""
    synthetic = SyntheticTree(tmp_path / "le")
    written = synthetic.add_lineage("many.example.test", ["many.example.test"], versions=12, reuse_key=True)
    with open(os.path.join(synthetic.root, "archive", "many.example.test", "unrelated.txt"), "w") as f:
        f.write("tolerated\n")
    items = loaded(certbot.read_archive(os.path.join(synthetic.root, "archive")))
    assert [item.version for item in items] == list(range(1, 13))
    assert [item.cert_pem for item in items] == [w["cert"] for w in written]
    assert all(item.problem is None for item in items)
    assert certbot.read_archive_version(os.path.join(synthetic.root, "archive", "many.example.test"), 11).load().cert_pem == (
        written[10]["cert"]
    )
    assert [item.version for item in certbot.read_live(os.path.join(synthetic.root, "live"))] == [12]


def test_ec_and_rsa_account_keys_and_contacts(tmp_path):
    synthetic = SyntheticTree(tmp_path / "le")
    p256 = synthetic.add_account("acme.example.test/directory", "aaa", key=ec.generate_private_key(ec.SECP256R1()))
    p384 = synthetic.add_account(
        "acme.example.test/directory", "bbb", key=ec.generate_private_key(ec.SECP384R1()),
        regr_body={"contact": ["tel:+1555", "mailto:ops@example.com"]},
    )  # fmt: skip
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    synthetic.add_account("ca.internal:9443/acme/dir", "ccc", key=rsa_key, regr_body={"contact": []})
    accounts = {a.account_id: a for a in loaded(certbot.read_accounts(os.path.join(synthetic.root, "accounts")))}
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


def _v1_tree(tmp_path, link_target=None, renewal_server=None):
    """Let's Encrypt's ACME v1 era, as certbot leaves it: the account under
    ``accounts/acme-v01.api.letsencrypt.org/directory`` with its v1 URL, and v2's accounts
    directory a symlink to v1's (relative here; certbot writes an absolute one)."""
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account(
        "acme-v01.api.letsencrypt.org/directory", "abc", account_url="https://acme-v01.api.letsencrypt.org/acme/reg/1234"
    )
    os.makedirs(os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org"))
    os.symlink(
        link_target or os.path.join("..", "acme-v01.api.letsencrypt.org", "directory"),
        os.path.join(synthetic.root, "accounts", "acme-v02.api.letsencrypt.org", "directory"),
    )
    if renewal_server:
        synthetic.add_lineage("x.example.test", ["x.example.test"], server=renewal_server, account="abc")
    return synthetic


def test_an_account_linked_under_two_servers_is_read_once(tmp_path):
    """certbot links Let's Encrypt v2's accounts directory to v1's: the account is read once, under
    its first path when nothing says more (the importer maps v1 to Let's Encrypt's v2 server)."""
    synthetic = _v1_tree(tmp_path)
    accounts = loaded(certbot.read_accounts(os.path.join(synthetic.root, "accounts")))
    assert [(a.account_id, a.server_path, a.problem, a.warning) for a in accounts] == [
        ("abc", "acme-v01.api.letsencrypt.org/directory", None, None)
    ]
    assert accounts[0].account_url == "https://acme-v01.api.letsencrypt.org/acme/reg/1234"


def test_the_path_a_renewal_configuration_names_wins(tmp_path):
    """The renewal configuration says the account is used with v2: it is read under v2's path,
    with v2's directory URL (the v1 path gave a directory URL of the dead v1 API)."""
    v2 = "https://acme-v02.api.letsencrypt.org/directory"
    synthetic = _v1_tree(tmp_path, renewal_server=v2)
    for accounts in (
        certbot.read_accounts(os.path.join(synthetic.root, "accounts")),
        certbot.read_certbot_dir(synthetic.root).accounts,
    ):
        assert [(a.account_id, a.server_path, a.directory_url) for a in accounts] == [
            ("abc", "acme-v02.api.letsencrypt.org/directory", v2)
        ]
        assert accounts[0].load().problem is None
    # an absolute link (as certbot writes it) into the same tree is inside it: followed the same way
    absolute = _v1_tree(tmp_path / "absolute", renewal_server=v2)
    link = os.path.join(absolute.root, "accounts", "acme-v02.api.letsencrypt.org", "directory")
    os.unlink(link)
    os.symlink(os.path.join(absolute.root, "accounts", "acme-v01.api.letsencrypt.org", "directory"), link)
    (account,) = loaded(certbot.read_certbot_dir(absolute.root).accounts)
    assert (account.server_path, account.directory_url, account.problem, account.warning) == (
        "acme-v02.api.letsencrypt.org/directory", v2, None, None,
    )  # fmt: skip


def test_a_copy_with_certbot_absolute_v1_link(tmp_path):
    """A copy of a tree keeps certbot's absolute link, which names the original tree: nothing is
    read there. The copy's own v1 directory is read instead, and a note names the link."""
    original = _v1_tree(tmp_path / "original")
    link = os.path.join(original.root, "accounts", "acme-v02.api.letsencrypt.org", "directory")
    os.unlink(link)
    os.symlink(os.path.join(original.root, "accounts", "acme-v01.api.letsencrypt.org", "directory"), link)
    copy = str(tmp_path / "copy")
    shutil.copytree(original.root, copy, symlinks=True)
    # the original changes: what the copy reads must not
    with open(os.path.join(original.root, "accounts", "acme-v01.api.letsencrypt.org", "directory", "abc", "regr.json"), "w") as f:
        f.write(json.dumps({"body": {}, "uri": "https://acme-v01.api.letsencrypt.org/acme/reg/ORIGINAL"}))
    copied_link = os.path.join(copy, "accounts", "acme-v02.api.letsencrypt.org", "directory")
    assert os.readlink(copied_link).startswith(original.root)
    (account,) = loaded(certbot.read_accounts(os.path.join(copy, "accounts")))
    assert account.problem is None
    assert account.account_url == "https://acme-v01.api.letsencrypt.org/acme/reg/1234"
    assert account.directory.startswith(copy)
    assert account.warning == (
        "accounts/acme-v02.api.letsencrypt.org/directory leads to %s, outside the certbot directory %s (a copy of "
        "a certbot directory keeps certbot's absolute links to the original): read as "
        "accounts/acme-v01.api.letsencrypt.org/directory of this directory instead"
        % (os.path.join(original.root, "accounts", "acme-v01.api.letsencrypt.org", "directory"), copy)
    )
    # given that link's account directly, the same
    single = certbot.read_account(os.path.join(copied_link, "abc")).load()
    assert single.problem is None and single.account_url.endswith("/1234") and "read as" in single.warning

    # the copy lacks the v1 directory the link names: a failure naming the link and its target
    shutil.rmtree(os.path.join(copy, "accounts", "acme-v01.api.letsencrypt.org"))
    (failure,) = certbot.read_accounts(os.path.join(copy, "accounts"))
    assert failure.label == "accounts/acme-v02.api.letsencrypt.org/directory"
    assert failure.load().problem == (
        "accounts/acme-v02.api.letsencrypt.org/directory is a symlink to %s, outside the certbot directory %s: "
        "not followed" % (os.readlink(copied_link), copy)
    )


def test_an_account_outside_an_accounts_directory(tmp_path):
    synthetic = SyntheticTree(tmp_path / "le")
    written = synthetic.add_account("acme.example.test/directory", "abc")
    moved = shutil.copytree(written["directory"], str(tmp_path / "loose" / "abc"))
    account = certbot.read_account(moved).load()
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


def test_renewal_conf_inline_comments(tmp_path):
    """configobj ends an unquoted value at ``#``: an edited conf's comment is not part of the URL."""
    values, sections = certbot.parse_renewal_conf(
        "cert = /etc/x # where\n[renewalparams]  # the parameters\nserver = http://b:4001/directory  # local\n"
        "account = abc#def\nquoted = 'a # b'  # c\nempty = # nothing\n"
    )
    assert values == {"cert": "/etc/x"}
    assert sections == {
        "renewalparams": {"server": "http://b:4001/directory", "account": "abc", "quoted": "a # b", "empty": ""}
    }
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account("b:4001/directory", "abc")
    with open(os.path.join(synthetic.root, "renewal", "b.example.test.conf"), "w") as f:
        f.write("[renewalparams]\naccount = abc  # mine\nserver = http://b:4001/directory  # local\n")
    (account,) = certbot.read_certbot_dir(synthetic.root).accounts
    assert account.directory_url == "http://b:4001/directory"


# --- what is outside the tree is not read


SECRET = "-----BEGIN PRIVATE KEY-----\nTHIS-IS-NOT-CERTBOTS-0123456789abcdefghijklmnopqrstuvwxyz\n-----END PRIVATE KEY-----\n"


def _secret_file(tmp_path) -> str:
    path = tmp_path / "elsewhere" / "secret.pem"
    path.parent.mkdir()
    path.write_text(SECRET)
    return str(path)


def test_a_file_symlinked_out_of_the_tree_is_not_read(tmp_path):
    root = copy_real_tree(tmp_path)
    secret = _secret_file(tmp_path)
    lineage = os.path.join(root, "archive", "custom-name")
    os.unlink(os.path.join(lineage, "privkey1.pem"))
    os.symlink(secret, os.path.join(lineage, "privkey1.pem"))
    items = loaded(certbot.read_archive_lineage(lineage))
    assert items[0].problem == "privkey1.pem is a symlink to %s, outside the certbot directory %s: not read" % (secret, root)
    assert "privkey" not in items[0].pems and "THIS-IS-NOT" not in repr(items[0].pems)
    assert items[1].problem is None  # the other version is fine
    # live/: certbot's relative links stay inside and are followed; one that leads out is not
    live = os.path.join(root, "live", "custom-name")
    assert certbot.read_plain(live).load().problem is None
    os.unlink(os.path.join(live, "privkey.pem"))
    os.symlink(os.path.join("..", "..", "..", "elsewhere", "secret.pem"), os.path.join(live, "privkey.pem"))
    item = certbot.read_plain(live).load()
    assert item.problem == "privkey.pem is a symlink to ../../../elsewhere/secret.pem, outside the certbot directory %s: not read" % root
    assert "privkey" not in item.pems
    # an account file, and a renewal configuration
    account_dir = os.path.join(root, manifest()["accounts"][0]["path"])
    os.unlink(os.path.join(account_dir, "private_key.json"))
    os.symlink(secret, os.path.join(account_dir, "private_key.json"))
    account = certbot.read_account(account_dir).load()
    assert account.problem.startswith("private_key.json is a symlink to %s, outside the certbot directory" % secret)
    assert account.private_key_json is None
    conf = os.path.join(root, "renewal", "custom-name.conf")
    os.unlink(conf)
    os.symlink(secret, conf)
    assert certbot.read_renewal(os.path.join(root, "renewal"))["custom-name"].problem.startswith("custom-name.conf is a symlink")


def test_directories_symlinked_out_of_the_tree_are_not_followed(tmp_path):
    root = copy_real_tree(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.copytree(os.path.join(root, "archive", "custom-name"), str(outside / "custom-name"))
    shutil.rmtree(os.path.join(root, "archive", "custom-name"))
    os.symlink(str(outside / "custom-name"), os.path.join(root, "archive", "custom-name"))
    items = loaded(certbot.read_certbot_dir(root).certificates)
    (failed,) = [item for item in items if item.problem]
    assert failed.label == "archive/custom-name"
    assert failed.problem == "archive/custom-name is a symlink to %s, outside the certbot directory %s: not followed" % (
        outside / "custom-name",
        root,
    )
    assert not [item for item in items if item.lineage == "custom-name" and item.pems]
    # its live lineage is not imported instead: it points into the same archive
    assert "live/custom-name" not in [item.label for item in items]
    # a live lineage directory that leads out
    shutil.rmtree(os.path.join(root, "live", "second.example.test"))
    os.symlink(str(outside), os.path.join(root, "live", "second.example.test"))
    (live,) = [item for item in loaded(certbot.read_live(os.path.join(root, "live"))) if item.lineage == "second.example.test"]
    assert live.problem.startswith("live/second.example.test is a symlink to %s, outside" % outside)


def test_the_accounts_walk_never_leaves_the_tree(tmp_path):
    """``accounts/x -> /`` walked the whole filesystem; now it is a failure that names it."""
    root = copy_real_tree(tmp_path)
    os.symlink("/", os.path.join(root, "accounts", "everything"))
    os.symlink(str(tmp_path), os.path.join(root, "accounts", "127.0.0.1:%s" % "1"))
    with deadline(30):
        accounts = certbot.read_accounts(os.path.join(root, "accounts"))
    failures = {a.label: a.load().problem for a in accounts if a.where}
    assert failures == {
        "accounts/everything": "accounts/everything is a symlink to /, outside the certbot directory %s: not followed" % root,
        "accounts/127.0.0.1:1": "accounts/127.0.0.1:1 is a symlink to %s, outside the certbot directory %s: not followed"
        % (tmp_path, root),
    }
    assert sorted(a.account_id for a in accounts if not a.where) == sorted(a["account_id"] for a in manifest()["accounts"])


def test_loops_and_many_links_in_accounts_cost_nothing(tmp_path):
    """Each real directory is listed once: loops end, and links that multiply paths do not
    multiply the walk (os.walk(followlinks=True) grew exponentially here)."""
    synthetic = SyntheticTree(tmp_path / "le")
    synthetic.add_account("ca.example.test/directory", "abc")
    accounts = os.path.join(synthetic.root, "accounts")
    os.symlink("..", os.path.join(accounts, "ca.example.test", "up"))  # a loop to accounts/
    os.symlink(".", os.path.join(accounts, "ca.example.test", "directory", "self"))  # a loop to itself
    level = accounts
    for depth in range(12):  # 2**12 paths to one account through these links
        nested = os.path.join(level, "n%d" % depth)
        os.makedirs(nested)
        os.symlink(os.path.join(accounts, "ca.example.test"), os.path.join(nested, "a"))
        os.symlink(os.path.join(accounts, "ca.example.test"), os.path.join(nested, "b"))
        level = nested
    with deadline(30):
        found = certbot.read_accounts(accounts)
    assert [(a.account_id, a.server_path, a.problem) for a in found] == [("abc", "ca.example.test/directory", None)]


def test_fifos_and_directories_are_not_files(tmp_path):
    """Opening a FIFO for reading waited for a writer for ever; now it is refused at once."""
    root = copy_real_tree(tmp_path)
    lineage = os.path.join(root, "archive", "custom-name")
    os.unlink(os.path.join(lineage, "chain1.pem"))
    os.mkfifo(os.path.join(lineage, "chain1.pem"))
    os.unlink(os.path.join(lineage, "cert2.pem"))
    os.mkdir(os.path.join(lineage, "cert2.pem"))
    account_dir = os.path.join(root, manifest()["accounts"][0]["path"])
    os.unlink(os.path.join(account_dir, "regr.json"))
    os.mkfifo(os.path.join(account_dir, "regr.json"))
    with deadline(20):
        items = loaded(certbot.read_archive_lineage(lineage))
        account = certbot.read_account(account_dir).load()
    assert items[0].problem == "chain1.pem is a FIFO, not a regular file: not read"
    assert items[1].problem == "cert2.pem is a directory, not a regular file: not read"
    assert account.problem == "regr.json is a FIFO, not a regular file: not read"


def test_directories_that_cannot_be_listed_are_failures():
    """Run as a user the permissions apply to: an ``accounts/`` directory it cannot list was
    skipped silently (0 accounts, exit 0); it is a failure, and so is an archive lineage."""
    with public_copy_of_real_tree() as root:
        facts = manifest()["accounts"][0]
        server_dir = os.path.join(root, "accounts", facts["server_dir"].split("/")[0])
        os.chmod(server_dir, 0o000)
        os.chmod(os.path.join(root, "archive", "custom-name"), 0o000)
        code = (
            "import json\n"
            "from peter_sslers.lib import certbot\n"
            "tree = certbot.read_certbot_dir(%r)\n"
            "print(json.dumps({'accounts': [(a.label, a.load().problem) for a in tree.accounts],\n"
            "                  'certificates': [(c.label, c.load().problem) for c in tree.certificates]}))\n" % root
        )
        found = json.loads(run_unprivileged(code))
    host = facts["server_dir"].split("/")[0]
    assert ["accounts/%s" % host, "cannot list accounts/%s: Permission denied" % host] in found["accounts"]
    others = [a for a in manifest()["accounts"] if not a["server_dir"].startswith(host + "/")]
    assert sorted(label for label, problem in found["accounts"] if problem is None) == sorted(
        "account %s/%s" % (a["server_dir"], a["account_id"]) for a in others
    )
    assert ["archive/custom-name", "cannot list archive/custom-name: Permission denied"] in found["certificates"]


def test_a_certbot_directory_that_cannot_be_read():
    """It looked empty ("not a certbot directory"); the message now says why."""
    with public_copy_of_real_tree() as root:
        os.chmod(root, 0o000)
        code = (
            "from peter_sslers.lib import certbot\n"
            "try:\n"
            "    certbot.read_certbot_dir(%r)\n"
            "except certbot.CertbotLayoutError as exc:\n"
            "    print(exc.message)\n" % root
        )
        message = run_unprivileged(code).strip()
    assert message == (
        "Cannot read the certbot directory %s: Permission denied (run the import as a user that can read it, usually root)."
        % root
    )


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
