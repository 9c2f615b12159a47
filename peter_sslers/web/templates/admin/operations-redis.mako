<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Redis primes</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:operations:log')}">Operations log</a> / Redis primes</%block>

<h1>Redis primes ${m.json_link(request.route_path('admin:operations:redis_paginated|json', page=pagination.page))}</h1>
<p>Every full prime of Redis (<a href="${request.route_path('admin:api:redis:prime')}">prime it now</a>).
The write-through of <code>config.json?openresty=1</code> primes one domain at a time and is not listed.</p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>when</th><th>style</th><th>domains</th><th>certs</th><th>keys</th><th>chains</th><th>removed</th><th>server</th></tr></thead>
  <tbody>
  % for e in OperationsEvents:
<%
    payload = e.event_payload_json
    primed = payload.get('total_primed', {})
    removed = payload.get('removed', {})
%>
    <tr>
      <td><a href="${request.route_path('admin:operations:log:focus', id=e.id)}">${e.id}</a></td>
      <td>${m.timestamp(e.timestamp_event)}</td>
      <td>${payload.get('prime_style', '')}</td>
      <td>${primed.get('domain', '')}</td>
      <td>${primed.get('cert', '')}</td>
      <td>${primed.get('pkey', '')}</td>
      <td>${primed.get('certcachain', '')}</td>
      <td>${sum(removed.values()) if removed else ''}</td>
      <td><code>${payload.get('redis_server', '')}</code></td>
    </tr>
  % endfor
  </tbody>
</table>
