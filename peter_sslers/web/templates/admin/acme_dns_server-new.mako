<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">New acme-dns server</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_dns_servers')}">acme-dns servers</a> / New</%block>

<h1>Add an acme-dns server ${m.json_link(request.route_path('admin:acme_dns_server:new|json'))}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:acme_dns_server:new')}">${csrf_input()}
  <label for="root_url">Root URL of its HTTP API</label>${m.field_error(form_errors, 'root_url')}
  <input type="text" id="root_url" name="root_url" value="${form_values.get('root_url', '')}"
         placeholder="https://auth.example.com" required>
  <label><input type="checkbox" name="is_global_default" value="1"${' checked' if form_values.get('is_global_default') == '1' else ''}> the global default acme-dns server</label>
  <button type="submit">Add</button>
</form>
<p class="muted">Nothing is sent to the server here; its page has a health check. A root URL already here is found again, not duplicated.</p>
