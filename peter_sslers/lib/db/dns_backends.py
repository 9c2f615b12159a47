"""The DNS backends of dns-01: one ``DnsBackendRfc2136`` row per zone (docs/Dns01.md).

What the order flow calls (the rest serves the admin routes):

* ``backend_for_name(ctx, domain_name)``: the active backend of the longest zone enclosing the
  name (a wildcard name uses its base), or None;
* ``publish_challenge(ctx, domain_name, key_authorization)``: adds the TXT record of a dns-01
  challenge through that backend and returns a :class:`PublishedTxt`, whose ``wait_visible()``
  waits until every authoritative server answers it and ``withdraw()`` deletes that one value.

Bad input raises ``errors.InvalidRequest`` (with the field) before anything is written; a
duplicate zone ``errors.ConflictingObject``; DNS failures ``errors.DnsError`` (``lib.dns01``).
"""

import dataclasses
import ipaddress
import logging
import re
import secrets
from typing import List
from typing import Optional

import sqlalchemy as sa

from . import actions
from .getcreate import insert_or_find
from .. import dns01
from .. import errors
from ...model.objects import DnsBackendRfc2136

log = logging.getLogger(__name__)

MARK_ACTIONS = ("active", "inactive")
# the record the `test` action adds and deletes: under the zone, beside nothing a CA reads
TEST_RECORD_LABEL = "_peter-sslers-test"
TEST_VISIBLE_TIMEOUT = 30.0
TEST_VISIBLE_INTERVAL = 1.0
RE_HOST = re.compile(r"^[A-Za-z0-9._-]+$")
FIELD_MAX = 255


# --- reading


def query__DnsBackendRfc2136():
    return sa.select(DnsBackendRfc2136).order_by(DnsBackendRfc2136.zone, DnsBackendRfc2136.id)


def get__DnsBackendRfc2136__by_id(ctx, backend_id: int) -> Optional[DnsBackendRfc2136]:
    return ctx.dbsession.get(DnsBackendRfc2136, backend_id)


def get__DnsBackendRfc2136__by_zone(ctx, zone: str) -> Optional[DnsBackendRfc2136]:
    return ctx.dbsession.scalars(sa.select(DnsBackendRfc2136).where(DnsBackendRfc2136.zone == zone)).first()


def enclosing_zones(domain_name: str) -> List[str]:
    """Every name that could be a zone holding ``domain_name``'s challenge, longest first
    (``a.b.example.com`` -> ``a.b.example.com``, ``b.example.com``, ``example.com``, ``com``)."""
    labels = dns01.base_name(domain_name).split(".")
    return [".".join(labels[i:]) for i in range(len(labels)) if labels[i]]


def backend_for_name(ctx, domain_name: str) -> Optional[DnsBackendRfc2136]:
    """The active backend whose zone is the longest that encloses ``domain_name`` (a wildcard
    name uses its base name), or None. One query."""
    zones = enclosing_zones(domain_name)
    if not zones:
        return None
    rows = ctx.dbsession.scalars(
        sa.select(DnsBackendRfc2136).where(DnsBackendRfc2136.zone.in_(zones), DnsBackendRfc2136.is_active.is_(True))
    ).all()
    return max(rows, key=lambda row: len(row.zone)) if rows else None


def server_for(dbBackend: DnsBackendRfc2136) -> dns01.Rfc2136Server:
    """What ``lib.dns01`` needs to update the backend's zone and check visibility."""
    return dns01.Rfc2136Server(
        zone=dbBackend.zone,
        server=dbBackend.server,
        port=dbBackend.port,
        tsig_key_name=dbBackend.tsig_key_name,
        tsig_algorithm=dbBackend.tsig_algorithm,
        tsig_secret=dbBackend.tsig_secret,
        visibility_nameservers=tuple(dns01.parse_servers(dbBackend.visibility_nameservers or "")),
    )


# --- the order flow


@dataclasses.dataclass
class PublishedTxt:
    """A dns-01 TXT record added through a backend: what to wait for and what to delete."""

    backend_id: int
    zone: str
    name: str
    value: str
    server: dns01.Rfc2136Server

    def wait_visible(self, timeout: float = dns01.VISIBLE_TIMEOUT, interval: float = dns01.VISIBLE_INTERVAL, **kw):
        """:returns: a ``dns01.Visibility``. :raises errors.DnsNotVisible: and the other ``DnsError``."""
        return self.server.wait_visible(self.name, self.value, timeout=timeout, interval=interval, **kw)

    def withdraw(self) -> None:
        """Delete this one value (other values of the name stay). :raises errors.DnsError:"""
        self.server.delete_txt(self.name, self.value)


