<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p>Which stored CA certificates a trust store trusts. Only the roots peter_sslers stores are recorded.</p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>name</th><th>versions</th></tr></thead>
  <tbody>
  % for store in items:
    <tr>
      <td><a href="${request.route_path('admin:root_store:focus', id=store.id)}">${store.id}</a></td>
      <td>${store.name}</td>
      <td>
      % for version in store.root_store_versions:
        <a href="${request.route_path('admin:root_store_version:focus', id=version.id)}">${version.version_string}</a>
      % endfor
      </td>
    </tr>
  % endfor
  </tbody>
</table>
