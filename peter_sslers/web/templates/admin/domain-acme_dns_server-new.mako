<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% d = Domain %>
<%block name="title">Register ${Domain.domain_name} with an acme-dns server</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / <a href="${request.route_path('admin:domain:focus', domain_identifier=Domain.id)}">${Domain.domain_name}</a> / acme-dns server / new</%block>

<h1>Register <code>${d.domain_name}</code> with an acme-dns server ${m.json_link(request.route_path('admin:domain:focus:acme_dns_server:new|json', domain_identifier=d.id))}</h1>
${m.form_errors(form_errors)}
% if AcmeDnsServers:
<form method="POST" action="${request.route_path('admin:domain:focus:acme_dns_server:new', domain_identifier=d.id)}">${csrf_input()}
  <label for="acme_dns_server_id">acme-dns server</label>${m.field_error(form_errors, 'acme_dns_server_id')}
  <select id="acme_dns_server_id" name="acme_dns_server_id">
  % for s in AcmeDnsServers:
    <option value="${s.id}" ${'selected' if form_values.get('acme_dns_server_id') == str(s.id) else ''}>${s.id}: ${s.root_url}${' (global default)' if s.is_global_default else ''}${' (inactive)' if not s.is_active else ''}</option>
  % endfor
  </select>
  <button type="submit">Register</button>
</form>
<p class="muted">The server is asked for a new account (<code>POST /register</code>); the next page shows the CNAME to
create. A domain has one active account per server: one that has it already is refused.</p>
% else:
<p>There is no acme-dns server yet: <a href="${request.route_path('admin:acme_dns_server:new')}">add one</a>.</p>
% endif
% if AcmeDnsServerAccounts:
<h2>Its acme-dns accounts</h2>
<ul>
% for a in AcmeDnsServerAccounts:
  <li><a href="${request.route_path('admin:acme_dns_server_account:focus', id=a.id)}">account ${a.id}</a> on server ${a.acme_dns_server_id}${'' if a.is_active else ' (inactive)'}</li>
% endfor
</ul>
% endif
