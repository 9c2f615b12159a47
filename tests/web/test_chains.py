"""Chains you prefer (issue 14, docs/Chains.md): the preferred-CA list and the chain it picks
everywhere a chain is served, every chain of a certificate by id (and config.zip),
/api/reconcile-cas against a loopback HTTP server, and the root store pages.

The second chain of a certificate is made here: intermediate A of the test data cross-signed
by a root of this module (same subject, same key, another issuer), as CAs do when they move to
a new root; the same leaf then verifies through either.
"""

import datetime
import http.server
import io
import threading
import zipfile

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import AuthorityInformationAccessOID
from cryptography.x509.oid import NameOID

from peter_sslers.lib import cert_utils
from peter_sslers.lib.db import actions_redis
from peter_sslers.lib.db import chains
from peter_sslers.lib.db import get
from peter_sslers.model import objects as m
from tests import data
from tests.conftest import count_rows
from tests.web.test_acme_accounts import acme_app  # noqa: F401  (fixture)
from tests.web.test_acme_accounts import acmeapp  # noqa: F401  (fixture)
from tests.web.test_certificate_signed import upload

ADMIN = "/.well-known/admin"
PREFERRED = ADMIN + "/certificate-cas/preferred"
NOW = datetime.datetime.now(datetime.timezone.utc)


# --- certificates made here


