"""The shipped template and its renderer: what they refuse, and that nginx refuses a bad configure()."""

import pytest

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


@pytest.mark.parametrize(
    "values, message",
    [
        ({"NOPE": "1"}, "unknown placeholder NOPE"),
        ({"REDIS_URL": 'redis://x"; os.execute("id'}, "not allowed"),
        ({"RESET_PATH": "/a; deny all"}, "not allowed"),
        ({"AUTH_BASIC": "two words"}, "not allowed"),
        ({"FALLBACK_URL": "http://x/{y}"}, "not allowed"),
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
        ({"REDIS_URL": "ftp://127.0.0.1/1"}, "scheme must be redis, rediss or unix"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/x"}, "the path must be the database number"),
        ({"FALLBACK_URL": "gopher://127.0.0.1/x"}, "scheme must be http or https"),
        ({"REDIS_PRIME_STYLE": "3"}, "redis_prime_style must be 1, 2 or"),
        ({"NEGATIVE_TTL": "-1"}, "negative_ttl must be a number >= 0"),
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
