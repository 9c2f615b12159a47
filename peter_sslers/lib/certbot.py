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

**What is read, and what is not.** The tree is usually root's, and its files end up in a database
or in HTTP requests, so the reader never reads outside the certbot directory it was given:

* every file and directory is resolved (``os.path.realpath``) and refused unless it is really
  inside the certbot directory (:class:`CertbotRoot`). certbot's own symlinks (``live/`` to
  ``archive/``, one server's accounts to another's) stay inside and are followed; a symlink that
  leads out is reported, naming the link and its target, and not followed;
* a file is opened on its resolved path with ``O_NOFOLLOW | O_NONBLOCK`` and read only when it is a
  regular file (a FIFO, a device or a directory is refused, never waited on), at most
  :data:`MAX_FILE_BYTES`;
* the accounts walk lists each real directory once, so symlink loops and several links to one
  directory cost nothing.

**Lazily.** The readers list what is there (paths, version numbers, account directories) and read
no file of a certificate or an account until its ``load()``; the importers load one item, import
it and ``release()`` it, so a tree of any size never sits in memory with all its private keys.
:class:`CertificateList` counts and yields certificate versions lineage by lineage.

Nothing here refuses a whole tree because one part of it is damaged: every certificate version and
every account is returned, and once loaded carries a ``problem`` saying why it cannot be imported
(a missing or unreadable file, a symlink out of the tree, a fullchain that is not cert + chain,
JSON that does not parse). A directory that cannot be listed is an item with a problem too.
Whether the PEMs are usable (a key that matches the certificate, a chain that signed it) is
decided by the importer (``lib.db``), which both import paths share.

Departures from the 2021 reader (``commandline.py``), on purpose: versions are numbered by their
file names, not counted (the 2021 code divided the file count by 4, a float on Python 3, and
failed); a live lineage may hold extra files; account servers need not start with ``acme-``.
"""

import dataclasses
import json
import os
import re
import stat
from typing import Callable
from typing import Dict
from typing import Iterable
from typing import Iterator
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
# The directories of a certbot configuration directory.
CERTBOT_SUBDIRECTORIES = ("accounts", "archive", "live", "renewal")

_RE_VERSIONED = re.compile(r"^(cert|chain|fullchain|privkey)([0-9]+)\.pem$")
# Text files are small; anything bigger is not one of certbot's.
MAX_FILE_BYTES = 1024 * 1024
# O_NOFOLLOW: the path was resolved just before; a symlink swapped in since is refused (ELOOP).
# O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not a regular file).
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


class CertbotLayoutError(errors.InvalidRequest):
    """The path given is not the certbot directory asked for (missing, not a directory, wrong level)."""


# --- where reading is allowed


class CertbotRoot:
    """The certbot directory a reader was given: nothing outside it is read.

    :ivar path: the directory as given (absolute, symlinks not resolved), for messages.
    :ivar real: its resolved path, what every file's resolved path is compared with.
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.real = os.path.realpath(path)

    def __repr__(self) -> str:
        return "CertbotRoot(%r)" % self.path

    def contains(self, real_path: str) -> bool:
        """Whether a *resolved* path is inside the directory."""
        return real_path == self.real or real_path.startswith(self.real.rstrip(os.sep) + os.sep)

    def relative(self, path: str) -> str:
        """``path`` as a name inside the directory (``archive/x/cert1.pem``) for messages."""
        for base in (self.path, self.real):
            if path == base or path.startswith(base.rstrip(os.sep) + os.sep):
                return os.path.relpath(path, base).replace(os.sep, "/")
        return path

    def outside_problem(self, path: str, name: Optional[str] = None, verb: str = "read") -> Optional[str]:
        """Why ``path`` may not be read (it leads out of the directory), or None when it may.

        The message names the link and its target; nothing of the target is read.

        :param name: how to call ``path`` (default: its path inside the directory).
        :param verb: what is not done (``read`` a file, ``followed`` a directory).
        """
        real = os.path.realpath(path)
        if self.contains(real):
            return None
        name = name or self.relative(path)
        if os.path.islink(path):
            return "%s is a symlink to %s, outside the certbot directory %s: not %s" % (
                name,
                os.readlink(path),
                self.path,
                verb,
            )
        return "%s resolves to %s (through a symlinked directory), outside the certbot directory %s: not %s" % (
            name,
            real,
            self.path,
            verb,
        )


