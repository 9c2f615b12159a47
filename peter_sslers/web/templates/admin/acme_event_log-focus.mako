<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% e = AcmeEventLog %>
<%block name="title">ACME event ${AcmeEventLog.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_event_logs')}">ACME event log</a> / ${AcmeEventLog.id}</%block>

<h1>ACME event ${e.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>when</th><td>${m.timestamp(e.timestamp_event)}</td></tr>
  <tr><th>event</th><td>${e.acme_event}</td></tr>
  <tr><th>request</th><td><code>${e.request_method or ''} ${e.request_url or ''}</code></td></tr>
  <tr><th>response status</th><td>${e.response_status if e.response_status is not None else '-'}</td></tr>
  % if e.problem_type or e.problem_detail:
  <tr><th>problem</th><td><code>${e.problem_type or ''}</code> ${e.problem_detail or ''}</td></tr>
  % endif
  <tr><th>about</th><td>
  % for label, route, value in (('account', 'admin:acme_account:focus', e.acme_account_id), ('order', 'admin:acme_order:focus', e.acme_order_id), ('authorization', 'admin:acme_authorization:focus', e.acme_authorization_id), ('challenge', 'admin:acme_challenge:focus', e.acme_challenge_id), ('CSR', 'admin:certificate_request:focus', e.certificate_request_id), ('certificate', 'admin:certificate_signed:focus', e.certificate_signed_id)):
    % if value:
    <a href="${request.route_path(route, id=value)}">${label} ${value}</a>
    % endif
  % endfor
  </td></tr>
</table>
<h2>Request payload</h2>
<pre>${e.request_payload or '-'}</pre>
<h2>Response headers</h2>
<pre>${e.response_headers or '-'}</pre>
<h2>Response body</h2>
<pre>${e.response_payload or '-'}</pre>
