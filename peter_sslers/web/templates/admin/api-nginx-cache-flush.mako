<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
## (pages pass `page_title`, never `title`: Mako's block named "title" would shadow it)
<%block name="title">nginx cache flush</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / nginx cache flush</%block>

<h1>nginx cache flush ${m.json_twin()}</h1>
% if not enabled:
<div class="alert alert-error">nginx is not enabled: set <code>enable_nginx = true</code> and
  <code>nginx.servers_pool</code> in the ini file. Nothing was done.</div>
% else:
<p>Flush the certificate cache of every server of <code>nginx.servers_pool</code>
  (<code>GET {server}${request.registry.app_settings.nginx_reset_path}/all</code> on each).</p>
<ul>
% for server in request.registry.app_settings.nginx_servers_pool:
  <li><code>${server}</code></li>
% endfor
</ul>
<form method="POST" action="${request.route_path('admin:api:nginx:cache_flush')}">${csrf_input()}<button type="submit">Flush every server's cache</button></form>
<p><a href="${request.route_path('admin:api:nginx:status|json')}">status of every server (.json)</a>
  · <a href="${request.route_path('admin:operations:nginx')}">nginx operations log</a></p>
% endif
% if error:
<div class="alert alert-error">${error}</div>
% endif
% if result is not None:
  % if result.ok:
<div class="alert alert-success">Done: every server flushed its cache.</div>
  % endif
<p>Logged as <a href="${request.route_path('admin:operations:log:focus', id=operations_event_id)}">operations event ${operations_event_id}</a>.</p>
${m.nginx_servers_table(result)}
% endif
