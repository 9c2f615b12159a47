<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Blocklist a domain name</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains_blocklisted')}">Blocklisted</a> / Add</%block>

<h1>Blocklist a domain name ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:domains_blocklisted:add')}">${csrf_input()}
  <label for="domain_name">Domain name</label>${m.field_error(form_errors, 'domain_name')}
  <input type="text" id="domain_name" name="domain_name" value="${form_values.get('domain_name', '')}"
         placeholder="example.com" required>
  <button type="submit">Blocklist</button>
</form>
<p class="muted">The name is normalised (lower case, an internationalised name as punycode, no trailing dot) and
blocks exactly itself, not its subdomains. Waiting queue items that need it are cancelled. A Domain of this name
is kept: its certificates are no longer renewed; mark it inactive to stop serving them.</p>
