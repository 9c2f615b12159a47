"""bench/simulate.py (``make simulate``) in miniature, so that it never rots: a dozen domains, a few
simulated days of four seconds each (slack for a busy machine), against two real pebbles behind the fault proxy.

Gated by SSL_RUN_LETSENCRYPT_API_TESTS, like every pebble test. On PostgreSQL
(``SSL_TEST_DATABASE_URL``) the run uses a schema of its own there.
"""

import json
import os
import subprocess
import sys

import sqlalchemy as sa

from tests.conftest import ROOT
from tests.pebble import require_switch

SIMULATE = os.path.join(ROOT, "bench", "simulate.py")


def test_a_few_simulated_days_keep_every_domain_covered(tmp_path):
    require_switch()
    result_path = tmp_path / "result.json"
    command = [
        sys.executable, SIMULATE,
        "--domains", "12", "--days", "3", "--day-seconds", "4", "--short-days", "3", "--tick", "0.5",
        "--workers", "2", "--update-every", "0.5", "--outage-days", "0.25", "--seed", "3", "--fault-500", "0.03", "--fault-503", "0.1",
        "--mix", "order-short:3,upload:1,certbot:1,order-90:1",
        "--result", str(result_path), "--no-doc", "--watchdog", "240",
    ]  # fmt: skip
    url = os.environ.get("SSL_TEST_DATABASE_URL")
    if url and sa.engine.make_url(url).get_backend_name() == "postgresql":
        command += ["--database-url", url]
    # about 25 s alone, 55 s beside the other database's suite; a run past 240 s prints every
    # thread's stack (--watchdog) and exits, so that a hang says where it is
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, stdin=subprocess.DEVNULL)
    # 1: it ran, and found uncovered domain-days. A tiny run on a busy machine may (a tick late by
    # a second is half a simulated day here): the full run is where coverage is judged.
    assert run.returncode in (0, 1) and result_path.exists(), run.stdout[-3000:] + run.stderr[-6000:]
    result = json.loads(result_path.read_text())
    assert result["fleet"]["domains"] == 12
    coverage = result["coverage"]
    assert coverage["samples"] >= 3, coverage
    assert (run.returncode == 1) == (coverage["uncovered_domain_samples"] > 0)
    # the 3-day certificates were renewed through the queue, with the faults on
    assert result["renewals"]["total"] >= 2, result["renewals"]
    assert result["renewals"]["per_certificate_set"]["order-short (3-day first)"]["max"] >= 1
    proxies = result["faults"]["proxies"]
    assert all(p["requests"] > 0 for p in proxies.values())
    assert sum(p["injected_500"] + p["injected_503"] for p in proxies.values()) > 0
    assert result["faults"]["job_exceptions"] == []
    assert "<!-- simulate:begin" in run.stdout  # the Markdown section it would write
