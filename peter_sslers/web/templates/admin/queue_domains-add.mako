<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Queue domain names</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:queue_domains')}">Domain queue</a> / Add</%block>

<h1>Queue domain names ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
% if domains:
<table class="list">
  <thead><tr><th>domain name</th><th>result</th></tr></thead>
  <tbody>
  % for name, result in sorted(domains.items()):
    <tr><td>${name}</td><td>${result}</td></tr>
  % endfor
  </tbody>
</table>
% endif
<p>A managed Domain is re-activated if it is inactive; an unknown name is queued unless it is queued already.
  A queued name keeps its challenge type: the order the queue builds validates it so.</p>
<form method="POST" action="${request.route_path('admin:queue_domains:add')}">${csrf_input()}
  <label for="domain_names_http01">Domain names (http-01), separated by commas</label>${m.field_error(form_errors, 'domain_names_http01')}
  <textarea id="domain_names_http01" name="domain_names_http01">${form_values.get('domain_names_http01', '')}</textarea>
  <label for="domain_names_dns01">Domain names (dns-01), separated by commas; wildcards (<code>*.example.com</code>) only here</label>${m.field_error(form_errors, 'domain_names_dns01')}
  <textarea id="domain_names_dns01" name="domain_names_dns01">${form_values.get('domain_names_dns01', '')}</textarea>
  <p class="help">A dns-01 name needs an RFC 2136 DNS backend for an enclosing zone or an acme-dns account for the name.</p>
  <p><button type="submit">Queue</button></p>
</form>
