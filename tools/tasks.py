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

Private keys travel in those requests: use a server on this machine or an HTTPS URL. An
``http://`` root on another host is refused unless ``--allow-insecure-http`` is given, and
uploads never follow a redirect (a redirect could hand the key to another host). Only files
really inside the certbot directory are read (``peter_sslers.lib.certbot``), each just before
its upload.

For very large trees, ``peter_sslers_import_certbot INI /etc/letsencrypt`` imports straight into
the database, without a server.
"""

import ipaddress
import itertools
import os
import sys
import urllib.parse
from typing import Optional
from typing import Sequence

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
HELP_INSECURE = "allow an http:// server root on another host than this one (private keys then cross the network unencrypted)"


class ServerGone(Exception):
    """The server stopped answering in the middle of a run (or answered with a redirect).

    :ivar why: for the summary's note (``the server no longer answers``).
    """

    def __init__(self, message: str, why: str = "the server no longer answers"):
        super().__init__(message)
        self.why = why


def server_root(server_url_root: Optional[str], allow_insecure_http: bool = False) -> str:
    """The admin root to POST to: the option, else the environment variable; checked, no trailing ``/``.

    :param allow_insecure_http: accept ``http://`` to a host that is not this machine's loopback.
    :raises Exit: none given, not an http(s) URL, or plain http to another host without
        ``allow_insecure_http``.
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
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not allow_insecure_http:
        raise Exit(
            "Refusing to send private keys unencrypted to %s (http://): use https://, a server on this "
            "machine (127.0.0.1, ::1, localhost), or pass --allow-insecure-http." % parts.hostname,
            code=EXIT_UNUSABLE,
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
            response = self.session.get(url, timeout=30, allow_redirects=False)
        except requests.RequestException as exc:
            raise Exit("Cannot reach the peter_sslers server at %s: %s" % (self.root, exc), code=EXIT_UNUSABLE)
        if response.is_redirect:
            raise Exit(
                "GET %s answered HTTP %s with a redirect to %s: not followed (uploads carry private keys). "
                "Give the admin root the server really answers at."
                % (url, response.status_code, response.headers.get("Location")),
                code=EXIT_UNUSABLE,
            )
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
        """One upload. A redirect is never followed: it would send the private key where the
        ``Location`` says, perhaps another host; it ends the run like a server gone.

        :raises ServerGone: no answer, or a redirect.
        """
        try:
            response = self.session.post(
                self._url(path), data=data, files=files, timeout=REQUEST_TIMEOUT, allow_redirects=False
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ServerGone("the server stopped answering: %s" % exc)
        if response.is_redirect:
            raise ServerGone(
                "the server answered HTTP %s with a redirect to %s: not followed (the upload carries a private key)"
                % (response.status_code, response.headers.get("Location")),
                why="the server redirects uploads",
            )
        return response

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
        """Read the version's files, upload them, forget them."""
        try:
            return self._upload_certificate(item.load())
        finally:
            item.release()

    def _upload_certificate(self, item: certbot.CertificateFiles) -> str:
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
        """Read the account's files, upload them, forget them."""
        try:
            return self._upload_account(account.load())
        finally:
            account.release()

    def _upload_account(self, account: certbot.AccountFiles) -> str:
        if account.problem:
            return self.summary.record("accounts", account.label, certbot.OUTCOME_FAILED, account.problem)
        if account.warning:
            self.summary.note(account.warning)
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
            known_url = answer["AcmeAccount"].get("account_url")
            if not answer["is_created"] and known_url != account.account_url:
                # the same key on the same server is the same account; the server kept its URL
                self.summary.note(
                    "%s: already here with the account URL %s; regr.json says %s (the URL already here is kept)"
                    % (account.label, known_url, account.account_url)
                )
            outcome = certbot.OUTCOME_CREATED if answer["is_created"] else certbot.OUTCOME_EXISTING
            return self.summary.record("accounts", account.label, outcome, "AcmeAccount %s" % answer["AcmeAccount"]["id"])
        return self.summary.record(
            "accounts", account.label, certbot.OUTCOME_FAILED, self._failure(response, certbot.ACCOUNT_UPLOAD_FIELDS)
        )

    def run(self, accounts: Sequence[certbot.AccountFiles], certificates: Sequence[certbot.CertificateFiles]) -> None:
        """Upload everything, each item read just before its upload; print the summary; exit 1 if
        anything failed. ``certificates`` may be a lazy :class:`certbot.CertificateList`."""
        total = len(accounts) + len(certificates)
        if not total:
            raise Exit("Nothing to import: no certbot account or certificate there.", code=EXIT_UNUSABLE)
        self.echo("Importing %s item(s) into %s" % (total, self.root))
        items = itertools.chain(
            ((self.upload_account, a) for a in accounts), ((self.upload_certificate, c) for c in certificates)
        )
        for index, (method, item) in enumerate(items, 1):
            try:
                text = method(item)
            except ServerGone as exc:
                kind = "accounts" if isinstance(item, certbot.AccountFiles) else "certificates"
                text = self.summary.record(kind, item.label, certbot.OUTCOME_FAILED, str(exc))
                self.summary.stopped = True
                self.summary.note("stopped: %s; %s item(s) were not tried" % (exc.why, max(total - index, 0)))
            self.echo("[%s/%s] %s: %s" % (index, total, item.label, text))
            if self.summary.stopped:
                break
        for line in self.summary.lines():
            self.echo(line)
        if self.summary.failed or self.summary.stopped:
            raise Exit(code=EXIT_FAILED)


def _run(server_url_root, allow_insecure_http=False, accounts=(), certificates=()) -> None:
    uploader = Uploader(server_root(server_url_root, allow_insecure_http), echo=_echo)
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
    except OSError as exc:
        raise Exit("Cannot read %s: %s" % (args[0], exc), code=EXIT_UNUSABLE)


# --- certificates


def _help(**paths) -> dict:
    return dict(paths, server_url_root=HELP_ROOT, allow_insecure_http=HELP_INSECURE)


@task(help=_help(archive_path="certbot's archive directory, e.g. /etc/letsencrypt/archive"))
def import_certbot_certs_archive(c, archive_path, server_url_root=None, allow_insecure_http=False):
    """Import every version of every certificate lineage of certbot's archive directory."""
    _run(server_url_root, allow_insecure_http, certificates=_read(certbot.read_archive, archive_path))


@task(help=_help(live_path="certbot's live directory, e.g. /etc/letsencrypt/live"))
def import_certbot_certs_live(c, live_path, server_url_root=None, allow_insecure_http=False):
    """Import the current certificate of every lineage of certbot's live directory."""
    _run(server_url_root, allow_insecure_http, certificates=_read(certbot.read_live, live_path))


@task(
    help=_help(
        domain_certs_path="one lineage of the archive, e.g. /etc/letsencrypt/archive/example.com",
        certificate_version="the version number N of certN.pem, chainN.pem, privkeyN.pem",
    )
)
def import_certbot_cert_version(c, domain_certs_path, certificate_version, server_url_root=None, allow_insecure_http=False):
    """Import one version of one lineage of certbot's archive."""
    item = _read(certbot.read_archive_version, domain_certs_path, certificate_version)
    _run(server_url_root, allow_insecure_http, certificates=[item])


@task(help=_help(cert_path="a directory with cert.pem, chain.pem, privkey.pem (e.g. /etc/letsencrypt/live/example.com)"))
def import_certbot_cert_plain(c, cert_path, server_url_root=None, allow_insecure_http=False):
    """Import the unversioned certificate of one directory (e.g. one lineage of live/)."""
    _run(server_url_root, allow_insecure_http, certificates=[_read(certbot.read_plain, cert_path)])


# --- accounts


@task(help=_help(account_path="one account, e.g. /etc/letsencrypt/accounts/acme-v02.api.letsencrypt.org/directory/ID"))
def import_certbot_account(c, account_path, server_url_root=None, allow_insecure_http=False):
    """Import one certbot account (private_key.json, regr.json, meta.json)."""
    _run(server_url_root, allow_insecure_http, accounts=[_read(certbot.read_account, account_path)])


@task(
    help=_help(
        accounts_path_server="one server's accounts, e.g. /etc/letsencrypt/accounts/acme-v02.api.letsencrypt.org "
        "(or the server's full directory, .../acme-v02.api.letsencrypt.org/directory)"
    )
)
def import_certbot_accounts_server(c, accounts_path_server, server_url_root=None, allow_insecure_http=False):
    """Import every certbot account of one ACME server."""
    _run(server_url_root, allow_insecure_http, accounts=_read(certbot.read_accounts_server, accounts_path_server))


@task(help=_help(accounts_path_all="certbot's accounts directory, e.g. /etc/letsencrypt/accounts"))
def import_certbot_accounts_all(c, accounts_path_all, server_url_root=None, allow_insecure_http=False):
    """Import every certbot account of every ACME server (Let's Encrypt's and private ones)."""
    _run(server_url_root, allow_insecure_http, accounts=_read(certbot.read_accounts, accounts_path_all))


ns = Collection(
    import_certbot_certs_archive,
    import_certbot_certs_live,
    import_certbot_cert_version,
    import_certbot_cert_plain,
    import_certbot_account,
    import_certbot_accounts_server,
    import_certbot_accounts_all,
)
