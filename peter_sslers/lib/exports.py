"""What a server deploys: the config payloads of certificates and domains.

Pure functions over loaded ORM rows (the caller eager-loads the key and the chains);
used by ``config.json`` and by Redis priming. Ids are strings, as the specification
says; the fullchain's id is ``"<certificate id>,<chain id>"``.
"""

from typing import Optional


def preferred_chain(dbCertificate):
    """The chain served with a certificate: the one the ACME server sent first (or that was
    uploaded first), else the oldest link."""
    links = sorted(dbCertificate.certificate_signed_chains, key=lambda link: link.id)
    if not links:
        return None
    for link in links:
        if link.is_upstream_default:
            return link.certificate_ca_chain
    return links[0].certificate_ca_chain


def fullchain_pem(dbCertificate, dbChain=None) -> str:
    dbChain = dbChain or preferred_chain(dbCertificate)
    return dbCertificate.cert_pem + (dbChain.chain_pem if dbChain is not None else "")


def certificate_config_payload(dbCertificate, id_only: bool = False) -> Optional[dict]:
    """``{"id", "private_key", "certificate", "chain", "fullchain"}``, each part ``{"id", "pem"}``
    (``"pem"`` left out with ``id_only``)."""
    if dbCertificate is None:
        return None
    dbChain = preferred_chain(dbCertificate)
    chain_id = str(dbChain.id) if dbChain is not None else None
    parts = {
        "private_key": (str(dbCertificate.private_key_id), dbCertificate.private_key.key_pem),
        "certificate": (str(dbCertificate.id), dbCertificate.cert_pem),
        "chain": (chain_id, dbChain.chain_pem if dbChain is not None else None),
        "fullchain": ("%s,%s" % (dbCertificate.id, chain_id or ""), fullchain_pem(dbCertificate, dbChain)),
    }
    payload = {"id": str(dbCertificate.id)}
    for name, (part_id, pem) in parts.items():
        payload[name] = {"id": part_id} if id_only else {"id": part_id, "pem": pem}
    return payload


def domain_config_payload(dbDomain, id_only: bool = False) -> dict:
    """The Domain's deploy payload; an inactive Domain gets nulls (it is not to be served)."""
    active = bool(dbDomain.is_active)
    return {
        "domain": {"id": str(dbDomain.id), "domain_name": dbDomain.domain_name, "is_active": active},
        "certificate_signed__latest_single": (
            certificate_config_payload(dbDomain.certificate_signed__latest_single, id_only) if active else None
        ),
        "certificate_signed__latest_multi": (
            certificate_config_payload(dbDomain.certificate_signed__latest_multi, id_only) if active else None
        ),
    }
