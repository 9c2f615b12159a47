<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Operations log: objects</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:operations:log')}">Operations log</a> / Objects</%block>

<h1>Operations log: objects ${m.json_twin()}</h1>
<p>What each operation did to each object, newest first. Also: <a href="${request.route_path('admin:operations:log')}">the operations</a>.</p>
${m.pagination(pagination)}
% if items:
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>status</th><th>object</th><th>operation</th></tr></thead>
  <tbody>
  % for o in items:
<% url = object_url(request, o) %>
    <tr>
      <td><a href="${request.route_path('admin:operations:object_log:focus', id=o.id)}">${o.id}</a></td>
      <td>${m.timestamp(o.operations_event.timestamp_event)}</td>
      <td>${o.operations_object_event_status}</td>
      <td>
      % if url:
        <a href="${url}">${object_label(o)}</a>
      % else:
        ${object_label(o)}
      % endif
      </td>
      <td><a href="${request.route_path('admin:operations:log:focus', id=o.operations_event_id)}">${o.operations_event_id}</a></td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>None.</p>
% endif
