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
<table class="list">
  <thead><tr><th>id</th><th>domain</th><th>active</th><th>latest single</th><th>latest multi</th><th>created</th></tr></thead>
  <tbody>
  % for d in Domains:
    <tr>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.id)}">${d.id}</a></td>
      <td><a href="${request.route_path('admin:domain:focus', domain_identifier=d.domain_name)}">${d.domain_name}</a></td>
      <td>${m.boolean(d.is_active)}</td>
    % for c in (d.certificate_signed__latest_single, d.certificate_signed__latest_multi):
      <td>
      % if c is not None:
        <a href="${request.route_path('admin:certificate_signed:focus', id=c.id)}">${c.id}</a>, ends ${m.timestamp(c.timestamp_not_after)} (${c.expiring_days} days)
      % else:
        -
      % endif
      </td>
    % endfor
      <td>${m.timestamp(d.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No Domains${'' if which == 'all' else ' here'}.</p>
% endif
