<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Upload a CA chain</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_ca_chains')}">CA chains</a> / Upload</%block>

<h1>Upload a CA chain ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" enctype="multipart/form-data" action="${request.route_path('admin:certificate_ca_chain:upload_chain')}">${csrf_input()}
  <label for="chain_file">Chain (PEM, each certificate signed by the next)</label>${m.field_error(form_errors, 'chain_file')}
  <input type="file" id="chain_file" name="chain_file" required>
  <label for="chain_file_name">Display name (optional)</label>${m.field_error(form_errors, 'chain_file_name')}
  <input type="text" id="chain_file_name" name="chain_file_name">
  <p><button type="submit">Upload</button></p>
</form>
