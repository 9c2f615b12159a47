<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">DNS backend ${Backend.zone}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:dns_backend_rfc2136s')}">DNS backends</a> / ${Backend.zone}</%block>

<h1>DNS backend ${Backend.zone} ${m.json_link(request.route_path('admin:dns_backend_rfc2136:focus|json', id=Backend.id))}</h1>
% if report:
<div class="alert alert-success">
  <p>Test passed: <code>${report['name']}</code> was added, answered by
  ${', '.join(report['visibility']['servers']) if report['visibility'] else '-'}
  % if report['visibility']:
  after ${report['visibility']['elapsed']} s (${report['visibility']['rounds']} round(s)),
  % endif
  and deleted.</p>
  <ul>
  % for step in report['steps']:
    <li>${step['step']}: ${step['result']}${(': ' + step['error']) if step.get('error') else ''}</li>
  % endfor
  </ul>
</div>
% endif
<table class="kv">
  <tr><th>id</th><td>${Backend.id}</td></tr>
  <tr><th>zone</th><td><code>${Backend.zone}</code></td></tr>
  <tr><th>server</th><td>${Backend.server}:${Backend.port}</td></tr>
  <tr><th>TSIG key</th><td>${Backend.tsig_key_name} (${Backend.tsig_algorithm})</td></tr>
  <tr><th>TSIG secret</th><td><code>********</code> (never shown)</td></tr>
  <tr><th>visibility checked at</th><td>${Backend.visibility_nameservers or "the zone's NS records (port 53)"}</td></tr>
  <tr><th>active</th><td>${m.boolean(Backend.is_active)}
    % if Backend.is_active:
      ${m.form_action(request.route_path('admin:dns_backend_rfc2136:focus:mark', id=Backend.id), 'inactive', 'Mark inactive')}
    % else:
      ${m.form_action(request.route_path('admin:dns_backend_rfc2136:focus:mark', id=Backend.id), 'active', 'Mark active')}
    % endif
  </td></tr>
  <tr><th>created</th><td>${m.timestamp(Backend.timestamp_created)}</td></tr>
  <tr><th>updated</th><td>${m.timestamp(Backend.timestamp_updated)}</td></tr>
</table>
<div class="actions">
  <a class="button" href="${request.route_path('admin:dns_backend_rfc2136:focus:edit', id=Backend.id)}">Edit</a>
  ${m.form_action(request.route_path('admin:dns_backend_rfc2136:focus:test', id=Backend.id), '', 'Test: add, wait until visible, delete a TXT record')}
</div>
