"""Prime a Redis server with what OpenResty serves, in the layout lua-resty-peter_sslers reads.

Pure apart from the Redis connection: no Pyramid, no database. Callers (``lib.db.actions_redis``)
turn database rows into :class:`DomainCertificate` values and hand them here.

The key layout
--------------

These are the names lua-resty-peter_sslers 0.5 reads in ``ssl_certificate_by_lua`` (and the
names the 2021 code wrote). The specification's examples (``d:{domain}``, ``c1``, a bare
``{domain}``) are older names no released OpenResty module reads; ``docs/Redis.md`` says more.

``prime_style = 1`` (each certificate, key and chain stored once, domains point at them)::

    d1:{domain_name}  hash    {"c": "<CertificateSigned id>", "p": "<PrivateKey id>",
                               "i": "<CertificateCAChain id>"}      TTL redis.timeout.domain
    c:{id}            string  the certificate PEM                   TTL redis.timeout.cert
    p:{id}            string  the private key PEM                   TTL redis.timeout.pkey
    i:{id}            string  the chain PEM (intermediates)         TTL redis.timeout.certca

    The reader assembles the full chain as ``c + "\\n" + i``. A domain whose certificate has
    no chain cannot be served this way (the module needs all three ids): it is skipped, and any
    hash it had is deleted.

``prime_style = 2`` (one self-contained hash per domain)::

    d2:{domain_name}  hash    {"f": "<fullchain PEM>", "p": "<private key PEM>"}
                                                                    TTL redis.timeout.domain

    The fullchain is the certificate PEM followed by the chain PEM, exactly the ``fullchain``
    of ``config.json``.

Ids are decimal strings. A TTL of ``None`` means no expiry (an existing TTL is removed); every
write sets the TTL again, so re-priming refreshes it. Values are written before the domain hash
that points at them, and each batch is one MULTI/EXEC transaction, so a reader never sees a
domain hash whose values are missing (unless their own, shorter TTL has run out).

One style at a time: writing a domain in one style deletes its hash of the other style in the
same transaction, and the stale sweep of a full prime deletes every hash of the other style
(and, priming style 2, every ``c:``/``p:``/``i:`` value). A reader that tries both styles (an
edge configured with ``any``) therefore never finds a certificate left from before a change of
``redis.prime_style``.

Public API
----------

* ``PRIME_STYLES``, ``DEFAULT_BATCH_SIZE`` (domains per pipeline round trip: 100),
  ``PRIME_BATCH_SIZE`` (the full prime's: 500).
* Key names: :func:`key_domain` ``(style, domain_name)``, :func:`key_cert`, :func:`key_pkey`,
  :func:`key_chain` ``(id)``.
* :class:`DomainCertificate`: what one domain serves (names, ids, PEMs; ``fullchain_pem``).
* :class:`TimeToLive`: ``certca``, ``cert``, ``pkey``, ``domain`` in seconds or None
  (``TimeToLive.from_settings(settings)`` reads ``redis.timeout.*``).
* :class:`PrimeResult`: the counts of one prime (``total_primed()``, ``as_json()``).
* :func:`client_for_url` ``(url, quick=False)``: a ``redis.Redis`` for ``redis.url`` (its
  database number honoured, ``decode_responses=True``), one connection pool per URL and kind per
  process. ``quick=True`` is the client of the write-through and of the updates after a
  revocation: ``QUICK_TIMEOUT_SECONDS`` to connect and for each command, no retries. Any client
  works for priming; :func:`read_domain` answers text only with ``decode_responses=True``.
* :class:`Backoff`, and ``WRITE_THROUGH_BACKOFF`` (this process's): after a failure, a server is
  skipped for ``BACKOFF_SECONDS`` by the write-through (``remaining(url)``, ``failed(url)``,
  ``succeeded(url)``).
* :func:`describe_server` ``(url)``: the URL with any password (and a username or password given
  as a query parameter) masked, for messages and logs.
* :class:`Primer`: ``Primer(client, style, ttl, server=...)``; ``ping()``; ``prime(items)`` writes
  one batch (call it repeatedly with batches, for example of ``DEFAULT_BATCH_SIZE``);
  ``remove_domains(names)`` deletes domain hashes (both styles); ``remove_values(cert_ids=...,
  pkey_ids=..., chain_ids=...)`` deletes ``c:``/``p:``/``i:`` values; ``remove_stale()`` (after
  the last batch of a full prime) deletes every domain hash of the style this primer did not
  write, every hash of the other style, and every ``c:``/``p:``/``i:`` value that neither this
  primer wrote nor a ``d1:`` hash points at; ``result`` holds the counts.
* :func:`prime_domains` ``(client, style, items, ttl, batch_size=100, server=None)``: a whole
  iterable through one :class:`Primer`, in batches.
* :func:`read_domain` ``(client, style, domain_name)``: what OpenResty would get for a name,
  ``{"fullchain": ..., "private_key": ...}`` or None, assembled as the Lua module does.

Every Redis failure (refused connection, time-out, a refused command such as a database number
the server does not have) is raised as :class:`peter_sslers.lib.errors.RedisUnavailable`, naming
the server.
"""

