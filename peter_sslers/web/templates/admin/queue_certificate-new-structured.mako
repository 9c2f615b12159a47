<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">Queue a renewal</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / Queue a renewal</%block>
<% fields = {'AcmeOrder': 'acme_order', 'CertificateSigned': 'certificate_signed', 'UniqueFQDNSet': 'unique_fqdn_set'} %>
<h1>Queue a renewal ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
% if source is None:
<p>Start from an ACME order, a certificate or a domain set (the "Queue its renewal" buttons of their pages lead here too).</p>
<form id="pick_source_form" method="GET" action="${request.route_path('admin:queue_certificate:new_structured')}">
  <label for="pick_source">Renew</label>
  <select id="pick_source" name="queue_source">
    <option value="AcmeOrder">the ACME order</option>
    <option value="CertificateSigned">the certificate</option>
    <option value="UniqueFQDNSet">the domain set</option>
  </select>
  <label for="pick_id">with the id</label>
  <input type="text" id="pick_id" name="source_id" inputmode="numeric" required>
  <div class="actions"><button type="submit">Next</button></div>
</form>
% else:
<p>${queue_source} ${source.id}: ${m.domain_names(source.unique_fqdn_set.domains_as_list if queue_source != 'UniqueFQDNSet' else source.domains_as_list)}</p>
<form method="POST" action="${request.route_path('admin:queue_certificate:new_structured')}">${csrf_input()}
  <input type="hidden" name="queue_source" value="${queue_source}">
  <input type="hidden" name="${fields[queue_source]}" value="${source.id}">
  <label for="acme_account_id">ACME account</label>${m.field_error(form_errors, 'acme_account_id')}
  <select id="acme_account_id" name="acme_account_id">
    <option value="">${'the global default account' if queue_source == 'UniqueFQDNSet' else "the order's account"}</option>
  % for acct in AcmeAccounts:
    <option value="${acct.id}"${' selected' if str(acct.id) == form_values.get('acme_account_id', '') else ''}>account ${acct.id}: ${acct.contact or '-'} on ${acct.acme_account_provider.name}</option>
  % endfor
  </select>
  <label for="private_key_cycle__renewal">Key of its renewals</label>${m.field_error(form_errors, 'private_key_cycle__renewal')}
  <select id="private_key_cycle__renewal" name="private_key_cycle__renewal">
    <option value="">as the order</option>
  % for cycle in private_key_cycles:
    <option value="${cycle}"${' selected' if cycle == form_values.get('private_key_cycle__renewal', '') else ''}>${cycle}</option>
  % endfor
  </select>
  <p><button type="submit">Queue</button></p>
</form>
% endif
