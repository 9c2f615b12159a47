<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="c" file="/admin/coverage_assurance_event-macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:coverage_assurance_events')}">Coverage</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
  <a href="${request.route_path('admin:coverage_assurance_events:unresolved')}">unresolved (${count_unresolved})</a>
  <a href="${request.route_path('admin:coverage_assurance_events:all')}">all</a>
  <a href="${request.route_path('admin:notifications')}">notifications</a>
</nav>
% if which == 'children':
<p>Children of <a href="${request.route_path('admin:coverage_assurance_event:focus', id=ParentEvent.id)}">event ${ParentEvent.id}</a>.</p>
% endif
${m.pagination(pagination)}
% if items:
${c.table_events(items)}
% else:
<p>None.</p>
% endif
