"""tools/tasks.py: the invoke tasks, run as invoke runs them (a subprocess), against the real app
served over HTTP on a loopback port, importing the tree real certbot made against pebble."""

import os
import shutil
import subprocess
import sys

import pytest
from webtest.http import StopableWSGIServer

from tests.certbot_trees import REAL_TREE
from tests.certbot_trees import check_database_against_manifest
from tests.certbot_trees import copy_real_tree
from tests.certbot_trees import manifest
from tests.certbot_trees import summary
from tests.certbot_trees import table_counts
from tests.conftest import ROOT
from tests.pebble import free_port

INVOKE = os.path.join(os.path.dirname(sys.executable), "invoke")
TOTALS = manifest()["totals"]
ENV = "PETER_SSLERS_SERVER_ROOT"


@pytest.fixture
def server(app, db):
    """The app on a free loopback port; its admin root."""
    wsgi = StopableWSGIServer.create(app, host="127.0.0.1")
    try:
        yield wsgi.application_url.rstrip("/") + "/.well-known/admin"
    finally:
        wsgi.shutdown()


def invoke(*args, root=None, cwd=ROOT, env_root=None, tools_flag=True):
    """``invoke [-r tools] TASK ARGS... [--server-url-root=ROOT]``: (exit status, stdout lines, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != ENV}
    if env_root is not None:
        env[ENV] = env_root
    command = [INVOKE] + (["-r", "tools"] if tools_flag else []) + list(args)
    if root is not None:
        command.append("--server-url-root=%s" % root)
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout.splitlines(), result.stderr


def counts(created=0, existing=0, failed=0):
    return "%s created, %s already there, %s failed" % (created, existing, failed)


def test_the_whole_tree_twice(server, db):
    """accounts-all and certs-archive import everything; a second run finds it all already there."""
    seeded = table_counts(db)
    status, lines, err = invoke("import-certbot-accounts-all", "--accounts-path-all=%s/accounts" % REAL_TREE, root=server)
    assert status == 0, (lines, err)
    assert summary(lines) == {"accounts": counts(TOTALS["accounts"]), "certificates": counts()}
    assert len([line for line in lines if line.startswith("  note: added the ACME server")]) == len(manifest()["servers"])
    # the specification's command line, as written (from the repository root: its tasks.py loads tools/)
    status, lines, err = invoke(
        "import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=server, tools_flag=False
    )
    assert status == 0, (lines, err)
    assert summary(lines) == {"accounts": counts(), "certificates": counts(TOTALS["certificates"])}
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == TOTALS["certificates"]
    assert all(line.split(": ", 1)[1].startswith("created (CertificateSigned ") for line in progress)
    check_database_against_manifest(db, seeded)

    imported = table_counts(db)
    status, lines, _ = invoke("import-certbot-accounts-all", "--accounts-path-all=%s/accounts" % REAL_TREE, root=server)
    assert status == 0 and summary(lines)["accounts"] == counts(existing=TOTALS["accounts"])
    # the server root from the environment; invoke run from tools/
    status, lines, _ = invoke(
        "import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, env_root=server,
        cwd=os.path.join(ROOT, "tools"), tools_flag=False,
    )  # fmt: skip
    assert status == 0 and summary(lines)["certificates"] == counts(existing=TOTALS["certificates"])
    assert table_counts(db) == imported


def test_the_other_tasks(server, db):
    """live, one version, one plain directory, one account, one server's accounts."""
    seeded = table_counts(db)
    lineages = sorted(manifest()["lineages"], key=lambda l: l["name"])
    status, lines, err = invoke("import-certbot-certs-live", "--live-path=%s/live" % REAL_TREE, root=server)
    assert status == 0, (lines, err)
    assert summary(lines)["certificates"] == counts(len(lineages))

    # a version the live directory did not have
    older = [(l, v) for l in lineages for v in l["versions"] if v["version"] != l["live_version"]][0]
    status, lines, err = invoke(
        "import-certbot-cert-version", "--domain-certs-path=%s/archive/%s" % (REAL_TREE, older[0]["name"]),
        "--certificate-version=%s" % older[1]["version"], root=server,
    )  # fmt: skip
    assert status == 0, (lines, err)
    assert summary(lines)["certificates"] == counts(1)
    assert any(line.startswith("[1/1] archive/%s version %s: created" % (older[0]["name"], older[1]["version"])) for line in lines)

    # a live directory again, as a plain one: already there
    status, lines, _ = invoke("import-certbot-cert-plain", "--cert-path=%s/live/%s" % (REAL_TREE, lineages[0]["name"]), root=server)
    assert status == 0 and summary(lines)["certificates"] == counts(existing=1)

    # one account, then its server's accounts
    account = sorted(manifest()["accounts"], key=lambda a: a["path"])[0]
    status, lines, _ = invoke("import-certbot-account", "--account-path=%s/%s" % (REAL_TREE, account["path"]), root=server)
    assert status == 0 and summary(lines)["accounts"] == counts(1)
    same_server = [a for a in manifest()["accounts"] if a["server_dir"] == account["server_dir"]]
    host = account["server_dir"].split("/")[0]
    status, lines, _ = invoke("import-certbot-accounts-server", "--accounts-path-server=%s/accounts/%s" % (REAL_TREE, host), root=server)
    assert status == 0 and summary(lines)["accounts"] == counts(len(same_server) - 1, 1)

    # the rest: everything is then there
    invoke("import-certbot-accounts-all", "--accounts-path-all=%s/accounts" % REAL_TREE, root=server)
    status, lines, _ = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=server)
    assert status == 0
    assert summary(lines)["certificates"] == counts(TOTALS["certificates"] - len(lineages) - 1, len(lineages) + 1)
    check_database_against_manifest(db, seeded)


