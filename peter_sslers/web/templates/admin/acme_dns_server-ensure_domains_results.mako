<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% s = AcmeDnsServer %>
<%block name="title">CNAMEs to create</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / <a href="${request.route_path('admin:acme_dns_server:focus', id=AcmeDnsServer.id)}">${AcmeDnsServer.id}</a> / CNAMEs</%block>

<h1>CNAMEs to create ${m.json_twin()}</h1>
<p>In each domain's DNS zone, create the record below once; dns-01 challenges are then answered by <code>${s.root_url}</code>.</p>
<table class="list">
  <thead><tr><th>domain</th><th>account</th><th>record to create</th></tr></thead>
  <tbody>
  % for a in AcmeDnsServerAccounts:
    <tr>
      <td>${a.domain.domain_name}</td>
      <td><a href="${request.route_path('admin:acme_dns_server_account:focus', id=a.id)}">${a.id}</a></td>
      <td><code>${a.cname_record}</code></td>
    </tr>
  % endfor
  </tbody>
</table>
