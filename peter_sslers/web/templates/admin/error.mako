<%inherit file="/admin/layout.mako"/>
<%block name="title">${status} ${title}</%block>

<h1>${status} ${title}</h1>
<div class="alert alert-error" role="alert"><p>${message}</p></div>
% if status == 404:
<p>The page or object was not found. The menu above leads to every list; <a href="${request.route_path('admin:search')}">Search</a> finds an object by name, id or serial.</p>
% elif status == 500:
<p>Nothing the request did was kept. The details are in the application's log.</p>
% endif
<p><a href="${request.route_path('admin')}">Back to the admin index</a></p>
