"""A client of acme-dns's HTTP API, and the check of the CNAME an operator must create.

acme-dns (https://github.com/joohoi/acme-dns) is a small DNS server that serves only the TXT
records of dns-01 challenges, filled through an HTTP API:

* ``POST /register`` (optional JSON ``{"allowfrom": ["192.0.2.0/24", ...]}``) answers 201 with
  ``{"username", "password", "fulldomain", "subdomain", "allowfrom"}``: one set of credentials,
  allowed to write the TXT records of one ``fulldomain`` (``<subdomain>.<the server's domain>``).
* ``POST /update`` with the headers ``X-Api-User`` / ``X-Api-Key`` and the JSON
  ``{"subdomain", "txt"}`` (the TXT value is exactly 43 characters of base64url: a SHA-256
  digest) answers 200 ``{"txt": ...}``; wrong credentials, a subdomain that is not the user's,
  or an address outside its ``allowfrom`` answer 401 ``{"error": "forbidden"}``; a bad TXT 400
  ``{"error": "bad_txt"}``. The server keeps the two newest values of each subdomain, so a
  wildcard name and its base name can be validated in one order.
* ``GET /health`` answers 200.

The domain owner delegates once: ``_acme-challenge.<domain>`` is a CNAME to the account's
``fulldomain``; the CA follows it when it validates. ``audit_cname`` checks that it is there.

Pure: no database, no Pyramid. Passwords never appear in a log line, an exception or a repr.
"""

import dataclasses
import ipaddress
import logging
import re
import urllib.parse
from typing import List
from typing import Optional
from typing import Sequence

import requests

from . import errors
from . import utils
from .http01_check import parse_resolver

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0

# acme-dns's own formats (its validation.go): a UUID user, a 40-character key of the base64url
# alphabet, a subdomain that is one DNS label, a TXT value of 43 base64url characters
RE_USERNAME = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
RE_PASSWORD = re.compile(r"^[A-Za-z0-9_-]{40}$")
RE_SUBDOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
RE_TXT = re.compile(r"^[A-Za-z0-9_-]{43}$")

ROOT_URL_MAX_LENGTH = 255


@dataclasses.dataclass(frozen=True)
class AcmeDnsRegistration:
    """The credentials of one acme-dns account (``POST /register``'s answer)."""

    username: str
    password: str = dataclasses.field(repr=False)  # a secret: never in a repr or a log line
    fulldomain: str
    subdomain: str
    allowfrom: tuple = ()


