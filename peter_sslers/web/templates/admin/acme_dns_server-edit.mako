<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% s = AcmeDnsServer %>
<%block name="title">Edit acme-dns server ${AcmeDnsServer.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / <a href="${request.route_path('admin:acme_dns_server:focus', id=AcmeDnsServer.id)}">${AcmeDnsServer.id}</a> / Edit</%block>

<h1>Edit acme-dns server ${s.id} ${m.json_link(request.route_path('admin:acme_dns_server:focus:edit|json', id=s.id))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_dns_server:focus:edit', id=s.id)}">${csrf_input()}
  <label for="root_url">Root URL of its HTTP API</label>${m.field_error(form_errors, 'root_url')}
  <input type="text" id="root_url" name="root_url" value="${form_values.get('root_url', '')}" required>
  <button type="submit">Save</button>
</form>
<p class="muted">The server's accounts stay with it: use this when the same acme-dns moved to another URL.</p>
