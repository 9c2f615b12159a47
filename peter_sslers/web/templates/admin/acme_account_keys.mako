<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_accounts')}">ACME accounts</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>account</th><th>technology</th><th>source</th><th>active</th><th>created</th><th>retired</th><th>SPKI SHA-256</th></tr></thead>
  <tbody>
  % for k in items:
    <tr>
      <td>${k.id}</td>
      <td><a href="${request.route_path('admin:acme_account:focus', id=k.acme_account_id)}">${k.acme_account_id}</a></td>
      <td>${k.key_technology}</td>
      <td>${k.acme_account_key_source}</td>
      <td>${m.boolean(bool(k.is_active))}</td>
      <td>${m.timestamp(k.timestamp_created)}</td>
      <td>${m.timestamp(k.timestamp_deactivated)}</td>
      <td><code>${k.spki_sha256}</code></td>
    </tr>
  % endfor
  </tbody>
</table>
