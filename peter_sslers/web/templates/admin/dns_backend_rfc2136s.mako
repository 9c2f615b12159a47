<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">DNS backends (RFC 2136)</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / DNS backends (RFC 2136)</%block>

<h1>DNS backends (RFC 2136) ${m.json_link(request.route_path('admin:dns_backend_rfc2136s_paginated|json', page=pagination.page))}</h1>
<p>The zones whose dns-01 TXT records are published through RFC 2136 dynamic updates signed with TSIG.
A name is handled by the longest active zone that encloses it. See docs/Dns01.md.</p>
<p><a class="button" href="${request.route_path('admin:dns_backend_rfc2136:new')}">Add a DNS backend</a></p>
${m.pagination(pagination)}
% if items:
<table class="list">
  <thead><tr><th>id</th><th>zone</th><th>server</th><th>TSIG key</th><th>active</th><th>created</th></tr></thead>
  <tbody>
  % for b in items:
    <tr>
      <td><a href="${request.route_path('admin:dns_backend_rfc2136:focus', id=b.id)}">${b.id}</a></td>
      <td><code>${b.zone}</code></td>
      <td>${b.server}:${b.port}</td>
      <td>${b.tsig_key_name} (${b.tsig_algorithm})</td>
      <td>${m.boolean(b.is_active)}</td>
      <td>${m.timestamp(b.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No DNS backends yet.</p>
% endif
