"""What a server deploys: the config payloads of certificates and domains, and which
certificate a domain serves.

Pure functions over loaded ORM rows (the caller eager-loads the key and the chains, and
reads the preferred-CA list with ``lib.db.chains.chain_preference``); used by ``config.json``,
``config.zip``, the chain downloads and Redis priming. Ids are strings, as the specification
says; the fullchain's id is ``"<certificate id>,<chain id>"``.
"""

import datetime
import io
import zipfile
from typing import AbstractSet
from typing import Optional
from typing import Iterable

from ..model.meta import utcnow

# The two certificates of a Domain's payload, in the order they are preferred when both are valid.
FIELD_MULTI = "certificate_signed__latest_multi"
FIELD_SINGLE = "certificate_signed__latest_single"
SERVE_FIELDS = (FIELD_MULTI, FIELD_SINGLE)


def preferred_chain(dbCertificate, preference: Iterable[AbstractSet[int]]):
    """The chain served with a certificate: the one function that chooses (chain.pem,
    fullchain.pem, config.json, config.zip and Redis priming all call it; the full Redis prime
    calls it on plain rows, as :func:`preferred_chain_id`).

    ``preference`` is the preferred-CA list as ``lib.db.chains.chain_preference`` gives it (an
    iterable, read only when the certificate has several chains): one set of CA ids per slot,
    slot 1 first. The first slot that one of the certificate's chains
    holds (any CA of the chain) picks that chain; among several such chains the upstream default
    wins, then the oldest link. No slot matching (or an empty list): the chain the ACME server
    sent first (or that was uploaded first), else the oldest link.
    """
    link = _preferred_link(
        [(link.is_upstream_default, link.id, link) for link in dbCertificate.certificate_signed_chains],
        preference,
        lambda link: link.certificate_ca_chain.certificate_ca_ids,
    )
    return link.certificate_ca_chain if link is not None else None


def preferred_chain_id(links: Iterable[tuple], preference: Iterable[AbstractSet[int]]) -> Optional[int]:
    """:func:`preferred_chain` on plain rows: ``links`` are a certificate's
    ``(is_upstream_default, link id, chain id, certificate_ca_ids_string)``; returns the chosen
    chain's id, or None (no chain)."""
    link = _preferred_link(
        [(row[0], row[1], row) for row in links],
        preference,
        lambda row: [int(i) for i in row[3].split(",")],
    )
    return link[2] if link is not None else None


def _preferred_link(links: list, preference, ca_ids_of):
    """The choice of :func:`preferred_chain`: ``links`` are ``(is_upstream_default, link id,
    link)``; ``ca_ids_of(link)`` gives the CA ids of the link's chain."""
    if not links:
        return None
    links = [link for _default, _id, link in sorted(links, key=lambda t: (not t[0], t[1]))]
    if len(links) == 1:  # nothing to choose: the list is not even read (it may load lazily)
        return links[0]
    for ca_ids in preference:
        for link in links:
            if not ca_ids.isdisjoint(ca_ids_of(link)):
                return link
    return links[0]


def fullchain_pem(dbCertificate, dbChain) -> str:
    return dbCertificate.cert_pem + (dbChain.chain_pem if dbChain is not None else "")


def served_field(dbDomain, now: Optional[datetime.datetime] = None) -> Optional[str]:
    """Which of the Domain's latest certificates is served: ``FIELD_MULTI``, ``FIELD_SINGLE``,
    or None (an inactive Domain, or no active certificate).

    The specification prefers the multi-domain certificate. Both latest pointers survive their
    certificate's expiry (``deactivate-expired`` keeps a Domain's latest active until something
    replaces it), so the preference is applied to valid certificates first:

    1. the latest multi, if it has not expired;
    2. else the latest single, if it has not expired;
    3. else (both expired, or only one exists) whichever expires last (the multi on a tie).

    Only active certificates count, even if a pointer is stale.

    :param now: the time to judge expiry at (``ctx.timestamp``); default: the clock.
    """
    if not dbDomain.is_active:
        return None
    candidates = []
    for field in SERVE_FIELDS:
        dbCertificate = getattr(dbDomain, field)
        candidates.append(
            (dbCertificate.is_active, dbCertificate.timestamp_not_after) if dbCertificate is not None else None
        )
    index = served_index(candidates, now)
    return SERVE_FIELDS[index] if index is not None else None


def served_index(candidates, now: Optional[datetime.datetime] = None) -> Optional[int]:
    """:func:`served_field` on plain values (an active Domain): ``candidates`` are the latest
    multi and the latest single certificate, in ``SERVE_FIELDS`` order, each ``(is_active,
    timestamp_not_after)`` or None; returns the position of the one served, or None."""
    now = now or utcnow()
    active = [(index, c[1]) for index, c in enumerate(candidates) if c is not None and c[0]]
    for index, not_after in active:
        if not_after > now:
            return index
    if not active:
        return None
    # max() keeps the first of equals: the multi-domain certificate wins a tie
    return max(active, key=lambda candidate: candidate[1])[0]


