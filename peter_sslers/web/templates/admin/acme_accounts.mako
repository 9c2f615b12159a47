<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:acme_account:new')}">New account</a>
   <a class="button" href="${request.route_path('admin:acme_account:upload')}">Upload an account</a>
   <a href="${request.route_path('admin:acme_account_providers')}">ACME servers</a></p>
${m.pagination(pagination)}
% if items:
${a.table_acme_accounts(items)}
% else:
<p>None.</p>
% endif
