"""invoke tasks: import a certbot directory into a running peter_sslers server, over its JSON API.

Run from the repository root (its ``tasks.py`` loads this file) or with ``invoke -r tools``::

    invoke import-certbot-certs-archive --archive-path=/etc/letsencrypt/archive \\
        --server-url-root=http://127.0.0.1:7201/.well-known/admin

Every task takes ``--server-url-root`` (the admin root of the server; default: the environment
variable ``PETER_SSLERS_SERVER_ROOT``). Files are read with ``peter_sslers.lib.certbot`` and
POSTed, one certificate version or one account per request, to ``/certificate-signed/upload.json``
and ``/acme-account/upload.json``. Each item prints a progress line; the run ends with a summary
(created, already there, failed by kind) and exits 1 when anything failed, 2 when the server or a
path cannot be used.

Private keys travel in those requests: use a server on this machine or an HTTPS URL.

For very large trees, ``peter_sslers_import_certbot INI /etc/letsencrypt`` imports straight into
the database, without a server.
"""

import ipaddress
import os
import sys
import urllib.parse
from typing import Iterable
from typing import List
from typing import Optional

import requests
from invoke import Collection
from invoke import Exit
from invoke import task

try:
    from peter_sslers.lib import certbot
except ImportError:  # pragma: no cover - a helpful message for a python without peter_sslers
    sys.exit("peter_sslers is not installed in this python: run invoke from its virtualenv (.venv/bin/invoke).")

ENV_SERVER_ROOT = "PETER_SSLERS_SERVER_ROOT"
EXAMPLE_ROOT = "http://127.0.0.1:7201/.well-known/admin"
# Parsing an RSA key server-side is the dear part of an upload; a busy server may take a while.
REQUEST_TIMEOUT = 120
EXIT_FAILED = 1
EXIT_UNUSABLE = 2

HELP_ROOT = "the server's admin root, e.g. %s (default: $%s)" % (EXAMPLE_ROOT, ENV_SERVER_ROOT)


class ServerGone(Exception):
    """The server stopped answering in the middle of a run."""


