"""The checked-in certbot tree (``tests/test_data/certbot/letsencrypt``) matches its manifest.

``tests/test_data/certbot/generate.py`` made both with the real certbot against pebble; the importer
tests rely on the manifest's facts. These checks are cheap (no network, no database): every file's
hash, every symlink (a relative link to a file inside the tree, stored by git as a symlink), the
certbot layout, the key/certificate links, the totals, and the fixed shape of the plan.
"""

import hashlib
import json
import os
import shutil
import subprocess
from collections import Counter

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.conftest import ROOT

BASE = os.path.join(ROOT, "tests", "test_data", "certbot")
TREE = os.path.join(BASE, "letsencrypt")
with open(os.path.join(BASE, "manifest.json")) as _f:
    MANIFEST = json.load(_f)

# The generator's plan: lineage -> (versions, key, account label). Regenerating keeps this shape.
SHAPE = {
    "single.example.test": (1, ("RSA", 2048), "a-email"),
    "multi.example.test": (3, ("EC", 256), "a-email"),
    "custom-name": (2, ("RSA", 3072), "a-noemail"),
    "single.example.test-0001": (1, ("EC", 384), "a-noemail"),
    "second.example.test": (2, ("EC", 256), "b-email"),
}
TOTALS = {
    "acme_servers": 2,
    "accounts": 3,
    "accounts_with_contact_in_regr": 0,
    "lineages": 5,
    "certificates": 9,
    "distinct_certificates": 9,
    "private_key_files": 9,
    "distinct_private_keys": 8,
    "distinct_chains": 2,
    "distinct_chain_certificates": 4,
    "distinct_domains": 9,
    "rsa_certificates": 3,
    "ec_certificates": 6,
}
KINDS = ("cert", "chain", "fullchain", "privkey")


def sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def spki_sha256(public_key) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def walk():
    """(relative path, absolute path) of every file and symlink in the tree."""
    for dirpath, dirnames, filenames in os.walk(TREE):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            yield os.path.relpath(path, TREE).replace(os.sep, "/"), path


def test_every_file_matches_its_hash():
    files = {rel: path for rel, path in walk() if not os.path.islink(path)}
    assert set(files) == set(MANIFEST["tree"]["files"])
    for rel, path in files.items():
        assert sha256(path) == MANIFEST["tree"]["files"][rel], rel


def test_symlinks_are_relative_and_stay_inside_the_tree():
    links = {rel: path for rel, path in walk() if os.path.islink(path)}
    assert set(links) == set(MANIFEST["tree"]["symlinks"])
    assert len(links) == 4 * TOTALS["lineages"]
    tree_real = os.path.realpath(TREE)
    for rel, path in links.items():
        target = os.readlink(path)
        assert target == MANIFEST["tree"]["symlinks"][rel], rel
        assert not os.path.isabs(target), rel
        resolved = os.path.realpath(path)
        assert resolved.startswith(tree_real + os.sep), rel
        assert os.path.isfile(resolved) and not os.path.islink(resolved), rel
        assert os.path.relpath(resolved, tree_real).startswith("archive" + os.sep), rel


def test_git_stores_the_symlinks_as_symlinks():
    if not shutil.which("git") or not os.path.isdir(os.path.join(ROOT, ".git")) and not os.path.isfile(
        os.path.join(ROOT, ".git")
    ):
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "ls-files", "-s", "--", "tests/test_data/certbot/letsencrypt"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    if result.returncode != 0 or not result.stdout.strip():
        pytest.skip("the tree is not committed in this checkout")
    modes = {}
    for line in result.stdout.decode().splitlines():
        meta, path = line.split("\t", 1)
        modes[path[len("tests/test_data/certbot/letsencrypt/") :]] = meta.split()[0]
    assert {p for p, mode in modes.items() if mode == "120000"} == set(MANIFEST["tree"]["symlinks"])
    assert {p for p, mode in modes.items() if mode != "120000"} == set(MANIFEST["tree"]["files"])


def test_certbot_layout():
    assert sorted(os.listdir(TREE)) == ["accounts", "archive", "live", "renewal"]
    names = sorted(os.listdir(os.path.join(TREE, "archive")))
    assert names == sorted(SHAPE)
    assert sorted(os.listdir(os.path.join(TREE, "live"))) == sorted(names + ["README"])
    assert sorted(os.listdir(os.path.join(TREE, "renewal"))) == sorted(n + ".conf" for n in names)
    for name in names:
        assert sorted(os.listdir(os.path.join(TREE, "live", name))) == [
            "README",
            "cert.pem",
            "chain.pem",
            "fullchain.pem",
            "privkey.pem",
        ]


