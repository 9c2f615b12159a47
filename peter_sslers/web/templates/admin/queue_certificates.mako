<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="q" file="/admin/queue_certificate-macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
  <a href="${request.route_path('admin:queue_certificates:unprocessed')}">waiting</a>
  <a href="${request.route_path('admin:queue_certificates:successes')}">successes</a>
  <a href="${request.route_path('admin:queue_certificates:failures')}">failures</a>
  <a href="${request.route_path('admin:queue_certificates:all')}">all</a>
  <a class="button" href="${request.route_path('admin:queue_certificate:new_freeform')}">Queue names</a>
  <a class="button" href="${request.route_path('admin:queue_certificate:new_structured')}">Queue the renewal of an order, certificate or set</a>
  <a class="button" href="${request.route_path('admin:queue_certificates:process')}">Process</a>
</nav>
% if which == 'unprocessed' and items:
<form method="POST" action="${request.route_path('admin:queue_certificates:process')}">${csrf_input()}
  <button type="submit">Process the queue (one item a page, until it is empty)</button>
</form>
% endif
${m.pagination(pagination)}
% if items:
${q.table_queue_certificates(items)}
% else:
<p>None.</p>
% endif
