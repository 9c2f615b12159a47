<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% c = CertificateSigned %>
<%block name="title">Certificate ${CertificateSigned.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_signeds')}">Certificates</a> / ${CertificateSigned.id}</%block>

<h1>Certificate ${c.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domains</th><td>
  % for name in c.domains_as_list:
    <a href="${request.route_path('admin:domain:focus', domain_identifier=name)}">${m.domain_name(name)}</a>
  % endfor
  (<a href="${request.route_path('admin:unique_fqdn_set:focus', id=c.unique_fqdn_set_id)}">set ${c.unique_fqdn_set_id}</a>)
  </td></tr>
  <tr><th>status</th><td>${m.status_certificate(c)}
  % if not c.is_revoked:
    % if c.is_active:
      ${m.form_action(request.route_path('admin:certificate_signed:focus:mark', id=c.id), 'inactive', 'Deactivate')}
    % elif c.expiring_days >= 0:
      ${m.form_action(request.route_path('admin:certificate_signed:focus:mark', id=c.id), 'active', 'Activate')}
    % endif
      ${m.form_action(request.route_path('admin:certificate_signed:focus:mark', id=c.id), 'revoked', 'Mark revoked here (final; the ACME server is not told)…', danger=True)}
  % endif
  </td></tr>
  <tr><th>ACME</th><td>
  % if c.acme_order is not None:
    from <a href="${request.route_path('admin:acme_order:focus', id=c.acme_order.id)}">order ${c.acme_order.id}</a>
    (<a href="${request.route_path('admin:acme_account:focus', id=c.acme_order.acme_account_id)}">account ${c.acme_order.acme_account_id}</a>)
  % else:
    uploaded
  % endif
  % if c.timestamp_revoked_upstream:
    <span class="badge bad">revoked on the ACME server</span>
  % else:
    <form class="inline" method="POST" action="${request.route_path('admin:certificate_signed:focus:acme_server:revoke', id=c.id)}">${csrf_input()}<button type="submit" class="danger">Revoke on the ACME server…</button></form>
  % endif
  </td></tr>
  <tr><th>nginx cache</th><td>
  % if request.registry.app_settings.enable_nginx:
    ${m.form_action(request.route_path('admin:certificate_signed:focus:nginx_cache_expire', id=c.id), '', 'Expire its domains on every nginx server')}
    <a href="${request.route_path('admin:operations:nginx')}">nginx operations</a>
  % else:
    <span class="muted">nginx is not enabled</span>
  % endif
  </td></tr>
  <tr><th>valid</th><td>${m.timestamp(c.timestamp_not_before)} to ${m.timestamp(c.timestamp_not_after)} (${c.expiring_days} days left)</td></tr>
  <tr><th>key</th><td><a href="${request.route_path('admin:private_key:focus', id=c.private_key_id)}">private key ${c.private_key_id}</a> (${c.key_technology})</td></tr>
  <tr><th>subject</th><td><pre>${c.cert_subject}</pre></td></tr>
  <tr><th>issuer</th><td><pre>${c.cert_issuer}</pre></td></tr>
  <tr><th>serial</th><td><code>${c.cert_serial}</code></td></tr>
  <tr><th>SPKI SHA-256</th><td><a href="${request.route_path('admin:search', _query={'spki': c.spki_sha256})}"><code>${c.spki_sha256}</code></a></td></tr>
  <tr><th>SHA-1 fingerprint</th><td><code>${c.fingerprint_sha1}</code></td></tr>
</table>

<div class="actions"><a class="button" href="${request.route_path('admin:queue_certificate:new_structured', _query={'queue_source': 'CertificateSigned', 'certificate_signed': c.id})}">Queue its renewal</a></div>

<h2>Chains</h2>
<p>The one served is picked by the <a href="${request.route_path('admin:certificate_cas:preferred')}">preferred-CA list</a>;
each chain can be downloaded on its own.</p>
<table class="list">
  <thead><tr><th>chain</th><th></th><th>downloads</th></tr></thead>
  <tbody>
  % for link in c.certificate_signed_chains:
    <%
      via = 'admin:certificate_signed:focus:via_certificate_ca_chain:'
      ids = {'id': c.id, 'id_cachain': link.certificate_ca_chain_id}
      files = [('chain.' + fmt, request.route_path(via + 'chain:raw', format=fmt, **ids)) for fmt in ('pem', 'pem.txt', 'cer', 'crt', 'der')]
      files += [('fullchain.' + fmt, request.route_path(via + 'fullchain:raw', format=fmt, **ids)) for fmt in ('pem', 'pem.txt')]
      files += [('config.json', request.route_path(via + 'config|json', **ids)), ('config.zip', request.route_path(via + 'config_zip', **ids))]
    %>
    <tr>
      <td><a href="${request.route_path('admin:certificate_ca_chain:focus', id=link.certificate_ca_chain_id)}">${link.certificate_ca_chain.display_name}</a> (${link.certificate_ca_chain_id})</td>
      <td>${'served' if preferred_chain is not None and link.certificate_ca_chain_id == preferred_chain.id else ''}
          ${'ACME default' if link.is_upstream_default else ''}</td>
      <td>
      % for label, url in files:
        <a href="${url}">${label}</a>
      % endfor
      </td>
    </tr>
  % endfor
  </tbody>
</table>

<h2>Downloads</h2>
<% f = lambda route, name: request.route_path(route, id=c.id, format=name) %>
${m.downloads([
  ('cert.pem', f('admin:certificate_signed:focus:cert:raw', 'pem')),
  ('cert.pem.txt', f('admin:certificate_signed:focus:cert:raw', 'pem.txt')),
  ('cert.cer', f('admin:certificate_signed:focus:cert:raw', 'cer')),
  ('cert.crt', f('admin:certificate_signed:focus:cert:raw', 'crt')),
  ('cert.der', f('admin:certificate_signed:focus:cert:raw', 'der')),
  ('chain.pem', f('admin:certificate_signed:focus:chain:raw', 'pem')),
  ('chain.pem.txt', f('admin:certificate_signed:focus:chain:raw', 'pem.txt')),
  ('chain.cer', f('admin:certificate_signed:focus:chain:raw', 'cer')),
  ('chain.crt', f('admin:certificate_signed:focus:chain:raw', 'crt')),
  ('chain.der', f('admin:certificate_signed:focus:chain:raw', 'der')),
  ('fullchain.pem', f('admin:certificate_signed:focus:fullchain:raw', 'pem')),
  ('fullchain.pem.txt', f('admin:certificate_signed:focus:fullchain:raw', 'pem.txt')),
  ('privkey.pem', f('admin:certificate_signed:focus:privatekey:raw', 'pem')),
  ('privkey.pem.txt', f('admin:certificate_signed:focus:privatekey:raw', 'pem.txt')),
  ('privkey.key', f('admin:certificate_signed:focus:privatekey:raw', 'key')),
  ('config.json', request.route_path('admin:certificate_signed:focus:config|json', id=c.id)),
  ('config.zip', request.route_path('admin:certificate_signed:focus:config_zip', id=c.id)),
  ('parse.json', request.route_path('admin:certificate_signed:focus:parse|json', id=c.id)),
])}

<p><a href="${request.route_path('admin:certificate_signed:focus:queue_certificates', id=c.id)}">Renewal queue items of this certificate</a></p>

<h2>PEM</h2>
<pre>${c.cert_pem}</pre>
