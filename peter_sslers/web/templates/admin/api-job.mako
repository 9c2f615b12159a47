<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:api')}">API</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
% if result is None:
<form method="POST" action="${request.path}">${csrf_input()}<button type="submit">Run now</button></form>
% else:
<div class="alert alert-success">Done.</div>
<pre>${result}</pre>
% endif
