"""Declarative base, constraint naming, column types and session plumbing.

Everything that touches the engine or the session factory lives here, so the web
app, the console scripts and the tests build their sessions the same way.
"""

import datetime
import logging
import os
import stat
import threading

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
        install_sqlite_writer_gate(engine, timeout=_connect_timeout(engine))
    return engine


def _connect_timeout(engine: sa.engine.Engine) -> float:
    """The busy timeout the engine's connections were given (a URL's ``?timeout=`` or ours)."""
    raw = engine.url.query.get("timeout")
    try:
        return float(raw) if raw is not None else float(SQLITE_BUSY_TIMEOUT)
    except (TypeError, ValueError):
        return float(SQLITE_BUSY_TIMEOUT)


# the first word of a statement that makes the driver open (or is) a write transaction
_SQLITE_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class SQLiteWriterGate:
    """One writer at a time among the connections of one SQLite engine, in this process.

    SQLite lets one connection write at a time; the others wait in its busy handler, which
    sleeps 1, 2, 5, 10 ... 100 ms between tries: a writer that just missed the lock may sleep
    tens of ms while the lock is free. The gate makes the writers of this process queue on a
    lock instead, which wakes the next one the moment the last one commits.

    A connection takes the gate before its first write of a transaction (the statement that
    makes the driver open its transaction, or ``BEGIN IMMEDIATE``) and gives it back when the
    transaction ends: commit, rollback (the pool's reset on check-in is one), a statement that
    left no transaction open (autocommit, DDL), check-in, close or invalidation.

    It never adds a deadlock: the wait is bounded by the busy timeout, after which the
    connection goes on without the gate, to SQLite's own wait (as without the gate); and a
    thread whose other connection holds the gate does not wait for it at all (the holder cannot
    commit while the thread waits). Other processes contend through SQLite as before.
    """

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._lock = threading.Lock()
        self._mutex = threading.Lock()  # guards holder/holder_thread
        self.holder = None  # the DBAPI connection holding the gate
        self.holder_thread = None

    def acquire(self, dbapi_connection) -> bool:
        """Take the gate for ``dbapi_connection``; False when it went on without it."""
        me = threading.get_ident()
        with self._mutex:
            if self.holder is dbapi_connection:
                return True
            if self.holder is not None and self.holder_thread == me:
                return False  # this thread's other connection holds it: SQLite decides
        if not self._lock.acquire(timeout=self.timeout):
            log.warning("SQLite writer gate: waited %.0f s, going on to SQLite's own wait", self.timeout)
            return False
        with self._mutex:
            self.holder, self.holder_thread = dbapi_connection, me
        return True

    def release(self, dbapi_connection) -> None:
        """Give the gate back if ``dbapi_connection`` holds it (a no-op otherwise)."""
        with self._mutex:
            if dbapi_connection is None or self.holder is not dbapi_connection:
                return
            self.holder = self.holder_thread = None
            self._lock.release()

    def holds(self, dbapi_connection) -> bool:
        return dbapi_connection is not None and self.holder is dbapi_connection


def install_sqlite_writer_gate(engine: sa.engine.Engine, timeout: float) -> SQLiteWriterGate:
    """Put a :class:`SQLiteWriterGate` on a SQLite ``engine`` (``engine.sqlite_writer_gate``)."""
    gate = SQLiteWriterGate(timeout)

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip()[:16].upper()
        if head.startswith(_SQLITE_WRITES) or head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")):
            dbapi_connection = conn.connection.dbapi_connection
            if not gate.holds(dbapi_connection):
                gate.acquire(dbapi_connection)

    def after_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        dbapi_connection = conn.connection.dbapi_connection
        if gate.holds(dbapi_connection) and not dbapi_connection.in_transaction:
            gate.release(dbapi_connection)  # autocommit, DDL: nothing is held any more

    def handle_error(exception_context):
        # a failed write (e.g. `database is locked` on BEGIN IMMEDIATE) may leave no transaction
        conn = exception_context.connection
        if conn is None or conn.closed or conn.invalidated:
            return
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is not None and gate.holds(dbapi_connection) and not dbapi_connection.in_transaction:
            gate.release(dbapi_connection)

    def on_pool_event(dbapi_connection, *args):
        gate.release(dbapi_connection)

    dialect = engine.dialect
    do_commit, do_rollback = dialect.do_commit, dialect.do_rollback

    # released after the driver's COMMIT / ROLLBACK returned: the next writer finds the lock free
    # (SQLAlchemy hands these the pool's proxy of the connection: the gate knows the driver's)
    def gated_commit(connection):
        try:
            do_commit(connection)
        finally:
            raw = getattr(connection, "dbapi_connection", connection)
            if gate.holds(raw) and not raw.in_transaction:
                gate.release(raw)

    def gated_rollback(connection):
        try:
            do_rollback(connection)
        finally:
            raw = getattr(connection, "dbapi_connection", connection)
            if gate.holds(raw) and not raw.in_transaction:
                gate.release(raw)

    dialect.do_commit = gated_commit
    dialect.do_rollback = gated_rollback
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    event.listen(engine, "after_cursor_execute", after_cursor_execute)
    event.listen(engine, "handle_error", handle_error)
    for name in ("checkin", "close", "close_detached", "detach"):
        event.listen(engine.pool, name, on_pool_event)
    event.listen(engine.pool, "invalidate", on_pool_event)
    event.listen(engine.pool, "soft_invalidate", on_pool_event)
    engine.sqlite_writer_gate = gate
    return gate


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
