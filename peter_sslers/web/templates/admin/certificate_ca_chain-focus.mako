<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">CA chain ${CertificateCAChain.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_ca_chains')}">CA chains</a> / ${CertificateCAChain.id}</%block>

<h1>${CertificateCAChain.display_name} ${m.json_twin()}</h1>
<p>In order, from the issuer of the leaf towards the root:</p>
<ol>
% for ca in CertificateCAs:
  <li><a href="${request.route_path('admin:certificate_ca:focus', id=ca.id)}">${ca.display_name}</a> (${ca.key_technology}, until ${m.timestamp(ca.timestamp_not_after)})</li>
% endfor
</ol>
${m.downloads([
  ('chain.pem', request.route_path('admin:certificate_ca_chain:focus:raw', id=CertificateCAChain.id, format='pem')),
  ('chain.pem.txt', request.route_path('admin:certificate_ca_chain:focus:raw', id=CertificateCAChain.id, format='pem.txt')),
])}
<p><a href="${request.route_path('admin:certificate_ca_chain:focus:certificate_signeds', id=CertificateCAChain.id)}">Certificates offered with this chain</a></p>
