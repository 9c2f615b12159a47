<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">Queue a certificate</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_certificates')}">Renewal queue</a> / Queue names</%block>

<h1>Queue a certificate ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<p>The certificate is ordered when the renewal queue is processed.</p>
<form method="POST" action="${request.route_path('admin:queue_certificate:new_freeform')}">${csrf_input()}
  <label for="domain_names_http01">Domain names (http-01), separated by commas</label>${m.field_error(form_errors, 'domain_names_http01')}
  <textarea id="domain_names_http01" name="domain_names_http01">${form_values.get('domain_names_http01', '')}</textarea>
  <label for="domain_names_dns01">Domain names (dns-01), separated by commas; wildcards (<code>*.example.com</code>) only here</label>${m.field_error(form_errors, 'domain_names_dns01')}
  <textarea id="domain_names_dns01" name="domain_names_dns01">${form_values.get('domain_names_dns01', '')}</textarea>
  <p class="help">A dns-01 name needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns account for the name:
    when the item is processed, its TXT record is published, checked at the zone's authoritative servers, and removed once validated.</p>
  <label for="acme_account_id">ACME account</label>${m.field_error(form_errors, 'acme_account_id')}
  <select id="acme_account_id" name="acme_account_id">
    <option value="">the global default account${(' (account %s, %s)' % (AcmeAccount_GlobalDefault.id, AcmeAccount_GlobalDefault.contact)) if AcmeAccount_GlobalDefault is not None else ''}</option>
  % for acct in AcmeAccounts:
    <option value="${acct.id}"${' selected' if str(acct.id) == form_values.get('acme_account_id', '') else ''}>account ${acct.id}: ${acct.contact or '-'} on ${acct.acme_account_provider.name}</option>
  % endfor
  </select>
  <label for="private_key_option">Certificate key</label>${m.field_error(form_errors, 'private_key_option')}
  ${a.select('private_key_option', private_key_options, form_values.get('private_key_option', 'private_key_for_account_key'))}
  <label for="private_key_id">Existing private key id (with <code>private_key_existing</code>)</label>${m.field_error(form_errors, 'private_key_id')}
  <input type="text" id="private_key_id" name="private_key_id" value="${form_values.get('private_key_id', '')}">
  <label for="private_key_cycle__renewal">Key of its renewals</label>${m.field_error(form_errors, 'private_key_cycle__renewal')}
  ${a.select('private_key_cycle__renewal', private_key_cycles, form_values.get('private_key_cycle__renewal', 'account_key_default'))}
  <p><button type="submit">Queue</button></p>
</form>