def _pem(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def make_ca(common_name=None, issuer=None, key=None, subject=None, aia=None):
    """A CA certificate: self-signed, or signed by ``issuer`` = (certificate, key). ``subject`` and
    ``key`` default to a new name and a new EC P-256 key; ``aia`` is a caIssuers URI."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = subject or x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Peter SSLers Chains Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if aia:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256()), key


def fingerprint(pem: str) -> str:
    return cert_utils.parse_cert(pem)["fingerprint_sha1"]


@pytest.fixture(scope="module")
def cross():
    """intermediate A cross-signed by an alternate root: ``{"alt_root", "a_cross", "a", "root"}`` PEMs."""
    a = x509.load_pem_x509_certificate(data.read("intermediate_a.cert.pem").encode())
    a_key = serialization.load_pem_private_key(data.read("intermediate_a.key.pem").encode(), None)
    alt_root, alt_key = make_ca("Alternate Root")
    a_cross, _ = make_ca(issuer=(alt_root, alt_key), key=a_key, subject=a.subject)
    return {
        "alt_root": _pem(alt_root),
        "a_cross": _pem(a_cross),
        "a": data.read("intermediate_a.cert.pem"),
        "root": data.read("root_ca.cert.pem"),
    }


def upload_ca(testapp, pem) -> str:
    res = testapp.post(ADMIN + "/certificate-ca/upload-cert.json", upload_files=[("cert_file", "ca.pem", pem.encode())])
    return res.json["CertificateCA"]["id"]


def two_chains(testapp, cross, root_first=True):
    """leaf_rsa_single with its own chain (A, the upstream default) and the cross-signed one
    (A', alternate root). Returns (certificate id, default chain id, alternate chain id)."""
    if root_first:  # stored before A: chain A's last CA gets linked to it (A was signed by it)
        upload_ca(testapp, cross["root"])
    first = upload(testapp, "leaf_rsa_single").json
    second = upload(testapp, "leaf_rsa_single", chain_file=(cross["a_cross"] + cross["alt_root"]).encode()).json
    assert second["is_created"] is False and second["CertificateCAChain"]["created"] is True
    return first["CertificateSigned"]["id"], first["CertificateCAChain"]["id"], second["CertificateCAChain"]["id"]


def isrg(testapp) -> dict:
    """The seeded roots: display name -> CertificateCA JSON."""
    cas = testapp.get(ADMIN + "/certificate-cas.json").json["CertificateCAs"].values()
    return {ca["display_name"]: ca for ca in cas if ca["display_name"].startswith("ISRG")}


def add(testapp, fp, status=200):
    return testapp.post(PREFERRED + "/add.json", {"fingerprint_sha1": fp}, status=status).json


def served_chain(testapp, cert_id) -> str:
    return testapp.get(ADMIN + "/certificate-signed/%s/chain.pem" % cert_id).text


# --- the preferred-CA list


def test_preferred_list_starts_empty_and_documents_its_actions(testapp):
    res = testapp.get(PREFERRED + ".json", status=200).json
    assert res["PreferenceOrder"] == {} and res["CertificateCAs"] == {} and res["max_slots"] == 10
    assert "Preferred CAs" in testapp.get(PREFERRED, status=200).text
    for action, fields in (("add", {"fingerprint_sha1"}), ("delete", {"fingerprint_sha1", "slot"}),
                           ("prioritize", {"fingerprint_sha1", "slot", "priority"})):
        doc = testapp.get(PREFERRED + "/%s.json" % action, status=200).json
        assert doc["method"] == "POST" and set(doc["form_fields"]) == fields, doc
        assert "HTTP POST required" in doc["instructions"]
        # a GET of the HTML twin shows the page with its forms and changes nothing
        assert "Add a CA" in testapp.get(PREFERRED + "/" + action, status=200).text
    assert testapp.get(PREFERRED + "/prioritize.json").json["valid_options"] == {"priority": ["increase", "decrease"]}


def test_add_prioritize_delete(testapp, db):
    x1, x2 = isrg(testapp)["ISRG Root X1"], isrg(testapp)["ISRG Root X2"]
    # the full fingerprint, then the first 8 digits (lower case, with colons: normalised)
    res = add(testapp, x1["fingerprint_sha1"])
    assert res["result"] == "success" and res["operation"] == "add"
    prefix = x2["fingerprint_sha1"][:8].lower()
    res = add(testapp, prefix[:2] + ":" + prefix[2:])
    assert res["PreferenceOrder"] == {"1": x1["id"], "2": x2["id"]}
    assert res["CertificateCAs"][x2["id"]]["fingerprint_sha1"] == x2["fingerprint_sha1"]
    assert testapp.get(ADMIN + "/certificate-ca/%s.json" % x2["id"]).json["preference_slot"] == 2
    # prioritize: X2 up to slot 1
    res = testapp.post(PREFERRED + "/prioritize.json",
                       {"fingerprint_sha1": x2["fingerprint_sha1"], "slot": "2", "priority": "increase"}).json
    assert res["PreferenceOrder"] == {"1": x2["id"], "2": x1["id"]}
    res = testapp.post(PREFERRED + "/prioritize.json",
                       {"fingerprint_sha1": x2["fingerprint_sha1"], "slot": "1", "priority": "decrease"}).json
    assert res["PreferenceOrder"] == {"1": x1["id"], "2": x2["id"]}
    # delete slot 1: X2 moves up to slot 1
    res = testapp.post(PREFERRED + "/delete.json", {"fingerprint_sha1": x1["fingerprint_sha1"], "slot": "1"}).json
    assert res["PreferenceOrder"] == {"1": x2["id"]}
    assert [p["slot"] for p in res["CertificateCAPreferences"]] == [1]
    # HTML: a redirect to the list, which shows it
    res = testapp.post(PREFERRED + "/add", {"fingerprint_sha1": x1["fingerprint_sha1"]}, status=303)
    assert "/certificate-cas/preferred?result=success&operation=add" in res.location
    assert x1["fingerprint_sha1"] in res.follow().text
    assert count_rows(db, m.CertificateCAPreference) == 2


@pytest.mark.parametrize(
    "path, fields, field",
    [
        ("add", {}, "fingerprint_sha1"),
        ("add", {"fingerprint_sha1": "xyz"}, "fingerprint_sha1"),
        ("add", {"fingerprint_sha1": "ABCDEF0"}, "fingerprint_sha1"),  # 7 digits
        ("add", {"fingerprint_sha1": "00000000"}, "fingerprint_sha1"),  # no such CA
        ("add", {"fingerprint_sha1": "0" * 40}, "fingerprint_sha1"),
        ("add", {"fingerprint_sha1": "F" * 60}, "fingerprint_sha1"),  # longer than any fingerprint
        ("delete", {"fingerprint_sha1": "{x1}"}, "slot"),
        ("delete", {"fingerprint_sha1": "{x1}", "slot": "2"}, "slot"),  # no slot 2
        ("delete", {"fingerprint_sha1": "{x2}", "slot": "1"}, "slot"),  # slot 1 holds X1: a stale page
        ("delete", {"fingerprint_sha1": "{x1}", "slot": "one"}, "slot"),
        ("prioritize", {"fingerprint_sha1": "{x1}", "slot": "1", "priority": "up"}, "priority"),
        ("prioritize", {"fingerprint_sha1": "{x1}", "slot": "1", "priority": "increase"}, "priority"),  # first
        ("prioritize", {"fingerprint_sha1": "{x1}", "slot": "1", "priority": "decrease"}, "priority"),  # last
        ("prioritize", {"fingerprint_sha1": "{x1}", "slot": "1"}, "priority"),
    ],
)
def test_bad_edits_change_nothing(testapp, db, path, fields, field):
    x1, x2 = (isrg(testapp)[name]["fingerprint_sha1"] for name in ("ISRG Root X1", "ISRG Root X2"))
    add(testapp, x1)
    fields = {k: v.format(x1=x1, x2=x2) for k, v in fields.items()}
    before = testapp.get(PREFERRED + ".json").json
    res = testapp.post(PREFERRED + "/%s.json" % path, fields, status=400).json
    assert res["result"] == "error" and field in res["form_errors"], res
    assert testapp.get(PREFERRED + ".json").json == before
    # HTML: the page again, HTTP 400, saying what is wrong
    page = testapp.post(PREFERRED + "/" + path, fields, status=400)
    assert "Nothing was changed" in page.text and field in page.text
    assert testapp.get(PREFERRED + ".json").json == before


def test_duplicates_and_a_full_list_are_refused(testapp, db):
    x1 = isrg(testapp)["ISRG Root X1"]["fingerprint_sha1"]
    add(testapp, x1)
    res = add(testapp, x1[:8], status=400)
    assert "already" in res["form_errors"]["fingerprint_sha1"]
    for i in range(9):
        ca, _key = make_ca("Filler %d" % i)
        upload_ca(testapp, _pem(ca))
        add(testapp, fingerprint(_pem(ca)))
    assert len(testapp.get(PREFERRED + ".json").json["PreferenceOrder"]) == 10
    ca, _key = make_ca("One too many")
    upload_ca(testapp, _pem(ca))
    res = add(testapp, fingerprint(_pem(ca)), status=400)
    assert "10" in res["error"]
    assert count_rows(db, m.CertificateCAPreference) == 10


def test_an_ambiguous_prefix_is_refused(testapp, dbsession):
    # two stored CAs whose fingerprints share their first 8 digits (rare: made so by hand)
    for i, name in enumerate(("Twin 1", "Twin 2")):
        ca, _key = make_ca(name)
        ca_id = upload_ca(testapp, _pem(ca))
        dbsession.execute(
            sa.update(m.CertificateCA).where(m.CertificateCA.id == int(ca_id)).values(fingerprint_sha1="ABCDEF01" + "%032d" % i)
        )
        dbsession.commit()  # holds no lock while the app writes
    res = add(testapp, "abcdef01", status=400)
    assert "Several" in res["form_errors"]["fingerprint_sha1"]
    assert add(testapp, "ABCDEF01" + "%032d" % 1)["result"] == "success"  # all 40 digits name one


# --- the preferred list picks the chain served everywhere


def test_the_list_picks_the_chain_everywhere(testapp, ctx, cross):
    cert_id, chain_a, chain_cross = two_chains(testapp, cross)
    focus = testapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json
    assert focus["CertificateSigned"]["certificate_ca_chain_ids"] == [chain_a, chain_cross]
    assert focus["certificate_ca_chain_id__preferred"] == chain_a  # no preference: the first (upstream default)
    assert served_chain(testapp, cert_id) == cross["a"]

    def everywhere(chain_id, pems):
        text = "".join(pems)
        assert served_chain(testapp, cert_id) == text
        assert testapp.get(ADMIN + "/certificate-signed/%s/chain.pem.txt" % cert_id).text == text
        der = testapp.get(ADMIN + "/certificate-signed/%s/chain.der" % cert_id).body
        assert der == b"".join(cert_utils.convert_pem_to_der(p) for p in pems)
        leaf = data.read("leaf_rsa_single.cert.pem")
        assert testapp.get(ADMIN + "/certificate-signed/%s/fullchain.pem" % cert_id).text == leaf + text
        config = testapp.get(ADMIN + "/certificate-signed/%s/config.json" % cert_id).json
        assert config["chain"] == {"id": chain_id, "pem": text}
        assert config["fullchain"]["id"] == "%s,%s" % (cert_id, chain_id)
        domain = testapp.get(ADMIN + "/domain/example.com/config.json").json
        assert domain["certificate_signed__latest_single"]["chain"]["id"] == chain_id
        archive = zipfile.ZipFile(io.BytesIO(testapp.get(ADMIN + "/certificate-signed/%s/config.zip" % cert_id).body))
        assert archive.read("chain%s.pem" % cert_id).decode() == text
        # what Redis is primed with (style 1 and 2 read the same value)
        ctx.dbsession.rollback()  # a new transaction: what the app committed
        if hasattr(ctx, chains.CACHE_ATTRIBUTE):
            delattr(ctx, chains.CACHE_ATTRIBUTE)
        dbDomain = get.get__Domain__for_config(ctx, "example.com")
        item = actions_redis.domain_certificate(dbDomain, chains.chain_preference(ctx), ctx.timestamp)
        assert (item.chain_id, item.chain_pem) == (chain_id, text)
        ctx.dbsession.rollback()  # hold no lock while the app writes
        assert testapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json["certificate_ca_chain_id__preferred"] == chain_id

    # the alternate root (in the cross chain) picks the cross chain
    add(testapp, fingerprint(cross["alt_root"]))
    everywhere(chain_cross, [cross["a_cross"], cross["alt_root"]])
    # the test root is in neither chain, but it issued A (the last CA of chain A): slot 2 does not
    # win over slot 1 ...
    add(testapp, fingerprint(cross["root"]))
    everywhere(chain_cross, [cross["a_cross"], cross["alt_root"]])
    # ... until it moves up
    testapp.post(PREFERRED + "/prioritize.json",
                 {"fingerprint_sha1": fingerprint(cross["root"]), "slot": "2", "priority": "increase"}, status=200)
    everywhere(chain_a, [cross["a"]])
    # an intermediate in a chain picks it too
    testapp.post(PREFERRED + "/delete.json", {"fingerprint_sha1": fingerprint(cross["root"]), "slot": "1"}, status=200)
    testapp.post(PREFERRED + "/delete.json", {"fingerprint_sha1": fingerprint(cross["alt_root"]), "slot": "1"}, status=200)
    add(testapp, fingerprint(cross["a_cross"]))
    everywhere(chain_cross, [cross["a_cross"], cross["alt_root"]])
    # a preferred CA in none of its chains: the upstream default
    testapp.post(PREFERRED + "/delete.json", {"fingerprint_sha1": fingerprint(cross["a_cross"]), "slot": "1"}, status=200)
    add(testapp, isrg(testapp)["ISRG Root X1"]["fingerprint_sha1"])
    everywhere(chain_a, [cross["a"]])


def test_the_list_costs_one_query_and_only_with_several_chains(testapp, cross, count_queries):
    upload_ca(testapp, cross["root"])
    add(testapp, fingerprint(cross["root"]))
    upload(testapp, "leaf_by_b")  # one chain
    with count_queries() as counter:
        testapp.get(ADMIN + "/domain/b-issued.example.com/config.json", status=200)
    one_chain = len(counter.statements)
    assert not any("certificate_ca_preference" in statement for statement in counter.statements)
    two_chains(testapp, cross, root_first=False)
    with count_queries() as counter:
        testapp.get(ADMIN + "/domain/example.com/config.json", status=200)
    assert len(counter.statements) == one_chain + 1, counter.statements


def test_a_root_stored_after_the_chain_is_not_linked(testapp, cross):
    """Links come from a verified chain or reconcile-cas: a root uploaded later is not a match."""
    cert_id, chain_a, chain_cross = two_chains(testapp, cross, root_first=False)
    upload_ca(testapp, cross["root"])
    a_id = testapp.get(ADMIN + "/certificate-ca-chain/%s.json" % chain_a).json["CertificateCAChain"]["certificate_ca_0_id"]
    assert testapp.get(ADMIN + "/certificate-ca/%s.json" % a_id).json["CertificateCA"]["cert_issuer__certificate_ca_id"] is None
    add(testapp, fingerprint(cross["alt_root"]))
    add(testapp, fingerprint(cross["root"]))
    testapp.post(PREFERRED + "/prioritize.json",
                 {"fingerprint_sha1": fingerprint(cross["root"]), "slot": "2", "priority": "increase"}, status=200)
    assert served_chain(testapp, cert_id) == cross["a_cross"] + cross["alt_root"]


# --- every chain of a certificate


def test_every_chain_downloads_in_every_format(testapp, cross):
    cert_id, chain_a, chain_cross = two_chains(testapp, cross)
    leaf = data.read("leaf_rsa_single.cert.pem")
    key = data.read("leaf_rsa_single.key.pem")
    for chain_id, pems in ((chain_a, [cross["a"]]), (chain_cross, [cross["a_cross"], cross["alt_root"]])):
        base = ADMIN + "/certificate-signed/%s/via-certificate-ca-chain/%s" % (cert_id, chain_id)
        text = "".join(pems)
        res = testapp.get(base + "/chain.pem")
        assert res.text == text and res.content_type == "application/x-pem-file"
        assert testapp.get(base + "/chain.pem.txt").content_type == "text/plain"
        der = b"".join(cert_utils.convert_pem_to_der(p) for p in pems)
        for fmt in ("cer", "crt", "der"):
            assert testapp.get(base + "/chain." + fmt).body == der
        assert testapp.get(base + "/fullchain.pem").text == leaf + text
        assert testapp.get(base + "/fullchain.pem.txt").text == leaf + text
        config = testapp.get(base + "/config.json").json
        assert config["chain"] == {"id": chain_id, "pem": text}
        assert config["fullchain"] == {"id": "%s,%s" % (cert_id, chain_id), "pem": leaf + text}
        assert config["certificate"]["pem"] == leaf and config["private_key"]["pem"] == key
        assert "pem" not in testapp.get(base + "/config.json?idonly=1").json["chain"]
        res = testapp.get(base + "/config.zip")
        assert res.content_type == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(res.body))
        assert sorted(archive.namelist()) == sorted(
            "%s%s.pem" % (name, cert_id) for name in ("cert", "chain", "fullchain", "privkey")
        )
        assert archive.read("chain%s.pem" % cert_id).decode() == text
        assert archive.read("fullchain%s.pem" % cert_id).decode() == leaf + text
        assert archive.read("privkey%s.pem" % cert_id).decode() == key
    # the certificate's page links every chain's files
    page = testapp.get(ADMIN + "/certificate-signed/%s" % cert_id).text
    assert "/via-certificate-ca-chain/%s/fullchain.pem" % chain_cross in page and "config.zip" in page


def test_via_chain_not_found(testapp, cross):
    cert_id, chain_a, chain_cross = two_chains(testapp, cross)
    other = upload(testapp, "leaf_by_b").json
    other_chain = other["CertificateCAChain"]["id"]
    for path in (
        "/certificate-signed/%s/via-certificate-ca-chain/%s/chain.pem" % (cert_id, other_chain),  # not its chain
        "/certificate-signed/%s/via-certificate-ca-chain/999/fullchain.pem" % cert_id,
        "/certificate-signed/999/via-certificate-ca-chain/%s/chain.pem" % chain_a,
        "/certificate-signed/%s/via-certificate-ca-chain/%s/config.zip" % (cert_id, other_chain),
        "/certificate-signed/%s/via-certificate-ca-chain/99999999999999/chain.pem" % cert_id,
        "/certificate-signed/%s/via-certificate-ca-chain/%s/fullchain.der" % (cert_id, chain_a),  # no such format
        "/certificate-signed/%s/via-certificate-ca-chain/x/chain.pem" % cert_id,
    ):
        testapp.get(ADMIN + path, status=404)
    res = testapp.get(ADMIN + "/certificate-signed/%s/via-certificate-ca-chain/%s/config.json" % (cert_id, other_chain),
                      status=404)
    assert res.json["result"] == "error" and "not a chain of the certificate" in res.json["message"]
    testapp.get(ADMIN + "/certificate-signed/999/config.zip", status=404)


# --- reconcile-cas, against a loopback HTTP server


class IssuerServer:
    """Serves ``paths`` (path -> (status, body)) on 127.0.0.1; ``hits`` lists what was asked."""

    def __init__(self):
        self.paths = {}
        self.hits = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits.append(self.path)
                status, body = server.paths.get(self.path, (404, b"not here"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="issuer-server", daemon=True)
        self._thread.start()

    def url(self, path) -> str:
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def issuer_server():
    server = IssuerServer()
    yield server
    server.close()


def reconcile(testapp, status=200):
    return testapp.post(ADMIN + "/api/reconcile-cas.json", status=status).json


def hierarchy(issuer_server, path="/root.der"):
    """root -> intermediate (AIA: the server's ``path``) -> sub (AIA: the server's /intermediate)."""
    root, root_key = make_ca("Reconcile Root")
    intermediate, intermediate_key = make_ca("Reconcile Intermediate", issuer=(root, root_key), aia=issuer_server.url(path))
    sub, _ = make_ca("Reconcile Sub", issuer=(intermediate, intermediate_key), aia=issuer_server.url("/intermediate"))
    return root, intermediate, sub


def ca_json(testapp, ca_id) -> dict:
    return testapp.get(ADMIN + "/certificate-ca/%s.json" % ca_id).json


@pytest.mark.parametrize("form", ["der", "pem", "pkcs7-der", "pkcs7-pem"])
def test_reconcile_fetches_links_and_follows_up(testapp, db, issuer_server, form):
    root, intermediate, sub = hierarchy(issuer_server)
    body = {
        "der": root.public_bytes(serialization.Encoding.DER),
        "pem": root.public_bytes(serialization.Encoding.PEM),
        "pkcs7-der": pkcs7.serialize_certificates([root], serialization.Encoding.DER),
        "pkcs7-pem": pkcs7.serialize_certificates([root], serialization.Encoding.PEM),
    }[form]
    issuer_server.paths["/root.der"] = (200, body)
    issuer_server.paths["/intermediate"] = (200, intermediate.public_bytes(serialization.Encoding.DER))
    sub_id = upload_ca(testapp, _pem(sub))
    res = reconcile(testapp)
    assert res["result"] == "success", res
    # the sub's issuer (the intermediate), then the intermediate's (the root), in one run
    assert (res["count_success"], res["count_fail"], res["count_remaining"]) == (2, 0, 0), res
    assert issuer_server.hits == ["/intermediate", "/root.der"]
    sub_ca = ca_json(testapp, sub_id)
    intermediate_id = sub_ca["CertificateCA"]["cert_issuer__certificate_ca_id"]
    assert sub_ca["CertificateCA"]["cert_issuer__reconciled"] is True
    assert sub_ca["CertificateCAReconciliations"][0]["result"] is True
    intermediate_ca = ca_json(testapp, intermediate_id)["CertificateCA"]
    assert intermediate_ca["fingerprint_sha1"] == fingerprint(_pem(intermediate))
    root_ca = ca_json(testapp, intermediate_ca["cert_issuer__certificate_ca_id"])["CertificateCA"]
    assert root_ca["fingerprint_sha1"] == fingerprint(_pem(root))
    assert count_rows(db, m.CertificateCAReconciliation) == 2
    # nothing left to do: the next run fetches nothing
    res = reconcile(testapp)
    assert (res["count_success"], res["count_fail"], res["CertificateCAReconciliations"]) == (0, 0, [])
    assert len(issuer_server.hits) == 2
    # the operations log has both runs
    log = testapp.get(ADMIN + "/operations/log.json?event_type=operations__reconcile_cas").json
    assert log["pagination"]["total_items"] == 2


@pytest.mark.parametrize(
    "answer, message",
    [
        ((404, b"gone"), "HTTP 404"),
        ((200, b"not a certificate"), "neither"),
        ("wrong", "signed"),
    ],
)
def test_reconcile_failures_are_recorded_and_retried(testapp, db, issuer_server, answer, message):
    root, intermediate, _sub = hierarchy(issuer_server)
    if answer == "wrong":
        other, _ = make_ca("Not The Issuer")
        answer = (200, other.public_bytes(serialization.Encoding.DER))
    issuer_server.paths["/root.der"] = answer
    intermediate_id = upload_ca(testapp, _pem(intermediate))
    cas_before = count_rows(db, m.CertificateCA)
    res = reconcile(testapp)
    assert (res["count_success"], res["count_fail"]) == (0, 1), res
    attempt = res["CertificateCAReconciliations"][0]
    assert attempt["result"] is False and message in attempt["error"], attempt
    assert attempt["certificate_ca_id"] == intermediate_id
    assert count_rows(db, m.CertificateCA) == cas_before  # nothing stored
    assert ca_json(testapp, intermediate_id)["CertificateCA"]["cert_issuer__reconciled"] is False
    # fixed upstream: the next run succeeds
    issuer_server.paths["/root.der"] = (200, root.public_bytes(serialization.Encoding.DER))
    res = reconcile(testapp)
    assert (res["count_success"], res["count_fail"]) == (1, 0), res
    assert ca_json(testapp, intermediate_id)["CertificateCA"]["cert_issuer__reconciled"] is True


def test_reconcile_refuses_other_schemes(testapp, db):
    root, root_key = make_ca("Scheme Root")
    intermediate, _ = make_ca("Scheme Intermediate", issuer=(root, root_key), aia="ftp://127.0.0.1/root.der")
    upload_ca(testapp, _pem(intermediate))
    res = reconcile(testapp)
    assert res["count_fail"] == 1 and "http" in res["CertificateCAReconciliations"][0]["error"]


def test_reconcile_is_post_only(testapp, db, issuer_server):
    _root, intermediate, _sub = hierarchy(issuer_server)
    upload_ca(testapp, _pem(intermediate))
    doc = testapp.get(ADMIN + "/api/reconcile-cas.json", status=200).json
    assert doc["method"] == "POST" and "caIssuers" in doc["about"]
    assert "Run now" in testapp.get(ADMIN + "/api/reconcile-cas", status=200).text
    assert issuer_server.hits == [] and count_rows(db, m.CertificateCAReconciliation) == 0
    page = testapp.post(ADMIN + "/api/reconcile-cas", status=200).text
    assert "count_fail" in page


# --- root stores


def test_root_store_pages(testapp):
    stores = testapp.get(ADMIN + "/root-stores.json", status=200).json["RootStores"]
    assert len(stores) == 1
    (store,) = stores.values()
    assert store["name"] == "Debian ca-certificates (Mozilla CA bundle)"
    (version,) = store["root_store_versions"]
    assert version["version_string"] == "20230311+deb12u1"
    focus = testapp.get(ADMIN + "/root-store/%s.json" % store["id"]).json["RootStore"]
    assert focus["source"].startswith("Debian package ca-certificates")
    trusted = testapp.get(ADMIN + "/root-store-version/%s.json" % version["id"]).json["RootStoreVersion"]
    assert [ca["display_name"] for ca in trusted["certificate_cas"]] == ["ISRG Root X1", "ISRG Root X2"]
    # the CA's page names the store versions that trust it
    ca = testapp.get(ADMIN + "/certificate-ca/%s.json" % trusted["certificate_cas"][0]["id"]).json
    assert [v["version_string"] for v in ca["RootStoreVersions"]] == ["20230311+deb12u1"]
    assert "20230311+deb12u1" in testapp.get(ADMIN + "/root-stores", status=200).text
    assert "20230311+deb12u1" in testapp.get(ADMIN + "/root-store/%s" % store["id"], status=200).text
    for path in ("/root-store-version/%s" % version["id"], "/certificate-ca/%s" % trusted["certificate_cas"][0]["id"]):
        page = testapp.get(ADMIN + path, status=200).text
        assert "ISRG Root X1" in page and "Debian ca-certificates" in page
    for path in ("/root-store/999", "/root-store-version/999", "/root-store/99999999999"):
        testapp.get(ADMIN + path, status=404)
        assert testapp.get(ADMIN + path + ".json", status=404).json["result"] == "error"


# --- the ACME server's alternate chains (pebble: PEBBLE_ALTERNATE_ROOTS=1 in the shared server)


def test_acme_alternate_chains_are_stored_downloadable_and_preferred(acmeapp, pebble_always_valid):
    from tests.web.test_acme_accounts import new_account

    roots = pebble_always_valid.roots()
    assert len(roots) == 2
    for root in roots:  # stored before the order: each chain's last CA gets linked to its root
        upload_ca(acmeapp, root)
    new_account(acmeapp)
    res = acmeapp.post(ADMIN + "/acme-order/new/freeform.json", {"domain_names_http01": "chains.example.com"})
    assert res.json["result"] == "success", res.json
    cert_id = res.json["AcmeOrder"]["certificate_signed_id"]
    focus = acmeapp.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json
    links = focus["CertificateSignedChains"]
    assert len(links) == 2
    (default,) = [link["certificate_ca_chain_id"] for link in links if link["is_upstream_default"]]
    (alternate,) = [link["certificate_ca_chain_id"] for link in links if not link["is_upstream_default"]]
    assert focus["certificate_ca_chain_id__preferred"] == default
    cert_pem = acmeapp.get(ADMIN + "/certificate-signed/%s/cert.pem" % cert_id).text

    def chain_of(chain_id):
        return acmeapp.get(ADMIN + "/certificate-signed/%s/via-certificate-ca-chain/%s/chain.pem" % (cert_id, chain_id)).text

    def root_of(chain_pem):
        """The index of the pebble root the chain verifies to."""
        found = []
        for index, root in enumerate(roots):
            try:
                cert_utils.ensure_chain(cert_pem, cert_utils.split_pem_chain(chain_pem), root_pem=root)
                found.append(index)
            except Exception:
                pass
        assert len(found) == 1, found
        return found[0]

    assert acmeapp.get(ADMIN + "/certificate-signed/%s/chain.pem" % cert_id).text == chain_of(default)
    alternate_root = root_of(chain_of(alternate))
    assert alternate_root != root_of(chain_of(default))
    # prefer the alternate chain's root: it is served everywhere
    add(acmeapp, fingerprint(roots[alternate_root]))
    assert acmeapp.get(ADMIN + "/certificate-signed/%s/chain.pem" % cert_id).text == chain_of(alternate)
    config = acmeapp.get(ADMIN + "/domain/chains.example.com/config.json").json
    assert config["certificate_signed__latest_single"]["chain"]["id"] == alternate
    # and the default root back on top
    add(acmeapp, fingerprint(roots[1 - alternate_root]))
    acmeapp.post(PREFERRED + "/prioritize.json",
                 {"fingerprint_sha1": fingerprint(roots[1 - alternate_root]), "slot": "2", "priority": "increase"})
    assert acmeapp.get(ADMIN + "/certificate-signed/%s/config.json" % cert_id).json["chain"]["id"] == default
