<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Modify domain set ${UniqueFQDNSet.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:unique_fqdn_set:focus', id=UniqueFQDNSet.id)}">Domain set ${UniqueFQDNSet.id}</a> / Modify</%block>

<h1>Add or remove domains ${m.json_twin()}</h1>
<p>Now: ${UniqueFQDNSet.domain_names}. A set never changes: this finds or creates the set with your changes.</p>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:unique_fqdn_set:focus:modify', id=UniqueFQDNSet.id)}">${csrf_input()}
  <label for="domain_names_add">Add (comma-separated)</label>${m.field_error(form_errors, 'domain_names_add')}
  <input type="text" id="domain_names_add" name="domain_names_add" value="${form_values.get('domain_names_add', '')}">
  <label for="domain_names_del">Remove (comma-separated)</label>${m.field_error(form_errors, 'domain_names_del')}
  <input type="text" id="domain_names_del" name="domain_names_del" value="${form_values.get('domain_names_del', '')}">
  <p><button type="submit">Save</button></p>
</form>
