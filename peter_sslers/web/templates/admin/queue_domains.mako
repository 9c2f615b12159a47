<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_domain-macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
  <a href="${request.route_path('admin:queue_domains')}">waiting</a>
  <a href="${request.route_path('admin:queue_domains:all')}">all</a>
  <a class="button" href="${request.route_path('admin:queue_domains:add')}">Add names</a>
  <a class="button" href="${request.route_path('admin:queue_domains:process')}">Process</a>
</nav>
${m.pagination(pagination)}
% if items:
${q.table_queue_domains(items)}
% else:
<p>None.</p>
% endif