def find_certbot_root(path: str) -> CertbotRoot:
    """The certbot directory a path given to a reader belongs to.

    The nearest ancestor of ``path`` whose child on the way is ``accounts``, ``archive``,
    ``live`` or ``renewal`` (``/etc/letsencrypt`` for ``/etc/letsencrypt/archive/example.com``);
    when several are, the nearest that holds two of those directories, as a certbot directory
    does (a lineage may be named ``live``). Without one, the directory given itself. Found from
    the path as given; its symlinks are resolved when files are compared with it.
    """
    path = os.path.abspath(path)
    candidates = []
    head = path
    while True:
        parent, name = os.path.split(head)
        if not name:
            break
        if name in CERTBOT_SUBDIRECTORIES:
            candidates.append(parent)
        head = parent
    for candidate in candidates:
        if sum(os.path.isdir(os.path.join(candidate, name)) for name in CERTBOT_SUBDIRECTORIES) >= 2:
            return CertbotRoot(candidate)
    return CertbotRoot(candidates[0] if candidates else path)


# --- files


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read_text(path: str, root: CertbotRoot) -> Tuple[Optional[str], Optional[str]]:
    """``(text, None)`` or ``(None, why not)``; only a regular file inside ``root`` is read.

    Messages name the file (by its name: the item's label says where it is) and, for a symlink,
    its target; never what the file holds.
    """
    name = os.path.basename(path)
    problem = root.outside_problem(path, name=name)
    if problem:
        return None, problem
    real = os.path.realpath(path)
    if not os.path.lexists(real):
        if os.path.islink(path):
            return None, "%s is a symlink to %s, which does not exist" % (name, os.readlink(path))
        return None, "missing %s" % name
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        return None, "cannot read %s: %s" % (name, exc.strerror or exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "%s is %s, not a regular file: not read" % (name, _file_kind(info.st_mode))
        if info.st_size > MAX_FILE_BYTES:
            return None, "%s is larger than %s bytes" % (name, MAX_FILE_BYTES)
        chunks = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, min(65536, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, "cannot read %s: %s" % (name, exc.strerror or exc)
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:  # grew after the fstat
        return None, "%s is larger than %s bytes" % (name, MAX_FILE_BYTES)
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        return None, "%s is binary, not text" % name
    if not text.strip():
        return None, "%s is empty" % name
    return text, None


def _list_directory(path: str, root: CertbotRoot) -> Tuple[Optional[List[str]], Optional[str]]:
    """``(names in name order, None)`` or ``(None, why not)``: a directory outside ``root`` is not listed."""
    problem = root.outside_problem(path, verb="followed")
    if problem:
        return None, problem
    try:
        return sorted(os.listdir(os.path.realpath(path))), None
    except OSError as exc:
        return None, "cannot list %s: %s" % (root.relative(path), exc.strerror or exc)


def _subdirectories(path: str, root: CertbotRoot) -> Tuple[List[str], Optional[str]]:
    """The visible subdirectories of ``path`` (symlinks to directories included), by name."""
    names, problem = _list_directory(path, root)
    if problem:
        return [], problem
    return [name for name in names if not name.startswith(".") and os.path.isdir(os.path.join(path, name))], None


def _require_directory(path: str, what: str) -> str:
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise CertbotLayoutError("%s does not exist: %s" % (what, path))
    if not os.path.isdir(path):
        raise CertbotLayoutError("%s is not a directory: %s" % (what, path))
    return path


# --- what is read


@dataclasses.dataclass
class CertificateFiles:
    """One certificate with its key and chain: an archive version, a live lineage or a plain directory.

    Found by listing a directory; its files are read by :meth:`load` (and dropped by
    :meth:`release`), so that an import holds one private key at a time.

    :ivar source: ``archive``, ``live`` or ``plain``.
    :ivar lineage: certbot's lineage name (the directory name), e.g. ``example.com-0001``.
    :ivar version: the archive version; for ``live``, the version its symlinks point at (or None).
    :ivar paths: kind (``cert``, ``chain``, ``fullchain``, ``privkey``) -> path, for the files present.
    :ivar pems: kind -> text, for the files read (after :meth:`load`).
    :ivar problem: why it cannot be imported, or None (known after :meth:`load`).
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
    root: Optional[CertbotRoot] = dataclasses.field(default=None, repr=False)
    loaded: bool = dataclasses.field(default=False, repr=False)

    @property
    def label(self) -> str:
        if self.source == "archive":
            if self.version is None:  # the lineage directory itself could not be used
                return "archive/%s" % self.lineage
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

    def load(self) -> "CertificateFiles":
        """Read the files and say what is wrong with them, if anything (once; returns ``self``)."""
        if self.loaded:
            return self
        self.loaded = True
        root = self.root or find_certbot_root(self.directory)
        problems = []
        missing = [kind for kind in REQUIRED_KINDS if kind not in self.paths]
        if missing:
            problems.append("missing %s" % ", ".join(file_name(self, kind) for kind in missing))
        for kind in CERTIFICATE_KINDS:
            if kind not in self.paths:
                continue
            text, problem = _read_text(self.paths[kind], root)
            if problem:
                problems.append(problem)
            else:
                self.pems[kind] = text
        self.problem = "; ".join(problems) or None
        if self.problem is None and "fullchain" in self.pems:
            # certbot writes fullchain = cert + chain; anything else was edited by hand or damaged
            expected = cert_utils.split_pem_chain(self.pems["cert"]) + cert_utils.split_pem_chain(self.pems["chain"])
            if cert_utils.split_pem_chain(self.pems["fullchain"]) != expected:
                self.warning = "%s is not %s followed by %s (not used: the import reads those two)" % (
                    file_name(self, "fullchain"),
                    file_name(self, "cert"),
                    file_name(self, "chain"),
                )
        return self

    def release(self) -> None:
        """Forget the files' text (the private key first of all); ``problem`` and ``warning`` stay."""
        self.pems = {}


@dataclasses.dataclass
class AccountFiles:
    """One certbot account: its three JSON files, as text, and what they say.

    Found by walking ``accounts/``; its files are read by :meth:`load`.

    :ivar account_id: certbot's id (the directory name).
    :ivar directory: the account directory, by the path it was found at.
    :ivar server_path: the directory URL without its scheme, from the path (None when the
        directory is not under an ``accounts`` directory).
    :ivar directory_url: the ACME directory URL: a renewal configuration's ``server`` for this
        account when there is one, else ``https://`` + ``server_path``.
    :ivar account_url: ``regr.json``'s ``uri``; its host names the ACME server.
    :ivar contact: the first ``mailto:`` contact of ``regr.json`` (None: an empty body).
    :ivar key_type: the JWK's ``kty`` (``RSA``, ``EC``).
    :ivar problem: why it cannot be imported, or None.
    :ivar warning: something worth saying that does not stop the import.
    :ivar where: the label of an item that is not an account but a directory of ``accounts/``
        that could not be used (it then has a ``problem`` from the start).
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
    warning: Optional[str] = None
    where: Optional[str] = None
    root: Optional[CertbotRoot] = dataclasses.field(default=None, repr=False)
    # where the files are read: the resolved account directory (inside ``root``)
    read_directory: Optional[str] = dataclasses.field(default=None, repr=False)
    loaded: bool = dataclasses.field(default=False, repr=False)

    @property
    def label(self) -> str:
        if self.where:
            return self.where
        if self.server_path:
            return "account %s/%s" % (self.server_path, self.account_id)
        return "account %s" % self.directory

    def load(self) -> "AccountFiles":
        """Read and parse the three files (once; returns ``self``)."""
        if self.loaded:
            return self
        self.loaded = True
        root = self.root or find_certbot_root(self.directory)
        directory = self.read_directory or self.directory
        problems = []
        texts = {}
        for name in ACCOUNT_FILES:
            path = os.path.join(directory, name)
            if not os.path.lexists(path):
                problems.append("missing %s" % name)
                continue
            text, problem = _read_text(path, root)
            if problem:
                problems.append(problem)
                continue
            try:
                texts[name] = (text, json.loads(text))
            except ValueError:
                problems.append("%s is not JSON" % name)
        if "private_key.json" in texts:
            self.private_key_json, jwk = texts["private_key.json"]
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
                problems.append("private_key.json is not a JSON Web Key")
            else:
                self.key_type = jwk["kty"]
        if "regr.json" in texts:
            self.regr_json, regr = texts["regr.json"]
            if not isinstance(regr, dict) or not isinstance(regr.get("uri"), str):
                problems.append("regr.json has no account `uri`")
            else:
                self.account_url = regr["uri"]
                self.contact = first_email_contact(regr.get("body"))
        if "meta.json" in texts:
            self.meta_json = texts["meta.json"][0]
        self.problem = "; ".join(problems) or None
        return self

    def release(self) -> None:
        """Forget the account key's text."""
        self.private_key_json = None


class CertificateList:
    """Certificate versions, found lineage by lineage when iterated.

    ``len()`` lists the directories once to count the versions; iterating lists them again and
    yields each version *not loaded* (call its ``load()``), so only one lineage's file names are
    held at a time, and no file is read.
    """

    def __init__(self, iterate: Callable[[], Iterator[CertificateFiles]]):
        self._iterate = iterate
        self._count: Optional[int] = None

    def __iter__(self) -> Iterator[CertificateFiles]:
        return self._iterate()

    def __len__(self) -> int:
        if self._count is None:
            self._count = sum(1 for _ in self._iterate())
        return self._count

    def __bool__(self) -> bool:
        return any(True for _ in self._iterate())


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
    """A whole certbot directory, found but not read (each item's ``load()`` reads it).

    :ivar accounts: every account (and every directory of ``accounts/`` that could not be used).
    :ivar certificates: every archive version (lineages in name order, versions in number order),
        then the live lineages that have no archive directory (a tree copied with its symlinks
        resolved).
    """

    root: str
    accounts: List[AccountFiles]
    certificates: CertificateList
    renewals: Dict[str, RenewalConf]


# --- certificates: archive


def _archive_versions(names: Iterable[str], lineage_dir: str) -> Dict[int, Dict[str, str]]:
    """version -> kind -> path, from the file names of one archive lineage."""
    versions: Dict[int, Dict[str, str]] = {}
    for name in names:
        match = _RE_VERSIONED.match(name)
        if match is None:
            continue  # other files are tolerated
        kind, number = match.group(1), int(match.group(2))
        versions.setdefault(number, {})[kind] = os.path.join(lineage_dir, name)
    return versions


def _lineage_versions(lineage_dir: str, root: CertbotRoot) -> List[CertificateFiles]:
    lineage = os.path.basename(lineage_dir.rstrip(os.sep))
    names, problem = _list_directory(lineage_dir, root)
    if problem:
        return [CertificateFiles("archive", lineage, lineage_dir, problem=problem, root=root, loaded=True)]
    return [
        CertificateFiles("archive", lineage, lineage_dir, version=number, paths=paths, root=root)
        for number, paths in sorted(_archive_versions(names, lineage_dir).items())
    ]


def read_archive_lineage(lineage_dir: str) -> List[CertificateFiles]:
    """Every version of one ``archive/LINEAGE`` directory, oldest first (not loaded).

    :raises CertbotLayoutError: not a directory.
    """
    lineage_dir = _require_directory(lineage_dir, "The archive lineage directory")
    return _lineage_versions(lineage_dir, find_certbot_root(lineage_dir))


def read_archive_version(lineage_dir: str, version: int) -> CertificateFiles:
    """One version of an ``archive/LINEAGE`` directory (not loaded).

    :raises CertbotLayoutError: not a directory, one that cannot be read, or no such version.
    """
    lineage_dir = _require_directory(lineage_dir, "The archive lineage directory")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise CertbotLayoutError("The certificate version must be a number, not %r." % (version,))
    root = find_certbot_root(lineage_dir)
    names, problem = _list_directory(lineage_dir, root)
    if problem:
        raise CertbotLayoutError(problem)
    versions = _archive_versions(names, lineage_dir)
    if version not in versions:
        raise CertbotLayoutError(
            "%s has no version %s (versions: %s)."
            % (lineage_dir, version, ", ".join(str(n) for n in sorted(versions)) or "none")
        )
    lineage = os.path.basename(lineage_dir.rstrip(os.sep))
    return CertificateFiles("archive", lineage, lineage_dir, version=version, paths=versions[version], root=root)


def _iter_archive(archive_dir: str, root: CertbotRoot) -> Iterator[CertificateFiles]:
    names, problem = _subdirectories(archive_dir, root)
    if problem:
        yield CertificateFiles("archive", "", archive_dir, problem=problem, root=root, loaded=True)
    for name in names:
        yield from _lineage_versions(os.path.join(archive_dir, name), root)


def read_archive(archive_dir: str) -> CertificateList:
    """Every version of every lineage of an ``archive`` directory (found lazily, not loaded).

    :raises CertbotLayoutError: not a directory.
    """
    archive_dir = _require_directory(archive_dir, "The archive directory")
    root = find_certbot_root(archive_dir)
    return CertificateList(lambda: _iter_archive(archive_dir, root))


# --- certificates: live and plain directories


def _plain(cert_dir: str, source: str, root: CertbotRoot) -> CertificateFiles:
    lineage = os.path.basename(cert_dir.rstrip(os.sep))
    item = CertificateFiles(source, lineage, cert_dir, root=root)
    problem = root.outside_problem(cert_dir, verb="followed")
    if problem:
        item.problem, item.loaded = problem, True
        return item
    for kind in CERTIFICATE_KINDS:
        path = os.path.join(cert_dir, kind + ".pem")
        if os.path.lexists(path):
            item.paths[kind] = path
    link = item.paths.get("cert")
    if link and os.path.islink(link):
        match = _RE_VERSIONED.match(os.path.basename(os.readlink(link)))
        if match is not None:
            item.version = int(match.group(2))
    return item


def read_plain(cert_dir: str, source: str = "plain") -> CertificateFiles:
    """An unversioned certificate directory: ``cert.pem``, ``chain.pem``, ``fullchain.pem``,
    ``privkey.pem`` (symlinks followed inside the certbot directory; other files tolerated).
    Not loaded.

    :raises CertbotLayoutError: not a directory.
    """
    cert_dir = _require_directory(cert_dir, "The certificate directory")
    return _plain(cert_dir, source, find_certbot_root(cert_dir))


def _iter_live(live_dir: str, root: CertbotRoot) -> Iterator[CertificateFiles]:
    names, problem = _subdirectories(live_dir, root)
    if problem:
        yield CertificateFiles("live", "", live_dir, problem=problem, root=root, loaded=True)
    for name in names:
        yield _plain(os.path.join(live_dir, name), "live", root)


def read_live(live_dir: str) -> CertificateList:
    """Every lineage of a ``live`` directory (its README files and other files are skipped).

    :raises CertbotLayoutError: not a directory.
    """
    live_dir = _require_directory(live_dir, "The live directory")
    root = find_certbot_root(live_dir)
    return CertificateList(lambda: _iter_live(live_dir, root))


# --- accounts


def _accounts_ancestor(path: str) -> Optional[str]:
    """The nearest directory named ``accounts`` at or above ``path`` (as given), or None."""
    head = os.path.abspath(path).rstrip(os.sep)
    while head and head != os.sep:
        if os.path.basename(head) == "accounts":
            return head
        head = os.path.dirname(head)
    return None


def _server_path(account_dir: str, accounts_root: Optional[str]) -> Optional[str]:
    """The part of the path between the ``accounts`` directory and the account id, or None."""
    if accounts_root is None:
        return None
    parent = os.path.dirname(account_dir.rstrip(os.sep))
    if parent != accounts_root and not parent.startswith(accounts_root.rstrip(os.sep) + os.sep):
        return None
    server_path = os.path.relpath(parent, accounts_root).replace(os.sep, "/")
    return None if server_path == "." else server_path


def _without_scheme(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def _renewal_servers(renewals: Dict[str, RenewalConf]) -> Dict[str, List[str]]:
    """account id -> the ``server`` of every renewal configuration naming it."""
    servers: Dict[str, List[str]] = {}
    for conf in renewals.values():
        if conf.account and conf.server:
            servers.setdefault(conf.account, []).append(conf.server)
    return servers


def _new_account(
    account_id: str,
    paths: List[str],
    accounts_root: Optional[str],
    real: str,
    root: CertbotRoot,
    renewal_servers: Dict[str, List[str]],
    warning: Optional[str] = None,
) -> AccountFiles:
    """An account found under one path or more: the path a renewal configuration names wins.

    certbot links one server's accounts directory to another's (Let's Encrypt v2 reusing v1's
    accounts), so one account may sit under several server paths; the renewal configurations say
    which server the account is used with. Without one, the first path in name order.
    """
    servers = renewal_servers.get(account_id, [])
    chosen, directory_url = paths[0], None
    for path in paths:
        server_path = _server_path(path, accounts_root)
        named = [s for s in servers if server_path and _without_scheme(s) == server_path.rstrip("/")]
        if named:
            chosen, directory_url = path, named[0]
            break
    server_path = _server_path(chosen, accounts_root)
    if directory_url is None and server_path:
        directory_url = "https://%s" % server_path
    return AccountFiles(
        account_id=account_id,
        directory=chosen,
        server_path=server_path,
        directory_url=directory_url,
        warning=warning,
        root=root,
        read_directory=real,
    )


def _reroot(path: str, accounts_root: str, root: CertbotRoot) -> Optional[Tuple[str, str]]:
    """Where a path that leads out of the tree points *in this tree*, if anywhere:
    ``(the path in this tree, its resolved path)`` or None.

    certbot links ``accounts/acme-v02.api.letsencrypt.org/directory`` to
    ``/etc/letsencrypt/accounts/acme-v01.api.letsencrypt.org/directory`` with an absolute path: in
    a copy of the tree the link still names the original. The part of the target after its last
    ``accounts``, taken under this tree's ``accounts`` directory, is what certbot meant; it is used
    when it exists and is really inside this tree (nothing outside is ever read).
    """
    parts = os.path.realpath(path).split(os.sep)
    if "accounts" not in parts:
        return None
    rest = parts[len(parts) - parts[::-1].index("accounts") :]
    if not rest:
        return None
    candidate = os.path.join(accounts_root, *rest)
    real = os.path.realpath(candidate)
    if os.path.isdir(candidate) and root.contains(real):
        return candidate, real
    return None


def _rerooted_note(root: CertbotRoot, path: str, candidate: str) -> str:
    return (
        "%s leads to %s, outside the certbot directory %s (a copy of a certbot directory keeps certbot's "
        "absolute links to the original): read as %s of this directory instead"
        % (root.relative(path), os.path.realpath(path), root.path, root.relative(candidate))
    )


def _is_account_dir(path: str) -> bool:
    return any(os.path.lexists(os.path.join(path, name)) for name in ACCOUNT_FILES)


def _walk_accounts(
    accounts_root: str, start: str, root: CertbotRoot, renewals: Optional[Dict[str, RenewalConf]] = None
) -> List[AccountFiles]:
    """Every account directory under ``start``; server paths are relative to ``accounts_root``.

    Each real directory is listed once: another path to it (a link, a loop) only adds that path
    to the accounts below it, so links cost nothing and loops end. Links out of the tree are not
    followed: they are failures, or, for certbot's absolute v1 -> v2 link in a copy, read in this
    tree with a note (:func:`_reroot`). A directory that cannot be listed is a failure too.
    """
    if renewals is None:
        renewals = _renewals_beside(accounts_root, root)
    failures: List[AccountFiles] = []
    reached: Dict[str, List[str]] = {}  # real account directory -> the paths it was found at
    warnings: Dict[str, str] = {}  # real account directory -> how it was reached, when worth saying
    walked: Dict[str, str] = {}  # real directory -> the path it was listed by

    def failure(path: str, problem: str) -> None:
        failures.append(
            AccountFiles(
                account_id=os.path.basename(path.rstrip(os.sep)),
                directory=path,
                problem=problem,
                where=root.relative(path),
                root=root,
                loaded=True,
            )
        )

    def walk(path: str, real: str, note: Optional[str]) -> None:
        walked[real] = path
        if path != start and _is_account_dir(real):
            reached.setdefault(real, []).append(path)
            if note:
                warnings.setdefault(real, note)
            return  # an account directory holds no accounts
        try:
            names = sorted(os.listdir(real))
        except OSError as exc:
            failure(path, "cannot list %s: %s" % (root.relative(path), exc.strerror or exc))
            return
        for name in names:
            if name.startswith("."):
                continue
            child = os.path.join(path, name)
            child_in_real = os.path.join(real, name)
            if not os.path.isdir(child_in_real):
                continue  # files, dangling links, loops of links
            child_real = os.path.realpath(child_in_real)
            child_note = note
            if not root.contains(child_real):
                rerooted = _reroot(child_in_real, accounts_root, root)
                if rerooted is None:
                    failure(child, root.outside_problem(child_in_real, name=root.relative(child), verb="followed"))
                    continue
                child_note = _rerooted_note(root, child_in_real, rerooted[0])
                child_real = rerooted[1]
            if child_real in walked:
                first = walked[child_real]
                if child.startswith(first.rstrip(os.sep) + os.sep):
                    continue  # a loop: a link to a directory above
                # another path to a directory already walked: the accounts below it are there too
                prefix = child_real.rstrip(os.sep) + os.sep
                for account_real, paths in reached.items():
                    if account_real == child_real or account_real.startswith(prefix):
                        paths.append(child + account_real[len(child_real) :])
                        if child_note:
                            warnings.setdefault(account_real, child_note)
                continue
            walk(child, child_real, child_note)

    start_real = os.path.realpath(start)
    if not root.contains(start_real):
        failure(start, root.outside_problem(start, verb="followed"))
        return failures
    walk(start, start_real, None)
    renewal_servers = _renewal_servers(renewals)
    accounts = [
        _new_account(
            os.path.basename(real), paths, accounts_root, real, root, renewal_servers, warning=warnings.get(real)
        )
        for real, paths in reached.items()
    ]
    return accounts + failures


def _renewals_beside(accounts_root: str, root: CertbotRoot) -> Dict[str, RenewalConf]:
    """The renewal configurations of the certbot directory an ``accounts`` directory is in."""
    if os.path.basename(accounts_root.rstrip(os.sep)) != "accounts":
        return {}
    renewal_dir = os.path.join(os.path.dirname(accounts_root.rstrip(os.sep)), "renewal")
    return _read_renewal(renewal_dir, root) if os.path.isdir(renewal_dir) else {}


def read_account(
    account_dir: str, server_path: Optional[str] = None, renewals: Optional[Dict[str, "RenewalConf"]] = None
) -> AccountFiles:
    """One ``accounts/SERVER_PATH/ACCOUNT_ID`` directory (not loaded).

    :param server_path: the server part of the path, when the caller knows it (else it is found
        from the nearest ``accounts`` directory above).
    :param renewals: the renewal configurations that may name this account's exact directory URL
        (default: those of the certbot directory the account is in).
    :raises CertbotLayoutError: not a directory.
    """
    account_dir = _require_directory(account_dir, "The account directory").rstrip(os.sep)
    root = find_certbot_root(account_dir)
    accounts_root = _accounts_ancestor(os.path.dirname(account_dir))
    if renewals is None:
        renewals = _renewals_beside(accounts_root, root) if accounts_root else {}
    renewal_servers = _renewal_servers(renewals)
    account_id = os.path.basename(account_dir)
    real = os.path.realpath(account_dir)
    warning = None
    if not root.contains(real):
        rerooted = _reroot(account_dir, accounts_root, root) if accounts_root else None
        if rerooted is None:
            return AccountFiles(
                account_id=account_id,
                directory=account_dir,
                server_path=server_path or _server_path(account_dir, accounts_root),
                problem=root.outside_problem(account_dir, verb="followed"),
                root=root,
                loaded=True,
            )
        warning = _rerooted_note(root, account_dir, rerooted[0])
        real = rerooted[1]
    account = _new_account(account_id, [account_dir], accounts_root, real, root, renewal_servers, warning=warning)
    if server_path is not None:  # the caller's word over the path's
        account.server_path = server_path
        account.directory_url = "https://%s" % server_path
        for server in renewal_servers.get(account_id, []):
            if _without_scheme(server) == server_path.rstrip("/"):
                account.directory_url = server
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


def read_accounts_server(server_dir: str) -> List[AccountFiles]:
    """Every account of one server: ``accounts/SERVER_HOST`` (e.g. ``accounts/acme-v02.api.letsencrypt.org``)
    or any directory below it (``accounts/127.0.0.1:14000/dir``). Not loaded.

    The server path is taken from the nearest ``accounts`` directory above.

    :raises CertbotLayoutError: not a directory.
    """
    server_dir = _require_directory(server_dir, "The accounts directory of a server")
    accounts_root = _accounts_ancestor(server_dir) or os.path.dirname(server_dir.rstrip(os.sep))
    return _walk_accounts(accounts_root, server_dir, find_certbot_root(server_dir))


def read_accounts(accounts_dir: str) -> List[AccountFiles]:
    """Every account of every server of an ``accounts`` directory (not loaded).

    :raises CertbotLayoutError: not a directory.
    """
    accounts_dir = _require_directory(accounts_dir, "The accounts directory")
    return _walk_accounts(accounts_dir, accounts_dir, find_certbot_root(accounts_dir))


# --- renewal configurations


def _unquote(value: str) -> str:
    """A configobj value: the text between its quotes, or up to an inline ``#`` comment."""
    value = value.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        if end > 0:
            return value[1:end]
    return value.split("#", 1)[0].strip()


def parse_renewal_conf(text: str) -> Tuple[Dict[str, str], Dict[str, Dict[str, str]]]:
    """certbot's renewal configuration (a configobj file): top-level values and sections.

    As configobj reads it: a ``#`` starts a comment, also after a value
    (``server = http://b:4001/directory  # local``), unless the value is quoted.
    """
    values: Dict[str, str] = {}
    sections: Dict[str, Dict[str, str]] = {}
    current = values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.split("#", 1)[0].strip().strip("[] \t"), {})
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        current[key.strip()] = _unquote(value)
    return values, sections


def _read_renewal(renewal_dir: str, root: CertbotRoot) -> Dict[str, RenewalConf]:
    names, problem = _list_directory(renewal_dir, root)
    confs: Dict[str, RenewalConf] = {}
    for name in names or []:
        if not name.endswith(".conf") or name.startswith("."):
            continue
        path = os.path.join(renewal_dir, name)
        conf = RenewalConf(lineage=name[: -len(".conf")], path=path)
        text, problem = _read_text(path, root)
        if problem:
            conf.problem = problem
        else:
            conf.values, conf.sections = parse_renewal_conf(text)
        confs[conf.lineage] = conf
    return confs


def read_renewal(renewal_dir: str) -> Dict[str, RenewalConf]:
    """lineage -> its ``renewal/LINEAGE.conf`` (these small files are read at once).

    :raises CertbotLayoutError: not a directory.
    """
    renewal_dir = _require_directory(renewal_dir, "The renewal directory")
    return _read_renewal(renewal_dir, find_certbot_root(renewal_dir))


# --- the whole tree


def read_certbot_dir(root: str, accounts: bool = True, certificates: bool = True) -> CertbotTree:
    """A whole certbot directory (``/etc/letsencrypt``, or ``config_dir``), found, not loaded.

    Missing ``accounts``, ``archive``, ``live`` or ``renewal`` directories are simply empty.
    Nothing outside ``root`` is read (see the module's docstring).

    :raises CertbotLayoutError: not a directory, one this user cannot read, or none of those four in it.
    """
    root = _require_directory(root, "The certbot directory")
    try:
        os.listdir(root)
    except OSError as exc:  # else every subdirectory looks missing: "not a certbot directory"
        raise CertbotLayoutError(
            "Cannot read the certbot directory %s: %s (run the import as a user that can read it, usually root)."
            % (root, exc.strerror or exc)
        )
    present = {name: os.path.isdir(os.path.join(root, name)) for name in CERTBOT_SUBDIRECTORIES}
    if not any(present.values()):
        raise CertbotLayoutError(
            "%s is not a certbot directory: it has none of accounts/, archive/, live/, renewal/." % root
        )
    certbot_root = CertbotRoot(root)
    renewals = _read_renewal(os.path.join(root, "renewal"), certbot_root) if present["renewal"] else {}
    found_accounts: List[AccountFiles] = []
    if accounts and present["accounts"]:
        accounts_dir = os.path.join(root, "accounts")
        found_accounts = _walk_accounts(accounts_dir, accounts_dir, certbot_root, renewals)

    def iterate() -> Iterator[CertificateFiles]:
        archived = set()
        if present["archive"]:
            for item in _iter_archive(os.path.join(root, "archive"), certbot_root):
                archived.add(item.lineage)
                yield item
        if present["live"]:
            # a live lineage is one of the archive's versions; only one without an archive is new
            for item in _iter_live(os.path.join(root, "live"), certbot_root):
                if item.lineage not in archived:
                    yield item

    found_certificates = CertificateList(iterate if certificates else lambda: iter(()))
    return CertbotTree(root=root, accounts=found_accounts, certificates=found_certificates, renewals=renewals)


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
        # the run stopped before the end (the server or the database no longer answers)
        self.stopped = False

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