import dataclasses
import functools
import logging
import threading
import time
import urllib.parse
from typing import Callable
from typing import Dict
from typing import Iterable
from typing import Iterator
from typing import List
from typing import Optional
from typing import Set

import redis
import redis.backoff
import redis.retry

from ..config import mask_url_secrets
from . import errors

log = logging.getLogger(__name__)

PRIME_STYLES = (1, 2)
DEFAULT_BATCH_SIZE = 100
# the full prime (lib.db.actions_redis.prime_redis__all): domains per SQL page and Redis round trip;
# 100 is a third slower, 1,000 no faster and a bigger transient peak of memory
PRIME_BATCH_SIZE = 500

# The full prime (an admin action, or a cron job) may wait for a big batch: connecting gives up
# quickly, a command may take long.
CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 30.0
# The write-through runs while OpenResty's fallback request waits for config.json (2 seconds by
# default, see docs/OpenResty.md): connecting and each command give up after this, without a retry,
# so a hung Redis costs the answer at most about twice this. Updates after a revocation use it too.
QUICK_TIMEOUT_SECONDS = 0.5
# After a write-through failed, this process leaves that server alone for this long, so a hung
# Redis costs one time-out per process and period, not one per request.
BACKOFF_SECONDS = 30.0

# SCAN page size for the stale sweep: large enough to be quick, small enough not to block Redis.
_SCAN_COUNT = 1000


# --- key names


def key_domain(style: int, domain_name: str) -> str:
    if style not in PRIME_STYLES:
        raise ValueError("unknown prime style %r" % (style,))
    return "d%d:%s" % (style, domain_name)


def key_cert(certificate_id) -> str:
    return "c:%s" % certificate_id


def key_pkey(private_key_id) -> str:
    return "p:%s" % private_key_id


def key_chain(chain_id) -> str:
    return "i:%s" % chain_id


# --- plain values


@dataclasses.dataclass(frozen=True)
class DomainCertificate:
    """What one domain serves: its certificate, that certificate's key and preferred chain.

    Ids are the database ids as strings. ``chain_id``/``chain_pem`` are None for a certificate
    stored without a chain.
    """

    domain_name: str
    certificate_id: str
    cert_pem: str
    private_key_id: str
    key_pem: str
    chain_id: Optional[str] = None
    chain_pem: Optional[str] = None

    @property
    def fullchain_pem(self) -> str:
        return self.cert_pem + (self.chain_pem or "")


@dataclasses.dataclass(frozen=True)
class TimeToLive:
    """Seconds each kind of key lives in Redis; None keeps it until it is overwritten or removed."""

    certca: Optional[int] = None
    cert: Optional[int] = None
    pkey: Optional[int] = None
    domain: Optional[int] = None

    @classmethod
    def from_settings(cls, settings) -> "TimeToLive":
        """From an ``ApplicationSettings`` (``redis.timeout.certca/cert/pkey/domain``)."""
        return cls(
            certca=settings.redis_timeout_certca,
            cert=settings.redis_timeout_cert,
            pkey=settings.redis_timeout_pkey,
            domain=settings.redis_timeout_domain,
        )


