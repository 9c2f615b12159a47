"""Shared fixtures: one migrated database per run, reset before each test, and the app.

The database is SQLite (a file in pytest's temporary directory) unless
``SSL_TEST_DATABASE_URL`` names another, e.g. the PostgreSQL run of ``make test``.
The schema is built by ``alembic upgrade head`` (``initialize_database``), so every
run exercises the migrations.

The app under test manages its own transactions exactly as in production (one per
request, aborted on error), so tests see real commit and rollback behaviour; each
test starts from a freshly seeded database instead of a rolled-back transaction.
"""

import contextlib
import os

import pytest
import sqlalchemy as sa
import webtest
from pyramid.paster import get_appsettings
from sqlalchemy.orm import Session

from peter_sslers import main
from peter_sslers.config import ApplicationSettings
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority
from peter_sslers.lib.db.bootstrap import seed_database
from peter_sslers.model import meta
from peter_sslers.scripts.initializedb import initialize_database
from tests.bind9 import bind9  # noqa: F401  (fixture: the DNS tests' bind9)
from tests.browser import BrowserTestApp
from tests.pebble import http01_responder  # noqa: F401  (fixtures: the ACME tests' pebble)
from tests.pebble import make_pebble  # noqa: F401
from tests.pebble import pebble_always_valid  # noqa: F401
from tests.pebble import pebble_strict  # noqa: F401
from tests.pebble import pytest_runtest_makereport  # noqa: F401  (pebble's log tail on failures)
from tests.redisserver import closed_redis_url  # noqa: F401  (fixtures: the Redis tests' server)
from tests.redisserver import _forget_redis_backoff  # noqa: F401  (autouse)
from tests.redisserver import hung_redis  # noqa: F401
from tests.redisserver import make_redis_app  # noqa: F401
from tests.redisserver import redis_client  # noqa: F401
from tests.redisserver import redis_url  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TEST_HOST = "peter-sslers.example.com"


def _ini_path() -> str:
    name = os.environ.get("SSL_TEST_INI", "test.ini")
    return name if os.path.isabs(name) else os.path.join(ROOT, name)


@pytest.fixture(scope="session")
def raw_settings(tmp_path_factory) -> dict:
    """The [app:main] settings of test.ini (or SSL_TEST_INI), with the test database URL."""
    settings = dict(get_appsettings(_ini_path()))
    url = os.environ.get("SSL_TEST_DATABASE_URL")
    if url:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "postgresql":
            # A schema of this run's own: runs in parallel (a developer's and CI's) never collide,
            # and nothing outside it is touched.
            parsed = parsed.update_query_dict({"options": "-csearch_path=%s" % _pg_schema_name()})
        settings["sqlalchemy.url"] = parsed.render_as_string(hide_password=False)
    elif settings["sqlalchemy.url"].startswith("sqlite"):
        settings["sqlalchemy.url"] = "sqlite:///%s" % (tmp_path_factory.mktemp("db") / "peter_sslers_test.sqlite")
    return settings


@pytest.fixture(scope="session")
def app_settings(raw_settings) -> ApplicationSettings:
    return ApplicationSettings.from_settings(raw_settings)


def _pg_schema_name() -> str:
    return "peter_sslers_test_%d" % os.getpid()


def _drop_everything(engine, create: bool = True) -> None:
    if engine.dialect.name == "postgresql":
        schema = _pg_schema_name()
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA IF EXISTS %s CASCADE" % schema))
            if create:
                connection.execute(sa.text("CREATE SCHEMA %s" % schema))
    else:
        meta.Base.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def dbengine(raw_settings, app_settings):
    """The test database, emptied and migrated once per run."""
    engine = meta.get_engine(raw_settings)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.exit("The test database %s does not answer: %s" % (engine.url.render_as_string(), exc), returncode=3)
    _drop_everything(engine)
    initialize_database(engine, app_settings)
    yield engine
    if engine.dialect.name == "postgresql":
        _drop_everything(engine, create=False)
    engine.dispose()


def reset_database(engine, app_settings) -> None:
    """Empty every table and seed again, as a fresh `initialize_peter_sslers_db` would leave it."""
    tables = list(reversed(meta.Base.metadata.sorted_tables))
    with engine.begin() as connection:
        # DELETE beats TRUNCATE on tables this small: no locks on every table, no new files.
        for table in tables:
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            # ids start from 1 again, as on SQLite (which reuses them once a table is empty)
            for table in tables:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    connection.execute(
                        sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), 1, false)"), {"t": table.name}
                    )
        with Session(bind=connection) as dbsession:
            ctx = ApiContext(dbsession, app_settings)
            seed_database(ctx)
            reconcile_certificate_authority(ctx)
            dbsession.flush()


@pytest.fixture
def db(dbengine, app_settings):
    """A freshly seeded database for this test."""
    reset_database(dbengine, app_settings)
    return dbengine


@pytest.fixture
def dbsession(db):
    """A session on the test database. Commit what requests must see."""
    with Session(bind=db, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def ctx(dbsession, app_settings) -> ApiContext:
    return ApiContext(dbsession, app_settings)


@pytest.fixture(scope="session")
def make_app(raw_settings, dbengine):
    """Build an app from the test settings with some of them overridden."""

    def _make_app(**overrides):
        settings = dict(raw_settings)
        settings.update(overrides)
        settings["dbengine"] = dbengine
        return main({}, **settings)

    return _make_app


@pytest.fixture(scope="session")
def app(make_app, dbengine, app_settings):
    # Built once, possibly after a test left the database otherwise configured (an ACME test
    # points the pebble server elsewhere): start-up must see the seeded state.
    reset_database(dbengine, app_settings)
    return make_app()


@pytest.fixture
def testapp(app, db) -> webtest.TestApp:
    """WebTest against the app, on a freshly seeded database."""
    return BrowserTestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(dbengine):
    """``with count_queries() as counter: ...`` records every SQL statement run on the engine."""

    @contextlib.contextmanager
    def _count():
        counter = QueryCounter()
        sa.event.listen(dbengine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(dbengine, "before_cursor_execute", counter)

    return _count


def count_rows(engine, model_class) -> int:
    with Session(bind=engine) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model_class))
