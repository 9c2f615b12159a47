<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Object event ${OperationsObjectEvent.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:operations:object_log')}">Operations log: objects</a> / ${OperationsObjectEvent.id}</%block>
<% url = object_url(request, OperationsObjectEvent) %>

<h1>Object event ${OperationsObjectEvent.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>status</th><td>${OperationsObjectEvent.operations_object_event_status}</td></tr>
  <tr><th>object</th><td>
  % if url:
    <a href="${url}">${object_label(OperationsObjectEvent)}</a>
  % else:
    ${object_label(OperationsObjectEvent)}
  % endif
  </td></tr>
  <tr><th>operation</th><td><a href="${request.route_path('admin:operations:log:focus', id=OperationsEvent.id)}">${OperationsEvent.id}</a>
    ${OperationsEvent.operations_event_type}, ${m.timestamp(OperationsEvent.timestamp_event)}</td></tr>
</table>
