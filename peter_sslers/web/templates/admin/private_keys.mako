<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:private_key:new')}">Generate a key</a>
   <a class="button" href="${request.route_path('admin:private_key:upload')}">Upload a key</a></p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>technology</th><th>source</th><th>type</th><th>active</th><th>compromised</th><th>active certificates</th><th>created</th></tr></thead>
  <tbody>
  % for k in items:
    <tr>
      <td><a href="${request.route_path('admin:private_key:focus', id=k.id)}">${k.id}</a></td>
      <td>${k.key_technology}</td>
      <td>${k.private_key_source}</td>
      <td>${k.private_key_type}</td>
      <td>${m.boolean(k.is_active)}</td>
      <td>${m.boolean(bool(k.is_compromised))}</td>
      <td>${k.count_active_certificates}</td>
      <td>${m.timestamp(k.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
