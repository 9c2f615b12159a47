<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% a = AcmeDnsServerAccount %>
<%block name="title">acme-dns account ${AcmeDnsServerAccount.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_server_accounts')}">acme-dns accounts</a> / ${AcmeDnsServerAccount.id}</%block>

<h1>acme-dns account ${a.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domain</th><td><a href="${request.route_path('admin:domain:focus', domain_identifier=a.domain_id)}">${a.domain.domain_name}</a> (and <code>*.${a.domain.domain_name}</code>)</td></tr>
  <tr><th>server</th><td><a href="${request.route_path('admin:acme_dns_server:focus', id=a.acme_dns_server_id)}">${a.acme_dns_server_id}</a> <code>${a.acme_dns_server.root_url}</code></td></tr>
  <tr><th>active</th><td>${'yes' if a.is_active else 'no (not used for dns-01)'}
    % if a.is_active:
      ${m.form_action(request.route_path('admin:acme_dns_server_account:focus:mark', id=a.id), 'inactive', 'Deactivate')}
    % else:
      ${m.form_action(request.route_path('admin:acme_dns_server_account:focus:mark', id=a.id), 'active', 'Activate')}
    % endif
  </td></tr>
  <tr><th>origin</th><td>${'imported' if a.is_imported else 'registered here'}</td></tr>
  <tr><th>username</th><td><code>${a.username}</code></td></tr>
  <tr><th>password</th><td>
    % if show_password:
      <code>${a.password}</code>
    % else:
      <code>${a.password_sample}</code> <a href="${request.route_path('admin:acme_dns_server_account:focus', id=a.id, _query={'show_password': '1'})}">show</a>
    % endif
  </td></tr>
  <tr><th>fulldomain</th><td><code>${a.fulldomain}</code></td></tr>
  <tr><th>subdomain</th><td><code>${a.subdomain}</code></td></tr>
  <tr><th>allowfrom</th><td>${', '.join(a.allowfrom_list) or 'any address'}</td></tr>
  <tr><th>last TXT update</th><td>${m.timestamp(a.timestamp_last_update)}</td></tr>
  <tr><th>created</th><td>${m.timestamp(a.timestamp_created)}</td></tr>
</table>

<h2>The CNAME to create</h2>
<p>In the DNS zone of <code>${a.domain.domain_name}</code>, once:</p>
<pre>${a.cname_record}</pre>
<p><a class="button" href="${request.route_path('admin:acme_dns_server_account:focus:audit', id=a.id)}">Audit: is it in place?</a></p>

% if audit is not None:
<h2>Audit</h2>
<div class="alert ${'alert-success' if audit.ok else 'alert-error'}">${audit.message}</div>
<table class="kv">
  <tr><th>asked</th><td><code>${audit.name}</code> CNAME, at ${audit.resolver or "the system's resolver"}</td></tr>
  <tr><th>answer</th><td>${', '.join(audit.found) or '(no CNAME)'}</td></tr>
  <tr><th>expected</th><td><code>${audit.expected}</code></td></tr>
  % if not audit.ok:
  <tr><th>create</th><td><code>${audit.instruction}</code></td></tr>
  % endif
</table>
% endif
