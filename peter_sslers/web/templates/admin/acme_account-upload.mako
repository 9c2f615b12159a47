<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">Upload an ACME account</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_accounts')}">ACME accounts</a> / Upload</%block>

<h1>Upload an ACME account ${m.json_twin()}</h1>
<p class="muted">Nothing is sent to the ACME server. Upload either an account key PEM, or certbot's three account files.</p>
${m.form_errors(form_errors)}
<form method="POST" enctype="multipart/form-data" action="${request.route_path('admin:acme_account:upload')}">${csrf_input()}
  <h2>Either: an account key</h2>
  <label for="account_key_file_pem">Account key (PEM)</label>${m.field_error(form_errors, 'account_key_file_pem')}
  <input type="file" id="account_key_file_pem" name="account_key_file_pem">
  <label for="acme_account_provider_id">ACME server</label>${m.field_error(form_errors, 'acme_account_provider_id')}
  <select id="acme_account_provider_id" name="acme_account_provider_id">
  % for p in AcmeAccountProviders:
    % if p.is_enabled:
    <option value="${p.id}"${' selected' if p.is_default else ''}>${p.name} (${p.url})</option>
    % endif
  % endfor
  </select>
  <label for="account__contact">Contact email (optional for certbot's files: regr.json has it)</label>${m.field_error(form_errors, 'account__contact')}
  <input type="text" id="account__contact" name="account__contact" value="${form_values.get('account__contact', '')}">
  <h2>Or: certbot's account files</h2>
  <label for="account_key_file_le_pkey">private_key.json</label>${m.field_error(form_errors, 'account_key_file_le_pkey')}
  <input type="file" id="account_key_file_le_pkey" name="account_key_file_le_pkey">
  <label for="account_key_file_le_reg">regr.json</label>${m.field_error(form_errors, 'account_key_file_le_reg')}
  <input type="file" id="account_key_file_le_reg" name="account_key_file_le_reg">
  <label for="account_key_file_le_meta">meta.json</label>${m.field_error(form_errors, 'account_key_file_le_meta')}
  <input type="file" id="account_key_file_le_meta" name="account_key_file_le_meta">
  <label for="acme_server_directory">ACME directory URL (only needed when the account's server is not known here yet; certbot's <code>server</code>)</label>${m.field_error(form_errors, 'acme_server_directory')}
  <input type="text" id="acme_server_directory" name="acme_server_directory" value="${form_values.get('acme_server_directory', '')}">
  <h2>Certificate keys of its orders</h2>
  <label for="account__private_key_cycle">cycle</label>${m.field_error(form_errors, 'account__private_key_cycle')}
  ${a.select('account__private_key_cycle', private_key_cycles, form_values.get('account__private_key_cycle', 'single_certificate'))}
  <label for="account__private_key_technology">technology</label>${m.field_error(form_errors, 'account__private_key_technology')}
  ${a.select('account__private_key_technology', private_key_technologies, form_values.get('account__private_key_technology', 'RSA'))}
  <p><button type="submit">Upload</button></p>
</form>
