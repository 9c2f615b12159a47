<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<nav class="tabs">
% for which in ('active', 'expiring', 'inactive', 'all'):
  <a href="${request.route_path('admin:certificate_signeds:list', which=which)}">${which}</a>
% endfor
  <a class="button" href="${request.route_path('admin:certificate_signed:upload')}">Upload a certificate</a>
</nav>
${m.pagination(pagination)}
% if items:
${m.table_certificate_signeds(items)}
% else:
<p>None.</p>
% endif
