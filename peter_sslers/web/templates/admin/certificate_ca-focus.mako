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
  <tr><th>issuer URI</th><td>${ca.cert_issuer_uri or '-'}</td></tr>
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
