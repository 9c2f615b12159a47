"""Headless Chromium for the admin UI: Debian's ``chromium`` driven by Playwright for Python.

What is here (used by ``tests/ui/`` and by ``tools/screenshots.py``):

* the switch ``SSL_RUN_BROWSER_TESTS`` (``make test`` turns it on): unset or ``0`` skips the browser
  tests, saying so; on, a missing ``playwright`` package or a Chromium that cannot start FAILS them
  with a message naming what is missing;
* :func:`launch`: Chromium, headless, from ``/usr/bin/chromium`` (``SSL_TEST_CHROMIUM`` names
  another binary). Playwright's own browser download is never used: the PyPI wheel carries the
  driver, Debian carries the browser;
* :class:`PageWatch`: what went wrong on a page while it loaded: console errors, uncaught
  script errors, sub-resources that failed or answered an HTTP error;
* :func:`check_download`: a downloaded file parsed back (PEM, DER, PKCS#8, ZIP, JSON) with
  ``cryptography``, so a link that serves garbage is caught;
* :class:`AdminCrawler`: from the admin index, every same-origin admin link, one URL per route
  (ids, names and pages normalised through the app's own route table), with the checks above;
* :func:`seed_admin`: a few objects of each kind made through the JSON API, so the crawl and the
  screenshots have pages to show.
"""

import collections
import io
import json
import os
import re
import time
import urllib.parse
import zipfile
from typing import Callable
from typing import Dict
from typing import List
from typing import Optional
from typing import Tuple

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests import data
from tests import switches

SWITCH = "SSL_RUN_BROWSER_TESTS"
CHROMIUM_VARIABLE = "SSL_TEST_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# A laptop's screen: wide enough for the tables, as an operator sees the pages.
VIEWPORT = {"width": 1366, "height": 900}
# Chromium's own switches for a container: no GPU, /dev/shm may be tiny. Playwright already
# passes --no-sandbox (chromium_sandbox=False), which running as root requires.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check"]


class BrowserUnavailable(Exception):
    """Playwright or Chromium is missing or cannot start; the message says what to install."""


def switch_on() -> bool:
    return switches.switch_on(SWITCH)


def require_switch() -> None:
    """Skip the calling test unless the browser tests are switched on."""
    if not switch_on():
        pytest.skip("browser tests are off: set %s=1 to run them (needs Debian's chromium)" % SWITCH)


def chromium_path() -> str:
    return os.environ.get(CHROMIUM_VARIABLE, "").strip() or DEFAULT_CHROMIUM


