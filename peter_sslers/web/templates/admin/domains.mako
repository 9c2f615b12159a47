<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Domains</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / Domains</%block>

<h1>Domains ${m.json_link(request.route_path('admin:domains_paginated|json', page=pagination.page))}</h1>
<p><a class="button" href="${request.route_path('admin:domain:new')}">Add a Domain</a>
   <a href="${request.route_path('admin:domains_blocklisted')}">Blocklisted names</a></p>
${m.pagination(pagination)}
% if Domains:
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>active</th><th>created</th></tr></thead>
  <tbody>
  % for d in Domains:
    <tr>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.id)}">${d.id}</a></td>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.domain_name)}">${d.domain_name}</a></td>
      <td>${m.boolean(d.is_active)}</td>
      <td>${m.timestamp(d.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No Domains yet.</p>
% endif
