<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:coverage_assurance_events')}">Coverage</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p>Channels configured: ${', '.join(channels) or 'none (set notify_webhook_url or notify_email_to)'}.
   Pending: ${count_pending}.
   <a class="button" href="${request.route_path('admin:api:notifications:deliver')}">Send what is due</a></p>
${m.pagination(pagination)}
% if items:
<table class="list">
  <thead><tr><th>id</th><th>created</th><th>channel</th><th>status</th><th>attempts</th><th>next attempt</th><th>sent</th><th>event</th><th>last error</th></tr></thead>
  <tbody>
  % for n in items:
    <tr>
      <td>${n.id}</td>
      <td>${m.timestamp(n.timestamp_created)}</td>
      <td>${n.notification_channel}</td>
      <td>${n.notification_status}</td>
      <td>${n.attempts}</td>
      <td>${m.timestamp(n.timestamp_next_attempt) if n.notification_status == 'pending' else ''}</td>
      <td>${m.timestamp(n.timestamp_sent)}</td>
      <td>
      % if n.coverage_assurance_event_id:
        <a href="${request.route_path('admin:coverage_assurance_event:focus', id=n.coverage_assurance_event_id)}">${n.coverage_assurance_event_id}</a>
      % endif
      </td>
      <td>${n.last_error or ''}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>None.</p>
% endif
