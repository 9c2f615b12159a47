-- peter_sslers_edge: serve the certificates peter_sslers manages from nginx, picked by SNI.
--
-- Runs on Debian's nginx with libnginx-mod-http-lua, lua-resty-core and lua-cjson (no OpenResty
-- build and no resty.redis needed). For each TLS handshake, `ssl_certificate()` looks the SNI
-- name up in this order:
--
--   1. the shared cache (lua_shared_dict): `{name}:c` = fullchain PEM, `{name}:k` = key PEM;
--      a remembered miss is `{name}` = true for `negative_ttl` seconds in a shared dict of its own
--      (so misses, which any client can make up, never evict certificates);
--   2. Redis, as peter_sslers primes it (prime style 1 `d1:{name}` + `c:{id}` `p:{id}` `i:{id}`,
--      or style 2 `d2:{name}`), through a small RESP client on cosockets;
--   3. peter_sslers itself: `GET {fallback_url}/domain/{name}/config.json?openresty=1`, which
--      also writes the domain through to Redis on peter_sslers' side; at most
--      `fallback_concurrency` such requests per worker at once (and `fallback_per_second`);
--   4. with `autocert`, when peter_sslers answered that it has none: `POST {fallback_url}/api/domain/
--      autocert.json` (`domain_name={name}`), which orders one now within peter_sslers' own policy;
--      one such request per name at a time in this nginx (the other handshakes wait for it);
--
-- and otherwise leaves the server block's own `ssl_certificate` in place (the default one). Only host
-- names are looked up (and, with `lookup_suffixes`, only names under those).
--
-- The shared cache is the single truth for every worker: each worker only keeps the *parsed*
-- certificate and key of the PEM strings it last saw for a name, and reuses them while the
-- shared cache still holds exactly those strings. Expiring a name (or all) in the shared cache
-- therefore takes effect in every worker at once.
--
-- `expire(prefix)` and `status()` answer peter_sslers' cache-flush, expire and status calls
-- (`GET {reset_path}/all`, `GET {reset_path}/domain/{name}`, `GET {status_path}`).
--
-- Usage (see tools/nginx_conf/edge.conf.in and docs/OpenResty.md):
--
--   lua_shared_dict peter_sslers_cache 10m;  lua_shared_dict peter_sslers_misses 1m;
--   init_by_lua_block { require("peter_sslers_edge").configure({ redis_url = ..., fallback_url = ... }) }
--   server { listen 443 ssl; ssl_certificate default.crt; ssl_certificate_key default.key;
--            ssl_certificate_by_lua_block { require("peter_sslers_edge").ssl_certificate() } }

local ssl = require "ngx.ssl"
local semaphore = require "ngx.semaphore"
local cjson = require "cjson.safe"
local lrucache = require "resty.lrucache"

local ngx = ngx
local ngx_log = ngx.log
local ERR, WARN, INFO = ngx.ERR, ngx.WARN, ngx.INFO
local tcp = ngx.socket.tcp
local null = ngx.null
local concat = table.concat
local str_lower, str_sub, str_find, str_format = string.lower, string.sub, string.find, string.format
local tonumber, tostring, type, ipairs, pairs = tonumber, tostring, type, ipairs, pairs

local _M = {
    VERSION = "1.0.0",
    SERVER = "peter_sslers:openresty",
}

