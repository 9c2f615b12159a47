<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<% o = AcmeOrderless %>
<%block name="title">AcmeOrderless ${AcmeOrderless.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orderlesss')}">AcmeOrderless</a> / ${AcmeOrderless.id}</%block>

<h1>AcmeOrderless ${o.id} ${m.json_link(request.route_path('admin:acme_orderless:focus|json', id=o.id))}</h1>
${m.form_errors(form_errors)}
<table class="kv">
  <tr><th>processing</th><td>${m.boolean(o.is_processing)}${'' if o.is_processing else ' (deactivated: nothing is served)'}</td></tr>
  <tr><th>domain names</th><td>${', '.join(o.domain_names_list)}</td></tr>
  <tr><th>account</th><td>
  % if o.acme_account_id:
    <a href="${request.route_path('admin:acme_account:focus', id=o.acme_account_id)}">AcmeAccount ${o.acme_account_id}</a>
    (key authorizations must carry its key's thumbprint; left out, they are computed)
  % else:
    none
  % endif
  </td></tr>
  <tr><th>created / updated</th><td>${m.timestamp(o.timestamp_created)} / ${m.timestamp(o.timestamp_updated)}</td></tr>
  <tr><th>finalized</th><td>${m.timestamp(o.timestamp_finalized)}</td></tr>
</table>

<h2>Challenges</h2>
% if o.is_processing:
<form method="POST" action="${request.route_path('admin:acme_orderless:focus:update', id=o.id)}">${csrf_input()}
% endif
<table>
  <thead><tr><th>id</th><th>domain</th><th>type</th><th>token</th><th>key authorization</th><th>challenge URL (the CA's)</th><th>polled</th><th>served at</th></tr></thead>
  <tbody>
  % for c in o.acme_orderless_challenges:
    <tr>
      <td><a href="${request.route_path('admin:acme_orderless:focus:acme_challenge', id=o.id, id_challenge=c.id)}">${c.id}</a></td>
      <td>${c.domain_name}</td>
      <td>${c.acme_challenge_type}</td>
    % if o.is_processing:
      <td><input type="text" name="${c.id}_token" value="${form_values.get('%s_token' % c.id, c.token or '')}"></td>
      <td><input type="text" name="${c.id}_keyauthorization" value="${form_values.get('%s_keyauthorization' % c.id, c.keyauthorization or '')}"></td>
      <td><input type="url" name="${c.id}_url" value="${form_values.get('%s_url' % c.id, c.challenge_url or '')}"></td>
    % else:
      <td><code>${c.token or '-'}</code></td>
      <td><code>${c.keyauthorization or '-'}</code></td>
      <td><code>${c.challenge_url or '-'}</code></td>
    % endif
      <td>${c.count_polled} ${m.timestamp(c.timestamp_polled_last)}</td>
      <td>
      % if c.token and c.keyauthorization and o.is_processing:
        <code>http://${c.domain_name}/.well-known/acme-challenge/${c.token}</code>
      % else:
        -
      % endif
      </td>
    </tr>
  % endfor
  </tbody>
</table>
% if o.is_processing:
  <button type="submit">Save the challenges</button>
</form>

<h2>Add a challenge</h2>
<form method="POST" action="${request.route_path('admin:acme_orderless:focus:add_challenge', id=o.id)}">${csrf_input()}
  <input type="hidden" name="acme_challenge_type" value="http-01">
  <label for="domain">Domain</label>${m.field_error(form_errors, 'domain')}
  <select id="domain" name="domain">
  % for name in o.domain_names_list:
    <option value="${name}" ${'selected' if form_values.get('domain') == name else ''}>${name}</option>
  % endfor
  </select>
  <label for="token">Token</label>${m.field_error(form_errors, 'token')}
  <input type="text" id="token" name="token" value="${form_values.get('token', '')}">
  <label for="keyauthorization">Key authorization (token.thumbprint)</label>${m.field_error(form_errors, 'keyauthorization')}
  <input type="text" id="keyauthorization" name="keyauthorization" value="${form_values.get('keyauthorization', '')}">
  <label for="challenge_url">Challenge URL (optional: the CA's URL of this challenge)</label>${m.field_error(form_errors, 'challenge_url')}
  <input type="url" id="challenge_url" name="challenge_url" value="${form_values.get('challenge_url', '')}">
  <button type="submit">Add</button>
</form>

<div class="actions">${a.post_button(request.route_path('admin:acme_orderless:focus:deactivate', id=o.id), 'Deactivate (stop serving)')}</div>
% endif
