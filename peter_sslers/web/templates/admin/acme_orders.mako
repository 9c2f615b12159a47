<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
% for w in ('active', 'finished', 'failed', 'all'):
  <a href="${request.route_path('admin:acme_orders:list', which=w)}">${w}</a>
% endfor
  <a class="button" href="${request.route_path('admin:acme_order:new:freeform')}">New order</a>
</nav>
% if which == 'active':
<form method="POST" action="${request.route_path('admin:acme_orders:active:acme_server:sync')}">${csrf_input()}
  <button type="submit">Sync every active order with its ACME server</button>
</form>
% endif
${m.pagination(pagination)}
% if items:
${a.table_acme_orders(items)}
% else:
<p>None.</p>
% endif