def start_playwright():
    """Playwright's sync API, started.

    :raises BrowserUnavailable: the ``playwright`` package is not installed.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(
            "the Python package `playwright` is missing (%s): install the test extras, "
            "`.venv/bin/pip install -e '.[testing]'` (`make install-test` does it)" % exc
        )
    return sync_playwright().start()


def launch(playwright, headless: bool = True):
    """Chromium from Debian, headless.

    :raises BrowserUnavailable: no Chromium at the path, or it did not start (the reason is kept).
    """
    path = chromium_path()
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise BrowserUnavailable(
            "no Chromium at %s: install Debian's `chromium` (`apt-get install -y chromium`; `make test-deps` "
            "does it) or point %s at a Chromium binary" % (path, CHROMIUM_VARIABLE)
        )
    try:
        return playwright.chromium.launch(executable_path=path, headless=headless, args=CHROMIUM_ARGS, timeout=60000)
    except Exception as exc:  # playwright's Error: the browser's own words, first lines only
        lines = str(exc).strip().splitlines()
        raise BrowserUnavailable(
            "Chromium at %s did not start: %s" % (path, " | ".join(line.strip() for line in lines[:12]))
        )


def launch_or_fail():
    """(playwright, browser) for a test fixture: a missing piece FAILS the test, naming it."""
    problem = None
    playwright = None
    try:
        playwright = start_playwright()
        return playwright, launch(playwright)
    except BrowserUnavailable as exc:
        problem = str(exc)
    if playwright is not None:
        playwright.stop()
    pytest.fail("%s is on but the browser tests cannot run: %s" % (SWITCH, problem), pytrace=False)


# --- what went wrong on a page


class PageWatch:
    """Records, for one page, what a user would see as broken: console errors, uncaught script
    errors, failed sub-resources and sub-resources answered with an HTTP error.

    ``problems()`` lists them since the last ``clear()``.
    """

    def __init__(self, page):
        self.page = page
        self.console_errors: List[str] = []
        self.page_errors: List[str] = []
        self.failed: List[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    @staticmethod
    def _is_root_favicon(url: str) -> bool:
        # Chromium asks for /favicon.ico at the root of every origin on its own, whatever the page
        # says. The root is not the admin's (it lives under admin_prefix; in production the root is
        # the site's), so that miss is not a page's fault. An icon a page declares is checked.
        return urllib.parse.urlsplit(url).path == "/favicon.ico"

    def _on_console(self, message) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            if self._is_root_favicon(url):
                return
            self.console_errors.append("%s (%s)" % (message.text, url))

    def _on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def _on_request_failed(self, request) -> None:
        failure = request.failure or ""
        if self._is_root_favicon(request.url):
            return
        # Leaving a page aborts what it still loads (the icon, fetched after `load`): not a fault.
        # A sub-resource that really fails is told by its HTTP status (_on_response), a blocked
        # one by the console; an unreachable one by its own net:: error here.
        if "ERR_ABORTED" in failure:
            return
        self.failed.append("%s %s: %s" % (request.method, request.url, failure))

    def _on_response(self, response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            return  # the page itself: its status is checked by whoever navigated
        if response.status >= 400 and not self._is_root_favicon(request.url):
            self.failed.append("%s %s: HTTP %s" % (request.method, request.url, response.status))

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.failed.clear()

    def problems(self) -> List[str]:
        return (
            ["console error: %s" % e for e in self.console_errors]
            + ["script error: %s" % e for e in self.page_errors]
            + ["sub-resource failed: %s" % e for e in self.failed]
        )

    def assert_clean(self, where: str = "") -> None:
        problems = self.problems()
        assert not problems, "%s%s" % (("%s: " % where) if where else "", "; ".join(problems))


# --- downloads, parsed back

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.S)
_DER_SUFFIXES = (".cer", ".crt", ".der")


def _split_der(body: bytes) -> List[bytes]:
    """Concatenated DER SEQUENCEs (a chain as DER), one element each."""
    items = []
    offset = 0
    while offset < len(body):
        if body[offset] != 0x30 or offset + 2 > len(body):
            raise ValueError("byte %d: not a DER SEQUENCE" % offset)
        first = body[offset + 1]
        if first < 0x80:
            header, length = 2, first
        else:
            count = first & 0x7F
            if not 1 <= count <= 4 or offset + 2 + count > len(body):
                raise ValueError("byte %d: bad DER length" % offset)
            header, length = 2 + count, int.from_bytes(body[offset + 2 : offset + 2 + count], "big")
        end = offset + header + length
        if end > len(body):
            raise ValueError("byte %d: DER element runs past the end" % offset)
        items.append(body[offset:end])
        offset = end
    if not items:
        raise ValueError("empty")
    return items


def parse_pem(body: bytes) -> List[str]:
    """Every PEM block of ``body`` loaded by its label; the labels. Raises on anything unparsable."""
    blocks = list(_PEM_BLOCK.finditer(body))
    if not blocks:
        raise ValueError("no PEM block")
    labels = []
    for block in blocks:
        label = block.group(1).decode()
        pem = block.group(0)
        if label == "CERTIFICATE":
            x509.load_pem_x509_certificate(pem)
        elif label in ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"):
            x509.load_pem_x509_csr(pem)
        elif label.endswith("PRIVATE KEY"):
            serialization.load_pem_private_key(pem, password=None)
        elif label == "PUBLIC KEY":
            serialization.load_pem_public_key(pem)
        else:
            raise ValueError("unexpected PEM label %r" % label)
        labels.append(label)
    return labels


def check_download(path: str, content_type: str, body: bytes) -> str:
    """Parse a file the admin served, by its name and content type; a short description of it.

    :raises ValueError: it does not parse as what it claims to be.
    """
    name = path.rsplit("/", 1)[-1]
    content_type = (content_type or "").split(";")[0].strip().lower()
    if not body:
        raise ValueError("empty body")
    if name.endswith(".json") or content_type == "application/json":
        json.loads(body)
        return "JSON"
    if name.endswith(".zip") or content_type == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = archive.namelist()
            if not members:
                raise ValueError("empty ZIP")
            for member in members:
                check_download(member, "", archive.read(member))
        return "ZIP of %s" % ", ".join(members)
    if name.endswith(".key") or content_type == "application/pkcs8":
        serialization.load_der_private_key(body, password=None)
        return "PKCS#8 DER key"
    if name.endswith(_DER_SUFFIXES) or content_type in ("application/pkix-cert", "application/x-x509-ca-cert"):
        for item in _split_der(body):
            x509.load_der_x509_certificate(item)
        return "DER certificates"
    if name.endswith(".csr") or content_type == "application/pkcs10":
        if body.lstrip().startswith(b"-----BEGIN"):
            return "PEM " + ", ".join(parse_pem(body))
        x509.load_der_x509_csr(body)
        return "DER CSR"
    if name.endswith((".pem", ".pem.txt")) or content_type == "application/x-pem-file":
        return "PEM " + ", ".join(parse_pem(body))
    if content_type.startswith("text/"):
        body.decode("utf-8")
        return "text"
    raise ValueError("unknown download type %r" % content_type)


# --- the crawl


def route_key_function(app, admin_prefix: str) -> Callable[[str], Optional[Tuple]]:
    """``key(url)``: what makes two admin URLs "the same page" for the crawl.

    The app's own route table decides: the route's name, the values of its enumerated
    placeholders (``format``, ``which``: each is other code) and the names of the query's
    fields; ids, names and page numbers do not count. None for a URL no admin route matches.
    """
    from pyramid.interfaces import IRoutesMapper

    routes = app.registry.getUtility(IRoutesMapper).get_routes()
    free = re.compile(r"^(id|id_.*|page|domain_identifier|challenge)$")

    def key(url: str) -> Optional[Tuple]:
        parts = urllib.parse.urlsplit(url)
        path = urllib.parse.unquote(parts.path)  # routes match the decoded path, as PATH_INFO is
        if not path.startswith(admin_prefix):
            return None
        for route in routes:
            match = route.match(path)
            if match is not None:
                fixed = tuple(sorted((k, v) for k, v in match.items() if not free.match(k) and isinstance(v, str)))
                fields = tuple(sorted(set(k for k, _v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))))
                return (route.name, fixed, fields)
        return None

    return key


# what makes the page wider than the window: the widest elements that stick out on the right
_OVERFLOW_JS = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width + 1) return null;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > width + 1) {
            // an element inside a scrolling box does not widen the page
            let p = el.parentElement, scrolled = false;
            while (p && p !== document.body) {
                const o = getComputedStyle(p).overflowX;
                if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolled = true; break; }
                p = p.parentElement;
            }
            if (!scrolled) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right) + 'px');
        }
    }
    return {width: width, scrollWidth: document.documentElement.scrollWidth, elements: out.slice(0, 5)};
}"""