def test_accounts():
    accounts = MANIFEST["accounts"]
    assert sorted(a["label"] for a in accounts) == ["a-email", "a-noemail", "b-email"]
    server_dirs = sorted(os.listdir(os.path.join(TREE, "accounts")))
    assert len(server_dirs) == 2
    assert sorted(s["server_dir"] for s in MANIFEST["servers"]) == sorted(d + "/dir" for d in server_dirs)
    by_label = {a["label"]: a for a in accounts}
    assert by_label["a-email"]["server_dir"] == by_label["a-noemail"]["server_dir"] != by_label["b-email"]["server_dir"]
    for account in accounts:
        path = os.path.join(TREE, account["path"])
        assert sorted(os.listdir(path)) == ["meta.json", "private_key.json", "regr.json"]
        assert os.path.basename(path) == account["account_id"]
        with open(os.path.join(path, "regr.json")) as f:
            regr = json.load(f)
        # current certbot keeps only the account URL: no contact, whatever was registered
        assert regr == {"body": {}, "uri": account["account_url"]}
        assert account["account_url"].startswith(account["directory_url"].rsplit("/", 1)[0] + "/")
        with open(os.path.join(path, "private_key.json")) as f:
            jwk = json.load(f)
        assert jwk["kty"] == "RSA" and {"n", "e", "d", "p", "q", "dp", "dq", "qi"} <= set(jwk)
        assert account["key"]["type"] == "RSA"
    assert by_label["a-email"]["registered_with_email"] == "admin@example.test"
    assert by_label["a-noemail"]["registered_with_email"] is None
    assert {by_label["a-email"]["key"]["bits"], by_label["a-noemail"]["key"]["bits"]} == {2048, 3072}


def test_lineages_versions_keys_and_live_links():
    accounts = {a["account_id"]: a for a in MANIFEST["accounts"]}
    assert {lineage["name"] for lineage in MANIFEST["lineages"]} == set(SHAPE)
    for lineage in MANIFEST["lineages"]:
        name = lineage["name"]
        versions, (key_type, key_bits), account_label = SHAPE[name]
        archive = os.path.join(TREE, "archive", name)
        assert sorted(os.listdir(archive)) == sorted("%s%d.pem" % (k, n) for k in KINDS for n in range(1, versions + 1))
        assert lineage["versions_count"] == len(lineage["versions"]) == versions
        assert lineage["live_version"] == versions  # live/ points at the newest version
        for kind in KINDS:
            link = os.path.join(TREE, "live", name, kind + ".pem")
            assert os.readlink(link) == "../../archive/%s/%s%d.pem" % (name, kind, versions)
        assert accounts[lineage["renewal_account"]]["label"] == account_label
        assert lineage["renewal_server"] == accounts[lineage["renewal_account"]]["directory_url"]
        with open(os.path.join(TREE, lineage["renewal_conf"])) as f:
            conf = f.read()
        assert "account = %s\n" % lineage["renewal_account"] in conf
        for facts in lineage["versions"]:
            for kind in KINDS:
                assert sha256(os.path.join(TREE, facts["files"][kind]["path"])) == facts["files"][kind]["sha256"]
            with open(os.path.join(TREE, facts["files"]["cert"]["path"]), "rb") as f:
                leaf = x509.load_pem_x509_certificate(f.read())
            with open(os.path.join(TREE, facts["files"]["privkey"]["path"]), "rb") as f:
                key = serialization.load_pem_private_key(f.read(), password=None)
            assert spki_sha256(leaf.public_key()) == spki_sha256(key.public_key()) == facts["public_key_sha256"]
            sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            assert sorted(sans.get_values_for_type(x509.DNSName)) == facts["sans"] == lineage["domains"]
            assert (facts["key"]["type"], facts["key"]["bits"]) == (key_type, key_bits)
    by_name = {lineage["name"]: lineage for lineage in MANIFEST["lineages"]}
    assert len(by_name["multi.example.test"]["domains"]) == 4
    # --reuse-key: the custom-name versions share one key; multi.example.test got a new key each time
    assert len({v["public_key_sha256"] for v in by_name["custom-name"]["versions"]}) == 1
    assert len({v["public_key_sha256"] for v in by_name["multi.example.test"]["versions"]}) == 3


def test_totals():
    assert MANIFEST["totals"] == TOTALS
    versions = [v for lineage in MANIFEST["lineages"] for v in lineage["versions"]]
    # recount from the tree itself
    cert_files = [rel for rel, _path in walk() if rel.startswith("archive/") and rel.rsplit("/", 1)[1].startswith("cert")]
    assert len(cert_files) == len(versions) == TOTALS["certificates"]
    keys = set()
    for rel, path in walk():
        if rel.startswith("archive/") and rel.rsplit("/", 1)[1].startswith("privkey"):
            with open(path, "rb") as f:
                keys.add(spki_sha256(serialization.load_pem_private_key(f.read(), password=None).public_key()))
    assert len(keys) == TOTALS["distinct_private_keys"]
    chains = {sha256(os.path.join(TREE, v["files"]["chain"]["path"])) for v in versions}
    assert len(chains) == TOTALS["distinct_chains"]
    assert len({d for v in versions for d in v["sans"]}) == TOTALS["distinct_domains"]
    assert Counter(v["key"]["type"] for v in versions) == {"RSA": 3, "EC": 6}
    assert MANIFEST["certbot_version"] == "5.8.0"
