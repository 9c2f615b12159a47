<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<% acct = AcmeAccount %>
<% key = acct.acme_account_key %>
<% r = lambda name: request.route_path(name, id=acct.id) %>
<%block name="title">ACME account ${AcmeAccount.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_accounts')}">ACME accounts</a> / ${AcmeAccount.id}</%block>

<h1>ACME account ${acct.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>contact</th><td>${acct.contact or '-'}</td></tr>
  <tr><th>ACME server</th><td>${acct.acme_account_provider.name} <code>${acct.acme_account_provider.url}</code></td></tr>
  <tr><th>account URL</th><td><code>${acct.account_url or 'not registered'}</code></td></tr>
  <tr><th>External Account Binding</th><td>
  % if acct.eab_kid:
    bound, key id <code>${acct.eab_kid}</code>
  % else:
    -
  % endif
  </td></tr>
  <tr><th>terms of service</th><td>${acct.terms_of_service or '-'}</td></tr>
  <tr><th>status</th><td>
  % if acct.is_global_default:
    <span class="badge ok">global default</span>
  % endif
  % if acct.timestamp_deactivated:
    <span class="badge bad">deactivated on the ACME server</span> ${m.timestamp(acct.timestamp_deactivated)}
  % elif acct.is_active:
    <span class="badge ok">active</span>
    ${m.form_action(r('admin:acme_account:focus:mark'), 'inactive', 'Mark inactive')}
  % else:
    <span class="badge">inactive</span>
    ${m.form_action(r('admin:acme_account:focus:mark'), 'active', 'Mark active')}
  % endif
  % if acct.is_global_default_candidate:
    ${m.form_action(r('admin:acme_account:focus:mark'), 'global_default', 'Make global default')}
  % endif
  </td></tr>
  <tr><th>last authenticated</th><td>${m.timestamp(acct.timestamp_last_authenticated)}</td></tr>
  <tr><th>orders / certificates</th><td>
    <a href="${r('admin:acme_account:focus:acme_orders')}">${acct.count_acme_orders} orders</a>,
    ${acct.count_certificate_signeds} certificates
  </td></tr>
  <tr><th>active key</th><td>
  % if key is not None:
    ${key.key_technology}, ${key.acme_account_key_source}, created ${m.timestamp(key.timestamp_created)}
    (<a href="${request.route_path('admin:search', _query={'spki': key.spki_sha256})}"><code>${key.spki_sha256}</code></a>)
  % else:
    none
  % endif
    <a href="${r('admin:acme_account:focus:acme_account_keys')}">(every key)</a>
  </td></tr>
  <tr><th>certificate keys of its orders</th><td>
    <form method="POST" action="${r('admin:acme_account:focus:edit')}">${csrf_input()}
      cycle ${a.select('account__private_key_cycle', private_key_cycles, acct.private_key_cycle)}
      technology ${a.select('account__private_key_technology', private_key_technologies, acct.private_key_technology)}
      <button type="submit">Save</button>
    </form>
    <a href="${r('admin:acme_account:focus:private_keys')}">Keys this account owns</a>
  </td></tr>
  <tr><th>created</th><td>${m.timestamp(acct.timestamp_created)}</td></tr>
</table>

% if key is not None:
<h2>Downloads</h2>
${m.downloads([
  ('key.pem', request.route_path('admin:acme_account:focus:raw', id=acct.id, format='pem')),
  ('key.pem.txt', request.route_path('admin:acme_account:focus:raw', id=acct.id, format='pem.txt')),
  ('key.key (PKCS#8 DER)', request.route_path('admin:acme_account:focus:raw', id=acct.id, format='key')),
])}
% endif

<h2>On the ACME server</h2>
% if acct.acme_account_provider.is_enabled:
<div class="actions">
  ${a.post_button(r('admin:acme_account:focus:acme_server:authenticate'), 'Authenticate (register)')}
  ${a.post_button(r('admin:acme_account:focus:acme_server:check'), 'Check')}
</div>
  % if not acct.account_url:
<form method="POST" action="${r('admin:acme_account:focus:acme_server:authenticate')}">${csrf_input()}
  <p class="muted">A CA that requires External Account Binding registers a new account only with the EAB key id and HMAC key it issued (the key is not stored).</p>
  <label for="eab_kid">EAB key id</label>
  <input type="text" id="eab_kid" name="eab_kid" value="" autocomplete="off">
  <label for="eab_hmac_key">EAB HMAC key (base64url)</label>
  <input type="password" id="eab_hmac_key" name="eab_hmac_key" value="" autocomplete="off">
  <label for="eab_mac_algorithm">EAB MAC algorithm (as the CA says; most use HS256)</label>
  <select id="eab_mac_algorithm" name="eab_mac_algorithm">
  % for alg in ("HS256", "HS384", "HS512"):
    <option value="${alg}" ${'selected' if alg == 'HS256' else ''}>${alg}</option>
  % endfor
  </select>
  <p><button type="submit">Register with External Account Binding</button></p>
</form>
  % endif
  % if acct.account_url and acct.is_active:
<form method="POST" action="${r('admin:acme_account:focus:acme_server:key_change')}">${csrf_input()}
  New key ${a.select('account_key_technology', account_key_technologies, key.key_technology if key else 'RSA')}
  <button type="submit" class="danger">Roll over to a new account key…</button>
</form>
  % endif
  % if acct.account_url and not acct.timestamp_deactivated:
<form method="POST" action="${r('admin:acme_account:focus:acme_server:deactivate')}">${csrf_input()}
  <label for="key_pem">Deactivate the account (irreversible): paste its active key (PEM) to confirm</label>
  <textarea id="key_pem" name="key_pem" rows="4" cols="70"></textarea>
  <div class="actions"><button type="submit" class="danger">Deactivate the account on the ACME server (final)</button></div>
</form>
  % endif
% else:
<p class="muted">The ACME server ${acct.acme_account_provider.name} is not enabled here.</p>
% endif

<p><a href="${request.route_path('admin:acme_account:focus:certificate_signeds', id=acct.id)}">Certificates of this account</a>,
   <a href="${request.route_path('admin:acme_account:focus:queue_certificates', id=acct.id)}">renewal queue items</a>,
   <a href="${request.route_path('admin:acme_account:focus:parse|json', id=acct.id)}">parse.json</a></p>

<h2>Pending authorizations <a href="${request.route_path('admin:acme_account:focus:acme_authorizations', id=acct.id, _query={'status': 'active'})}">(all)</a></h2>
% if AcmeAuthorizations_active:
<form method="POST" action="${r('admin:acme_account:focus:acme_server:deactivate_pending_authorizations')}">${csrf_input()}
  <ul>
  % for authz in AcmeAuthorizations_active:
    <li><label><input type="checkbox" name="acme_authorization_id" value="${authz.id}">
      <a href="${request.route_path('admin:acme_authorization:focus', id=authz.id)}">authorization ${authz.id}</a>
      ${authz.domain.domain_name if authz.domain else ''} (${m.human(authz.acme_status_authorization)})</label></li>
  % endfor
  </ul>
  <button type="submit" class="danger">Deactivate the checked authorizations on the ACME server…</button>
</form>
% else:
<p>None.</p>
% endif

<h2>Recent orders <a href="${r('admin:acme_account:focus:acme_orders')}">(all)</a></h2>
${a.table_acme_orders(AcmeOrders)}
<p><a class="button" href="${request.route_path('admin:acme_order:new:freeform', _query={'acme_account_id': acct.id})}">New order with this account</a></p>
