## Shared bits of the domain queue pages.
<%namespace name="m" file="/admin/_macros.mako"/>

<%def name="status(q)">\
% if q.is_active is True:
<span class="badge">waiting</span>\
% elif q.is_active is False:
<span class="badge ok">processed</span>\
% else:
<span class="badge bad">cancelled</span>\
% endif
</%def>

<%def name="table_queue_domains(items)">
<table class="list">
  <thead><tr><th>id</th><th>domain name</th><th>challenge</th><th>status</th><th>Domain</th><th>queued</th><th>processed</th></tr></thead>
  <tbody>
  % for q in items:
    <tr>
      <td><a href="${request.route_path('admin:queue_domain:focus', id=q.id)}">${q.id}</a></td>
      <td>${m.domain_name(q.domain_name)}</td>
      <td>${q.acme_challenge_type}</td>
      <td>${status(q)}</td>
      <td>
      % if q.domain_id:
        <a href="${request.route_path('admin:domain:focus', domain_identifier=q.domain_id)}">${q.domain_id}</a>
      % endif
      </td>
      <td>${m.timestamp(q.timestamp_created)}</td>
      <td>${m.timestamp(q.timestamp_processed)}</td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>
