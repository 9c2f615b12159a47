<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<% o = AcmeOrderless %>
<% c = AcmeOrderlessChallenge %>
<%block name="title">AcmeOrderless ${AcmeOrderless.id}, challenge ${AcmeOrderlessChallenge.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_orderlesss')}">AcmeOrderless</a> / <a href="${request.route_path('admin:acme_orderless:focus', id=AcmeOrderless.id)}">${AcmeOrderless.id}</a> / challenge ${AcmeOrderlessChallenge.id}</%block>

<h1>AcmeOrderless ${o.id}, challenge ${c.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domain</th><td>${c.domain_name}</td></tr>
  <tr><th>type</th><td>${c.acme_challenge_type}</td></tr>
  <tr><th>token</th><td><code>${c.token or '-'}</code></td></tr>
  <tr><th>key authorization</th><td><code>${c.keyauthorization or '-'}</code></td></tr>
  <tr><th>challenge URL (the CA's)</th><td><code>${c.challenge_url or '-'}</code></td></tr>
  <tr><th>served</th><td>
  % if c.token and c.keyauthorization and o.is_processing:
    at <code>http://${c.domain_name}/.well-known/acme-challenge/${c.token}</code>
  % else:
    no${'' if o.is_processing else ' (the AcmeOrderless is deactivated)'}
  % endif
  </td></tr>
  <tr><th>polled</th><td>${c.count_polled} time${'' if c.count_polled == 1 else 's'}, last ${m.timestamp(c.timestamp_polled_last) or '-'}</td></tr>
  <tr><th>created / updated</th><td>${m.timestamp(c.timestamp_created)} / ${m.timestamp(c.timestamp_updated)}</td></tr>
</table>
