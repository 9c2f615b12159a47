"""DNS backends (RFC 2136): list, new, focus, edit, mark, test; HTML and JSON, good and bad input;
``backend_for_name``. The ``test`` action runs against bind9 (tests/bind9.py, ``SSL_RUN_DNS_TESTS``)."""

import logging

import pytest
import sqlalchemy as sa

from peter_sslers.lib import errors
from peter_sslers.lib.context import ApiContext
from peter_sslers.lib.db import dns_backends
from peter_sslers.model import objects as m
from tests.conftest import count_rows
from tests.pebble import free_port

ADMIN = "/.well-known/admin"
SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I="


def form(**overrides):
    values = {
        "zone": "Example.COM.",
        "server": "127.0.0.1",
        "port": "5353",
        "tsig_key_name": "peter-sslers.",
        "tsig_algorithm": "hmac-sha256",
        "tsig_secret": SECRET,
        "visibility_nameservers": "",
    }
    values.update(overrides)
    return values


def new_backend(testapp, **overrides) -> dict:
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new.json", form(**overrides), status=200)
    assert res.json["result"] == "success"
    return res.json["DnsBackendRfc2136"]


def stored(db, backend_id) -> m.DnsBackendRfc2136:
    with sa.orm.Session(bind=db) as s:
        row = s.get(m.DnsBackendRfc2136, int(backend_id))
        s.expunge_all()
        return row


def test_new_json_then_list_and_focus(testapp, db, caplog):
    caplog.set_level(logging.DEBUG)
    backend = new_backend(testapp)
    assert backend["zone"] == "example.com"
    assert backend["server"] == "127.0.0.1" and backend["port"] == 5353
    assert backend["tsig_key_name"] == "peter-sslers"
    assert backend["tsig_algorithm"] == "hmac-sha256"
    assert backend["tsig_secret"] == m.SECRET_MASK
    assert backend["is_active"] is True
    assert stored(db, backend["id"]).tsig_secret == SECRET
    res = testapp.get(ADMIN + "/dns-backends-rfc2136.json", status=200)
    assert list(res.json["DnsBackendRfc2136s"]) == [backend["id"]]
    res = testapp.get(ADMIN + "/dns-backends-rfc2136", status=200)
    assert "example.com" in res.text
    res = testapp.get(ADMIN + "/dns-backend-rfc2136/%s.json" % backend["id"], status=200)
    assert res.json["DnsBackendRfc2136"]["tsig_secret"] == m.SECRET_MASK
    res = testapp.get(ADMIN + "/dns-backend-rfc2136/%s" % backend["id"], status=200)
    assert "example.com" in res.text
    for text in (res.text, testapp.get(ADMIN + "/dns-backend-rfc2136/%s/edit" % backend["id"]).text):
        assert SECRET not in text
    assert SECRET not in caplog.text
    testapp.get(ADMIN + "/dns-backend-rfc2136/999.json", status=404)


def test_new_html(testapp, db):
    res = testapp.get(ADMIN + "/dns-backend-rfc2136/new", status=200)
    assert 'name="csrf_token"' in res.text or "csrf" in res.text.lower()
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new", form(), status=303)
    assert "/dns-backend-rfc2136/1?result=success" in res.headers["Location"]
    # the form again, with its errors, nothing kept
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new", form(zone="other.example", tsig_secret="no!"), status=400)
    assert "tsig_secret" in res.text and "base64" in res.text
    assert count_rows(db, m.DnsBackendRfc2136) == 1


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("zone", "", "required"),
        ("zone", "*.example.com", "wildcard"),
        ("zone", "exa mple.com", "not a DNS name"),
        ("zone", "a..b", "not a DNS name"),
        ("tsig_secret", "not base64!", "base64"),
        ("tsig_secret", "", "required"),
        ("port", "0", "1 to 65535"),
        ("port", "65536", "1 to 65535"),
        ("port", "fifty", "1 to 65535"),
        ("tsig_algorithm", "hmac-md5", "Not one of"),
        ("server", "", "required"),
        ("server", "bad host!", "IP address or a host name"),
        ("tsig_key_name", "", "required"),
        ("visibility_nameservers", "127.0.0.1:0", "1 to 65535"),
    ],
)
def test_new_bad_input_changes_nothing(testapp, db, field, value, message):
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new.json", form(**{field: value}), status=400)
    assert res.json["result"] == "error"
    assert field in res.json["form_errors"], res.json
    assert message.lower() in res.json["form_errors"][field].lower(), res.json
    assert count_rows(db, m.DnsBackendRfc2136) == 0


def test_duplicate_zone(testapp, db):
    new_backend(testapp)
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/new.json", form(zone="EXAMPLE.com"), status=400)
    assert "has a DNS backend already" in res.json["form_errors"]["zone"]
    assert count_rows(db, m.DnsBackendRfc2136) == 1