def page_overflow(page) -> Optional[str]:
    """What makes the loaded page scroll sideways at its window's width (issue 15: tables scroll inside
    themselves, the page does not), or None."""
    found = page.evaluate(_OVERFLOW_JS)
    if not found:
        return None
    return "the page is %dpx wide in a %dpx window (sticking out: %s)" % (
        found["scrollWidth"], found["width"], ", ".join(found["elements"]) or "?"
    )


class CrawlReport:
    def __init__(self):
        self.visited: Dict[Tuple, str] = collections.OrderedDict()  # key -> the URL visited
        self.kinds: Dict[str, str] = {}  # URL -> what it was ("page", "redirect to ...", "PEM ...")
        self.problems: List[str] = []
        self.skipped_over_cap = 0
        self.seconds = 0.0

    def summary(self) -> str:
        counts = collections.Counter(kind.split(" ")[0] for kind in self.kinds.values())
        return "%d routes in %.1fs (%s)%s" % (
            len(self.visited),
            self.seconds,
            ", ".join("%s %d" % item for item in sorted(counts.items())),
            (", %d more not visited (cap)" % self.skipped_over_cap) if self.skipped_over_cap else "",
        )


class AdminCrawler:
    """Breadth-first from the admin index over every same-origin admin link, one URL per route key.

    For each URL, a plain request first (the browser's own cookie jar, no redirect followed) tells
    what it is: a redirect is accepted when it stays in the admin (its target is crawled as a link);
    an HTML page is then loaded in the tab and must show no console error, no script error and no
    failed sub-resource; anything else must parse (JSON, PEM, DER, PKCS#8, ZIP).
    """

    def __init__(self, context, page, watch: PageWatch, admin_url: str, key: Callable, max_routes: int = 400):
        self.context = context
        self.page = page
        self.watch = watch
        self.admin_url = admin_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.admin_url)
        self.origin = "%s://%s" % (parts.scheme, parts.netloc)
        self.prefix = parts.path
        self.static_prefix = self.prefix + "/static/"
        self.key = key
        self.max_routes = max_routes

    def _admin_link(self, url: str) -> Optional[str]:
        url = urllib.parse.urldefrag(url)[0]
        parts = urllib.parse.urlsplit(url)
        if "%s://%s" % (parts.scheme, parts.netloc) != self.origin:
            return None
        if not (parts.path == self.prefix or parts.path.startswith(self.prefix + "/")):
            return None
        if parts.path.startswith(self.static_prefix):
            return None  # sub-resources: checked where a page loads them
        return url

    def crawl(self) -> CrawlReport:
        report = CrawlReport()
        started = time.monotonic()
        queue = collections.deque([(self.admin_url, "(start)")])
        seen_keys = set()
        while queue:
            url, found_on = queue.popleft()
            key = self.key(url)
            if key is None:
                report.problems.append("%s (linked from %s): no admin route matches it" % (url, found_on))
                continue
            if key in seen_keys:
                continue
            if len(seen_keys) >= self.max_routes:
                report.skipped_over_cap += 1
                continue
            seen_keys.add(key)
            report.visited[key] = url
            for link in self._visit(url, found_on, report):
                link = self._admin_link(link)
                if link is not None and self.key(link) not in seen_keys:
                    queue.append((link, url))
        report.seconds = time.monotonic() - started
        return report

    def _visit(self, url: str, found_on: str, report: CrawlReport) -> List[str]:
        where = "%s (linked from %s)" % (url, found_on)
        try:
            answer = self.context.request.get(url, max_redirects=0, timeout=60000)
        except Exception as exc:
            report.problems.append("%s: request failed: %s" % (where, exc))
            return []
        status = answer.status
        content_type = answer.headers.get("content-type", "")
        if status in (301, 302, 303, 307, 308):
            location = urllib.parse.urljoin(url, answer.headers.get("location", ""))
            if self._admin_link(location) is None:
                report.problems.append("%s: redirects out of the admin, to %s" % (where, location))
                return []
            report.kinds[url] = "redirect to %s" % location
            return [location]
        if status != 200:
            report.problems.append("%s: HTTP %s %s" % (where, status, answer.text()[:200].replace("\n", " ")))
            return []
        if not content_type.startswith("text/html"):
            try:
                report.kinds[url] = check_download(urllib.parse.urlsplit(url).path, content_type, answer.body())
            except Exception as exc:
                report.problems.append("%s: %s does not parse: %s" % (where, content_type, exc))
            return []
        return self._load_page(url, where, report)

    def _load_page(self, url: str, where: str, report: CrawlReport) -> List[str]:
        self.watch.clear()
        try:
            response = self.page.goto(url, wait_until="load", timeout=60000)
        except Exception as exc:
            report.problems.append("%s: the browser could not load it: %s" % (where, str(exc).splitlines()[0]))
            return []
        if response is None or response.status != 200:
            report.problems.append("%s: the browser got HTTP %s" % (where, response.status if response else None))
        for problem in self.watch.problems():
            report.problems.append("%s: %s" % (where, problem))
        overflow = page_overflow(self.page)
        if overflow:
            report.problems.append("%s: %s" % (where, overflow))
        report.kinds[url] = "page"
        return self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")


