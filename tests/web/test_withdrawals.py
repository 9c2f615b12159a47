"""Withdrawals whose edge follow-up fails say so (issue 11, item 6).

Redis enabled at a closed loopback port and an nginx pool whose member is a closed port: the
withdrawal (mark revoked / inactive, key compromised, domain inactive) is committed, but its
answer is HTTP 502 with ``result: partial`` and an ``edge`` object naming each server and what
failed (before issue 11: 200 ``success``, the failure only in the log); the HTML redirect
carries ``result=error``; an OperationsEvent ``operations__edge_update__fail`` records it.
"""

import json

import pytest
import webtest
from sqlalchemy.orm import Session

from peter_sslers.model import objects as m
from peter_sslers.model import utils as model_utils
from tests import factories as f
from tests.conftest import TEST_HOST
from tests.nginx_fake import dead_server_url  # noqa: F401  (fixtures)
from tests.web.test_nginx import upload_certificate

ADMIN = "/.well-known/admin"


@pytest.fixture
def edge_down_app(make_app, db, closed_redis_url, dead_server_url):  # noqa: F811
    app = make_app(
        **{
            "enable_redis": "true",
            "redis.url": closed_redis_url,
            "redis.prime_style": "1",
            "enable_nginx": "true",
            "nginx.servers_pool": dead_server_url,
        }
    )
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})


def edge_events(db) -> list:
    with Session(bind=db) as session:
        rows = (
            session.query(m.OperationsEvent)
            .filter_by(operations_event_type_id=model_utils.OperationsEventType.operations__edge_update__fail)
            .all()
        )
        return [json.loads(row.event_payload) for row in rows]


def assert_edge_failed(res, closed_redis_url, dead_server_url):  # noqa: F811
    assert res.status_int == 502
    assert res.json["result"] == "partial"
    edge = res.json["edge"]
    assert edge["redis"]["server"] == closed_redis_url and "refused" in edge["redis"]["error"].lower()
    assert edge["nginx"] == {dead_server_url: "connection refused"}
    assert closed_redis_url in res.json["error"] and dead_server_url in res.json["error"]


def test_revoke_mark_with_the_edge_down(edge_down_app, db, dbsession, closed_redis_url, dead_server_url):  # noqa: F811
    cert_id = upload_certificate(edge_down_app)
    res = edge_down_app.post(ADMIN + "/certificate-signed/%s/mark.json" % cert_id, {"action": "revoked"}, status=502)
    assert_edge_failed(res, closed_redis_url, dead_server_url)
    assert res.json["operation"] == "mark"
    # the withdrawal itself is committed
    dbsession.expire_all()
    assert dbsession.get(m.CertificateSigned, int(cert_id)).is_revoked
    events = edge_events(db)
    assert len(events) == 1
    assert events[0]["edge"]["nginx"] == {dead_server_url: "connection refused"}
    assert events[0]["edge"]["certificate_signed_ids"] == [str(cert_id)]


def test_deactivate_html_redirect_says_it(edge_down_app, db, closed_redis_url, dead_server_url):  # noqa: F811
    cert_id = upload_certificate(edge_down_app)
    res = edge_down_app.post(ADMIN + "/certificate-signed/%s/mark" % cert_id, {"action": "inactive"}, status=303)
    assert "result=error" in res.location and "result=success" not in res.location
    page = res.follow()
    assert dead_server_url in page.text and closed_redis_url in page.text
    assert len(edge_events(db)) == 1


def test_key_compromised_and_domain_inactive_with_the_edge_down(
    edge_down_app, db, dbsession, closed_redis_url, dead_server_url  # noqa: F811
):
    cert_id = upload_certificate(edge_down_app)
    cert = edge_down_app.get(ADMIN + "/certificate-signed/%s.json" % cert_id).json["CertificateSigned"]
    domain_name = cert["domains_as_list"][0]
    res = edge_down_app.post(ADMIN + "/domain/%s/mark.json" % domain_name, {"action": "inactive"}, status=502)
    assert_edge_failed(res, closed_redis_url, dead_server_url)
    res = edge_down_app.post(
        ADMIN + "/private-key/%s/mark.json" % cert["private_key_id"], {"action": "compromised"}, status=502
    )
    assert res.json["result"] == "partial" and res.json["edge"]["redis"]["server"] == closed_redis_url
    assert str(cert["private_key_id"]) in res.json["edge"]["private_key_ids"]
    dbsession.expire_all()
    assert dbsession.get(m.PrivateKey, int(cert["private_key_id"])).is_compromised
    assert len(edge_events(db)) == 2


def test_a_withdrawal_with_the_edge_up_is_plain_success(make_app, db, dbsession):
    """Redis and nginx off: nothing to tell, a plain 200 success (no edge, no event)."""
    app = webtest.TestApp(make_app(), extra_environ={"HTTP_HOST": TEST_HOST, "REMOTE_ADDR": "127.0.0.1"})
    f.make_domain(dbsession, "example.com")
    dbsession.commit()
    res = app.post(ADMIN + "/domain/example.com/mark.json", {"action": "inactive"}, status=200)
    assert res.json["result"] == "success" and "edge" not in res.json
    assert edge_events(db) == []
