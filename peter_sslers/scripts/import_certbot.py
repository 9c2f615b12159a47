"""``peter_sslers_import_certbot INI CERTBOT_DIR``: import a whole certbot directory into the database.

For large installations: no web server, no HTTP time-out, no upload per file. It reads the tree
with ``lib.certbot`` (the reader the invoke tasks use too) and stores it with the ``lib.db``
functions of the upload routes (``/acme-account/upload``, ``/certificate-signed/upload``), so both
ways give the same rows.

* every account of ``accounts/`` (any ACME server; an unknown one is added, not enabled);
* every version of every lineage of ``archive/`` (and the ``live/`` lineages that have no archive).

Each account and each certificate version is its own transaction: a damaged one is reported and
the rest is imported. Running it again creates nothing new. ``--dry-run`` runs every import and
rolls each one back.

The tree is found first and each item read just before it is imported (``lib.certbot`` reads
lazily), so the whole tree, private keys and all, is never in memory at once.

Exit status: 0 when everything was imported or already there, 1 when something failed (the
summary lists it; also when the database stopped answering in the middle of the run: the rest
is not tried), 2 when nothing could start: a bad command line, ini file, certbot directory, or a
database that cannot be used (bad URL, unknown driver, unreachable, no schema).

Nothing printed quotes a private key: database errors are shown by their class only (their text
holds the SQL parameters, the key among them; the engine hides them from logs too).
"""

import argparse
import itertools
import re
import sys
from typing import Callable
from typing import Dict
from typing import Optional

import sqlalchemy as sa
from pyramid.paster import get_appsettings
from pyramid.paster import setup_logging

from ..config import ApplicationSettings
from ..config import ConfigurationError
from ..lib import cert_utils
from ..lib import certbot
from ..lib import errors
from ..lib.context import ApiContext
from ..lib.db import acme_accounts
from ..lib.db import create
from ..lib.db.bootstrap import check_initialized
from ..model import meta


# Runs of base64 or hex long enough to be key material, in the text of an unexpected error.
_RE_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
# The database stopped answering when this many items in a row failed on it: stop there.
MAX_DATABASE_FAILURES_IN_A_ROW = 3


def _database_error_text(exc: sa.exc.SQLAlchemyError) -> str:
    """A database error by its classes only: its text holds the SQL and its parameters."""
    orig = getattr(exc, "orig", None)
    if orig is not None:
        return "database error %s (%s.%s)" % (type(exc).__name__, type(orig).__module__, type(orig).__name__)
    return "database error %s" % type(exc).__name__


def _failure_text(exc: Exception, field_names: Optional[dict] = None) -> str:
    """An error as one line, naming the certbot file at fault where the error names a form field.

    Never the text of a database error (it quotes the SQL parameters: the private key); for an
    unexpected error, its text with anything that looks like key material masked.
    """
    if isinstance(exc, errors.FormInvalid):
        return "; ".join("%s: %s" % ((field_names or {}).get(k, k), v) for k, v in exc.errors.items())
    if isinstance(exc, errors.InvalidRequest):
        field = getattr(exc, "field", None)
        where = (field_names or {}).get(field, field)
        return "%s: %s" % (where, exc.message) if where else exc.message
    if isinstance(exc, errors.PeterSSLersError):
        return str(exc)
    if isinstance(exc, sa.exc.SQLAlchemyError):
        return _database_error_text(exc)
    return "%s: %s" % (type(exc).__name__, _RE_KEY_MATERIAL.sub("[...]", str(exc))[:300])


def _database_gone(exc: BaseException) -> bool:
    """The database itself failed (connection lost or refused, file gone), not this item."""
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


def _certificate_field_names(item: certbot.CertificateFiles) -> dict:
    """Form field -> the certbot file behind it, for the messages of one certificate."""
    return {field: certbot.file_name(item, kind) for field, kind in certbot.CERTIFICATE_UPLOAD_FIELDS.items()}


