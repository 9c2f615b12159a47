<%namespace name="m" file="/admin/_macros.mako"/>

<%def name="resolution(e)">\
<span class="badge ${'bad' if e.is_unresolved else 'ok'}">${e.coverage_assurance_resolution}</span>\
</%def>

<%def name="objects(e)">\
% if e.certificate_signed_id:
<a href="${request.route_path('admin:certificate_signed:focus', id=e.certificate_signed_id)}">certificate ${e.certificate_signed_id}</a>
% endif
% if e.private_key_id:
<a href="${request.route_path('admin:private_key:focus', id=e.private_key_id)}">key ${e.private_key_id}</a>
% endif
% if e.queue_certificate_id:
<a href="${request.route_path('admin:queue_certificate:focus', id=e.queue_certificate_id)}">queue item ${e.queue_certificate_id}</a>
% endif
% if e.acme_account_id:
<a href="${request.route_path('admin:acme_account:focus', id=e.acme_account_id)}">account ${e.acme_account_id}</a>
% endif
</%def>

<%def name="table_events(items)">
<table class="list">
  <thead><tr><th>id</th><th>created</th><th>type</th><th>resolution</th><th>domains</th><th>about</th><th>message</th></tr></thead>
  <tbody>
  % for e in items:
    <tr>
      <td><a href="${request.route_path('admin:coverage_assurance_event:focus', id=e.id)}">${e.id}</a></td>
      <td>${m.timestamp(e.timestamp_created)}</td>
      <td>${e.coverage_assurance_event_type}</td>
      <td>${resolution(e)}</td>
      <td>${', '.join(e.domain_names)}</td>
      <td>${objects(e)}</td>
      <td>${e.message}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>
