<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Domain set ${UniqueFQDNSet.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:unique_fqdn_sets')}">Domain sets</a> / ${UniqueFQDNSet.id}</%block>

<h1>Domain set ${UniqueFQDNSet.id} ${m.json_twin()}</h1>
<ul>
% for name in UniqueFQDNSet.domains_as_list:
  <li><a href="${request.route_path('admin:domain:focus', domain_identifier=name)}">${m.domain_name(name)}</a></li>
% endfor
</ul>
<div class="actions"><a class="button" href="${request.route_path('admin:unique_fqdn_set:focus:modify', id=UniqueFQDNSet.id)}">Add or remove domains</a>
   ${m.form_action(request.route_path('admin:unique_fqdn_set:focus:update_recents', id=UniqueFQDNSet.id), '', 'Update recents')}</div>
<div class="actions"><a class="button" href="${request.route_path('admin:queue_certificate:new_structured', _query={'queue_source': 'UniqueFQDNSet', 'unique_fqdn_set': UniqueFQDNSet.id})}">Queue a certificate for this set</a></div>
<h2>Recent certificates <a href="${request.route_path('admin:unique_fqdn_set:focus:certificate_signeds', id=UniqueFQDNSet.id)}">(all)</a></h2>
${m.table_certificate_signeds(CertificateSigneds)}
<p><a href="${request.route_path('admin:unique_fqdn_set:focus:certificate_requests', id=UniqueFQDNSet.id)}">Certificate requests for this set</a>,
   <a href="${request.route_path('admin:unique_fqdn_set:focus:acme_orders', id=UniqueFQDNSet.id)}">ACME orders</a>,
   <a href="${request.route_path('admin:unique_fqdn_set:focus:queue_certificates', id=UniqueFQDNSet.id)}">renewal queue items</a>,
   <a href="${request.route_path('admin:unique_fqdn_set:focus:calendar|json', id=UniqueFQDNSet.id)}">calendar.json</a></p>
