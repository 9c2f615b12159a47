"""The crawl finds what it is there to find: a small site of known faults, crawled in Chromium.

``test_admin_chromium.test_crawl_every_admin_link`` passes when the admin has no broken link,
console error, failed sub-resource or unparsable download; this module shows that each of those
would be reported, naming the page and the page linking to it, and that what is fine is not.
Gated by SSL_RUN_BROWSER_TESTS.
"""

import urllib.parse

import pytest
from webtest.http import StopableWSGIServer

from tests import chromium
from tests import data

ADMIN = "/.well-known/admin"


def _page(body: str) -> bytes:
    return ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>t</title></head><body><main>%s</main>"
            "</body></html>" % body).encode()


PAGES = {
    ADMIN: _page(
        "".join(
            '<a href="%s">%s</a> ' % (href, href)
            for href in (
                ADMIN + "/fine",
                ADMIN + "/fine?q=1#part",
                ADMIN + "/missing",
                ADMIN + "/broken-style",
                ADMIN + "/logs-an-error",
                ADMIN + "/throws",
                ADMIN + "/too-wide",
                ADMIN + "/wide-table-scrolls",
                ADMIN + "/good.pem",
                ADMIN + "/bad.pem",
                ADMIN + "/moved",
                ADMIN + "/away",
                ADMIN + "/static/admin.css",  # a sub-resource, not a page: not crawled
                "/outside-the-admin",
                "http://elsewhere.invalid/",
            )
        )
    ),
    ADMIN + "/fine": _page("<h1>fine</h1>"),
    ADMIN + "/broken-style": _page('<link rel="stylesheet" href="%s/static/nope.css"><h1>x</h1>' % ADMIN),
    ADMIN + "/logs-an-error": _page('<script>console.error("boom from the page")</script>'),
    ADMIN + "/throws": _page("<script>no_such_function()</script>"),
    # the page itself scrolls sideways: reported; a wide table in a scrolling box: fine
    ADMIN + "/too-wide": _page('<table style="width:3000px"><tr><td>wide</td></tr></table>'),
    ADMIN + "/wide-table-scrolls": _page(
        '<div style="overflow-x:auto"><table style="width:3000px"><tr><td>wide</td></tr></table></div>'
    ),
}


def faulty_site(environ, start_response):
    path = environ["PATH_INFO"]
    if path in PAGES:
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [PAGES[path]]
    if path == ADMIN + "/good.pem":
        start_response("200 OK", [("Content-Type", "application/x-pem-file")])
        return [data.read_bytes("leaf_rsa_single.cert.pem")]
    if path == ADMIN + "/bad.pem":
        start_response("200 OK", [("Content-Type", "application/x-pem-file")])
        return [b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"]
    if path == ADMIN + "/moved":
        start_response("303 See Other", [("Location", ADMIN + "/fine?from=moved")])
        return [b""]
    if path == ADMIN + "/away":
        start_response("302 Found", [("Location", "http://elsewhere.invalid/")])
        return [b""]
    if path == ADMIN + "/static/admin.css":
        start_response("200 OK", [("Content-Type", "text/css")])
        return [b"body{}"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not here"]


def path_key(url: str):
    parts = urllib.parse.urlsplit(url)
    if not parts.path.startswith(ADMIN):
        return None
    return (parts.path, tuple(sorted(k for k, _v in urllib.parse.parse_qsl(parts.query))))


@pytest.fixture(scope="module")
def browser():
    chromium.require_switch()
    playwright, browser = chromium.launch_or_fail()
    yield browser
    browser.close()
    playwright.stop()


def test_the_crawl_reports_every_kind_of_fault_and_nothing_else(browser):
    server = StopableWSGIServer.create(faulty_site, host="127.0.0.1")
    context = browser.new_context()
    try:
        admin = server.application_url.rstrip("/") + ADMIN
        tab = chromium.AdminTab(context, admin)
        report = chromium.AdminCrawler(context, tab.page, tab.watch, admin, path_key).crawl()
    finally:
        context.close()
        server.shutdown()
    problems = "\n".join(report.problems)

    def reported(path: str, *words: str) -> bool:
        return any(
            line.startswith(admin.rsplit(ADMIN, 1)[0] + path + " ") and all(w in line for w in words)
            for line in report.problems
        )

    assert reported(ADMIN + "/missing", "HTTP 404", "linked from"), problems
    assert reported(ADMIN + "/broken-style", "sub-resource failed", "nope.css", "404"), problems
    assert reported(ADMIN + "/logs-an-error", "console error", "boom from the page"), problems
    assert reported(ADMIN + "/throws", "script error", "no_such_function"), problems
    assert reported(ADMIN + "/bad.pem", "does not parse"), problems
    assert reported(ADMIN + "/away", "redirects out of the admin"), problems
    assert reported(ADMIN + "/too-wide", "the page is", "px wide in a", "table"), problems
    # nothing else: a fault may be told more than once (Chromium logs a failed stylesheet as a
    # console error too), but only the faulty pages are named
    faulty = ("/missing ", "/broken-style ", "/logs-an-error ", "/throws ", "/bad.pem ", "/away ", "/too-wide ")
    assert all(any(ADMIN + f in line for f in faulty) for line in report.problems), problems
    # what is fine was visited, and counted once per key (the fragment dropped, the query's fields kept)
    visited = set(report.visited.values())
    origin = admin.rsplit(ADMIN, 1)[0]
    for path in (ADMIN, ADMIN + "/fine", ADMIN + "/fine?q=1", ADMIN + "/good.pem", ADMIN + "/moved",
                 ADMIN + "/fine?from=moved", ADMIN + "/wide-table-scrolls"):
        assert origin + path in visited, (path, sorted(visited))
    assert report.kinds[origin + ADMIN + "/good.pem"] == "PEM CERTIFICATE"
    assert report.kinds[origin + ADMIN + "/moved"].startswith("redirect to ")
    assert not any("outside-the-admin" in url or "elsewhere" in url or "/static/" in url for url in visited)
