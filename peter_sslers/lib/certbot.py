"""Read a certbot directory (``/etc/letsencrypt``) into plain data. Pure: no database, no network.

certbot's layout, as this module understands it::

    accounts/SERVER_PATH/ACCOUNT_ID/{private_key.json, regr.json, meta.json}
    archive/LINEAGE/{cert,chain,fullchain,privkey}N.pem      N = 1, 2, ... (any number of versions)
    live/README
    live/LINEAGE/{cert,chain,fullchain,privkey}.pem          relative symlinks to the newest version
    live/LINEAGE/README
    renewal/LINEAGE.conf                                      configobj text: the lineage's server,
                                                              account, key type...

``SERVER_PATH`` is the ACME directory URL without its scheme (certbot's ``server_path``):
``acme-v02.api.letsencrypt.org/directory`` for Let's Encrypt, ``127.0.0.1:14000/dir`` for a
pebble, any host and path for a private ACME server.

Nothing here refuses a whole tree because one part of it is damaged: every certificate version and
every account is returned with the text of its files and, when it cannot be imported, a
``problem`` saying why (a missing or unreadable file, a fullchain that is not cert + chain, JSON
that does not parse). Whether the PEMs are usable (a key that matches the certificate, a chain
that signed it) is decided by the importer (``lib.db``), which both import paths share.

Departures from the 2021 reader (``commandline.py``), on purpose: versions are numbered by their
file names, not counted (the 2021 code divided the file count by 4, a float on Python 3, and
failed); a live lineage may hold extra files; account servers need not start with ``acme-``.
"""

import dataclasses
import json
import os
import re
from typing import Dict
from typing import Iterable
from typing import List
from typing import Optional
from typing import Tuple

from . import cert_utils
from . import errors

# The four files of a certificate, by certbot's names.
CERTIFICATE_KINDS = ("cert", "chain", "fullchain", "privkey")
# What an import needs; ``fullchain`` is only checked against cert + chain when it is there.
REQUIRED_KINDS = ("cert", "chain", "privkey")
ACCOUNT_FILES = ("private_key.json", "regr.json", "meta.json")

_RE_VERSIONED = re.compile(r"^(cert|chain|fullchain|privkey)([0-9]+)\.pem$")
# Text files are small; anything bigger is not one of certbot's.
MAX_FILE_BYTES = 1024 * 1024


class CertbotLayoutError(errors.InvalidRequest):
    """The path given is not the certbot directory asked for (missing, not a directory, wrong level)."""


# --- what is read


@dataclasses.dataclass
class CertificateFiles:
    """One certificate with its key and chain: an archive version, a live lineage or a plain directory.

    :ivar source: ``archive``, ``live`` or ``plain``.
    :ivar lineage: certbot's lineage name (the directory name), e.g. ``example.com-0001``.
    :ivar version: the archive version; for ``live``, the version its symlinks point at (or None).
    :ivar paths: kind (``cert``, ``chain``, ``fullchain``, ``privkey``) -> path, for the files present.
    :ivar pems: kind -> text, for the files read.
    :ivar problem: why it cannot be imported, or None.
    :ivar warning: something odd that does not stop the import (a fullchain that is not cert +
        chain: the import uses cert and chain, which the importer checks against each other).
    """

    source: str
    lineage: str
    directory: str
    version: Optional[int] = None
    paths: Dict[str, str] = dataclasses.field(default_factory=dict)
    pems: Dict[str, str] = dataclasses.field(default_factory=dict, repr=False)  # holds a private key
    problem: Optional[str] = None
    warning: Optional[str] = None

    @property
    def label(self) -> str:
        if self.source == "archive":
            return "archive/%s version %s" % (self.lineage, self.version)
        if self.source == "live":
            return "live/%s" % self.lineage
        return self.directory

    @property
    def cert_pem(self) -> Optional[str]:
        return self.pems.get("cert")

    @property
    def chain_pem(self) -> Optional[str]:
        return self.pems.get("chain")

    @property
    def fullchain_pem(self) -> Optional[str]:
        return self.pems.get("fullchain")

    @property
    def privkey_pem(self) -> Optional[str]:
        return self.pems.get("privkey")


