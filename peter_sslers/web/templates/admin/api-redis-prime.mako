<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p>Writes every active Domain's certificate, private key and chain into Redis, where OpenResty
(lua-resty-peter_sslers) looks them up by SNI, and removes what the database no longer serves.
The key layout is described in <code>docs/Redis.md</code>. Past primes:
<a href="${request.route_path('admin:operations:redis')}">operations log of Redis primes</a>.</p>

<table class="kv">
  <tr><th>Redis</th><td>${'enabled' if redis['enabled'] else 'disabled (enable_redis = false)'}</td></tr>
% if redis['server']:
  <tr><th>Server</th><td><code>${redis['server']}</code></td></tr>
% endif
% if redis['prime_style']:
  <tr><th>Prime style</th><td>${redis['prime_style']}</td></tr>
% endif
</table>

% if error:
<div class="alert alert-error">Nothing was primed: ${error}</div>
% endif

% if result is not None:
<div class="alert alert-success">Done: Redis primed (operations event
  <a href="${request.route_path('admin:operations:log:focus', id=result['operations_event']['id'])}">${result['operations_event']['id']}</a>).</div>
<table class="kv">
  <tr><th>Prime style</th><td>${result['prime_style']}</td></tr>
  % for kind in ('domain', 'cert', 'pkey', 'certcachain'):
  <tr><th>${kind} keys written</th><td>${result['operations_event']['total_primed'][kind]}</td></tr>
  % endfor
  % for kind in ('domain', 'cert', 'pkey', 'certcachain'):
  <tr><th>stale ${kind} keys removed</th><td>${result['removed'][kind]}</td></tr>
  % endfor
  % if result['skipped']:
  <tr><th>skipped (no chain)</th><td>${', '.join(result['skipped'])}</td></tr>
  % endif
</table>
% elif redis['enabled']:
<form method="POST" action="${request.path}">${csrf_input()}<button type="submit">Prime Redis now</button></form>
% else:
<p class="muted">Set <code>enable_redis = true</code>, <code>redis.url</code> and <code>redis.prime_style</code> in the ini file to prime Redis.</p>
% endif
