"""tools/nginx_conf/testing.conf, the specification's nginx sample for testing: `nginx -t` accepts it
(in a plain nginx, and in edge.conf.in as WELL_KNOWN), and its flag file moves the challenges between
peter_sslers and the test server, with no reload (gated by SSL_RUN_NGINX_TESTS)."""

import os
import subprocess

import requests

from tests.edge.nginx import NGINX_CONF_DIR
from tests.edge.nginx import EdgeNginx
from tests.edge.nginx import nginx_binary
from tests.edge.nginx import require_nginx
from tests.pebble import Http01Responder
from tests.pebble import free_port

TESTING_CONF = os.path.join(NGINX_CONF_DIR, "testing.conf")
INCLUDE = "include %s;" % TESTING_CONF


def test_the_shipped_values_are_where_the_comments_say():
    with open(TESTING_CONF) as f:
        text = f.read()
    assert "\nset $peter_sslers_testing_flag /etc/nginx/peter_sslers_testing.flag;\n" in text
    assert "\nset $peter_sslers_testing_server 127.0.0.1:7202;\n" in text
    assert "proxy_pass http://peter_sslers;" in text  # the same upstream as lazy.conf and verify.conf
    assert "/.well-known/admin" not in text.split("# Its two values")[1]  # the admin is never proxied


def test_nginx_accepts_it_in_a_plain_nginx(tmp_path):
    """No Lua module, no template: a server block including it, as an operator would."""
    require_nginx()
    for name in ("logs", "tmp"):
        (tmp_path / name).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        "pid %(d)s/nginx.pid;\nerror_log %(d)s/logs/error.log;\nevents { worker_connections 64; }\n"
        "http {\n  access_log off;\n  client_body_temp_path %(d)s/tmp/body; proxy_temp_path %(d)s/tmp/proxy;\n"
        "  fastcgi_temp_path %(d)s/tmp/f; uwsgi_temp_path %(d)s/tmp/u; scgi_temp_path %(d)s/tmp/s;\n"
        "  upstream peter_sslers { server 127.0.0.1:7201; }\n"
        "  server {\n    listen 127.0.0.1:%(port)d;\n    %(include)s\n  }\n}\n"
        % {"d": tmp_path, "port": free_port(), "include": INCLUDE}
    )
    result = subprocess.run([nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_flag_file_moves_the_challenges_without_a_reload():
    require_nginx()
    production = Http01Responder(free_port(), {"tok3n": "answered by peter_sslers"})
    testing = Http01Responder(free_port(), {"tok3n": "answered by the test server"})
    nginx = None
    with production, testing:
        try:
            nginx = EdgeNginx({"PETER_SSLERS": "127.0.0.1:%d" % production.port, "WELL_KNOWN": "testing.conf"})
            flag = os.path.join(nginx.workdir, "testing.flag")  # the workdir is readable by nginx's workers
            # the file's own way to change its values: set again after the include
            nginx.rewrite(
                INCLUDE,
                "%s\n        set $peter_sslers_testing_flag %s;\n        set $peter_sslers_testing_server 127.0.0.1:%d;"
                % (INCLUDE, flag, testing.port),
            )
            nginx.start()
            url = nginx.http_url + "/.well-known/acme-challenge/tok3n"

            def challenge():
                response = requests.get(url, headers={"Host": "Test.Example.com"}, timeout=10)
                assert response.status_code == 200, response.text
                return response.text

            assert challenge() == "answered by peter_sslers"
            # the Host went through ($host: nginx lower-cases it)
            assert production.requests[-1] == ("test.example.com", "/.well-known/acme-challenge/tok3n")
            with open(flag, "w"):
                pass
            assert challenge() == "answered by the test server"
            assert testing.requests[-1] == ("test.example.com", "/.well-known/acme-challenge/tok3n")
            requests.get(nginx.http_url + "/.well-known/public/whoami", headers={"Host": "w.example.com"}, timeout=10)
            assert testing.requests[-1] == ("w.example.com", "/.well-known/public/whoami")
            # the admin is not proxied, flag or not: nginx's own catch-all answers
            response = requests.get(nginx.http_url + "/.well-known/admin/api.json", timeout=10)
            assert response.text.startswith("peter_sslers edge:")
            os.unlink(flag)
            assert challenge() == "answered by peter_sslers"
            assert len(testing.requests) == 2
        finally:
            if nginx is not None:
                nginx.close()
