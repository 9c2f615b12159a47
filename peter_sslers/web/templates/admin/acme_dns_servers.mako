<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:acme_dns_server:new')}">Add an acme-dns server</a>
   <a href="${request.route_path('admin:acme_dns_server_accounts')}">All acme-dns accounts</a></p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>root URL</th><th>zone</th><th>active</th><th>global default</th><th>last healthy</th><th>created</th></tr></thead>
  <tbody>
  % for s in items:
    <tr>
      <td><a href="${request.route_path('admin:acme_dns_server:focus', id=s.id)}">${s.id}</a></td>
      <td><code>${s.root_url}</code></td>
      <td>${s.domain or ''}</td>
      <td>${m.boolean(s.is_active)}</td>
      <td>${m.boolean(bool(s.is_global_default))}</td>
      <td>${m.timestamp(s.timestamp_last_healthy)}</td>
      <td>${m.timestamp(s.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
