<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Operation ${OperationsEvent.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:operations:log')}">Operations log</a> / ${OperationsEvent.id}</%block>

<h1>Operation ${OperationsEvent.id} ${m.json_link(request.route_path('admin:operations:log:focus|json', id=OperationsEvent.id))}</h1>
<table class="kv">
  <tr><th>event</th><td>${OperationsEvent.operations_event_type}</td></tr>
  <tr><th>when</th><td>${m.timestamp(OperationsEvent.timestamp_event)}</td></tr>
  <tr><th>child of</th><td>
  % if OperationsEvent.operations_event_id__child_of:
    <a href="${request.route_path('admin:operations:log:focus', id=OperationsEvent.operations_event_id__child_of)}">${OperationsEvent.operations_event_id__child_of}</a>
  % else:
    -
  % endif
  </td></tr>
  <tr><th>payload</th><td><pre>${payload}</pre></td></tr>
</table>

<h2>Objects touched</h2>
% if OperationsObjectEvents:
<table class="list">
  <thead><tr><th>id</th><th>status</th><th>object</th></tr></thead>
  <tbody>
  % for o in OperationsObjectEvents:
    <tr><td>${o.id}</td><td>${o.operations_object_event_status}</td><td>${object_label(o)}</td></tr>
  % endfor
  </tbody>
</table>
% else:
<p class="muted">None.</p>
% endif

<h2>Child operations</h2>
% if children:
<ul>
  % for c in children:
  <li><a href="${request.route_path('admin:operations:log:focus', id=c.id)}">${c.id}</a> ${c.operations_event_type}</li>
  % endfor
</ul>
% else:
<p class="muted">None.</p>
% endif
