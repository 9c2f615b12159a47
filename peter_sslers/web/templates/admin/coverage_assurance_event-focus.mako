<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="c" file="/admin/coverage_assurance_event-macros.mako"/>
<% e = CoverageAssuranceEvent %>
<%block name="title">Coverage assurance event ${CoverageAssuranceEvent.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:coverage_assurance_events')}">Coverage</a> / ${CoverageAssuranceEvent.id}</%block>

<h1>Coverage assurance event ${e.id} ${m.json_twin()}</h1>
<table class="focus">
  <tr><th>id</th><td>${e.id}</td></tr>
  <tr><th>type</th><td>${e.coverage_assurance_event_type}</td></tr>
  <tr><th>message</th><td>${e.message}</td></tr>
  <tr><th>created</th><td>${m.timestamp(e.timestamp_created)}</td></tr>
  <tr><th>status</th><td>${e.coverage_assurance_event_status}</td></tr>
  <tr><th>resolution</th><td>${c.resolution(e)}</td></tr>
  <tr><th>resolved</th><td>${m.timestamp(e.timestamp_resolved)}</td></tr>
  <tr><th>domains</th><td>
  % if e.unique_fqdn_set_id:
    <a href="${request.route_path('admin:unique_fqdn_set:focus', id=e.unique_fqdn_set_id)}">${', '.join(e.domain_names)}</a>
  % endif
  </td></tr>
  <tr><th>about</th><td>${c.objects(e)}</td></tr>
  <tr><th>parent</th><td>
  % if e.coverage_assurance_event_id__parent:
    <a href="${request.route_path('admin:coverage_assurance_event:focus', id=e.coverage_assurance_event_id__parent)}">event ${e.coverage_assurance_event_id__parent}</a>
  % endif
  </td></tr>
</table>

<h2>Resolve</h2>
<form method="POST" action="${request.route_path('admin:coverage_assurance_event:focus:mark', id=e.id)}">${csrf_input()}
  <input type="hidden" name="action" value="resolution">
  % for option in valid_resolutions:
  <button type="submit" name="resolution" value="${option}">Mark ${option}</button>
  % endfor
</form>

% if children_count:
<h2>Children (${children_count}) <a href="${request.route_path('admin:coverage_assurance_event:focus:children', id=e.id)}">all</a></h2>
${c.table_events(children)}
% endif

<h2>Notifications</h2>
% if Notifications:
<table class="list">
  <thead><tr><th>id</th><th>channel</th><th>status</th><th>attempts</th><th>sent</th><th>last error</th></tr></thead>
  <tbody>
  % for n in Notifications:
    <tr><td>${n.id}</td><td>${n.notification_channel}</td><td>${n.notification_status}</td><td>${n.attempts}</td>
        <td>${m.timestamp(n.timestamp_sent)}</td><td>${n.last_error or ''}</td></tr>
  % endfor
  </tbody>
</table>
% else:
<p>None (no channel was configured, or this is a child event: its parent's notification lists it).</p>
% endif