def publish_challenge(ctx, domain_name: str, key_authorization: str, ttl: int = dns01.DEFAULT_TTL) -> PublishedTxt:
    """Add the TXT record of the dns-01 challenge of ``domain_name`` (RFC 8555 section 8.4).

    :raises errors.InvalidRequest: no active backend encloses the name.
    :raises errors.DnsError: the update failed.
    """
    dbBackend = backend_for_name(ctx, domain_name)
    if dbBackend is None:
        raise errors.InvalidRequest(
            "No active DNS backend (RFC 2136) has a zone enclosing `%s`: add one under DNS backends." % domain_name,
            field="domain_names_dns01",
        )
    server = server_for(dbBackend)
    name = dns01.txt_record_name(domain_name)
    value = dns01.txt_value(key_authorization)
    server.add_txt(name, value, ttl)
    return PublishedTxt(dbBackend.id, dbBackend.zone, name, value, server)


# --- the admin: checks, create, edit, mark, test


def _text(values: dict, field: str, required: bool = True) -> str:
    value = values.get(field)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise errors.InvalidRequest("`%s` is required." % field, field=field)
    return value


def check_fields(values: dict, secret_required: bool = True) -> dict:
    """The backend's fields from a form, normalized. A missing (or empty) secret is None when
    not required (an edit keeps the stored one).

    :raises errors.InvalidRequest: the first bad field, named.
    """
    zone = dns01.normalize_zone(_text(values, "zone"))
    server = _text(values, "server")
    try:
        server = str(ipaddress.ip_address(server.strip("[]")))
    except ValueError:
        if not RE_HOST.match(server) or len(server) > FIELD_MAX:
            raise errors.InvalidRequest("`server` is an IP address or a host name.", field="server")
        server = server.lower().rstrip(".")
    port_text = _text(values, "port", required=False) or str(dns01.DEFAULT_PORT)
    if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
        raise errors.InvalidRequest("`port` is a number from 1 to 65535.", field="port")
    key_name = _text(values, "tsig_key_name").rstrip(".").lower()
    try:
        dns01.normalize_zone(key_name)
    except errors.InvalidRequest:
        raise errors.InvalidRequest("`tsig_key_name` is the key's name as the server knows it (a DNS name).",
                                    field="tsig_key_name")  # fmt: skip
    algorithm = dns01.check_tsig_algorithm(_text(values, "tsig_algorithm", required=False) or dns01.TSIG_ALGORITHM_DEFAULT)
    secret = _text(values, "tsig_secret", required=secret_required)
    secret = dns01.check_tsig_secret(secret) if secret else None
    if secret is not None and len(secret) > FIELD_MAX:
        raise errors.InvalidRequest("The TSIG secret is longer than %d characters." % FIELD_MAX, field="tsig_secret")
    nameservers_text = _text(values, "visibility_nameservers", required=False)
    nameservers = dns01.parse_servers(nameservers_text)
    for host, _port in nameservers:
        if not RE_HOST.match(host.strip("[]")) and ":" not in host:
            raise errors.InvalidRequest("`%s` is not a host." % host[:100], field="visibility_nameservers")
    return {
        "zone": zone,
        "server": server,
        "port": int(port_text),
        "tsig_key_name": key_name,
        "tsig_algorithm": algorithm,
        "tsig_secret": secret,
        "visibility_nameservers": ", ".join(
            ("[%s]:%d" % (h, p) if ":" in h else "%s:%d" % (h, p)) for h, p in nameservers
        ) or None,
    }


