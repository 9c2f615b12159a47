<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Settings</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / Settings</%block>

<h1>Settings ${m.json_link(request.route_path('admin:settings|json'))}</h1>
<p>The effective configuration of this process, from its ini file. Secrets are masked. Change them in the
ini file and restart.</p>
<nav class="toc" aria-label="Contents">
  <h2>Contents</h2>
  <ul class="columns">
  % for option, value in rows:
    <li><a href="#option-${option.name}">${option.name}</a></li>
  % endfor
  </ul>
</nav>
<table class="list settings">
  <thead><tr><th>option</th><th>value</th><th>default</th><th>what it does</th><th>accepts</th></tr></thead>
  <tbody>
  % for option, value in rows:
    <tr id="option-${option.name}">
      <td><code>${option.name}</code></td>
      <td><code>${_show(value)}</code></td>
      <td><code>${_show(option.default)}</code></td>
      <td>${option.doc}</td>
      <td>${option.accepted}</td>
    </tr>
  % endfor
  </tbody>
</table>

<%def name="_show(value)">${'' if value is None else (', '.join(value) if isinstance(value, tuple) else (str(value).lower() if isinstance(value, bool) else value))}</%def>
