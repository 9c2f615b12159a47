<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<% o = AcmeOrder %>
<% r = lambda name: request.route_path(name, id=o.id) %>
<%block name="title">ACME order ${AcmeOrder.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orders')}">ACME orders</a> / ${AcmeOrder.id}</%block>

<h1>ACME order ${o.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domains</th><td>
  % for name in o.domains_as_list:
    <a href="${request.route_path('admin:domain:focus', domain_identifier=name)}">${m.domain_name(name)}</a>
  % endfor
  (<a href="${request.route_path('admin:unique_fqdn_set:focus', id=o.unique_fqdn_set_id)}">set ${o.unique_fqdn_set_id}</a>)
  </td></tr>
  <tr><th>status</th><td>${a.status(o.acme_status_order)}
  % if o.is_can_mark_invalid:
    ${m.form_action(r('admin:acme_order:focus:mark'), 'invalid', 'Give up: mark invalid (final)…', danger=True)}
  % endif
  </td></tr>
  <tr><th>processing</th><td>${o.acme_order_processing_status} (strategy ${o.acme_order_processing_strategy};
    ${'being processed' if o.is_processing else 'stopped by hand' if o.is_processing is False else 'finished'})
  % if o.is_processing:
    ${m.form_action(r('admin:acme_order:focus:mark'), 'deactivate', 'Stop processing')}
  % endif
  </td></tr>
  <tr><th>type</th><td>${o.acme_order_type}
  % if o.acme_order_id__retry_of:
    (retry of <a href="${request.route_path('admin:acme_order:focus', id=o.acme_order_id__retry_of)}">order ${o.acme_order_id__retry_of}</a>)
  % endif
  % if o.acme_order_id__renewal_of:
    (renewal of <a href="${request.route_path('admin:acme_order:focus', id=o.acme_order_id__renewal_of)}">order ${o.acme_order_id__renewal_of}</a>)
  % endif
  </td></tr>
  <tr><th>account</th><td>${a.account_link(o.acme_account_id)} (${o.acme_account.contact or '-'})</td></tr>
  <tr><th>private key</th><td>
  % if o.private_key_id:
    <a href="${request.route_path('admin:private_key:focus', id=o.private_key_id)}">private key ${o.private_key_id}</a>
  % else:
    chosen when finalized
  % endif
    (asked: ${m.human(o.private_key_strategy__requested)}; final: ${m.human(o.private_key_strategy__final or '-')}; renewals: ${m.human(o.private_key_cycle__renewal)})
  </td></tr>
  <tr><th>CSR</th><td>
  % if o.certificate_request_id:
    <a href="${request.route_path('admin:certificate_request:focus', id=o.certificate_request_id)}">CSR ${o.certificate_request_id}</a>
  % else:
    -
  % endif
  </td></tr>
  <tr><th>certificate</th><td>
  % if o.certificate_signed_id:
    <a href="${request.route_path('admin:certificate_signed:focus', id=o.certificate_signed_id)}">certificate ${o.certificate_signed_id}</a>
  % else:
    -
  % endif
  </td></tr>
  <tr><th>renews automatically</th><td>${m.boolean(bool(o.is_auto_renew))}
    ${m.form_action(r('admin:acme_order:focus:mark'), 'renew_manual' if o.is_auto_renew else 'renew_auto', 'Turn automatic renewal off' if o.is_auto_renew else 'Turn automatic renewal on')}
    <span class="muted">(this only changes the setting; to renew now, use the renew buttons below)</span>
  </td></tr>
  <tr><th>order URL</th><td><code>${o.order_url or '-'}</code></td></tr>
  <tr><th>created / updated / expires</th><td>${m.timestamp(o.timestamp_created)} / ${m.timestamp(o.timestamp_updated)} / ${m.timestamp(o.timestamp_expires)}</td></tr>
  <tr><th>finalized</th><td>${m.timestamp(o.timestamp_finalized)}</td></tr>
</table>

<h2>Actions</h2>
<div class="actions">
% if o.is_can_acme_process:
  ${a.post_button(r('admin:acme_order:focus:acme_process'), 'Process one step')}
  ${a.post_button(r('admin:acme_order:focus:acme_finalize'), 'Process to the certificate')}
% endif
% if o.is_can_acme_server_download_certificate:
  ${a.post_button(r('admin:acme_order:focus:acme_server:download_certificate'), 'Download the certificate')}
% endif
% if o.is_can_acme_server_sync:
  ${a.post_button(r('admin:acme_order:focus:acme_server:sync'), 'Sync with the ACME server')}
  ${a.post_button(r('admin:acme_order:focus:acme_server:sync_authorizations'), 'Sync its authorizations')}
% endif
% if o.is_can_acme_server_deactivate_authorizations:
  ${a.post_button(r('admin:acme_order:focus:acme_server:deactivate_authorizations'), 'Deactivate its authorizations on the ACME server…', danger=True)}
% endif
% if o.is_can_retry:
  ${a.post_button(r('admin:acme_order:focus:retry'), 'Retry')}
% endif
% if o.is_renewable_quick:
  ${a.post_button(r('admin:acme_order:focus:renew:quick'), 'Renew now (same account and key choice)', {'processing_strategy': 'process_single'})}
% endif
% if o.is_renewable_custom:
  <a class="button" href="${r('admin:acme_order:focus:renew:custom')}">Renew with other choices</a>
% endif
</div>

<h2>Authorizations</h2>
% for authz in AcmeAuthorizations:
<h3><a href="${request.route_path('admin:acme_authorization:focus', id=authz.id)}">Authorization ${authz.id}</a>:
  ${authz.domain.domain_name if authz.domain else '(not fetched yet)'} ${a.status(authz.acme_status_authorization)}</h3>
  % if authz.acme_challenges:
${a.table_acme_challenges(authz.acme_challenges)}
  % endif
% endfor
% if not AcmeAuthorizations:
<p>None known yet.</p>
% endif

<p><a href="${r('admin:acme_order:focus:acme_event_logs')}">Exchanges with the ACME server for this order</a>,
   <a href="${r('admin:acme_order:focus:audit')}">audit (what keeps it from completing)</a></p>
