"""Declarative base, constraint naming, column types and session plumbing.

Everything that touches the engine or the session factory lives here, so the web
app, the console scripts and the tests build their sessions the same way.
"""

import datetime
import logging
import os
import stat

import sqlalchemy as sa
import zope.sqlalchemy
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import sessionmaker

# Deterministic names for every index and constraint, so migrations can drop or
# alter them by name on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

log = logging.getLogger(__name__)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata


def utcnow() -> datetime.datetime:
    """The one clock of the data layer: timezone-aware UTC, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class TZDateTime(sa.types.TypeDecorator):
    """A UTC timestamp.

    Stored naive (in UTC) so SQLite and PostgreSQL hold the same text and compare
    the same way; handed to Python as an aware UTC datetime, so nothing in the
    code ever mixes naive and aware values.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime.datetime):
            raise TypeError("TZDateTime needs a datetime, got %r" % (value,))
        if value.tzinfo is None:
            raise ValueError("TZDateTime refuses naive datetimes: %r" % (value,))
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=datetime.timezone.utc)


def _sqlite_pragmas(journal_mode: str, synchronous: str):
    """The ``connect`` listener of a SQLite engine: foreign keys on (SQLite ignores them unless
    asked, per connection), the journal mode (``wal`` is stored in the file: the first connection
    converts it, the others find it so) and the synchronous level (per connection).

    A ``:memory:`` database has no file to log to: SQLite keeps its ``memory`` journal there."""
    statements = (
        "PRAGMA foreign_keys=ON",
        "PRAGMA journal_mode=%s" % journal_mode.upper(),
        "PRAGMA synchronous=%s" % synchronous.upper(),
    )

    def on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()

    return on_connect


# seconds a SQLite writer waits for the write lock before `database is locked`
SQLITE_BUSY_TIMEOUT = 30


def get_engine(settings: dict, prefix: str = "sqlalchemy.") -> sa.engine.Engine:
    """The engine of ``sqlalchemy.url``.

    ``hide_parameters``: the parameters of a failed statement stay out of the exception's text
    and of the engine's log. They hold private keys (certificate and account keys are stored as
    PEM), which must never land in a log or on an operator's terminal.
    """
    kwargs = {}
    if str(settings.get(prefix + "url", "")).startswith("sqlite") and "timeout=" not in settings[prefix + "url"]:
        # SQLite has one writer at a time: a second one waits (busy timeout) for the first to
        # commit instead of failing at once with `database is locked`. 5 s (the driver's default)
        # is short for a request that waits behind a few uploads; a URL's own `?timeout=` wins.
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT}
    engine = sa.engine_from_config(settings, prefix, hide_parameters=True, **kwargs)
    if engine.dialect.name == "sqlite":
        prepare_sqlite_file(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas(*sqlite_options(settings)))
    return engine


def sqlite_options(settings: dict) -> tuple:
    """(journal mode, synchronous) of the ini's ``sqlite_journal_mode`` and ``sqlite_synchronous``
    (docs/Configuration_Options.md): ``wal`` and ``full`` by default.

    :raises config.ConfigurationError: a value that is not one of them.
    """
    from .. import config  # the options' one parser; config imports nothing of the model

    options = {option.name: option for option in config.OPTIONS}
    values = []
    for name in ("sqlite_journal_mode", "sqlite_synchronous"):
        option, raw = options[name], settings.get(name)
        if raw is None:
            values.append(option.default)
            continue
        try:
            values.append(option.parse(str(raw)))
        except ValueError as exc:
            raise config.ConfigurationError(name, "%r is not accepted: %s" % (raw, exc)) from None
    return tuple(values)


def prepare_sqlite_file(path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would follow the umask: 0644), and
    warn when an existing one is readable by others: it holds every private key in plain text.
    SQLite gives its journal, ``-wal`` and ``-shm`` files the mode of the database file
    (``tests/web/test_security.py`` checks all three)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            log.warning(
                "the database %s is readable or writable by others (mode %04o): it holds private keys in plain "
                "text; run `chmod 600 %s`",
                path,
                mode,
                path,
            )
    except OSError:
        return  # a missing directory: SQLite itself says so, clearly, on the first connection
    else:
        os.close(fd)


def get_session_factory(engine: sa.engine.Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory: sessionmaker, transaction_manager, request=None):
    """A session joined to ``transaction_manager``: it commits or aborts with it.

    ``keep_session``: the session stays open across a commit, so the objects a unit of work
    holds stay attached when it commits midway (``ApiContext.checkpoint``, after each ACME
    server call).
    """
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager, keep_session=True)
    return dbsession