def test_a_damaged_tree(server, db, tmp_path):
    root = copy_real_tree(tmp_path)
    lineages = {l["name"]: l for l in manifest()["lineages"]}
    names = sorted(lineages)
    os.unlink(os.path.join(root, "archive", names[0], "cert1.pem"))
    swap_from = [
        (n, v["version"]) for n in names for v in lineages[n]["versions"]
        if v["public_key_sha256"] != lineages[names[1]]["versions"][0]["public_key_sha256"]
    ][0]  # fmt: skip
    shutil.copyfile(
        os.path.join(root, "archive", swap_from[0], "privkey%s.pem" % swap_from[1]),
        os.path.join(root, "archive", names[1], "privkey1.pem"),
    )
    with open(os.path.join(root, "archive", names[2], "chain1.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    seeded = table_counts(db)
    status, lines, err = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % root, root=server)
    assert status == 1, (lines, err)
    assert summary(lines)["certificates"] == counts(TOTALS["certificates"] - 3, 0, 3)
    failed = [line for line in lines if line.startswith("  FAILED ")]
    assert failed[0] == "  FAILED archive/%s version 1: missing cert1.pem" % names[0]
    assert failed[1] == "  FAILED archive/%s version 1: privkey1.pem: This private key does not belong to the certificate." % names[1]
    assert failed[2].startswith("  FAILED archive/%s version 1: chain1.pem: " % names[2])
    assert table_counts(db)["certificate_signed"] == seeded["certificate_signed"] + TOTALS["certificates"] - 3

    # an account the server refuses: a key that is not a JWK
    account = sorted(manifest()["accounts"], key=lambda a: a["path"])[0]
    with open(os.path.join(root, account["path"], "private_key.json"), "w") as f:
        f.write('{"kty": "oct", "k": "AAAA"}')
    status, lines, _ = invoke("import-certbot-accounts-all", "--accounts-path-all=%s/accounts" % root, root=server)
    assert status == 1
    assert summary(lines)["accounts"] == counts(TOTALS["accounts"] - 1, 0, 1)
    (failed,) = [line for line in lines if line.startswith("  FAILED ")]
    assert failed.startswith("  FAILED account %s/%s: private_key.json: Unsupported JWK key type 'oct'" % (
        account["server_dir"], account["account_id"]))  # fmt: skip


def test_bad_server_roots_and_paths(server, db):
    seeded = table_counts(db)
    archive = "--archive-path=%s/archive" % REAL_TREE
    status, lines, err = invoke("import-certbot-certs-archive", archive)
    assert status == 2 and "No server: pass --server-url-root=" in err and ENV in err
    for bad in ("ftp://127.0.0.1/.well-known/admin", "127.0.0.1:7201/.well-known/admin", "http://"):
        status, lines, err = invoke("import-certbot-certs-archive", archive, root=bad)
        assert status == 2 and "is not an http:// or https:// URL" in err, (bad, err)
    status, lines, err = invoke("import-certbot-certs-archive", archive, root="http://127.0.0.1:%s/.well-known/admin" % free_port())
    assert status == 2 and "Cannot reach the peter_sslers server at http://127.0.0.1:" in err
    # a bad environment variable is refused the same way
    status, lines, err = invoke("import-certbot-certs-archive", archive, env_root="nonsense")
    assert status == 2 and "'nonsense' is not an http:// or https:// URL" in err
    # a server, but not a peter_sslers admin root
    wrong = server.rsplit("/", 1)[0] + "/not-the-admin"
    status, lines, err = invoke("import-certbot-certs-archive", archive, root=wrong)
    assert status == 2 and "does not look like a peter_sslers admin root" in err and "HTTP 404" in err
    # paths
    status, _, err = invoke("import-certbot-certs-archive", "--archive-path=/nonexistent/archive", root=server)
    assert status == 2 and "The archive directory does not exist: /nonexistent/archive" in err
    status, _, err = invoke(
        "import-certbot-cert-version", "--domain-certs-path=%s/archive/custom-name" % REAL_TREE,
        "--certificate-version=99", root=server,
    )  # fmt: skip
    assert status == 2 and "has no version 99" in err
    status, _, err = invoke("import-certbot-accounts-all", "--accounts-path-all=%s/archive" % REAL_TREE, root=server)
    assert status == 2 and "Nothing to import" in err
    assert table_counts(db) == seeded


class _FaultyAdmin:
    """A loopback HTTP server that passes the tasks' probe, answers the first upload with an HTML
    500 page and then hangs up on every request: a server that breaks in the middle of a run."""

    def __init__(self):
        import http.server
        import json
        import threading

        posts = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"form_fields": {"account_key_file_le_pkey": "..."}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                posts.append(self.path)
                if len(posts) == 1:
                    body = b"<html>Internal Server Error</html>"
                    self.send_response(500)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    self.close_connection = True  # no answer at all

            def log_message(self, *args):
                pass

        self.posts = posts
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = "http://127.0.0.1:%s/.well-known/admin" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_server_that_breaks_in_the_middle_of_a_run():
    faulty = _FaultyAdmin()
    try:
        status, lines, err = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=faulty.root)
    finally:
        faulty.close()
    assert status == 1, (lines, err)
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 2  # the run stops once the server no longer answers
    assert progress[0].endswith("FAILED: HTTP 500: <html>Internal Server Error</html>")
    assert ": FAILED: the server stopped answering: " in progress[1]
    assert summary(lines)["certificates"] == counts(0, 0, 2)
    assert "  note: stopped: the server no longer answers; %s item(s) were not tried" % (TOTALS["certificates"] - 2) in lines
    assert faulty.posts == ["/.well-known/admin/certificate-signed/upload.json"] * 2


