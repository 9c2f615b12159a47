"""The challenge responder's hit records off the request thread (challenge_poll_flush_seconds > 0)."""

import logging
import time

import pytest
import sqlalchemy as sa
import webtest

from peter_sslers.config import ApplicationSettings
from peter_sslers.config import ConfigurationError
from peter_sslers.lib.db import challenge_polls
from peter_sslers.model import objects as m
from peter_sslers.model.meta import utcnow
from tests import factories as f
from tests.conftest import count_rows

TOKEN = "pOll3d_-abcdefghijklmnopqrstuvwxyzABCDEFGH1"


@pytest.fixture
def challenge(db, dbsession):
    dbChallenge = f.make_challenge(dbsession, domain_name="example.com", token=TOKEN)
    dbsession.commit()
    return dbChallenge


@pytest.fixture
def buffered(make_app, db):
    """An app whose recorder writes only when told (a period no test waits for)."""
    app = make_app(challenge_poll_flush_seconds="60")
    yield app
    app.registry.challenge_polls.stop(timeout=0)


def hit(app, token=TOKEN, host="example.com", remote="192.0.2.7", status=200):
    return webtest.TestApp(app).get(
        "/.well-known/acme-challenge/%s" % token,
        extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": remote},
        status=status,
    )


def test_a_hit_writes_nothing_until_the_flush(buffered, challenge, db, count_queries):
    recorder = buffered.registry.challenge_polls
    with count_queries() as counter:
        res = hit(buffered)
    assert res.text == challenge.keyauthorization
    statements = [s.lstrip().upper() for s in counter.statements]
    assert len(statements) == 1 and statements[0].startswith("SELECT"), counter.statements
    assert count_rows(db, m.AcmeChallengePoll) == 0
    assert recorder.pending == 1
    hit(buffered, remote="192.0.2.8")
    hit(buffered, remote="192.0.2.7")
    assert recorder.flush() == 3
    assert recorder.pending == 0 and recorder.written == 3
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(m.AcmeChallengePoll.acme_challenge_id, m.RemoteIpAddress.remote_ip_address, m.AcmeChallengePoll.timestamp_polled)
            .join(m.RemoteIpAddress, m.RemoteIpAddress.id == m.AcmeChallengePoll.remote_ip_address_id)
            .order_by(m.AcmeChallengePoll.id)
        ).all()
    assert [(r[0], r[1]) for r in rows] == [(challenge.id, "192.0.2.7"), (challenge.id, "192.0.2.8"), (challenge.id, "192.0.2.7")]
    assert all(r[2].tzinfo is not None for r in rows)
    assert count_rows(db, m.RemoteIpAddress) == 2  # resolved at flush time, each address once
    assert recorder.flush() == 0  # nothing left


def test_a_miss_records_nothing(buffered, challenge, db):
    hit(buffered, host="other.example.com", status=404)
    hit(buffered, token="unknownToken", status=404)
    assert buffered.registry.challenge_polls.pending == 0


def test_the_thread_flushes_on_its_own(make_app, challenge, db):
    app = make_app(challenge_poll_flush_seconds="0.05")
    recorder = app.registry.challenge_polls
    try:
        hit(app)
        deadline = time.monotonic() + 10
        while count_rows(db, m.AcmeChallengePoll) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert count_rows(db, m.AcmeChallengePoll) == 1
    finally:
        recorder.stop()
    assert recorder.pending == 0


def test_stop_writes_what_is_left(buffered, challenge, db):
    hit(buffered)
    buffered.registry.challenge_polls.stop(timeout=1)
    assert count_rows(db, m.AcmeChallengePoll) == 1


def test_a_full_buffer_drops_the_record_never_the_answer(buffered, challenge, db, caplog):
    recorder = buffered.registry.challenge_polls
    recorder.max_pending = 2
    with caplog.at_level(logging.WARNING, logger="peter_sslers.lib.db.challenge_polls"):
        for _ in range(4):
            assert hit(buffered).text == challenge.keyauthorization
    assert recorder.pending == 2 and recorder.dropped == 2
    assert [r for r in caplog.records if "buffer full" in r.getMessage()]
    assert recorder.flush() == 2


def test_a_failed_flush_keeps_the_hits(buffered, challenge, db, monkeypatch, caplog):
    recorder = buffered.registry.challenge_polls
    hit(buffered)

    def broken(connection, hits):
        raise RuntimeError("database gone")

    monkeypatch.setattr(challenge_polls, "write_polls", broken)
    with caplog.at_level(logging.ERROR, logger="peter_sslers.lib.db.challenge_polls"):
        assert recorder.flush() == 0
    assert recorder.pending == 1 and count_rows(db, m.AcmeChallengePoll) == 0
    monkeypatch.undo()
    assert recorder.flush() == 1


def test_a_deleted_challenge_is_skipped(buffered, challenge, db):
    hit(buffered)
    recorder = buffered.registry.challenge_polls
    recorder.record(challenge.id + 1000, utcnow(), "192.0.2.9")  # a challenge deleted since its hit
    assert recorder.pending == 2
    assert recorder.flush() == 1


def test_zero_writes_in_the_request(testapp, challenge, db):
    assert testapp.app.registry.challenge_polls is None  # test.ini: challenge_poll_flush_seconds = 0
    testapp.get("/.well-known/acme-challenge/%s" % TOKEN, extra_environ={"HTTP_HOST": "example.com"}, status=200)
    assert count_rows(db, m.AcmeChallengePoll) == 1


@pytest.mark.parametrize("raw", ["-1", "61", "soon"])
def test_bad_values_are_refused(raw):
    with pytest.raises(ConfigurationError) as excinfo:
        ApplicationSettings.from_settings({"challenge_poll_flush_seconds": raw})
    assert excinfo.value.option == "challenge_poll_flush_seconds"


def test_default_is_one_second():
    assert ApplicationSettings.from_settings({}).challenge_poll_flush_seconds == 1.0