@dataclasses.dataclass
class PrimeResult:
    """What a prime wrote and removed, counted in distinct keys.

    ``cert``/``pkey``/``certcachain`` count the ``c:``/``p:``/``i:`` values written (style 1 only:
    style 2 keeps the PEMs inside the domain hash); ``domain`` the domain hashes written.
    ``skipped`` lists the domains that could not be primed (style 1, no chain).
    """

    prime_style: int
    domain: int = 0
    cert: int = 0
    pkey: int = 0
    certcachain: int = 0
    skipped: List[str] = dataclasses.field(default_factory=list)
    removed: Dict[str, int] = dataclasses.field(
        default_factory=lambda: {"domain": 0, "cert": 0, "pkey": 0, "certcachain": 0}
    )

    def total_primed(self) -> dict:
        """The 2021 payload's counts: ``{"certcachain", "cert", "pkey", "domain"}``."""
        return {"certcachain": self.certcachain, "cert": self.cert, "pkey": self.pkey, "domain": self.domain}

    def as_json(self) -> dict:
        return {
            "prime_style": self.prime_style,
            "total_primed": self.total_primed(),
            "removed": dict(self.removed),
            "skipped": list(self.skipped),
        }


# --- the connection


def describe_server(url: str) -> str:
    """``url`` with its secrets replaced by ``********``: the password of its userinfo, and the
    value of any ``password`` or ``username`` query parameter (redis-py accepts both forms; the
    query is the only one for ``unix://`` URLs). The settings page masks it the same way."""
    return mask_url_secrets(url)


@functools.lru_cache(maxsize=16)
def client_for_url(url: str, quick: bool = False) -> "redis.Redis":
    """The client for ``redis.url``: the database number of the URL (``/9``, or ``?db=9`` for
    ``unix://``) is selected on every connection. Cached: one connection pool per URL and kind.

    :param quick: the write-through's client: ``QUICK_TIMEOUT_SECONDS`` to connect and for each
        command, and no retry (a retry would double the wait on a hung server).
    """
    if quick:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=QUICK_TIMEOUT_SECONDS,
            socket_timeout=QUICK_TIMEOUT_SECONDS,
            retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
            decode_responses=True,
        )
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=COMMAND_TIMEOUT_SECONDS,
        decode_responses=True,
    )


