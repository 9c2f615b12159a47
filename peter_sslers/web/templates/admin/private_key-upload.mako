<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Upload a private key</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:private_keys')}">Private keys</a> / Upload</%block>

<h1>Upload a private key ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" enctype="multipart/form-data" action="${request.route_path('admin:private_key:upload')}">${csrf_input()}
  <label for="private_key_file">Private key (PEM)</label>${m.field_error(form_errors, 'private_key_file')}
  <input type="file" id="private_key_file" name="private_key_file" required>
  <button type="submit">Upload</button>
</form>