def create__DnsBackendRfc2136(ctx, values: dict) -> DnsBackendRfc2136:
    """:raises errors.InvalidRequest: a bad field. :raises errors.ConflictingObject: the zone has a backend."""
    fields = check_fields(values)

    def _insert() -> DnsBackendRfc2136:
        dbNew = DnsBackendRfc2136(timestamp_created=ctx.timestamp, is_active=True, **fields)
        ctx.dbsession.add(dbNew)
        ctx.dbsession.flush()
        return dbNew

    # the unique zone index decides between parallel creations (insert_or_find): one wins, the
    # others get the same clear conflict as a sequential second try
    existing = get__DnsBackendRfc2136__by_zone(ctx, fields["zone"])
    if existing is None:
        dbBackend, is_created = insert_or_find(ctx, _insert, lambda: get__DnsBackendRfc2136__by_zone(ctx, fields["zone"]))
    if existing is not None or not is_created:
        raise errors.ConflictingObject("The zone `%s` has a DNS backend already: edit it." % fields["zone"], field="zone")
    log.info("DNS backend %s created for the zone %s (server %s:%s)", dbBackend.id, dbBackend.zone, dbBackend.server,
             dbBackend.port)  # fmt: skip
    return dbBackend


def update__DnsBackendRfc2136(ctx, dbBackend: DnsBackendRfc2136, values: dict) -> DnsBackendRfc2136:
    """Every field from the form; an empty secret keeps the stored one.

    :raises errors.InvalidRequest: a bad field. :raises errors.ConflictingObject: another backend has the zone.
    """
    fields = check_fields(values, secret_required=False)
    other = get__DnsBackendRfc2136__by_zone(ctx, fields["zone"])
    if other is not None and other.id != dbBackend.id:
        raise errors.ConflictingObject("The zone `%s` has another DNS backend (%s)." % (fields["zone"], other.id),
                                       field="zone")  # fmt: skip
    if fields["tsig_secret"] is None:
        fields.pop("tsig_secret")
    for key, value in fields.items():
        setattr(dbBackend, key, value)
    dbBackend.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()
    return dbBackend


def mark__DnsBackendRfc2136(ctx, dbBackend: DnsBackendRfc2136, action: str) -> DnsBackendRfc2136:
    """:raises errors.InvalidTransition: already so. :raises errors.InvalidRequest: an unknown action."""
    if action not in MARK_ACTIONS:
        raise errors.InvalidRequest("`action` is one of: %s." % ", ".join(MARK_ACTIONS), field="action")
    wanted = action == "active"
    actions.lock_for_change(ctx, dbBackend)
    if dbBackend.is_active == wanted:
        raise errors.InvalidTransition("The DNS backend is %s already." % action, field="action")
    dbBackend.is_active = wanted
    dbBackend.timestamp_updated = ctx.timestamp
    ctx.dbsession.flush()
    return dbBackend


def test__DnsBackendRfc2136(
    dbBackend: DnsBackendRfc2136,
    timeout: float = TEST_VISIBLE_TIMEOUT,
    interval: float = TEST_VISIBLE_INTERVAL,
    **wait_kw,
) -> dict:
    """Add a TXT record ``_peter-sslers-test.<zone>`` with a random value, wait until every
    authoritative server answers it, delete it. Nothing in the database changes.

    :returns: the report: ``name``, ``value``, ``steps`` (each ``{"step", "result", ...}``), ``visibility``.
    :raises errors.DnsError: a step failed; ``exc.steps`` holds the report so far (a record that was
        added is deleted again, and that is a step too).
    """
    server = server_for(dbBackend)
    name = "%s.%s" % (TEST_RECORD_LABEL, dbBackend.zone)
    value = secrets.token_urlsafe(16)
    steps = []
    report = {"name": name, "value": value, "steps": steps, "visibility": None}
    added = False
    current = "add"
    try:
        server.add_txt(name, value, ttl=dns01.DEFAULT_TTL)
        added = True
        steps.append({"step": "add", "result": "success", "server": "%s:%s" % (server.server, server.port)})
        current = "wait_visible"
        visibility = server.wait_visible(name, value, timeout=timeout, interval=interval, **wait_kw)
        report["visibility"] = visibility.as_json()
        steps.append({"step": "wait_visible", "result": "success", "servers": visibility.servers})
        current = "delete"
        server.delete_txt(name, value)
        added = False
        steps.append({"step": "delete", "result": "success"})
    except errors.DnsError as exc:
        steps.append({"step": current, "result": "error", "error": exc.message})
        if added and current != "delete":
            try:
                server.delete_txt(name, value)
                steps.append({"step": "delete", "result": "success"})
            except errors.DnsError as cleanup:
                steps.append({"step": "delete", "result": "error", "error": cleanup.message})
        exc.steps = steps
        exc.report = report
        raise
    return report
