<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:unique_fqdn_set:new')}">New domain set</a></p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>domains</th><th>count</th><th>created</th></tr></thead>
  <tbody>
  % for s in items:
    <tr>
      <td><a href="${request.route_path('admin:unique_fqdn_set:focus', id=s.id)}">${s.id}</a></td>
      <td>${s.domain_names}</td>
      <td>${s.count_domains}</td>
      <td>${m.timestamp(s.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
