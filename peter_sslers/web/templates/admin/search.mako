<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Search</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / Search</%block>

<h1>Search ${m.json_twin()}</h1>
<form method="GET" action="${request.route_path('admin:search')}">
  <label for="spki">SPKI SHA-256 (keys, CSRs, certificates, CAs, account keys)</label>
  <input type="text" id="spki" name="spki" value="${request.GET.get('spki', '')}">
  <label for="cert_subject">Subject contains (certificates, CAs)</label>
  <input type="text" id="cert_subject" name="cert_subject" value="${request.GET.get('cert_subject', '')}">
  <label for="cert_issuer">Issuer contains (certificates, CAs)</label>
  <input type="text" id="cert_issuer" name="cert_issuer" value="${request.GET.get('cert_issuer', '')}">
  <p><button type="submit">Search</button></p>
</form>
% if results is not None:
<% routes = {'PrivateKey': 'admin:private_key:focus', 'CertificateRequest': 'admin:certificate_request:focus', 'CertificateSigned': 'admin:certificate_signed:focus', 'CertificateCA': 'admin:certificate_ca:focus'} %>
<h2>Results for ${query['field']} = <code>${query['value']}</code></h2>
  % for name, items in results.items():
<h3>${name} (${len(items)})</h3>
<ul>
    % for item in items:
      % if name in routes:
  <li><a href="${request.route_path(routes[name], id=item.id)}">${name} ${item.id}</a></li>
      % else:
  <li>${name} ${item.id} (account ${item.acme_account_id})</li>
      % endif
    % endfor
</ul>
  % endfor
% endif
