<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:domains')}">Domains</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p>Each attempt to certify a name on request (<a href="${request.route_path('admin:api:domain:autocert')}">autocert</a>,
<a href="${request.route_path('admin:api:domain:certificate_if_needed')}">certificate if needed</a>). While an attempt
runs it holds its name: no second order is made for it on any instance.</p>
${m.pagination(pagination)}
% if items:
<table class="list">
  <thead><tr><th>id</th><th>domain name</th><th>by</th><th>started</th><th>finished</th><th>result</th><th>order</th><th>certificate</th><th>error</th></tr></thead>
  <tbody>
  % for a in items:
    <tr>
      <td>${a.id}</td>
      <td>
      % if a.domain_id:
        <a href="${request.route_path('admin:domain:focus', domain_identifier=a.domain_id)}">${m.domain_name(a.domain_name)}</a>
      % else:
        ${m.domain_name(a.domain_name)}
      % endif
      </td>
      <td>${a.source}</td>
      <td>${m.timestamp(a.timestamp_created)}</td>
      <td>${m.timestamp(a.timestamp_finished)}</td>
      <td>${a.result}</td>
      <td>
      % if a.acme_order_id:
        <a href="${request.route_path('admin:acme_order:focus', id=a.acme_order_id)}">${a.acme_order_id}</a>
      % endif
      </td>
      <td>
      % if a.certificate_signed_id:
        <a href="${request.route_path('admin:certificate_signed:focus', id=a.certificate_signed_id)}">${a.certificate_signed_id}</a>
      % endif
      </td>
      <td>${(a.error or '')[:300]}</td>
    </tr>
  % endfor
  </tbody>
</table>
% else:
<p>No attempt yet.</p>
% endif