@dataclasses.dataclass
class AccountFiles:
    """One certbot account: its three JSON files, as text, and what they say.

    :ivar account_id: certbot's id (the directory name).
    :ivar server_path: the directory URL without its scheme, from the path (None when the
        directory is not under an ``accounts`` directory).
    :ivar directory_url: the ACME directory URL: a renewal configuration's ``server`` for this
        account when there is one, else ``https://`` + ``server_path``.
    :ivar account_url: ``regr.json``'s ``uri``; its host names the ACME server.
    :ivar contact: the first ``mailto:`` contact of ``regr.json`` (None: an empty body).
    :ivar key_type: the JWK's ``kty`` (``RSA``, ``EC``).
    :ivar problem: why it cannot be imported, or None.
    """

    account_id: str
    directory: str
    server_path: Optional[str] = None
    directory_url: Optional[str] = None
    private_key_json: Optional[str] = dataclasses.field(default=None, repr=False)  # the account key
    regr_json: Optional[str] = None
    meta_json: Optional[str] = None
    account_url: Optional[str] = None
    contact: Optional[str] = None
    key_type: Optional[str] = None
    problem: Optional[str] = None

    @property
    def label(self) -> str:
        if self.server_path:
            return "account %s/%s" % (self.server_path, self.account_id)
        return "account %s" % self.directory


@dataclasses.dataclass
class RenewalConf:
    """``renewal/LINEAGE.conf``: the top-level values and the ``[renewalparams]`` section.

    Nested sections (``[[webroot_map]]``) are kept under their own names.
    """

    lineage: str
    path: str
    values: Dict[str, str] = dataclasses.field(default_factory=dict)
    sections: Dict[str, Dict[str, str]] = dataclasses.field(default_factory=dict)
    problem: Optional[str] = None

    @property
    def renewalparams(self) -> Dict[str, str]:
        return self.sections.get("renewalparams", {})

    @property
    def server(self) -> Optional[str]:
        return self.renewalparams.get("server")

    @property
    def account(self) -> Optional[str]:
        return self.renewalparams.get("account")

    @property
    def key_type(self) -> Optional[str]:
        return self.renewalparams.get("key_type")


@dataclasses.dataclass
class CertbotTree:
    """A whole certbot directory.

    :ivar certificates: every archive version (lineages in name order, versions in number order),
        then the live lineages that have no archive directory (a tree copied with its symlinks
        resolved).
    """

    root: str
    accounts: List[AccountFiles]
    certificates: List[CertificateFiles]
    renewals: Dict[str, RenewalConf]


# --- files


