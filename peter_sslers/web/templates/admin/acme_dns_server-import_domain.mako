<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% s = AcmeDnsServer %>
<%block name="title">Import acme-dns credentials</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / <a href="${request.route_path('admin:acme_dns_server:focus', id=AcmeDnsServer.id)}">${AcmeDnsServer.id}</a> / Import</%block>

<h1>Import acme-dns credentials into server ${s.id} ${m.json_link(request.route_path('admin:acme_dns_server:focus:import_domain|json', id=s.id))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_dns_server:focus:import_domain', id=s.id)}">${csrf_input()}
  <label for="domain_name">Domain</label>${m.field_error(form_errors, 'domain_name')}
  <input type="text" id="domain_name" name="domain_name" value="${form_values.get('domain_name', '')}" required>
  <label for="username">username</label>${m.field_error(form_errors, 'username')}
  <input type="text" id="username" name="username" value="${form_values.get('username', '')}" required>
  <label for="password">password</label>${m.field_error(form_errors, 'password')}
  <input type="password" id="password" name="password" autocomplete="off" required>
  <label for="fulldomain">fulldomain</label>${m.field_error(form_errors, 'fulldomain')}
  <input type="text" id="fulldomain" name="fulldomain" value="${form_values.get('fulldomain', '')}" required>
  <label for="subdomain">subdomain</label>${m.field_error(form_errors, 'subdomain')}
  <input type="text" id="subdomain" name="subdomain" value="${form_values.get('subdomain', '')}" required>
  <label for="allowfrom">allowfrom (CIDR, separated by commas; optional)</label>${m.field_error(form_errors, 'allowfrom')}
  <input type="text" id="allowfrom" name="allowfrom" value="${form_values.get('allowfrom', '')}">
  <button type="submit">Import</button>
</form>
<p class="muted">Nothing is sent to the server. A domain has one active account per server.</p>