def server_root(server_url_root: Optional[str]) -> str:
    """The admin root to POST to: the option, else the environment variable; checked, no trailing ``/``.

    :raises Exit: none given, or not an http(s) URL.
    """
    root = (server_url_root or os.environ.get(ENV_SERVER_ROOT) or "").strip()
    if not root:
        raise Exit(
            "No server: pass --server-url-root=%s or set %s." % (EXAMPLE_ROOT, ENV_SERVER_ROOT), code=EXIT_UNUSABLE
        )
    parts = urllib.parse.urlsplit(root)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Exit(
            "The server root %r is not an http:// or https:// URL (e.g. %s)." % (root, EXAMPLE_ROOT), code=EXIT_UNUSABLE
        )
    return root.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Uploader:
    """POSTs certbot's files to one peter_sslers server and counts the outcomes."""

    def __init__(self, root: str, echo=print):
        self.root = root
        self.echo = echo
        self.session = requests.Session()
        self.summary = certbot.ImportSummary()

    def _url(self, path: str) -> str:
        return self.root + path

    def check_server(self) -> None:
        """One GET before any upload: the root must be a peter_sslers admin that can take certbot's files.

        :raises Exit: unreachable, or not a peter_sslers admin root.
        """
        parts = urllib.parse.urlsplit(self.root)
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            self.echo("Warning: private keys will travel unencrypted (http://) to %s." % parts.hostname, file=sys.stderr)
        url = self._url("/acme-account/upload.json")
        try:
            response = self.session.get(url, timeout=30)
        except requests.RequestException as exc:
            raise Exit("Cannot reach the peter_sslers server at %s: %s" % (self.root, exc), code=EXIT_UNUSABLE)
        try:
            fields = response.json().get("form_fields") or {}
        except (ValueError, AttributeError):
            fields = {}
        if response.status_code != 200 or "account_key_file_le_pkey" not in fields:
            raise Exit(
                "%s does not look like a peter_sslers admin root (GET %s answered HTTP %s). "
                "Expected something like %s." % (self.root, url, response.status_code, EXAMPLE_ROOT),
                code=EXIT_UNUSABLE,
            )

    def _post(self, path: str, data: dict, files: dict) -> requests.Response:
        try:
            return self.session.post(self._url(path), data=data, files=files, timeout=REQUEST_TIMEOUT)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ServerGone(str(exc))

    @staticmethod
    def _success(response: requests.Response) -> Optional[dict]:
        """The JSON answer of a successful upload, else None."""
        if response.status_code != 200:
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, dict) and answer.get("result") == "success" else None

    @staticmethod
    def _failure(response: requests.Response, field_names: dict) -> str:
        """The server's error as one line, naming the certbot file at fault."""
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return "HTTP %s: %s" % (response.status_code, response.text.strip()[:200])
        form_errors = answer.get("form_errors") or {}
        messages = [
            "%s: %s" % (field_names.get(field, field), message)
            for field, message in sorted(form_errors.items())
            if field != "Error_Main"
        ]
        if not messages:
            messages.append(answer.get("error") or answer.get("message") or "HTTP %s" % response.status_code)
        return "; ".join(messages)

    def upload_certificate(self, item: certbot.CertificateFiles) -> str:
        if item.problem:
            return self.summary.record("certificates", item.label, certbot.OUTCOME_FAILED, item.problem)
        if item.warning:
            self.summary.note("%s: %s" % (item.label, item.warning))
        files = {
            field: (certbot.file_name(item, kind), item.pems[kind])
            for field, kind in certbot.CERTIFICATE_UPLOAD_FIELDS.items()
        }
        response = self._post("/certificate-signed/upload.json", {}, files)
        answer = self._success(response)
        if answer is not None:
            outcome = certbot.OUTCOME_CREATED if answer["is_created"] else certbot.OUTCOME_EXISTING
            return self.summary.record(
                "certificates", item.label, outcome, "CertificateSigned %s" % answer["CertificateSigned"]["id"]
            )
        names = {field: certbot.file_name(item, kind) for field, kind in certbot.CERTIFICATE_UPLOAD_FIELDS.items()}
        return self.summary.record("certificates", item.label, certbot.OUTCOME_FAILED, self._failure(response, names))

    def upload_account(self, account: certbot.AccountFiles) -> str:
        if account.problem:
            return self.summary.record("accounts", account.label, certbot.OUTCOME_FAILED, account.problem)
        files = {
            "account_key_file_le_pkey": ("private_key.json", account.private_key_json),
            "account_key_file_le_reg": ("regr.json", account.regr_json),
            "account_key_file_le_meta": ("meta.json", account.meta_json),
        }
        data = {"acme_server_directory": account.directory_url} if account.directory_url else {}
        response = self._post("/acme-account/upload.json", data, files)
        answer = self._success(response)
        if answer is not None:
            if answer.get("is_created__acme_account_provider"):
                provider = answer["AcmeAccountProvider"]
                self.summary.note(certbot.new_server_note(provider["name"], provider["directory"]))
            outcome = certbot.OUTCOME_CREATED if answer["is_created"] else certbot.OUTCOME_EXISTING
            return self.summary.record("accounts", account.label, outcome, "AcmeAccount %s" % answer["AcmeAccount"]["id"])
        return self.summary.record(
            "accounts", account.label, certbot.OUTCOME_FAILED, self._failure(response, certbot.ACCOUNT_UPLOAD_FIELDS)
        )

    def run(self, accounts: Iterable[certbot.AccountFiles], certificates: Iterable[certbot.CertificateFiles]) -> None:
        """Upload everything, print the summary; exit 1 if anything failed."""
        items: List = [(self.upload_account, a) for a in accounts] + [(self.upload_certificate, c) for c in certificates]
        if not items:
            raise Exit("Nothing to import: no certbot account or certificate there.", code=EXIT_UNUSABLE)
        self.echo("Importing %s item(s) into %s" % (len(items), self.root))
        stopped = None
        for index, (method, item) in enumerate(items, 1):
            try:
                text = method(item)
            except ServerGone as exc:
                kind = "accounts" if isinstance(item, certbot.AccountFiles) else "certificates"
                text = self.summary.record(kind, item.label, certbot.OUTCOME_FAILED, "the server stopped answering: %s" % exc)
                stopped = len(items) - index
            self.echo("[%s/%s] %s: %s" % (index, len(items), item.label, text))
            if stopped is not None:
                break
        if stopped:
            self.summary.note("stopped: the server no longer answers; %s item(s) were not tried" % stopped)
        for line in self.summary.lines():
            self.echo(line)
        if self.summary.failed or stopped:
            raise Exit(code=EXIT_FAILED)


