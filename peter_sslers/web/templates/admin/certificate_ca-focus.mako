<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% ca = CertificateCA %>
<%block name="title">CA certificate ${CertificateCA.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_cas')}">CA certificates</a> / ${CertificateCA.id}</%block>

<h1>${ca.display_name} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>subject</th><td><pre>${ca.cert_subject}</pre></td></tr>
  <tr><th>issuer</th><td><pre>${ca.cert_issuer}</pre></td></tr>
  <tr><th>valid</th><td>${m.timestamp(ca.timestamp_not_before)} to ${m.timestamp(ca.timestamp_not_after)}</td></tr>
  <tr><th>technology</th><td>${ca.key_technology}</td></tr>
  <tr><th>trusted root</th><td>${m.boolean(bool(ca.is_trusted_root))}</td></tr>
  <tr><th>issuer URI</th><td>${ca.cert_issuer_uri or '-'}
  % if ca.cert_issuer_uri:
    (${'reconciled' if ca.cert_issuer__reconciled else 'not reconciled'}: <a href="${request.route_path('admin:api:reconcile_cas')}">reconcile CAs</a>)
  % endif
  </td></tr>
  <tr><th>issued by</th><td>
  % if ca.cert_issuer__certificate_ca_id:
    <a href="${request.route_path('admin:certificate_ca:focus', id=ca.cert_issuer__certificate_ca_id)}">CA ${ca.cert_issuer__certificate_ca_id}</a>
  % else:
    <span class="muted">not known here</span>
  % endif
  </td></tr>
  <tr><th>preferred</th><td>
  % if preference_slot:
    slot ${preference_slot} of the <a href="${request.route_path('admin:certificate_cas:preferred')}">preferred-CA list</a>
  % else:
    <form class="inline" method="POST" action="${request.route_path('admin:certificate_cas:preferred:add')}">${csrf_input()}<input type="hidden" name="fingerprint_sha1" value="${ca.fingerprint_sha1}"><button type="submit">Add to the preferred-CA list</button></form>
  % endif
  </td></tr>
  <tr><th>root stores</th><td>
  % for version in RootStoreVersions:
    <a href="${request.route_path('admin:root_store_version:focus', id=version.id)}">${version.root_store.name} ${version.version_string}</a>
  % endfor
  % if not RootStoreVersions:
    <span class="muted">in no recorded root store</span>
  % endif
  </td></tr>
  <tr><th>SPKI SHA-256</th><td><a href="${request.route_path('admin:search', _query={'spki': ca.spki_sha256})}"><code>${ca.spki_sha256}</code></a></td></tr>
  <tr><th>SHA-1 fingerprint</th><td><code>${ca.fingerprint_sha1}</code></td></tr>
</table>
<h2>Downloads</h2>
${m.downloads([(name, request.route_path('admin:certificate_ca:focus:raw', id=ca.id, format=fmt)) for name, fmt in (('cert.pem', 'pem'), ('cert.pem.txt', 'pem.txt'), ('cert.cer', 'cer'), ('cert.crt', 'crt'), ('cert.der', 'der'))] + [('parse.json', request.route_path('admin:certificate_ca:focus:parse|json', id=ca.id))])}

<h2>Chains starting with it <a href="${request.route_path('admin:certificate_ca:focus:certificate_ca_chains_0', id=ca.id)}">(all)</a></h2>
<ul>
% for chain in chains_0:
  <li><a href="${request.route_path('admin:certificate_ca_chain:focus', id=chain.id)}">${chain.display_name}</a></li>
% endfor
</ul>
<p><a href="${request.route_path('admin:certificate_ca:focus:certificate_ca_chains_n', id=ca.id)}">Chains ending with it</a>,
   <a href="${request.route_path('admin:certificate_ca:focus:certificate_signeds_alt', id=ca.id)}">certificates with an alternate chain from it</a></p>
<h2>Certificates it issued <a href="${request.route_path('admin:certificate_ca:focus:certificate_signeds', id=ca.id)}">(all)</a></h2>
${m.table_certificate_signeds(CertificateSigneds)}

% if CertificateCAReconciliations:
<h2>Latest issuer downloads (reconcile-cas)</h2>
<table class="list">
  <thead><tr><th>when</th><th>URI</th><th>result</th><th>issuer</th></tr></thead>
  <tbody>
  % for r in CertificateCAReconciliations:
    <tr>
      <td>${m.timestamp(r.timestamp_operation)}</td>
      <td>${r.cert_issuer_uri}</td>
      <td>${'ok' if r.result else r.error}</td>
      <td>
      % if r.certificate_ca_id__issuer__reconciled:
        <a href="${request.route_path('admin:certificate_ca:focus', id=r.certificate_ca_id__issuer__reconciled)}">CA ${r.certificate_ca_id__issuer__reconciled}</a>
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
% endif
