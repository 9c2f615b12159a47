<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Blocklisted domain names</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / Blocklisted</%block>

<h1>Blocklisted domain names ${m.json_link(request.route_path('admin:domains_blocklisted_paginated|json', page=pagination.page))}</h1>
<p>No Domain, domain set, order or queue item is ever made with these names, and the public responder does
not answer challenges for them. A name blocks exactly itself: <code>example.com</code> does not block
<code>www.example.com</code>.</p>
<p><a class="button" href="${request.route_path('admin:domains_blocklisted:add')}">Blocklist a name</a></p>
${m.pagination(pagination)}
% if DomainsBlocklisted:
<table class="list">
  <thead><tr><th>id</th><th>domain name</th><th>since</th><th></th></tr></thead>
  <tbody>
  % for b in DomainsBlocklisted:
    <tr>
      <td><a href="${request.route_path('admin:domain_blocklisted:focus', id=b.id)}">${b.id}</a></td>
      <td>${m.domain_name(b.domain_name)}</td>
      <td>${m.timestamp(b.timestamp_created)}</td>
      <td><form class="inline" method="POST" action="${request.route_path('admin:domain_blocklisted:focus:delete', id=b.id)}">${csrf_input()}<button type="submit">Remove</button></form></td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No name is blocklisted.</p>
% endif
