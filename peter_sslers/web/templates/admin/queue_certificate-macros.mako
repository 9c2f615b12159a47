## Shared bits of the renewal queue pages.
<%namespace name="m" file="/admin/_macros.mako"/>

<%def name="status(q)">\
% if q.is_active is True:
<span class="badge">waiting</span>\
% elif q.is_active is None:
<span class="badge bad">cancelled</span>\
% elif q.process_result is True:
<span class="badge ok">success</span>\
% elif q.process_result is False:
<span class="badge bad">failure</span>\
% else:
<span class="badge">processing</span>\
% endif
</%def>

<%def name="source(q)">\
% if q.acme_order_id__source:
<a href="${request.route_path('admin:acme_order:focus', id=q.acme_order_id__source)}">AcmeOrder ${q.acme_order_id__source}</a>\
% elif q.certificate_signed_id__source:
<a href="${request.route_path('admin:certificate_signed:focus', id=q.certificate_signed_id__source)}">CertificateSigned ${q.certificate_signed_id__source}</a>\
% elif q.unique_fqdn_set_id__source:
<a href="${request.route_path('admin:unique_fqdn_set:focus', id=q.unique_fqdn_set_id__source)}">UniqueFQDNSet ${q.unique_fqdn_set_id__source}</a>\
% endif
</%def>

<%def name="table_queue_certificates(items)">
<table class="list">
  <thead><tr><th>id</th><th>domains</th><th>source</th><th>status</th><th>account</th><th>queued</th><th>processed</th><th>certificate</th></tr></thead>
  <tbody>
  % for q in items:
    <tr>
      <td><a href="${request.route_path('admin:queue_certificate:focus', id=q.id)}">${q.id}</a></td>
      <td>${m.domain_names(q.domains_as_list)}</td>
      <td>${source(q)}</td>
      <td>${status(q)}</td>
      <td><a href="${request.route_path('admin:acme_account:focus', id=q.acme_account_id)}">${q.acme_account_id}</a></td>
      <td>${m.timestamp(q.timestamp_created)}</td>
      <td>${m.timestamp(q.timestamp_processed)}</td>
      <td>
      % if q.certificate_signed_id__generated:
        <a href="${request.route_path('admin:certificate_signed:focus', id=q.certificate_signed_id__generated)}">${q.certificate_signed_id__generated}</a>
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
</%def>
