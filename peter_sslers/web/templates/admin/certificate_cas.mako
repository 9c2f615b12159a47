<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:certificate_ca:upload_cert')}">Upload a CA certificate</a>
   <a href="${request.route_path('admin:certificate_ca_chains')}">CA chains</a>
   <a href="${request.route_path('admin:certificate_cas:preferred')}">Preferred CAs</a>
   <a href="${request.route_path('admin:root_stores')}">Root stores</a></p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>name</th><th>technology</th><th>trusted root</th><th>not after</th></tr></thead>
  <tbody>
  % for ca in items:
    <tr>
      <td><a href="${request.route_path('admin:certificate_ca:focus', id=ca.id)}">${ca.id}</a></td>
      <td>${ca.display_name}</td>
      <td>${ca.key_technology}</td>
      <td>${m.boolean(bool(ca.is_trusted_root))}</td>
      <td>${m.timestamp(ca.timestamp_not_after)}</td>
    </tr>
  % endfor
  </tbody>
</table>