class _RecordingAdmin:
    """A loopback HTTP server that passes the tasks' probe (or answers it with ``probe_redirect``)
    and answers each POST with ``post(handler)``; it records every POST body."""

    def __init__(self, post=None, probe_redirect=None):
        import http.server
        import json
        import threading

        bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if probe_redirect:
                    self.send_response(302)
                    self.send_header("Location", probe_redirect)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps({"form_fields": {"account_key_file_le_pkey": "..."}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if post is not None:
                    post(self)
                else:
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def log_message(self, *args):
                pass

        self.bodies = bodies
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%s" % self.httpd.server_address[1]
        self.root = self.url + "/.well-known/admin"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _redirect_to(location, status=307):
    def post(handler):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return post


def test_uploads_never_follow_redirects():
    """A 307 made requests POST the private key again to the Location: another host. Now a
    redirect is a failure that ends the run, and the other host receives nothing."""
    elsewhere = _RecordingAdmin()
    redirector = _RecordingAdmin(post=_redirect_to(elsewhere.url + "/steal"))
    try:
        status, lines, err = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=redirector.root)
    finally:
        redirector.close()
        elsewhere.close()
    assert status == 1, (lines, err)
    assert elsewhere.bodies == []
    assert len(redirector.bodies) == 1  # the first upload, then the run stops
    (progress,) = [line for line in lines if line.startswith("[")]
    assert progress.endswith(
        ": FAILED: the server answered HTTP 307 with a redirect to %s/steal: not followed (the upload carries a private key)"
        % elsewhere.url
    )
    assert "  note: stopped: the server redirects uploads; %s item(s) were not tried" % (TOTALS["certificates"] - 1) in lines


def test_a_redirecting_server_root_is_refused():
    """The probe is not redirected either: the root must be the one the server answers at."""
    elsewhere = _RecordingAdmin()
    redirector = _RecordingAdmin(probe_redirect=elsewhere.root + "/acme-account/upload.json")
    try:
        status, lines, err = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=redirector.root)
    finally:
        redirector.close()
        elsewhere.close()
    assert status == 2
    assert "answered HTTP 302 with a redirect to %s/acme-account/upload.json: not followed" % elsewhere.root in err
    assert redirector.bodies == [] and elsewhere.bodies == []


