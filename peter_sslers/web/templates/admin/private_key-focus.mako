<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% k = PrivateKey %>
<%block name="title">Private key ${PrivateKey.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:private_keys')}">Private keys</a> / ${PrivateKey.id}</%block>

<h1>Private key ${k.id} ${m.json_twin()}</h1>
% if k.is_placeholder:
<p class="alert alert-success">This is the placeholder key: an order that uses it chooses its real key when it is finalized.</p>
% else:
<table class="kv">
  <tr><th>technology</th><td>${k.key_technology}</td></tr>
  <tr><th>source / type</th><td>${k.private_key_source} / ${k.private_key_type}</td></tr>
  <tr><th>status</th><td>
    % if k.is_compromised:
      <span class="badge bad">compromised</span>
    % elif k.is_active:
      <span class="badge ok">active</span>
      ${m.form_action(request.route_path('admin:private_key:focus:mark', id=k.id), 'inactive', 'Deactivate')}
    % else:
      <span class="badge">inactive</span>
      ${m.form_action(request.route_path('admin:private_key:focus:mark', id=k.id), 'active', 'Activate')}
    % endif
    % if not k.is_compromised:
      ${m.form_action(request.route_path('admin:private_key:focus:mark', id=k.id), 'compromised', 'Mark compromised (final: revokes its certificates)…', danger=True)}
    % endif
  </td></tr>
  <tr><th>SPKI SHA-256</th><td><a href="${request.route_path('admin:search', _query={'spki': k.spki_sha256})}"><code>${k.spki_sha256}</code></a></td></tr>
  <tr><th>certificates</th><td>${k.count_certificate_signeds} (${k.count_active_certificates} active)</td></tr>
  <tr><th>created</th><td>${m.timestamp(k.timestamp_created)}</td></tr>
</table>
<h2>Downloads</h2>
${m.downloads([
  ('key.pem', request.route_path('admin:private_key:focus:raw', id=k.id, format='pem')),
  ('key.pem.txt', request.route_path('admin:private_key:focus:raw', id=k.id, format='pem.txt')),
  ('key.key (PKCS#8 DER)', request.route_path('admin:private_key:focus:raw', id=k.id, format='key')),
  ('parse.json', request.route_path('admin:private_key:focus:parse|json', id=k.id)),
])}
% endif

<h2>Recent certificates <a href="${request.route_path('admin:private_key:focus:certificate_signeds', id=k.id)}">(all)</a></h2>
${m.table_certificate_signeds(CertificateSigneds)}
<p><a href="${request.route_path('admin:private_key:focus:certificate_requests', id=k.id)}">Certificate requests made with this key</a>,
   <a href="${request.route_path('admin:private_key:focus:queue_certificates', id=k.id)}">renewal queue items with this key</a></p>
