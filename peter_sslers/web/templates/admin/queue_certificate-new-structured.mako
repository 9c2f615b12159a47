<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">Queue a renewal</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / Queue a renewal</%block>
<% fields = {'AcmeOrder': 'acme_order', 'CertificateSigned': 'certificate_signed', 'UniqueFQDNSet': 'unique_fqdn_set'} %>
<h1>Queue a renewal ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
% if source is None:
<p>Start from an ACME order, a certificate or a domain set: this page needs <code>?queue_source=AcmeOrder|CertificateSigned|UniqueFQDNSet</code> and the matching <code>acme_order=</code>, <code>certificate_signed=</code> or <code>unique_fqdn_set=</code> id.</p>
% else:
<p>${queue_source} ${source.id}: ${', '.join(source.unique_fqdn_set.domains_as_list if queue_source != 'UniqueFQDNSet' else source.domains_as_list)}</p>
<form method="POST" action="${request.route_path('admin:queue_certificate:new_structured')}">${csrf_input()}
  <input type="hidden" name="queue_source" value="${queue_source}">
  <input type="hidden" name="${fields[queue_source]}" value="${source.id}">
  <label for="acme_account_id">ACME account</label>
  <select id="acme_account_id" name="acme_account_id">
    <option value="">${'the global default account' if queue_source == 'UniqueFQDNSet' else "the order's account"}</option>
  % for acct in AcmeAccounts:
    <option value="${acct.id}"${' selected' if str(acct.id) == form_values.get('acme_account_id', '') else ''}>account ${acct.id}: ${acct.contact or '-'} on ${acct.acme_account_provider.name}</option>
  % endfor
  </select>
  <label for="private_key_cycle__renewal">Key of its renewals</label>
  <select id="private_key_cycle__renewal" name="private_key_cycle__renewal">
    <option value="">as the order</option>
  % for cycle in private_key_cycles:
    <option value="${cycle}"${' selected' if cycle == form_values.get('private_key_cycle__renewal', '') else ''}>${cycle}</option>
  % endfor
  </select>
  <p><button type="submit">Queue</button></p>
</form>
% endif