class Importer:
    """Imports accounts and certificate versions, each in a transaction of its own.

    Each item is loaded (its files read) just before its import and released just after.
    """

    def __init__(self, session_factory, app_settings: ApplicationSettings, dry_run: bool = False, echo: Callable = print):
        self.session_factory = session_factory
        self.app_settings = app_settings
        self.dry_run = dry_run
        self.echo = echo
        self.summary = certbot.ImportSummary()
        self.database_failures = 0  # in a row
        # certbot's account id -> the AcmeAccount id, for the accounts imported (or found) in this run
        self.account_ids: Dict[str, int] = {}
        # lineage -> its renewal configuration (``account``: the certbot account id that renews it)
        self.renewals: Dict[str, certbot.RenewalConf] = {}

    def _in_transaction(self, work):
        """``work(ctx)`` in a transaction of its own, committed (rolled back in a dry run).

        ``work`` returns plain values: the rows are gone from the session once it is closed.
        """
        with self.session_factory() as dbsession:
            ctx = ApiContext(dbsession, self.app_settings)
            try:
                result = work(ctx)
                if self.dry_run:
                    dbsession.rollback()
                else:
                    dbsession.commit()
                return result
            except BaseException:
                dbsession.rollback()
                raise

    def _detail(self, kind: str, object_id: int) -> str:
        # a dry run's ids are those of rows rolled back at once
        return "dry run, rolled back" if self.dry_run else "%s %s" % (kind, object_id)

    def _failed(self, kind: str, label: str, exc: Exception, field_names: dict) -> str:
        self.database_failures = self.database_failures + 1 if _database_gone(exc) else 0
        return self.summary.record(kind, label, certbot.OUTCOME_FAILED, _failure_text(exc, field_names))

    def import_account(self, account: certbot.AccountFiles) -> str:
        try:
            return self._import_account(account.load())
        finally:
            account.release()

    def _import_account(self, account: certbot.AccountFiles) -> str:
        if account.problem:
            return self.summary.record("accounts", account.label, certbot.OUTCOME_FAILED, account.problem)
        if account.warning:
            self.summary.note(account.warning)

        def work(ctx):
            result = acme_accounts.import__AcmeAccount__certbot(
                ctx,
                account.private_key_json,
                account.regr_json,
                account.meta_json,
                directory_url=account.directory_url,
            )
            dbProvider = result.AcmeAccountProvider
            new_server = (dbProvider.name, dbProvider.directory) if result.is_created__provider else None
            return result.AcmeAccount.id, result.is_created, new_server, result.note

        try:
            account_id, is_created, new_server, note = self._in_transaction(work)
        except Exception as exc:  # one account's failure must not stop the others
            return self._failed("accounts", account.label, exc, certbot.ACCOUNT_UPLOAD_FIELDS)
        self.database_failures = 0
        if not self.dry_run:  # a dry run's account rows are rolled back: nothing to link to
            self.account_ids[account.account_id] = account_id
        if new_server:
            self.summary.note(certbot.new_server_note(*new_server))
        if note:
            self.summary.note("%s: %s" % (account.label, note))
        outcome = certbot.OUTCOME_CREATED if is_created else certbot.OUTCOME_EXISTING
        return self.summary.record("accounts", account.label, outcome, self._detail("AcmeAccount", account_id))

    def import_certificate(self, item: certbot.CertificateFiles) -> str:
        try:
            return self._import_certificate(item.load())
        finally:
            item.release()

    def _import_certificate(self, item: certbot.CertificateFiles) -> str:
        if item.problem:
            return self.summary.record("certificates", item.label, certbot.OUTCOME_FAILED, item.problem)
        if item.warning:
            self.summary.note("%s: %s" % (item.label, item.warning))

        conf = self.renewals.get(item.lineage)
        renewal_account_id = self.account_ids.get(conf.account) if conf is not None and conf.account else None

        def work(ctx):
            result = create.import__CertificateSigned(ctx, item.cert_pem, item.chain_pem, item.privkey_pem)
            if renewal_account_id is not None:
                # the lineage's renewal conf names the account that renews it (`update` uses it)
                result.CertificateSigned.acme_account_id__renewal = renewal_account_id
            return result.CertificateSigned.id, result.is_created

        try:
            certificate_id, is_created = self._in_transaction(work)
        except Exception as exc:  # one version's failure must not stop the others
            return self._failed("certificates", item.label, exc, _certificate_field_names(item))
        self.database_failures = 0
        outcome = certbot.OUTCOME_CREATED if is_created else certbot.OUTCOME_EXISTING
        return self.summary.record("certificates", item.label, outcome, self._detail("CertificateSigned", certificate_id))

    def import_tree(self, tree: certbot.CertbotTree, quiet: bool = False) -> certbot.ImportSummary:
        """Import every account, then every certificate version, reading each just before.

        Stops when the database failed :data:`MAX_DATABASE_FAILURES_IN_A_ROW` items in a row (it
        no longer answers: the rest would fail the same way); a note says how many were left.
        """
        total = len(tree.accounts) + len(tree.certificates)
        self.renewals = tree.renewals
        items = itertools.chain(
            ((self.import_account, a) for a in tree.accounts),
            ((self.import_certificate, c) for c in tree.certificates),
        )
        for index, (method, item) in enumerate(items, 1):
            text = method(item)
            if not quiet or text.startswith("FAILED"):
                self.echo("[%s/%s] %s: %s" % (index, total, item.label, text))
            if self.database_failures >= MAX_DATABASE_FAILURES_IN_A_ROW:
                self.summary.note(
                    "stopped: the database failed %s items in a row (it no longer answers); %s item(s) were not tried"
                    % (self.database_failures, max(total - index, 0))
                )
                self.summary.stopped = True
                break
        return self.summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="peter_sslers_import_certbot",
        description="Import a certbot directory (accounts, every certificate version) into the database.",
    )
    parser.add_argument("config_uri", help="the ini file, e.g. production.ini")
    parser.add_argument("certbot_dir", help="certbot's directory, e.g. /etc/letsencrypt")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--accounts-only", action="store_true", help="import the accounts, not the certificates")
    only.add_argument("--certs-only", action="store_true", help="import the certificates, not the accounts")
    parser.add_argument("--dry-run", action="store_true", help="check every import, then roll it back")
    parser.add_argument("--quiet", action="store_true", help="print only the failures and the summary")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    try:
        setup_logging(args.config_uri)
        settings = get_appsettings(args.config_uri)
        app_settings = ApplicationSettings.from_settings(settings)
    except (ConfigurationError, OSError, LookupError, ValueError) as exc:
        print("%s: %s" % (args.config_uri, exc), file=sys.stderr)
        return 2
    cert_utils.configure(openssl_path=app_settings.openssl_path, openssl_path_conf=app_settings.openssl_path_conf)
    try:
        tree = certbot.read_certbot_dir(args.certbot_dir, accounts=not args.certs_only, certificates=not args.accounts_only)
        total = (len(tree.accounts), len(tree.certificates))
    except certbot.CertbotLayoutError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    except OSError as exc:
        print("Cannot read the certbot directory %s: %s" % (args.certbot_dir, exc), file=sys.stderr)
        return 2

    engine = None
    try:
        engine = meta.get_engine(settings)
        session_factory = meta.get_session_factory(engine)
        with session_factory() as dbsession:
            check_initialized(dbsession.connection())
    except errors.DatabaseNotInitialized as exc:
        print(str(exc), file=sys.stderr)
        return _dispose(engine, 2)
    except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
        print("Cannot use the database of %s (sqlalchemy.url): %s" % (args.config_uri, _startup_error_text(exc)), file=sys.stderr)
        return _dispose(engine, 2)
    try:
        importer = Importer(session_factory, app_settings, dry_run=args.dry_run)
        if args.dry_run:
            print("Dry run: every import is rolled back; nothing is written.")
        print("Importing %s accounts and %s certificates from %s" % (total[0], total[1], tree.root))
        summary = importer.import_tree(tree, quiet=args.quiet)
    finally:
        engine.dispose()
    for line in summary.lines():
        print(line)
    return 1 if summary.failed or summary.stopped else 0


def _dispose(engine, status: int) -> int:
    if engine is not None:
        engine.dispose()
    return status


def _startup_error_text(exc: BaseException) -> str:
    """Why the database cannot be used, before anything was imported (no key is in play yet).

    The driver's own first line says it best (``unable to open database file``, ``connection
    refused``); SQLAlchemy's wrapper adds the statement, which is not needed.
    """
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return "%s: %s" % (type(orig if orig is not None else exc).__name__, text[0] if text else "no message")


if __name__ == "__main__":
    sys.exit(main())
