"""``disable_acme_account_providers INI``: disable every ACME server (AcmeAccountProvider) in the
database of the ini; none stays the default.

What it stops: from then on no instance sends anything new to any ACME server. Orders (every
form, both queues, retries, renewals), account registrations and checks are refused, saying
that the ACME server is not enabled (a queue item so refused is recorded as failed). Nothing
is deleted: accounts, orders and certificates stay, and are served as before.

How long: until the ini's ACME server choice is applied again (``certificate_authority`` and
``certificate_authorities_enable``): at the next start of an instance, the next
``peter_sslers_job`` run, or ``initialize_peter_sslers_db``. So: stop the cron jobs first, run
this, change what needs changing (the ini's ``certificate_authority``...), then start again.
The 2021 design's script of the same name (docs/Automation.md).

Prints what it changed. Exit status: 0 done (also when everything was disabled already), 2 for
a bad command line, a bad ini or a database that is not initialised.
"""

import sys

import sqlalchemy as sa
from pyramid.paster import get_appsettings
from pyramid.paster import setup_logging
from sqlalchemy.orm import Session

from ..config import ApplicationSettings
from ..config import ConfigurationError
from ..lib import errors
from ..lib.context import ApiContext
from ..lib.db.bootstrap import check_initialized
from ..lib.db.logger import log__OperationsEvent
from ..model import meta
from ..model.objects import AcmeAccountProvider


def disable_acme_account_providers(ctx) -> list:
    """Every AcmeAccountProvider not enabled (``is_enabled`` NULL) and not the default (``is_default``
    NULL), in the caller's transaction; one ``AcmeAccountProvider__mark__is_enabled`` event names
    the ones that changed.

    :returns: the names of the providers that were enabled or the default before.
    """
    check_initialized(ctx.dbsession.connection())
    changed = ctx.dbsession.scalars(
        sa.select(AcmeAccountProvider)
        .where(sa.or_(AcmeAccountProvider.is_enabled.is_(True), AcmeAccountProvider.is_default.is_(True)))
        .order_by(AcmeAccountProvider.id)
    ).all()
    names = [p.name for p in changed]
    if not changed:
        return names
    ctx.dbsession.execute(sa.update(AcmeAccountProvider).values(is_enabled=None, is_default=None))
    log__OperationsEvent(
        ctx,
        "AcmeAccountProvider__mark__is_enabled",
        {"is_enabled": False, "is_default": False, "acme_account_providers": names, "by": "disable_acme_account_providers"},
    )
    ctx.dbsession.flush()
    return names


def usage(argv) -> int:
    cmd = argv[0].rsplit("/", 1)[-1]
    print('usage: %s <config_uri>\n(example: "%s production.ini")' % (cmd, cmd), file=sys.stderr)
    return 2


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        return usage(argv)
    config_uri = argv[1]
    try:
        setup_logging(config_uri)
        settings = get_appsettings(config_uri)
        app_settings = ApplicationSettings.from_settings(settings)
    except (ConfigurationError, OSError, LookupError, ValueError) as exc:
        print("%s: %s" % (config_uri, exc), file=sys.stderr)
        return 2
    engine = meta.get_engine(settings)
    try:
        with engine.begin() as connection:
            with Session(bind=connection) as dbsession:
                names = disable_acme_account_providers(ApiContext(dbsession, app_settings))
    except errors.DatabaseNotInitialized as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if names:
        print("disabled (and no longer the default): %s" % ", ".join(names))
    else:
        print("every ACME server was disabled already")
    print("until the ini is applied again: the next start, peter_sslers_job run or initialize_peter_sslers_db")
    return 0


if __name__ == "__main__":
    sys.exit(main())