# --- objects to look at


def seed_admin(served, with_acme: bool = True, prefix: str = "seed") -> Dict[str, object]:
    """A few objects of each kind, through the JSON API of ``served`` (tests/edge/conftest.ServedApp).

    ``with_acme``: also an ACME account, an order with its certificate, a renewal queue item
    (the app's default ACME server must be up, e.g. pebble_always_valid).
    Returns the ids made, by kind.
    """
    made: Dict[str, object] = {}

    def post(path: str, fields=None, files=None) -> dict:
        answer = served.post_json(path, data=fields or {}, files=files)
        assert answer.get("result") == "success", (path, answer)
        return answer

    certificates = []
    for stem in ("leaf_rsa_multi", "leaf_by_b", "leaf_ec256_single"):
        certificates.append(served.upload(data.leaf(stem))["CertificateSigned"]["id"])
    made["uploaded"] = certificates
    post("/domain/new.json", {"domain_name": "%s-domain.example.com" % prefix})
    post("/queue-domains/add.json", {"domain_names_http01": "%s-q1.example.com, %s-q2.example.com" % (prefix, prefix)})
    post("/private-key/new.json", {"key_technology": "EC_P256"})
    post("/domains-blocklisted/add.json", {"domain_name": "%s-blocked.example.com" % prefix})
    post("/unique-fqdn-set/new.json", {"domain_names": "%s-set.example.com, www.%s-set.example.com" % (prefix, prefix)})
    # a zone's dns-01 backend (nothing is sent to the server until it is used or tested)
    post(
        "/dns-backend-rfc2136/new.json",
        {
            "zone": "%s-zone.example.com" % prefix,
            "server": "127.0.0.1",
            "port": "5353",
            "tsig_key_name": "%s-key" % prefix,
            "tsig_secret": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==",
        },
    )
    if with_acme:
        contact = "%s@example.com" % prefix
        account = post("/acme-account/new.json", {"account__contact": contact, "account_key_technology": "EC"})
        made["account"] = account["AcmeAccount"]["id"]
        names = "%s-order.example.com, www.%s-order.example.com" % (prefix, prefix)
        order = post("/acme-order/new/freeform.json", {"domain_names_http01": names})
        made["order"] = order["AcmeOrder"]["id"]
        made["ordered"] = order["AcmeOrder"]["certificate_signed_id"]
        post("/queue-certificate/new/freeform.json", {"domain_names_http01": "%s-renew.example.com" % prefix})
    return made


