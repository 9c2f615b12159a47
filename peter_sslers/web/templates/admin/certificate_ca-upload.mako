<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Upload a CA certificate</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_cas')}">CA certificates</a> / Upload</%block>

<h1>Upload a CA certificate ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" enctype="multipart/form-data" action="${request.route_path('admin:certificate_ca:upload_cert')}">${csrf_input()}
  <label for="cert_file">CA certificate (PEM)</label>${m.field_error(form_errors, 'cert_file')}
  <input type="file" id="cert_file" name="cert_file" required>
  <label for="cert_file_name">Display name (optional)</label>${m.field_error(form_errors, 'cert_file_name')}
  <input type="text" id="cert_file_name" name="cert_file_name">
  <p><button type="submit">Upload</button></p>
</form>
