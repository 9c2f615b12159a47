<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Domain ${Domain.domain_name}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / ${Domain.domain_name}</%block>

<h1>Domain ${m.domain_name(Domain.domain_name)} ${m.json_link(request.route_path('admin:domain:focus|json', domain_identifier=Domain.id))}</h1>
<table class="kv">
  <tr><th>id</th><td>${Domain.id}</td></tr>
  <tr><th>domain name</th><td><code>${Domain.domain_name}</code></td></tr>
  <tr><th>active</th><td>${m.boolean(Domain.is_active)}
    % if Domain.is_active:
      ${m.form_action(request.route_path('admin:domain:focus:mark', domain_identifier=Domain.id), 'inactive', 'Mark inactive')}
    % else:
      ${m.form_action(request.route_path('admin:domain:focus:mark', domain_identifier=Domain.id), 'active', 'Mark active')}
    % endif
  </td></tr>
  <tr><th>created</th><td>${m.timestamp(Domain.timestamp_created)}</td></tr>
  <tr><th>from the domain queue</th><td>${m.boolean(Domain.is_from_queue_domain)}</td></tr>
  <tr><th>latest single-domain certificate</th><td>
  % if Domain.certificate_signed_id__latest_single:
    <a href="${request.route_path('admin:certificate_signed:focus', id=Domain.certificate_signed_id__latest_single)}">${Domain.certificate_signed_id__latest_single}</a>
  % else:
    -
  % endif
  </td></tr>
  <tr><th>latest multi-domain certificate</th><td>
  % if Domain.certificate_signed_id__latest_multi:
    <a href="${request.route_path('admin:certificate_signed:focus', id=Domain.certificate_signed_id__latest_multi)}">${Domain.certificate_signed_id__latest_multi}</a>
  % else:
    -
  % endif
    ${m.form_action(request.route_path('admin:domain:focus:update_recents', domain_identifier=Domain.id), '', 'Update recents')}
  </td></tr>
  <tr><th>ACME</th><td>
    <a href="${request.route_path('admin:acme_order:new:freeform', _query={'domain_names_http01': Domain.domain_name})}">Order a certificate</a>
  </td></tr>
  <tr><th>nginx cache</th><td>
  % if request.registry.app_settings.enable_nginx:
    ${m.form_action(request.route_path('admin:domain:focus:nginx_cache_expire', domain_identifier=Domain.id), '', 'Expire on every nginx server')}
    <a href="${request.route_path('admin:operations:nginx')}">nginx operations</a>
  % else:
    <span class="muted">nginx is not enabled</span>
  % endif
  </td></tr>
  <tr><th>deploy</th><td>
    <a href="${request.route_path('admin:domain:focus:config|json', domain_identifier=Domain.domain_name)}">config.json</a>
    (<a href="${request.route_path('admin:domain:focus:config|json', domain_identifier=Domain.domain_name, _query={'idonly': '1'})}">ids only</a>)
  </td></tr>
</table>

<h2>Recent certificates <a href="${request.route_path('admin:domain:focus:certificate_signeds', domain_identifier=Domain.id)}">(all)</a></h2>
${m.table_certificate_signeds(CertificateSigneds)}

<h2>Recent certificate requests <a href="${request.route_path('admin:domain:focus:certificate_requests', domain_identifier=Domain.id)}">(all)</a></h2>
<ul>
% for r in CertificateRequests:
  <li><a href="${request.route_path('admin:certificate_request:focus', id=r.id)}">CSR ${r.id}</a>: ${m.domain_names(r.unique_fqdn_set.domains_as_list)}</li>
% endfor
</ul>

<h2>Domain sets <a href="${request.route_path('admin:domain:focus:unique_fqdn_sets', domain_identifier=Domain.id)}">(all)</a></h2>
<ul>
% for s in UniqueFQDNSets:
  <li><a href="${request.route_path('admin:unique_fqdn_set:focus', id=s.id)}">set ${s.id}</a>: ${s.domain_names}</li>
% endfor
</ul>
<h2>More about this Domain</h2>
<ul>
  <li><a href="${request.route_path('admin:domain:focus:acme_orders', domain_identifier=Domain.id)}">ACME orders</a>,
      <a href="${request.route_path('admin:domain:focus:acme_authorizations', domain_identifier=Domain.id)}">authorizations</a>,
      <a href="${request.route_path('admin:domain:focus:acme_challenges', domain_identifier=Domain.id)}">challenges</a></li>
  <li><a href="${request.route_path('admin:domain:focus:queue_certificates', domain_identifier=Domain.id)}">renewal queue items</a></li>
  <li><a href="${request.route_path('admin:domain:focus:domain_autocerts', domain_identifier=Domain.id)}">autocert attempts</a> (certificates ordered on request)</li>
  <li><a href="${request.route_path('admin:domain:focus:calendar|json', domain_identifier=Domain.id)}">calendar.json</a> (issued, expiring and renewal dates)</li>
</ul>

<h2>acme-dns (dns-01)</h2>
<p><a href="${request.route_path('admin:domain:focus:acme_dns_server_accounts', domain_identifier=Domain.id)}">Its acme-dns accounts</a>
 &middot; <a href="${request.route_path('admin:domain:focus:acme_dns_server:new', domain_identifier=Domain.id)}">Register it with an acme-dns server</a></p>
% if request.registry.app_settings.enable_acme_flow:

<p><a href="${request.route_path('admin:domain:focus:acme_orderlesss', domain_identifier=Domain.id)}">AcmeOrderless (ACME-flow) containers for this name</a></p>
% endif
