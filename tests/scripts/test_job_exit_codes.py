"""Exit statuses a cron job can trust: a job that failed (its ACME server dead, Redis dead, a
renewal item that failed) exits non-zero, through ``peter_sslers_job`` and through the documented
``peter_sslers_prequest`` recipe (Pyramid's ``prequest`` itself exits 0 whatever the answer)."""

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy.orm import Session

from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import acme_accounts
from peter_sslers.lib.db import get
from peter_sslers.lib.db import queues
from peter_sslers.lib.db.bootstrap import reconcile_certificate_authority
from peter_sslers.model import objects as m
from tests.conftest import ROOT
from tests.conftest import _ini_path
from tests.conftest import count_rows
from tests.lib.test_actions_acme_pebble import settings_for

BIN = os.path.dirname(sys.executable)
JOB = os.path.join(BIN, "peter_sslers_job")
PREQUEST = os.path.join(BIN, "peter_sslers_prequest")
PLAIN_PREQUEST = os.path.join(BIN, "prequest")
ADMIN = "/.well-known/admin"


def write_ini(tmp_path, url: str, **options) -> str:
    """An ini on the test's database (``%`` doubled: the ini is interpolated)."""
    lines = ["[app:main]", "use = config:%s#main" % _ini_path(), "sqlalchemy.url = %s" % url.replace("%", "%%")]
    lines += ["%s = %s" % (key, str(value).replace("%", "%%")) for key, value in options.items()]
    path = tmp_path / "cron.ini"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)


@pytest.fixture
def dead_acme(make_pebble, db, raw_settings, tmp_path):
    """An account, a queued name and a queued renewal on a pebble that is then stopped: its port is
    closed. Yields the ini of that setup."""
    pebble = make_pebble()
    with Session(bind=db) as session:
        ctx = ApiContext(session, settings_for(raw_settings, pebble))
        reconcile_certificate_authority(ctx)
        dbAccount, _ = acme_accounts.new__AcmeAccount(ctx, get.get__AcmeAccountProvider__default(ctx), "dead@example.com")
        queues.queue_domains__add(ctx, ["dead1.example.com"])
        queues.queue_certificates__insert_names(ctx, ["dead2.example.com"], dbAccount)
        session.commit()
    pebble.stop()
    yield write_ini(
        tmp_path,
        raw_settings["sqlalchemy.url"],
        certificate_authority="pebble",
        certificate_authority_directory=pebble.directory_url,
        certificate_authority_ca_bundle=pebble.ca_bundle_path,
    )


def test_jobs_exit_1_when_the_acme_server_is_dead(dead_acme, db):
    result = run(JOB, dead_acme, "queue-domains-process")
    assert result.returncode == 1, (result.stdout, result.stderr)
    answer = json.loads(result.stdout)
    assert answer["result"] == "error" and "could not be reached" in answer["error"]
    assert answer["service"] == "acme"
    # a renewal item that failed at the ACME server is a failed job (it exited 0 before issue 11)
    result = run(JOB, dead_acme, "queue-certificates-process")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout, result.stderr
    answer = json.loads(result.stdout)
    assert answer["result"] == "error" and answer["details"]["count_fail"] == 1
    assert "connection refused" in answer["error"]
    assert count_rows(db, m.CertificateSigned) == 0


def test_prequest_recipe_exits_1_when_the_acme_server_is_dead(dead_acme):
    path = ADMIN + "/api/queue-domains/process.json"
    # Pyramid's prequest: exit 0 whatever the status (why the recipe uses the wrapper)
    plain = run(PLAIN_PREQUEST, "-d", "-m", "POST", dead_acme, path)
    assert plain.returncode == 0 and plain.stdout.startswith("503 ")
    result = run(PREQUEST, "-m", "POST", dead_acme, path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    answer = json.loads(result.stdout)
    assert answer["result"] == "error" and answer["service"] == "acme"
    result = run(PREQUEST, "-m", "POST", dead_acme, ADMIN + "/api/queue-certificates/process.json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["queue_results"]["count_fail"] == 1
    # a job that worked exits 0; a GET of the documentation too
    assert run(PREQUEST, "-m", "POST", dead_acme, ADMIN + "/api/update-recents.json").returncode == 0
    assert run(PREQUEST, dead_acme, ADMIN + "/api/queue-domains/process.json").returncode == 0
    # a bad command line: 2, as prequest
    assert run(PREQUEST, dead_acme).returncode == 2


def test_prequest_recipe_exits_1_when_redis_is_dead(db, raw_settings, tmp_path, closed_redis_url):
    ini = write_ini(
        tmp_path, raw_settings["sqlalchemy.url"], enable_redis="true", **{"redis.url": closed_redis_url}
    )
    result = run(PREQUEST, "-m", "POST", ini, ADMIN + "/api/redis/prime.json")
    assert result.returncode == 1, (result.stdout, result.stderr)
    answer = json.loads(result.stdout)
    assert answer["service"] == "redis" and closed_redis_url in answer["error"]
    result = run(JOB, ini, "redis-prime")
    assert result.returncode == 1