# --- a tab on the admin, driven like a person does


def _name(text_or_pattern):
    """A role-name matcher: a compiled pattern as given; a string as a case-insensitive regex."""
    if isinstance(text_or_pattern, str):
        return re.compile(text_or_pattern, re.I)
    return text_or_pattern


# "Revoke on the ACME server", "Revoke…": the word "revoke" itself, in no label about marking
# ("Mark revoked here (final; the ACME server is not told)" only changes the local record)
REVOKE_ON_SERVER = re.compile(r"^(?!.*\bmark\b).*\brevoke\b", re.I)


class AdminTab:
    """One tab of a browser context on the admin, with the few moves the workflows need.

    Elements are found the way a person finds them: links and buttons by their visible name
    (ARIA role and accessible name), fields by their label, never by CSS paths. Every move that
    navigates waits for the new page and checks its HTTP status; ``watch`` records console errors
    and failed sub-resources for ``assert_clean()``.
    """

    def __init__(self, context, admin_url: str):
        self.context = context
        self.admin_url = admin_url.rstrip("/")
        self.page = context.new_page()
        self.watch = PageWatch(self.page)

    # navigation

    def goto(self, path: str = "", status: int = 200):
        url = path if "://" in path else self.admin_url + path
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.status == status, (url, response and response.status)
        return response

    def click(self, locator, status: Optional[int] = 200):
        """Click ``locator`` and wait for the page it leads to; check its HTTP status (None: any)."""
        with self.page.expect_navigation(wait_until="load") as info:
            locator.click()
        response = info.value
        if status is not None:
            assert response is not None and response.status == status, (
                self.page.url,
                response and response.status,
                self.main_text()[:500],
            )
        return response

    def nav(self, name, status: int = 200):
        """Click a section of the header's navigation (any link of that name if the header has none)."""
        header = self.page.get_by_role("banner").get_by_role("link", name=_name(name))
        locator = header if header.count() else self.page.get_by_role("link", name=_name(name))
        return self.click(locator.first, status)

    def follow(self, name, status: int = 200):
        """Click a link of the page's main content by its name."""
        return self.click(self.main().get_by_role("link", name=_name(name)).first, status)

    def press(self, name, status: Optional[int] = 200):
        """Click a button (or a link styled as one) of the main content by its name; wait for the page."""
        return self.click(self.button(name).first, status)

    # what is on the page

    def main(self):
        main = self.page.get_by_role("main")
        return main if main.count() else self.page.locator("body")

    def button(self, name):
        return self.main().get_by_role("button", name=_name(name))

    def control(self, name):
        """The buttons of that name, or else the links (an action may be a link to its confirmation page)."""
        buttons = self.button(name)
        return buttons if buttons.count() else self.main().get_by_role("link", name=_name(name))

    def field(self, label):
        """The form field labelled ``label`` (a regex, case-insensitive)."""
        return self.main().get_by_label(_name(label)).first

    def main_text(self) -> str:
        return self.main().inner_text()

    def heading(self) -> str:
        return self.page.get_by_role("heading", level=1).first.inner_text()

    def assert_clean(self) -> None:
        self.watch.assert_clean(self.page.url)
