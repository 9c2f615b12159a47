<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">New Domain</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / New</%block>

<h1>Add a Domain ${m.json_link(request.route_path('admin:domain:new|json'))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:domain:new')}">${csrf_input()}
  <label for="domain_name">Domain name</label>${m.field_error(form_errors, 'domain_name')}
  <input type="text" id="domain_name" name="domain_name" value="${form_values.get('domain_name', '')}"
         placeholder="example.com" required>
  <button type="submit">Add</button>
</form>
<p class="muted">If the Domain exists already, you are taken to it; nothing is duplicated.</p>
