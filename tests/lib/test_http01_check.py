"""lib.http01_check: the self-check's fetch and compare, against real servers on loopback (an HTTP
server, a port that accepts and never answers, a closed port, a small DNS server)."""

import http.server
import socket
import ssl
import threading

import dns.message
import dns.rcode
import dns.rrset
import pytest

from peter_sslers.lib import http01_check
from tests.pebble import free_port
from tests.pebble import write_tls_files

TOKEN = "pr0be-token_abcdefghijklmnopqrstuvwxyz0123456"
KEYAUTH = TOKEN + ".thumbprint-of-the-account-key_0123456789abcdef"
NAME = "probe.example.com"
PATH = http01_check.PATH_PREFIX + TOKEN


class LoopbackHTTP:
    """Answers from ``routes``: path -> (status, headers, body); anything else ``default`` (a 404).
    ``hosts`` lists the Host header of every request."""

    def __init__(self, default=(404, {}, b"not found"), tls_files=None):
        self.routes = {}
        self.default = default
        self.server_names = []  # TLS SNI
        self.hosts = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.hosts.append(self.headers.get("Host"))
                status, headers, body = owner.routes.get(self.path, owner.default)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls_files:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_files["cert"], tls_files["key"])
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class LoopbackDNS:
    """A UDP DNS server: every A query is answered 127.0.0.1, but for names under ``nx.``
    (NXDOMAIN)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            if question.name.to_text().startswith("nx."):
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif question.rdtype == dns.rdatatype.A:
                response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "127.0.0.1"))
            self.sock.sendto(response.to_wire(), peer)

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def web():
    server = LoopbackHTTP()
    yield server
    server.close()


@pytest.fixture
def site(web):
    web.routes.clear()
    web.hosts.clear()
    return web


@pytest.fixture(scope="module")
def silent_port():
    """A port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def run(site, timeout=2.0, **kw):
    probe = http01_check.Probe(NAME, TOKEN, KEYAUTH)
    kw.setdefault("address", ("127.0.0.1", site.port))
    return http01_check.check(probe, timeout=timeout, **kw)


def test_the_right_body_passes_with_the_name_as_host(site):
    site.routes[PATH] = (200, {"Content-Type": "text/plain"}, KEYAUTH.encode())
    result = run(site)
    assert result.ok and result.reason is None
    assert result.url == "http://%s%s" % (NAME, PATH)
    assert site.hosts == [NAME]


def test_trailing_whitespace_is_stripped_as_rfc8555_allows(site):
    site.routes[PATH] = (200, {}, (KEYAUTH + " \r\n\t\n").encode())
    assert run(site).ok


@pytest.mark.parametrize(
    "body",
    [b"something else", (" " + KEYAUTH).encode(), KEYAUTH.encode()[:-1], (KEYAUTH + ".x").encode(), b""],
)
def test_a_wrong_body_fails_saying_what_came(site, body):
    site.routes[PATH] = (200, {}, body)
    result = run(site)
    assert not result.ok
    assert result.reason.startswith("wrong body: ")
    assert repr(body[:60].decode())[:20] in result.reason


def test_a_404_fails(site):
    result = run(site)
    assert not result.ok and result.reason == "HTTP 404"


@pytest.mark.parametrize("status", [500, 204, 403])
def test_other_statuses_fail(site, status):
    site.routes[PATH] = (status, {}, KEYAUTH.encode())
    assert run(site).reason == "HTTP %s" % status


def test_a_body_over_the_cap_fails(site):
    site.routes[PATH] = (200, {}, KEYAUTH.encode() + b" " * http01_check.MAX_BODY_BYTES)
    result = run(site)
    assert not result.ok and "larger than" in result.reason


def test_silence_times_out_quickly(silent_port):
    probe = http01_check.Probe(NAME, TOKEN, KEYAUTH)
    result = http01_check.check(probe, address=("127.0.0.1", silent_port), timeout=0.3)
    assert not result.ok and result.reason.startswith("timed out")


def test_a_closed_port_is_refused():
    probe = http01_check.Probe(NAME, TOKEN, KEYAUTH)
    port = free_port()
    result = http01_check.check(probe, address=("127.0.0.1", port), timeout=2)
    assert not result.ok and result.reason == "connection refused (127.0.0.1:%s)" % port


def test_redirects_are_followed(site):
    site.routes[PATH] = (302, {"Location": "/hop/1"}, b"")
    site.routes["/hop/1"] = (301, {"Location": "http://www.%s/hop/2" % NAME}, b"")
    site.routes["/hop/2"] = (200, {}, KEYAUTH.encode())
    result = run(site)
    assert result.ok, result.reason
    assert result.url == "http://www.%s/hop/2" % NAME
    # the address override holds for every hop; each hop sends its own URL's host
    assert site.hosts == [NAME, NAME, "www." + NAME]


