"""The shipped template and its renderer: what they refuse, and that nginx refuses a bad configure()."""

import configparser
import http.client
import os
import re
import shlex

import pytest

from tests.edge.nginx import ROOT
from tests.edge.nginx import EdgeNginx
from tests.edge.nginx import NGINX_CONF_DIR
from tests.edge.nginx import NginxError
from tests.edge.nginx import render_conf
from tests.edge.nginx import require_nginx


def template() -> str:
    with open("%s/edge.conf.in" % NGINX_CONF_DIR) as f:
        return f.read()


def test_render_fills_every_placeholder_with_defaults():
    text = render_conf.render(template())
    assert "@@" not in text
    assert 'redis_url = ""' in text  # no Redis unless asked
    assert "fallback_url = \"http://127.0.0.1:7201/.well-known/admin\"" in text
    assert "location ^~ /.peter_sslers/nginx/shared_cache/expire/" in text
    assert 'expire("/.peter_sslers/nginx/shared_cache/expire")' in text
    assert "location = /.peter_sslers/nginx/shared_cache/status" in text
    assert "include %s/lazy.conf;" % NGINX_CONF_DIR in text


def test_the_default_prime_style_is_fixed_and_is_peter_sslers_own():
    """Not "any": reading both styles served keys left over from the other one (a renewal primed into
    d2: hidden behind an old d1:, an inactive domain still served from its old d2:)."""
    text = render_conf.render(template())
    assert 'redis_prime_style = "1",' in text
    for ini in ("example_production.ini", "example_development.ini"):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(os.path.join(ROOT, ini))
        assert parser.get("app:main", "redis.prime_style") == render_conf.DEFAULTS["REDIS_PRIME_STYLE"], ini


def test_the_defaults_verify_tls_and_allow_only_loopback_on_the_endpoints():
    text = render_conf.render(template())
    assert "lua_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;" in text
    assert "lua_ssl_verify_depth" in text
    # verification is the module's default: the template does not turn it off
    assert "ssl_verify =" not in text
    assert 'allow_insecure_fallback = "0",' in text
    # both endpoint locations: loopback, then nobody else
    assert text.count("allow 127.0.0.1; allow ::1;\n            deny all;") == 2


def test_admin_allow_renders_one_allow_per_address():
    text = render_conf.render(template(), {"ADMIN_ALLOW": "10.0.0.0/8,192.0.2.7,2001:db8::/32"})
    assert text.count("allow 10.0.0.0/8; allow 192.0.2.7; allow 2001:db8::/32;\n            deny all;") == 2
    assert "allow 127.0.0.1" not in text


