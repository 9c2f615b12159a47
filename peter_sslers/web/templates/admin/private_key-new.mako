<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Generate a private key</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:private_keys')}">Private keys</a> / New</%block>

<h1>Generate a private key ${m.json_twin()}</h1>
${m.form_errors(form_errors)}
<form method="POST" action="${request.route_path('admin:private_key:new')}">${csrf_input()}
  <label for="key_technology">Key</label>${m.field_error(form_errors, 'key_technology')}
  <select id="key_technology" name="key_technology">
  % for option in options:
    <option value="${option}" ${'selected' if option == 'RSA_4096' else ''}>${option}</option>
  % endfor
  </select>
  <button type="submit">Generate</button>
</form>