def test_plain_http_to_another_host_needs_allow_insecure_http():
    """It only warned; now it refuses before any connection (the host is never contacted; a
    .invalid name never resolves either)."""
    for root in ("http://peter-sslers-test.invalid/.well-known/admin", "http://peter-sslers-test.invalid:7201/a"):
        status, lines, err = invoke("import-certbot-certs-archive", "--archive-path=%s/archive" % REAL_TREE, root=root)
        assert status == 2
        host = root.split("/")[2].split(":")[0]
        assert err.strip() == (
            "Refusing to send private keys unencrypted to %s (http://): use https://, a server on this machine "
            "(127.0.0.1, ::1, localhost), or pass --allow-insecure-http." % host
        )


def test_allow_insecure_http_and_loopback_roots():
    """Checked in-process: with the option the root is accepted (no connection is made here)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tools_tasks_under_test", os.path.join(ROOT, "tools", "tasks.py"))
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    insecure = "http://peter-sslers-test.invalid/.well-known/admin/"
    assert tasks.server_root(insecure, allow_insecure_http=True) == insecure.rstrip("/")
    for root in ("http://127.0.0.1:7201/a", "http://[::1]:7201/a", "http://localhost:7201/a", "https://ca.example.test/a"):
        assert tasks.server_root(root) == root


def test_files_outside_the_tree_are_never_posted(tmp_path):
    """A symlink out of the tree: its target was read and POSTed whole. Now the version fails
    without a request, and no request carries the file."""
    root = copy_real_tree(tmp_path)
    secret = tmp_path / "secret.pem"
    secret.write_text("-----BEGIN PRIVATE KEY-----\nNOT-CERTBOTS-SECRET-0123456789\n-----END PRIVATE KEY-----\n")
    target = os.path.join(root, "archive", "custom-name", "privkey1.pem")
    os.unlink(target)
    os.symlink(str(secret), target)
    admin = _RecordingAdmin()
    try:
        status, lines, err = invoke("import-certbot-cert-version", "--domain-certs-path=%s/archive/custom-name" % root,
                                    "--certificate-version=1", root=admin.root)  # fmt: skip
    finally:
        admin.close()
    assert status == 1, (lines, err)
    assert admin.bodies == []
    assert "  FAILED archive/custom-name version 1: privkey1.pem is a symlink to %s, outside the certbot directory %s: not read" % (
        secret, root) in lines  # fmt: skip
    assert "NOT-CERTBOTS-SECRET" not in "\n".join(lines) + err


def test_the_accounts_of_a_server_given_by_its_full_directory(server, db):
    """--accounts-path-server=accounts/HOST/dir: the server path was `dir`, the directory URL `https://dir`."""
    facts = sorted(manifest()["accounts"], key=lambda a: a["path"])[0]
    same_server = [a for a in manifest()["accounts"] if a["server_dir"] == facts["server_dir"]]
    status, lines, err = invoke(
        "import-certbot-accounts-server", "--accounts-path-server=%s/accounts/%s" % (REAL_TREE, facts["server_dir"]), root=server
    )
    assert status == 0, (lines, err)
    assert summary(lines)["accounts"] == counts(len(same_server))
    assert "[1/%s] account %s/%s: created (AcmeAccount 1)" % (len(same_server), facts["server_dir"], facts["account_id"]) in lines
    assert (
        "  note: added the ACME server `%s` (%s) of imported accounts; it is not enabled (list it in "
        "`certificate_authorities_enable` to use it)" % (facts["server_dir"].split("/")[0], facts["directory_url"])
    ) in lines
