<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% v = RootStoreVersion %>
<%block name="title">Root store version ${RootStoreVersion.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:root_stores')}">Root stores</a> / <a href="${request.route_path('admin:root_store:focus', id=RootStoreVersion.root_store_id)}">${RootStoreVersion.root_store.name}</a> / ${RootStoreVersion.version_string}</%block>

<h1>${v.root_store.name} ${v.version_string} ${m.json_twin()}</h1>
<p>The stored CA certificates this version trusts (the store may trust others that are not stored here).</p>
<table class="list">
  <thead><tr><th>id</th><th>CA</th><th>SHA-1 fingerprint</th><th>not after</th></tr></thead>
  <tbody>
  % for link in v.to_certificate_cas:
    <tr>
      <td><a href="${request.route_path('admin:certificate_ca:focus', id=link.certificate_ca_id)}">${link.certificate_ca_id}</a></td>
      <td>${link.certificate_ca.display_name}</td>
      <td><code>${link.certificate_ca.fingerprint_sha1}</code></td>
      <td>${m.timestamp(link.certificate_ca.timestamp_not_after)}</td>
    </tr>
  % endfor
  </tbody>
</table>
