<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
% for s in statuses:
  <a href="${request.path}?status=${s}">${s}</a>
% endfor
  <a href="${request.route_path('admin:acme_challenge_polls')}">polls</a>
</nav>
${m.pagination(pagination)}
% if items:
${a.table_acme_challenges(items)}
% else:
<p>None.</p>
% endif