def _read_text(path: str) -> Tuple[Optional[str], Optional[str]]:
    """``(text, None)`` or ``(None, why not)``."""
    if os.path.islink(path) and not os.path.exists(path):
        return None, "%s is a symlink to %s, which does not exist" % (
            os.path.basename(path),
            os.readlink(path),
        )
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, "cannot read %s: %s" % (os.path.basename(path), exc.strerror or exc)
    if len(data) > MAX_FILE_BYTES:
        return None, "%s is larger than %s bytes" % (os.path.basename(path), MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "%s is binary, not text" % os.path.basename(path)
    if not text.strip():
        return None, "%s is empty" % os.path.basename(path)
    return text, None


def _subdirectories(path: str) -> List[str]:
    """The visible subdirectories of ``path`` (symlinks to directories included), by name."""
    names = []
    for name in sorted(os.listdir(path)):
        if name.startswith("."):
            continue
        if os.path.isdir(os.path.join(path, name)):
            names.append(name)
    return names


def _require_directory(path: str, what: str) -> str:
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise CertbotLayoutError("%s does not exist: %s" % (what, path))
    if not os.path.isdir(path):
        raise CertbotLayoutError("%s is not a directory: %s" % (what, path))
    return path


def _load_certificate(item: CertificateFiles) -> CertificateFiles:
    """Read the files of ``item.paths`` and say what is wrong with them, if anything."""
    problems = []
    missing = [kind for kind in REQUIRED_KINDS if kind not in item.paths]
    if missing:
        names = [file_name(item, kind) for kind in missing]
        problems.append("missing %s" % ", ".join(names))
    for kind in CERTIFICATE_KINDS:
        if kind not in item.paths:
            continue
        text, problem = _read_text(item.paths[kind])
        if problem:
            problems.append(problem)
        else:
            item.pems[kind] = text
    item.problem = "; ".join(problems) or None
    if item.problem is None and "fullchain" in item.pems:
        # certbot writes fullchain = cert + chain; anything else was edited by hand or damaged
        expected = cert_utils.split_pem_chain(item.pems["cert"]) + cert_utils.split_pem_chain(item.pems["chain"])
        if cert_utils.split_pem_chain(item.pems["fullchain"]) != expected:
            item.warning = "%s is not %s followed by %s (not used: the import reads those two)" % (
                file_name(item, "fullchain"),
                file_name(item, "cert"),
                file_name(item, "chain"),
            )
    return item


# --- certificates: archive


def _archive_versions(lineage_dir: str) -> Dict[int, Dict[str, str]]:
    """version -> kind -> path, from the file names of one archive lineage."""
    versions: Dict[int, Dict[str, str]] = {}
    for name in os.listdir(lineage_dir):
        match = _RE_VERSIONED.match(name)
        if match is None:
            continue  # other files are tolerated
        kind, number = match.group(1), int(match.group(2))
        versions.setdefault(number, {})[kind] = os.path.join(lineage_dir, name)
    return versions


def read_archive_lineage(lineage_dir: str) -> List[CertificateFiles]:
    """Every version of one ``archive/LINEAGE`` directory, oldest first.

    :raises CertbotLayoutError: not a directory.
    """
    lineage_dir = _require_directory(lineage_dir, "The archive lineage directory")
    lineage = os.path.basename(lineage_dir.rstrip(os.sep))
    return [
        _load_certificate(CertificateFiles("archive", lineage, lineage_dir, version=number, paths=paths))
        for number, paths in sorted(_archive_versions(lineage_dir).items())
    ]


def read_archive_version(lineage_dir: str, version: int) -> CertificateFiles:
    """One version of an ``archive/LINEAGE`` directory.

    :raises CertbotLayoutError: not a directory, or no such version.
    """
    lineage_dir = _require_directory(lineage_dir, "The archive lineage directory")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise CertbotLayoutError("The certificate version must be a number, not %r." % (version,))
    versions = _archive_versions(lineage_dir)
    if version not in versions:
        raise CertbotLayoutError(
            "%s has no version %s (versions: %s)."
            % (lineage_dir, version, ", ".join(str(n) for n in sorted(versions)) or "none")
        )
    lineage = os.path.basename(lineage_dir.rstrip(os.sep))
    return _load_certificate(CertificateFiles("archive", lineage, lineage_dir, version=version, paths=versions[version]))


def read_archive(archive_dir: str) -> List[CertificateFiles]:
    """Every version of every lineage of an ``archive`` directory.

    :raises CertbotLayoutError: not a directory.
    """
    archive_dir = _require_directory(archive_dir, "The archive directory")
    certificates = []
    for name in _subdirectories(archive_dir):
        certificates.extend(read_archive_lineage(os.path.join(archive_dir, name)))
    return certificates


# --- certificates: live and plain directories


def read_plain(cert_dir: str, source: str = "plain") -> CertificateFiles:
    """An unversioned certificate directory: ``cert.pem``, ``chain.pem``, ``fullchain.pem``,
    ``privkey.pem`` (symlinks followed; other files tolerated).

    :raises CertbotLayoutError: not a directory.
    """
    cert_dir = _require_directory(cert_dir, "The certificate directory")
    lineage = os.path.basename(cert_dir.rstrip(os.sep))
    item = CertificateFiles(source, lineage, cert_dir)
    for kind in CERTIFICATE_KINDS:
        path = os.path.join(cert_dir, kind + ".pem")
        if os.path.lexists(path):
            item.paths[kind] = path
    link = item.paths.get("cert")
    if link and os.path.islink(link):
        match = _RE_VERSIONED.match(os.path.basename(os.readlink(link)))
        if match is not None:
            item.version = int(match.group(2))
    return _load_certificate(item)


def read_live(live_dir: str) -> List[CertificateFiles]:
    """Every lineage of a ``live`` directory (its README files and other files are skipped).

    :raises CertbotLayoutError: not a directory.
    """
    live_dir = _require_directory(live_dir, "The live directory")
    return [read_plain(os.path.join(live_dir, name), source="live") for name in _subdirectories(live_dir)]


# --- accounts


def _locate_account(account_dir: str) -> Tuple[Optional[str], Optional[str]]:
    """``(accounts_root, server_path)``: the nearest ``accounts`` directory above the account and the
    part of the path between it and the account id; ``(None, None)`` when there is none."""
    parts = os.path.abspath(account_dir).rstrip(os.sep).split(os.sep)
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "accounts":
            server_path = "/".join(parts[index + 1 : -1]) or None
            return os.sep.join(parts[: index + 1]), server_path
    return None, None


def read_account(
    account_dir: str, server_path: Optional[str] = None, renewals: Optional[Dict[str, "RenewalConf"]] = None
) -> AccountFiles:
    """One ``accounts/SERVER_PATH/ACCOUNT_ID`` directory.

    :param server_path: the server part of the path, when the caller knows it (else it is found
        from the nearest ``accounts`` directory above).
    :param renewals: the renewal configurations that may name this account's exact directory URL
        (default: those of the certbot directory the account is in).
    :raises CertbotLayoutError: not a directory.
    """
    account_dir = _require_directory(account_dir, "The account directory")
    if server_path is None:
        accounts_root, server_path = _locate_account(account_dir)
        if renewals is None and accounts_root is not None:
            renewals = _renewals_beside(accounts_root)
    account = AccountFiles(
        account_id=os.path.basename(account_dir.rstrip(os.sep)),
        directory=account_dir,
        server_path=server_path,
        directory_url="https://%s" % server_path if server_path else None,
    )
    problems = []
    texts = {}
    for name in ACCOUNT_FILES:
        path = os.path.join(account_dir, name)
        if not os.path.lexists(path):
            problems.append("missing %s" % name)
            continue
        text, problem = _read_text(path)
        if problem:
            problems.append(problem)
            continue
        try:
            texts[name] = (text, json.loads(text))
        except ValueError:
            problems.append("%s is not JSON" % name)
    if "private_key.json" in texts:
        account.private_key_json, jwk = texts["private_key.json"]
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
            problems.append("private_key.json is not a JSON Web Key")
        else:
            account.key_type = jwk["kty"]
    if "regr.json" in texts:
        account.regr_json, regr = texts["regr.json"]
        if not isinstance(regr, dict) or not isinstance(regr.get("uri"), str):
            problems.append("regr.json has no account `uri`")
        else:
            account.account_url = regr["uri"]
            account.contact = first_email_contact(regr.get("body"))
    if "meta.json" in texts:
        account.meta_json = texts["meta.json"][0]
    account.problem = "; ".join(problems) or None
    if renewals:
        _apply_renewal_servers([account], renewals)
    return account


def first_email_contact(body) -> Optional[str]:
    """The first ``mailto:`` contact of a registration body, without ``mailto:`` (None if none).

    certbot writes an empty body (``{}``) for accounts registered without an email address,
    and ACME v1 bodies may list ``tel:`` contacts: neither is an error.
    """
    if not isinstance(body, dict):
        return None
    contacts = body.get("contact")
    if isinstance(contacts, str):
        contacts = [contacts]
    if not isinstance(contacts, list):
        return None
    for contact in contacts:
        if isinstance(contact, str) and contact.lower().startswith("mailto:") and len(contact) > 7:
            return contact[7:]
    return None


def _is_account_dir(path: str) -> bool:
    return any(os.path.lexists(os.path.join(path, name)) for name in ACCOUNT_FILES)


def _walk_accounts(accounts_root: str, start: str) -> List[AccountFiles]:
    """Every account directory under ``start``; the server path is relative to ``accounts_root``.

    certbot links one server's accounts directory to another's (Let's Encrypt v2 reusing v1
    accounts): an account reached twice is read once, by its first path in name order.
    """
    accounts = []
    seen = set()
    for directory, subdirs, _files in os.walk(start, followlinks=True):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        if directory == start or not _is_account_dir(directory):
            continue
        subdirs[:] = []  # an account directory holds no accounts
        real = os.path.realpath(directory)
        if real in seen:
            continue
        seen.add(real)
        server_path = os.path.relpath(os.path.dirname(directory), accounts_root).replace(os.sep, "/")
        accounts.append(read_account(directory, server_path=None if server_path == "." else server_path, renewals={}))
    _apply_renewal_servers(accounts, _renewals_beside(accounts_root))
    return accounts


def _renewals_beside(accounts_root: str) -> Dict[str, "RenewalConf"]:
    """The renewal configurations of the certbot directory an ``accounts`` directory is in."""
    if os.path.basename(accounts_root.rstrip(os.sep)) != "accounts":
        return {}
    renewal_dir = os.path.join(os.path.dirname(accounts_root.rstrip(os.sep)), "renewal")
    return read_renewal(renewal_dir) if os.path.isdir(renewal_dir) else {}


def read_accounts_server(server_dir: str) -> List[AccountFiles]:
    """Every account of one server: ``accounts/SERVER_HOST`` (e.g. ``accounts/acme-v02.api.letsencrypt.org``).

    :raises CertbotLayoutError: not a directory.
    """
    server_dir = _require_directory(server_dir, "The accounts directory of a server")
    return _walk_accounts(os.path.dirname(server_dir.rstrip(os.sep)), server_dir)


def read_accounts(accounts_dir: str) -> List[AccountFiles]:
    """Every account of every server of an ``accounts`` directory.

    :raises CertbotLayoutError: not a directory.
    """
    accounts_dir = _require_directory(accounts_dir, "The accounts directory")
    return _walk_accounts(accounts_dir, accounts_dir)


# --- renewal configurations


def parse_renewal_conf(text: str) -> Tuple[Dict[str, str], Dict[str, Dict[str, str]]]:
    """certbot's renewal configuration (a configobj file): top-level values and sections."""
    values: Dict[str, str] = {}
    sections: Dict[str, Dict[str, str]] = {}
    current = values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[] \t"), {})
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        current[key.strip()] = value
    return values, sections


def read_renewal(renewal_dir: str) -> Dict[str, RenewalConf]:
    """lineage -> its ``renewal/LINEAGE.conf``.

    :raises CertbotLayoutError: not a directory.
    """
    renewal_dir = _require_directory(renewal_dir, "The renewal directory")
    confs = {}
    for name in sorted(os.listdir(renewal_dir)):
        if not name.endswith(".conf") or name.startswith("."):
            continue
        path = os.path.join(renewal_dir, name)
        conf = RenewalConf(lineage=name[: -len(".conf")], path=path)
        text, problem = _read_text(path)
        if problem:
            conf.problem = problem
        else:
            conf.values, conf.sections = parse_renewal_conf(text)
        confs[conf.lineage] = conf
    return confs


# --- the whole tree


def _apply_renewal_servers(accounts: Iterable[AccountFiles], renewals: Dict[str, RenewalConf]) -> None:
    """A renewal configuration names its account and the exact directory URL (with its scheme,
    which the accounts path lost): use it where it agrees with the path."""
    servers = {}
    for conf in renewals.values():
        if conf.account and conf.server:
            servers[conf.account] = conf.server
    for account in accounts:
        server = servers.get(account.account_id)
        if server is None:
            continue
        without_scheme = server.split("://", 1)[-1].rstrip("/")
        if account.server_path is None or without_scheme == account.server_path.rstrip("/"):
            account.directory_url = server


def read_certbot_dir(root: str, accounts: bool = True, certificates: bool = True) -> CertbotTree:
    """A whole certbot directory (``/etc/letsencrypt``, or ``config_dir``).

    Missing ``accounts``, ``archive``, ``live`` or ``renewal`` directories are simply empty.

    :raises CertbotLayoutError: not a directory, or none of those four in it.
    """
    root = _require_directory(root, "The certbot directory")
    present = {name: os.path.isdir(os.path.join(root, name)) for name in ("accounts", "archive", "live", "renewal")}
    if not any(present.values()):
        raise CertbotLayoutError(
            "%s is not a certbot directory: it has none of accounts/, archive/, live/, renewal/." % root
        )
    renewals = read_renewal(os.path.join(root, "renewal")) if present["renewal"] else {}
    tree = CertbotTree(root=root, accounts=[], certificates=[], renewals=renewals)
    if accounts and present["accounts"]:
        tree.accounts = read_accounts(os.path.join(root, "accounts"))
    if certificates:
        if present["archive"]:
            tree.certificates = read_archive(os.path.join(root, "archive"))
        archived = {item.lineage for item in tree.certificates}
        if present["live"]:
            # a live lineage is one of the archive's versions; only one without an archive is new
            tree.certificates.extend(
                item for item in read_live(os.path.join(root, "live")) if item.lineage not in archived
            )
    return tree


# --- reporting, shared by the console script and the invoke tasks

# The upload routes' form fields -> what certbot calls the file behind them. Errors of the import
# code name the form field; reports name the file.
CERTIFICATE_UPLOAD_FIELDS = {"certificate_file": "cert", "chain_file": "chain", "private_key_file": "privkey"}
ACCOUNT_UPLOAD_FIELDS = {
    "account_key_file_le_pkey": "private_key.json",
    "account_key_file_le_reg": "regr.json",
    "account_key_file_le_meta": "meta.json",
    "acme_server_directory": "the ACME directory URL",
    "account__contact": "regr.json",
}


def file_name(item: CertificateFiles, kind: str) -> str:
    """The file of ``kind`` of a certificate, as certbot names it (``privkey3.pem``, ``cert.pem``)."""
    return "%s%s.pem" % (kind, item.version if item.source == "archive" else "")


def new_server_note(name: str, directory_url: str) -> str:
    return (
        "added the ACME server `%s` (%s) of imported accounts; it is not enabled "
        "(list it in `certificate_authorities_enable` to use it)" % (name, directory_url)
    )


OUTCOME_CREATED = "created"
OUTCOME_EXISTING = "already there"
OUTCOME_FAILED = "failed"


class ImportSummary:
    """Counts what an import created, found already there, or could not import, by kind."""

    def __init__(self, kinds: Iterable[str] = ("accounts", "certificates")):
        self.counts = {kind: {OUTCOME_CREATED: 0, OUTCOME_EXISTING: 0, OUTCOME_FAILED: 0} for kind in kinds}
        self.failures: List[Tuple[str, str]] = []
        self.notes: List[str] = []

    def record(self, kind: str, label: str, outcome: str, detail: Optional[str] = None) -> str:
        """Count one item; returns its progress text (``created``, ``already there``, ``FAILED: ...``)."""
        self.counts.setdefault(kind, {OUTCOME_CREATED: 0, OUTCOME_EXISTING: 0, OUTCOME_FAILED: 0})
        self.counts[kind][outcome] += 1
        if outcome == OUTCOME_FAILED:
            self.failures.append((label, detail or "unknown error"))
            return "FAILED: %s" % (detail or "unknown error")
        return outcome + (" (%s)" % detail if detail else "")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def failed(self) -> int:
        return sum(counts[OUTCOME_FAILED] for counts in self.counts.values())

    def lines(self) -> List[str]:
        lines = ["Summary:"]
        for kind, counts in self.counts.items():
            lines.append(
                "  %s: %s %s, %s %s, %s %s"
                % (
                    kind,
                    counts[OUTCOME_CREATED],
                    OUTCOME_CREATED,
                    counts[OUTCOME_EXISTING],
                    OUTCOME_EXISTING,
                    counts[OUTCOME_FAILED],
                    OUTCOME_FAILED,
                )
            )
        for text in self.notes:
            lines.append("  note: %s" % text)
        for label, detail in self.failures:
            lines.append("  FAILED %s: %s" % (label, detail))
        return lines
