<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
  <a href="${request.route_path('admin:domains')}">all</a>
  <a href="${request.route_path('admin:domains:expiring')}">expiring</a>
  <a href="${request.route_path('admin:domains:challenged')}">challenged</a>
  <a href="${request.route_path('admin:domains:search')}">search</a>
  <a href="${request.route_path('admin:domains_blocklisted')}">blocklisted names</a>
  <a class="button" href="${request.route_path('admin:domain:new')}">Add a Domain</a>
</nav>
${m.pagination(pagination)}
% if Domains:
<%! from peter_sslers.lib.exports import served_certificate %>
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>active</th><th>serving certificate</th><th>days left</th><th>created</th></tr></thead>
  <tbody>
  % for d in Domains:
    <% c = served_certificate(d) %>
    <tr>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.id)}">${d.id}</a></td>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.domain_name)}">${m.domain_name(d.domain_name)}</a></td>
      <td>${m.boolean(d.is_active)}</td>
    % if c is not None:
      <td><a href="${request.route_path('admin:certificate_signed:focus', id=c.id)}">${c.id}</a>
        (${'single' if c.id == d.certificate_signed_id__latest_single else 'multi'}), ends ${m.timestamp(c.timestamp_not_after)}</td>
      <td>${m.days_left(c)}</td>
    % else:
      <td class="muted">none</td>
      <td></td>
    % endif
      <td>${m.timestamp(d.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No Domains${'' if which == 'all' else ' here'}.</p>
% endif