def served_certificate(dbDomain, now: Optional[datetime.datetime] = None):
    """The CertificateSigned the Domain serves (see :func:`served_field`), or None."""
    field = served_field(dbDomain, now)
    return getattr(dbDomain, field) if field is not None else None


def _iso_utc(timestamp: datetime.datetime) -> str:
    """ISO 8601 in UTC with an explicit offset, as every JSON answer writes it
    (``2025-06-01T12:00:00+00:00``)."""
    if timestamp.tzinfo is None:  # stored naive in UTC
        timestamp = timestamp.replace(tzinfo=datetime.timezone.utc)
    return timestamp.astimezone(datetime.timezone.utc).isoformat()


def certificate_config_payload(
    dbCertificate, preference: Iterable[AbstractSet[int]], id_only: bool = False, dbChain=None
) -> Optional[dict]:
    """``{"id", "timestamp_not_after", "private_key", "certificate", "chain", "fullchain"}``,
    each part ``{"id", "pem"}`` (``"pem"`` left out with ``id_only``); ``timestamp_not_after`` is
    the certificate's expiry in ISO 8601 UTC. The chain is ``dbChain`` when given (one of the
    certificate's chains, chosen by the caller), else :func:`preferred_chain`."""
    if dbCertificate is None:
        return None
    if dbChain is None:
        dbChain = preferred_chain(dbCertificate, preference)
    chain_id = str(dbChain.id) if dbChain is not None else None
    parts = {
        "private_key": (str(dbCertificate.private_key_id), dbCertificate.private_key.key_pem),
        "certificate": (str(dbCertificate.id), dbCertificate.cert_pem),
        "chain": (chain_id, dbChain.chain_pem if dbChain is not None else None),
        "fullchain": ("%s,%s" % (dbCertificate.id, chain_id or ""), fullchain_pem(dbCertificate, dbChain)),
    }
    payload = {"id": str(dbCertificate.id), "timestamp_not_after": _iso_utc(dbCertificate.timestamp_not_after)}
    for name, (part_id, pem) in parts.items():
        payload[name] = {"id": part_id} if id_only else {"id": part_id, "pem": pem}
    return payload


def certificate_config_zip(dbCertificate, dbChain) -> bytes:
    """``config.zip``: ``cert{ID}.pem``, ``chain{ID}.pem``, ``fullchain{ID}.pem`` and
    ``privkey{ID}.pem`` (ID: the certificate's id), as the 2021 design wrote them; a certificate
    without a chain has no ``chain`` file and its ``fullchain`` is the certificate alone."""
    files = [
        ("cert%s.pem" % dbCertificate.id, dbCertificate.cert_pem),
        ("chain%s.pem" % dbCertificate.id, dbChain.chain_pem if dbChain is not None else None),
        ("fullchain%s.pem" % dbCertificate.id, fullchain_pem(dbCertificate, dbChain)),
        ("privkey%s.pem" % dbCertificate.id, dbCertificate.private_key.key_pem),
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            if text is None:
                continue
            info = zipfile.ZipInfo(name, date_time=_zip_time(dbCertificate.timestamp_not_before))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # the private key is no one else's business
            archive.writestr(info, text)
    return buffer.getvalue()


def _zip_time(timestamp: datetime.datetime) -> tuple:
    """A zip entry's time: the certificate's notBefore (UTC), so the same certificate always
    zips to the same bytes (zip cannot hold dates before 1980)."""
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=datetime.timezone.utc)
    timestamp = max(timestamp.astimezone(datetime.timezone.utc), datetime.datetime(1980, 1, 1, tzinfo=datetime.timezone.utc))
    return timestamp.timetuple()[:6]


def domain_config_payload(
    dbDomain, preference: Iterable[AbstractSet[int]], id_only: bool = False, now: Optional[datetime.datetime] = None
) -> dict:
    """The Domain's deploy payload; an inactive Domain gets nulls (it is not to be served).

    ``serve`` names the certificate peter_sslers serves for it (:func:`served_field`: the key
    of one of the two certificates, or None), so that a reader of the payload (the edge's
    fallback) applies the same rule as Redis priming without re-implementing it.
    ``preference``: as :func:`preferred_chain` takes it.
    """
    active = bool(dbDomain.is_active)
    single = dbDomain.certificate_signed__latest_single if active else None
    multi = dbDomain.certificate_signed__latest_multi if active else None
    return {
        "domain": {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name, "is_active": active},
        FIELD_SINGLE: certificate_config_payload(single, preference, id_only),
        FIELD_MULTI: certificate_config_payload(multi, preference, id_only),
        "serve": served_field(dbDomain, now),
    }
