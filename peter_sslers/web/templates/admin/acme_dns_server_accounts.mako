<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / ${page_title}</%block>

<%def name="accounts_table(accounts)">
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>server</th><th>CNAME target (fulldomain)</th><th>active</th><th>imported</th><th>last TXT update</th><th>created</th></tr></thead>
  <tbody>
  % for a in accounts:
    <tr>
      <td><a href="${request.route_path('admin:acme_dns_server_account:focus', id=a.id)}">${a.id}</a></td>
      <td>${a.domain.domain_name}</td>
      <td><a href="${request.route_path('admin:acme_dns_server:focus', id=a.acme_dns_server_id)}">${a.acme_dns_server_id}</a></td>
      <td><code>${a.fulldomain}</code></td>
      <td>${'yes' if a.is_active else 'no'}</td>
      <td>${'yes' if a.is_imported else 'no'}</td>
      <td>${m.timestamp(a.timestamp_last_update)}</td>
      <td>${m.timestamp(a.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>

<h1>${page_title} ${m.json_twin()}</h1>
${m.pagination(pagination)}
${accounts_table(items)}
