<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">${page_title}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / ${page_title}</%block>

<h1>${page_title} ${m.json_twin()}</h1>
<p><a class="button" href="${request.route_path('admin:certificate_ca_chain:upload_chain')}">Upload a chain</a></p>
${m.pagination(pagination)}
<table class="list">
  <thead><tr><th>id</th><th>name</th><th>length</th><th>CA ids, leaf side first</th><th>created</th></tr></thead>
  <tbody>
  % for chain in items:
    <tr>
      <td><a href="${request.route_path('admin:certificate_ca_chain:focus', id=chain.id)}">${chain.id}</a></td>
      <td>${chain.display_name}</td>
      <td>${chain.chain_length}</td>
      <td>${chain.certificate_ca_ids_string}</td>
      <td>${m.timestamp(chain.timestamp_created)}</td>
    </tr>
  % endfor
  </tbody>
</table>
