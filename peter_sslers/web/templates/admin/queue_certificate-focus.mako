<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_certificate-macros.mako"/>
<%block name="title">Renewal queue item ${QueueCertificate.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / ${QueueCertificate.id}</%block>
<% item = QueueCertificate %>
<h1>Renewal queue item ${item.id} ${m.json_twin()}</h1>
<table class="focus">
  <tr><th>id</th><td>${item.id}</td></tr>
  <tr><th>status</th><td>${q.status(item)}</td></tr>
  <tr><th>domains</th><td><a href="${request.route_path('admin:unique_fqdn_set:focus', id=item.unique_fqdn_set_id)}">${m.domain_names(item.domains_as_list)}</a></td></tr>
  <tr><th>challenge types</th><td>${', '.join('%s: %s' % (name, challenge) for name, challenge in item.domains_challenged.items())}</td></tr>
  <tr><th>source</th><td>${q.source(item)}</td></tr>
  <tr><th>ACME account</th><td><a href="${request.route_path('admin:acme_account:focus', id=item.acme_account_id)}">${item.acme_account_id}</a></td></tr>
  <tr><th>private key strategy</th><td>${m.human(item.private_key_strategy__requested)}
  % if item.private_key_id:
    (<a href="${request.route_path('admin:private_key:focus', id=item.private_key_id)}">private key ${item.private_key_id}</a>)
  % endif
  </td></tr>
  <tr><th>key cycle of its renewals</th><td>${item.private_key_cycle__renewal}</td></tr>
  <tr><th>queued</th><td>${m.timestamp(item.timestamp_created)}</td></tr>
  <tr><th>processing attempted</th><td>${m.timestamp(item.timestamp_process_attempt)}</td></tr>
  <tr><th>processed or cancelled</th><td>${m.timestamp(item.timestamp_processed)}</td></tr>
  <tr><th>result</th><td>${m.boolean(item.process_result)}</td></tr>
% if item.timestamp_not_before:
  <tr><th>not before (the CA's rate limits)</th><td>${m.timestamp(item.timestamp_not_before)}</td></tr>
% endif
% if item.timestamp_retry_after:
  <tr><th>retry not before (back-off)</th><td>${m.timestamp(item.timestamp_retry_after)} (failure ${item.count_failures} in a row)</td></tr>
% endif
  <tr><th>generated</th><td>
  % if item.acme_order_id__generated:
    <a href="${request.route_path('admin:acme_order:focus', id=item.acme_order_id__generated)}">AcmeOrder ${item.acme_order_id__generated}</a>
  % endif
  % if item.certificate_request_id__generated:
    <a href="${request.route_path('admin:certificate_request:focus', id=item.certificate_request_id__generated)}">CertificateRequest ${item.certificate_request_id__generated}</a>
  % endif
  % if item.certificate_signed_id__generated:
    <a href="${request.route_path('admin:certificate_signed:focus', id=item.certificate_signed_id__generated)}">CertificateSigned ${item.certificate_signed_id__generated}</a>
  % endif
  </td></tr>
  <tr><th>operations event</th><td><a href="${request.route_path('admin:operations:log:focus', id=item.operations_event_id__created)}">${item.operations_event_id__created}</a></td></tr>
</table>
% if item.is_active is True:
<form method="POST" action="${request.route_path('admin:queue_certificate:focus:mark', id=item.id)}">${csrf_input()}
  <input type="hidden" name="action" value="cancel">
  <button type="submit">Cancel (take it out of the queue)</button>
</form>
% endif
