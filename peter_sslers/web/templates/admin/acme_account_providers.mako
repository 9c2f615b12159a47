<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">ACME servers</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ACME servers</%block>

<h1>ACME servers ${m.json_twin()}</h1>
<p class="muted">The default server is the ini's <code>certificate_authority</code>; others are enabled with <code>certificate_authorities_enable</code>.</p>
<table class="list">
  <thead><tr><th>id</th><th>name</th><th>directory</th><th>server</th><th>default</th><th>enabled</th></tr></thead>
  <tbody>
  % for p in AcmeAccountProviders:
    <tr>
      <td>${p.id}</td>
      <td>${p.name}</td>
      <td><code>${p.url}</code></td>
      <td><code>${p.server}</code></td>
      <td>${m.boolean(bool(p.is_default))}</td>
      <td>${m.boolean(bool(p.is_enabled))}</td>
    </tr>
  % endfor
  </tbody>
</table>
