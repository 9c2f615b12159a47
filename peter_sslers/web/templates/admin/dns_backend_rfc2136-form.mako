<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%
    if Backend is None:
        action_url = request.route_path('admin:dns_backend_rfc2136:new')
        heading = 'Add a DNS backend (RFC 2136)'
    else:
        action_url = request.route_path('admin:dns_backend_rfc2136:focus:edit', id=Backend.id)
        heading = 'Edit the DNS backend of %s' % Backend.zone
    algorithms = ('hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'hmac-sha224', 'hmac-sha1')
    chosen = form_values.get('tsig_algorithm') or 'hmac-sha256'
%>
<%block name="title">DNS backend</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:dns_backend_rfc2136s')}">DNS backends</a> / ${'New' if Backend is None else 'Edit %s' % Backend.id}</%block>

<h1>${heading} ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${action_url}">${csrf_input()}
  <label for="zone">Zone</label>${m.field_error(form_errors, 'zone')}
  <input type="text" id="zone" name="zone" value="${form_values.get('zone', '')}" placeholder="example.com" required>
  <label for="server">Server taking the updates (IP address or host name)</label>${m.field_error(form_errors, 'server')}
  <input type="text" id="server" name="server" value="${form_values.get('server', '')}" placeholder="192.0.2.53" required>
  <label for="port">Port</label>${m.field_error(form_errors, 'port')}
  <input type="text" id="port" name="port" value="${form_values.get('port', '53')}">
  <label for="tsig_key_name">TSIG key name</label>${m.field_error(form_errors, 'tsig_key_name')}
  <input type="text" id="tsig_key_name" name="tsig_key_name" value="${form_values.get('tsig_key_name', '')}" placeholder="peter-sslers" required>
  <label for="tsig_algorithm">TSIG algorithm</label>${m.field_error(form_errors, 'tsig_algorithm')}
  <select id="tsig_algorithm" name="tsig_algorithm">
  % for algorithm in algorithms:
    <option value="${algorithm}"${' selected' if algorithm == chosen else ''}>${algorithm}</option>
  % endfor
  </select>
  <label for="tsig_secret">TSIG secret (base64)${'' if Backend is None else ': empty keeps the current one'}</label>${m.field_error(form_errors, 'tsig_secret')}
  <input type="password" id="tsig_secret" name="tsig_secret" value="" autocomplete="off"${' required' if Backend is None else ''}>
  <label for="visibility_nameservers">Servers the visibility wait asks (optional, <code>host[:port]</code>, comma-separated; empty: the zone's NS records)</label>${m.field_error(form_errors, 'visibility_nameservers')}
  <input type="text" id="visibility_nameservers" name="visibility_nameservers" value="${form_values.get('visibility_nameservers', '')}">
  <p><button type="submit">Save</button></p>
</form>
