<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">New domain set</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:unique_fqdn_sets')}">Domain sets</a> / New</%block>

<h1>New domain set ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:unique_fqdn_set:new')}">${csrf_input()}
  <label for="domain_names">Domain names, separated by commas</label>${m.field_error(form_errors, 'domain_names')}
  <input type="text" id="domain_names" name="domain_names" value="${form_values.get('domain_names', '')}" required>
  <button type="submit">Find or create</button>
</form>
