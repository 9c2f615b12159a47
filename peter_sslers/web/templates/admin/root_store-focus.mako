<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Root store ${RootStore.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:root_stores')}">Root stores</a> / ${RootStore.id}</%block>

<h1>${RootStore.name} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>source</th><td>${RootStore.source or '-'}</td></tr>
  <tr><th>recorded</th><td>${m.timestamp(RootStore.timestamp_created)}</td></tr>
</table>
<h2>Versions</h2>
<ul>
% for version in RootStore.root_store_versions:
  <li><a href="${request.route_path('admin:root_store_version:focus', id=version.id)}">${version.version_string}</a></li>
% endfor
</ul>