def normalize_root_url(raw: str) -> str:
    """The root URL of an acme-dns server, canonical: ``http(s)://host[:port][/path]``, no trailing
    slash, no query, no fragment, no credentials.

    :raises errors.InvalidRequest: (field ``root_url``) not such a URL.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise errors.InvalidRequest("The root URL is empty.", field="root_url")
    value = raw.strip()
    try:
        parts = urllib.parse.urlsplit(value)
        port = parts.port  # a bad port raises ValueError
    except ValueError:
        raise errors.InvalidRequest("`root_url` is not a URL.", field="root_url")
    if parts.scheme not in ("http", "https"):
        raise errors.InvalidRequest("`root_url` must be an http:// or https:// URL.", field="root_url")
    if not parts.hostname:
        raise errors.InvalidRequest("`root_url` has no host.", field="root_url")
    if parts.username or parts.password:
        raise errors.InvalidRequest("`root_url` must not carry credentials.", field="root_url")
    if parts.query or parts.fragment:
        raise errors.InvalidRequest("`root_url` must not have a query or a fragment.", field="root_url")
    if re.search(r"[\s\x00-\x1f\x7f]", value):
        raise errors.InvalidRequest("`root_url` holds spaces or control characters.", field="root_url")
    netloc = parts.hostname.lower()
    if ":" in netloc:
        netloc = "[%s]" % netloc
    if port is not None:
        netloc = "%s:%d" % (netloc, port)
    url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    if len(url) > ROOT_URL_MAX_LENGTH:
        raise errors.InvalidRequest("`root_url` is longer than %d characters." % ROOT_URL_MAX_LENGTH, field="root_url")
    return url


def normalize_allowfrom(values: Optional[Sequence[str]]) -> List[str]:
    """CIDR ranges (or single addresses) an account may update from, canonical.

    :raises errors.InvalidRequest: (field ``allowfrom``) one is not a network.
    """
    networks = []
    for value in values or ():
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(str(ipaddress.ip_network(value.strip("[]"), strict=False)))
        except ValueError:
            raise errors.InvalidRequest("`%s` is not a CIDR network (e.g. `192.0.2.0/24`)." % value[:100], field="allowfrom")
    return networks


def validate_credentials(username: str, password: str, subdomain: str, fulldomain: str) -> AcmeDnsRegistration:
    """Credentials typed in by an operator (import), checked against acme-dns's formats.

    :raises errors.InvalidRequest: with the field at fault.
    """
    username = (username or "").strip()
    if not RE_USERNAME.match(username):
        raise errors.InvalidRequest("`username` is not an acme-dns user name (a UUID).", field="username")
    password = (password or "").strip()
    if not RE_PASSWORD.match(password):
        raise errors.InvalidRequest(
            "`password` is not an acme-dns key (40 characters: letters, digits, `-` and `_`).", field="password"
        )
    subdomain = (subdomain or "").strip()
    if not RE_SUBDOMAIN.match(subdomain):
        raise errors.InvalidRequest("`subdomain` is not one DNS label.", field="subdomain")
    with errors.for_field("fulldomain"):
        fulldomain = utils.validate_domain_name(fulldomain or "")
    if fulldomain.split(".", 1)[0] != subdomain.lower():
        raise errors.InvalidRequest("`fulldomain` must be `<subdomain>.<the acme-dns domain>`.", field="fulldomain")
    return AcmeDnsRegistration(username=username.lower(), password=password, fulldomain=fulldomain, subdomain=subdomain)


def validate_txt(txt: str) -> str:
    """A dns-01 TXT value as acme-dns takes it: 43 base64url characters (RFC 8555 section 8.4).

    :raises errors.InvalidRequest: (field ``txt``) anything else.
    """
    if not isinstance(txt, str) or not RE_TXT.match(txt):
        raise errors.InvalidRequest("A dns-01 TXT value is 43 base64url characters.", field="txt")
    return txt


class AcmeDnsClient:
    """One acme-dns server's API.

    :param root_url: the server's root URL (``normalize_root_url``).
    :param timeout: seconds for each request (connect and read).
    :param ca_bundle: a CA bundle file to verify its TLS certificate with; the system's trust
        store when None. TLS is always verified.
    :param session: a ``requests.Session`` (tests); one of its own otherwise.
    """

    def __init__(self, root_url: str, timeout: float = DEFAULT_TIMEOUT, ca_bundle: Optional[str] = None, session=None):
        self.root_url = root_url.rstrip("/")
        self.timeout = timeout
        self.verify = ca_bundle if ca_bundle else True
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, operation: str, **kwargs) -> requests.Response:
        url = self.root_url + path
        try:
            response = self.session.request(method, url, timeout=self.timeout, verify=self.verify, **kwargs)
        except requests.exceptions.Timeout:
            raise errors.AcmeDnsUnreachable(
                "acme-dns at %s did not answer %s in %s seconds." % (self.root_url, operation, self.timeout), self.root_url
            )
        except requests.exceptions.SSLError as exc:
            raise errors.AcmeDnsUnreachable(
                "acme-dns at %s: TLS verification failed (%s)." % (self.root_url, _short(exc)), self.root_url
            )
        except requests.exceptions.RequestException as exc:
            raise errors.AcmeDnsUnreachable(
                "acme-dns at %s could not be reached (%s)." % (self.root_url, _short(exc)), self.root_url
            )
        log.debug("acme-dns %s %s -> %s", method, url, response.status_code)
        return response

    def _fail(self, response: requests.Response, operation: str) -> errors.AcmeDnsServerError:
        error_word = None
        try:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                error_word = body["error"][:100]
        except ValueError:
            pass
        if response.status_code == 401:
            why = "the credentials were refused (wrong user or key, a subdomain not the user's, or an address outside its allowfrom)"
        elif response.status_code == 400:
            why = "the request was refused as malformed"
        elif response.status_code >= 500:
            why = "the server failed"
        else:
            why = "unexpected answer"
        message = "acme-dns at %s answered %s with HTTP %s: %s%s." % (
            self.root_url,
            operation,
            response.status_code,
            why,
            " (`%s`)" % error_word if error_word else "",
        )
        return errors.AcmeDnsServerError(message, self.root_url, status=response.status_code, error=error_word)

    def health(self) -> bool:
        """``GET /health``: True when it answers 200.

        :raises errors.AcmeDnsUnreachable: no answer.
        :raises errors.AcmeDnsServerError: any other status.
        """
        response = self._request("GET", "/health", "the health check")
        if response.status_code != 200:
            raise self._fail(response, "the health check")
        return True

    def register(self, allowfrom: Optional[Sequence[str]] = None) -> AcmeDnsRegistration:
        """``POST /register``: a new account.

        :raises errors.AcmeDnsUnreachable: no answer.
        :raises errors.AcmeDnsServerError: an error status, or an answer without valid credentials.
        """
        kwargs = {"json": {"allowfrom": list(allowfrom)}} if allowfrom else {}
        response = self._request("POST", "/register", "the registration", **kwargs)
        if response.status_code != 201:
            raise self._fail(response, "the registration")
        try:
            body = response.json()
            registration = validate_credentials(
                body["username"], body["password"], body["subdomain"], body["fulldomain"]
            )
            allowfrom_answered = body.get("allowfrom") or []
            if not isinstance(allowfrom_answered, list):
                raise ValueError("allowfrom")
        except (ValueError, KeyError, TypeError, errors.InvalidRequest):
            raise errors.AcmeDnsServerError(
                "acme-dns at %s answered the registration without valid credentials." % self.root_url,
                self.root_url,
                status=response.status_code,
            )
        return dataclasses.replace(registration, allowfrom=tuple(str(a) for a in allowfrom_answered))

    def update_txt(self, username: str, password: str, subdomain: str, txt: str) -> str:
        """``POST /update``: set a TXT value of the account's fulldomain (the older of its two).

        :returns: the TXT value the server stored.
        :raises errors.InvalidRequest: the TXT value is not 43 base64url characters (not sent).
        :raises errors.AcmeDnsUnreachable: no answer.
        :raises errors.AcmeDnsServerError: 401 (credentials), 400 (bad TXT/subdomain), 5xx...
        """
        validate_txt(txt)
        response = self._request(
            "POST",
            "/update",
            "the TXT update",
            headers={"X-Api-User": username, "X-Api-Key": password},
            json={"subdomain": subdomain, "txt": txt},
        )
        if response.status_code != 200:
            raise self._fail(response, "the TXT update")
        try:
            stored = response.json()["txt"]
        except (ValueError, KeyError, TypeError):
            raise errors.AcmeDnsServerError(
                "acme-dns at %s answered the TXT update without the value." % self.root_url,
                self.root_url,
                status=response.status_code,
            )
        return stored


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:299] + "\u2026"


# --- the CNAME the operator creates


def challenge_name(domain_name: str) -> str:
    """``_acme-challenge.<domain>`` for a name; a wildcard name uses its base name (RFC 8555
    section 8.4: ``*.example.com`` is validated at ``_acme-challenge.example.com``)."""
    name = domain_name.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    return "_acme-challenge." + name


@dataclasses.dataclass
class CnameAudit:
    """What ``audit_cname`` found.

    ``status``: ``ok`` (the CNAME points at ``expected``), ``missing`` (no CNAME at ``name``),
    ``wrong_target`` (a CNAME to something else) or ``error`` (the DNS query failed).
    ``found``: the CNAME targets answered. ``instruction``: the record to create.
    """

    name: str
    expected: str
    status: str
    found: List[str]
    message: str
    resolver: Optional[str]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def instruction(self) -> str:
        return "%s. CNAME %s." % (self.name, self.expected)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "expected": self.expected,
            "status": self.status,
            "ok": self.ok,
            "found": list(self.found),
            "message": self.message,
            "resolver": self.resolver,
            "instruction": self.instruction,
        }


def audit_cname(domain_name: str, fulldomain: str, resolver: Optional[str] = None, timeout: float = 5.0) -> CnameAudit:
    """Check that ``_acme-challenge.<domain_name>`` is a CNAME to ``fulldomain``.

    :param resolver: ``ip`` or ``ip:port`` of the DNS server to ask (``acme_dns_audit_resolver``);
        the system's resolvers when None.
    """
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    name = challenge_name(domain_name)
    expected = fulldomain.strip().lower().rstrip(".")
    if resolver:
        host, port = parse_resolver(resolver)
        dns_resolver = dns.resolver.Resolver(configure=False)
        dns_resolver.nameservers = [host]
        dns_resolver.port = port
    else:
        dns_resolver = dns.resolver.Resolver()
    dns_resolver.lifetime = timeout
    dns_resolver.timeout = timeout

    def result(status, found, message):
        return CnameAudit(name=name, expected=expected, status=status, found=found, message=message, resolver=resolver)

    try:
        answer = dns_resolver.resolve(name, dns.rdatatype.CNAME, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return result("missing", [], "%s does not exist (NXDOMAIN): create the CNAME." % name)
    except dns.exception.Timeout:
        return result("error", [], "No DNS answer for %s in %s seconds." % (name, timeout))
    except dns.exception.DNSException as exc:
        return result("error", [], "The DNS query for %s failed: %s" % (name, _short(exc)))
    found = []
    if answer.rrset is not None:
        found = [rdata.target.to_text(omit_final_dot=True).lower() for rdata in answer.rrset]
    if not found:
        return result("missing", [], "%s has no CNAME record: create it." % name)
    if expected in found:
        return result("ok", found, "%s is a CNAME to %s." % (name, expected))
    return result(
        "wrong_target", found, "%s is a CNAME to %s, not to %s: change it." % (name, ", ".join(found), expected)
    )