def test_edit(testapp, db):
    backend = new_backend(testapp)
    other = new_backend(testapp, zone="other.example")
    url = ADMIN + "/dns-backend-rfc2136/%s/edit.json" % backend["id"]
    # GET documents the action
    assert "tsig_secret" in str(testapp.get(url, status=200).json)
    # an empty secret keeps the stored one
    res = testapp.post(url, form(zone="sub.example.com", server="NS1.Example.com", port="53", tsig_secret=""), status=200)
    assert res.json["DnsBackendRfc2136"]["zone"] == "sub.example.com"
    row = stored(db, backend["id"])
    assert (row.zone, row.server, row.port, row.tsig_secret) == ("sub.example.com", "ns1.example.com", 53, SECRET)
    assert row.timestamp_updated is not None
    res = testapp.post(url, form(zone="sub.example.com", tsig_secret="bmV3LXNlY3JldA=="), status=200)
    assert stored(db, backend["id"]).tsig_secret == "bmV3LXNlY3JldA=="
    # another backend's zone, a bad secret, an unknown algorithm: 400, nothing changed
    for bad in (dict(zone="other.example"), dict(tsig_secret="%%%"), dict(tsig_algorithm="hmac-md5"), dict(port="-1")):
        res = testapp.post(url, form(**dict(dict(zone="sub.example.com"), **bad)), status=400)
        assert res.json["result"] == "error"
    row = stored(db, backend["id"])
    assert (row.zone, row.tsig_secret, row.tsig_algorithm) == ("sub.example.com", "bmV3LXNlY3JldA==", "hmac-sha256")
    assert stored(db, other["id"]).zone == "other.example"
    # HTML: the form with the stored values (never the secret), then a redirect
    res = testapp.get(ADMIN + "/dns-backend-rfc2136/%s/edit" % backend["id"], status=200)
    assert "sub.example.com" in res.text and "bmV3LXNlY3JldA==" not in res.text
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/edit" % backend["id"], form(zone="sub.example.com"), status=303)
    assert "result=success" in res.headers["Location"]


def test_mark(testapp, db):
    backend = new_backend(testapp)
    url = ADMIN + "/dns-backend-rfc2136/%s/mark.json" % backend["id"]
    res = testapp.post(url, {"action": "inactive"}, status=200)
    assert res.json["DnsBackendRfc2136"]["is_active"] is False
    res = testapp.post(url, {"action": "inactive"}, status=400)
    assert "inactive already" in res.json["error"]
    testapp.post(url, {"action": "nonsense"}, status=400)
    assert stored(db, backend["id"]).is_active is False
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/mark" % backend["id"], {"action": "active"}, status=303)
    assert "result=success" in res.headers["Location"]
    assert stored(db, backend["id"]).is_active is True


def test_backend_for_name(testapp, db, dbsession):
    wide = new_backend(testapp, zone="example.com")
    narrow = new_backend(testapp, zone="sub.example.com")
    ctx = ApiContext(dbsession, None)
    assert dns_backends.backend_for_name(ctx, "www.sub.example.com").id == int(narrow["id"])
    assert dns_backends.backend_for_name(ctx, "*.sub.example.com").id == int(narrow["id"])
    assert dns_backends.backend_for_name(ctx, "sub.example.com").id == int(narrow["id"])
    assert dns_backends.backend_for_name(ctx, "*.example.com").id == int(wide["id"])
    assert dns_backends.backend_for_name(ctx, "notsub.example.com").id == int(wide["id"])
    assert dns_backends.backend_for_name(ctx, "example.org") is None
    testapp.post(ADMIN + "/dns-backend-rfc2136/%s/mark.json" % narrow["id"], {"action": "inactive"}, status=200)
    dbsession.expire_all()
    assert dns_backends.backend_for_name(ctx, "www.sub.example.com").id == int(wide["id"])
    with pytest.raises(errors.InvalidRequest):
        dns_backends.publish_challenge(ctx, "www.example.org", "token.thumb")


def test_test_action_unreachable_server(testapp, db):
    """No DNS server behind the port: 503, the report says which step failed; nothing changed."""
    backend = new_backend(testapp, port=str(free_port()))
    url = ADMIN + "/dns-backend-rfc2136/%s/test.json" % backend["id"]
    assert testapp.get(url, status=200).json["method"] == "POST"  # GET documents it
    res = testapp.post(url, status=503)
    assert res.json["result"] == "error" and res.json["service"] == "dns"
    assert res.json["report"]["steps"] == [{"step": "add", "result": "error", "error": res.json["error"]}]
    assert "could not be reached" in res.json["error"]
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/test" % backend["id"], status=303)
    assert "result=error" in res.headers["Location"]


# --- against bind9


def bind9_form(bind9, **overrides):
    return form(
        zone=bind9.zone,
        port=str(bind9.port),
        tsig_key_name=bind9.tsig_name,
        tsig_secret=bind9.tsig_secret,
        visibility_nameservers="127.0.0.1:%d" % bind9.port,
        **overrides,
    )


def test_test_action_against_bind9(testapp, db, bind9):
    backend = new_backend(testapp, **bind9_form(bind9))
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/test.json" % backend["id"], status=200)
    report = res.json["report"]
    assert report["name"] == "_peter-sslers-test.example.test"
    assert [(s["step"], s["result"]) for s in report["steps"]] == [
        ("add", "success"),
        ("wait_visible", "success"),
        ("delete", "success"),
    ]
    assert report["visibility"]["servers"] == ["127.0.0.1:%d" % bind9.port]
    from peter_sslers.lib import dns01

    assert dns01.query_txt(report["name"], ("127.0.0.1", bind9.port))[0] == []  # deleted
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/test" % backend["id"], status=200)
    assert "Test passed" in res.text and bind9.tsig_secret not in res.text


def test_test_action_with_a_key_bind9_refuses(testapp, db, bind9):
    backend = new_backend(testapp, **dict(bind9_form(bind9), tsig_secret=bind9.other_tsig_secret))
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/test.json" % backend["id"], status=502)
    assert res.json["service"] == "dns"
    assert "TSIG" in res.json["error"] and "BADSIG" in res.json["error"]
    assert bind9.other_tsig_secret not in res.text
    # a key bind9 knows but does not allow to update the zone
    testapp.post(
        ADMIN + "/dns-backend-rfc2136/%s/edit.json" % backend["id"],
        dict(bind9_form(bind9), tsig_key_name=bind9.other_tsig_name, tsig_secret=bind9.other_tsig_secret),
        status=200,
    )
    res = testapp.post(ADMIN + "/dns-backend-rfc2136/%s/test.json" % backend["id"], status=502)
    assert "REFUSED" in res.json["error"]
