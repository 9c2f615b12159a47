<%inherit file="/admin/layout.mako"/>
<%namespace name="m" file="/admin/_macros.mako"/>
<%namespace name="a" file="/admin/acme_macros.mako"/>
<% authz = AcmeAuthorization %>
<% r = lambda name: request.route_path(name, id=authz.id) %>
<%block name="title">ACME authorization ${AcmeAuthorization.id}</%block>
<%block name="breadcrumb"><a href="${request.route_path('admin')}">Admin</a> / <a href="${request.route_path('admin:acme_authorizations')}">ACME authorizations</a> / ${AcmeAuthorization.id}</%block>

<h1>ACME authorization ${authz.id} ${m.json_twin()}</h1>
<table class="kv">
  <tr><th>domain</th><td>
  % if authz.domain:
    <a href="${request.route_path('admin:domain:focus', domain_identifier=authz.domain.domain_name)}">${authz.domain.domain_name}</a>${' (wildcard)' if authz.wildcard else ''}
  % else:
    not fetched yet
  % endif
  </td></tr>
  <tr><th>status</th><td>${a.status(authz.acme_status_authorization)}</td></tr>
  <tr><th>URL</th><td><code>${authz.authorization_url}</code></td></tr>
  <tr><th>orders</th><td>
  % for link in authz.to_acme_orders:
    <a href="${request.route_path('admin:acme_order:focus', id=link.acme_order_id)}">order ${link.acme_order_id}</a>
  % endfor
    <a href="${r('admin:acme_authorization:focus:acme_orders')}">(list)</a>
  </td></tr>
  <tr><th>created / updated / expires</th><td>${m.timestamp(authz.timestamp_created)} / ${m.timestamp(authz.timestamp_updated)} / ${m.timestamp(authz.timestamp_expires)}</td></tr>
</table>
<div class="actions">
  ${a.post_button(r('admin:acme_authorization:focus:acme_server:sync'), 'Sync with the ACME server')}
% if authz.acme_status_authorization in ('pending', '*discovered*'):
  ${a.post_button(r('admin:acme_authorization:focus:acme_server:deactivate'), 'Deactivate on the ACME server…', danger=True)}
% endif
</div>
<h2>Challenges <a href="${r('admin:acme_authorization:focus:acme_challenges')}">(list)</a></h2>
${a.table_acme_challenges(authz.acme_challenges)}
% if triggerable_challenge_ids:
<div class="actions">Answer one challenge (dns-01: its TXT record is published through the name's acme-dns account or DNS backend,
  checked at the zone's authoritative servers, and removed after the verdict):
% for c in authz.acme_challenges:
  % if c.id in triggerable_challenge_ids:
  ${a.post_button(request.route_path('admin:acme_challenge:focus:acme_server:trigger', id=c.id), 'Trigger %s (challenge %s)' % (c.acme_challenge_type, c.id))}
  % endif
% endfor
</div>
% endif
