<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">API: autocert</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / Autocert</%block>

<h1>Autocert ${m.json_twin()}</h1>
<p>What the edge (nginx with <code>peter_sslers_edge.lua</code>, or the OpenResty module) calls when it has no
certificate for a name: the name's certificate, ordered first when it has no valid one and the policy below
allows it. Every attempt is listed under <a href="${request.route_path('admin:domain_autocerts')}">autocert attempts</a>;
docs/Autocert.md explains the rules.</p>

<h2>The policy in force</h2>
<table class="details">
  <tr><th>orders</th><td>${'on' if settings.enable_autocert else 'off: only names that have a certificate are answered'} (<code>enable_autocert</code>)</td></tr>
  <tr><th>names allowed</th><td>
  % if settings.autocert_allowed_suffixes == ('*',):
    any host name
  % elif settings.autocert_allowed_suffixes:
    equal to or under: ${', '.join(settings.autocert_allowed_suffixes)}
  % else:
    none (<code>autocert.allowed_suffixes</code> is empty)
  % endif
  </td></tr>
  <tr><th>at most</th><td>${settings.autocert_orders_per_hour} order(s) an hour, across every instance</td></tr>
  <tr><th>after a failure</th><td>the name waits ${settings.autocert_retry_after_seconds} s</td></tr>
  <tr><th>a concurrent call waits</th><td>up to ${settings.autocert_wait_seconds} s for the order in progress</td></tr>
  <tr><th>account</th><td>
  % if settings.autocert_acme_account_id:
    <a href="${request.route_path('admin:acme_account:focus', id=settings.autocert_acme_account_id)}">account ${settings.autocert_acme_account_id}</a> (<code>autocert.acme_account_id</code>)
  % elif global_default_account is not None:
    the global default, <a href="${request.route_path('admin:acme_account:focus', id=global_default_account.id)}">account ${global_default_account.id}</a>
  % else:
    <strong>none: there is no global default account</strong>
  % endif
  </td></tr>
</table>

<h2>Try a name</h2>
${m.form_errors(form_errors)}
% if answer:
<div class="alert alert-success">${answer['autocert']['status'].replace('_', ' ')}: the certificate of
  <a href="${request.route_path('admin:domain:focus', domain_identifier=answer['domain']['id'])}">${answer['domain']['domain_name']}</a>
  is <a href="${request.route_path('admin:certificate_signed:focus', id=answer[answer['serve']]['id'])}">certificate ${answer[answer['serve']]['id']}</a>.</div>
% endif
<form method="POST" action="${request.route_path('admin:api:domain:autocert')}">${csrf_input()}
  <label for="domain_name">Domain name</label>
  <input type="text" id="domain_name" name="domain_name" value="${form_values.get('domain_name', '')[:255]}">
  <p><button type="submit">Get its certificate</button></p>
</form>
