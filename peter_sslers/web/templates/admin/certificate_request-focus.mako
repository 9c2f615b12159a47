<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% r = CertificateRequest %>
<%block name="title">Certificate request ${CertificateRequest.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_requests')}">Certificate requests</a> / ${CertificateRequest.id}</%block>

<h1>Certificate request ${r.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domains</th><td><a href="${request.route_path('admin:unique_fqdn_set:focus', id=r.unique_fqdn_set_id)}">${m.domain_names(r.unique_fqdn_set.domains_as_list)}</a></td></tr>
  <tr><th>source</th><td>${r.certificate_request_source}</td></tr>
  <tr><th>technology</th><td>${r.key_technology}</td></tr>
  <tr><th>key</th><td>
  % if r.private_key_id is not None:
    <a href="${request.route_path('admin:private_key:focus', id=r.private_key_id)}">private key ${r.private_key_id}</a>
  % else:
    unknown
  % endif
  </td></tr>
  <tr><th>SPKI SHA-256</th><td><a href="${request.route_path('admin:search', _query={'spki': r.spki_sha256})}"><code>${r.spki_sha256}</code></a></td></tr>
  <tr><th>created</th><td>${m.timestamp(r.timestamp_created)}</td></tr>
</table>
<h2>Downloads</h2>
${m.downloads([
  ('csr.pem', request.route_path('admin:certificate_request:focus:raw', id=r.id, format='pem')),
  ('csr.pem.txt', request.route_path('admin:certificate_request:focus:raw', id=r.id, format='pem.txt')),
  ('csr.csr', request.route_path('admin:certificate_request:focus:raw', id=r.id, format='csr')),
])}
<p><a href="${request.route_path('admin:certificate_request:focus:acme_orders', id=r.id)}">ACME orders that sent this CSR</a></p>
<pre>${r.csr_pem}</pre>
