<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Upload a certificate</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_signeds')}">Certificates</a> / Upload</%block>

<h1>Upload a certificate ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" enctype="multipart/form-data" action="${request.route_path('admin:certificate_signed:upload')}">${csrf_input()}
  <label for="certificate_file">Certificate (PEM)</label>${m.field_error(form_errors, 'certificate_file')}
  <input type="file" id="certificate_file" name="certificate_file" required>
  <label for="chain_file">Chain (PEM: the intermediates, issuer first)</label>${m.field_error(form_errors, 'chain_file')}
  <input type="file" id="chain_file" name="chain_file" required>
  <label for="private_key_file">Private key (PEM)</label>${m.field_error(form_errors, 'private_key_file')}
  <input type="file" id="private_key_file" name="private_key_file" required>
  <p><button type="submit">Upload</button></p>
</form>
<p class="muted">From the command line:</p>
<pre>curl --form "private_key_file=@privkey1.pem" \
     --form "certificate_file=@cert1.pem" \
     --form "chain_file=@chain1.pem" \
     ${request.admin_url}/certificate-signed/upload.json</pre>
