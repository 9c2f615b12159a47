"""Small pure helpers shared by the lib and web layers: domain names, digests, payloads."""

import hashlib
import json
import re
from typing import Iterable
from typing import List
from typing import Optional

import idna

from .errors import InvalidRequest

# RFC 1035 / 5890 limits.
MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
_RE_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# A top-level label is never all digits: that is how IPv4 addresses are kept out.
_RE_TLD = re.compile(r"^(?=.*[a-z])[a-z0-9-]+$")

# An ACME challenge token is base64url (RFC 8555 section 8.1); anything else is refused.
RE_ACME_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def validate_domain_name(raw: str, allow_wildcard: bool = False) -> str:
    """Return the canonical (lower-case, ASCII/punycode, no trailing dot) form of a domain name.

    :raises InvalidRequest: when it is not a valid fully qualified domain name.
    """
    if not isinstance(raw, str):
        raise InvalidRequest("A domain name must be text.")
    name = raw.strip().lower().rstrip(".")
    if not name:
        raise InvalidRequest("The domain name is empty.")
    wildcard = False
    if name.startswith("*."):
        if not allow_wildcard:
            raise InvalidRequest("Wildcard names (`%s`) need the dns-01 challenge and are not accepted here." % raw)
        wildcard = True
        name = name[2:]
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise InvalidRequest("`%s` is not a valid internationalised domain name: %s" % (raw, exc))
    if len(name) > MAX_DOMAIN_LENGTH:
        raise InvalidRequest("`%s` is longer than %s characters." % (raw, MAX_DOMAIN_LENGTH))
    labels = name.split(".")
    if len(labels) < 2:
        raise InvalidRequest("`%s` is not a fully qualified domain name (it needs a dot)." % raw)
    for label in labels:
        if not label:
            raise InvalidRequest("`%s` has an empty label." % raw)
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidRequest("`%s` has a label longer than %s characters." % (raw, MAX_LABEL_LENGTH))
        if not _RE_LABEL.match(label):
            raise InvalidRequest(
                "`%s` is not a valid domain name: labels hold letters, digits and inner hyphens only." % raw
            )
    if not _RE_TLD.match(labels[-1]):
        raise InvalidRequest("`%s` is not a domain name (an IP address or a numeric top-level label)." % raw)
    return ("*." + name) if wildcard else name


def domain_name_for_lookup(raw: str) -> str:
    """The stored form of a name as someone typed it, for finding it (no validation): stripped,
    lower-case, a trailing dot dropped, an internationalised name (Unicode) as its A-labels
    (punycode). A name IDNA refuses is returned as typed (lower-case): it finds nothing."""
    name = (raw or "").strip().lower().rstrip(".")
    if name.isascii():
        return name
    prefix = ""
    if name.startswith("*."):
        prefix, name = "*.", name[2:]
    try:
        return prefix + idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return prefix + name


def domain_name_unicode(name: str) -> Optional[str]:
    """The Unicode form (U-labels) of a stored name holding A-labels (``xn--``), for display;
    None for a name with none (or one IDNA cannot decode: it is shown as stored). A wildcard
    keeps its ``*.``."""
    if not name or "xn--" not in name.lower():
        return None
    labels = []
    for label in name.split("."):
        if label.lower().startswith("xn--"):
            try:
                label = idna.decode(label)
            except (idna.IDNAError, UnicodeError, ValueError):
                return None
        labels.append(label)
    shown = ".".join(labels)
    return shown if shown != name else None


def split_domain_names(raw: str) -> List[str]:
    """Split a comma (or whitespace) separated list into stripped, non-empty items, in order, once each."""
    seen: List[str] = []
    for item in re.split(r"[,\s]+", raw or ""):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def validate_domain_names(names: Iterable[str], allow_wildcard: bool = False) -> List[str]:
    """Canonicalise several names; the result is de-duplicated and sorted."""
    return sorted({validate_domain_name(name, allow_wildcard=allow_wildcard) for name in names})


def normalize_host(host: str) -> str:
    """The domain part of an HTTP Host header: lower-case, port and trailing dot removed."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # IPv6 literal, e.g. [::1]:8080
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    if ":" in host:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")


def sha256_hex(text: str) -> str:
    """Lower-case hex SHA-256 of UTF-8 text: the de-duplication key of stored PEMs."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_event_payload(**values) -> dict:
    """An OperationsEvent payload: always versioned, so its shape can evolve."""
    payload = {"v": 1}
    payload.update(values)
    return payload


def dumps_payload(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, default=str)
