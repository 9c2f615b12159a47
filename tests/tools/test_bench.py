"""bench/bench.py (``make bench``) in miniature, so that no benchmark rots: one ``--smoke`` run (60
domains, one-second wrk runs, a few uploads, one issuance beside one certbot run) in a process of its
own, with its own waitress, redis-server and pebble on loopback; each benchmark must produce every
figure with a sane value.

The figures themselves mean nothing at this size; ``make bench`` (docs/Performance.md) is where they
are judged. wrk and redis-server are Debian packages of ``make test-deps``; certbot comes with the
testing extras. The Redis benchmark follows SSL_RUN_REDIS_TESTS, issuance SSL_RUN_LETSENCRYPT_API_TESTS.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests import pebble
from tests import redisserver
from tests.conftest import ROOT

BENCH = os.path.join(ROOT, "bench", "bench.py")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    """One ``--smoke`` run of every benchmark whose services are switched on (one process: the reads
    and the Redis prime share their database and redis-server, as in ``make bench``)."""
    only = ["reads", "uploads"]
    if redisserver.switch_on():
        only.append("redis")
    if pebble.switch_on():
        only.append("issuance")
    result_path = tmp_path_factory.mktemp("bench") / "result.json"
    command = [sys.executable, BENCH, "--smoke", "--only", ",".join(only), "--no-doc", "--json", str(result_path)]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, stdin=subprocess.DEVNULL)
    output = run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0 and result_path.exists(), output
    result = json.loads(result_path.read_text())
    assert result["skipped"] == {}, output
    assert "<!-- bench:begin" in run.stdout and "<!-- bench:end -->" in run.stdout  # the section it would write
    return result


def positive(*values) -> bool:
    return all(isinstance(v, (int, float)) and v > 0 for v in values)


def test_reads(smoke):
    result = smoke
    rows = [r for r in result["reads"] if r["endpoint"] != "in process"]
    endpoints = {r["endpoint"] for r in rows}
    assert endpoints == {"config.json", "config.json?idonly=1", "config.json?openresty=1", "challenge hit", "challenge miss"}
    for r in rows:
        assert positive(r["rps"], r["p50_ms"], r["p99_ms"], r["limit_rps"], r["limit_p50_ms"], r["ratio"], r["peak_rss"]), r
        assert r["p50_ms"] <= r["p99_ms"] and r["socket_errors"] == 0, r
        # every request answered as it should: 2xx, but a miss is a 404 each time
        assert r["non_2xx"] == 0 if r["endpoint"] != "challenge miss" else r["non_2xx"] > 0, r
    (profile,) = [r for r in result["reads"] if r["endpoint"] == "in process"]
    assert profile["profile"]["whoami"]["status"] == 200 and profile["profile"]["challenge miss"]["status"] == 404
    for label in ("config.json", "config.json?idonly=1", "challenge hit"):
        p = profile["profile"][label]
        assert p["status"] == 200 and p["sql"] >= 1 and positive(p["median_ms"]), (label, p)


def test_uploads(smoke):
    result = smoke
    rows = result["uploads"]
    seen = {(r["path"], r["technology"], r["clients"]) for r in rows}
    assert seen == {(p, t, c) for p in ("upload", "importer") for t in ("EC", "RSA") for c in (1, 2)}
    for r in rows:
        assert positive(r["per_s"], r["limit_per_s"], r["ratio"]), r
        assert sum(r["statuses"].values()) == r["count"] * r["runs"], r  # every upload answered and counted
        assert r["path"] == "importer" or positive(r["peak_rss"]), r
        # one client never fails; with several, each run's new chain is stored by whichever upload
        # comes first, and the others must find it (issue 16: a 500 there is counted, and must go)
        if r["clients"] == 1:
            assert r["status_500"] == 0 and r["failures"] == 0, r


def test_redis(smoke):
    redisserver.require_switch()
    result = smoke
    rows = result["redis"]
    assert [r["style"] for r in rows] == [1, 2]
    for r in rows:
        assert r["domains"] == 60 and r["keys"] >= 60, r
        assert positive(r["seconds"], r["limit_seconds"], r["per_s"], r["ratio"], r["peak_rss"]), r
    # style 1 writes the PEMs apart from the domain hashes
    assert rows[0]["keys"] > rows[1]["keys"]


def test_issuance(smoke):
    pebble.require_switch()
    result = smoke
    rows = result["issuance"]
    # one call a certificate, then ONE call with max_items for them all (issue 16)
    assert [r["path"] for r in rows] == ["domain queue", "renewal queue", "domain queue, one call", "renewal queue, one call"]
    for r in rows:
        assert r["failures"] == 0 and r["certbot_failures"] == 0, r
        assert positive(r["seconds"], r["per_s"], r["certbot_seconds"], r["certbot_per_s"], r["ratio"], r["peak_rss"]), r
    assert rows[1]["queued"] >= 1 and rows[3]["queued"] >= 1


def test_the_section_replaces_only_its_own(tmp_path):
    bench = load_bench()
    doc = tmp_path / "Performance.md"
    simulate = "<!-- simulate:begin (x) -->\nsimulated\n<!-- simulate:end -->\n"
    doc.write_text("# Performance\n\nintro\n\n" + simulate)
    result = {
        "started": "2026-12-07T02:00:00+00:00",
        "command": "bench/bench.py --quick",
        "wall_seconds": 12.0,
        "machine": {"cores": 2},
        "plan": {"runs": 3, "duration": 2.0},
        "skipped": {"issuance": "pebble is missing"},
        "note": "The machine was shared.",
    }
    bench.write_section(str(doc), bench.render(result))
    first = doc.read_text()
    assert first.startswith("# Performance\n\nintro\n\n" + simulate) and first.count("<!-- bench:begin") == 1
    assert "issuance: not measured: pebble is missing" in first and "The machine was shared." in first
    result["note"] = "Again."
    bench.write_section(str(doc), bench.render(result))
    second = doc.read_text()
    assert second.count("<!-- bench:begin") == 1 and second.count("<!-- bench:end -->") == 1
    assert "Again." in second and "The machine was shared." not in second and simulate in second


def test_an_unknown_benchmark_stops_it():
    run = subprocess.run([sys.executable, BENCH, "--only", "nothing"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and "unknown benchmark" in run.stderr