def test_more_than_ten_redirects_fail(site):
    site.routes[PATH] = (302, {"Location": "/loop/0"}, b"")
    for i in range(12):
        site.routes["/loop/%d" % i] = (302, {"Location": "/loop/%d" % (i + 1)}, b"")
    result = run(site)
    assert not result.ok and result.reason == "more than 10 redirects"
    assert len(site.hosts) == 11


@pytest.mark.parametrize("location", ["ftp://%s/x" % NAME, "http://%s:8080/x" % NAME, "https://%s:8443/x" % NAME])
def test_redirects_the_ca_would_not_follow_fail(site, location):
    site.routes[PATH] = (302, {"Location": location}, b"")
    result = run(site)
    assert not result.ok and "which an ACME server does not follow" in result.reason
    assert len(site.hosts) == 1


def test_check_all_keeps_the_order_and_checks_each_name(site):
    tokens = ["tok%02d" % i for i in range(12)]
    for token in tokens[::2]:
        site.routes[http01_check.PATH_PREFIX + token] = (200, {}, ("%s.thumb" % token).encode())
    probes = [http01_check.Probe("n%02d.example.com" % i, t, "%s.thumb" % t) for i, t in enumerate(tokens)]
    results = http01_check.check_all(probes, address=("127.0.0.1", site.port), timeout=2)
    assert [r.domain_name for r in results] == [p.domain_name for p in probes]
    assert [r.ok for r in results] == [i % 2 == 0 for i in range(12)]
    assert sorted(site.hosts) == sorted(p.domain_name for p in probes)


def test_a_redirect_to_https_is_followed_without_verifying_the_certificate(site, tmp_path):
    """As the CA's http-01 does: the name's certificate (here one for 127.0.0.1 from an unknown
    CA) is not verified; the URL's host is the TLS server name. Resolved by a loopback DNS server,
    with the test's ports standing in for 80 and 443."""
    tls = LoopbackHTTP(default=(200, {}, KEYAUTH.encode()), tls_files=write_tls_files(str(tmp_path)))
    dns_server = LoopbackDNS()
    try:
        site.routes[PATH] = (301, {"Location": "https://%s%s" % (NAME, PATH)}, b"")
        result = run(site, address=None, resolver=("127.0.0.1", dns_server.port), ports=(site.port, tls.port))
        assert result.ok, result.reason
        assert result.url == "https://%s%s" % (NAME, PATH)
        assert tls.server_names == [NAME] and tls.hosts == [NAME]
    finally:
        dns_server.close()
        tls.close()


def test_the_resolver_option_resolves_with_that_dns_server(site):
    """No address override: the name is resolved by the given DNS server (here: loopback)."""
    dns_server = LoopbackDNS()
    try:
        site.routes[PATH] = (200, {}, KEYAUTH.encode())
        resolver = http01_check.parse_resolver("127.0.0.1:%d" % dns_server.port)
        result = run(site, address=None, resolver=resolver, ports=(site.port, 443))
        assert result.ok, result.reason
        assert site.hosts == [NAME]
        probe = http01_check.Probe("nx.example.com", TOKEN, KEYAUTH)
        result = http01_check.check(probe, resolver=resolver, ports=(site.port, 443), timeout=2)
        assert not result.ok and result.reason.startswith("DNS: nx.example.com does not exist")
    finally:
        dns_server.close()


def test_a_dns_server_that_does_not_answer_times_out(silent_port):
    # a UDP port nobody reads: the query is lost
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        probe = http01_check.Probe(NAME, TOKEN, KEYAUTH)
        result = http01_check.check(probe, resolver=("127.0.0.1", sock.getsockname()[1]), timeout=0.3)
        assert not result.ok and result.reason.startswith("DNS: ")
    finally:
        sock.close()


@pytest.mark.parametrize(
    "raw,expected",
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), ("[::1]:80", ("::1", 80)), ("lb.internal:80", ("lb.internal", 80))],
)
def test_parse_address(raw, expected):
    assert http01_check.parse_address(raw) == expected


@pytest.mark.parametrize("raw", ["127.0.0.1", "::1:80", "host:0", "host:70000", ":80", "[::1]", "host:http"])
def test_parse_address_refuses(raw):
    with pytest.raises(ValueError):
        http01_check.parse_address(raw)


@pytest.mark.parametrize(
    "raw,expected",
    [("1.1.1.1", ("1.1.1.1", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)), ("::1", ("::1", 53)), ("[::1]:53", ("::1", 53))],
)
def test_parse_resolver(raw, expected):
    assert http01_check.parse_resolver(raw) == expected


@pytest.mark.parametrize("raw", ["dns.example.com", "dns.example.com:53", "1.1.1.1:x", ""])
def test_parse_resolver_refuses(raw):
    with pytest.raises(ValueError):
        http01_check.parse_resolver(raw)
