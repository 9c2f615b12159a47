<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_challenges')}">ACME challenges</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>challenge</th><th>remote address</th></tr></thead>
  <tbody>
  % for p in items:
    <tr>
      <td>${p.id}</td>
      <td>${m.timestamp(p.timestamp_polled)}</td>
      <td><a href="${request.route_path('admin:acme_challenge:focus', id=p.acme_challenge_id)}">${p.acme_challenge_id}</a></td>
      <td>${p.remote_ip_address.remote_ip_address}</td>
    </tr>
  % endfor
  </tbody>
</table>