@pytest.mark.parametrize(
    "values, message",
    [
        ({"NOPE": "1"}, "unknown placeholder NOPE"),
        ({"REDIS_URL": 'redis://x"; os.execute("id'}, "not allowed"),
        ({"RESET_PATH": "/a; deny all"}, "not allowed"),
        ({"AUTH_BASIC": "two words"}, "not allowed"),
        ({"FALLBACK_URL": "http://x/{y}"}, "not allowed"),
        # each placeholder's own check: nothing but its kind of value gets into the config
        ({"CACHE_TTL": "os.exit(1)"}, "CACHE_TTL"),
        ({"NEGATIVE_TTL": "1,x=os.exit(1)"}, "NEGATIVE_TTL"),
        ({"CACHE_SIZE": "10m,x"}, "CACHE_SIZE"),
        ({"WORKER_PROCESSES": "2#"}, "WORKER_PROCESSES"),
        ({"FALLBACK_CONCURRENCY": "0"}, "FALLBACK_CONCURRENCY"),
        ({"FALLBACK_QUEUE_MS": "-1"}, "FALLBACK_QUEUE_MS"),
        ({"FALLBACK_PER_SECOND": "1.5"}, "FALLBACK_PER_SECOND"),
        ({"NEGATIVE_CACHE_SIZE": "1g"}, "NEGATIVE_CACHE_SIZE"),
        ({"LOOKUP_SUFFIXES": "example..com"}, "LOOKUP_SUFFIXES"),
        ({"RESET_PATH": "/"}, "RESET_PATH"),
        ({"RESET_PATH": "/a/"}, "RESET_PATH"),
        ({"STATUS_PATH": "relative/path"}, "STATUS_PATH"),
        ({"RESET_PATH": "/a//b"}, "RESET_PATH"),
        ({"PID_FILE": "relative.pid"}, "PID_FILE"),
        ({"TRUSTED_CA": "ca.pem"}, "TRUSTED_CA"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"HTTPS_LISTEN": "443ssl"}, "HTTPS_LISTEN"),
        ({"WELL_KNOWN": "../x.conf"}, "WELL_KNOWN"),
        ({"REDIS_PRIME_STYLE": "any"}, "REDIS_PRIME_STYLE"),
        ({"REDIS_URL": "http://127.0.0.1:6379/1"}, "REDIS_URL"),
        ({"FALLBACK_URL": "ftp://127.0.0.1/x"}, "FALLBACK_URL"),
        ({"ALLOW_INSECURE_FALLBACK": "maybe"}, "ALLOW_INSECURE_FALLBACK"),
        ({"ADMIN_ALLOW": "10.0.0.0/8,all"}, "ADMIN_ALLOW"),
        ({"ADMIN_ALLOW": "admin.example.com"}, "ADMIN_ALLOW"),
        ({"ADMIN_ALLOW": ""}, "ADMIN_ALLOW"),
        ({"ADMIN_ALLOW": "10.0.0.1/8"}, "ADMIN_ALLOW"),
        ({"FALLBACK_SERVER_NAME": "a_b..c"}, "FALLBACK_SERVER_NAME"),
        ({"AUTH_BASIC": "realm,x"}, "AUTH_BASIC"),
        ({"AUTOCERT": "yes"}, "AUTOCERT"),
        ({"AUTOCERT_SUFFIXES": "*.example.com"}, "AUTOCERT_SUFFIXES"),
        ({"AUTOCERT_TIMEOUT_MS": "0"}, "AUTOCERT_TIMEOUT_MS"),
    ],
)
def test_render_refuses_unknown_names_and_unsafe_values(values, message):
    with pytest.raises(render_conf.RenderError) as excinfo:
        render_conf.render(template(), values)
    assert message in str(excinfo.value)


def test_render_refuses_a_placeholder_without_value():
    with pytest.raises(render_conf.RenderError) as excinfo:
        render_conf.render("x @@MISSING@@ y")
    assert "no value for MISSING" in str(excinfo.value)


def test_render_command_line(tmp_path, capsys):
    assert render_conf.main(["render_conf.py", "%s/edge.conf.in" % NGINX_CONF_DIR, "NEGATIVE_TTL=0"]) == 0
    assert "negative_ttl = 0," in capsys.readouterr().out
    assert render_conf.main(["render_conf.py", "%s/edge.conf.in" % NGINX_CONF_DIR, "NEGATIVE_TTL"]) == 2
    assert render_conf.main(["render_conf.py", "%s/edge.conf.in" % NGINX_CONF_DIR, "BAD=1"]) == 2
    assert "unknown placeholder BAD" in capsys.readouterr().err


@pytest.mark.parametrize(
    "values, message",
    [
        ({"REDIS_URL": "redis://127.0.0.1:6379/x"}, "the path must be the database number"),
        # user and password in the URL were silently dropped (and echoed by status): refused
        ({"FALLBACK_URL": "http://peter:sslers@127.0.0.1:7201/.well-known/admin"}, "use fallback_userpass"),
        # plain http to another host: keys in clear text, an unauthenticated admin on the network
        ({"FALLBACK_URL": "http://10.0.0.5:7201/.well-known/admin"}, "private keys in clear text"),
        ({"FALLBACK_URL": "http://peter-sslers.internal:7201/.well-known/admin"}, "ALLOW_INSECURE_FALLBACK"),
    ],
)
def test_nginx_refuses_to_start_with_a_bad_configuration(values, message):
    require_nginx()
    nginx = EdgeNginx(values)
    try:
        with pytest.raises(NginxError) as excinfo:
            nginx.start()
        assert message in str(excinfo.value)
    finally:
        nginx.close()


