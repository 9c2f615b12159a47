"""The in-process writer gate of a SQLite engine (peter_sslers/model/meta.py SQLiteWriterGate)."""

import threading
import time

import pytest
import sqlalchemy as sa

from peter_sslers.model import meta


@pytest.fixture
def engine(tmp_path):
    engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s" % (tmp_path / "gate.sqlite")})
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    yield engine
    engine.dispose()


def _gate(engine):
    return engine.sqlite_writer_gate


def test_postgresql_and_memory_urls_only_sqlite_gets_a_gate(engine):
    assert isinstance(_gate(engine), meta.SQLiteWriterGate)
    assert _gate(engine).timeout == meta.SQLITE_BUSY_TIMEOUT
    other = meta.get_engine({"sqlalchemy.url": "sqlite:///:memory:?timeout=7"})
    assert _gate(other).timeout == 7
    pg = sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connects
    assert not hasattr(pg, "sqlite_writer_gate")


def test_parallel_writers_in_threads_finish_without_database_is_locked(engine):
    errors = []

    def writer():
        for _ in range(40):
            try:
                with engine.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO t (v) VALUES ('x')")
                    connection.exec_driver_sql("SELECT count(*) FROM t").all()
                    connection.exec_driver_sql("UPDATE t SET v = 'y' WHERE id = 1")
            except Exception as exc:  # pragma: no cover - the failure this test is about
                errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 8 * 40
    assert _gate(engine).holder is None


def test_released_after_commit_and_rollback(engine):
    gate = _gate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1").all()
        assert gate.holder is None  # a read takes nothing
        connection.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
        assert gate.holds(connection.connection.dbapi_connection)
        connection.commit()
        assert gate.holder is None
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        assert gate.holds(connection.connection.dbapi_connection)
        connection.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
        connection.rollback()
        assert gate.holder is None
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_released_after_an_exception(engine):
    gate = _gate(engine)
    with pytest.raises(sa.exc.IntegrityError):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t (id, v) VALUES (1, 'a')")
            connection.exec_driver_sql("INSERT INTO t (id, v) VALUES (1, 'a')")
    assert gate.holder is None
    with pytest.raises(RuntimeError):
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
            raise RuntimeError("boom")
    assert gate.holder is None


def test_released_when_returned_to_the_pool_without_commit(engine):
    gate = _gate(engine)
    connection = engine.connect()
    connection.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
    assert gate.holder is not None
    connection.close()  # the pool's reset rolls back
    assert gate.holder is None
    # also with the pool's reset turned off: check-in gives it back
    raw = engine.raw_connection()
    raw.cursor().execute("SELECT 1")
    gate.acquire(raw.dbapi_connection)
    raw.close()
    assert gate.holder is None


def test_nested_savepoints_keep_it_to_the_outer_commit(engine):
    gate = _gate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
        with connection.begin_nested():
            connection.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
            with connection.begin_nested():
                connection.exec_driver_sql("INSERT INTO t (v) VALUES ('c')")
        assert gate.holds(connection.connection.dbapi_connection)
        connection.commit()
    assert gate.holder is None


def test_a_thread_with_two_connections_does_not_wait_on_itself(tmp_path):
    """A thread holding a write on one connection that writes on a second one goes straight to
    SQLite's wait (and its `database is locked` after the busy timeout), as without the gate."""
    engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s?timeout=0.5" % (tmp_path / "two.sqlite")})
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    first = engine.connect()
    first.exec_driver_sql("INSERT INTO t (v) VALUES ('a')")
    second = engine.connect()
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError, match="database is locked"):
        second.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
    assert time.monotonic() - started < 2
    second.close()
    first.commit()
    first.close()
    assert _gate(engine).holder is None
    engine.dispose()


def test_the_wait_is_bounded_then_sqlite_decides(tmp_path):
    """Another thread's leaked write transaction: the gate waits its timeout, then SQLite's own
    busy wait answers `database is locked`; nothing hangs beyond the two."""
    engine = meta.get_engine({"sqlalchemy.url": "sqlite:///%s?timeout=0.3" % (tmp_path / "b.sqlite")})
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    holder = {}

    def hold():
        holder["connection"] = engine.connect()
        holder["connection"].exec_driver_sql("INSERT INTO t (v) VALUES ('a')")

    thread = threading.Thread(target=hold)
    thread.start()
    thread.join()
    started = time.monotonic()
    with engine.connect() as connection:
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            connection.exec_driver_sql("INSERT INTO t (v) VALUES ('b')")
    assert 0.5 <= time.monotonic() - started < 3
    holder["connection"].rollback()
    holder["connection"].close()
    assert _gate(engine).holder is None
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t (v) VALUES ('c')")
    assert _gate(engine).holder is None
    engine.dispose()
