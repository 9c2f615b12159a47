<%inherit file="/admin/layout.mako"/>
<%block name="title">Help</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / Help</%block>

<h1>Help</h1>

<h2>Two trees of views</h2>
<ul>
  <li><strong>Public</strong> (<code>enable_views_public</code>): <code>/.well-known/acme-challenge/{token}</code>
      answers ACME http-01 validations from the shared database, so any instance can answer for any
      order; <code>/.well-known/public/whoami</code> answers the host name, to check proxy wiring.</li>
  <li><strong>Admin</strong> (<code>enable_views_admin</code>), here at <code>${request.registry.app_settings.admin_prefix}</code>:
      everything else. <strong>It exposes private keys on purpose: run it only on a private network.</strong></li>
</ul>

<h2>HTML and JSON</h2>
<p>Almost every admin page has a JSON twin: add <code>.json</code> to its path
(lists: <code>/domains/2.json</code> for page 2). Actions change state only on an HTTP POST; a GET on an
action's <code>.json</code> path explains its fields. The <a href="${request.route_path('admin:api')}">API page</a>
lists every JSON endpoint. Numeric ids in JSON are strings; timestamps are ISO 8601 in UTC.</p>

<h2>Long jobs</h2>
<p>Run long jobs without an HTTP time-out through Pyramid's <code>prequest</code>:</p>
<pre>prequest example_development.ini ${request.registry.app_settings.admin_prefix}/domains.json</pre>

<h2>Domains</h2>
<p>A Domain is <em>active</em> while peter_sslers manages it: it is renewed and served. Names are stored
lower-case; look one up by id or by name: <code>${request.registry.app_settings.admin_prefix}/domain/example.com</code>.</p>
