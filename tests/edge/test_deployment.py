"""The whole advanced deployment, end to end on loopback, driven through peter_sslers' own routes:

certificates uploaded -> `POST /api/redis/prime.json` -> two real nginx servers serve them from
Redis by SNI -> a renewal -> prime -> peter_sslers' `/domain/{id}/nginx-cache-expire.json`,
`/api/nginx/cache-flush.json` and `/certificate-signed/{id}/nginx-cache-expire.json` expire the
nginx caches (one over HTTP, one over HTTPS, both behind basic auth) -> the renewal is served;
`/api/nginx/status.json` reads both servers' Lua statistics.
"""

from tests.edge.nginx import mint_leaf

NAMES = ["route.example.com", "www.route.example.com"]


def served_everywhere(servers, name: str) -> set:
    """The distinct leaf certificates the servers (two handshakes each, likely two workers) serve."""
    return {nginx.leaf(name) for nginx in servers for _ in range(2)}


def test_prime_then_peter_sslers_expires_real_nginx_caches(serve_app, edge_nginx, edge_redis_url, tmp_path):
    plain = edge_nginx(REDIS_URL=edge_redis_url, basic_auth=("peter", "sslers"))
    tls = edge_nginx(REDIS_URL=edge_redis_url, basic_auth=("peter", "sslers"))
    servers = (plain, tls)
    bundle = tmp_path / "edge-ca.pem"  # what nginx.ca_bundle trusts: the https server's own certificate
    with open(tls.default_cert_path) as f:
        bundle.write_text(f.read())
    app = serve_app(
        **{
            "enable_redis": "true",
            "redis.url": edge_redis_url,
            "redis.prime_style": "1",
            "enable_nginx": "true",
            "nginx.servers_pool": "%s,%s" % (plain.http_url, tls.https_url),
            "nginx.userpass": "peter:sslers",
            "nginx.ca_bundle": str(bundle),
        }
    )

    first = mint_leaf(NAMES, days=90)
    app.upload(first)
    assert app.post_json("/api/redis/prime.json")["result"] == "success"
    for name in NAMES:
        assert served_everywhere(servers, name) == {first["der"]}, name

    # a renewal, primed: the nginx caches still hold the first certificate
    second = mint_leaf(NAMES, days=180)
    app.upload(second)
    assert app.post_json("/api/redis/prime.json")["result"] == "success"
    assert served_everywhere(servers, NAMES[0]) == {first["der"]}

    # one domain, by its id, through peter_sslers
    domain_id = app.get_json("/domain/%s.json" % NAMES[0])["Domain"]["id"]
    answer = app.post_json("/domain/%s/nginx-cache-expire.json" % domain_id)
    assert answer["result"] == "success", answer
    assert answer["domains_success"] == [NAMES[0]]
    for server in answer["domains"][NAMES[0]]["servers"].values():
        assert server["x_peter_sslers"] == "1.0.0"
        assert server["answer"]["expired"] == "domain" and server["answer"]["domain"] == NAMES[0]
    assert served_everywhere(servers, NAMES[0]) == {second["der"]}
    assert served_everywhere(servers, NAMES[1]) == {first["der"]}  # not expired yet

    # everything, through peter_sslers
    answer = app.post_json("/api/nginx/cache-flush.json")
    assert answer["result"] == "success", answer
    assert sorted(answer["servers_success"]) == sorted([plain.http_url, tls.https_url])
    assert served_everywhere(servers, NAMES[1]) == {second["der"]}

    # every domain of a certificate, through peter_sslers
    third = mint_leaf(NAMES, days=270)
    uploaded = app.upload(third)
    assert app.post_json("/api/redis/prime.json")["result"] == "success"
    answer = app.post_json("/certificate-signed/%s/nginx-cache-expire.json" % uploaded["CertificateSigned"]["id"])
    assert answer["result"] == "success", answer
    assert sorted(answer["domains_success"]) == sorted(NAMES)
    for name in NAMES:
        assert served_everywhere(servers, name) == {third["der"]}, name

    # both servers' Lua statistics, through peter_sslers
    answer = app.get_json("/api/nginx/status.json")
    assert answer["result"] == "success", answer
    for server in answer["servers"].values():
        stats = server["answer"]["stats"]
        assert stats["expired_domain"] == 3 and stats["expired_all"] == 1, stats
        assert stats["redis_hits"] >= 4 and stats["fallback_hits"] == 0, stats

    # the calls are in peter_sslers' operations log
    events = app.get_json("/operations/nginx.json")["OperationsEvents"]
    assert len(events) == 3


def test_a_dead_pool_member_is_reported_and_the_live_one_still_expired(serve_app, edge_nginx, edge_redis_url):
    from tests.pebble import free_port

    live = edge_nginx(REDIS_URL=edge_redis_url, REDIS_PRIME_STYLE="2")
    dead = "http://127.0.0.1:%d" % free_port()
    app = serve_app(
        **{
            "enable_redis": "true",
            "redis.url": edge_redis_url,
            "redis.prime_style": "2",
            "enable_nginx": "true",
            "nginx.servers_pool": "%s,%s" % (live.http_url, dead),
            "nginx.timeout": "2",
        }
    )
    first = mint_leaf(["pool-dead.example.com"], days=90)
    app.upload(first)
    app.post_json("/api/redis/prime.json")
    assert live.leaf("pool-dead.example.com") == first["der"]
    second = mint_leaf(["pool-dead.example.com"], days=180)
    app.upload(second)
    app.post_json("/api/redis/prime.json")
    response = app.http.post(app.admin + "/domain/pool-dead.example.com/nginx-cache-expire.json", timeout=30)
    assert response.status_code == 502
    answer = response.json()
    assert answer["result"] == "partial"
    assert list(answer["servers_failed"]) == [dead]
    assert live.leaf("pool-dead.example.com") == second["der"]  # the live server did expire it
