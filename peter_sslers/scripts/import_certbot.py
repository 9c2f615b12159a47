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

Exit status: 0 when everything was imported or already there, 1 when something failed (the
summary lists it), 2 for a bad command line, ini file, database or certbot directory.
"""

import argparse
import sys
from typing import Callable
from typing import Optional

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


def _failure_text(exc: Exception, field_names: Optional[dict] = None) -> str:
    """An error as one line, naming the certbot file at fault where the error names a form field."""
    if isinstance(exc, errors.FormInvalid):
        return "; ".join("%s: %s" % ((field_names or {}).get(k, k), v) for k, v in exc.errors.items())
    if isinstance(exc, errors.InvalidRequest):
        field = getattr(exc, "field", None)
        where = (field_names or {}).get(field, field)
        return "%s: %s" % (where, exc.message) if where else exc.message
    if isinstance(exc, errors.PeterSSLersError):
        return str(exc)
    return "%s: %s" % (type(exc).__name__, exc)


def _certificate_field_names(item: certbot.CertificateFiles) -> dict:
    """Form field -> the certbot file behind it, for the messages of one certificate."""
    return {field: certbot.file_name(item, kind) for field, kind in certbot.CERTIFICATE_UPLOAD_FIELDS.items()}


class Importer:
    """Imports accounts and certificate versions, each in a transaction of its own."""

    def __init__(self, session_factory, app_settings: ApplicationSettings, dry_run: bool = False, echo: Callable = print):
        self.session_factory = session_factory
        self.app_settings = app_settings
        self.dry_run = dry_run
        self.echo = echo
        self.summary = certbot.ImportSummary()

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

    def import_account(self, account: certbot.AccountFiles) -> str:
        if account.problem:
            return self.summary.record("accounts", account.label, certbot.OUTCOME_FAILED, account.problem)

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
            return result.AcmeAccount.id, result.is_created, new_server

        try:
            account_id, is_created, new_server = self._in_transaction(work)
        except Exception as exc:  # one account's failure must not stop the others
            return self.summary.record(
                "accounts", account.label, certbot.OUTCOME_FAILED, _failure_text(exc, certbot.ACCOUNT_UPLOAD_FIELDS)
            )
        if new_server:
            self.summary.note(certbot.new_server_note(*new_server))
        outcome = certbot.OUTCOME_CREATED if is_created else certbot.OUTCOME_EXISTING
        return self.summary.record("accounts", account.label, outcome, self._detail("AcmeAccount", account_id))

    def import_certificate(self, item: certbot.CertificateFiles) -> str:
        if item.problem:
            return self.summary.record("certificates", item.label, certbot.OUTCOME_FAILED, item.problem)
        if item.warning:
            self.summary.note("%s: %s" % (item.label, item.warning))

        def work(ctx):
            result = create.import__CertificateSigned(ctx, item.cert_pem, item.chain_pem, item.privkey_pem)
            return result.CertificateSigned.id, result.is_created

        try:
            certificate_id, is_created = self._in_transaction(work)
        except Exception as exc:  # one version's failure must not stop the others
            return self.summary.record(
                "certificates", item.label, certbot.OUTCOME_FAILED, _failure_text(exc, _certificate_field_names(item))
            )
        outcome = certbot.OUTCOME_CREATED if is_created else certbot.OUTCOME_EXISTING
        return self.summary.record("certificates", item.label, outcome, self._detail("CertificateSigned", certificate_id))

    def import_tree(self, tree: certbot.CertbotTree, quiet: bool = False) -> certbot.ImportSummary:
        items = [(self.import_account, a) for a in tree.accounts] + [(self.import_certificate, c) for c in tree.certificates]
        for index, (method, item) in enumerate(items, 1):
            text = method(item)
            if not quiet or text.startswith("FAILED"):
                self.echo("[%s/%s] %s: %s" % (index, len(items), item.label, text))
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
    except certbot.CertbotLayoutError as exc:
        print(exc.message, file=sys.stderr)
        return 2

    engine = meta.get_engine(settings)
    try:
        session_factory = meta.get_session_factory(engine)
        with session_factory() as dbsession:
            check_initialized(dbsession.connection())
        importer = Importer(session_factory, app_settings, dry_run=args.dry_run)
        if args.dry_run:
            print("Dry run: every import is rolled back; nothing is written.")
        print(
            "Importing %s accounts and %s certificates from %s"
            % (len(tree.accounts), len(tree.certificates), tree.root)
        )
        summary = importer.import_tree(tree, quiet=args.quiet)
    except errors.DatabaseNotInitialized as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    for line in summary.lines():
        print(line)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
