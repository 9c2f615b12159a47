"""The challenge responder's hit records (AcmeChallengePoll), written off the request thread.

An ACME server validates an http-01 challenge from several vantage points at once and expects an
answer in a second or two; a row written (and committed) by each answer made the responder
write-bound: on SQLite every hit waited for the one write lock, and took it from the ACME flow.
With ``challenge_poll_flush_seconds`` above 0, a hit is appended to a bounded in-process buffer and
answered at once; a background thread writes the buffer every that many seconds, in one
transaction: the remote addresses resolved (``remote_ip_address``, created race-safe when new),
then one multi-row insert (executemany) of the polls. A clean shutdown (``atexit``) writes what is
left. A full buffer drops the hit, counted and logged; the answer never waits.

What this trades: a killed process loses at most one period of hits, and a poll row appears up to
one period after its hit. Nothing decides on poll rows (they are records for people: which address
fetched which challenge, when), so neither changes what is answered or issued.
"""

import atexit
import logging
import threading
from typing import List
from typing import Optional
from typing import Tuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...model.objects import AcmeChallenge
from ...model.objects import AcmeChallengePoll
from ...model.objects import RemoteIpAddress

log = logging.getLogger(__name__)

# hits waiting at most (about 10 MB at worst); past it a hit is dropped, never waited for
MAX_PENDING = 50000
# a dropped hit is logged the first time and then once every this many
DROP_LOG_EVERY = 1000
REMOTE_IP_MAX = 255


def remote_ip_value(remote_ip_address: Optional[str]) -> str:
    """As ``getcreate__RemoteIpAddress`` stores it."""
    return (remote_ip_address or "unknown")[:REMOTE_IP_MAX]


def _remote_ip_ids(connection, addresses, timestamp) -> dict:
    """``{address: remote_ip_address.id}``, the missing rows created (a row another instance
    makes at the same time is kept: ON CONFLICT DO NOTHING, then read again)."""
    table = RemoteIpAddress.__table__
    wanted = sorted(set(addresses))
    select = sa.select(table.c.remote_ip_address, table.c.id).where(table.c.remote_ip_address.in_(wanted))
    found = dict(connection.execute(select).all())
    missing = [address for address in wanted if address not in found]
    if missing:
        insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
        for address in missing:
            connection.execute(
                insert(table)
                .values(remote_ip_address=address, timestamp_created=timestamp)
                .on_conflict_do_nothing(index_elements=["remote_ip_address"])
            )
        found = dict(connection.execute(select).all())
    return found


def write_polls(connection, hits: List[Tuple[int, object, str]]) -> int:
    """Write ``hits`` ``[(acme_challenge_id, timestamp_polled, remote address)]`` on
    ``connection`` (in the caller's transaction): the addresses resolved, then one executemany.
    A hit of a challenge deleted since is skipped. Returns the rows written."""
    if not hits:
        return 0
    challenge = AcmeChallenge.__table__
    challenge_ids = sorted({hit[0] for hit in hits})
    existing = set(connection.scalars(sa.select(challenge.c.id).where(challenge.c.id.in_(challenge_ids))).all())
    ip_ids = _remote_ip_ids(connection, [hit[2] for hit in hits], max(hit[1] for hit in hits))
    rows = [
        {"acme_challenge_id": challenge_id, "timestamp_polled": timestamp, "remote_ip_address_id": ip_ids[address]}
        for challenge_id, timestamp, address in hits
        if challenge_id in existing
    ]
    if rows:
        connection.execute(sa.insert(AcmeChallengePoll.__table__), rows)
    return len(rows)


class PollRecorder:
    """The bounded buffer of hits and the thread writing it (one per application)."""

    def __init__(self, engine, flush_seconds: float, max_pending: int = MAX_PENDING):
        self.engine = engine
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self.dropped = 0
        self.written = 0
        self._pending: List[Tuple[int, object, str]] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one writer at a time (the thread, a test, shutdown)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def record(self, acme_challenge_id: int, timestamp, remote_ip_address: Optional[str]) -> bool:
        """Queue a hit; False if the buffer is full (the hit is dropped, counted, logged)."""
        hit = (acme_challenge_id, timestamp, remote_ip_value(remote_ip_address))
        with self._lock:
            if len(self._pending) >= self.max_pending:
                self.dropped += 1
                dropped = self.dropped
            else:
                self._pending.append(hit)
                dropped = None
                if self._thread is None:
                    self._start()
        if dropped is not None:
            if dropped == 1 or dropped % DROP_LOG_EVERY == 0:
                log.warning(
                    "acme-challenge poll buffer full (%d hits waiting): %d hit records dropped so far",
                    self.max_pending,
                    dropped,
                )
            return False
        return True

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write every waiting hit now, in one transaction; returns the rows written. On a
        database failure the hits go back to the buffer (as room allows) for the next flush."""
        with self._flush_lock:
            with self._lock:
                hits, self._pending = self._pending, []
            if not hits:
                return 0
            try:
                with self.engine.begin() as connection:
                    written = write_polls(connection, hits)
            except Exception:
                with self._lock:
                    room = max(0, self.max_pending - len(self._pending))
                    self._pending[:0] = hits[:room]
                    self.dropped += len(hits) - min(room, len(hits))
                log.exception("acme-challenge polls not written (%d hits kept for the next try)", min(room, len(hits)))
                return 0
            self.written += written
            return written

    def _start(self) -> None:
        # started on the first hit (not at start-up): a server that forks workers after loading
        # the app gets a thread in each worker that answers challenges, none in the parent
        self._thread = threading.Thread(target=self._run, name="peter_sslers-challenge-polls", daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self.flush()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread and write what is left (``atexit``, or a test)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self.flush()

