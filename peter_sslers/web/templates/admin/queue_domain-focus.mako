<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_domain-macros.mako"/>
<%block name="title">Queued domain ${QueueDomain.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_domains')}">Domain queue</a> / ${QueueDomain.id}</%block>

<h1>Queued domain ${QueueDomain.id} ${m.json_twin()}</h1>
<table class="focus">
  <tr><th>id</th><td>${QueueDomain.id}</td></tr>
  <tr><th>domain name</th><td>${QueueDomain.domain_name}</td></tr>
  <tr><th>challenge type</th><td>${QueueDomain.acme_challenge_type}</td></tr>
  <tr><th>status</th><td>${q.status(QueueDomain)}</td></tr>
  <tr><th>Domain</th><td>
  % if QueueDomain.domain_id:
    <a href="${request.route_path('admin:domain:focus', domain_identifier=QueueDomain.domain_id)}">${QueueDomain.domain_name}</a>
  % endif
  </td></tr>
  <tr><th>queued</th><td>${m.timestamp(QueueDomain.timestamp_created)}</td></tr>
  <tr><th>processed or cancelled</th><td>${m.timestamp(QueueDomain.timestamp_processed)}</td></tr>
  <tr><th>operations event</th><td><a href="${request.route_path('admin:operations:log:focus', id=QueueDomain.operations_event_id__created)}">${QueueDomain.operations_event_id__created}</a></td></tr>
</table>
% if QueueDomain.is_active is True:
<form method="POST" action="${request.route_path('admin:queue_domain:focus:mark', id=QueueDomain.id)}">${csrf_input()}
  <input type="hidden" name="action" value="cancel">
  <button type="submit">Cancel (take it out of the queue)</button>
</form>
% endif
