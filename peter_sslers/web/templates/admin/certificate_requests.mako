<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>domains</th><th>source</th><th>key</th><th>created</th></tr></thead>
  <tbody>
  % for r in items:
    <tr>
      <td><a href="${request.route_path('admin:certificate_request:focus', id=r.id)}">${r.id}</a></td>
      <td>${m.domain_names(r.unique_fqdn_set.domains_as_list)}</td>
      <td>${r.certificate_request_source}</td>
      <td>
      % if r.private_key_id is not None:
        <a href="${request.route_path('admin:private_key:focus', id=r.private_key_id)}">${r.private_key_id}</a>
      % endif
      </td>
      <td>${m.timestamp(r.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
