"""``initialize_peter_sslers_db INI``: create or upgrade the schema and seed it.

Idempotent: run it on every deploy. The migrations and the seed run in one
transaction, so a failure leaves the database as it was (on SQLite, whose DDL
commits on its own, a failed seed is still rolled back).
"""

import sys

from alembic import command
from alembic.config import Config
from pyramid.paster import get_appsettings
from pyramid.paster import setup_logging
from sqlalchemy.orm import Session

from ..config import ApplicationSettings
from ..config import ConfigurationError
from ..lib import cert_utils
from ..lib import errors
from ..lib.context import ApiContext
from ..lib.db.bootstrap import reconcile_certificate_authority
from ..lib.db.bootstrap import seed_database
from ..model import meta


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "peter_sslers:alembic")
    return config


def upgrade_schema(connection) -> None:
    """Bring the schema to the newest migration, on the given connection and its transaction."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def initialize_database(engine, app_settings: ApplicationSettings) -> dict:
    """Upgrade the schema, seed it, apply the configured ACME server. Returns what was done."""
    with engine.begin() as connection:
        upgrade_schema(connection)
        with Session(bind=connection) as dbsession:
            ctx = ApiContext(dbsession, app_settings)
            created = seed_database(ctx)
            changes = reconcile_certificate_authority(ctx)
            dbsession.flush()
    return {"created": created, "acme_server": changes}


def usage(argv):
    cmd = argv[0].rsplit("/", 1)[-1]
    print("usage: %s <config_uri>\n(example: \"%s example_development.ini\")" % (cmd, cmd))
    return 1


def main(argv=None) -> int:
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        return usage(argv)
    config_uri = argv[1]
    setup_logging(config_uri)
    settings = get_appsettings(config_uri)
    try:
        app_settings = ApplicationSettings.from_settings(settings)
    except ConfigurationError as exc:
        print("%s: %s" % (config_uri, exc), file=sys.stderr)
        return 2
    cert_utils.configure(openssl_path=app_settings.openssl_path, openssl_path_conf=app_settings.openssl_path_conf)
    engine = meta.get_engine(settings)
    try:
        result = initialize_database(engine, app_settings)
    except errors.PeterSSLersError as exc:
        print("initialisation failed: %s" % exc, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    created = {kind: items for kind, items in result["created"].items() if items}
    print("peter_sslers database ready at %s" % engine.url.render_as_string(hide_password=True))
    print("  created: %s" % (created or "nothing (already initialised)"))
    if result["acme_server"]:
        print("  ACME server settings applied: %s" % result["acme_server"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
