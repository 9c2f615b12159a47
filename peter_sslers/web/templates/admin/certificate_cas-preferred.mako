<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%block name="title">Preferred CAs</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:certificate_cas')}">CA certificates</a> / Preferred</%block>

<h1>Preferred CAs <a class="json" href="${request.route_path('admin:certificate_cas:preferred|json')}">.json</a></h1>
<p>The chain served with a certificate (chain.pem, fullchain.pem, config.json, config.zip, Redis) is the first of its
chains that holds the CA of slot 1 (or that this CA is known to have issued the chain's last CA), else of slot 2, and
so on; with no slot matching, the chain the ACME server sent first. Redis keeps what it was primed with:
<a href="${request.route_path('admin:api:redis:prime')}">prime it</a> after a change. At most ${max_slots} slots.</p>
${m.form_errors(form_errors)}
<table class="list">
  <thead><tr><th>slot</th><th>CA</th><th>SHA-1 fingerprint</th><th>not after</th><th></th></tr></thead>
  <tbody>
  % for p in CertificateCAPreferences:
    <tr>
      <td>${p.slot}</td>
      <td><a href="${request.route_path('admin:certificate_ca:focus', id=p.certificate_ca_id)}">${p.certificate_ca.display_name}</a></td>
      <td><code>${p.certificate_ca.fingerprint_sha1}</code></td>
      <td>${m.timestamp(p.certificate_ca.timestamp_not_after)}</td>
      <td>
      % for priority, label in (('increase', 'up'), ('decrease', 'down')):
        <form class="inline" method="POST" action="${request.route_path('admin:certificate_cas:preferred:prioritize')}">${csrf_input()}
          <input type="hidden" name="fingerprint_sha1" value="${p.certificate_ca.fingerprint_sha1}">
          <input type="hidden" name="slot" value="${p.slot}">
          <input type="hidden" name="priority" value="${priority}">
          <button type="submit">${label}</button></form>
      % endfor
        <form class="inline" method="POST" action="${request.route_path('admin:certificate_cas:preferred:delete')}">${csrf_input()}
          <input type="hidden" name="fingerprint_sha1" value="${p.certificate_ca.fingerprint_sha1}">
          <input type="hidden" name="slot" value="${p.slot}">
          <button type="submit">remove</button></form>
      </td>
    </tr>
  % endfor
  </tbody>
</table>

<h2>Add a CA</h2>
<form method="POST" action="${request.route_path('admin:certificate_cas:preferred:add')}">${csrf_input()}
  <label for="fingerprint_sha1">SHA-1 fingerprint of a stored CA certificate (40 hex digits, or the first 8)</label>${m.field_error(form_errors, 'fingerprint_sha1')}
  <input type="text" id="fingerprint_sha1" name="fingerprint_sha1" required>
  <p><button type="submit">Add</button></p>
</form>
<p><a href="${request.route_path('admin:certificate_cas')}">All CA certificates</a>,
   <a href="${request.route_path('admin:root_stores')}">root stores</a></p>
