<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">nginx operations</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:operations:log')}">Operations log</a> / nginx</%block>

<h1>nginx operations ${m.json_link(request.route_path('admin:operations:nginx_paginated|json', page=pagination.page))}</h1>
<p>Every cache flush and expiry sent to the nginx servers pool, with each server's outcome.
% if request.registry.app_settings.enable_nginx:
  <a href="${request.route_path('admin:api:nginx:cache_flush')}">Flush every server's cache</a>
  · <a href="${request.route_path('admin:api:nginx:status|json')}">status (.json)</a>
% else:
  <em>nginx is not enabled.</em>
% endif
</p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>event</th><th>result</th><th>domains</th><th>failed servers</th></tr></thead>
  <tbody>
  % for e in OperationsEvents:
    <% payload = e.event_payload_json %>
    <tr>
      <td><a href="${request.route_path('admin:operations:log:focus', id=e.id)}">${e.id}</a></td>
      <td>${m.timestamp(e.timestamp_event)}</td>
      <td>${'flush' if e.operations_event_type == 'operations__nginx_cache_flush' else 'expire'}</td>
      <td>
      % if payload.get('result') == 'success':
        <span class="badge ok">success</span>
      % else:
        <span class="badge bad">${payload.get('result', '?')}</span>
      % endif
      </td>
      <td>${', '.join(sorted(payload.get('domains', {}))) or 'all'}</td>
      <td>
      % for server, reason in sorted(payload.get('servers_failed', {}).items()):
        <div><code>${server}</code>: ${reason}</div>
      % endfor
      </td>
    </tr>
  % endfor
  </tbody>
</table>
