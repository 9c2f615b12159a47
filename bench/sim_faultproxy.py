"""A loopback HTTPS proxy in front of a real pebble that injects server errors (for ``simulate.py``):
``tools/pebble_front_proxy.PebbleFrontProxy`` (pebble's listener certificate, every request forwarded
unchanged with its ``Host``) with the faults below.

Faults, decided per request before it is forwarded (pebble never sees a refused request):

* ``rate_500``: the share of requests answered ``500`` with an ACME ``serverInternal`` problem (the
  client does not retry a 500: the order fails, the renewal item fails, cron tries again later);
* ``rate_503``: the share answered ``503`` with ``Retry-After: 0`` (the client retries a 503);
* ``outages``: ``(start, end)`` pairs of ``time.time()`` seconds during which every request gets a
  503 (a CA that is down for a while).

It counts what passed through (:attr:`counts`), including pebble's own ``badNonce`` rejections
(``PEBBLE_WFE_NONCEREJECT``), which it forwards untouched.
"""

import json
import random
import threading
import time
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

from tools.pebble_front_proxy import Answer
from tools.pebble_front_proxy import PebbleFrontProxy


class FaultProxy(PebbleFrontProxy):
    name = "fault-proxy"

    def __init__(self, pebble, rate_500: float = 0.0, rate_503: float = 0.0, seed: int = 0):
        self.rate_500 = rate_500
        self.rate_503 = rate_503
        self.outages: List[Tuple[float, float]] = []
        self.counts: Dict[str, int] = {
            "requests": 0,
            "injected_500": 0,
            "injected_503": 0,
            "outage_503": 0,
            "bad_nonce": 0,
            "forward_errors": 0,
        }
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        super().__init__(pebble.port, pebble.workdir, pebble.ca_bundle_path, timeout=60)

    def _count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    def _fault(self) -> Optional[int]:
        """None, or the status to refuse this request with now."""
        now = time.time()
        with self._lock:
            self.counts["requests"] += 1
            if any(start <= now < end for start, end in self.outages):
                self.counts["outage_503"] += 1
                return 503
            draw = self._random.random()
            if draw < self.rate_500:
                self.counts["injected_500"] += 1
                return 500
            if draw < self.rate_500 + self.rate_503:
                self.counts["injected_503"] += 1
                return 503
        return None

    def answer(self, method: str, path: str, body: bytes) -> Optional[Answer]:
        status = self._fault()
        if status is None:
            return None
        problem = {
            "type": "urn:ietf:params:acme:error:serverInternal",
            "detail": "injected by the simulation's fault proxy",
            "status": status,
        }
        headers = [("Content-Type", "application/problem+json"), ("Cache-Control", "no-store")]
        if status == 503:
            headers.append(("Retry-After", "0"))
        return status, json.dumps(problem).encode(), headers

    def rewrite(self, method: str, path: str, status: int, content: bytes) -> bytes:
        if status == 400 and b"badNonce" in content:
            self._count("bad_nonce")
        return content

    def forward_failed(self, exc: Exception) -> None:
        self._count("forward_errors")


# --- the proxies in a process of their own (the simulation's Python process is busy enough)


class _PebbleInfo:
    def __init__(self, port: int, workdir: str, ca_bundle_path: str):
        self.port = port
        self.workdir = workdir
        self.ca_bundle_path = ca_bundle_path


def _serve(conn, pebbles: dict, seed: int) -> None:
    proxies = {}
    for index, (label, info) in enumerate(sorted(pebbles.items())):
        proxies[label] = FaultProxy(_PebbleInfo(*info), seed=seed + index)
    conn.send({label: proxy.port for label, proxy in proxies.items()})
    while True:
        try:
            command, payload = conn.recv()
        except (EOFError, OSError):  # the simulation is gone: so are we
            command, payload = "stop", None
        if command == "configure":
            for label, (rate_500, rate_503, outages) in payload.items():
                proxy = proxies[label]
                with proxy._lock:
                    proxy.rate_500, proxy.rate_503, proxy.outages = rate_500, rate_503, list(outages)
            conn.send(None)
        elif command == "counts":
            conn.send({label: dict(proxy.counts) for label, proxy in proxies.items()})
        else:
            for proxy in proxies.values():
                proxy.close()
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            return


class ProxyProcess:
    """One :class:`FaultProxy` per pebble, served by a child process; controlled through a pipe."""

    def __init__(self, pebbles: dict, seed: int = 0):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        info = {label: (p.port, p.workdir, p.ca_bundle_path) for label, p in pebbles.items()}
        self.process = context.Process(target=_serve, args=(child, info, seed), name="fault-proxies", daemon=True)
        self.process.start()
        self.ports = self._conn.recv()

    def directory_url(self, label: str) -> str:
        return "https://127.0.0.1:%d/dir" % self.ports[label]

    def configure(self, settings: dict) -> None:
        """``{label: (rate_500, rate_503, [(start, end), ...])}``."""
        self._conn.send(("configure", settings))
        self._conn.recv()

    def counts(self) -> dict:
        self._conn.send(("counts", None))
        return self._conn.recv()

    def close(self) -> None:
        if self.process.is_alive():
            try:
                self._conn.send(("stop", None))
                self._conn.recv()
            except (OSError, EOFError):
                pass
            self.process.join(timeout=10)
            if self.process.is_alive():
                self.process.terminate()
