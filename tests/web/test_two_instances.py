"""Two peter_sslers processes (``pserve``) on one database, against a real pebble.

What a fleet does: several instances share the database. This module starts two, on free
loopback ports, from an ini written here that points at the run's database (the SQLite file,
or the PostgreSQL schema of ``SSL_TEST_DATABASE_URL``) and at a pebble that really validates
http-01 (``pebble_strict``). Instance 2 listens on the port pebble's validation authority
fetches tokens from; instance 1 elsewhere. It shows:

* 20 parallel enqueues of one set, split over both instances, make ONE queue item; parallel
  processing on both instances issues exactly ONE certificate (one AcmeOrder);
* a challenge of an order started through instance 1 is answered by instance 2's public
  ``/.well-known/acme-challenge/{token}`` (pebble validates there, and nowhere else).

The servers are module-wide; the whole module runs in about half a minute.
Gated by ``SSL_RUN_LETSENCRYPT_API_TESTS`` (pebble).
"""

import concurrent.futures
import threading

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from tests.conftest import count_rows
from tests.conftest import reset_database
from tests.pebble import free_port
from tools.served import Served
from tools.served import ServedError
from tools.served import server_ini

ADMIN = "/.well-known/admin"
N = 20

class Instance(Served):
    """One ``pserve`` of the fleet (tools/served.py); a start-up failure fails the test with its log."""

    def wait(self, seconds: float = 30) -> "Instance":
        try:
            return super().wait(seconds)
        except ServedError as exc:
            pytest.fail(str(exc), pytrace=False)

    def post(self, path: str, data: dict = None) -> requests.Response:
        return requests.post(self.url + ADMIN + path, data=data or {}, timeout=300)


@pytest.fixture(scope="module")
def instances(pebble_strict, raw_settings, dbengine, app_settings, tmp_path_factory):
    """Instance 1 on a free port, instance 2 on pebble's http-01 port, one database."""
    reset_database(dbengine, app_settings)
    workdir = tmp_path_factory.mktemp("two_instances")
    settings = dict(raw_settings)
    for key in ("dbengine", "use", "here", "__file__"):
        settings.pop(key, None)
    settings.update(
        certificate_authority="pebble",
        certificate_authority_directory=pebble_strict.directory_url,
        certificate_authority_ca_bundle=pebble_strict.ca_bundle_path,
    )
    started = []
    try:
        for number, port in ((1, free_port()), (2, pebble_strict.http_port)):
            ini_path = str(workdir / ("instance%d.ini" % number))
            with open(ini_path, "w") as f:
                f.write(server_ini(dict(sorted(settings.items())), port, threads=8))
            # one after the other: each start-up applies the ini's ACME server to the database
            instance = Instance(ini_path, port, str(workdir / ("instance%d.log" % number)), name="instance %d" % number)
            started.append(instance)
            instance.wait()
        yield started
    finally:
        for instance in started:
            instance.stop()
        # leave no account on this pebble's directory for the apps built later
        reset_database(dbengine, app_settings)


@pytest.fixture(scope="module")
def account_id(instances) -> str:
    res = instances[0].post("/acme-account/new.json", {"account__contact": "two@example.com", "account_key_technology": "RSA"})
    assert res.status_code == 200 and res.json()["result"] == "success", res.text
    return res.json()["AcmeAccount"]["id"]


def parallel(calls: list) -> list:
    """Run each ``(instance, path, data)`` at once (a barrier releases them together)."""
    barrier = threading.Barrier(len(calls))

    def _one(call):
        instance, path, data = call
        barrier.wait()
        res = instance.post(path, data)
        try:
            return res.status_code, res.json()
        except ValueError:
            return res.status_code, res.text[:500]

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(_one, calls))


def test_parallel_renewals_on_two_instances_issue_one_certificate(instances, account_id, dbengine):
    names = "two-instances.example.com,www.two-instances.example.com"
    before = (count_rows(dbengine, m.CertificateSigned), count_rows(dbengine, m.AcmeOrder))
    # the set exists first: the enqueues race on the queue item, not on the set's creation
    res = instances[0].post("/unique-fqdn-set/new.json", {"domain_names": names})
    assert res.json()["result"] == "success", res.text
    answers = parallel(
        [
            (instances[i % 2], "/queue-certificate/new/freeform.json", {"domain_names_http01": names, "acme_account_id": account_id})
            for i in range(N)
        ]
    )
    assert sorted(status for status, _ in answers) == [200] + [400] * (N - 1), answers
    assert all("already waiting" in str(body) for status, body in answers if status == 400), answers
    with Session(bind=dbengine) as session:
        waiting = session.scalars(sa.select(m.QueueCertificate).where(m.QueueCertificate.is_active.is_(True))).all()
    assert len(waiting) == 1

    # both instances process at once: one claims the item, the others find the queue empty
    answers = parallel([(instances[i % 2], "/api/queue-certificates/process.json", None) for i in range(6)])
    assert all(status == 200 for status, _ in answers), answers
    totals = sorted(body["queue_results"]["count_total"] for _, body in answers)
    assert totals == [0] * 5 + [1], answers
    processed = [body for _, body in answers if body["queue_results"]["count_total"] == 1][0]
    assert processed["queue_results"]["count_success"] == 1, processed
    after = (count_rows(dbengine, m.CertificateSigned), count_rows(dbengine, m.AcmeOrder))
    assert after == (before[0] + 1, before[1] + 1)


def test_a_challenge_started_on_instance_1_is_answered_by_instance_2(instances, account_id, dbengine):
    one, two = instances
    assert one.port != two.port
    res = one.post(
        "/acme-order/new/freeform.json",
        {"domain_names_http01": "answered-elsewhere.example.com", "processing_strategy": "process_single", "acme_account_id": account_id},
    )
    assert res.status_code == 200, res.text
    order = res.json()["AcmeOrder"]
    # pebble validates http-01 only at 127.0.0.1:<instance 2's port>: instance 2 answered it
    assert order["acme_status_order"] == "valid" and order["certificate_signed_id"], order
    with Session(bind=dbengine) as session:
        challenge_ids = session.scalars(
            sa.select(m.AcmeChallenge.id)
            .join(m.AcmeAuthorization, m.AcmeAuthorization.id == m.AcmeChallenge.acme_authorization_id)
            .join(m.AcmeOrder2AcmeAuthorization, m.AcmeOrder2AcmeAuthorization.acme_authorization_id == m.AcmeAuthorization.id)
            .where(m.AcmeOrder2AcmeAuthorization.acme_order_id == int(order["id"]))
        ).all()
        polls = session.scalar(
            sa.select(sa.func.count()).select_from(m.AcmeChallengePoll).where(m.AcmeChallengePoll.acme_challenge_id.in_(challenge_ids))
        )
    assert polls >= 1
