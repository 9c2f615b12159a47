"""peter_sslers_job: the API jobs as a console script for cron."""

import json
import os
import subprocess
import sys

from sqlalchemy.orm import Session

from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import acme_accounts
from peter_sslers.lib.db import get
from peter_sslers.lib.db import queues
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority
from peter_sslers.model import objects as m
from peter_sslers.scripts import jobs
from tests.conftest import ROOT
from tests.conftest import count_rows
from tests.lib.test_actions_acme_pebble import settings_for

COMMAND = os.path.join(os.path.dirname(sys.executable), "peter_sslers_job")


def _ini(tmp_path, **options) -> str:
    lines = ["[app:main]", "use = egg:peter_sslers", "sqlalchemy.url = sqlite:///%s" % (tmp_path / "jobs.sqlite")]
    lines += ["%s = %s" % item for item in options.items()]
    path = tmp_path / "jobs.ini"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_console_script_runs_jobs_and_says_what_happened(tmp_path):
    ini = _ini(tmp_path)
    init = os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db")
    subprocess.run([init, ini], check=True, capture_output=True, cwd=ROOT)
    for job in ("update-recents", "deactivate-expired", "queue-certificates-update"):
        result = subprocess.run([COMMAND, ini, job], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert answer["result"] == "success" and answer["job"] == job
    # nothing to order with: a clear error and exit status 1
    result = subprocess.run([COMMAND, ini, "queue-domains-process"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "global default ACME account" in json.loads(result.stdout)["error"]
    # a bad command line or ini: exit status 2, nothing run
    assert subprocess.run([COMMAND, ini, "bogus"], capture_output=True, cwd=ROOT).returncode == 2
    bad = _ini(tmp_path, **{"redis.prime_style": "9"})
    result = subprocess.run([COMMAND, bad, "update-recents"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "redis.prime_style" in result.stderr


def test_jobs_against_pebble(pebble_always_valid, db, raw_settings):
    """Queue names, let the job order them; then enqueue and renew through the jobs."""
    settings = dict(
        raw_settings,
        certificate_authority_directory=pebble_always_valid.directory_url,
        certificate_authority_ca_bundle=pebble_always_valid.ca_bundle_path,
        queue_certificates_renewal_days="4000",
    )
    with Session(bind=db) as session:
        ctx = ApiContext(session, settings_for(raw_settings, pebble_always_valid))
        reconcile_certificate_authority(ctx)
        acme_accounts.new__AcmeAccount(ctx, get.get__AcmeAccountProvider__default(ctx), "jobs@example.com")
        queues.queue_domains__add(ctx, ["job1.example.com", "job2.example.com"])
        session.commit()
    answer = jobs.run_job(settings, "queue-domains-process")
    assert answer["details"]["AcmeOrder"]["acme_status_order"] == "valid"
    assert count_rows(db, m.CertificateSigned) == 1
    answer = jobs.run_job(settings, "queue-certificates-update")
    assert answer["details"]["count_queued"] == 1
    answer = jobs.run_job(settings, "queue-certificates-process")
    assert answer["result"] == "success"
    assert count_rows(db, m.CertificateSigned) == 2  # renewed


def test_redis_prime_job(tmp_path, redis_url, redis_client):
    ini = _ini(tmp_path, enable_redis="true", **{"redis.url": redis_url, "redis.prime_style": "2"})
    init = os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db")
    subprocess.run([init, ini], check=True, capture_output=True, cwd=ROOT)
    result = subprocess.run([COMMAND, ini, "redis-prime"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["result"] == "success"
    assert answer["details"]["total_primed"] == {"certcachain": 0, "cert": 0, "pkey": 0, "domain": 0}
    assert answer["details"]["operations_event_id"]


def test_redis_prime_job_errors(tmp_path, closed_redis_url):
    ini = _ini(tmp_path)
    init = os.path.join(os.path.dirname(sys.executable), "initialize_peter_sslers_db")
    subprocess.run([init, ini], check=True, capture_output=True, cwd=ROOT)
    result = subprocess.run([COMMAND, ini, "redis-prime"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "redis is not enabled"
    down = _ini(tmp_path, enable_redis="true", **{"redis.url": closed_redis_url, "redis.prime_style": "1"})
    result = subprocess.run([COMMAND, down, "redis-prime"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"].startswith("Redis at %s failed" % closed_redis_url)


def test_queue_jobs_with_max_items_against_pebble(pebble_always_valid, db, raw_settings):
    """``--max-items``: the queue-process jobs run several orders in one run (issue 16)."""
    settings = dict(
        raw_settings,
        certificate_authority_directory=pebble_always_valid.directory_url,
        certificate_authority_ca_bundle=pebble_always_valid.ca_bundle_path,
        queue_certificates_renewal_days="4000",
        queue_domains_max_per_cert="1",
        queue_process_concurrency="3",
    )
    names = ["jobitem%d.example.com" % i for i in range(4)]
    with Session(bind=db) as session:
        ctx = ApiContext(session, settings_for(raw_settings, pebble_always_valid))
        reconcile_certificate_authority(ctx)
        acme_accounts.new__AcmeAccount(ctx, get.get__AcmeAccountProvider__default(ctx), "jobs@example.com")
        queues.queue_domains__add(ctx, names)
        session.commit()
    answer = jobs.run_job(settings, "queue-domains-process", max_items=10)
    assert answer["result"] == "success", answer
    items = answer["details"]["items"]
    assert [i["domain_names"] for i in items] == [[n] for n in names]
    assert all(i["acme_status_order"] == "valid" and i["certificate_signed_id"] for i in items)
    assert count_rows(db, m.CertificateSigned) == 4
    assert jobs.run_job(settings, "queue-certificates-update")["details"]["count_queued"] == 4
    answer = jobs.run_job(settings, "queue-certificates-process", max_items=3)
    assert answer["result"] == "success", answer
    details = answer["details"]
    assert (details["count_total"], details["count_success"], details["count_remaining"]) == (3, 3, 1)
    assert count_rows(db, m.CertificateSigned) == 7


def test_max_items_on_the_command_line(tmp_path):
    ini = _ini(tmp_path)
    for args in (["update-recents", "--max-items", "2"], ["queue-domains-process", "--max-items", "0"],
                 ["queue-certificates-process", "--max-items", "1001"], ["queue-certificates-process", "--max-items", "x"]):
        result = subprocess.run([COMMAND, ini] + args, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 2 and "max-items" in result.stderr, (args, result.stderr)
