<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">New AcmeOrderless</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orderlesss')}">AcmeOrderless</a> / New</%block>

<h1>New AcmeOrderless (ACME-flow) ${m.json_link(request.route_path('admin:acme_orderless:new|json'))}</h1>
<p class="muted">For an order placed by another ACME client (e.g. <code>certbot certonly --manual --preferred-challenges http</code>):
  give its names; each gets a placeholder http-01 challenge whose token and key authorization you then copy from
  that client. The names' hosts must reach this instance's public responder on port 80.</p>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_orderless:new')}">${csrf_input()}
  <label for="domain_names_http01">Domain names (comma separated, http-01: no wildcards)</label>${m.field_error(form_errors, 'domain_names_http01')}
  <input type="text" id="domain_names_http01" name="domain_names_http01" value="${form_values.get('domain_names_http01', '')}"
         placeholder="example.com, www.example.com" required>
  <label for="acme_account_id">AcmeAccount id (optional: the account whose key the other client uses)</label>${m.field_error(form_errors, 'acme_account_id')}
  <input type="text" id="acme_account_id" name="acme_account_id" value="${form_values.get('acme_account_id', '')}">
  <button type="submit">Create</button>
</form>
