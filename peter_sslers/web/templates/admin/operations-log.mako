<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Operations log</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / Operations log</%block>

<h1>Operations log ${m.json_link(request.route_path('admin:operations:log_paginated|json', page=pagination.page, _query=request.GET))}</h1>
<p>Also: <a href="${request.route_path('admin:operations:redis')}">Redis primes</a>,
   <a href="${request.route_path('admin:operations:object_log')}">the objects each operation touched</a>.</p>
<form method="GET" action="${request.route_path('admin:operations:log')}">
  <label for="event_type">Event type</label>
  <select id="event_type" name="event_type">
    <option value="">(all)</option>
  % for name in event_types:
    <option value="${name}" ${'selected' if name == event_type else ''}>${name}</option>
  % endfor
  </select>
  <button type="submit">Filter</button>
</form>
<p>Only some: <a href="${request.route_path('admin:operations:nginx')}">nginx cache flushes and expiries</a>.</p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>event</th><th>child of</th></tr></thead>
  <tbody>
  % for e in OperationsEvents:
    <tr>
      <td><a href="${request.route_path('admin:operations:log:focus', id=e.id)}">${e.id}</a></td>
      <td>${m.timestamp(e.timestamp_event)}</td>
      <td>${e.operations_event_type}</td>
      <td>
      % if e.operations_event_id__child_of:
        <a href="${request.route_path('admin:operations:log:focus', id=e.operations_event_id__child_of)}">${e.operations_event_id__child_of}</a>
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