class Backoff:
    """A per-process circuit breaker: after a failure, a server is left alone for ``seconds``.

    Thread-safe (a process serves requests on several threads). Keyed by whatever names the
    server (``redis.url``).

    :param clock: monotonic seconds (``time.monotonic``); tests pass their own.
    """

    def __init__(self, seconds: float = BACKOFF_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._until: Dict[str, float] = {}

    def remaining(self, server: str) -> float:
        """Seconds left before ``server`` may be tried again; 0 when it may be tried now."""
        with self._lock:
            until = self._until.get(server)
            if until is None:
                return 0
            left = until - self.clock()
            if left <= 0:
                del self._until[server]
                return 0
            return left

    def failed(self, server: str) -> None:
        with self._lock:
            self._until[server] = self.clock() + self.seconds

    def succeeded(self, server: str) -> None:
        with self._lock:
            self._until.pop(server, None)

    def reset(self) -> None:
        """Forget every failure."""
        with self._lock:
            self._until.clear()


# The write-through's breaker of this process.
WRITE_THROUGH_BACKOFF = Backoff()


def _server_of(client) -> str:
    """A description of the client's server when the caller gave none (host:port/db)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return "unix://%s?db=%s" % (kwargs["path"], kwargs.get("db", 0))
    return "redis://%s:%s/%s" % (kwargs.get("host"), kwargs.get("port"), kwargs.get("db", 0))


# --- priming


class Primer:
    """Writes batches of :class:`DomainCertificate` into Redis for one prime style.

    One Primer is one prime: it remembers what it wrote, so a certificate, key or chain shared by
    many domains is written once, and :meth:`remove_stale` knows what to keep.

    :raises errors.RedisUnavailable: from every method that talks to Redis.
    """

    def __init__(self, client, style: int, ttl: Optional[TimeToLive] = None, server: Optional[str] = None):
        if style not in PRIME_STYLES:
            raise ValueError("unknown prime style %r (expected 1 or 2)" % (style,))
        self.client = client
        self.style = style
        self.ttl = ttl or TimeToLive()
        self.server = server or _server_of(client)
        self.result = PrimeResult(prime_style=style)
        # what this primer wrote: the domain names (for the stale sweep) and the ids of the
        # values (a bit each: 100,000 domains' certificates and keys take kilobytes, not MB)
        self._domains: Set[str] = set()
        self._certs = _IdSet()
        self._pkeys = _IdSet()
        self._chains = _IdSet()
        self._written = {"c": self._certs, "p": self._pkeys, "i": self._chains}
        self._sweep_candidates: Dict[str, Set[str]] = {field: set() for field in _VALUE_FIELDS}

    def _execute(self, pipeline) -> list:
        try:
            return pipeline.execute()
        except redis.exceptions.RedisError as exc:
            raise errors.RedisUnavailable(self.server, str(exc) or exc.__class__.__name__) from exc

    def ping(self) -> None:
        """Check the server answers (and has the URL's database) before any work is done."""
        try:
            self.client.ping()
        except redis.exceptions.RedisError as exc:
            raise errors.RedisUnavailable(self.server, str(exc) or exc.__class__.__name__) from exc

    def wrote(self, field: str, value_id) -> bool:
        """Whether this primer wrote the ``c``/``p``/``i`` value of this id (style 1): a caller
        loading PEMs for the next batch need not load it again (see :meth:`prime`)."""
        return _as_id(str(value_id)) in self._written[field]

    def prime(self, items: Iterable[DomainCertificate]) -> None:
        """Write one batch in one round trip (a MULTI/EXEC transaction).

        Each domain's hash of the other style is deleted in the same transaction (one style at
        a time); so is the style-1 hash of a domain skipped for want of a chain, which must not
        go on serving an older certificate. Style 1 writes each ``c:``/``p:``/``i:`` value once
        per primer: an item's PEM may be None for a value this primer already wrote
        (:meth:`wrote`).
        """
        style = self.style
        own, other = ("d1:", "d2:") if style == 1 else ("d2:", "d1:")
        ttl = self.ttl
        domain_ttl = ttl.domain
        # the commands of the batch, in order (one transaction, so the order is only what the
        # counts see): one DEL of every hash to be removed (the other style's, and both of a
        # skipped domain; its count is the removals); one DEL of the hashes about to be written
        # (each holds exactly its fields, whatever was there, even a non-hash); the values, in
        # one MSET (those with a TTL: a SET each; a SET or MSET drops any TTL a key had, so
        # switching a TTL off takes effect too); then the hashes that point at them.
        removals: List[str] = []
        rewritten: List[str] = []
        values: List[str] = []  # MSET's key, value, key, value...
        expiring: List[tuple] = []
        hashes: List[tuple] = []
        certs, pkeys, chains = self._certs, self._pkeys, self._chains

        def value(key: str, pem: str, seconds: Optional[int]) -> None:
            if seconds is None:
                values.append(key)
                values.append(pem)
            else:
                expiring.append(("SET", key, pem, "EX", seconds))

        for item in items:
            name = item.domain_name
            removals.append(other + name)
            if style == 1:
                if item.chain_id is None:
                    self.result.skipped.append(name)
                    removals.append(own + name)
                    continue
                cert_id, pkey_id, chain_id = (
                    _as_id(item.certificate_id),
                    _as_id(item.private_key_id),
                    _as_id(item.chain_id),
                )
                if cert_id not in certs:
                    value("c:" + item.certificate_id, item.cert_pem, ttl.cert)
                    certs.add(cert_id)
                if pkey_id not in pkeys:
                    value("p:" + item.private_key_id, item.key_pem, ttl.pkey)
                    pkeys.add(pkey_id)
                if chain_id not in chains:
                    value("i:" + item.chain_id, item.chain_pem, ttl.certca)
                    chains.add(chain_id)
                fields = ("c", item.certificate_id, "p", item.private_key_id, "i", item.chain_id)
            else:
                fields = ("f", item.fullchain_pem, "p", item.key_pem)
            key = own + name
            rewritten.append(key)
            hashes.append(("HSET", key) + fields)
            if domain_ttl:
                hashes.append(("EXPIRE", key, domain_ttl))
            self._domains.add(name)
        if removals:
            pipeline = self.client.pipeline(transaction=True)
            pipeline.execute_command("DEL", *removals)
            if rewritten:
                pipeline.execute_command("DEL", *rewritten)
            if values:
                pipeline.execute_command("MSET", *values)
            for command in expiring:
                pipeline.execute_command(*command)
            for command in hashes:
                pipeline.execute_command(*command)
            replies = self._execute(pipeline)
            self.result.removed["domain"] += replies[0]
        self.result.domain = len(self._domains)
        if style == 1:
            self.result.cert = len(certs)
            self.result.pkey = len(pkeys)
            self.result.certcachain = len(chains)

    def remove_domains(self, domain_names: Iterable[str]) -> int:
        """Delete these domains' hashes, of both styles: they are not to be served from Redis."""
        keys = [key_domain(style, name) for name in domain_names for style in PRIME_STYLES]
        if not keys:
            return 0
        pipeline = self.client.pipeline(transaction=False)
        pipeline.delete(*keys)
        removed = self._execute(pipeline)[0]
        self.result.removed["domain"] += removed
        return removed

    def remove_values(self, cert_ids: Iterable = (), pkey_ids: Iterable = (), chain_ids: Iterable = ()) -> dict:
        """Delete these ``c:``/``p:``/``i:`` values (a revoked certificate, a compromised key),
        whichever style is configured: a value nobody should serve must not stay in Redis.

        :returns: the counts deleted, ``{"cert", "pkey", "certcachain"}``.
        """
        groups = [
            ("cert", [key_cert(i) for i in cert_ids]),
            ("pkey", [key_pkey(i) for i in pkey_ids]),
            ("certcachain", [key_chain(i) for i in chain_ids]),
        ]
        groups = [(kind, keys) for kind, keys in groups if keys]
        counts = {"cert": 0, "pkey": 0, "certcachain": 0}
        if not groups:
            return counts
        pipeline = self.client.pipeline(transaction=True)
        for _kind, keys in groups:
            pipeline.delete(*keys)
        for (kind, _keys), removed in zip(groups, self._execute(pipeline)):
            counts[kind] += removed
            self.result.removed[kind] += removed
        return counts

    # -- the stale sweep

    def remove_stale(self) -> dict:
        """After a full prime: delete what this primer did not write, so that Redis serves
        exactly what the database says.

        1. Domain hashes: those of this style it did not write (a Domain marked inactive, a
           Domain whose certificates were all deactivated or revoked), and every hash of the
           other style (left from before a change of ``redis.prime_style``).
        2. ``c:``/``p:``/``i:`` values (a replaced certificate, a compromised key; with style 2
           all of them, the style-1 layout being out of use) that this primer did not write and
           that no ``d1:`` hash points at when they are deleted: a write-through running during
           the sweep writes values this primer does not know, and they stay. The deletion is a
           WATCHed transaction, so a value rewritten between the check and the deletion is not
           deleted either (the sweep starts again, up to ``_SWEEP_ATTEMPTS`` times).

        A domain hash written by a write-through during the sweep may still be deleted; that
        costs the domain one more fallback request (which writes it again), never a wrong
        certificate.

        :returns: the ``removed`` counts.
        """
        own = "d%d:" % self.style
        # one SCAN for the hashes of both styles, page by page: deleting behind a SCAN is safe,
        # and no list of every key is held
        for page in self._scan_pages(_DOMAIN_PATTERN):
            stale = []
            for key in page:
                text = _text(key)
                if text.startswith(own):
                    if text[3:] not in self._domains:
                        stale.append(key)
                elif text[:3] in _DOMAIN_PREFIXES:
                    stale.append(key)
            if stale:
                pipeline = self.client.pipeline(transaction=False)
                pipeline.delete(*stale)
                self.result.removed["domain"] += self._execute(pipeline)[0]
        self._remove_unreferenced_values()
        return dict(self.result.removed)

    def _scan_pages(self, match: str) -> Iterator[list]:
        """The keys matching the SCAN pattern ``match``, one SCAN page at a time."""
        cursor = "0"
        try:
            while True:
                cursor, keys = self.client.scan(cursor, match=match, count=_SCAN_COUNT)
                if keys:
                    yield keys
                if int(cursor) == 0:
                    return
        except redis.exceptions.RedisError as exc:
            raise errors.RedisUnavailable(self.server, str(exc) or exc.__class__.__name__) from exc

    def _stale_values(self) -> Dict[str, list]:
        """The ``c:``/``p:``/``i:`` keys this primer did not write, by field (one SCAN)."""
        written = {"c": self._certs, "p": self._pkeys, "i": self._chains}
        stale: Dict[str, list] = {field: [] for field in _VALUE_FIELDS}
        for page in self._scan_pages(_VALUE_PATTERN):
            for key in page:
                text = _text(key)
                field = text[:1]
                if text[1:2] == ":" and field in written and _as_id(text[2:]) not in written[field]:
                    stale[field].append(key)
        return stale

    def _referenced_values(self) -> Dict[str, Set[str]]:
        """Of the ids in ``self._sweep_candidates`` (``{"c": {...}, "p": {...}, "i": {...}}``),
        those a ``d1:`` hash points at now; every ``d1:`` hash is read, a SCAN page at a time,
        and only the candidates are remembered."""
        wanted = self._sweep_candidates
        referenced: Dict[str, Set[str]] = {field: set() for field in _VALUE_FIELDS}
        for page in self._scan_pages(_glob_escape("d1:") + "*"):
            pipeline = self.client.pipeline(transaction=False)
            for key in page:
                pipeline.hmget(key, *_VALUE_FIELDS)
            for ids in self._execute(pipeline):
                for field, value in zip(_VALUE_FIELDS, ids):
                    if value is not None:
                        value = _text(value)
                        if value in wanted[field]:
                            referenced[field].add(value)
        return referenced

    def _remove_unreferenced_values(self) -> None:
        for _attempt in range(_SWEEP_ATTEMPTS):
            candidates = self._stale_values()
            watched = [key for keys in candidates.values() for key in keys]
            if not watched:
                return
            self._sweep_candidates = {
                field: {_text(key)[len(prefix) :] for key in candidates[field]}
                for field, (prefix, _kind) in _VALUE_FIELDS.items()
            }
            try:
                with self.client.pipeline(transaction=True) as pipeline:
                    # From here on, a write to any candidate (a write-through's SET) aborts the
                    # EXEC below; a write before it shows in the d1: hashes read next.
                    pipeline.watch(*watched)
                    referenced = self._referenced_values()
                    pipeline.multi()
                    kinds = []
                    for field, (prefix, kind) in _VALUE_FIELDS.items():
                        doomed = [
                            key for key in candidates[field] if _text(key)[len(prefix) :] not in referenced[field]
                        ]
                        for start in range(0, len(doomed), _SCAN_COUNT):
                            pipeline.delete(*doomed[start : start + _SCAN_COUNT])
                            kinds.append(kind)
                    replies = pipeline.execute() if kinds else []
            except redis.exceptions.WatchError:
                continue  # something was written meanwhile: look again
            except redis.exceptions.RedisError as exc:
                raise errors.RedisUnavailable(self.server, str(exc) or exc.__class__.__name__) from exc
            for kind, removed in zip(kinds, replies):
                self.result.removed[kind] += removed
            return
        log.warning(
            "redis stale sweep on %s: values kept, they kept changing during %s attempts",
            self.server,
            _SWEEP_ATTEMPTS,
        )


# The fields of a d1: hash, with the prefix of the values they name and the kind counted.
_VALUE_FIELDS = {"c": ("c:", "cert"), "p": ("p:", "pkey"), "i": ("i:", "certcachain")}
# The SCAN patterns of the stale sweep: the domain hashes of both styles, and the values (the
# keys they match are checked again by prefix).
_DOMAIN_PATTERN = "d[12]:*"
_DOMAIN_PREFIXES = frozenset("d%d:" % style for style in PRIME_STYLES)
_VALUE_PATTERN = "[cpi]:*"
# How often the value sweep starts again when a write-through keeps changing its candidates.
_SWEEP_ATTEMPTS = 3


def _as_id(text: str):
    """An id as the primer remembers it: the int of a canonical decimal string (what the
    database's ids print as); any other text stays text (nothing this primer wrote)."""
    if text.isdigit() and (text == "0" or text[0] != "0"):
        return int(text)
    return text


class _IdSet:
    """A set of database ids (``add``, ``in``, ``len``): a bitmap for the ids up to
    ``_IdSet.BITMAP_LIMIT`` (one bit each, grown as needed: 1.25 MB for ten million), a ``set``
    for any other value (a larger id, text)."""

    BITMAP_LIMIT = 1 << 26

    def __init__(self):
        self._bits = bytearray()
        self._others: set = set()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, value) -> None:
        if isinstance(value, int) and 0 <= value < self.BITMAP_LIMIT:
            byte, bit = value >> 3, 1 << (value & 7)
            if byte >= len(self._bits):
                self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
            if not self._bits[byte] & bit:
                self._bits[byte] |= bit
                self._count += 1
        elif value not in self._others:
            self._others.add(value)
            self._count += 1

    def __contains__(self, value) -> bool:
        if isinstance(value, int) and 0 <= value < self.BITMAP_LIMIT:
            byte = value >> 3
            return byte < len(self._bits) and bool(self._bits[byte] & (1 << (value & 7)))
        return value in self._others


def _text(value) -> str:
    """A key or id as text: a client without decode_responses answers bytes."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


def _glob_escape(text: str) -> str:
    """Escape the glob characters of a SCAN MATCH pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def prime_domains(
    client,
    style: int,
    items: Iterable[DomainCertificate],
    ttl: Optional[TimeToLive] = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    server: Optional[str] = None,
) -> PrimeResult:
    """Prime every item, ``batch_size`` domains per round trip.

    :raises errors.RedisUnavailable: the batches before the failing one stay written.
    """
    primer = Primer(client, style, ttl, server=server)
    batch: List[DomainCertificate] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            primer.prime(batch)
            batch = []
    if batch:
        primer.prime(batch)
    return primer.result


def read_domain(client, style: int, domain_name: str) -> Optional[dict]:
    """What OpenResty gets for ``domain_name``: ``{"fullchain", "private_key"}``, or None on a
    miss. Style 1 assembles the full chain as the Lua module does: ``c + "\\n" + i``."""
    try:
        if style == 1:
            cert_id, pkey_id, chain_id = client.hmget(key_domain(1, domain_name), "c", "p", "i")
            if cert_id is None or pkey_id is None or chain_id is None:
                return None
            cert, pkey, chain = client.mget(key_cert(cert_id), key_pkey(pkey_id), key_chain(chain_id))
            if cert is None or pkey is None or chain is None:
                return None
            return {"fullchain": cert + "\n" + chain, "private_key": pkey}
        fullchain, pkey = client.hmget(key_domain(2, domain_name), "f", "p")
        if fullchain is None or pkey is None:
            return None
        return {"fullchain": fullchain, "private_key": pkey}
    except redis.exceptions.RedisError as exc:
        raise errors.RedisUnavailable(_server_of(client), str(exc) or exc.__class__.__name__) from exc
