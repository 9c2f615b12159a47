<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% s = AcmeDnsServer %>
<%block name="title">Register acme-dns accounts</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / <a href="${request.route_path('admin:acme_dns_server:focus', id=AcmeDnsServer.id)}">${AcmeDnsServer.id}</a> / Ensure domains</%block>

<h1>Register acme-dns accounts on server ${s.id} ${m.json_link(request.route_path('admin:acme_dns_server:focus:ensure_domains|json', id=s.id))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_dns_server:focus:ensure_domains', id=s.id)}">${csrf_input()}
  <label for="domain_names">Domain names, separated by commas (a wildcard name stands for its base name)</label>${m.field_error(form_errors, 'domain_names')}
  <textarea id="domain_names" name="domain_names" required>${form_values.get('domain_names', '')}</textarea>
  <label for="allowfrom">Update only from these networks (CIDR, separated by commas; empty: any)</label>${m.field_error(form_errors, 'allowfrom')}
  <input type="text" id="allowfrom" name="allowfrom" value="${form_values.get('allowfrom', '')}">
  <button type="submit">Register</button>
</form>
<p class="muted">A domain with an active account on <code>${s.root_url}</code> keeps it; the others are registered there.
The next page lists the CNAME each domain needs.</p>
