<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">New ACME account</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_accounts')}">ACME accounts</a> / New</%block>

<h1>New ACME account ${m.json_twin()}</h1>
<p class="muted">A new account key is generated here, then registered with the ACME server (its terms of service are agreed to).</p>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_account:new')}">${csrf_input()}
  <label for="acme_account_provider_id">ACME server</label>${m.field_error(form_errors, 'acme_account_provider_id')}
  <select id="acme_account_provider_id" name="acme_account_provider_id">
  % for p in AcmeAccountProviders:
    % if p.is_enabled:
    <option value="${p.id}"${' selected' if str(p.id) == form_values.get('acme_account_provider_id', '') or (not form_values.get('acme_account_provider_id') and p.is_default) else ''}>${p.name} (${p.url})</option>
    % endif
  % endfor
  </select>
  <label for="account__contact">Contact email</label>${m.field_error(form_errors, 'account__contact')}
  <input type="text" id="account__contact" name="account__contact" value="${form_values.get('account__contact', '')}" required>
  <label for="account_key_technology">Account key</label>${m.field_error(form_errors, 'account_key_technology')}
  ${a.select('account_key_technology', account_key_technologies, form_values.get('account_key_technology', 'RSA'))}
  <label for="account__private_key_cycle">Certificate keys of its orders: cycle</label>${m.field_error(form_errors, 'account__private_key_cycle')}
  ${a.select('account__private_key_cycle', private_key_cycles, form_values.get('account__private_key_cycle', 'single_certificate'))}
  <label for="account__private_key_technology">Certificate keys of its orders: technology</label>${m.field_error(form_errors, 'account__private_key_technology')}
  ${a.select('account__private_key_technology', private_key_technologies, form_values.get('account__private_key_technology', 'RSA'))}
  <fieldset>
    <legend>External Account Binding (only for CAs that require it: ZeroSSL, Google Trust Services, ...)</legend>
    <p class="muted">Both or neither, as the CA issued them. The HMAC key is used to sign the registration only: it is never stored nor shown again.</p>
    <label for="eab_kid">EAB key id</label>${m.field_error(form_errors, 'eab_kid')}
    <input type="text" id="eab_kid" name="eab_kid" value="${form_values.get('eab_kid', '')}" autocomplete="off">
    <label for="eab_hmac_key">EAB HMAC key (base64url)</label>${m.field_error(form_errors, 'eab_hmac_key')}
    <input type="password" id="eab_hmac_key" name="eab_hmac_key" value="" autocomplete="off">
    <label for="eab_mac_algorithm">EAB MAC algorithm (as the CA says; most use HS256)</label>${m.field_error(form_errors, 'eab_mac_algorithm')}
    <select id="eab_mac_algorithm" name="eab_mac_algorithm">
    % for alg in ("HS256", "HS384", "HS512"):
      <option value="${alg}" ${'selected' if alg == form_values.get('eab_mac_algorithm', 'HS256') else ''}>${alg}</option>
    % endfor
    </select>
  </fieldset>
  <p><button type="submit">Create and register</button></p>
</form>