def _run(server_url_root, accounts=(), certificates=()) -> None:
    uploader = Uploader(server_root(server_url_root), echo=_echo)
    uploader.check_server()
    uploader.run(accounts, certificates)


def _echo(text: str, file=None) -> None:
    print(text, file=file or sys.stdout, flush=True)


def _read(reader, *args):
    """A reader's answer, or exit 2 with its message when the path is not what it should be."""
    try:
        return reader(*args)
    except certbot.CertbotLayoutError as exc:
        raise Exit(exc.message, code=EXIT_UNUSABLE)


# --- certificates


@task(help={"archive_path": "certbot's archive directory, e.g. /etc/letsencrypt/archive", "server_url_root": HELP_ROOT})
def import_certbot_certs_archive(c, archive_path, server_url_root=None):
    """Import every version of every certificate lineage of certbot's archive directory."""
    _run(server_url_root, certificates=_read(certbot.read_archive, archive_path))


@task(help={"live_path": "certbot's live directory, e.g. /etc/letsencrypt/live", "server_url_root": HELP_ROOT})
def import_certbot_certs_live(c, live_path, server_url_root=None):
    """Import the current certificate of every lineage of certbot's live directory."""
    _run(server_url_root, certificates=_read(certbot.read_live, live_path))


@task(
    help={
        "domain_certs_path": "one lineage of the archive, e.g. /etc/letsencrypt/archive/example.com",
        "certificate_version": "the version number N of certN.pem, chainN.pem, privkeyN.pem",
        "server_url_root": HELP_ROOT,
    }
)
def import_certbot_cert_version(c, domain_certs_path, certificate_version, server_url_root=None):
    """Import one version of one lineage of certbot's archive."""
    item = _read(certbot.read_archive_version, domain_certs_path, certificate_version)
    _run(server_url_root, certificates=[item])


@task(
    help={
        "cert_path": "a directory with cert.pem, chain.pem, privkey.pem (e.g. /etc/letsencrypt/live/example.com)",
        "server_url_root": HELP_ROOT,
    }
)
def import_certbot_cert_plain(c, cert_path, server_url_root=None):
    """Import the unversioned certificate of one directory (e.g. one lineage of live/)."""
    _run(server_url_root, certificates=[_read(certbot.read_plain, cert_path)])


# --- accounts


@task(
    help={
        "account_path": "one account, e.g. /etc/letsencrypt/accounts/acme-v02.api.letsencrypt.org/directory/ID",
        "server_url_root": HELP_ROOT,
    }
)
def import_certbot_account(c, account_path, server_url_root=None):
    """Import one certbot account (private_key.json, regr.json, meta.json)."""
    _run(server_url_root, accounts=[_read(certbot.read_account, account_path)])


@task(
    help={
        "accounts_path_server": "one server's accounts, e.g. /etc/letsencrypt/accounts/acme-v02.api.letsencrypt.org",
        "server_url_root": HELP_ROOT,
    }
)
def import_certbot_accounts_server(c, accounts_path_server, server_url_root=None):
    """Import every certbot account of one ACME server."""
    _run(server_url_root, accounts=_read(certbot.read_accounts_server, accounts_path_server))


@task(
    help={"accounts_path_all": "certbot's accounts directory, e.g. /etc/letsencrypt/accounts", "server_url_root": HELP_ROOT}
)
def import_certbot_accounts_all(c, accounts_path_all, server_url_root=None):
    """Import every certbot account of every ACME server (Let's Encrypt's and private ones)."""
    _run(server_url_root, accounts=_read(certbot.read_accounts, accounts_path_all))


ns = Collection(
    import_certbot_certs_archive,
    import_certbot_certs_live,
    import_certbot_cert_version,
    import_certbot_cert_plain,
    import_certbot_account,
    import_certbot_accounts_server,
    import_certbot_accounts_all,
)
