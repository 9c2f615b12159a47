<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="dns" file="/admin/acme_dns_server_accounts.mako"/>
<% s = AcmeDnsServer %>
<%block name="title">acme-dns server ${AcmeDnsServer.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / ${AcmeDnsServer.id}</%block>

<h1>acme-dns server ${s.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>root URL</th><td><code>${s.root_url}</code>
    <a href="${request.route_path('admin:acme_dns_server:focus:edit', id=s.id)}">edit</a></td></tr>
  <tr><th>zone of its fulldomains</th><td>${s.domain or '(learned from the first account)'}</td></tr>
  <tr><th>status</th><td>
    % if s.is_active:
      <span class="badge ok">active</span>
      ${m.form_action(request.route_path('admin:acme_dns_server:focus:mark', id=s.id), 'inactive', 'Deactivate')}
    % else:
      <span class="badge">inactive</span>
      ${m.form_action(request.route_path('admin:acme_dns_server:focus:mark', id=s.id), 'active', 'Activate')}
    % endif
  </td></tr>
  <tr><th>global default</th><td>${m.boolean(bool(s.is_global_default))}
    % if s.is_active and not s.is_global_default:
      ${m.form_action(request.route_path('admin:acme_dns_server:focus:mark', id=s.id), 'global_default', 'Make it the global default')}
    % endif
  </td></tr>
  <tr><th>health</th><td>last healthy: ${m.timestamp(s.timestamp_last_healthy) or 'never checked'}
    <form class="inline" method="POST" action="${request.route_path('admin:acme_dns_server:focus:check', id=s.id)}">${csrf_input()}<button type="submit">Check /health now</button></form>
  </td></tr>
  <tr><th>created</th><td>${m.timestamp(s.timestamp_created)}</td></tr>
</table>

<p><a class="button" href="${request.route_path('admin:acme_dns_server:focus:ensure_domains', id=s.id)}">Register accounts for domains</a>
   <a class="button" href="${request.route_path('admin:acme_dns_server:focus:import_domain', id=s.id)}">Import existing credentials</a></p>

<h2>Newest accounts <a href="${request.route_path('admin:acme_dns_server:focus:acme_dns_server_accounts', id=s.id)}">(all)</a></h2>
${dns.accounts_table(AcmeDnsServerAccounts)}