-- What `configure()` accepts; anything else is refused so a typo does not go unnoticed.
local DEFAULTS = {
    cache_dict = "peter_sslers_cache", -- the lua_shared_dict holding `{name}:c` and `{name}:k`
    negative_dict = "peter_sslers_misses", -- the lua_shared_dict of remembered misses (`{name}` = true)
    cache_ttl = 600,                   -- seconds a found certificate stays cached (0 = until expired)
    negative_ttl = 3,                  -- seconds a miss is remembered (0 = never: every handshake asks again)
    worker_cache_size = 256,           -- parsed certificates each worker keeps
    lookup_suffixes = false,           -- "example.com,example.org": only these names and names under them are
                                       -- looked up (false: every host name)
    -- "redis://[[user]:password@]host[:port][/db]", "rediss://...", "unix:///path[?db=N]"
    redis_url = false,
    redis_prime_style = 1,             -- 1 or 2: the style peter_sslers primes (its redis.prime_style)
    redis_timeout_ms = 500,
    redis_keepalive_ms = 60000,
    redis_pool_size = 32,
    redis_ssl_verify = true,           -- rediss://: verify Redis' certificate (against lua_ssl_trusted_certificate)
    redis_server_name = false,         -- rediss://: the name to send and check (default: the URL's host)
    fallback_url = false,              -- "http://127.0.0.1:7201/.well-known/admin": peter_sslers' admin root
    fallback_userpass = false,         -- "user:password" for HTTP basic authentication
    fallback_host_header = false,      -- Host header to send (default: the URL's host[:port])
    fallback_timeout_ms = 2000,
    fallback_ssl_verify = true,        -- https: verify peter_sslers' certificate (against lua_ssl_trusted_certificate)
    fallback_server_name = false,      -- https: the name to send and check (default: the URL's host)
    allow_insecure_fallback = false,   -- accept a plain-http fallback_url to a host other than loopback
    fallback_max_body = 1048576,       -- bytes; a larger answer is refused
    fallback_concurrency = 4,          -- fallback requests in flight at once, per worker (at least 1)
    fallback_queue_ms = 500,           -- how long a handshake waits for one of those slots (0: not at all)
    fallback_per_second = 0,           -- fallback requests per second, all workers together (0: no limit)
    -- autocert: on a name nobody has a certificate for, ask peter_sslers to order one now
    -- (POST {fallback_url}/api/domain/autocert.json; its own policy decides: docs/Autocert.md)
    autocert = false,
    autocert_suffixes = false,         -- only these names and names under them (false: every name looked up)
    autocert_timeout_ms = 60000,       -- how long a handshake waits for the order (an ACME order takes seconds)
}

-- The options that are booleans (a rendered template passes "0"/"1"; "" is false).
local BOOLEANS = { "redis_ssl_verify", "fallback_ssl_verify", "allow_insecure_fallback", "autocert" }

local conf = nil       -- the effective configuration (set by configure())
local worker_cache = nil  -- per worker: name -> { fullchain, key_pem, cert cdata, key cdata }
local fallback_slots = nil  -- per worker: the ngx.semaphore bounding fallback requests in flight

-- The stats counters live in the shared dict under keys no domain name can take ('#').
local STATS = { "hits", "misses_cached", "redis_hits", "fallback_hits", "misses", "errors", "expired_all",
                "expired_domain", "not_allowed", "fallback_limited", "autocert_hits", "autocert_refused",
                "autocert_waits" }

local function stat_incr(name)
    local dict = ngx.shared[conf.cache_dict]
    dict:incr("#" .. name, 1, 0)
end

-- Domain names ------------------------------------------------------------------------------------

-- A host name as peter_sslers stores it: lower case, labels of letters, digits, '-' and '_' (and a
-- leading '*' label), at most 253 characters, the last label not all digits. Anything else is never
-- looked up: it would only be a way to inject text into a Redis key or a URL.
--
-- `\z`, not `$`: PCRE's `$` also matches before a final newline, which let "x.example.com\n" through
-- into the fallback's request line. A last label of digits only is no host name (an IPv4 address,
-- or "1", which peter_sslers' `/domain/{id or name}/config.json` would read as Domain #1).
local RE_HOST_NAME = [[^(\*\.)?[a-z0-9_][a-z0-9_-]{0,62}(\.[a-z0-9_][a-z0-9_-]{0,62})*\z]]
local RE_NUMERIC_LAST_LABEL = [[(^|\.)[0-9]+\z]]

local function normalize_name(name)
    if type(name) ~= "string" or #name == 0 or #name > 254 then
        return nil
    end
    name = str_lower(name)
    if str_sub(name, -1) == "." then
        name = str_sub(name, 1, -2)
    end
    if #name == 0 or #name > 253 then
        return nil
    end
    if not ngx.re.find(name, RE_HOST_NAME, "jo") or ngx.re.find(name, RE_NUMERIC_LAST_LABEL, "jo") then
        return nil
    end
    return name
end
_M.normalize_name = normalize_name

-- URLs ---------------------------------------------------------------------------------------------

-- Whether a URL's host is this machine: only then may secrets travel in clear text.
local function is_loopback(host)
    return host == "localhost" or host == "::1" or host == "0:0:0:0:0:0:0:1"
        or ngx.re.find(host, [[^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\z]], "jo") ~= nil
end

local function is_ip_address(host)
    return str_find(host, ":", 1, true) ~= nil or ngx.re.find(host, [[^[0-9.]+\z]], "jo") ~= nil
end

local function parse_url(url, what)
    -- scheme://[userinfo@]host[:port][/path][?query]
    local m = ngx.re.match(url, [=[^([a-z]+)://(?:([^@/]*)@)?(\[[^\]]+\]|[^:/?]*)(?::(\d+))?([^?]*)(?:\?(.*))?$]=], "jo")
    if not m then
        return nil, what .. ": cannot parse URL " .. url
    end
    local host = m[3]
    if str_sub(host, 1, 1) == "[" then
        host = str_sub(host, 2, -2)
    end
    return {
        scheme = m[1],
        userinfo = m[2] or false,
        host = host,
        port = m[4] and tonumber(m[4]) or false,
        path = m[5] or "",
        query = m[6] or "",
    }
end

local function parse_redis_url(url)
    local u, err = parse_url(url, "redis_url")
    if not u then
        return nil, err
    end
    local r = { ssl = false, db = 0, username = false, password = false }
    if u.scheme == "unix" then
        -- unix:///path/to/redis.sock?db=9
        r.socket = "unix:" .. u.path
        local db = ngx.re.match(u.query, [[(?:^|&)db=(\d+)]], "jo")
        r.db = db and tonumber(db[1]) or 0
    elseif u.scheme == "redis" or u.scheme == "rediss" then
        r.ssl = u.scheme == "rediss"
        r.host = u.host ~= "" and u.host or "127.0.0.1"
        r.port = u.port or 6379
        local db = ngx.re.match(u.path, [[^/(\d+)/?$]], "jo")
        if db then
            r.db = tonumber(db[1])
        elseif u.path ~= "" and u.path ~= "/" then
            return nil, "redis_url: the path must be the database number, got " .. u.path
        end
    else
        return nil, "redis_url: scheme must be redis, rediss or unix, got " .. u.scheme
    end
    if u.userinfo then
        local user, password = u.userinfo:match("^([^:]*):(.*)$")
        if user then
            r.username = user ~= "" and ngx.unescape_uri(user) or false
            r.password = ngx.unescape_uri(password)
        else
            r.password = ngx.unescape_uri(u.userinfo)
        end
    end
    r.pool = str_format("peter_sslers_edge:redis:%s:%s:%d", r.socket or r.host, r.port or "", r.db)
    r.loopback = r.socket ~= nil or is_loopback(r.host)
    return r
end

local function parse_fallback_url(url)
    local u, err = parse_url(url, "fallback_url")
    if not u then
        return nil, err
    end
    if u.scheme ~= "http" and u.scheme ~= "https" then
        return nil, "fallback_url: scheme must be http or https, got " .. u.scheme
    end
    if u.host == "" then
        return nil, "fallback_url: no host in " .. url
    end
    if u.userinfo then
        -- they used to be dropped silently (and the URL echoed by status): say where they go instead
        return nil, "fallback_url: no user or password in the URL; use fallback_userpass (FALLBACK_USERPASS)"
    end
    local default_port = u.scheme == "https" and 443 or 80
    local port = u.port or default_port
    local host_header = u.host
    if str_find(host_header, ":", 1, true) then
        host_header = "[" .. host_header .. "]"
    end
    if port ~= default_port then
        host_header = host_header .. ":" .. port
    end
    return {
        ssl = u.scheme == "https",
        host = u.host,
        port = port,
        root = (u.path:gsub("/+$", "")),
        host_header = host_header,
        loopback = is_loopback(u.host),
    }
end

-- Configuration ------------------------------------------------------------------------------------

--- Set the module's configuration; call it once from init_by_lua_block.
-- Raises on an unknown option or a bad value, so nginx refuses to start with a broken config.
-- A list of names (a comma-separated string or a Lua list), each normalized; false for none.
local function parse_suffixes(list, key)
    if not list then
        return false
    end
    if type(list) == "string" then
        local items = {}
        for item in list:gmatch("[^,%s]+") do
            items[#items + 1] = item
        end
        list = items
    end
    if type(list) ~= "table" then
        error("peter_sslers_edge: " .. key .. " must be a comma-separated string or a list of names", 3)
    end
    local suffixes = {}
    for _, item in ipairs(list) do
        local suffix = normalize_name(item)
        if not suffix or str_sub(suffix, 1, 1) == "*" then
            error("peter_sslers_edge: " .. key .. ": " .. tostring(item) .. " is not a host name", 3)
        end
        suffixes[#suffixes + 1] = suffix
    end
    return #suffixes > 0 and suffixes or false
end

function _M.configure(options)
    local c = {}
    for key, value in pairs(DEFAULTS) do
        c[key] = value
    end
    for key, value in pairs(options or {}) do
        if DEFAULTS[key] == nil then
            error("peter_sslers_edge: unknown option " .. tostring(key), 2)
        end
        if value == "" then
            value = false -- a rendered template turns a source off with an empty string
        end
        c[key] = value
    end
    for _, key in ipairs(BOOLEANS) do
        local value = c[key]
        if value == "1" or value == "true" then
            c[key] = true
        elseif value == "0" or value == "false" then
            c[key] = false
        elseif type(value) ~= "boolean" then
            error("peter_sslers_edge: " .. key .. " must be true or false (or \"1\" / \"0\")", 2)
        end
    end
    c.redis_prime_style = tonumber(c.redis_prime_style) or c.redis_prime_style
    for _, key in ipairs({ "cache_ttl", "negative_ttl", "worker_cache_size", "redis_timeout_ms", "redis_keepalive_ms",
                           "redis_pool_size", "fallback_timeout_ms", "fallback_max_body", "fallback_queue_ms",
                           "fallback_per_second", "autocert_timeout_ms" }) do
        if type(c[key]) ~= "number" or c[key] < 0 then
            error("peter_sslers_edge: " .. key .. " must be a number >= 0", 2)
        end
    end
    if type(c.fallback_concurrency) ~= "number" or c.fallback_concurrency < 1 then
        error("peter_sslers_edge: fallback_concurrency must be a number >= 1", 2)
    end
    c.lookup_suffixes = parse_suffixes(c.lookup_suffixes, "lookup_suffixes")
    c.autocert_suffixes = parse_suffixes(c.autocert_suffixes, "autocert_suffixes")
    local style = c.redis_prime_style
    if style == "any" then
        error("peter_sslers_edge: redis_prime_style must be 1 or 2, the style peter_sslers primes; \"any\" served"
              .. " keys left over from the other style (an old d1: hid a renewal primed into d2:)", 2)
    end
    if style ~= 1 and style ~= 2 then
        error("peter_sslers_edge: redis_prime_style must be 1 or 2 (peter_sslers' redis.prime_style)", 2)
    end
    for _, key in ipairs({ "cache_dict", "negative_dict" }) do
        if not ngx.shared[c[key]] then
            error("peter_sslers_edge: no `lua_shared_dict " .. tostring(c[key]) .. " <size>;` in the http block ("
                  .. key .. ")", 2)
        end
    end
    if c.negative_dict == c.cache_dict then
        -- one LRU for both let a flood of misses (random SNI names) evict real certificates
        error("peter_sslers_edge: negative_dict must be a lua_shared_dict of its own, not cache_dict", 2)
    end
    local err
    if c.redis_url then
        c.redis, err = parse_redis_url(c.redis_url)
        if not c.redis then
            error("peter_sslers_edge: " .. err, 2)
        end
        c.redis.server_name = c.redis_server_name or c.redis.host
        if not c.redis.ssl and not c.redis.loopback then
            ngx_log(WARN, "peter_sslers_edge: redis_url ", c.redis.host, " is plain redis:// to another host:"
                    .. " certificates and private keys cross the network in clear text (rediss:// encrypts)")
        end
    end
    if c.fallback_url then
        c.fallback, err = parse_fallback_url(c.fallback_url)
        if not c.fallback then
            error("peter_sslers_edge: " .. err, 2)
        end
        if not c.fallback.ssl and not c.fallback.loopback then
            local why = "fallback_url " .. c.fallback_url .. " is plain http to " .. c.fallback.host .. ", not"
                .. " loopback: peter_sslers' answers carry private keys in clear text across the network, and its"
                .. " admin must then be reachable from it unauthenticated (basic auth over http is clear text too)."
                .. " Use https (with fallback_userpass), or peter_sslers on loopback"
            if not c.allow_insecure_fallback then
                error("peter_sslers_edge: " .. why .. ", or set allow_insecure_fallback"
                      .. " (ALLOW_INSECURE_FALLBACK=1) to accept the risk", 2)
            end
            ngx_log(WARN, "peter_sslers_edge: ", why, " (allowed by allow_insecure_fallback)")
        end
        c.fallback.server_name = c.fallback_server_name or c.fallback.host
        if c.fallback_host_header then
            c.fallback.host_header = c.fallback_host_header
        end
        if c.fallback_userpass then
            c.fallback.authorization = "Basic " .. ngx.encode_base64(c.fallback_userpass)
        end
    end
    if c.autocert and not c.fallback then
        error("peter_sslers_edge: autocert needs fallback_url (peter_sslers' admin root, where it asks)", 2)
    end
    conf = c
    worker_cache = nil
    fallback_slots = nil
    return c
end

local function get_worker_cache()
    if not worker_cache then
        worker_cache = assert(lrucache.new(conf.worker_cache_size > 0 and conf.worker_cache_size or 1))
    end
    return worker_cache
end

-- Redis: a minimal RESP2 client over cosockets -------------------------------------------------

local function resp_command(args)
    local out = { "*", #args, "\r\n" }
    for _, arg in ipairs(args) do
        arg = tostring(arg)
        out[#out + 1] = "$"
        out[#out + 1] = #arg
        out[#out + 1] = "\r\n"
        out[#out + 1] = arg
        out[#out + 1] = "\r\n"
    end
    return concat(out)
end

-- Read one reply. Returns value (string, number, table, ngx.null) or nil + error; a Redis error
-- reply is returned as { err = "..." }.
local function resp_read(sock)
    local line, err = sock:receive("*l")
    if not line then
        return nil, "redis read: " .. tostring(err)
    end
    local prefix, rest = str_sub(line, 1, 1), str_sub(line, 2)
    if prefix == "+" then
        return rest
    elseif prefix == "-" then
        return { err = rest }
    elseif prefix == ":" then
        return tonumber(rest)
    elseif prefix == "$" then
        local size = tonumber(rest)
        if not size or size < 0 then
            return null
        end
        local data, rerr = sock:receive(size + 2)
        if not data then
            return nil, "redis read: " .. tostring(rerr)
        end
        return str_sub(data, 1, size)
    elseif prefix == "*" then
        local count = tonumber(rest)
        if not count or count < 0 then
            return null
        end
        local items = {}
        for i = 1, count do
            local item, ierr = resp_read(sock)
            if item == nil then
                return nil, ierr
            end
            items[i] = item
        end
        return items
    end
    return nil, "redis read: unexpected reply " .. line
end

-- Send every command in one write and read every reply (a pipeline).
local function redis_pipeline(sock, commands)
    local buffer = {}
    for i, args in ipairs(commands) do
        buffer[i] = resp_command(args)
    end
    local ok, err = sock:send(concat(buffer))
    if not ok then
        return nil, "redis send: " .. tostring(err)
    end
    local replies = {}
    for i = 1, #commands do
        local reply, rerr = resp_read(sock)
        if reply == nil then
            return nil, rerr
        end
        replies[i] = reply
    end
    return replies
end

-- A TLS handshake's error, with what to do when the name checked is an IP address: nginx matches a
-- certificate against DNS names only, never against an address.
local function tls_error(err, server_name, option)
    err = tostring(err)
    if is_ip_address(server_name) and (str_find(err, "host mismatch", 1, true) or str_find(err, "logged why", 1, true)) then
        err = err .. " (if the certificate does not match host " .. server_name .. ": nginx cannot match a"
            .. " certificate to an address; set " .. option .. " to a DNS name the certificate carries)"
    end
    return err
end

-- sock:sslhandshake(), made safe. With lua-resty-core 0.1.25 and lua-nginx-module 0.10.23 (Debian 12),
-- a handshake that completes at once but fails verification is mishandled: asked for no session
-- (`false`) it returns true, as if verified; asked for one (`nil`) it raises "assertion failed".
-- So a session is asked for and a raised error is a failed handshake (nginx has logged the reason:
-- "lua ssl certificate verify error: ...").
local function tls_handshake(sock, server_name, verify)
    local ok, session, err = pcall(sock.sslhandshake, sock, nil, server_name, verify)
    if not ok then
        return nil, "handshake failed (" .. tostring(session) .. "); nginx logged why just before"
    end
    return session, err
end

local function redis_connect()
    local r = conf.redis
    local sock = tcp()
    sock:settimeouts(conf.redis_timeout_ms, conf.redis_timeout_ms, conf.redis_timeout_ms)
    local ok, err
    if r.socket then
        ok, err = sock:connect(r.socket, { pool = r.pool })
    else
        ok, err = sock:connect(r.host, r.port, { pool = r.pool })
    end
    if not ok then
        return nil, "redis connect: " .. tostring(err)
    end
    -- A pooled connection has already been authenticated and has the right database selected
    -- (the pool's name includes the database, so no connection ever serves two of them).
    if sock:getreusedtimes() == 0 then
        if r.ssl then
            local session, serr = tls_handshake(sock, r.server_name, conf.redis_ssl_verify)
            if not session then
                sock:close()
                return nil, "redis TLS: " .. tls_error(serr, r.server_name, "redis_server_name (REDIS_SERVER_NAME)")
            end
        end
        local setup = {}
        if r.password then
            setup[#setup + 1] = r.username and { "AUTH", r.username, r.password } or { "AUTH", r.password }
        end
        if r.db ~= 0 then
            setup[#setup + 1] = { "SELECT", r.db }
        end
        if #setup > 0 then
            local replies, perr = redis_pipeline(sock, setup)
            if not replies then
                sock:close()
                return nil, perr
            end
            for i, reply in ipairs(replies) do
                if type(reply) == "table" and reply.err then
                    sock:close()
                    return nil, "redis " .. setup[i][1] .. ": " .. reply.err
                end
            end
        end
    end
    return sock
end

local function is_str(value)
    return type(value) == "string" and value ~= ""
end

-- Look a name up in Redis. Returns fullchain, key; or nil (not there); or nil, error.
local function redis_lookup(name)
    local sock, err = redis_connect()
    if not sock then
        return nil, err
    end
    local style = conf.redis_prime_style
    local commands = {}
    if style == 1 or style == "any" then
        commands[#commands + 1] = { "HMGET", "d1:" .. name, "c", "p", "i" }
    end
    if style == 2 or style == "any" then
        commands[#commands + 1] = { "HMGET", "d2:" .. name, "f", "p" }
    end
    local replies
    replies, err = redis_pipeline(sock, commands)
    if not replies then
        sock:close()
        return nil, err
    end
    local fullchain, key
    for i, reply in ipairs(replies) do
        if type(reply) ~= "table" or reply.err then
            sock:close()
            return nil, "redis HMGET: " .. tostring(type(reply) == "table" and reply.err or reply)
        end
        local kind = commands[i][2]:sub(1, 2)
        if kind == "d1" and is_str(reply[1]) and is_str(reply[2]) then
            -- style 1: the hash holds ids; the PEMs are shared between domains
            local reads = { { "GET", "c:" .. reply[1] }, { "GET", "p:" .. reply[2] } }
            local has_chain = is_str(reply[3])
            if has_chain then
                reads[3] = { "GET", "i:" .. reply[3] }
            end
            local pems, perr = redis_pipeline(sock, reads)
            if not pems then
                sock:close()
                return nil, perr
            end
            -- Every value the hash names must be there: a chain id without its `i:` value (its TTL,
            -- redis.timeout.certca, ran out) is a miss too, never the leaf sent alone.
            if is_str(pems[1]) and is_str(pems[2]) and (not has_chain or is_str(pems[3])) then
                fullchain = pems[1]
                if has_chain then
                    fullchain = fullchain .. "\n" .. pems[3]
                end
                key = pems[2]
                break
            end
            -- ids without their PEMs (a TTL ran out): a miss, the lookup goes on to peter_sslers
            local missing = {}
            for i, read in ipairs(reads) do
                if not is_str(pems[i]) then
                    missing[#missing + 1] = read[2]
                end
            end
            ngx_log(WARN, "peter_sslers_edge: d1:", name, " names values that are not in Redis: ",
                    concat(missing, ", "))
        elseif kind == "d2" and is_str(reply[1]) and is_str(reply[2]) then
            fullchain, key = reply[1], reply[2]
            break
        end
    end
    sock:setkeepalive(conf.redis_keepalive_ms, conf.redis_pool_size)
    if fullchain then
        return fullchain, key
    end
    return nil
end

-- The HTTP fallback: a minimal HTTP/1.1 GET over cosockets ------------------------------------------

local function read_body(sock, headers)
    local max = conf.fallback_max_body
    if headers["transfer-encoding"] and str_find(str_lower(headers["transfer-encoding"]), "chunked", 1, true) then
        local parts, total = {}, 0
        while true do
            local line, err = sock:receive("*l")
            if not line then
                return nil, "chunk size: " .. tostring(err)
            end
            local size = tonumber((line:match("^%s*(%x+)")), 16)
            if not size then
                return nil, "bad chunk size line " .. line
            end
            if size == 0 then
                break -- trailers, if any, are left unread: the connection is closed anyway
            end
            total = total + size
            if total > max then
                return nil, "answer larger than fallback_max_body"
            end
            local data, derr = sock:receive(size + 2)
            if not data then
                return nil, "chunk: " .. tostring(derr)
            end
            parts[#parts + 1] = str_sub(data, 1, size)
        end
        return concat(parts)
    end
    local length = tonumber(headers["content-length"])
    if length then
        if length > max then
            return nil, "answer larger than fallback_max_body"
        end
        local data, err = sock:receive(length)
        if not data then
            return nil, "body: " .. tostring(err)
        end
        return data
    end
    -- no length: the body ends with the connection (we sent Connection: close)
    local data, err, partial = sock:receive("*a")
    data = data or partial
    if not data then
        return nil, "body: " .. tostring(err)
    end
    if #data > max then
        return nil, "answer larger than fallback_max_body"
    end
    return data
end

-- A GET of `path` (a POST of the urlencoded `form` when given) to peter_sslers; the read time-out
-- `timeout_ms` (default fallback_timeout_ms). Returns status, body, headers; or nil, error.
local function http_request(path, form, timeout_ms)
    local f = conf.fallback
    local sock = tcp()
    sock:settimeouts(conf.fallback_timeout_ms, conf.fallback_timeout_ms, timeout_ms or conf.fallback_timeout_ms)
    local ok, err = sock:connect(f.host, f.port)
    if not ok then
        return nil, "connect " .. f.host .. ":" .. f.port .. ": " .. tostring(err)
    end
    if f.ssl then
        local session, serr = tls_handshake(sock, f.server_name, conf.fallback_ssl_verify)
        if not session then
            sock:close()
            return nil, "TLS: " .. tls_error(serr, f.server_name, "fallback_server_name (FALLBACK_SERVER_NAME)")
        end
    end
    local request = {
        form and "POST " or "GET ", path, " HTTP/1.1\r\n",
        "Host: ", f.host_header, "\r\n",
        "User-Agent: peter_sslers_edge/", _M.VERSION, "\r\n",
        "Accept: application/json\r\n",
        "Connection: close\r\n",
    }
    if f.authorization then
        request[#request + 1] = "Authorization: " .. f.authorization .. "\r\n"
    end
    if form then
        request[#request + 1] = "Content-Type: application/x-www-form-urlencoded\r\n"
        request[#request + 1] = "Content-Length: " .. #form .. "\r\n"
    end
    request[#request + 1] = "\r\n"
    if form then
        request[#request + 1] = form
    end
    ok, err = sock:send(concat(request))
    if not ok then
        sock:close()
        return nil, "send: " .. tostring(err)
    end
    local status_line
    status_line, err = sock:receive("*l")
    if not status_line then
        sock:close()
        return nil, "status line: " .. tostring(err)
    end
    local status = tonumber(status_line:match("^HTTP/1%.[01] (%d%d%d)"))
    if not status then
        sock:close()
        return nil, "bad status line " .. status_line
    end
    local headers = {}
    while true do
        local line, herr = sock:receive("*l")
        if not line then
            sock:close()
            return nil, "headers: " .. tostring(herr)
        end
        if line == "" then
            break
        end
        local hname, value = line:match("^([^:]+):%s*(.-)%s*$")
        if hname then
            headers[str_lower(hname)] = value
        end
    end
    local body
    body, err = read_body(sock, headers)
    sock:close()
    if not body then
        return nil, err
    end
    return status, body, headers
end

-- Which certificate of a domain's config.json payload to serve ----------------------------------

local FIELD_MULTI = "certificate_signed__latest_multi"
local FIELD_SINGLE = "certificate_signed__latest_single"

-- Days from 1970-01-01 to a proleptic Gregorian date (no os.time(): it works in local time).
local function days_from_civil(y, m, d)
    if m <= 2 then
        y = y - 1
    end
    local era = math.floor(y / 400)
    local yoe = y - era * 400
    local mp = (m + 9) % 12
    local doy = math.floor((153 * mp + 2) / 5) + d - 1
    local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
    return era * 146097 + doe - 719468
end

-- An ISO 8601 time as peter_sslers writes it ("2025-06-01T12:00:00+00:00", fractions, "Z" and other
-- offsets accepted; no offset is UTC) in seconds since the epoch; or nil.
local function parse_timestamp(value)
    if type(value) == "number" then
        return value
    end
    if type(value) ~= "string" then
        return nil
    end
    local m = ngx.re.match(value,
        [[^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|z|([+-])(\d\d):?(\d\d))?\z]], "jo")
    if not m then
        return nil
    end
    local t = days_from_civil(tonumber(m[1]), tonumber(m[2]), tonumber(m[3])) * 86400
        + tonumber(m[4]) * 3600 + tonumber(m[5]) * 60 + tonumber(m[6])
    if m[7] then
        -- local time = UTC + offset
        local offset = tonumber(m[8]) * 3600 + tonumber(m[9]) * 60
        t = m[7] == "+" and t - offset or t + offset
    end
    return t
end
_M.parse_timestamp = parse_timestamp

-- The PEMs of one certificate of the payload; or nil.
local function certificate_pems(cert)
    if type(cert) == "table" and type(cert.fullchain) == "table" and type(cert.private_key) == "table"
            and is_str(cert.fullchain.pem) and is_str(cert.private_key.pem) then
        return cert.fullchain.pem, cert.private_key.pem
    end
    return nil
end

-- Whether a certificate of the payload says it has expired (its `timestamp_not_after` is past).
-- A payload without the field (an older peter_sslers) or with one that does not parse: not known
-- to be expired (the latter logged).
local function is_expired(cert, field)
    local not_after = cert.timestamp_not_after
    if not_after == nil or not_after == null then
        return false
    end
    local t = parse_timestamp(not_after)
    if not t then
        ngx_log(WARN, "peter_sslers_edge: ", field, ".timestamp_not_after is not an ISO 8601 time: ",
                tostring(not_after))
        return false
    end
    return t <= ngx.time()
end

-- Which certificate of a domain's config.json payload to serve. Returns fullchain, key; or nil (none
-- to serve); or nil, error.
--
-- peter_sslers names it in `serve` ("certificate_signed__latest_multi", "..._single", or null for
-- none): it chooses by validity (an unexpired multi-domain certificate, else an unexpired single one,
-- else whichever expires last), the same rule its Redis priming follows. An older peter_sslers sends
-- no `serve`: then the multi-domain certificate if there is one, else the single one, as before,
-- except that a certificate whose `timestamp_not_after` (when present) is past is skipped.
local function pick_from_payload(payload)
    local serve = payload.serve
    if serve == null then
        return nil -- peter_sslers has nothing to serve for this domain
    end
    if serve ~= nil then
        if serve ~= FIELD_MULTI and serve ~= FIELD_SINGLE then
            return nil, "serve names " .. tostring(serve) .. ", not " .. FIELD_MULTI .. " or " .. FIELD_SINGLE
        end
        local fullchain, key = certificate_pems(payload[serve])
        if not fullchain then
            return nil, "serve names " .. serve .. ", which has no fullchain and private key PEMs"
        end
        return fullchain, key
    end
    for _, field in ipairs({ FIELD_MULTI, FIELD_SINGLE }) do
        local cert = payload[field]
        local fullchain, key = certificate_pems(cert)
        if fullchain and not is_expired(cert, field) then
            return fullchain, key
        end
    end
    return nil
end

-- The certificate to serve from a config.json-shaped answer about `name` (the fallback's and
-- autocert's): fullchain, key; or nil (none to serve); or nil, error (`what`: the request, for it).
local function pems_for(payload, name, what)
    -- the answer must be about the name asked for (not, say, a Domain found by id)
    local domain = payload.domain
    local domain_name = type(domain) == "table" and domain.domain_name or nil
    if domain_name ~= name then
        return nil, what .. ": the answer is about domain " .. tostring(domain_name) .. ", not " .. name
    end
    local fullchain, key = pick_from_payload(payload)
    if not fullchain and key then
        return nil, what .. ": " .. key
    end
    return fullchain, key
end

-- Whether a 404 is peter_sslers saying "no such domain": its X-Peter-SSLers header (on every one of
-- its answers) and its JSON error envelope. Any other 404 means fallback_url points at something
-- else (a wrong admin prefix behind a proxy, another server): an error to log, not a quiet miss.
local function is_peter_sslers_not_found(headers, body)
    if not headers["x-peter-sslers"] then
        return false
    end
    local payload = cjson.decode(body)
    return type(payload) == "table" and payload.result == "error"
end

-- Ask peter_sslers. Returns fullchain, key; or nil (it has none); or nil, error.
local function fallback_lookup(name)
    -- the name is already a plain host name (normalize_name); escaping it keeps the path a path
    local path = conf.fallback.root .. "/domain/" .. ngx.escape_uri(name) .. "/config.json?openresty=1"
    local status, body, headers = http_request(path)
    if not status then
        return nil, "fallback " .. path .. ": " .. tostring(body)
    end
    if status == 404 then
        if is_peter_sslers_not_found(headers, body) then
            return nil -- peter_sslers does not know the name
        end
        return nil, "fallback " .. path .. ": HTTP 404 that is not peter_sslers' (no X-Peter-SSLers header or"
            .. " JSON error body): does fallback_url point at peter_sslers' admin root?"
    end
    if status ~= 200 then
        return nil, "fallback " .. path .. ": HTTP " .. status
    end
    local payload, err = cjson.decode(body)
    if type(payload) ~= "table" then
        return nil, "fallback " .. path .. ": bad JSON: " .. tostring(err)
    end
    return pems_for(payload, name, "fallback " .. path)
end

-- Ask peter_sslers to order a certificate for the name now (POST /api/domain/autocert.json).
-- Returns fullchain, key; or nil (refused by its policy: logged, not an error); or nil, error.
local function autocert_lookup(name)
    local path = conf.fallback.root .. "/api/domain/autocert.json"
    local status, body, headers = http_request(path, "domain_name=" .. ngx.escape_uri(name), conf.autocert_timeout_ms)
    if not status then
        return nil, "autocert " .. path .. ": " .. tostring(body)
    end
    local payload = cjson.decode(body)
    if type(payload) ~= "table" then
        return nil, "autocert " .. path .. ": HTTP " .. status .. ", not JSON"
    end
    if status ~= 200 then
        local reason = tostring(payload.reason or payload.error or "")
        if headers["x-peter-sslers"] and (status == 400 or status == 403 or status == 409 or status == 429) then
            -- peter_sslers' policy said no (not allowed, blocklisted, its hourly allowance...)
            stat_incr("autocert_refused")
            ngx_log(INFO, "peter_sslers_edge: ", name, ": autocert refused (HTTP ", status, ", ", reason, "): ",
                    tostring(payload.error))
            return nil
        end
        return nil, "autocert " .. path .. ": HTTP " .. status .. " " .. reason .. ": " .. tostring(payload.error)
    end
    return pems_for(payload, name, "autocert " .. path)
end

-- The lookup chain --------------------------------------------------------------------------------

-- Whether `name` is one of `suffixes` or under one (true when there are none: false).
local function under_suffixes(name, suffixes)
    if not suffixes then
        return true
    end
    for _, suffix in ipairs(suffixes) do
        if name == suffix or (#name > #suffix and str_sub(name, -#suffix - 1) == "." .. suffix) then
            return true
        end
    end
    return false
end

-- Whether a name may be sent to autocert (autocert_suffixes, else every name looked up).
local function is_autocert_allowed(name)
    return under_suffixes(name, conf.autocert_suffixes)
end

-- Autocert for one name, once per nginx at a time: the first handshake asks peter_sslers (which makes
-- one order per name across every edge: its per-name lock); the others wait for that answer, then
-- read the shared cache. Returns fullchain, key; or nil; or nil, error.
local function autocert_find(name)
    local dict = ngx.shared[conf.cache_dict]
    local lock = "#autocert:" .. name
    local seconds = conf.autocert_timeout_ms / 1000
    if not dict:add(lock, true, seconds + 5) then
        stat_incr("autocert_waits")
        local deadline = ngx.now() + seconds
        while dict:get(lock) and ngx.now() < deadline do
            ngx.sleep(0.1)
        end
        local fullchain, key = dict:get(name .. ":c"), dict:get(name .. ":k")
        if fullchain and key then
            return fullchain, key
        end
        return nil
    end
    local ok, fullchain, key = pcall(autocert_lookup, name)
    if not ok then
        fullchain, key = nil, "autocert: " .. tostring(fullchain)
    end
    if fullchain then
        -- into the shared cache before the lock goes, for the handshakes waiting on it
        dict:set(name .. ":k", key, conf.cache_ttl)
        dict:set(name .. ":c", fullchain, conf.cache_ttl)
    end
    dict:delete(lock)
    return fullchain, key
end

-- Whether a name may be looked up at all (lookup_suffixes).
local function is_allowed(name)
    return under_suffixes(name, conf.lookup_suffixes)
end

-- Take a slot for one fallback request: within fallback_per_second (all workers: a counter per
-- second in the shared dict) and one of this worker's fallback_concurrency (waiting up to
-- fallback_queue_ms). Returns the semaphore to post() when done, or nil when there is no slot.
local function take_fallback_slot()
    if conf.fallback_per_second > 0 then
        local count = ngx.shared[conf.cache_dict]:incr("#fallback_second:" .. ngx.time(), 1, 0, 2)
        if count and count > conf.fallback_per_second then
            return nil
        end
    end
    if not fallback_slots then
        fallback_slots = assert(semaphore.new(conf.fallback_concurrency))
    end
    local ok = fallback_slots:wait(conf.fallback_queue_ms / 1000)
    if not ok then
        return nil
    end
    return fallback_slots
end

-- A remembered miss, in its own dict: a flood of misses only evicts older misses.
local function remember_miss(name)
    if conf.negative_ttl > 0 then
        ngx.shared[conf.negative_dict]:set(name, true, conf.negative_ttl)
    end
end

-- Returns fullchain, key, source ("cache", "redis", "fallback"); or nil when nobody has one (or
-- nobody could be asked now).
local function find(name)
    local dict = ngx.shared[conf.cache_dict]
    if ngx.shared[conf.negative_dict]:get(name) then
        stat_incr("misses_cached")
        return nil
    end
    local cached = dict:get(name .. ":c")
    if cached then
        local key = dict:get(name .. ":k")
        if key then
            stat_incr("hits")
            return cached, key, "cache"
        end
    end
    local fullchain, key, source, err
    if conf.redis then
        fullchain, key = redis_lookup(name)
        if fullchain then
            source = "redis"
        elseif key then -- an error message
            err = key
            key = nil
            stat_incr("errors")
            ngx_log(ERR, "peter_sslers_edge: ", err)
        end
    end
    if not fullchain and conf.fallback then
        local slot = take_fallback_slot()
        if not slot then
            -- too many requests to peter_sslers now: the default certificate, and no remembered miss
            -- (peter_sslers may well have one; the next handshake asks again)
            stat_incr("fallback_limited")
            ngx_log(INFO, "peter_sslers_edge: ", name, ": no fallback slot free (fallback_concurrency,"
                    .. " fallback_per_second)")
            return nil
        end
        local ok
        ok, fullchain, key = pcall(fallback_lookup, name)
        slot:post(1)
        if not ok then
            fullchain, key = nil, "fallback: " .. tostring(fullchain)
        end
        if fullchain then
            source = "fallback"
        elseif key then
            stat_incr("errors")
            ngx_log(ERR, "peter_sslers_edge: ", key)
            key = nil
        elseif conf.autocert and is_autocert_allowed(name) then
            -- peter_sslers answered (no error) that it has no certificate for the name: ask for one now
            fullchain, key = autocert_find(name)
            if fullchain then
                source = "autocert"
            elseif key then
                stat_incr("errors")
                ngx_log(ERR, "peter_sslers_edge: ", key)
                key = nil
            end
        end
    end
    if fullchain then
        stat_incr(source .. "_hits")
        -- the key first: a reader that sees `:c` finds `:k` too (barring eviction, which is a miss)
        dict:set(name .. ":k", key, conf.cache_ttl)
        dict:set(name .. ":c", fullchain, conf.cache_ttl)
        return fullchain, key, source
    end
    stat_incr("misses")
    remember_miss(name)
    return nil
end

-- The parsed certificate and key of these PEMs, from this worker's cache when it parsed exactly
-- these strings before.
local function parsed(name, fullchain, key_pem)
    local lru = get_worker_cache()
    local entry = lru:get(name)
    if entry and entry.fullchain == fullchain and entry.key_pem == key_pem then
        return entry.cert, entry.key
    end
    local cert, err = ssl.parse_pem_cert(fullchain)
    if not cert then
        return nil, "certificate: " .. tostring(err)
    end
    local key
    key, err = ssl.parse_pem_priv_key(key_pem)
    if not key then
        return nil, "private key: " .. tostring(err)
    end
    lru:set(name, { fullchain = fullchain, key_pem = key_pem, cert = cert, key = key })
    return cert, key
end

-- Drop a name's PEMs that turned out unusable (from the shared cache and this worker's parsed copy)
-- and remember a miss for negative_ttl.
local function forget(name)
    local dict = ngx.shared[conf.cache_dict]
    dict:delete(name .. ":c")
    dict:delete(name .. ":k")
    remember_miss(name)
    get_worker_cache():delete(name)
end

--- ssl_certificate_by_lua_block: serve the certificate of the SNI name, if anyone has one.
function _M.ssl_certificate()
    if not conf then
        ngx_log(ERR, "peter_sslers_edge: configure() was never called (init_by_lua_block)")
        return
    end
    local name = normalize_name(ssl.server_name())
    if not name then
        return -- no SNI, or not a host name: the default certificate
    end
    if not is_allowed(name) then
        stat_incr("not_allowed")
        return -- outside lookup_suffixes: nobody is asked
    end
    local fullchain, key_pem, source = find(name)
    if not fullchain then
        return
    end
    local cert, key = parsed(name, fullchain, key_pem)
    if not cert then
        -- unusable PEMs: say so, remember the miss briefly, serve the default certificate
        stat_incr("errors")
        ngx_log(ERR, "peter_sslers_edge: ", name, " (from ", source, "): ", key)
        forget(name)
        return
    end
    local ok, err = ssl.clear_certs()
    if ok then
        ok, err = ssl.set_cert(cert)
    end
    if ok then
        ok, err = ssl.set_priv_key(key)
    end
    if not ok then
        -- e.g. a key that does not belong to the certificate. This handshake is lost (the default
        -- certificate is already cleared), but the PEMs must not stay cached for cache_ttl: drop them
        -- and remember a miss for negative_ttl, so the next handshakes get the default certificate
        -- and then a fresh lookup.
        stat_incr("errors")
        ngx_log(ERR, "peter_sslers_edge: ", name, " (from ", source, "): setting the certificate failed: ", err)
        forget(name)
        return ngx.exit(ngx.ERROR)
    end
    ngx_log(INFO, "peter_sslers_edge: ", name, " served from ", source)
end

-- The expire and status endpoints --------------------------------------------------------------

local function respond(status, body)
    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["X-Peter-SSLers"] = _M.VERSION
    ngx.header["Cache-Control"] = "no-store"
    body.server = _M.SERVER
    body.server_version = _M.VERSION
    ngx.say(cjson.encode(body))
    return ngx.exit(status)
end

local function is_cache_key(key)
    local tail = str_sub(key, -2)
    return tail == ":c" or tail == ":k"
end

--- Delete every certificate and remembered miss from the shared cache (not the stats).
function _M.expire_all()
    local dict = ngx.shared[conf.cache_dict]
    local count = 0
    for _, key in ipairs(dict:get_keys(0)) do
        if is_cache_key(key) then
            dict:delete(key)
            count = count + 1
        end
    end
    ngx.shared[conf.negative_dict]:flush_all()
    get_worker_cache():flush_all()
    stat_incr("expired_all")
    return count
end

--- Delete one name's keys (`{name}:c`, `{name}:k`, its remembered miss). Returns the normalized name, or nil.
function _M.expire_domain(name)
    name = normalize_name(name)
    if not name then
        return nil
    end
    local dict = ngx.shared[conf.cache_dict]
    dict:delete(name .. ":c")
    dict:delete(name .. ":k")
    ngx.shared[conf.negative_dict]:delete(name)
    get_worker_cache():delete(name)
    stat_incr("expired_domain")
    return name
end

--- content_by_lua_block of `location ^~ {prefix}/`: answers `{prefix}/all` and `{prefix}/domain/{name}`.
-- The prefix is passed in by the config (stock nginx has no $location variable).
function _M.expire(prefix)
    if not conf then
        return respond(500, { result = "error", error = "peter_sslers_edge is not configured" })
    end
    prefix = (prefix or ""):gsub("/+$", "")
    local uri = ngx.var.uri
    if str_sub(uri, 1, #prefix + 1) ~= prefix .. "/" then
        return respond(404, { result = "error", error = "not an expire path" })
    end
    local rest = str_sub(uri, #prefix + 2)
    if rest == "all" then
        _M.expire_all()
        return respond(200, { result = "success", expired = "all" })
    end
    local raw = rest:match("^domain/([^/]+)$")
    if raw then
        local name = _M.expire_domain(raw)
        if not name then
            return respond(400, { result = "error", error = "invalid domain name", domain = raw })
        end
        return respond(200, { result = "success", expired = "domain", domain = name })
    end
    return respond(404, { result = "error", error = "use " .. prefix .. "/all or " .. prefix .. "/domain/{name}" })
end

--- content_by_lua_block of the status location: the configuration and the cache's statistics.
function _M.status()
    if not conf then
        return respond(500, { result = "error", error = "peter_sslers_edge is not configured" })
    end
    local dict = ngx.shared[conf.cache_dict]
    local negative = ngx.shared[conf.negative_dict]
    local certificates = 0
    for _, key in ipairs(dict:get_keys(0)) do
        if str_sub(key, -2) == ":c" then
            certificates = certificates + 1
        end
    end
    local misses = #negative:get_keys(0)
    local stats = {}
    for _, name in ipairs(STATS) do
        stats[name] = dict:get("#" .. name) or 0
    end
    local r = conf.redis
    return respond(200, {
        result = "success",
        config = {
            redis = r and str_format("%s db %d", r.socket or (r.host .. ":" .. r.port), r.db) or cjson.null,
            redis_prime_style = conf.redis_prime_style,
            redis_ssl_verify = conf.redis_ssl_verify,
            fallback = conf.fallback_url or cjson.null,
            fallback_ssl_verify = conf.fallback_ssl_verify,
            fallback_concurrency = conf.fallback_concurrency,
            fallback_queue_ms = conf.fallback_queue_ms,
            fallback_per_second = conf.fallback_per_second,
            lookup_suffixes = conf.lookup_suffixes or cjson.null,
            autocert = conf.autocert,
            autocert_suffixes = conf.autocert_suffixes or cjson.null,
            autocert_timeout_ms = conf.autocert_timeout_ms,
            cache_ttl = conf.cache_ttl,
            negative_ttl = conf.negative_ttl,
        },
        cache = {
            dict = conf.cache_dict,
            capacity = dict:capacity(),
            free_space = dict:free_space(),
            certificates = certificates,
            misses = misses,
            negative_dict = conf.negative_dict,
            negative_capacity = negative:capacity(),
            negative_free_space = negative:free_space(),
        },
        stats = stats,
    })
end

return _M
