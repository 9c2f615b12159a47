<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / ${page_title}</%block>
<%
    h = health
    certs = h['certificates']
    badge = {'ok': 'ok', 'warning': '', 'critical': 'bad'}[h['status']]
%>
<%def name="certificate_rows(items)">
<table>
  <tr><th>certificate</th><th>domains</th><th>notAfter</th><th>seconds left</th><th>renewal under way</th></tr>
  % for item in items:
  <tr>
    <td><a href="${request.route_path('admin:certificate_signed:focus', id=item['certificate_signed_id'])}">${item['certificate_signed_id']}</a></td>
    <td>${', '.join(item['domains'])}</td>
    <td>${item['timestamp_not_after']}</td>
    <td>${item['seconds_left']}</td>
    <td>${m.boolean(item['renewal_under_way'])}</td>
  </tr>
  % endfor
</table>
</%def>

<h1>${page_title} ${m.json_twin()}</h1>
<p>Status: <span class="badge ${badge}" id="health-status">${h['status']}</span>
  at ${h['timestamp']}, horizon <strong>${h['days']}</strong> days
  (<a href="${request.route_path('admin:api:metrics')}">Prometheus metrics</a>).</p>
% if h['reasons']:
<ul>
  % for reason in h['reasons']:
  <li>${reason}</li>
  % endfor
</ul>
% endif
<form method="GET" action="${request.path}">
  <label>days <input type="number" name="days" min="1" max="3650" value="${h['days']}"></label>
  <button type="submit">Show</button>
</form>

<h2>Certificates</h2>
<table class="kv">
  <tr><th>active</th><td>${certs['active']}</td></tr>
  <tr><th>latest of an active domain</th><td>${certs['latest']}</td></tr>
  <tr><th>earliest notAfter of those</th><td>${certs['earliest_not_after'] or '-'}</td></tr>
  <tr><th>expiring within ${h['days']} days</th><td>${certs['expiring']['count']}
    (without renewal: ${certs['expiring']['count_without_renewal']}, critical: ${certs['expiring']['count_critical']})</td></tr>
  <tr><th>expired, still the latest</th><td>${certs['expired_latest']['count']}</td></tr>
</table>
% if certs['expired_latest']['items']:
<h3>Expired, still the latest of an active domain</h3>
${certificate_rows(certs['expired_latest']['items'])}
% endif
% if certs['expiring']['items']:
<h3>Expiring within ${h['days']} days</h3>
${certificate_rows(certs['expiring']['items'])}
% endif

<h2>Failed renewals</h2>
<p>${h['renewals_failed']['count']} failed and not renewed since
  (critical: ${h['renewals_failed']['count_critical']});
  <a href="${request.route_path('admin:queue_certificates:failures')}">every failure</a>.</p>
% if h['renewals_failed']['items']:
<table>
  <tr><th>queue item</th><th>domains</th><th>failed at</th><th>certificate notAfter</th><th>critical</th></tr>
  % for item in h['renewals_failed']['items']:
  <tr>
    <td><a href="${request.route_path('admin:queue_certificate:focus', id=item['queue_certificate_id'])}">${item['queue_certificate_id']}</a></td>
    <td>${', '.join(item['domains'])}</td>
    <td>${item['timestamp_failed']}</td>
    <td>${item['timestamp_not_after'] or 'none'}</td>
    <td>${m.boolean(item['critical'])}</td>
  </tr>
  % endfor
</table>
% endif

<h2>Queues</h2>
<table>
  <tr><th>queue</th><th>waiting</th><th>oldest waiting since</th><th>its age (seconds)</th></tr>
  % for label, key, route in (('renewals', 'queue_certificate', 'admin:queue_certificates'), ('domains', 'queue_domain', 'admin:queue_domains')):
  <% q = h['queues'][key] %>
  <tr>
    <td><a href="${request.route_path(route)}">${label}</a></td>
    <td>${q['waiting']}</td>
    <td>${q['oldest_waiting_timestamp'] or '-'}</td>
    <td>${q['oldest_waiting_seconds'] if q['oldest_waiting_seconds'] is not None else '-'}</td>
  </tr>
  % endfor
</table>

<h2>Other</h2>
<table class="kv">
  <tr><th>active domains</th><td>${h['domains']['active']}</td></tr>
  <tr><th>active domains with no active certificate</th><td>${h['domains']['active_without_certificate']}</td></tr>
  <tr><th>active ACME accounts</th><td>${h['acme_accounts']['active']}</td></tr>
  <tr><th>unresolved coverage events</th><td>${h['coverage_events_unresolved'] if h['coverage_events_unresolved'] is not None else 'not available'}</td></tr>
</table>
