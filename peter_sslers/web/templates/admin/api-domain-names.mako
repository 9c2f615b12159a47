<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">API: ${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
% if request.matched_route.name.startswith('admin:api:domain:enable'):
<p>Manage these names: an inactive Domain is made active again, an unknown name is queued for certification
(<a href="${request.route_path('admin:queue_domains')}">the domain queue</a>, http-01).</p>
% else:
<p>Stop managing these names: an active Domain is marked inactive (no renewal, no serving, no autocert); a name
waiting in <a href="${request.route_path('admin:queue_domains')}">the domain queue</a> is taken out of it.</p>
% endif
${m.form_errors(form_errors)}
% if domain_results:
<table class="list">
  <thead><tr><th>domain name</th><th>result</th></tr></thead>
  <tbody>
  % for name, result in domain_results.items():
    <tr><td>${name}</td><td>${result.replace('_', ' ')}</td></tr>
  % endfor
  </tbody>
</table>
% endif
<form method="POST" action="${request.path}">${csrf_input()}
  <label for="domain_names">Domain names, separated by commas</label>
  <textarea id="domain_names" name="domain_names">${form_values.get('domain_names', '')[:4000]}</textarea>
  <p><button type="submit">${page_title}</button></p>
</form>