@pytest.mark.parametrize(
    "old, new, message",
    [
        # what the renderer refuses, written by hand into the config: configure() refuses it too
        ('redis_prime_style = "1"', 'redis_prime_style = "any"', '"any" served keys left over'),
        ('redis_prime_style = "1"', 'redis_prime_style = "3"', "redis_prime_style must be 1 or 2"),
        ('redis_url = ""', 'redis_url = "ftp://127.0.0.1/1"', "scheme must be redis, rediss or unix"),
        ('fallback_url = ""', 'fallback_url = "gopher://127.0.0.1/x"', "scheme must be http or https"),
        ("fallback_concurrency = 4,", "fallback_concurrency = 0,", "fallback_concurrency must be a number >= 1"),
        ('lookup_suffixes = ""', 'lookup_suffixes = "ok.example.com,bad..name"', "lookup_suffixes: bad..name"),
        ('lookup_suffixes = ""', 'lookup_suffixes = "*.example.com"', "lookup_suffixes: *.example.com"),
        # the misses' dict must exist, and be its own
        ("lua_shared_dict peter_sslers_misses", "lua_shared_dict other_misses", "no `lua_shared_dict peter_sslers_misses"),
        ("lookup_suffixes =", 'negative_dict = "peter_sslers_cache", lookup_suffixes =', "negative_dict must be"),
        ("negative_ttl = 3,", "negative_ttl = -1,", "negative_ttl must be a number >= 0"),
        ('allow_insecure_fallback = "0"', 'allow_insecure_fallback = "perhaps"', "allow_insecure_fallback must be"),
        # autocert asks peter_sslers: without a fallback_url there is nobody to ask
        ('autocert = "0"', 'autocert = "1"', "autocert needs fallback_url"),
        ('autocert = "0"', 'autocert = "maybe"', "autocert must be true or false"),
        ('autocert_suffixes = ""', 'autocert_suffixes = "*.example.com"', "autocert_suffixes: *.example.com"),
        ("autocert_timeout_ms = 60000,", "autocert_timeout_ms = -5,", "autocert_timeout_ms must be a number >= 0"),
    ],
)
def test_configure_refuses_what_the_renderer_refuses(old, new, message):
    require_nginx()
    nginx = EdgeNginx()
    try:
        nginx.rewrite(old, new)
        with pytest.raises(NginxError) as excinfo:
            nginx.start()
        assert message in str(excinfo.value)
    finally:
        nginx.close()


def test_a_non_loopback_plain_http_fallback_starts_only_when_explicitly_allowed(edge_nginx):
    nginx = edge_nginx(FALLBACK_URL="http://192.0.2.1:7201/.well-known/admin", ALLOW_INSECURE_FALLBACK="1")
    assert nginx.status()["config"]["fallback"] == "http://192.0.2.1:7201/.well-known/admin"
    assert "plain http" in nginx.log_tail(40)  # and says so in the log


def _status_from(nginx, source: str) -> int:
    """The status endpoint's HTTP status for a client whose address is ``source`` (a loopback address)."""
    connection = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", "/.peter_sslers/nginx/shared_cache/status")
        return connection.getresponse().status
    finally:
        connection.close()


def test_admin_allow_lets_the_listed_addresses_call_the_endpoints(edge_nginx):
    """peter_sslers on another host got 403 on every cache call: the template allowed loopback only."""
    default = edge_nginx()
    assert _status_from(default, "127.0.0.1") == 200
    assert _status_from(default, "127.0.0.2") == 403
    admin = edge_nginx(ADMIN_ALLOW="127.0.0.2")
    assert _status_from(admin, "127.0.0.2") == 200
    assert _status_from(admin, "127.0.0.1") == 403
    ranges = edge_nginx(ADMIN_ALLOW="127.0.0.0/30,::1")
    assert _status_from(ranges, "127.0.0.3") == 200
    assert _status_from(ranges, "127.0.0.5") == 403


def documented_render_commands():
    """The render_conf.py commands of docs/OpenResty.md, as argument lists."""
    with open(os.path.join(ROOT, "docs", "OpenResty.md")) as f:
        text = f.read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        if "render_conf.py" in block:
            command = block.split("render_conf.py", 1)[1].split(">", 1)[0]
            commands.append(shlex.split(command.replace("\\\n", " "))[1:])
    return commands


def test_the_documented_render_commands_render():
    """The deployment examples of docs/OpenResty.md are accepted as they are written."""
    commands = documented_render_commands()
    assert len(commands) == 2
    for arguments in commands:
        values = dict(argument.split("=", 1) for argument in arguments)
        text = render_conf.render(template(), values)
        assert "@@" not in text
        assert 'redis_prime_style = "1",' in text
